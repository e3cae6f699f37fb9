#include "engine/engine.h"

#include <algorithm>
#include <thread>
#include <type_traits>
#include <utility>
#include <variant>

#include "core/config_change.h"
#include "core/idempotency.h"
#include "core/policy.h"
#include "core/vendor.h"
#include "engine/ledger_ops.h"
#include "engine/ledger_txn.h"
#include "engine/provider_ops.h"
#include "engine/safety_ops.h"
#include "engine/wallet_ops.h"

namespace stub {
namespace {

constexpr std::size_t kVerifyPage = 1000;

// Errors a ledger operation raises before writing anything of its own: in a
// batch they answer that request alone (see ledger_ops.h).
bool IsRequestError(StatusCode code) {
  return code == StatusCode::kInvalidArgument || code == StatusCode::kNotFound ||
         code == StatusCode::kFailedPrecondition || code == StatusCode::kAlreadyExists;
}

// The spend a request carries (a hold's), or nullptr (a capture).
const SpendRequest* SpendOf(const MoneyRequest& r) {
  if (const auto* spend = std::get_if<SpendRequest>(&r)) return spend;
  if (const auto* hold = std::get_if<HoldRequest>(&r)) return &hold->spend;
  return nullptr;
}

// A field of a batch's spends and holds, grouped by org (orgs in
// first-appearance order), from those `keep` accepts; malformed requests are
// refused later, one by one.
template <typename Field, typename Keep>
std::vector<std::pair<std::string_view, std::vector<std::string_view>>> ByOrg(
    std::span<const MoneyRequest> requests, Field field, Keep keep) {
  std::vector<std::pair<std::string_view, std::vector<std::string_view>>> out;
  for (const MoneyRequest& request : requests) {
    const SpendRequest* r = SpendOf(request);
    if (r == nullptr || r->org.empty() || !keep(*r)) continue;
    auto it =
        std::find_if(out.begin(), out.end(), [&](const auto& e) { return e.first == r->org; });
    if (it == out.end()) it = out.insert(out.end(), {r->org, {}});
    it->second.push_back(field(*r));
  }
  return out;
}

// The batch's well-formed idempotency keys, by org.
auto KeysByOrg(std::span<const MoneyRequest> requests) {
  return ByOrg(
      requests, [](const SpendRequest& r) -> std::string_view { return r.idempotency_key; },
      [](const SpendRequest& r) { return ValidateIdempotencyKey(r.idempotency_key).ok(); });
}

// The batch's agents, by org (an agent may repeat; PrefetchChains skips
// what is loaded already).
auto AgentsByOrg(std::span<const MoneyRequest> requests) {
  return ByOrg(
      requests, [](const SpendRequest& r) -> std::string_view { return r.agent; },
      [](const SpendRequest& r) { return !r.agent.empty(); });
}

// A request arrives with its vendor as the caller wrote it and maybe a
// receipt without its digest. Preparing normalises the vendor (when it is a
// valid host; an invalid one is refused later, in the transaction, as a
// request error) and digests the receipt — outside the transaction, once.
bool HasUpper(std::string_view s) {
  return std::any_of(s.begin(), s.end(), [](char c) { return c >= 'A' && c <= 'Z'; });
}

bool NeedsPreparing(const SpendRequest& r) {
  return (!r.receipt.empty() && r.receipt_hash.empty()) || !IsNormalizedVendor(r.vendor) ||
         HasUpper(r.category);
}

bool NeedsPreparing(const MoneyRequest& r) {
  if (const SpendRequest* spend = SpendOf(r)) return NeedsPreparing(*spend);
  const auto& capture = std::get<CaptureRequest>(r);
  return !capture.receipt.empty() && capture.receipt_hash.empty();
}

void Prepare(SpendRequest& r) {
  // Categories are ids compared as lowercase (as policy lists store them),
  // so "Gambling" cannot pass a block on "gambling".
  for (char& c : r.category) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  if (!IsNormalizedVendor(r.vendor)) {
    if (auto vendor = NormalizeVendor(r.vendor); vendor.ok()) r.vendor = std::move(*vendor);
  }
  if (!r.receipt.empty() && r.receipt_hash.empty()) r.receipt_hash = ReceiptHash(r.receipt);
}

void Prepare(MoneyRequest& r) {
  if (auto* spend = std::get_if<SpendRequest>(&r)) return Prepare(*spend);
  if (auto* hold = std::get_if<HoldRequest>(&r)) return Prepare(hold->spend);
  auto& capture = std::get<CaptureRequest>(r);
  if (!capture.receipt.empty() && capture.receipt_hash.empty()) {
    capture.receipt_hash = ReceiptHash(capture.receipt);
  }
}

// Applies one prepared request inside a batch's transaction.
Result<SpendResult> ApplyOne(LedgerTxn& lt, const MoneyRequest& request, Timestamp now) {
  return std::visit(
      [&](const auto& r) -> Result<SpendResult> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, SpendRequest>) return ApplySpend(lt, r, now);
        if constexpr (std::is_same_v<T, HoldRequest>) return ApplyHold(lt, r, now);
        if constexpr (std::is_same_v<T, CaptureRequest>) return ApplyCapture(lt, r, now);
      },
      request);
}

