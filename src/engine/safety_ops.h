// The safety controls' state transitions — a node's policy, an agent's
// freeze, the org's kill-switch — each applied inside a caller-owned
// transaction like the ledger operations (ledger_ops.h), and each recorded
// in the same transaction as a `config` journal entry (who, when, old → new;
// core/config_change.h), so every change is hash-chained and verifiable.
//
// Every one writes the org row (the chain head). Every booked spend of the
// org writes it too, so a change and a concurrent spend conflict: a spend
// that commits was decided on a state the change's commit did not precede.
// That makes the kill-switch linearizable: once Engage has committed, no
// spend that read kill_switch = false can commit.
//
// Errors: kNotFound (org or node), kInvalidArgument; store errors.
#pragma once

#include <string_view>

#include "core/budget.h"
#include "core/money.h"
#include "core/org.h"
#include "core/policy_value.h"
#include "engine/ledger_txn.h"

namespace stub {

// Replaces the policy of `node` (the org id for the org root). Requires a
// normalised policy (NormalizePolicy). A policy equal to the current one
// changes and records nothing.
Result<NodeRow> ApplyPutPolicy(LedgerTxn& lt, std::string_view org, std::string_view node,
                               Policy policy, std::string_view actor, Timestamp now);

// Freezes (frozen = true, with `reason`) or unfreezes an agent or team. No
// change, no record.
Result<NodeRow> ApplySetFrozen(LedgerTxn& lt, std::string_view org, std::string_view node,
                               bool frozen, std::string_view reason, std::string_view actor,
                               Timestamp now);

// Sets the org's ceiling for one spend, hold or approval request
// (OrgRow::max_spend). Errors: kInvalidArgument "invalid_amount" unless
// 0 < max_spend <= kMaxSpendCeiling. No change, no record.
Result<OrgRow> ApplySetMaxSpend(LedgerTxn& lt, std::string_view org, Micros max_spend,
                                std::string_view actor, Timestamp now);

// Engages or releases the org's kill-switch. No change, no record.
Result<OrgRow> ApplySetKillSwitch(LedgerTxn& lt, std::string_view org, bool engaged,
                                  std::string_view reason, std::string_view actor, Timestamp now);

}  // namespace stub
