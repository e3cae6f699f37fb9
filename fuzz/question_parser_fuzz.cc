// Fuzzes the English question parser (query/question_parser) against a small
// fixed catalogue. Properties: nothing crashes or hangs; every spec it
// produces passes ValidateQuerySpec (the same check a model's tool call gets).
#include <cstddef>
#include <cstdint>
#include <string_view>
#include <variant>

#include "fuzz_check.h"
#include "query/query_spec.h"
#include "query/question_parser.h"

namespace {

stub::QueryCatalogue MakeCatalogue() {
  stub::QueryCatalogue cat;
  auto node = [&](const char* id, stub::NodeKind kind, const char* parent, const char* name) {
    stub::Node n;
    n.id = id;
    n.kind = kind;
    n.parent = parent;
    n.name = name;
    cat.tree.push_back(n);
  };
  node("acme", stub::NodeKind::kOrg, "", "Acme Corp");
  node("marketing", stub::NodeKind::kTeam, "acme", "Marketing");
  node("engineering", stub::NodeKind::kTeam, "acme", "Engineering");
  node("mkt-writer-1", stub::NodeKind::kAgent, "marketing", "Content writer");
  node("eng-copilot-1", stub::NodeKind::kAgent, "engineering", "Copilot");
  cat.vendors = {"api.openai.com", "api.dataco.com", "api.anthropic.com"};
  cat.categories = {"data", "llm", "compute"};
  cat.users = {"alice@acme.com"};
  cat.sessions = {"sess-42"};
  cat.intents = {"weekly competitor report"};
  return cat;
}

}  // namespace

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  if (size > 1000) return 0;  // POST /v1/query refuses longer questions
  static const stub::QueryCatalogue catalogue = MakeCatalogue();
  const std::string_view question(reinterpret_cast<const char*>(data), size);
  // 2026-11-28T10:00:00Z
  const stub::ParsedQuestion parsed =
      stub::ParseQuestion(question, catalogue, 1'795'860'000'000'000);
  if (const auto* spec = std::get_if<stub::QuerySpec>(&parsed)) {
    STUB_FUZZ_CHECK(stub::ValidateQuerySpec(*spec).ok());
  }
  return 0;
}
