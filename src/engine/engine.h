// The spend service. Each operation is one store transaction that reads every
// ancestor's row, decides with the pure core, and writes entry, lines, node
// rows, chain head and idempotency record together. When the store reports a
// conflict (another transaction won a race on a row this one wrote), the whole
// operation is retried on fresh state after a jittered exponential backoff, up
// to EngineOptions::max_attempts; a spend or hold whose attempts are exhausted
// is recorded as a `contention` denial (its idempotency key stays unbound, so
// the client may retry with it). Operator writes (limits, policies,
// freezes, the kill-switch, approval decisions) take priority within an
// engine: while one is in progress, the engine starts no other transaction,
// so a stream of spends cannot starve it (see priority_gate.h).
//
// Thread-safety: an Engine is thread-safe; any number of threads may call it.
// Several engines (e.g. one per simulated region) may share one Store.
#pragma once

#include <atomic>
#include <cstdint>
#include <functional>
#include <optional>
#include <span>
#include <string>
#include <string_view>
#include <vector>

#include "core/budget.h"
#include "core/org.h"
#include "core/verify.h"
#include "engine/backoff.h"
#include "engine/clock.h"
#include "engine/commit_signal.h"
#include "engine/ledger_ops.h"
#include "engine/priority_gate.h"
#include "engine/requests.h"
#include "store/store.h"

namespace stub {

struct EngineOptions {
  int max_attempts = 12;  // ≥ 1; attempts per operation, the first included
  BackoffPolicy backoff;
  // ApplyBatch: after a batch met a replayed key it had taken for new, this
  // many batches read their keys first (see ApplyBatch).
  int read_keys_after_miss = 64;  // ≥ 0
  TxnOptions txn;                 // passed to every Store::Begin (e.g. injected latency)
};

struct EngineStats {
  std::uint64_t conflicts = 0;   // serialization failures seen (any attempt), and
                                 // batches that met a replayed key (ApplyBatch)
  std::uint64_t retries = 0;     // attempts beyond the first
  std::uint64_t approved = 0;    // spends, holds and captures committed
  std::uint64_t denied = 0;      // denials returned (replays excluded)
  std::uint64_t contention = 0;  // of which: retries exhausted
};

class Engine {
 public:
  // `store` and `clock` must outlive the engine.
  Engine(Store& store, const Clock& clock, EngineOptions options = {});

  // --- administration ---
  // Creates an org and its root node. `also`, when set, runs in the same
  // transaction after them (e.g. to insert the org's first admin key), so the
  // org exists with it or not at all; it may run again on a retry. Errors:
  // kInvalidArgument (bad id, currency), kAlreadyExists, and those of `also`.
  using AlsoInTxn = std::function<Status(Transaction& txn, Timestamp now)>;
  Result<OrgRow> CreateOrg(std::string_view id, std::string_view name,
                           std::string_view currency = "USD", const AlsoInTxn& also = {});
  // Creates or updates a node (team, agent, or the org root's limits), keeping
  // its balances. The parent must exist and be the org or a team; a node
  // never changes kind; a team cannot move under its own subtree.
  // Errors: kInvalidArgument, kNotFound (org or parent).
  // A change of the node's limits (a new node with limits included) is
  // recorded in the audit trail as a `limits.updated` config entry by
  // `actor` (an API key id, "root", "cli", "system").
  Result<NodeRow> PutNode(std::string_view org, const Node& node,
                          std::string_view actor = "system");
  Result<std::optional<NodeRow>> GetNode(std::string_view org, std::string_view node);
  // The node and its ancestors up to the org root, in that order, read in one
  // snapshot. Errors: kNotFound (no such node).
  Result<std::vector<NodeRow>> GetPath(std::string_view org, std::string_view node);
  Result<std::optional<OrgRow>> GetOrg(std::string_view org);

  // --- safety (see safety_ops.h; each change is a config journal entry) ---
  // Validates and normalises `policy` (NormalizePolicy), then sets it as the
  // policy of `node` (an agent, a team, or the org id for the org root).
  // Errors: kInvalidArgument, kNotFound.
  Result<NodeRow> PutPolicy(std::string_view org, std::string_view node, Policy policy,
                            std::string_view actor);
  // Freezes or unfreezes an agent (or a team: every agent under it).
  Result<NodeRow> SetFrozen(std::string_view org, std::string_view node, bool frozen,
                            std::string_view reason, std::string_view actor);
  // Sets the org's ceiling for one spend (see safety_ops.h ApplySetMaxSpend).
  Result<OrgRow> SetMaxSpend(std::string_view org, Micros max_spend, std::string_view actor);
  // Engages or releases the org's kill-switch. Linearizable: once an engage
  // has returned OK, no spend or hold of the org commits until a release.
  Result<OrgRow> SetKillSwitch(std::string_view org, bool engaged, std::string_view reason,
                               std::string_view actor);

  // --- LLM providers (see provider_ops.h) ---
  // Stores `row` (its key already sealed) as provider row.name of `org`,
  // with a config journal entry whose old and new values are the settings
  // (never the key). Returns true when the provider is new. Errors:
  // kNotFound (org), kResourceExhausted "too_many_providers".
  Result<bool> PutProvider(ProviderRow row, std::string_view actor);