bool IsValidCurrency(std::string_view c) {
  if (c.size() != 3) return false;
  for (char ch : c) {
    if (ch < 'A' || ch > 'Z') return false;
  }
  return true;
}

}  // namespace

Engine::Engine(Store& store, const Clock& clock, EngineOptions options)
    : store_(store), clock_(clock), options_(std::move(options)) {
  if (options_.max_attempts < 1) options_.max_attempts = 1;
}

// Runs `body(lt, now)` in a transaction and commits it (flushing the row
// cache first), retrying the whole body on kConflict (from any call or from
// Commit) and on kUnavailable, with backoff, up to max_attempts. Returns the
// body's result once committed — and, if `wait_durable`, durable (a replay
// may report another transaction's commit, so this waits even when the body
// wrote nothing) —, the body's first non-retryable error, or the last
// retryable error. Each attempt first waits while an operator write
// (RunOperator) is in progress.
template <typename Body>
auto Engine::Run(Body&& body, bool wait_durable, bool operator_write) {
  using R = std::invoke_result_t<Body&, LedgerTxn&, Timestamp>;
  Status last;
  for (int attempt = 0; attempt < options_.max_attempts; ++attempt) {
    if (attempt > 0) {
      retries_.fetch_add(1, std::memory_order_relaxed);
      std::this_thread::sleep_for(BackoffDelay(options_.backoff, attempt - 1));
    }
    if (!operator_write) gate_.AwaitClear();
    // Before Begin: a replay answers with what another transaction
    // committed, read in this one's snapshot (Store::DurabilityMark).
    const std::uint64_t mark = store_.DurabilityMark();
    auto txn = store_.Begin(options_.txn);
    if (!txn.ok()) {
      last = txn.status();
      if (last.retryable()) continue;
      return R(std::move(last));
    }
    LedgerTxn lt(**txn);
    R result = body(lt, clock_.Now());
    Status status = result.status();
    if (status.ok()) status = lt.Flush();
    if (status.ok()) status = (*txn)->Commit();
    if (status.ok()) {
      commit_signal_.Notify();
      if (wait_durable && !store_.CommitIsDurable()) {
        if (Status durable = store_.MakeDurable(mark); !durable.ok()) return R(std::move(durable));
      }
      return result;
    }
    (*txn)->Rollback();
    if (status.code() == StatusCode::kConflict) conflicts_.fetch_add(1, std::memory_order_relaxed);
    if (!status.retryable()) return R(std::move(status));
    last = std::move(status);
  }
  return R(std::move(last));
}

// As Run, but holds the gate for its whole duration, so this engine starts no
// other transaction meanwhile: an operator's change (a kill-switch above all)
// is not starved by spends racing on the same rows.
template <typename Body>
auto Engine::RunOperator(Body&& body) {
  PriorityGate::Pass pass = gate_.Enter();
  return Run(std::forward<Body>(body), /*wait_durable=*/true, /*operator_write=*/true);
}

Result<OrgRow> Engine::CreateOrg(std::string_view id, std::string_view name,
                                 std::string_view currency, const AlsoInTxn& also) {
  if (!IsValidId(id)) {
    return InvalidArgument("org id must match [a-z0-9][a-z0-9_.-]{0,63}", "invalid_request");
  }
  if (!IsValidCurrency(currency)) {
    return InvalidArgument("currency must be a three-letter ISO 4217 code", "invalid_request");
  }
  return Run([&](LedgerTxn& lt, Timestamp now) -> Result<OrgRow> {
    Transaction& txn = lt.txn();
    STUB_ASSIGN_OR_RETURN(auto existing, txn.GetOrg(id));
    if (existing) return AlreadyExists("org '" + std::string(id) + "' exists", "already_exists");
    OrgRow org;
    org.id = std::string(id);
    org.name = std::string(name);
    org.currency = std::string(currency);
    org.created_at = now;
    STUB_RETURN_IF_ERROR(txn.PutOrg(org));
    NodeRow root;
    root.node.id = org.id;
    root.node.kind = NodeKind::kOrg;
    root.node.name = org.name;
    STUB_RETURN_IF_ERROR(txn.PutNode(org.id, std::move(root)));
    if (also) STUB_RETURN_IF_ERROR(also(txn, now));
    return org;
  });
}

