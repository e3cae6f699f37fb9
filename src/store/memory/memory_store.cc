#include "store/memory/memory_store.h"

#include <algorithm>
#include <chrono>
#include <cstdint>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <tuple>
#include <utility>
#include <vector>

#include "store/memory/mvcc_table.h"

namespace stub {

std::string_view HookPointName(HookPoint p) {
  switch (p) {
    case HookPoint::kBegin:
      return "begin";
    case HookPoint::kRead:
      return "read";
    case HookPoint::kWrite:
      return "write";
    case HookPoint::kBeforeCommit:
      return "before_commit";
    case HookPoint::kAfterCommit:
      return "after_commit";
  }
  return "unknown";
}

namespace {

using mvcc::MvccTable;
using mvcc::ReadSet;
using mvcc::ScanRange;
using mvcc::WriteSet;

// Owning keys of the tables; lookups use the matching tuples of views.
using OrgKey = std::tuple<std::string>;                                // id
using NodeKey = std::tuple<std::string, std::string>;                  // org, node id
using EntryKey = std::tuple<std::string, std::uint64_t>;               // org, seq
using IdempotencyKey = std::tuple<std::string, std::string>;           // org, key
using HoldKey = std::tuple<std::string, std::string>;                  // org, hold id
using HoldIndexKey = std::tuple<std::string, Timestamp, std::string>;  // org, expires_at, id
using DenialKey = std::tuple<std::string, Timestamp, std::string>;     // org, created_at, id
using ApiKeyKey = std::tuple<std::string>;                             // hash of the secret
// org, node, at, seq
using WindowLogKey = std::tuple<std::string, std::string, Timestamp, std::int64_t>;
using ApprovalKey = std::tuple<std::string, std::string>;  // org, id
using SessionKey = std::tuple<std::string>;                // hash of the token
using ProviderKey = std::tuple<std::string, std::string>;  // org, name
using WalletKey = std::tuple<std::string, std::string>;    // org, id
// A session's versions: nullopt once deleted (the tables keep no tombstones
// of their own outside the pending-holds index).
using SessionSlot = std::optional<SessionRow>;
using WindowLogView = std::tuple<std::string_view, std::string_view, Timestamp, std::int64_t>;

using View1 = std::tuple<std::string_view>;
using View2 = std::tuple<std::string_view, std::string_view>;
using EntryView = std::tuple<std::string_view, std::uint64_t>;
using TsView = std::tuple<std::string_view, Timestamp, std::string_view>;

constexpr std::size_t kNoLimit = std::numeric_limits<std::size_t>::max();

void Delay(std::chrono::microseconds d) {
  if (d.count() > 0) std::this_thread::sleep_for(d);
}

// Merges committed rows (key order) with the transaction's own writes in the
// same range (key order; an own write replaces the committed row of its key),
// keeping at most `limit`. `key` maps a row to its (comparable) key.
template <typename Value, typename KeyFn>
std::vector<Value> Merge(const std::vector<std::shared_ptr<const Value>>& committed,
                         const std::vector<const Value*>& own, std::size_t limit, KeyFn key) {
  std::vector<Value> out;
  out.reserve(std::min(limit, committed.size() + own.size()));
  std::size_t i = 0;
  std::size_t j = 0;
  while (out.size() < limit && (i < committed.size() || j < own.size())) {
    if (j == own.size()) {
      out.push_back(*committed[i++]);
    } else if (i == committed.size()) {
      out.push_back(*own[j++]);
    } else {
      auto a = key(*committed[i]);
      auto b = key(*own[j]);
      if (a < b) {
        out.push_back(*committed[i++]);
      } else {
        if (!(b < a)) ++i;  // same key: the own write replaces it
        out.push_back(*own[j++]);
      }
    }
  }
  return out;
}

}  // namespace

class MemoryStore::Impl {
 public:
  explicit Impl(Options opts) : options(std::move(opts)) {}

  Result<std::unique_ptr<Transaction>> Begin(const TxnOptions& txn_options);

  const Options options;

  // Guards everything below.
  mutable std::mutex mu;
  std::uint64_t clock = 0;  // the last commit timestamp
  std::uint64_t last_txn_id = 0;
  mvcc::ActiveSnapshots active;
  MvccTable<OrgKey, OrgRow> orgs;
  MvccTable<NodeKey, NodeRow> nodes;
  MvccTable<EntryKey, Entry> entries;
  MvccTable<IdempotencyKey, IdempotencyRecord, mvcc::Hashed> idempotency;  // never scanned
  MvccTable<HoldKey, Hold> holds;
  // Store-maintained: a key for every hold whose status is kHeld, sharing the
  // hold's version; a tombstone when it stops being held or moves.
  MvccTable<HoldIndexKey, Hold> pending_holds;
  MvccTable<DenialKey, DenialRecord> denials;
  MvccTable<ApiKeyKey, ApiKeyRow> keys;
  MvccTable<WindowLogKey, WindowLogRow> window_log;
  MvccTable<ApprovalKey, ApprovalRow> approvals;
  MvccTable<SessionKey, SessionSlot> sessions;
  MvccTable<ProviderKey, ProviderRow> providers;
  MvccTable<WalletKey, WalletRow> wallets;
  std::uint64_t commits = 0;
  std::uint64_t conflicts = 0;
};

namespace {

class MemoryTransaction final : public Transaction {
 public:
  MemoryTransaction(MemoryStore::Impl* store, const TxnOptions& options)
      : store_(store),
        options_(options),
        record_reads_(store->options.serializable && !options.read_only) {}

  ~MemoryTransaction() override { Rollback(); }

  MemoryTransaction(const MemoryTransaction&) = delete;
  MemoryTransaction& operator=(const MemoryTransaction&) = delete;

  // Called by Begin under the store lock.
  void Start(std::uint64_t id, std::uint64_t snapshot) {
    id_ = id;
    snapshot_ = snapshot;
  }
  std::uint64_t id() const { return id_; }

  // --- orgs ---

  Result<std::optional<OrgRow>> GetOrg(std::string_view org) override {
    return ReadCall<std::optional<OrgRow>>(
        [&] { return PointGet(store_->orgs, org_writes_, org_reads_, View1(org)); });
  }

  Status PutOrg(OrgRow row) override {
    return WriteCall([&] {
      const std::string id = row.id;
      org_writes_.Put(View1(id), std::move(row));
      return Status::Ok();
    });
  }

