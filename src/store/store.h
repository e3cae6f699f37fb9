// The Store: durable (or in-memory) state of every org, reached only through
// transactions with optimistic-concurrency semantics.
//
// A Transaction reads one consistent snapshot (snapshot isolation: it sees the
// state as of Begin, plus its own writes). Writes are buffered and become
// visible to others only at Commit, all at once. Commit may fail with
// StatusCode::kConflict when another transaction committed a write to a row
// this one wrote (first committer wins), or — in a store's serializable mode —
// changed a row this one read. A conflicted transaction leaves nothing behind;
// the caller retries the whole transaction on fresh state.
//
// Any call may also return kConflict (e.g. a store that detects conflicts
// early) or kUnavailable (transient failure); after any error the caller must
// abandon the transaction (Rollback or destroy it).
//
// Write calls take their row by value: callers move rows in, the store keeps
// them without copying.
//
// Thread-safety: a Store is thread-safe. A Transaction is used by one thread
// at a time and must not outlive its Store.
#pragma once

#include <chrono>
#include <compare>
#include <cstdint>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/api_key.h"
#include "core/approval.h"
#include "core/budget.h"
#include "core/denial_record.h"
#include "core/hold.h"
#include "core/idempotency.h"
#include "core/journal.h"
#include "core/org.h"
#include "core/provider_config.h"
#include "core/session.h"
#include "core/spend_daily.h"
#include "core/status.h"
#include "core/wallet_row.h"
#include "core/window.h"
#include "query/query_plan.h"

namespace stub {

// The answers of `get(key)` for each of `keys`, in order; the first error
// wins. The plain form of the Transaction's multi-key reads.
template <typename T, typename Get>
Result<std::vector<std::optional<T>>> GetEach(const std::vector<std::string_view>& keys, Get get) {
  std::vector<std::optional<T>> out;
  out.reserve(keys.size());
  for (std::string_view key : keys) {
    auto one = get(key);
    if (!one.ok()) return one.status();
    out.push_back(std::move(*one));
  }
  return out;
}

// A position in a listing ordered by (created_at, id): spends (journal
// entries of kind spend and capture, by their spend id `ref`), denials and
// approvals. Pages are read strictly before or after a key (keyset
// pagination), so a page costs the same however much history precedes it.
struct ItemKey {
  Timestamp created_at = 0;
  std::string id;
  friend bool operator==(const ItemKey&, const ItemKey&) = default;
  friend auto operator<=>(const ItemKey& a, const ItemKey& b) {
    if (auto c = a.created_at <=> b.created_at; c != 0) return c;
    return a.id.compare(b.id) <=> 0;
  }
};

// The rows of a newest-first keyset read (ListSpendEntriesBefore,
// ListSpendKeysBefore, ListDenialsBefore): created_at >= `from` and
// (created_at, id) < `before`. `agent`, when not empty, keeps only that
// agent's denials (ListDenialsBefore reads them through an index that leads
// with the agent); the spend reads require it empty: an index per agent on
// the journal would cost every spend a page write per agent in its batch,
// so an agent's spends are found through ListSpendKeysBefore instead.
struct KeysetRange {
  ItemKey before{std::numeric_limits<Timestamp>::max(), ""};
  Timestamp from = std::numeric_limits<Timestamp>::min();
  std::string_view agent;
};

// A spend or capture entry's place in the newest-first order, and its agent
// (ListSpendKeysBefore).
struct SpendKey {
  Timestamp created_at = 0;
  std::string ref;
  std::string agent;
  friend bool operator==(const SpendKey&, const SpendKey&) = default;
};

class Transaction {
 public:
  virtual ~Transaction() = default;

  // --- orgs ---
  virtual Result<std::optional<OrgRow>> GetOrg(std::string_view org) = 0;
  // Inserts or replaces the org row.
  virtual Status PutOrg(OrgRow row) = 0;
  virtual Result<std::vector<std::string>> ListOrgs() = 0;

  // --- budget nodes (org root, teams, agents) ---
  virtual Result<std::optional<NodeRow>> GetNode(std::string_view org, std::string_view node) = 0;
  // The rows of several nodes of one org, in the order of `ids` (nullopt
  // where absent): what a batch reads up front in one round trip instead of
  // one per node. The default asks GetNode for each id.
  virtual Result<std::vector<std::optional<NodeRow>>> GetNodes(
      std::string_view org, const std::vector<std::string_view>& ids) {
    return GetEach<NodeRow>(ids, [&](std::string_view id) { return GetNode(org, id); });
  }
  // Inserts or replaces the node row keyed (org, row.node.id).
  virtual Status PutNode(std::string_view org, NodeRow row) = 0;
  // Every node of the org, ordered by id.
  virtual Result<std::vector<NodeRow>> ListNodes(std::string_view org) = 0;