namespace {

nlohmann::json LimitsJson(const std::vector<Limit>& limits) {
  nlohmann::json j = nlohmann::json::array();
  for (const Limit& l : limits) {
    j.push_back({{"amount", FormatAmount(l.amount)}, {"period", PeriodName(l.period)}});
  }
  return j;
}

}  // namespace

Result<NodeRow> Engine::PutNode(std::string_view org, const Node& node, std::string_view actor) {
  STUB_RETURN_IF_ERROR(ValidateNode(node));
  if (node.kind == NodeKind::kOrg && node.id != org) {
    return InvalidArgument("the org root node's id is the org's id", "invalid_request");
  }
  return RunOperator([&](LedgerTxn& lt, Timestamp now) -> Result<NodeRow> {
    Transaction& txn = lt.txn();
    STUB_ASSIGN_OR_RETURN(auto org_row, txn.GetOrg(org));
    if (!org_row) return NotFound("unknown org '" + std::string(org) + "'", "not_found");
    STUB_ASSIGN_OR_RETURN(auto existing, txn.GetNode(org, node.id));
    if (existing && existing->node.kind != node.kind) {
      return InvalidArgument(
          "'" + node.id + "' is already a " + std::string(NodeKindName(existing->node.kind)),
          "invalid_request");
    }
    if (node.kind != NodeKind::kOrg) {
      // Walk up from the new parent: it must exist, be the org or a team, and
      // the walk must not meet this node (no cycles).
      std::string cursor = node.parent;
      for (std::size_t depth = 1;; ++depth) {
        if (cursor == node.id) {
          return InvalidArgument("a team cannot move under its own subtree", "invalid_request");
        }
        if (depth >= kMaxTreeDepth) {
          return InvalidArgument("the budget tree would be deeper than allowed", "invalid_request");
        }
        STUB_ASSIGN_OR_RETURN(auto up, txn.GetNode(org, cursor));
        if (!up) return NotFound("unknown team '" + cursor + "'", "not_found");
        if (up->node.kind == NodeKind::kAgent) {
          return InvalidArgument("'" + cursor + "' is an agent, not a team", "invalid_request");
        }
        if (up->node.kind == NodeKind::kOrg) break;
        cursor = up->node.parent;
      }
    }
    const std::vector<Limit> old_limits = existing ? existing->node.limits : std::vector<Limit>{};
    NodeRow row = existing ? std::move(*existing) : NodeRow{};
    // Freezes change only through SetFrozen (audited), never by a PUT.
    const bool frozen = row.node.frozen;
    std::string frozen_reason = row.node.frozen_reason;
    row.node = node;
    if (existing) {
      row.node.frozen = frozen;
      row.node.frozen_reason = std::move(frozen_reason);
    }
    ++row.version;
    STUB_RETURN_IF_ERROR(txn.PutNode(org, row));
    if (old_limits != node.limits) {
      STUB_ASSIGN_OR_RETURN(OrgRow * org_cached, lt.Org(org));
      ConfigChange change;
      change.actor = std::string(actor);
      change.action = std::string(kActionLimitsUpdated);
      change.node = node.id;
      if (node.kind == NodeKind::kAgent) change.agent = node.id;
      change.old_value = LimitsJson(old_limits);
      change.new_value = LimitsJson(node.limits);
      STUB_RETURN_IF_ERROR(AppendConfigEntry(lt, *org_cached, change, now));
    }
    return row;
  });
}

Result<NodeRow> Engine::PutPolicy(std::string_view org, std::string_view node, Policy policy,
                                  std::string_view actor) {
  STUB_RETURN_IF_ERROR(NormalizePolicy(policy));
  return RunOperator([&](LedgerTxn& lt, Timestamp now) {
    return ApplyPutPolicy(lt, org, node, policy, actor, now);
  });
}

