// Fuzzes the bounded JSON parser (core/json_input) and the request-body field
// readers (server/json_body) on arbitrary bytes. Properties: nothing crashes
// or hangs; an accepted document is at most kMaxJsonDepth deep, holds no NUL,
// and is exactly what nlohmann/json's own parser reads (so the bounds change
// what is refused, never what is read).
#include <algorithm>
#include <cstddef>
#include <cstdint>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/canonical_json.h"
#include "core/json_input.h"
#include "fuzz_check.h"
#include "server/json_body.h"

namespace {

// The depth of `j`, walked with an explicit stack.
std::size_t DepthOf(const nlohmann::json& root) {
  std::size_t deepest = 0;
  std::vector<std::pair<const nlohmann::json*, std::size_t>> todo = {{&root, 0}};
  while (!todo.empty()) {
    auto [j, depth] = todo.back();
    todo.pop_back();
    if (!j->is_structured()) continue;
    deepest = std::max(deepest, depth + 1);
    for (const auto& child : *j) todo.emplace_back(&child, depth + 1);
  }
  return deepest;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto parsed = stub::ParseBoundedJson(text);
  if (parsed.ok()) {
    STUB_FUZZ_CHECK(DepthOf(*parsed) <= stub::kMaxJsonDepth);
    const auto reference = nlohmann::json::parse(text, nullptr, /*allow_exceptions=*/false);
    STUB_FUZZ_CHECK(!reference.is_discarded());
    STUB_FUZZ_CHECK(reference == *parsed);
    STUB_FUZZ_CHECK(parsed->dump().find('\0') == std::string::npos);
  }
  auto body = stub::ParseJsonObject(text, /*empty_ok=*/true);
  if (!body.ok()) return 0;
  (void)stub::OptionalString(*body, "agent");
  (void)stub::RequiredString(*body, "vendor");
  (void)stub::OptionalText(*body, "intent", 1024);
  (void)stub::RequiredAmount(*body, "amount");
  (void)stub::RequiredNonNegativeAmount(*body, "amount");
  (void)stub::OptionalInt(*body, "expires_in", 1, 3600);
  (void)stub::OptionalBool(*body, "engaged");
  auto receipt = stub::OptionalReceipt(*body, "receipt");
  if (receipt.ok() && !receipt->empty()) {
    STUB_FUZZ_CHECK(receipt->size() <= stub::kMaxReceiptBytes);
    STUB_FUZZ_CHECK(receipt->front() == '{');
  }
  (void)stub::DumpJson(*body);
  return 0;
}