  // --- journal (append-only) ---
  // Appends an entry keyed (entry.org, entry.seq). An existing key is a
  // conflict (kConflict): entries are never replaced. A spend or capture
  // entry is also added to the org's daily spend rollup (core/spend_daily.h)
  // in this same transaction, so the rollup always equals the journal's; a
  // rollup total overflowing is kOutOfRange (here or at Commit).
  virtual Status AppendEntry(Entry entry) = 0;
  // Entries with seq > after_seq in seq order, at most `limit`.
  virtual Result<std::vector<Entry>> ListEntries(std::string_view org, std::uint64_t after_seq,
                                                 std::size_t limit) = 0;

  // Spend and capture entries of the org in `range` (by (created_at, ref)),
  // newest first, at most `limit`, read through an index on (org,
  // created_at, ref). Listing rows: `receipt` is empty and `lines` is empty
  // (GetSpendEntry has them). Requires range.agent empty.
  virtual Result<std::vector<Entry>> ListSpendEntriesBefore(std::string_view org,
                                                            const KeysetRange& range,
                                                            std::size_t limit) = 0;
  // The same rows as ListSpendEntriesBefore, but only their keys and agents,
  // read from that index alone (it carries the agent): what a filter by
  // agent scans, fetching only the matching entries (GetSpendEntry), at a
  // cost per row of an index entry, not of a journal row. Requires
  // range.agent empty.
  virtual Result<std::vector<SpendKey>> ListSpendKeysBefore(std::string_view org,
                                                            const KeysetRange& range,
                                                            std::size_t limit) = 0;
  // The spend or capture entry whose ref is `spend_id`, whole (receipt and
  // lines included): one indexed look-up on (org, ref).
  virtual Result<std::optional<Entry>> GetSpendEntry(std::string_view org,
                                                     std::string_view spend_id) = 0;

  // The org's daily spend rollup (maintained by AppendEntry), ordered by
  // (day, agent, vendor, category): for verification; questions read it
  // through RunQuery.
  virtual Result<std::vector<SpendDailyRow>> ListSpendDaily(std::string_view org) = 0;

  // --- idempotency ---
  virtual Result<std::optional<IdempotencyRecord>> GetIdempotency(std::string_view org,
                                                                  std::string_view key) = 0;
  // The records of several keys of one org, in the order of `keys` (nullopt
  // where absent): what a batch of spends reads in one round trip instead of
  // one per spend. The default asks GetIdempotency for each key.
  virtual Result<std::vector<std::optional<IdempotencyRecord>>> GetIdempotencies(
      std::string_view org, const std::vector<std::string_view>& keys) {
    return GetEach<IdempotencyRecord>(
        keys, [&](std::string_view key) { return GetIdempotency(org, key); });
  }
  // Inserts a record keyed (org, key). Two transactions inserting the same key
  // conflict; an existing committed key is a conflict too (at this call or at
  // Commit), never replaced: a caller may insert a key without reading it
  // first and count on the transaction failing if the key existed.
  virtual Status PutIdempotency(IdempotencyRecord record) = 0;

  // --- holds ---
  virtual Result<std::optional<Hold>> GetHold(std::string_view org, std::string_view id) = 0;
  // Inserts or replaces the hold keyed (org, id).
  virtual Status PutHold(Hold hold) = 0;
  // Holds with status kHeld and expires_at <= `by`, ordered by (expires_at,
  // id), at most `limit`.
  virtual Result<std::vector<Hold>> ListDueHolds(std::string_view org, Timestamp by,
                                                 std::size_t limit) = 0;
  // The least expires_at of the org's holds with status kHeld, if any.
  virtual Result<std::optional<Timestamp>> NextHoldExpiry(std::string_view org) = 0;

  // --- denials (insert-only, never contended) ---
  // Inserts a denial keyed (org, created_at, id). An existing key is
  // kAlreadyExists (ids are random: a duplicate is a caller bug, not a race).
  virtual Status InsertDenial(DenialRecord record) = 0;
  // Denials of the org ordered by (created_at, id), oldest first, at most
  // `limit`.
  virtual Result<std::vector<DenialRecord>> ListDenials(std::string_view org,
                                                        std::size_t limit) = 0;

