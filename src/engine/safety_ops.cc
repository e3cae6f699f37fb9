#include "engine/safety_ops.h"

#include <string>
#include <utility>

#include "core/config_change.h"
#include "core/policy_json.h"
#include "engine/ledger_ops.h"

namespace stub {
namespace {

Result<OrgRow*> OrgOf(LedgerTxn& lt, std::string_view org) {
  STUB_ASSIGN_OR_RETURN(OrgRow * row, lt.Org(org));
  if (row == nullptr) return NotFound("unknown org '" + std::string(org) + "'", "not_found");
  return row;
}

Result<NodeRow*> NodeOf(LedgerTxn& lt, std::string_view org, std::string_view node) {
  STUB_ASSIGN_OR_RETURN(NodeRow * row, lt.Node(org, node));
  if (row == nullptr) return NotFound("unknown node '" + std::string(node) + "'", "not_found");
  return row;
}

}  // namespace

Result<NodeRow> ApplyPutPolicy(LedgerTxn& lt, std::string_view org, std::string_view node,
                               Policy policy, std::string_view actor, Timestamp now) {
  STUB_ASSIGN_OR_RETURN(OrgRow * org_row, OrgOf(lt, org));
  STUB_ASSIGN_OR_RETURN(NodeRow * row, NodeOf(lt, org, node));
  if (*row->policy == policy) return *row;
  ConfigChange change;
  change.actor = std::string(actor);
  change.action = std::string(kActionPolicyUpdated);
  change.node = row->node.id;
  if (row->node.kind == NodeKind::kAgent) change.agent = row->node.id;
  change.old_value = PolicyToJson(*row->policy);
  change.new_value = PolicyToJson(policy);
  row->policy = std::move(policy);
  lt.MarkNodeDirty(org, node);
  STUB_RETURN_IF_ERROR(AppendConfigEntry(lt, *org_row, change, now));
  return *row;
}

Result<NodeRow> ApplySetFrozen(LedgerTxn& lt, std::string_view org, std::string_view node,
                               bool frozen, std::string_view reason, std::string_view actor,
                               Timestamp now) {
  STUB_ASSIGN_OR_RETURN(OrgRow * org_row, OrgOf(lt, org));
  STUB_ASSIGN_OR_RETURN(NodeRow * row, NodeOf(lt, org, node));
  if (row->node.kind == NodeKind::kOrg) {
    return InvalidArgument("the org is stopped with the kill-switch, not frozen",
                           "invalid_request");
  }
  if (row->node.frozen == frozen) return *row;
  ConfigChange change;
  change.actor = std::string(actor);
  change.action = std::string(frozen ? kActionAgentFrozen : kActionAgentUnfrozen);
  change.node = row->node.id;
  if (row->node.kind == NodeKind::kAgent) change.agent = row->node.id;
  change.old_value = row->node.frozen;
  change.new_value = frozen;
  change.reason = std::string(reason);
  if (!frozen && !row->node.frozen_reason.empty()) {
    change.extra = {{"frozen_reason", row->node.frozen_reason}};
  }
  row->node.frozen = frozen;
  row->node.frozen_reason = frozen ? std::string(reason) : std::string();
  lt.MarkNodeDirty(org, node);
  STUB_RETURN_IF_ERROR(AppendConfigEntry(lt, *org_row, change, now));
  return *row;
}

Result<OrgRow> ApplySetMaxSpend(LedgerTxn& lt, std::string_view org, Micros max_spend,
                                std::string_view actor, Timestamp now) {
  if (max_spend <= 0 || max_spend > kMaxSpendCeiling) {
    return InvalidArgument(
        "max_spend must be positive and at most " + FormatAmount(kMaxSpendCeiling),
        "invalid_amount");
  }
  STUB_ASSIGN_OR_RETURN(OrgRow * org_row, OrgOf(lt, org));
  if (org_row->max_spend == max_spend) return *org_row;
  ConfigChange change;
  change.actor = std::string(actor);
  change.action = std::string(kActionMaxSpendUpdated);
  change.node = org_row->id;
  change.old_value = FormatAmount(org_row->max_spend);
  change.new_value = FormatAmount(max_spend);
  org_row->max_spend = max_spend;
  lt.MarkOrgDirty(org);
  STUB_RETURN_IF_ERROR(AppendConfigEntry(lt, *org_row, change, now));
  return *org_row;
}

Result<OrgRow> ApplySetKillSwitch(LedgerTxn& lt, std::string_view org, bool engaged,
                                  std::string_view reason, std::string_view actor, Timestamp now) {
  STUB_ASSIGN_OR_RETURN(OrgRow * org_row, OrgOf(lt, org));
  if (org_row->kill_switch == engaged) return *org_row;
  ConfigChange change;
  change.actor = std::string(actor);
  change.action = std::string(engaged ? kActionKillSwitchEngaged : kActionKillSwitchReleased);
  change.node = org_row->id;
  change.old_value = org_row->kill_switch;
  change.new_value = engaged;
  change.reason = std::string(reason);
  org_row->kill_switch = engaged;
  lt.MarkOrgDirty(org);
  STUB_RETURN_IF_ERROR(AppendConfigEntry(lt, *org_row, change, now));
  return *org_row;
}

}  // namespace stub