  Result<std::vector<std::string>> ListOrgs() override {
    return ReadCall<std::vector<std::string>>([&]() -> Result<std::vector<std::string>> {
      ScanRange<OrgKey> range{OrgKey{}, std::nullopt, false, /*same_first=*/false};
      auto own = org_writes_.Collect(range);
      auto committed = Scan(store_->orgs, range, kNoLimit, org_reads_);
      auto rows =
          Merge(committed, own, kNoLimit, [](const OrgRow& r) { return std::string_view(r.id); });
      std::vector<std::string> ids;
      ids.reserve(rows.size());
      for (auto& r : rows) ids.push_back(std::move(r.id));
      return ids;
    });
  }

  // --- nodes ---

  Result<std::optional<NodeRow>> GetNode(std::string_view org, std::string_view node) override {
    return ReadCall<std::optional<NodeRow>>(
        [&] { return PointGet(store_->nodes, node_writes_, node_reads_, View2(org, node)); });
  }

  Status PutNode(std::string_view org, NodeRow row) override {
    return WriteCall([&] {
      const std::string id = row.node.id;
      node_writes_.Put(View2(org, id), std::move(row));
      return Status::Ok();
    });
  }

  Result<std::vector<NodeRow>> ListNodes(std::string_view org) override {
    return ReadCall<std::vector<NodeRow>>([&]() -> Result<std::vector<NodeRow>> {
      ScanRange<NodeKey> range{NodeKey(org, std::string_view()), std::nullopt, false, true};
      auto own = node_writes_.Collect(range);
      auto committed = Scan(store_->nodes, range, kNoLimit, node_reads_);
      return Merge(committed, own, kNoLimit,
                   [](const NodeRow& r) { return std::string_view(r.node.id); });
    });
  }

  // --- journal ---

  Status AppendEntry(Entry entry) override {
    return WriteCall([&]() -> Status {
      const std::string org = entry.org;  // the key outlives the moved row
      const EntryView key(org, entry.seq);
      if (entry_writes_.Find(key) != nullptr || CommittedExists(store_->entries, key)) {
        return EarlyConflict("journal entry " + entry.org + "/" + std::to_string(entry.seq) +
                             " already exists");
      }
      entry_writes_.Put(key, std::move(entry));
      return Status::Ok();
    });
  }

  Result<std::vector<Entry>> ListEntries(std::string_view org, std::uint64_t after_seq,
                                         std::size_t limit) override {
    return ReadCall<std::vector<Entry>>([&]() -> Result<std::vector<Entry>> {
      if (limit == 0 || after_seq == std::numeric_limits<std::uint64_t>::max()) {
        return std::vector<Entry>();
      }
      ScanRange<EntryKey> range{EntryKey(org, after_seq + 1), std::nullopt, false, true};
      auto own = entry_writes_.Collect(range);
      auto committed = Scan(store_->entries, range, limit, entry_reads_);
      return Merge(committed, own, limit, [](const Entry& e) { return e.seq; });
    });
  }

  // --- idempotency ---

  Result<std::optional<IdempotencyRecord>> GetIdempotency(std::string_view org,
                                                          std::string_view key) override {
    return ReadCall<std::optional<IdempotencyRecord>>([&] {
      return PointGet(store_->idempotency, idempotency_writes_, idempotency_reads_,
                      View2(org, key));
    });
  }

  Status PutIdempotency(IdempotencyRecord record) override {
    return WriteCall([&]() -> Status {
      const std::string org = record.org, idem = record.key;  // outlive the moved row
      const View2 key(org, idem);
      if (idempotency_writes_.Find(key) != nullptr || CommittedExists(store_->idempotency, key)) {
        return EarlyConflict("idempotency key already exists");
      }
      idempotency_writes_.Put(key, std::move(record));
      return Status::Ok();
    });
  }

  // --- holds ---

  Result<std::optional<Hold>> GetHold(std::string_view org, std::string_view id) override {
    return ReadCall<std::optional<Hold>>(
        [&] { return PointGet(store_->holds, hold_writes_, hold_reads_, View2(org, id)); });
  }

  Status PutHold(Hold hold) override {
    return WriteCall([&] {
      const std::string org = hold.org;
      const std::string id = hold.id;
      hold_writes_.Put(View2(org, id), std::move(hold));
      return Status::Ok();
    });
  }

  Result<std::vector<Hold>> ListDueHolds(std::string_view org, Timestamp by,
                                         std::size_t limit) override {
    return ReadCall<std::vector<Hold>>([&]() -> Result<std::vector<Hold>> {
      if (limit == 0) return std::vector<Hold>();
      ScanRange<HoldIndexKey> range{
          HoldIndexKey(org, std::numeric_limits<Timestamp>::min(), std::string_view()),
          std::nullopt, false, true};
      if (by < std::numeric_limits<Timestamp>::max()) {
        range.end = HoldIndexKey(org, by + 1, std::string_view());
      }
      auto own = OwnPendingHolds(org, by);
      auto committed = Scan(store_->pending_holds, range, limit, pending_hold_reads_,
                            [&](const Hold& h) { return OverriddenHold(h); });
      return Merge(committed, own, limit, [](const Hold& h) {
        return std::tuple<Timestamp, std::string_view>(h.expires_at, h.id);
      });
    });
  }

  Result<std::optional<Timestamp>> NextHoldExpiry(std::string_view org) override {
    return ReadCall<std::optional<Timestamp>>([&]() -> Result<std::optional<Timestamp>> {
      ScanRange<HoldIndexKey> range{
          HoldIndexKey(org, std::numeric_limits<Timestamp>::min(), std::string_view()),
          std::nullopt, false, true};
      auto own = OwnPendingHolds(org, std::numeric_limits<Timestamp>::max());
      auto committed = Scan(store_->pending_holds, range, 1, pending_hold_reads_,
                            [&](const Hold& h) { return OverriddenHold(h); });
      std::optional<Timestamp> next;
      if (!committed.empty()) next = committed.front()->expires_at;
      if (!own.empty() && (!next || own.front()->expires_at < *next)) {
        next = own.front()->expires_at;
      }
      return next;
    });
  }

  // --- denials ---

