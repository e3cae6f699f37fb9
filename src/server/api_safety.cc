// Safety (API.md "Safety"): policies, freeze/unfreeze, the kill-switch.
// Every change goes through the Engine, which records it in the org's
// hash-chained journal as a `config` entry naming the key that made it.
#include <charconv>
#include <optional>
#include <utility>

#include "core/policy_json.h"
#include "core/text_limits.h"
#include "server/api.h"
#include "server/api_error.h"
#include "server/json_views.h"

namespace stub {
namespace {

Status RequireOrgRole(const Principal& p, std::initializer_list<KeyRole> roles) {
  STUB_RETURN_IF_ERROR(RequireRole(p, roles));
  if (p.org.empty()) return Forbidden("this endpoint needs a key of an org");
  return Status::Ok();
}

Json PolicyView(const NodeRow& row) {
  return {{"node", row.node.id},
          {"kind", NodeKindName(row.node.kind)},
          {"policy", PolicyToJson(*row.policy)}};
}

}  // namespace

ApiResponse Api::PutPolicy(const ApiRequest& request, const PathParams& params,
                           const Principal& p) {
  if (Status s = RequireOrgRole(p, {KeyRole::kAdmin}); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto policy = PolicyFromJson(*body);
  if (!policy.ok()) return ErrorResponse(policy.status());
  auto row = engine_.PutPolicy(p.org, params.at("node"), std::move(*policy), p.key_id);
  if (!row.ok()) return ErrorResponse(row.status());
  return JsonResponse(200, PolicyView(*row));
}

ApiResponse Api::GetPolicy(const ApiRequest&, const PathParams& params, const Principal& p) {
  if (p.role == KeyRole::kAgent) {
    // An agent key reads its own agent's policy (the MCP resource stub://policy).
    if (params.at("node") != p.agent) {
      return ErrorResponse(Forbidden("an agent key reads only its own agent's policy"));
    }
  } else if (Status s = RequireOrgRole(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover});
             !s.ok()) {
    return ErrorResponse(s);
  }
  auto path = engine_.GetPath(p.org, params.at("node"));
  if (!path.ok()) return ErrorResponse(path.status());
  // Every policy on the path applies to a spend of the node's subtree: the
  // ancestors' that are set, nearest first.
  Json view = PolicyView(path->front());
  Json inherited = Json::array();
  for (std::size_t i = 1; i < path->size(); ++i) {
    if (!(*path)[i].policy.empty()) inherited.push_back(PolicyView((*path)[i]));
  }
  view["inherited"] = std::move(inherited);
  return JsonResponse(200, view);
}

ApiResponse Api::FreezeAgent(const ApiRequest& request, const PathParams& params,
                             const Principal& p) {
  return SetFrozen(request, params, p, /*frozen=*/true);
}

ApiResponse Api::UnfreezeAgent(const ApiRequest& request, const PathParams& params,
                               const Principal& p) {
  return SetFrozen(request, params, p, /*frozen=*/false);
}

ApiResponse Api::SetFrozen(const ApiRequest& request, const PathParams& params, const Principal& p,
                           bool frozen) {
  if (Status s = RequireOrgRole(p, {KeyRole::kAdmin}); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body, /*empty_ok=*/true);
  if (!body.ok()) return ErrorResponse(body.status());
  auto reason = OptionalText(*body, "reason", kMaxReasonTextBytes);
  if (!reason.ok()) return ErrorResponse(reason.status());
  const std::string& id = params.at("id");
  auto existing = engine_.GetNode(p.org, id);
  if (!existing.ok()) return ErrorResponse(existing.status());
  if (!*existing || (*existing)->node.kind != NodeKind::kAgent) {
    return ErrorResponse(NotFound("unknown agent '" + id + "'", "not_found"));
  }
  auto row = engine_.SetFrozen(p.org, id, frozen, reason->value_or(""), p.key_id);
  if (!row.ok()) return ErrorResponse(row.status());
  Json out = {{"id", row->node.id}, {"frozen", row->node.frozen}};
  if (row->node.frozen) out["reason"] = row->node.frozen_reason;
  return JsonResponse(200, out);
}

ApiResponse Api::KillSwitch(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireOrgRole(p, {KeyRole::kAdmin}); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto engaged = OptionalBool(*body, "engaged");
  if (!engaged.ok()) return ErrorResponse(engaged.status());
  if (!*engaged) {
    return ErrorResponse(
        InvalidArgument("'engaged' (true or false) is required", "invalid_request"));
  }
  auto reason = OptionalText(*body, "reason", kMaxReasonTextBytes);
  if (!reason.ok()) return ErrorResponse(reason.status());
  auto org = engine_.SetKillSwitch(p.org, **engaged, reason->value_or(""), p.key_id);
  if (!org.ok()) return ErrorResponse(org.status());
  return JsonResponse(200, {{"org", org->id}, {"engaged", org->kill_switch}});
}

}  // namespace stub