  // Denials in `range` (by (created_at, id)), newest first, at most `limit`
  // (the primary key's order read backwards, or an index on (org, agent,
  // created_at, id) for one agent).
  virtual Result<std::vector<DenialRecord>> ListDenialsBefore(std::string_view org,
                                                              const KeysetRange& range,
                                                              std::size_t limit) = 0;
  // Denials with (created_at, id) > `after`, oldest first, at most `limit`.
  virtual Result<std::vector<DenialRecord>> ListDenialsAfter(std::string_view org,
                                                             const ItemKey& after,
                                                             std::size_t limit) = 0;
  // The denial `id` of the org: one indexed look-up on (org, id).
  virtual Result<std::optional<DenialRecord>> GetDenial(std::string_view org,
                                                        std::string_view id) = 0;

  // --- rolling-window log (append-only; see core/window.h) ---
  // Inserts a row keyed (org, node, at, seq). An existing key is kConflict
  // (two transactions counting on one node also both write its row).
  virtual Status AppendWindowLog(WindowLogRow row) = 0;
  // The first row of (org, node) in (at, seq) order whose at > `after`, if
  // any — the row that opens a window starting after `after`.
  virtual Result<std::optional<WindowLogRow>> FirstWindowLogAfter(std::string_view org,
                                                                  std::string_view node,
                                                                  Timestamp after) = 0;

  // --- approvals (core/approval.h) ---
  // Inserts or replaces the approval keyed (org, row.id).
  virtual Status PutApproval(ApprovalRow row) = 0;
  virtual Result<std::optional<ApprovalRow>> GetApproval(std::string_view org,
                                                         std::string_view id) = 0;
  // The org's approvals with `status` (every status when nullopt), ordered
  // by (created_at, id), at most `limit`.
  virtual Result<std::vector<ApprovalRow>> ListApprovals(std::string_view org,
                                                         std::optional<ApprovalStatus> status,
                                                         std::size_t limit) = 0;

  // The org's approvals with `status` (every status when nullopt) and
  // (created_at, id) > `after`, oldest first, at most `limit`, read through
  // an index on (org, status, created_at, id) (or (org, created_at, id)).
  virtual Result<std::vector<ApprovalRow>> ListApprovalsAfter(std::string_view org,
                                                              std::optional<ApprovalStatus> status,
                                                              const ItemKey& after,
                                                              std::size_t limit) = 0;

  // --- API keys (the secret is never stored, only its hash) ---
  // Inserts a key row. Ids and hashes are random, so an existing id or hash
  // is a caller bug: kAlreadyExists (or kConflict when two transactions race
  // to insert it).
  virtual Status InsertKey(ApiKeyRow row) = 0;
  // The key whose hash is `hash`, revoked or not.
  virtual Result<std::optional<ApiKeyRow>> GetKeyByHash(std::string_view hash) = 0;
  // Every key of `org` (revoked included), ordered by id. org "" lists the
  // root keys.
  virtual Result<std::vector<ApiKeyRow>> ListKeys(std::string_view org) = 0;
  // Marks the key `id` of `org` revoked at `at` (> 0); a key already revoked
  // keeps its first revoked_at. Errors: kNotFound when `org` has no such key.
  virtual Status RevokeKey(std::string_view org, std::string_view id, Timestamp at) = 0;

  // --- dashboard sessions (core/session.h; only the token's hash is stored) ---
  // Inserts a session. Tokens are random, so an existing hash is a caller
  // bug: kAlreadyExists (or kConflict when two transactions race).
  virtual Status InsertSession(SessionRow row) = 0;
  // The session whose token hash is `token_hash`, expired or not.
  virtual Result<std::optional<SessionRow>> GetSession(std::string_view token_hash) = 0;
  // Deletes the session; absent is not an error (sign-out is idempotent).
  virtual Status DeleteSession(std::string_view token_hash) = 0;
  // Deletes sessions with expires_at <= `now`, at most `limit` of them (read
  // through an index on expires_at); returns how many it deleted.
  virtual Result<std::size_t> DeleteExpiredSessions(Timestamp now, std::size_t limit) = 0;

