// Orgs, keys and the budget tree.
#include <utility>

#include "core/period.h"
#include "core/text_limits.h"
#include "engine/budget_view.h"
#include "server/api.h"
#include "server/api_error.h"
#include "server/json_views.h"

namespace stub {
namespace {

// "limits": [{"amount": "100.00", "period": "month"}, …]
Result<std::vector<Limit>> ParseLimits(const Json& array) {
  if (!array.is_array()) {
    return InvalidArgument("'limits' must be an array of {amount, period}", "invalid_request");
  }
  std::vector<Limit> out;
  for (const Json& item : array) {
    if (!item.is_object()) {
      return InvalidArgument("each limit must be an object {amount, period}", "invalid_request");
    }
    STUB_ASSIGN_OR_RETURN(Micros amount, RequiredNonNegativeAmount(item, "amount"));
    STUB_ASSIGN_OR_RETURN(std::string period_name, RequiredString(item, "period"));
    auto period = ParsePeriod(period_name);
    if (!period) {
      return InvalidArgument("'period' must be day, week, month, quarter, year or total",
                             "invalid_request");
    }
    out.push_back({amount, *period});
  }
  return out;
}

Status RequireOrgKey(const Principal& p, std::initializer_list<KeyRole> roles) {
  STUB_RETURN_IF_ERROR(RequireRole(p, roles));
  if (p.org.empty()) return Forbidden("this endpoint needs a key of an org");
  return Status::Ok();
}

}  // namespace

ApiResponse Api::CreateOrg(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireRole(p, {KeyRole::kRoot}); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto id = RequiredString(*body, "id");
  if (!id.ok()) return ErrorResponse(id.status());
  auto name = OptionalText(*body, "name", kMaxNameTextBytes);
  if (!name.ok()) return ErrorResponse(name.status());
  auto currency = OptionalString(*body, "currency");
  if (!currency.ok()) return ErrorResponse(currency.status());
  // The org and its first admin key commit together: no org is ever left
  // without a way in.
  auto admin = KeyService::Prepare(*id, KeyRole::kAdmin, "", "admin");
  if (!admin.ok()) return ErrorResponse(admin.status());
  auto org = engine_.CreateOrg(
      *id, name->value_or(*id), currency->value_or("USD"),
      [&admin](Transaction& txn, Timestamp now) { return KeyService::Insert(txn, *admin, now); });
  if (!org.ok()) return ErrorResponse(org.status());
  Json out = OrgJson(*org);
  out["admin_key"] = admin->secret;
  out["admin_key_id"] = admin->row.id;
  return JsonResponse(201, out);
}

ApiResponse Api::CreateKey(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireOrgKey(p, {KeyRole::kAdmin}); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto role_name = RequiredString(*body, "role");
  if (!role_name.ok()) return ErrorResponse(role_name.status());
  auto role = ParseKeyRole(*role_name);
  if (!role || *role == KeyRole::kRoot) {
    return ErrorResponse(
        InvalidArgument("'role' must be admin, finance, approver or agent", "invalid_request"));
  }
  auto agent = OptionalText(*body, "agent", kMaxIdTextBytes);
  if (!agent.ok()) return ErrorResponse(agent.status());
  auto name = OptionalText(*body, "name", kMaxNameTextBytes);
  if (!name.ok()) return ErrorResponse(name.status());
  auto issued = keys_.Create(p.org, *role, agent->value_or(""), name->value_or(""));
  if (!issued.ok()) return ErrorResponse(issued.status());
  Json out = KeyJson(issued->row);
  out["key"] = issued->secret;
  return JsonResponse(201, out);
}

ApiResponse Api::ListKeys(const ApiRequest&, const PathParams&, const Principal& p) {
  if (Status s = RequireOrgKey(p, {KeyRole::kAdmin}); !s.ok()) return ErrorResponse(s);
  auto keys = keys_.List(p.org);
  if (!keys.ok()) return ErrorResponse(keys.status());
  Json items = Json::array();
  for (const auto& k : *keys) items.push_back(KeyJson(k));
  return JsonResponse(200, {{"items", std::move(items)}});
}

ApiResponse Api::RevokeKey(const ApiRequest&, const PathParams& params, const Principal& p) {
  if (Status s = RequireOrgKey(p, {KeyRole::kAdmin}); !s.ok()) return ErrorResponse(s);
  if (Status s = keys_.Revoke(p.org, params.at("id")); !s.ok()) return ErrorResponse(s);
  ApiResponse r;
  r.status = 204;
  return r;
}

ApiResponse Api::PutOrg(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireOrgKey(p, {KeyRole::kAdmin}); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto existing = engine_.GetNode(p.org, p.org);
  if (!existing.ok()) return ErrorResponse(existing.status());
  if (!*existing) return ErrorResponse(NotFound("unknown org", "not_found"));
  Node node = (*existing)->node;
  if (auto it = body->find("limits"); it != body->end()) {
    auto limits = ParseLimits(*it);
    if (!limits.ok()) return ErrorResponse(limits.status());
    node.limits = std::move(*limits);
  }
  // The limits are parsed before max_spend is applied, and max_spend (whose
  // range the engine checks) before the limits: a refused body changes
  // nothing.
  if (body->contains("max_spend")) {
    auto amount = RequiredAmount(*body, "max_spend");
    if (!amount.ok()) return ErrorResponse(amount.status());
    auto set = engine_.SetMaxSpend(p.org, *amount, p.key_id);
    if (!set.ok()) return ErrorResponse(set.status());
  }
  auto row = engine_.PutNode(p.org, node, p.key_id);
  if (!row.ok()) return ErrorResponse(row.status());
  auto org = engine_.GetOrg(p.org);
  if (!org.ok()) return ErrorResponse(org.status());
  Json out = NodeJson(row->node);
  if (*org) out["max_spend"] = FormatAmount((*org)->max_spend);
  return JsonResponse(200, out);
}

// The dashboard's header reads the org's name, currency and kill-switch
// state here (agent keys are refused: they read only their own budget).
ApiResponse Api::GetOrg(const ApiRequest&, const PathParams&, const Principal& p) {
  if (Status s = RequireOrgKey(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover});
      !s.ok()) {
    return ErrorResponse(s);
  }
  auto org = engine_.GetOrg(p.org);
  if (!org.ok()) return ErrorResponse(org.status());
  if (!*org) return ErrorResponse(NotFound("unknown org", "not_found"));
  return JsonResponse(200, OrgJson(**org));
}