  Status InsertDenial(DenialRecord record) override {
    return WriteCall([&]() -> Status {
      const std::string org = record.org, id = record.id;  // outlive the moved row
      const TsView key(org, record.created_at, id);
      if (denial_writes_.Find(key) != nullptr || CommittedExists(store_->denials, key)) {
        return AlreadyExists("denial " + record.id + " already exists");
      }
      denial_writes_.Put(key, std::move(record));
      return Status::Ok();
    });
  }

  // --- questions ---

  // Recomputed from the snapshot's journal: the memory store keeps no
  // rollup table (RunQuery evaluates the journal directly), so this is the
  // reference the SQL stores' maintained rollups are tested against.
  Result<std::vector<SpendDailyRow>> ListSpendDaily(std::string_view org) override {
    STUB_ASSIGN_OR_RETURN(std::vector<Entry> entries,
                          ListEntries(org, 0, std::numeric_limits<std::size_t>::max()));
    return SpendDailyFromEntries(entries);
  }

  // Direct evaluation (EvaluatePlan) of the snapshot's rows: the reference
  // the SQL stores are tested against.
  Result<PlanResult> RunQuery(std::string_view org, const QueryPlan& plan) override {
    std::vector<Entry> entries;
    std::vector<DenialRecord> denials;
    constexpr std::size_t kAll = std::numeric_limits<std::size_t>::max();
    if (plan.status == QueryStatus::kDenied) {
      STUB_ASSIGN_OR_RETURN(denials, ListDenials(org, kAll));
    } else {
      STUB_ASSIGN_OR_RETURN(entries, ListEntries(org, 0, kAll));
    }
    return EvaluatePlan(plan, entries, denials);
  }

  Result<std::vector<DenialRecord>> ListDenials(std::string_view org, std::size_t limit) override {
    return ReadCall<std::vector<DenialRecord>>([&]() -> Result<std::vector<DenialRecord>> {
      if (limit == 0) return std::vector<DenialRecord>();
      ScanRange<DenialKey> range{
          DenialKey(org, std::numeric_limits<Timestamp>::min(), std::string_view()), std::nullopt,
          false, true};
      auto own = denial_writes_.Collect(range);
      auto committed = Scan(store_->denials, range, limit, denial_reads_);
      return Merge(committed, own, limit, [](const DenialRecord& d) {
        return std::tuple<Timestamp, std::string_view>(d.created_at, d.id);
      });
    });
  }

  // The keyset reads below scan the org's rows in the snapshot: the memory
  // store is the reference model (tests, demos), not sized for history; the
  // SQL stores answer them through indexes.

  Result<std::vector<Entry>> ListSpendEntriesBefore(std::string_view org, const KeysetRange& range,
                                                    std::size_t limit) override {
    if (!range.agent.empty()) return InvalidArgument("spend reads take no agent");
    STUB_ASSIGN_OR_RETURN(std::vector<Entry> all, ListEntries(org, 0, kNoLimit));
    std::vector<Entry> out;
    for (Entry& e : all) {
      if (e.kind != EntryKind::kSpend && e.kind != EntryKind::kCapture) continue;
      if (e.created_at < range.from || !(ItemKey{e.created_at, e.ref} < range.before)) continue;
      e.receipt.clear();
      e.lines.clear();
      out.push_back(std::move(e));
    }
    std::sort(out.begin(), out.end(), [](const Entry& a, const Entry& b) {
      return std::tie(b.created_at, b.ref) < std::tie(a.created_at, a.ref);
    });
    if (out.size() > limit) out.resize(limit);
    return out;
  }

  Result<std::vector<SpendKey>> ListSpendKeysBefore(std::string_view org, const KeysetRange& range,
                                                    std::size_t limit) override {
    STUB_ASSIGN_OR_RETURN(std::vector<Entry> rows, ListSpendEntriesBefore(org, range, limit));
    std::vector<SpendKey> out;
    out.reserve(rows.size());
    for (Entry& e : rows) out.push_back({e.created_at, std::move(e.ref), std::move(e.agent)});
    return out;
  }

  Result<std::optional<Entry>> GetSpendEntry(std::string_view org,
                                             std::string_view spend_id) override {
    STUB_ASSIGN_OR_RETURN(std::vector<Entry> all, ListEntries(org, 0, kNoLimit));
    for (Entry& e : all) {
      if ((e.kind == EntryKind::kSpend || e.kind == EntryKind::kCapture) && e.ref == spend_id) {
        return std::optional<Entry>(std::move(e));
      }
    }
    return std::optional<Entry>();
  }

  Result<std::vector<DenialRecord>> ListDenialsBefore(std::string_view org,
                                                      const KeysetRange& range,
                                                      std::size_t limit) override {
    STUB_ASSIGN_OR_RETURN(std::vector<DenialRecord> all, ListDenials(org, kNoLimit));
    std::vector<DenialRecord> out;
    for (auto it = all.rbegin(); it != all.rend() && out.size() < limit; ++it) {
      if (it->created_at < range.from) break;
      if (!range.agent.empty() && it->agent != range.agent) continue;
      if (ItemKey{it->created_at, it->id} < range.before) out.push_back(std::move(*it));
    }
    return out;
  }

  Result<std::vector<DenialRecord>> ListDenialsAfter(std::string_view org, const ItemKey& after,
                                                     std::size_t limit) override {
    STUB_ASSIGN_OR_RETURN(std::vector<DenialRecord> all, ListDenials(org, kNoLimit));
    std::vector<DenialRecord> out;
    for (DenialRecord& d : all) {
      if (out.size() == limit) break;
      if (after < ItemKey{d.created_at, d.id}) out.push_back(std::move(d));
    }
    return out;
  }

  Result<std::optional<DenialRecord>> GetDenial(std::string_view org,
                                                std::string_view id) override {
    STUB_ASSIGN_OR_RETURN(std::vector<DenialRecord> all, ListDenials(org, kNoLimit));
    for (DenialRecord& d : all) {
      if (d.id == id) return std::optional<DenialRecord>(std::move(d));
    }
    return std::optional<DenialRecord>();
  }

  Result<std::vector<ApprovalRow>> ListApprovalsAfter(std::string_view org,
                                                      std::optional<ApprovalStatus> status,
                                                      const ItemKey& after,
                                                      std::size_t limit) override {
    STUB_ASSIGN_OR_RETURN(std::vector<ApprovalRow> all, ListApprovals(org, status, kNoLimit));
    std::vector<ApprovalRow> out;
    for (ApprovalRow& a : all) {
      if (out.size() == limit) break;
      if (after < ItemKey{a.created_at, a.id}) out.push_back(std::move(a));
    }
    return out;
  }