Result<NodeRow> Engine::SetFrozen(std::string_view org, std::string_view node, bool frozen,
                                  std::string_view reason, std::string_view actor) {
  return RunOperator([&](LedgerTxn& lt, Timestamp now) {
    return ApplySetFrozen(lt, org, node, frozen, reason, actor, now);
  });
}

Result<OrgRow> Engine::SetMaxSpend(std::string_view org, Micros max_spend, std::string_view actor) {
  return RunOperator([&](LedgerTxn& lt, Timestamp now) {
    return ApplySetMaxSpend(lt, org, max_spend, actor, now);
  });
}

Result<OrgRow> Engine::SetKillSwitch(std::string_view org, bool engaged, std::string_view reason,
                                     std::string_view actor) {
  return RunOperator([&](LedgerTxn& lt, Timestamp now) {
    return ApplySetKillSwitch(lt, org, engaged, reason, actor, now);
  });
}

Result<bool> Engine::PutProvider(ProviderRow row, std::string_view actor) {
  return RunOperator(
      [&](LedgerTxn& lt, Timestamp now) { return ApplyPutProvider(lt, row, actor, now); });
}

Result<bool> Engine::PutWallet(WalletRow row, std::string_view actor) {
  return RunOperator(
      [&](LedgerTxn& lt, Timestamp now) { return ApplyPutWallet(lt, row, actor, now); });
}

Result<ApprovalDecision> Engine::DecideApproval(std::string_view org, std::string_view approval_id,
                                                bool approve, std::string_view note,
                                                std::string_view actor) {
  // Due approvals expire in their own transaction first: a refused decision
  // rolls back, and the expiry must stand on its own.
  STUB_RETURN_IF_ERROR(ExpireDueHolds(org).status());
  auto result = RunOperator([&](LedgerTxn& lt, Timestamp now) {
    return ApplyDecideApproval(lt, org, approval_id, approve, note, actor, now);
  });
  if (result.ok() && approve) approved_.fetch_add(1, std::memory_order_relaxed);
  return result;
}

namespace {

constexpr std::size_t kMaxListedApprovals = 100'000;

ApprovalRow AsOf(ApprovalRow a, Timestamp now) {
  if (a.status == ApprovalStatus::kPending && a.expires_at <= now) {
    a.status = ApprovalStatus::kExpired;
  }
  return a;
}

}  // namespace

Result<std::vector<ApprovalRow>> Engine::ListApprovals(std::string_view org,
                                                       std::optional<ApprovalStatus> status,
                                                       std::size_t limit) {
  TxnOptions read = options_.txn;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin(read));
  const Timestamp now = clock_.Now();
  // A due-but-unswept pending approval is expired as of now: it is stored
  // pending, so "expired" also reads the pending ones.
  const bool expired = status == ApprovalStatus::kExpired;
  STUB_ASSIGN_OR_RETURN(auto rows, txn->ListApprovals(org, expired ? std::nullopt : status,
                                                      expired ? kMaxListedApprovals : limit));
  std::vector<ApprovalRow> out;
  for (ApprovalRow& a : rows) {
    ApprovalRow now_a = AsOf(std::move(a), now);
    if (!status || now_a.status == *status) out.push_back(std::move(now_a));
    if (out.size() == limit) break;
  }
  return out;
}

Result<std::optional<ApprovalRow>> Engine::GetApproval(std::string_view org, std::string_view id) {
  TxnOptions read = options_.txn;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin(read));
  STUB_ASSIGN_OR_RETURN(auto a, txn->GetApproval(org, id));
  if (!a) return a;
  return std::optional<ApprovalRow>(AsOf(std::move(*a), clock_.Now()));
}

Result<std::optional<NodeRow>> Engine::GetNode(std::string_view org, std::string_view node) {
  TxnOptions read = options_.txn;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin(read));
  return txn->GetNode(org, node);
}

Result<std::vector<NodeRow>> Engine::GetPath(std::string_view org, std::string_view node) {
  TxnOptions read = options_.txn;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin(read));
  std::vector<NodeRow> path;
  std::string cursor(node);
  while (!cursor.empty() && path.size() < kMaxTreeDepth) {
    STUB_ASSIGN_OR_RETURN(auto row, txn->GetNode(org, cursor));
    if (!row) {
      if (path.empty()) return NotFound("unknown node '" + cursor + "'", "not_found");
      return Internal("node '" + path.back().node.id + "' names a missing parent '" + cursor + "'");
    }
    cursor = row->node.parent;
    path.push_back(std::move(*row));
  }
  return path;
}