ApiResponse Api::PutTeam(const ApiRequest& request, const PathParams& params, const Principal& p) {
  Node node;
  node.id = params.at("id");
  node.kind = NodeKind::kTeam;
  return PutTreeNode(request, p, std::move(node), /*team=*/true);
}

ApiResponse Api::PutAgent(const ApiRequest& request, const PathParams& params, const Principal& p) {
  Node node;
  node.id = params.at("id");
  node.kind = NodeKind::kAgent;
  return PutTreeNode(request, p, std::move(node), /*team=*/false);
}

ApiResponse Api::PutTreeNode(const ApiRequest& request, const Principal& p, Node node, bool team) {
  if (Status s = RequireOrgKey(p, {KeyRole::kAdmin}); !s.ok()) return ErrorResponse(s);
  if (!IsValidId(node.id)) {
    return ErrorResponse(
        InvalidArgument("ids must match [a-z0-9][a-z0-9_.-]{0,63}", "invalid_request"));
  }
  if (node.id == p.org) {
    return ErrorResponse(InvalidArgument("that id is the org's own", "invalid_request"));
  }
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  auto parent = OptionalText(*body, team ? "parent" : "team", kMaxIdTextBytes);
  if (!parent.ok()) return ErrorResponse(parent.status());
  if (!team && (!*parent || (*parent)->empty())) {
    return ErrorResponse(InvalidArgument("'team' is required", "invalid_request"));
  }
  auto name = OptionalText(*body, "name", kMaxNameTextBytes);
  if (!name.ok()) return ErrorResponse(name.status());
  auto existing = engine_.GetNode(p.org, node.id);
  if (!existing.ok()) return ErrorResponse(existing.status());
  // An update keeps what the body does not name. A team without "parent"
  // goes under the org root when created and stays where it is when updated
  // (moving a subtree only because a field was left out would be a trap).
  node.parent = p.org;
  if (*existing) {
    node.parent = (*existing)->node.parent;
    node.name = (*existing)->node.name;
    node.limits = (*existing)->node.limits;
    node.frozen = (*existing)->node.frozen;
    node.frozen_reason = (*existing)->node.frozen_reason;
  }
  if (*parent && !(*parent)->empty()) node.parent = **parent;
  if (*name) node.name = **name;
  if (auto it = body->find("limits"); it != body->end() && !it->is_null()) {
    auto limits = ParseLimits(*it);
    if (!limits.ok()) return ErrorResponse(limits.status());
    node.limits = std::move(*limits);
  }
  auto row = engine_.PutNode(p.org, node, p.key_id);
  if (!row.ok()) return ErrorResponse(row.status());
  return JsonResponse(*existing ? 200 : 201, NodeJson(row->node));
}

ApiResponse Api::GetBudgets(const ApiRequest&, const PathParams&, const Principal& p) {
  if (Status s = RequireOrgKey(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover});
      !s.ok()) {
    return ErrorResponse(s);
  }
  auto txn = store_.Begin({.read_only = true});
  if (!txn.ok()) return ErrorResponse(txn.status());
  auto tree = ReadBudgetTree(**txn, p.org, clock_.Now());
  if (!tree.ok()) return ErrorResponse(tree.status());
  return JsonResponse(200, BudgetJson(*tree, /*with_effective=*/true));
}

ApiResponse Api::GetBudget(const ApiRequest&, const PathParams& params, const Principal& p) {
  const std::string& id = params.at("node");
  if (p.role == KeyRole::kAgent) {
    if (id != p.agent) return ErrorResponse(Forbidden("an agent key reads only its own budget"));
  } else if (Status s = RequireOrgKey(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover});
             !s.ok()) {
    return ErrorResponse(s);
  }
  auto txn = store_.Begin({.read_only = true});
  if (!txn.ok()) return ErrorResponse(txn.status());
  auto view = ReadBudgetNode(**txn, p.org, id, clock_.Now());
  if (!view.ok()) return ErrorResponse(view.status());
  return JsonResponse(200, BudgetJson(*view, /*with_effective=*/true));
}

}  // namespace stub