  // --- approvals ---

  Status PutApproval(ApprovalRow row) override {
    return WriteCall([&] {
      const std::string org = row.org, id = row.id;  // outlive the moved row
      approval_writes_.Put(View2(org, id), std::move(row));
      return Status::Ok();
    });
  }

  Result<std::optional<ApprovalRow>> GetApproval(std::string_view org,
                                                 std::string_view id) override {
    return ReadCall<std::optional<ApprovalRow>>([&] {
      return PointGet(store_->approvals, approval_writes_, approval_reads_, View2(org, id));
    });
  }

  Result<std::vector<ApprovalRow>> ListApprovals(std::string_view org,
                                                 std::optional<ApprovalStatus> status,
                                                 std::size_t limit) override {
    return ReadCall<std::vector<ApprovalRow>>([&]() -> Result<std::vector<ApprovalRow>> {
      ScanRange<ApprovalKey> range{ApprovalKey(org, std::string_view()), std::nullopt, false, true};
      auto own = approval_writes_.Collect(range);
      auto committed = Scan(store_->approvals, range, kNoLimit, approval_reads_);
      auto rows = Merge(committed, own, kNoLimit,
                        [](const ApprovalRow& a) { return std::string_view(a.id); });
      std::vector<ApprovalRow> out;
      for (ApprovalRow& a : rows) {
        if (!status || a.status == *status) out.push_back(std::move(a));
      }
      std::sort(out.begin(), out.end(), [](const ApprovalRow& a, const ApprovalRow& b) {
        return std::tie(a.created_at, a.id) < std::tie(b.created_at, b.id);
      });
      if (out.size() > limit) out.resize(limit);
      return out;
    });
  }

  // --- LLM providers ---

  Status PutProvider(ProviderRow row) override {
    return WriteCall([&] {
      const std::string org = row.org, name = row.name;  // outlive the moved row
      provider_writes_.Put(View2(org, name), std::move(row));
      return Status::Ok();
    });
  }

  Result<std::optional<ProviderRow>> GetProvider(std::string_view org,
                                                 std::string_view name) override {
    return ReadCall<std::optional<ProviderRow>>([&] {
      return PointGet(store_->providers, provider_writes_, provider_reads_, View2(org, name));
    });
  }

  Result<std::vector<ProviderRow>> ListProviders(std::string_view org) override {
    return ReadCall<std::vector<ProviderRow>>([&]() -> Result<std::vector<ProviderRow>> {
      ScanRange<ProviderKey> range{ProviderKey(org, std::string_view()), std::nullopt, false, true};
      auto own = provider_writes_.Collect(range);
      auto committed = Scan(store_->providers, range, kNoLimit, provider_reads_);
      return Merge(committed, own, kNoLimit,
                   [](const ProviderRow& p) { return std::string_view(p.name); });
    });
  }

  // --- x402 wallets ---

  Status PutWallet(WalletRow row) override {
    return WriteCall([&] {
      const std::string org = row.org, id = row.id;  // outlive the moved row
      wallet_writes_.Put(View2(org, id), std::move(row));
      return Status::Ok();
    });
  }

  Result<std::optional<WalletRow>> GetWallet(std::string_view org, std::string_view id) override {
    return ReadCall<std::optional<WalletRow>>(
        [&] { return PointGet(store_->wallets, wallet_writes_, wallet_reads_, View2(org, id)); });
  }

  Result<std::vector<WalletRow>> ListWallets(std::string_view org) override {
    return ReadCall<std::vector<WalletRow>>([&]() -> Result<std::vector<WalletRow>> {
      ScanRange<WalletKey> range{WalletKey(org, std::string_view()), std::nullopt, false, true};
      auto own = wallet_writes_.Collect(range);
      auto committed = Scan(store_->wallets, range, kNoLimit, wallet_reads_);
      return Merge(committed, own, kNoLimit,
                   [](const WalletRow& w) { return std::string_view(w.id); });
    });
  }

  // --- rolling-window log ---

  Status AppendWindowLog(WindowLogRow row) override {
    return WriteCall([&]() -> Status {
      const std::string org = row.org, node = row.node;  // outlive the moved row
      const WindowLogView key(org, node, row.at, row.seq);
      if (window_writes_.Find(key) != nullptr || CommittedExists(store_->window_log, key)) {
        return EarlyConflict("window log row " + org + "/" + node + " already exists");
      }
      window_writes_.Put(key, std::move(row));
      return Status::Ok();
    });
  }

  Result<std::optional<WindowLogRow>> FirstWindowLogAfter(std::string_view org,
                                                          std::string_view node,
                                                          Timestamp after) override {
    return ReadCall<std::optional<WindowLogRow>>([&]() -> Result<std::optional<WindowLogRow>> {
      // Built in place and returned by name: the row is copied once, never moved.
      Result<std::optional<WindowLogRow>> result = std::optional<WindowLogRow>();
      std::optional<WindowLogRow>& out = *result;
      if (after == std::numeric_limits<Timestamp>::max()) return result;
      // The first visible committed row at or after (org, node, after + 1)
      // that is still this node's (keys order by node, then at, seq).
      constexpr std::int64_t kMin = std::numeric_limits<std::int64_t>::min();
      constexpr std::int64_t kMax = std::numeric_limits<std::int64_t>::max();
      const WindowLogView lo(org, node, after + 1, kMin);
      {
        std::lock_guard lock(store_->mu);
        store_->window_log.ForEachFrom(lo, [&](const auto& rest, const auto& chain) {
          if (std::string_view(std::get<0>(rest)) != node) return false;
          const auto* v = chain.VisibleAt(snapshot_);
          if (v == nullptr) return true;
          out = **v;
          return false;
        });
      }
      if (record_reads_) {
        // The answer depends on this node's keys from `lo` up to the row
        // found (or all of them): a commit into that range changes it.
        ScanRange<WindowLogKey> range{mvcc::MakeKey<WindowLogKey>(lo), std::nullopt,
                                      /*end_inclusive=*/true, true};
        range.end =
            out ? WindowLogKey(org, node, out->at, out->seq) : WindowLogKey(org, node, kMax, kMax);
        window_reads_.ranges.push_back(std::move(range));
      }
      // This transaction's own rows (few: one per counted spend).
      for (const auto& w : window_writes_.writes()) {
        const WindowLogRow& r = *w.value;
        if (r.org != org || r.node != node || r.at <= after) continue;
        if (!out || std::tie(r.at, r.seq) < std::tie(out->at, out->seq)) out = r;
      }
      return result;
    });
  }

