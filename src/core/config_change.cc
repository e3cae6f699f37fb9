#include "core/config_change.h"

#include <exception>

#include "core/canonical_json.h"

namespace stub {

Result<Entry> MakeConfigEntry(const ConfigChange& change, Timestamp now) {
  nlohmann::json j = change.extra.is_object() ? change.extra : nlohmann::json::object();
  j["action"] = change.action;
  j["actor"] = change.actor;
  j["node"] = change.node;
  j["old"] = change.old_value;
  j["new"] = change.new_value;
  if (!change.reason.empty()) j["reason"] = change.reason;
  std::string text;
  try {
    text = j.dump();
  } catch (const std::exception&) {
    return InvalidArgument("a configuration value is not valid UTF-8", "invalid_request");
  }
  STUB_ASSIGN_OR_RETURN(std::string canonical, CanonicalizeJson(text));
  Entry e;
  e.kind = EntryKind::kConfig;
  e.created_at = now;
  e.budget_at = now;
  e.ref = change.node;
  e.agent = change.agent;
  e.intent = change.action;
  e.receipt_hash = ReceiptHash(canonical);
  e.receipt = std::move(canonical);
  return e;
}

}  // namespace stub