namespace stub {
namespace {

Json ApprovalJson(const ApprovalRow& a) {
  Json j = {{"id", a.id},
            {"status", ApprovalStatusName(a.status)},
            {"agent", a.agent},
            {"amount", FormatAmount(a.amount)},
            {"vendor", a.vendor},
            {"category", a.category},
            {"session", a.session},
            {"user", a.user},
            {"intent", a.intent},
            {"node", a.node},
            {"approval_over", FormatAmount(a.over)},
            {"hold_id", a.id},
            {"created_at", FormatRfc3339(a.created_at)},
            {"expires_at", FormatRfc3339(a.expires_at)}};
  if (a.decided_at != 0) {
    j["decided_at"] = FormatRfc3339(a.decided_at);
    j["decided_by"] = a.decided_by;
  }
  if (!a.note.empty()) j["note"] = a.note;
  if (!a.spend_id.empty()) j["spend_id"] = a.spend_id;
  return j;
}

}  // namespace

ApiResponse Api::ListApprovals(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireOrgRole(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover});
      !s.ok()) {
    return ErrorResponse(s);
  }
  std::optional<ApprovalStatus> status;
  if (std::string_view name = request.Query("status"); !name.empty()) {
    status = ParseApprovalStatus(name);
    if (!status) {
      return ErrorResponse(InvalidArgument("'status' must be pending, approved, denied or expired",
                                           "invalid_request"));
    }
  }
  std::size_t limit = 100;
  if (std::string_view l = request.Query("limit"); !l.empty()) {
    std::size_t n = 0;
    const auto [end, ec] = std::from_chars(l.data(), l.data() + l.size(), n);
    if (ec != std::errc() || end != l.data() + l.size() || n == 0 || n > 1000) {
      return ErrorResponse(InvalidArgument("'limit' must be 1..1000", "invalid_request"));
    }
    limit = n;
  }
  std::optional<ItemKey> cursor;
  if (std::string_view c = request.Query("cursor"); !c.empty()) {
    auto key = ReadService::DecodeCursor(c);
    if (!key.ok()) return ErrorResponse(key.status());
    cursor = std::move(*key);
  }
  // Oldest first, a keyset page; next_cursor while more may follow.
  auto page = reads_.ListApprovals(p.org, status, cursor, limit, clock_.Now());
  if (!page.ok()) return ErrorResponse(page.status());
  Json items = Json::array();
  for (const ApprovalRow& a : page->items) items.push_back(ApprovalJson(a));
  Json out = {{"items", std::move(items)}};
  if (page->next) out["next_cursor"] = ReadService::EncodeCursor(*page->next);
  return JsonResponse(200, out);
}

ApiResponse Api::ApproveApproval(const ApiRequest& request, const PathParams& params,
                                 const Principal& p) {
  return DecideApproval(request, params, p, /*approve=*/true);
}

ApiResponse Api::DenyApproval(const ApiRequest& request, const PathParams& params,
                              const Principal& p) {
  return DecideApproval(request, params, p, /*approve=*/false);
}

ApiResponse Api::DecideApproval(const ApiRequest& request, const PathParams& params,
                                const Principal& p, bool approve) {
  if (Status s = RequireOrgRole(p, {KeyRole::kAdmin, KeyRole::kApprover}); !s.ok()) {
    return ErrorResponse(s);
  }
  auto body = ParseJsonObject(request.body, /*empty_ok=*/true);
  if (!body.ok()) return ErrorResponse(body.status());
  auto note = OptionalText(*body, "reason", kMaxReasonTextBytes);
  if (!note.ok()) return ErrorResponse(note.status());
  auto decided =
      engine_.DecideApproval(p.org, params.at("id"), approve, note->value_or(""), p.key_id);
  if (!decided.ok()) return ErrorResponse(decided.status());
  Json out = ApprovalJson(decided->approval);
  if (approve) {
    CountOutcome(decided->spend);
    out["spend"] = OutcomeJson(decided->spend);
  }
  return JsonResponse(200, out);
}

}  // namespace stub