  // --- API keys ---

  Status InsertKey(ApiKeyRow row) override {
    return WriteCall([&]() -> Status {
      const std::string hash = row.hash;  // outlives the moved row
      if (key_writes_.Find(View1(hash)) != nullptr || CommittedExists(store_->keys, View1(hash))) {
        return AlreadyExists("a key with this hash already exists");
      }
      for (const ApiKeyRow& k : AllKeys()) {
        if (k.id == row.id) return AlreadyExists("key " + row.id + " already exists");
      }
      key_writes_.Put(View1(hash), std::move(row));
      return Status::Ok();
    });
  }

  Result<std::optional<ApiKeyRow>> GetKeyByHash(std::string_view hash) override {
    return ReadCall<std::optional<ApiKeyRow>>(
        [&] { return PointGet(store_->keys, key_writes_, key_reads_, View1(hash)); });
  }

  Result<std::vector<ApiKeyRow>> ListKeys(std::string_view org) override {
    return ReadCall<std::vector<ApiKeyRow>>([&]() -> Result<std::vector<ApiKeyRow>> {
      std::vector<ApiKeyRow> out;
      for (ApiKeyRow& k : AllKeys()) {
        if (k.org == org) out.push_back(std::move(k));
      }
      std::sort(out.begin(), out.end(),
                [](const ApiKeyRow& a, const ApiKeyRow& b) { return a.id < b.id; });
      return out;
    });
  }

  Status RevokeKey(std::string_view org, std::string_view id, Timestamp at) override {
    return WriteCall([&]() -> Status {
      for (ApiKeyRow& k : AllKeys()) {
        if (k.id != id || k.org != org) continue;
        if (k.revoked_at != 0) return Status::Ok();
        k.revoked_at = at;
        const std::string hash = k.hash;
        key_writes_.Put(View1(hash), std::move(k));
        return Status::Ok();
      }
      return NotFound("no key " + std::string(id), "not_found");
    });
  }

  // --- dashboard sessions ---

  Status InsertSession(SessionRow row) override {
    return WriteCall([&]() -> Status {
      const std::string hash = row.token_hash;
      if (LiveSession(hash)) return AlreadyExists("a session with this token already exists");
      session_writes_.Put(View1(hash), SessionSlot(std::move(row)));
      return Status::Ok();
    });
  }

  Result<std::optional<SessionRow>> GetSession(std::string_view token_hash) override {
    return ReadCall<std::optional<SessionRow>>(
        [&]() -> std::optional<SessionRow> { return LiveSession(token_hash); });
  }

  Status DeleteSession(std::string_view token_hash) override {
    return WriteCall([&]() -> Status {
      if (!LiveSession(token_hash)) return Status::Ok();
      session_writes_.Put(View1(token_hash), SessionSlot());
      return Status::Ok();
    });
  }

  Result<std::size_t> DeleteExpiredSessions(Timestamp now, std::size_t limit) override {
    std::size_t deleted = 0;
    const Status status = WriteCall([&]() -> Status {
      ScanRange<SessionKey> range{SessionKey{}, std::nullopt, false, /*same_first=*/false};
      auto own = session_writes_.Collect(range);
      auto committed = Scan(store_->sessions, range, kNoLimit, session_reads_);
      std::vector<std::string> due;
      for (const auto& slot : committed) {
        if (*slot && (*slot)->expires_at <= now) due.push_back((*slot)->token_hash);
      }
      for (const SessionSlot* slot : own) {
        if (*slot && (*slot)->expires_at <= now) due.push_back((*slot)->token_hash);
      }
      std::sort(due.begin(), due.end());
      due.erase(std::unique(due.begin(), due.end()), due.end());
      for (const std::string& hash : due) {
        if (deleted == limit) break;
        // Own writes win over the committed version.
        const std::optional<SessionRow> live = LiveSession(hash);
        if (!live || live->expires_at > now) continue;
        session_writes_.Put(View1(hash), SessionSlot());
        ++deleted;
      }
      return Status::Ok();
    });
    if (!status.ok()) return status;
    return deleted;
  }

  // --- commit ---

  Status Commit() override {
    if (finished_) return FinishedError();
    Delay(options_.commit_latency);
    Fire(HookPoint::kBeforeCommit);
    Status status = CommitNow();
    Fire(HookPoint::kAfterCommit);
    ReleaseBuffers();
    return status;
  }

  void Rollback() override {
    if (finished_) return;
    {
      std::lock_guard lock(store_->mu);
      store_->active.Remove(snapshot_);
    }
    finished_ = true;
    ReleaseBuffers();
  }

 private:
  static Status FinishedError() {
    return FailedPrecondition("memory store: the transaction is already finished",
                              "transaction_finished");
  }

  void Fire(HookPoint point) const {
    if (store_->options.hook) store_->options.hook(point, id_);
  }

  // Runs a read call: refuses a finished transaction, injects latency, fires
  // kRead after the call.
  template <typename T, typename F>
  Result<T> ReadCall(F&& f) {
    if (finished_) return FinishedError();
    Delay(options_.op_latency);
    Result<T> result = f();
    Fire(HookPoint::kRead);
    return result;
  }

  // As ReadCall for a write call; a read-only transaction refuses it.
  template <typename F>
  Status WriteCall(F&& f) {
    if (finished_) return FinishedError();
    Delay(options_.op_latency);
    Status status = options_.read_only
                        ? FailedPrecondition("memory store: write in a read-only transaction",
                                             "read_only_transaction")
                        : f();
    Fire(HookPoint::kWrite);
    return status;
  }

  Status EarlyConflict(std::string message) {
    {
      std::lock_guard lock(store_->mu);
      ++store_->conflicts;
    }
    return Conflict("memory store: " + std::move(message));
  }

  // Own write first, else the committed version visible at the snapshot.
  template <typename Key, typename Value, typename Index, typename View>
  std::optional<Value> PointGet(const MvccTable<Key, Value, Index>& table,
                                WriteSet<Key, Value>& writes, ReadSet<Key>& reads,
                                const View& key) {
    if (const Value* own = writes.Find(key)) return *own;
    std::shared_ptr<const Value> found;
    {
      std::lock_guard lock(store_->mu);
      if (const auto* v = table.Get(key, snapshot_)) found = *v;
    }
    if (record_reads_) reads.points.push_back(mvcc::MakeKey<Key>(key));
    if (!found) return std::nullopt;
    return *found;
  }