Result<std::optional<OrgRow>> Engine::GetOrg(std::string_view org) {
  TxnOptions read = options_.txn;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin(read));
  return txn->GetOrg(org);
}

Result<SpendResult> Engine::SpendOrHold(const SpendRequest& original,
                                        const HoldRequest* original_hold) {
  // Prepare once, before the transaction, not on every attempt.
  std::optional<HoldRequest> prepared;
  if (NeedsPreparing(original)) {
    prepared.emplace(HoldRequest{original, original_hold ? original_hold->ttl : 0});
    Prepare(prepared->spend);
  }
  const SpendRequest& request = prepared ? prepared->spend : original;
  const HoldRequest* hold = original_hold == nullptr ? nullptr
                            : prepared               ? &*prepared
                                                     : original_hold;
  auto result = Run([&](LedgerTxn& lt, Timestamp now) {
    return hold ? ApplyHold(lt, *hold, now) : ApplySpend(lt, request, now);
  });
  if (!result.ok() && result.status().code() == StatusCode::kConflict) {
    contention_.fetch_add(1, std::memory_order_relaxed);
    // A denial touches no hot row, so recording it cannot starve.
    result = Run([&](LedgerTxn& lt, Timestamp now) {
      return RecordContentionDenial(lt, request, hold ? "hold" : "spend", now);
    });
  }
  if (result.ok() && !result->replayed) {
    auto& counter = result->outcome.status == OutcomeStatus::kDenied ? denied_ : approved_;
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  return result;
}

Result<SpendResult> Engine::Spend(const SpendRequest& request) {
  return SpendOrHold(request, nullptr);
}

std::vector<Result<SpendResult>> Engine::ApplyBatch(std::span<const MoneyRequest> original,
                                                    bool wait_durable) {
  // Prepare once, before the transaction.
  std::vector<MoneyRequest> prepared;
  std::span<const MoneyRequest> requests = original;
  for (std::size_t i = 0; i < original.size(); ++i) {
    if (!NeedsPreparing(original[i])) continue;
    if (prepared.empty()) prepared.assign(original.begin(), original.end());
    Prepare(prepared[i]);
    requests = prepared;
  }
  std::vector<Result<SpendResult>> results;
  results.reserve(requests.size());
  // Idempotency keys are usually new: the first attempt takes them for new
  // without reading them (LedgerTxn::AssumeNewIdempotencyKeys). If one was
  // not, that attempt cannot commit; the retry reads the keys, and so do the
  // next read_keys_after_miss batches (a client replaying keys tends to go
  // on).
  bool assume_new = false;
  if (int left = read_keys_batches_.load(std::memory_order_relaxed); left > 0) {
    read_keys_batches_.compare_exchange_strong(left, left - 1, std::memory_order_relaxed);
  } else {
    assume_new = true;
  }
  int attempts = 0;
  auto batch = Run(
      [&](LedgerTxn& lt, Timestamp now) -> Result<bool> {
        // One read per org for the whole batch's idempotency keys (unless
        // taken for new), and one per tree level for its agents' budget
        // paths: every read before the first write, so none waits for the
        // batch's buffered writes.
        if (attempts++ == 0 && assume_new) {
          lt.AssumeNewIdempotencyKeys();
        } else {
          for (const auto& [org, keys] : KeysByOrg(requests)) {
            STUB_RETURN_IF_ERROR(lt.PrefetchIdempotency(org, keys));
          }
        }
        for (const auto& [org, agents] : AgentsByOrg(requests)) {
          STUB_RETURN_IF_ERROR(PrefetchChains(lt, org, agents));
        }
        results.clear();
        for (const MoneyRequest& request : requests) {
          auto one = ApplyOne(lt, request, now);
          if (!one.ok() && !IsRequestError(one.status().code())) return one.status();
          results.push_back(std::move(one));
        }
        return true;
      },
      wait_durable);
  if (assume_new && attempts > 1) {
    read_keys_batches_.store(options_.read_keys_after_miss, std::memory_order_relaxed);
  }
  if (!batch.ok()) {
    // Retries exhausted, or an error that may have left partial writes: give
    // every request its own transaction (and its own contention handling).
    results.clear();
    for (const MoneyRequest& request : requests) results.push_back(Apply(request));
    return results;
  }
  for (const auto& r : results) {
    if (!r.ok() || r->replayed) continue;
    auto& counter = r->outcome.status == OutcomeStatus::kDenied ? denied_ : approved_;
    counter.fetch_add(1, std::memory_order_relaxed);
  }
  return results;
}

std::vector<Result<SpendResult>> Engine::SpendBatch(std::span<const SpendRequest> spends,
                                                    bool wait_durable) {
  const std::vector<MoneyRequest> requests(spends.begin(), spends.end());
  return ApplyBatch(requests, wait_durable);
}

Result<SpendResult> Engine::Apply(const MoneyRequest& request) {
  return std::visit(
      [&](const auto& r) -> Result<SpendResult> {
        using T = std::decay_t<decltype(r)>;
        if constexpr (std::is_same_v<T, SpendRequest>) return Spend(r);
        if constexpr (std::is_same_v<T, HoldRequest>) return Hold(r);
        if constexpr (std::is_same_v<T, CaptureRequest>) return Capture(r);
      },
      request);
}

Result<SpendResult> Engine::Hold(const HoldRequest& request) {
  return SpendOrHold(request.spend, &request);
}

Result<SpendResult> Engine::Capture(const CaptureRequest& original) {
  CaptureRequest request = original;
  if (!request.receipt.empty() && request.receipt_hash.empty()) {
    request.receipt_hash = ReceiptHash(request.receipt);
  }
  auto result = Run([&](LedgerTxn& lt, Timestamp now) { return ApplyCapture(lt, request, now); });
  if (result.ok()) approved_.fetch_add(1, std::memory_order_relaxed);
  return result;
}

Result<stub::Hold> Engine::Void(std::string_view org, std::string_view hold_id) {
  return Run([&](LedgerTxn& lt, Timestamp now) { return ApplyVoid(lt, org, hold_id, now); });
}

Result<std::optional<WalletRow>> Engine::GetWallet(std::string_view org, std::string_view id) {
  TxnOptions read = options_.txn;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin(read));
  return txn->GetWallet(org, id);
}

