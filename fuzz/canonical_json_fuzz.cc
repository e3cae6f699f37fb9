// Fuzzes the receipt canonicaliser (core/canonical_json). Properties: nothing
// crashes or recurses without bound; canonical text is a fixed point
// (canonicalising it again gives the same bytes) and is valid JSON that the
// bounded parser reads; a canonical receipt is an object of at most 64 KiB.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "core/canonical_json.h"
#include "core/json_input.h"
#include "fuzz_check.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  const std::string_view text(reinterpret_cast<const char*>(data), size);
  auto canonical = stub::CanonicalizeJson(text);
  if (canonical.ok()) {
    auto again = stub::CanonicalizeJson(*canonical);
    STUB_FUZZ_CHECK(again.ok());
    STUB_FUZZ_CHECK(*again == *canonical);
    STUB_FUZZ_CHECK(stub::ParseBoundedJson(*canonical, {.allow_nul = true}).ok());
  }
  auto receipt = stub::CanonicalizeReceipt(text);
  if (receipt.ok()) {
    STUB_FUZZ_CHECK(receipt->size() <= stub::kMaxReceiptBytes);
    STUB_FUZZ_CHECK(!receipt->empty() && receipt->front() == '{');
  }
  return 0;
}