  // --- LLM providers of the metering gateway (core/provider_config.h) ---
  // Inserts the provider, or replaces the row with the same (org, name).
  virtual Status PutProvider(ProviderRow row) = 0;
  virtual Result<std::optional<ProviderRow>> GetProvider(std::string_view org,
                                                         std::string_view name) = 0;
  // The org's providers ordered by name (callers keep an org to
  // kMaxProvidersPerOrg).
  virtual Result<std::vector<ProviderRow>> ListProviders(std::string_view org) = 0;

  // --- x402 wallets (core/wallet_row.h) ---
  // Inserts the wallet, or replaces the row with the same (org, id).
  virtual Status PutWallet(WalletRow row) = 0;
  virtual Result<std::optional<WalletRow>> GetWallet(std::string_view org, std::string_view id) = 0;
  // The org's wallets ordered by id (callers keep an org to kMaxWalletsPerOrg).
  virtual Result<std::vector<WalletRow>> ListWallets(std::string_view org) = 0;

  // --- questions (read-only) ---
  // Runs a plan (query/query_plan.h) over the org's journal (status approved:
  // entries of kind spend and capture, by amount) or its denials, in this
  // transaction's snapshot. Every store returns the same groups (as a set)
  // and the same items (in the plan's order) for the same data (the memory
  // store by EvaluatePlan, the SQL stores by query_sql.h). Bounded: at most
  // plan.limit items; more than plan.max_groups groups is kResourceExhausted
  // "too_many_groups"; the SQL stores stop a query running longer than
  // plan.timeout_ms with kResourceExhausted "query_timeout".
  virtual Result<PlanResult> RunQuery(std::string_view org, const QueryPlan& plan) = 0;

  // Makes every write visible atomically. kConflict: nothing was applied.
  // After Commit (any result) the transaction is finished.
  virtual Status Commit() = 0;
  // Discards every write. Idempotent; also done by the destructor.
  virtual void Rollback() = 0;
};

// Per-transaction knobs. Stores ignore what they do not support.
struct TxnOptions {
  // Injected latency before each read or write call and before commit, to
  // simulate a remote database (memory store; used by `stub race`).
  std::chrono::microseconds op_latency{0};
  std::chrono::microseconds commit_latency{0};
  // A read-only transaction; Commit is a no-op that cannot conflict.
  bool read_only = false;
};

class Store {
 public:
  virtual ~Store() = default;
  // Starts a transaction on a fresh snapshot.
  virtual Result<std::unique_ptr<Transaction>> Begin(const TxnOptions& options = {}) = 0;
  // "memory", "sqlite", "postgres", …
  virtual std::string_view Kind() const = 0;

  // --- durability ---
  // True when a write transaction is durable (survives kill -9, power loss
  // and a crash of the database server) once its Commit returned OK. A store
  // that pipelines durability returns false: its Commit returns once the
  // transaction is committed and visible to later transactions, before it is
  // on stable storage, so the next transaction can run while the last one's
  // flush is in flight. Its writes are then durable only after MakeDurable.
  // If the machine or the database server fails in between, those commits
  // and every later one of that server incarnation are lost together (the
  // log is sequential), so no later state of it depends on a lost one.
  virtual bool CommitIsDurable() const { return true; }
  // A point in the store's sequence of commits: the commits that begin
  // after this call are "after the mark". Take it before Begin of the
  // transaction whose answer will be reported (a replay reports what another
  // transaction committed, which it read in its own snapshot — so the mark
  // must precede the read, not only the commit).
  virtual std::uint64_t DurabilityMark() const { return 0; }
  // Returns OK once every write transaction committed after `mark` (a
  // DurabilityMark) whose Commit returned OK before this call is durable.
  // One sync covers every commit since the last one, so concurrent callers
  // share it. A caller must not report a write (or a value it read) as done
  // to anyone outside the process before this returned OK, with a mark taken
  // before its transaction began.
  // Errors: kUnavailable (retry): the database connection dropped, or one of
  // those commits is in doubt (reason "durability_in_doubt": the database
  // server restarted before the commit could be proven flushed, so it may be
  // lost) — its effect must then be reported as unknown (a 5xx), and a retry
  // with the same idempotency key replays it or executes it again, both
  // correct. kInternal: a failed fsync, which poisons the store's durability
  // — every later call fails too, as the OS may have dropped the unsynced
  // writes. Thread-safe; blocks for about one flush.
  virtual Status MakeDurable(std::uint64_t mark) {
    (void)mark;
    return Status::Ok();
  }
};

}  // namespace stub