  template <typename Key, typename Value, typename Index, typename View>
  bool CommittedExists(const MvccTable<Key, Value, Index>& table, const View& key) const {
    std::lock_guard lock(store_->mu);
    return table.Get(key, snapshot_) != nullptr;
  }

  // The committed rows of `range` visible at the snapshot, in key order, at
  // most `limit`, leaving out those `skip` names. Records the range actually
  // covered in serializable mode.
  template <typename Key, typename Value, typename Skip>
  std::vector<std::shared_ptr<const Value>> Scan(const MvccTable<Key, Value>& table,
                                                 ScanRange<Key>& range, std::size_t limit,
                                                 ReadSet<Key>& reads, Skip skip) {
    std::vector<std::shared_ptr<const Value>> out;
    {
      std::lock_guard lock(store_->mu);
      table.ForEach(range, [&](std::string_view org, const auto& rest, const auto& chain) {
        const auto* v = chain.VisibleAt(snapshot_);
        if (v == nullptr || skip(**v)) return true;
        out.push_back(*v);
        if (out.size() < limit) return true;
        if (record_reads_) {
          range.end = std::tuple_cat(std::tuple<std::string>(org), rest);
          range.end_inclusive = true;
        }
        return false;
      });
    }
    if (record_reads_) reads.ranges.push_back(std::move(range));
    return out;
  }

  template <typename Key, typename Value>
  std::vector<std::shared_ptr<const Value>> Scan(const MvccTable<Key, Value>& table,
                                                 ScanRange<Key>& range, std::size_t limit,
                                                 ReadSet<Key>& reads) {
    return Scan(table, range, limit, reads, [](const Value&) { return false; });
  }

  // Every key row visible to this transaction (own writes included), by hash.
  std::vector<ApiKeyRow> AllKeys() {
    ScanRange<ApiKeyKey> range{ApiKeyKey{}, std::nullopt, false, /*same_first=*/false};
    auto own = key_writes_.Collect(range);
    auto committed = Scan(store_->keys, range, kNoLimit, key_reads_);
    return Merge(committed, own, kNoLimit,
                 [](const ApiKeyRow& k) { return std::string_view(k.hash); });
  }

  // The session of `hash` visible to this transaction (own writes first).
  std::optional<SessionRow> LiveSession(std::string_view hash) {
    std::optional<SessionSlot> slot =
        PointGet(store_->sessions, session_writes_, session_reads_, View1(hash));
    if (!slot || !*slot) return std::nullopt;
    return std::move(**slot);
  }

  // True if this transaction wrote the hold (its own version decides).
  bool OverriddenHold(const Hold& h) { return hold_writes_.Find(View2(h.org, h.id)) != nullptr; }

  // This transaction's written holds of `org` that are held and due by `by`,
  // ordered by (expires_at, id).
  std::vector<const Hold*> OwnPendingHolds(std::string_view org, Timestamp by) const {
    std::vector<const Hold*> out;
    for (const auto& w : hold_writes_.writes()) {
      const Hold& h = *w.value;
      if (std::get<0>(w.key) == org && h.status == HoldStatus::kHeld && h.expires_at <= by) {
        out.push_back(&h);
      }
    }
    std::sort(out.begin(), out.end(), [](const Hold* a, const Hold* b) {
      return std::tie(a->expires_at, a->id) < std::tie(b->expires_at, b->id);
    });
    return out;
  }

  bool HasWrites() const {
    return !org_writes_.empty() || !node_writes_.empty() || !entry_writes_.empty() ||
           !idempotency_writes_.empty() || !hold_writes_.empty() || !denial_writes_.empty() ||
           !key_writes_.empty() || !window_writes_.empty() || !approval_writes_.empty() ||
           !session_writes_.empty() || !provider_writes_.empty() || !wallet_writes_.empty();
  }

  // Checks the writes of one table against versions committed after the
  // snapshot, remembering each key's chain for installation.
  template <typename Key, typename Value, typename Index>
  bool ValidateWrites(MvccTable<Key, Value, Index>& table, WriteSet<Key, Value>& writes) {
    for (auto& w : writes.writes()) {
      w.chain = table.Find(w.key);
      if (w.chain != nullptr && w.chain->NewestTs() > snapshot_) return false;
    }
    return true;
  }

  // Key ids are unique, as the SQL stores' primary key makes them: a key
  // written with the id of another key committed after the snapshot
  // conflicts. (Key writes are rare; this scans every key.)
  bool KeyIdsStillFree() const {
    if (key_writes_.empty()) return true;
    bool free = true;
    ScanRange<ApiKeyKey> all{ApiKeyKey{}, std::nullopt, false, /*same_first=*/false};
    store_->keys.ForEach(all, [&](std::string_view, const auto&, const auto& chain) {
      if (chain.NewestTs() <= snapshot_) return true;
      const auto* newest = chain.VisibleAt(std::numeric_limits<std::uint64_t>::max());
      if (newest == nullptr) return true;
      for (const auto& w : key_writes_.writes()) {
        if (w.value->id == (*newest)->id && w.value->hash != (*newest)->hash) free = false;
      }
      return free;
    });
    return free;
  }

