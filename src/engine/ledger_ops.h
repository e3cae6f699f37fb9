// The ledger's state transitions, each applied inside a caller-owned
// transaction (through its LedgerTxn row cache) at a caller-given `now`. They read what they need
// through the transaction, decide with the pure core, and buffer every write (entry, lines, every
// ancestor's node row, the org's chain head, the hold, the idempotency record) in that same
// transaction. They never commit, retry or read a clock: the engine does that around them, and a
// batch may apply many of them in one transaction.
//
// Errors of kind kInvalidArgument, kNotFound, kFailedPrecondition and
// kAlreadyExists are raised before the operation writes anything of its own
// (an expiry sweep it ran first may have written; that stands on its own), so
// a batch may record the error for that request and go on. After any other
// error the transaction must be abandoned (its writes may be partial).
#pragma once

#include <cstddef>
#include <optional>
#include <string_view>
#include <vector>

#include "core/approval.h"
#include "core/budget.h"
#include "core/config_change.h"
#include "core/decision.h"
#include "core/org.h"
#include "engine/ledger_txn.h"
#include "engine/requests.h"
#include "store/store.h"

namespace stub {

// At most this many due holds are expired by one transaction's sweep (keeps a
// transaction within Aurora DSQL's 3,000-row bound).
inline constexpr std::size_t kMaxExpiriesPerTxn = 500;

// The path from `agent` up to the org root, each node's row as of this
// transaction. Errors: kNotFound "unknown agent …" (reason "not_found") when
// the agent does not exist or is not an agent; kInternal for a broken tree.
// The rows are cached in `lt`; the pointers live as long as it does.
Result<std::vector<NodeRow*>> LoadChain(LedgerTxn& lt, std::string_view org,
                                        std::string_view agent);

// Loads the paths of all `agents` (ids of org `org`) into `lt` up front: one
// store call per tree level (Transaction::GetNodes) instead of one per node,
// before the batch writes anything — so the store need not flush buffered
// writes to answer a read in the middle of the batch. Ids that are not
// agents, and broken trees, are left for LoadChain to report.
Status PrefetchChains(LedgerTxn& lt, std::string_view org,
                      const std::vector<std::string_view>& agents);

// The receipt of a hold captured in full at its expiry (capture_on_expiry).
inline constexpr std::string_view kSettledAtExpiryReceipt = R"({"settled_at_expiry":true})";

// Expires the org's holds that are due at `now` (at most kMaxExpiriesPerTxn):
// each gets an `expire` entry — or, when Hold::capture_on_expiry, is captured
// in full with receipt kSettledAtExpiryReceipt (a `capture` entry, even with
// the kill switch engaged: it books money already spent) —, its reservation
// leaves every node on its path, and the org's next_hold_expiry is
// recomputed. Updates `org` (a row cached in `lt`) in place. Returns the
// number resolved.
Result<std::size_t> SweepDueHolds(LedgerTxn& lt, OrgRow& org, Timestamp now);

// A spend (kind kSpend) or hold (kind kHold) of request.amount by
// request.agent. Denials are recorded (denial record + idempotency record,
// no hot row touched) and returned as an Outcome, not an error. A replay of
// an earlier request with the same key returns its outcome with
// replayed = true and writes nothing.
// Errors: kNotFound (org or agent), kInvalidArgument (bad request),
// kFailedPrecondition "idempotency_key_reused", kConflict (retry).
Result<SpendResult> ApplySpend(LedgerTxn& lt, const SpendRequest& request, Timestamp now);
Result<SpendResult> ApplyHold(LedgerTxn& lt, const HoldRequest& request, Timestamp now);

// Captures request.amount of a pending hold as a spend, counted in the
// periods the hold reserved. Errors: kNotFound, kFailedPrecondition
// "hold_not_pending" (also for an approval's hold: decide the approval),
// "kill_switch" (the org's kill-switch is engaged: no spend commits),
// kInvalidArgument "capture_exceeds_hold".
Result<SpendResult> ApplyCapture(LedgerTxn& lt, const CaptureRequest& request, Timestamp now);

// Voids a pending hold, releasing its reservation. Returns the hold as voided.
Result<Hold> ApplyVoid(LedgerTxn& lt, std::string_view org, std::string_view hold_id,
                       Timestamp now);

// Appends a `config` entry recording `change` (core/config_change.h) to the
// org's chain, advancing `org` (a row cached in `lt`). Errors:
// kInvalidArgument (a value not valid UTF-8), kOutOfRange, store errors.
Status AppendConfigEntry(LedgerTxn& lt, OrgRow& org, const ConfigChange& change, Timestamp now);

// Decides a pending approval: approve captures its held amount as a spend
// (refused while the kill-switch is engaged: kFailedPrecondition
// "kill_switch"), deny voids the hold. Records the decision (approval row
// and an `approval.decided` config entry by `actor`). An approval due at
// `now` expires first. Errors: kNotFound, kFailedPrecondition
// "approval_not_pending".
struct ApprovalDecision {
  ApprovalRow approval;
  Outcome spend;  // approve: the booked spend
};
Result<ApprovalDecision> ApplyDecideApproval(LedgerTxn& lt, std::string_view org,
                                             std::string_view approval_id, bool approve,
                                             std::string_view note, std::string_view actor,
                                             Timestamp now);

// Records a `contention` denial of a request whose retries were exhausted.
// Binds no idempotency key: the client may retry with the same key.
Result<SpendResult> RecordContentionDenial(LedgerTxn& lt, const SpendRequest& request,
                                           std::string_view request_kind, Timestamp now);

}  // namespace stub