Result<std::vector<WalletRow>> Engine::ListWallets(std::string_view org) {
  TxnOptions read = options_.txn;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin(read));
  return txn->ListWallets(org);
}

Result<std::optional<stub::Hold>> Engine::GetHold(std::string_view org, std::string_view hold_id) {
  TxnOptions read = options_.txn;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin(read));
  return txn->GetHold(org, hold_id);
}

Result<std::size_t> Engine::ExpireDueHolds(std::string_view org) {
  std::size_t total = 0;
  for (;;) {
    auto swept = Run([&](LedgerTxn& lt, Timestamp now) -> Result<std::size_t> {
      STUB_ASSIGN_OR_RETURN(OrgRow * row, lt.Org(org));
      if (row == nullptr) return NotFound("unknown org '" + std::string(org) + "'", "not_found");
      return SweepDueHolds(lt, *row, EntryClock(*row, now));
    });
    if (!swept.ok()) return swept;
    total += *swept;
    if (*swept < kMaxExpiriesPerTxn) return total;
  }
}

Result<VerifyReport> Engine::Verify(std::string_view org) {
  TxnOptions read = options_.txn;
  read.read_only = true;
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin(read));
  STUB_ASSIGN_OR_RETURN(auto org_row, txn->GetOrg(org));
  if (!org_row) return NotFound("unknown org '" + std::string(org) + "'", "not_found");
  STUB_ASSIGN_OR_RETURN(auto nodes, txn->ListNodes(org));
  Verifier verifier(org_row->id, std::move(nodes), org_row->head_seq, org_row->head_hash);
  std::uint64_t after = 0;
  for (;;) {
    STUB_ASSIGN_OR_RETURN(auto page, txn->ListEntries(org, after, kVerifyPage));
    for (const Entry& e : page) verifier.Add(e);
    if (page.size() < kVerifyPage) break;
    after = page.back().seq;
  }
  STUB_ASSIGN_OR_RETURN(auto rollup, txn->ListSpendDaily(org));
  verifier.ExpectSpendDaily(std::move(rollup));
  return verifier.Finish();
}

EngineStats Engine::Stats() const {
  EngineStats s;
  s.conflicts = conflicts_.load(std::memory_order_relaxed);
  s.retries = retries_.load(std::memory_order_relaxed);
  s.approved = approved_.load(std::memory_order_relaxed);
  s.denied = denied_.load(std::memory_order_relaxed);
  s.contention = contention_.load(std::memory_order_relaxed);
  return s;
}

}  // namespace stub