  // --- x402 wallets (see wallet_ops.h) ---
  // Stores `row` as wallet row.id of `org`, audited by a config journal
  // entry. Returns true when the wallet is new. Errors: kNotFound (org),
  // kResourceExhausted "too_many_wallets".
  Result<bool> PutWallet(WalletRow row, std::string_view actor);
  // The org's wallet `id`, or nullopt; the org's wallets by id. Read-only.
  Result<std::optional<WalletRow>> GetWallet(std::string_view org, std::string_view id);
  Result<std::vector<WalletRow>> ListWallets(std::string_view org);

  // --- approvals (see ledger_ops.h ApplyDecideApproval) ---
  Result<ApprovalDecision> DecideApproval(std::string_view org, std::string_view approval_id,
                                          bool approve, std::string_view note,
                                          std::string_view actor);
  // The org's approvals with `status` (all when nullopt), oldest first. A
  // pending approval already due is reported expired (its hold stops
  // counting at `now` even before a sweep records it).
  Result<std::vector<ApprovalRow>> ListApprovals(std::string_view org,
                                                 std::optional<ApprovalStatus> status,
                                                 std::size_t limit);
  Result<std::optional<ApprovalRow>> GetApproval(std::string_view org, std::string_view id);

  // --- money ---
  // See ledger_ops.h for the semantics and errors of each.
  Result<SpendResult> Spend(const SpendRequest& request);
  // Applies the requests (spends, holds, captures) in order inside one
  // transaction (group commit), each against the running balances, so each
  // gets its own exact decision; a denial or a request error answers that
  // request alone. If the batch cannot commit (conflict retries exhausted,
  // or a failure that may have left partial writes), every request is
  // retried on its own as by Apply. Returns one result per request, in
  // order. The first attempt takes the idempotency keys for new without
  // reading them; a batch holding a replay is therefore applied twice (the
  // first attempt fails with a conflict), and the next
  // EngineOptions::read_keys_after_miss batches read their keys first.
  // With `wait_durable` false the results may not be durable yet (see
  // Store::CommitIsDurable): the caller must take DurabilityMark() before
  // this call and call MakeDurable(that mark) before it reports them to
  // anyone — this lets a group committer start the next batch while the last
  // one's fsync runs.
  std::vector<Result<SpendResult>> ApplyBatch(std::span<const MoneyRequest> requests,
                                              bool wait_durable = true);
  // ApplyBatch of spends only.
  std::vector<Result<SpendResult>> SpendBatch(std::span<const SpendRequest> requests,
                                              bool wait_durable = true);
  // One request in its own transaction: Spend, Hold or Capture.
  Result<SpendResult> Apply(const MoneyRequest& request);
  Result<SpendResult> Hold(const HoldRequest& request);
  Result<SpendResult> Capture(const CaptureRequest& request);
  Result<stub::Hold> Void(std::string_view org, std::string_view hold_id);
  Result<std::optional<stub::Hold>> GetHold(std::string_view org, std::string_view hold_id);
  // Expires every hold of `org` due now (what the server's sweeper calls).
  // Returns how many were expired.
  Result<std::size_t> ExpireDueHolds(std::string_view org);

  // --- audit ---
  // Recomputes the org's chain, entry balance and node balances from its
  // journal, in one consistent snapshot. Errors: kNotFound.
  Result<VerifyReport> Verify(std::string_view org);

  EngineStats Stats() const;

  // Notified after every write transaction this engine committed (what the
  // event feed waits on instead of polling the store).
  const CommitSignal& commit_signal() const { return commit_signal_; }

  // The store's durability contract (Store::CommitIsDurable,
  // DurabilityMark, MakeDurable).
  bool CommitIsDurable() const { return store_.CommitIsDurable(); }
  std::uint64_t DurabilityMark() const { return store_.DurabilityMark(); }
  Status MakeDurable(std::uint64_t mark) { return store_.MakeDurable(mark); }

 private:
  template <typename Body>
  auto Run(Body&& body, bool wait_durable = true, bool operator_write = false);
  template <typename Body>
  auto RunOperator(Body&& body);
  Result<SpendResult> SpendOrHold(const SpendRequest& request, const HoldRequest* hold);

  Store& store_;
  const Clock& clock_;
  EngineOptions options_;
  CommitSignal commit_signal_;
  PriorityGate gate_;  // operator writes before money writes (RunOperator)
  std::atomic<std::uint64_t> conflicts_{0};
  std::atomic<std::uint64_t> retries_{0};
  std::atomic<std::uint64_t> approved_{0};
  std::atomic<std::uint64_t> denied_{0};
  std::atomic<std::uint64_t> contention_{0};
  // ApplyBatch: batches left that read their idempotency keys first, after
  // one met a key it had taken for new (EngineOptions::read_keys_after_miss).
  std::atomic<int> read_keys_batches_{0};
};

}  // namespace stub