  // The name of the first table that fails validation, or null.
  const char* Validate() {
    MemoryStore::Impl& s = *store_;
    if (!ValidateWrites(s.orgs, org_writes_)) return "an org row it writes";
    if (!ValidateWrites(s.nodes, node_writes_)) return "a node row it writes";
    if (!ValidateWrites(s.entries, entry_writes_)) return "a journal entry it appends";
    if (!ValidateWrites(s.idempotency, idempotency_writes_)) return "an idempotency key it inserts";
    if (!ValidateWrites(s.holds, hold_writes_)) return "a hold it writes";
    if (!ValidateWrites(s.denials, denial_writes_)) return "a denial it inserts";
    if (!ValidateWrites(s.keys, key_writes_)) return "an API key it writes";
    if (!KeyIdsStillFree()) return "an API key id it inserts";
    if (!ValidateWrites(s.window_log, window_writes_)) return "a window log row it appends";
    if (!ValidateWrites(s.approvals, approval_writes_)) return "an approval it writes";
    if (!ValidateWrites(s.providers, provider_writes_)) return "a provider it writes";
    if (!ValidateWrites(s.wallets, wallet_writes_)) return "a wallet it writes";
    if (!ValidateWrites(s.sessions, session_writes_)) return "a session it writes";
    if (!record_reads_) return nullptr;
    if (org_reads_.ChangedSince(s.orgs, snapshot_)) return "an org row it read";
    if (node_reads_.ChangedSince(s.nodes, snapshot_)) return "a node row it read";
    if (entry_reads_.ChangedSince(s.entries, snapshot_)) return "a journal range it read";
    if (idempotency_reads_.ChangedSince(s.idempotency, snapshot_)) {
      return "an idempotency key it read";
    }
    if (hold_reads_.ChangedSince(s.holds, snapshot_)) return "a hold it read";
    if (pending_hold_reads_.ChangedSince(s.pending_holds, snapshot_)) {
      return "a range of pending holds it read";
    }
    if (denial_reads_.ChangedSince(s.denials, snapshot_)) return "a denial range it read";
    if (key_reads_.ChangedSince(s.keys, snapshot_)) return "an API key it read";
    if (window_reads_.ChangedSince(s.window_log, snapshot_)) return "a window log range it read";
    if (approval_reads_.ChangedSince(s.approvals, snapshot_)) return "an approval it read";
    if (provider_reads_.ChangedSince(s.providers, snapshot_)) return "a provider it read";
    if (wallet_reads_.ChangedSince(s.wallets, snapshot_)) return "a wallet it read";
    if (session_reads_.ChangedSince(s.sessions, snapshot_)) return "a session it read";
    return nullptr;
  }

  // Installs the writes of one table. A new key's non-org elements move into
  // the table; its org element stays in the write set (CommitRecord uses it).
  template <typename Key, typename Value, typename Index>
  static void InstallWrites(MvccTable<Key, Value, Index>& table, WriteSet<Key, Value>& writes,
                            std::uint64_t ts) {
    for (auto& w : writes.writes()) {
      if (w.chain == nullptr) w.chain = &table.InsertFrom(w.key);  // validated: absent
      table.Install(*w.chain, ts, std::move(w.value));
    }
  }

  // Every write ends its chain with a value (only the pending-holds index has
  // tombstones), so pruning never empties a written chain.
  template <typename Key, typename Value, typename Index>
  static void PruneWrites(MvccTable<Key, Value, Index>& table, WriteSet<Key, Value>& writes,
                          const mvcc::ActiveSnapshots& active) {
    for (auto& w : writes.writes()) {
      [[maybe_unused]] const bool emptied = table.Prune(*w.chain, active);
      assert(!emptied);
      w.chain = nullptr;
    }
  }

  template <typename Key, typename Value>
  static std::vector<const Value*> Installed(WriteSet<Key, Value>& writes) {
    std::vector<const Value*> out;
    out.reserve(writes.size());
    for (const auto& w : writes.writes()) out.push_back(w.chain->versions.back().value.get());
    return out;
  }

  // Installs the holds and maintains the pending-holds index. Returns the
  // index keys touched, as views into holds that `keep` keeps alive.
  std::vector<TsView> InstallHolds(std::uint64_t ts,
                                   std::vector<std::shared_ptr<const Hold>>& keep) {
    MemoryStore::Impl& s = *store_;
    std::vector<TsView> touched;
    for (auto& w : hold_writes_.writes()) {
      std::shared_ptr<const Hold> old;
      if (w.chain != nullptr) old = w.chain->versions.back().value;
      std::shared_ptr<const Hold> now = std::move(w.value);
      if (w.chain == nullptr) w.chain = &s.holds.InsertFrom(w.key);
      s.holds.Install(*w.chain, ts, now);
      const bool old_held = old != nullptr && old->status == HoldStatus::kHeld;
      const bool now_held = now->status == HoldStatus::kHeld;
      if (old_held && (!now_held || old->expires_at != now->expires_at)) {
        const TsView key(old->org, old->expires_at, old->id);
        s.pending_holds.Install(s.pending_holds.Emplace(mvcc::MakeKey<HoldIndexKey>(key)), ts,
                                nullptr);
        touched.push_back(key);
        keep.push_back(std::move(old));
      }
      if (now_held) {
        const TsView key(now->org, now->expires_at, now->id);
        s.pending_holds.Install(s.pending_holds.Emplace(mvcc::MakeKey<HoldIndexKey>(key)), ts, now);
        touched.push_back(key);
        keep.push_back(std::move(now));
      }
    }
    return touched;
  }

  Status CommitNow() {
    MemoryStore::Impl& s = *store_;
    if (options_.read_only || !HasWrites()) {
      // Nothing to validate: a transaction without writes serializes at its
      // snapshot.
      std::lock_guard lock(s.mu);
      s.active.Remove(snapshot_);
      finished_ = true;
      return Status::Ok();
    }
    std::lock_guard lock(s.mu);
    finished_ = true;
    if (const char* what = Validate()) {
      s.active.Remove(snapshot_);
      ++s.conflicts;
      return Conflict(std::string("memory store: ") + what +
                      " was changed by a transaction committed after this one began");
    }
    const std::uint64_t ts = ++s.clock;
    InstallWrites(s.orgs, org_writes_, ts);
    InstallWrites(s.nodes, node_writes_, ts);
    InstallWrites(s.entries, entry_writes_, ts);
    InstallWrites(s.idempotency, idempotency_writes_, ts);
    std::vector<std::shared_ptr<const Hold>> index_holds;
    const auto index_touched = InstallHolds(ts, index_holds);
    InstallWrites(s.denials, denial_writes_, ts);
    InstallWrites(s.keys, key_writes_, ts);
    InstallWrites(s.window_log, window_writes_, ts);
    InstallWrites(s.approvals, approval_writes_, ts);
    InstallWrites(s.providers, provider_writes_, ts);
    InstallWrites(s.wallets, wallet_writes_, ts);
    InstallWrites(s.sessions, session_writes_, ts);
    ++s.commits;

    if (s.options.on_commit) {
      CommitRecord record;
      record.commit_ts = ts;
      record.orgs = Installed(org_writes_);
      record.nodes = Installed(node_writes_);
      record.node_orgs.reserve(node_writes_.size());
      for (const auto& w : node_writes_.writes()) record.node_orgs.push_back(std::get<0>(w.key));
      record.entries = Installed(entry_writes_);
      record.holds = Installed(hold_writes_);
      record.idempotency = Installed(idempotency_writes_);
      record.denials = Installed(denial_writes_);
      s.options.on_commit(record);
    }

    // This transaction reads no more: versions only it could see can go.
    s.active.Remove(snapshot_);
    PruneWrites(s.orgs, org_writes_, s.active);
    PruneWrites(s.nodes, node_writes_, s.active);
    PruneWrites(s.entries, entry_writes_, s.active);
    PruneWrites(s.idempotency, idempotency_writes_, s.active);
    PruneWrites(s.holds, hold_writes_, s.active);
    PruneWrites(s.denials, denial_writes_, s.active);
    PruneWrites(s.keys, key_writes_, s.active);
    PruneWrites(s.window_log, window_writes_, s.active);
    PruneWrites(s.approvals, approval_writes_, s.active);
    PruneWrites(s.providers, provider_writes_, s.active);
    PruneWrites(s.wallets, wallet_writes_, s.active);
    PruneWrites(s.sessions, session_writes_, s.active);
    for (const auto& key : index_touched) s.pending_holds.Prune(key, s.active);
    return Status::Ok();
  }

