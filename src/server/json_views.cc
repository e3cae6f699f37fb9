#include "server/json_views.h"

#include "core/period.h"
#include "core/time_util.h"

namespace stub {
namespace {

Json Remaining(const std::optional<Micros>& r) {
  return r ? Json(FormatAmount(*r)) : Json(nullptr);  // null: unlimited
}

Json BindingJson(const std::optional<Binding>& b) {
  if (!b) return nullptr;
  return {{"node", b->node}, {"period", std::string(PeriodName(b->period))}};
}

}  // namespace

Json LimitsJson(const std::vector<Limit>& limits) {
  Json out = Json::array();
  for (const Limit& l : limits) {
    out.push_back({{"amount", FormatAmount(l.amount)}, {"period", PeriodName(l.period)}});
  }
  return out;
}

Json NodeJson(const Node& node) {
  Json j = {{"id", node.id},
            {"kind", NodeKindName(node.kind)},
            {"name", node.name},
            {"limits", LimitsJson(node.limits)},
            {"frozen", node.frozen}};
  if (!node.parent.empty()) j["parent"] = node.parent;
  return j;
}

Json OrgJson(const OrgRow& org) {
  return {{"id", org.id},
          {"name", org.name},
          {"currency", org.currency},
          {"created_at", FormatRfc3339(org.created_at)},
          {"kill_switch", org.kill_switch},
          {"max_spend", FormatAmount(org.max_spend)}};
}

Json KeyJson(const ApiKeyRow& key) {
  Json j = {{"id", key.id},
            {"role", KeyRoleName(key.role)},
            {"name", key.name},
            {"created_at", FormatRfc3339(key.created_at)},
            {"revoked", key.revoked()}};
  if (!key.agent.empty()) j["agent"] = key.agent;
  if (key.revoked()) j["revoked_at"] = FormatRfc3339(key.revoked_at);
  return j;
}

Json BudgetJson(const BudgetNodeView& view, bool with_effective) {
  Json limits = Json::array();
  for (const LimitView& l : view.limits) {
    limits.push_back({{"amount", FormatAmount(l.limit.amount)},
                      {"period", PeriodName(l.limit.period)},
                      {"spent", FormatAmount(l.spent)},
                      {"held", FormatAmount(l.held)},
                      {"remaining", FormatAmount(l.remaining)}});
  }
  Json children = Json::array();
  for (const auto& c : view.children) children.push_back(BudgetJson(c, false));
  Json j = {{"id", view.node.id},         {"kind", NodeKindName(view.node.kind)},
            {"name", view.node.name},     {"limits", std::move(limits)},
            {"frozen", view.node.frozen}, {"children", std::move(children)}};
  if (!view.node.parent.empty()) j["parent"] = view.node.parent;
  if (with_effective) {
    j["effective_remaining"] = Remaining(view.effective_remaining);
    j["binding"] = BindingJson(view.binding);
  }
  return j;
}

void AddDenialDetails(Json& j, const Denial& d) {
  switch (d.reason) {
    case DenyReason::kBudgetExceeded:
    case DenyReason::kPerSpendLimit:
    case DenyReason::kWindowLimit:
    case DenyReason::kVelocityTripped:
      if (d.counts_spends) {
        j["limit_spends"] = d.limit;
        j["used_spends"] = d.used;
      } else {
        j["limit"] = FormatAmount(d.limit);
        if (d.reason != DenyReason::kPerSpendLimit) j["used"] = FormatAmount(d.used);
      }
      break;
    default:
      break;
  }
  if (d.window_seconds != 0) j["window_seconds"] = d.window_seconds;
}

Json OutcomeJson(const Outcome& o) {
  Json j = {
      {"id", o.id}, {"status", OutcomeStatusName(o.status)}, {"amount", FormatAmount(o.amount)}};
  if (o.status == OutcomeStatus::kDenied && o.denial) {
    const Denial& d = *o.denial;
    j["reason"] = DenyReasonName(d.reason);
    if (!d.node.empty()) j["node"] = d.node;
    if (d.period) j["period"] = PeriodName(*d.period);
    AddDenialDetails(j, d);
    j["message"] = d.message;
    return j;
  }
  j["entry"] = {{"seq", o.entry_seq}, {"hash", o.entry_hash}};
  j["effective_remaining"] = Remaining(o.effective_remaining);
  if (o.binding) j["binding"] = BindingJson(o.binding);
  if (o.status == OutcomeStatus::kHeld || o.status == OutcomeStatus::kPendingApproval) {
    j["expires_at"] = FormatRfc3339(o.expires_at);
  }
  if (o.status == OutcomeStatus::kPendingApproval) j["approval_id"] = o.id;
  return j;
}

namespace {

// True when `s` is written in JSON as it is (printable ASCII, no quote or
// backslash).
bool Plain(std::string_view s) {
  for (char c : s) {
    if (c < 0x20 || c > 0x7e || c == '"' || c == '\\') return false;
  }
  return true;
}

void AppendQuoted(std::string& out, std::string_view s) {
  out += '"';
  out += s;
  out += '"';
}

}  // namespace

std::string OutcomeBody(const Outcome& o) {
  if ((o.status != OutcomeStatus::kApproved && o.status != OutcomeStatus::kHeld) || !Plain(o.id) ||
      !Plain(o.entry_hash) || (o.binding && !Plain(o.binding->node))) {
    return DumpJson(OutcomeJson(o));
  }
  // The keys in nlohmann::json's (sorted) order, as DumpJson writes them.
  std::string out;
  out.reserve(256);
  out += "{\"amount\":";
  AppendQuoted(out, FormatAmount(o.amount));
  if (o.binding) {
    out += ",\"binding\":{\"node\":";
    AppendQuoted(out, o.binding->node);
    out += ",\"period\":";
    AppendQuoted(out, PeriodName(o.binding->period));
    out += '}';
  }
  out += ",\"effective_remaining\":";
  if (o.effective_remaining) {
    AppendQuoted(out, FormatAmount(*o.effective_remaining));
  } else {
    out += "null";
  }
  out += ",\"entry\":{\"hash\":";
  AppendQuoted(out, o.entry_hash);
  out += ",\"seq\":";
  out += std::to_string(o.entry_seq);
  out += '}';
  if (o.status == OutcomeStatus::kHeld) {
    out += ",\"expires_at\":";
    AppendQuoted(out, FormatRfc3339(o.expires_at));
  }
  out += ",\"id\":";
  AppendQuoted(out, o.id);
  out += ",\"status\":";
  AppendQuoted(out, OutcomeStatusName(o.status));
  out += '}';
  return out;
}

Json HoldJson(const Hold& h, Timestamp now) {
  // A due hold no longer counts, unless it is to be captured: then it is
  // spent at the next transaction that looks.
  const HoldStatus status = IsDue(h, now) && !h.capture_on_expiry ? HoldStatus::kExpired : h.status;
  Json j = {{"id", h.id},
            {"status", HoldStatusName(status)},
            {"agent", h.agent},
            {"amount", FormatAmount(h.amount)},
            {"vendor", h.vendor},
            {"category", h.category},
            {"session", h.session},
            {"user", h.user},
            {"intent", h.intent},
            {"created_at", FormatRfc3339(h.created_at)},
            {"expires_at", FormatRfc3339(h.expires_at)},
            {"on_expiry", h.capture_on_expiry ? "capture" : "expire"}};
  if (h.status == HoldStatus::kCaptured) {
    j["captured"] = FormatAmount(h.captured);
    j["spend_id"] = h.spend_id;
  }
  if (h.resolved_at != 0) j["resolved_at"] = FormatRfc3339(h.resolved_at);
  return j;
}

Json EntryJson(const Entry& e) {
  Json lines = Json::array();
  for (const Line& l : e.lines) {
    lines.push_back({{"account", l.account}, {"amount", FormatAmount(l.amount)}});
  }
  Json j = {{"seq", e.seq},
            {"hash", e.hash},
            {"prev_hash", e.prev_hash},
            {"created_at", FormatRfc3339(e.created_at)},
            {"kind", EntryKindName(e.kind)},
            {"ref", e.ref},
            {"agent", e.agent},
            {"path", e.path},
            {"vendor", e.vendor},
            {"category", e.category},
            {"amount", FormatAmount(e.amount)},
            {"lines", std::move(lines)}};
  if (!e.hold.empty()) j["hold"] = e.hold;
  if (e.released != 0) j["released"] = FormatAmount(e.released);
  if (!e.receipt_hash.empty()) j["receipt_hash"] = e.receipt_hash;
  // A config entry's receipt is the change it records (who, old → new).
  if (e.kind == EntryKind::kConfig) {
    j["change"] = Json::parse(e.receipt, nullptr, /*allow_exceptions=*/false);
  }
  return j;
}

Json VerifyJson(const VerifyReport& r) {
  Json problems = Json::array();
  for (const Problem& p : r.problems) {
    Json pj = {{"code", p.code}, {"message", p.message}};
    if (p.seq != 0) pj["seq"] = p.seq;
    if (!p.node.empty()) pj["node"] = p.node;
    problems.push_back(std::move(pj));
  }
  return {
      {"ok", r.ok}, {"entries", r.entries}, {"head", r.head}, {"problems", std::move(problems)}};
}

Json SpendItemJson(const Entry& e, bool with_receipt) {
  Json j = {{"id", e.ref},
            {"status", "approved"},
            {"agent", e.agent},
            {"amount", FormatAmount(e.amount)},
            {"vendor", e.vendor},
            {"category", e.category},
            {"session", e.session},
            {"user", e.user},
            {"intent", e.intent},
            {"created_at", FormatRfc3339(e.created_at)},
            {"entry", {{"seq", e.seq}, {"hash", e.hash}}}};
  if (!e.hold.empty()) j["hold"] = e.hold;
  if (with_receipt) {
    j["receipt"] = e.receipt.empty() ? Json(nullptr)
                                     : Json::parse(e.receipt, nullptr, /*allow_exceptions=*/false);
  }
  return j;
}

Json DenialItemJson(const DenialRecord& d) {
  Json j = {{"id", d.id},
            {"status", "denied"},
            {"agent", d.agent},
            {"amount", FormatAmount(d.amount)},
            {"vendor", d.vendor},
            {"category", d.category},
            {"session", d.session},
            {"user", d.user},
            {"intent", d.intent},
            {"reason", DenyReasonName(d.denial.reason)},
            {"message", d.denial.message},
            {"kind", d.request_kind},
            {"created_at", FormatRfc3339(d.created_at)}};
  if (!d.denial.node.empty()) j["node"] = d.denial.node;
  if (d.denial.period) j["period"] = PeriodName(*d.denial.period);
  AddDenialDetails(j, d.denial);
  return j;
}

}  // namespace stub