  void ReleaseBuffers() {
    org_writes_.Clear();
    node_writes_.Clear();
    entry_writes_.Clear();
    idempotency_writes_.Clear();
    hold_writes_.Clear();
    denial_writes_.Clear();
    key_writes_.Clear();
    window_writes_.Clear();
    approval_writes_.Clear();
    provider_writes_.Clear();
    wallet_writes_.Clear();
    session_writes_.Clear();
    if (!record_reads_) return;
    org_reads_ = {};
    node_reads_ = {};
    entry_reads_ = {};
    idempotency_reads_ = {};
    hold_reads_ = {};
    pending_hold_reads_ = {};
    denial_reads_ = {};
    key_reads_ = {};
    window_reads_ = {};
    approval_reads_ = {};
    provider_reads_ = {};
    wallet_reads_ = {};
    session_reads_ = {};
  }

  MemoryStore::Impl* const store_;
  const TxnOptions options_;
  const bool record_reads_;  // serializable validation of reads
  std::uint64_t id_ = 0;
  std::uint64_t snapshot_ = 0;
  bool finished_ = false;

  WriteSet<OrgKey, OrgRow> org_writes_;
  WriteSet<NodeKey, NodeRow> node_writes_;
  WriteSet<EntryKey, Entry> entry_writes_;
  WriteSet<IdempotencyKey, IdempotencyRecord> idempotency_writes_;
  WriteSet<HoldKey, Hold> hold_writes_;
  WriteSet<DenialKey, DenialRecord> denial_writes_;
  WriteSet<ApiKeyKey, ApiKeyRow> key_writes_;
  WriteSet<WindowLogKey, WindowLogRow> window_writes_;
  WriteSet<ApprovalKey, ApprovalRow> approval_writes_;
  WriteSet<ProviderKey, ProviderRow> provider_writes_;
  WriteSet<WalletKey, WalletRow> wallet_writes_;
  WriteSet<SessionKey, SessionSlot> session_writes_;

  ReadSet<OrgKey> org_reads_;
  ReadSet<NodeKey> node_reads_;
  ReadSet<EntryKey> entry_reads_;
  ReadSet<IdempotencyKey> idempotency_reads_;
  ReadSet<HoldKey> hold_reads_;
  ReadSet<HoldIndexKey> pending_hold_reads_;
  ReadSet<DenialKey> denial_reads_;
  ReadSet<ApiKeyKey> key_reads_;
  ReadSet<WindowLogKey> window_reads_;
  ReadSet<ApprovalKey> approval_reads_;
  ReadSet<ProviderKey> provider_reads_;
  ReadSet<WalletKey> wallet_reads_;
  ReadSet<SessionKey> session_reads_;
};

}  // namespace

Result<std::unique_ptr<Transaction>> MemoryStore::Impl::Begin(const TxnOptions& txn_options) {
  auto txn = std::make_unique<MemoryTransaction>(this, txn_options);
  {
    std::lock_guard lock(mu);
    active.Add(clock);
    txn->Start(++last_txn_id, clock);
  }
  if (options.hook) options.hook(HookPoint::kBegin, txn->id());
  return std::unique_ptr<Transaction>(std::move(txn));
}

MemoryStore::MemoryStore() : MemoryStore(Options{}) {}

MemoryStore::MemoryStore(Options options) : impl_(std::make_unique<Impl>(std::move(options))) {}

MemoryStore::~MemoryStore() = default;

Result<std::unique_ptr<Transaction>> MemoryStore::Begin(const TxnOptions& options) {
  return impl_->Begin(options);
}

MemoryStore::Stats MemoryStore::GetStats() const {
  std::lock_guard lock(impl_->mu);
  const Impl& s = *impl_;
  Stats stats;
  stats.commits = s.commits;
  stats.conflicts = s.conflicts;
  stats.versions = s.orgs.version_count() + s.nodes.version_count() + s.entries.version_count() +
                   s.idempotency.version_count() + s.holds.version_count() +
                   s.pending_holds.version_count() + s.denials.version_count() +
                   s.keys.version_count() + s.window_log.version_count() +
                   s.approvals.version_count() + s.sessions.version_count() +
                   s.providers.version_count() + s.wallets.version_count();
  return stats;
}

void MemoryStore::TamperWithJournalForTesting(
    std::string_view org, const std::function<void(std::vector<Entry>&)>& edit) {
  std::lock_guard lock(impl_->mu);
  auto& table = impl_->entries;
  std::vector<Entry> journal;
  const ScanRange<EntryKey> whole_org{EntryKey(org, 0), std::nullopt, false, true};
  table.ForEach(whole_org, [&](std::string_view, const auto&, const auto& chain) {
    if (const auto& newest = chain.versions.back().value) journal.push_back(*newest);
    return true;
  });
  table.ErasePartition(org);
  edit(journal);
  const std::uint64_t ts = ++impl_->clock;
  for (auto& e : journal) {
    const EntryView key(org, e.seq);
    table.Erase(key);  // a duplicated seq: the last one wins
    table.Install(table.Emplace(mvcc::MakeKey<EntryKey>(key)), ts,
                  std::make_shared<const Entry>(std::move(e)));
  }
}

}  // namespace stub
