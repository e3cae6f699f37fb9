#include "engine/ledger_ops.h"

#include <algorithm>
#include <limits>
#include <optional>
#include <string>
#include <utility>

#include "core/canonical_json.h"
#include "core/config_change.h"
#include "core/idempotency.h"
#include "core/journal.h"
#include "core/time_ordered_id.h"
#include "core/vendor.h"
#include "engine/ids.h"
#include "engine/policy_eval.h"
#include "engine/request_limits.h"

namespace stub {
namespace {

constexpr std::string_view kUncategorized = "uncategorized";

std::string_view CategoryOf(const SpendRequest& r) {
  return r.category.empty() ? kUncategorized : std::string_view(r.category);
}

Status ValidateSpendRequest(const SpendRequest& r) {
  if (r.org.empty()) return InvalidArgument("org is required", "invalid_request");
  if (r.agent.empty()) return InvalidArgument("agent is required", "invalid_request");
  if (r.amount <= 0) return InvalidArgument("amount must be positive", "invalid_amount");
  if (r.vendor.empty()) return InvalidArgument("vendor is required", "invalid_request");
  STUB_RETURN_IF_ERROR(CheckSpendText(r));
  // The engine normalises vendors before the transaction (Engine::Prepare):
  // one that is still not in normal form is not a host name.
  if (!IsNormalizedVendor(r.vendor)) {
    auto normalized = NormalizeVendor(r.vendor);
    if (!normalized.ok()) return normalized.status();
    return InvalidArgument("vendor '" + r.vendor + "' is not normalised", "invalid_request");
  }
  return ValidateIdempotencyKey(r.idempotency_key);
}

// The request's receipt digest: precomputed by the engine, or computed now.
template <typename Request>
std::string ReceiptHashOf(const Request& r) {
  return r.receipt_hash.empty() ? ReceiptHash(r.receipt) : r.receipt_hash;
}

// Appends a length-prefixed field, so no two distinct requests share bytes.
void AppendField(std::string& out, std::string_view value) {
  out += std::to_string(value.size());
  out += ':';
  out += value;
}

// The request's identity for idempotency: every field that decides the
// outcome (never the key), length-prefixed; a receipt is represented by its
// hash. Records keep FingerprintDigest of these bytes (core/idempotency.h):
// a SHA-256 on the spend path buys a row shorter by the request's text, and
// rows are what bounds a batch's writes. Never change these bytes: records
// written before digests hold them as they are, compared byte for byte.
std::string Fingerprint(std::string_view kind, const SpendRequest& r, Timestamp ttl) {
  std::string bytes;
  bytes.reserve(160 + r.agent.size() + r.vendor.size() + r.intent.size());
  AppendField(bytes, kind);
  AppendField(bytes, r.agent);
  AppendField(bytes, std::to_string(r.amount));
  AppendField(bytes, r.vendor);
  AppendField(bytes, CategoryOf(r));
  AppendField(bytes, r.session);
  AppendField(bytes, r.user);
  AppendField(bytes, r.intent);
  AppendField(bytes, ReceiptHashOf(r));
  AppendField(bytes, std::to_string(ttl));
  return bytes;
}

// Inserts the record of a refused request (no hot row) and returns the
// denied outcome the caller is told.
Result<Outcome> RecordDenial(Transaction& txn, const SpendRequest& request,
                             std::string_view request_kind, Denial denial, Timestamp now) {
  DenialRecord record;
  record.org = request.org;
  record.id = NewTimeOrderedId("dn", now);
  record.request_kind = std::string(request_kind);
  record.agent = request.agent;
  record.amount = request.amount;
  record.vendor = request.vendor;
  record.category = std::string(CategoryOf(request));
  record.session = request.session;
  record.user = request.user;
  record.intent = request.intent;
  record.idempotency_key = request.idempotency_key;
  record.denial = std::move(denial);
  record.created_at = now;
  Outcome outcome;
  outcome.status = OutcomeStatus::kDenied;
  outcome.id = record.id;
  outcome.amount = request.amount;
  outcome.denial = record.denial;
  STUB_RETURN_IF_ERROR(txn.InsertDenial(std::move(record)));
  return outcome;
}

// The org row (cached in `lt`); moves `now` forward to the org's entry clock
// (EntryClock), so every decision and entry of this operation uses it.
Result<OrgRow*> LoadOrg(LedgerTxn& lt, std::string_view org, Timestamp& now) {
  STUB_ASSIGN_OR_RETURN(OrgRow * row, lt.Org(org));
  if (row == nullptr) return NotFound("unknown org '" + std::string(org) + "'", "not_found");
  now = EntryClock(*row, now);
  return row;
}

// OK when `request` carries no key check, or its key is still live as of
// this transaction: re-read only when a key of the org was revoked since the
// check was taken (see KeyService).
Status CheckKeyStillLive(LedgerTxn& lt, const SpendRequest& request) {
  if (!request.key_check) return Status::Ok();
  STUB_ASSIGN_OR_RETURN(OrgRow * org, lt.Org(request.org));
  if (org == nullptr) return NotFound("unknown org '" + request.org + "'", "not_found");
  if (org->key_epoch == request.key_check->epoch) return Status::Ok();
  STUB_ASSIGN_OR_RETURN(auto key, lt.txn().GetKeyByHash(request.key_check->key_hash));
  if (!key || key->revoked() || key->org != request.org) {
    return InvalidArgument("unknown or revoked API key", "unauthorized");
  }
  return Status::Ok();
}

// Seals `entry` onto the org's chain (seq, prev_hash, hash), appends it, and
// advances the head on `org` (a row cached in `lt`). Returns seq and hash.
Result<std::pair<std::uint64_t, std::string>> AppendToChain(LedgerTxn& lt, OrgRow& org,
                                                            Entry entry) {
  entry.org = org.id;
  entry.seq = org.head_seq + 1;
  // Operations take their time from LoadOrg; this keeps the chain's times
  // non-decreasing for any that did not.
  entry.created_at = EntryClock(org, entry.created_at);
  // A spend is found by the millisecond its id carries (store.h
  // GetSpendEntry): one booked at another time could never be read back.
  if (entry.kind == EntryKind::kSpend || entry.kind == EntryKind::kCapture) {
    const std::optional<Timestamp> id_time = TimeOrderedSpendIdStart(entry.ref);
    if (id_time && *id_time != entry.created_at - entry.created_at % 1000) {
      return Internal("spend " + entry.ref + " was made at another time than its entry");
    }
  }
  STUB_RETURN_IF_ERROR(BuildLines(entry));
  SealEntry(entry, org.head_hash);
  org.head_seq = entry.seq;
  org.head_hash = entry.hash;
  org.head_at = entry.created_at;
  lt.MarkOrgDirty(org.id);
  STUB_RETURN_IF_ERROR(lt.txn().AppendEntry(std::move(entry)));
  return std::pair(org.head_seq, org.head_hash);
}

// An approval's hold is resolved only by deciding the approval.
Status CheckNotAnApproval(const Hold& hold) {
  if (!IsApprovalId(hold.id)) return Status::Ok();
  return FailedPrecondition("hold " + hold.id +
                                " belongs to an approval: approve or deny it through "
                                "/v1/approvals/" +
                                hold.id,
                            "hold_not_pending");
}

}  // namespace

Status AppendConfigEntry(LedgerTxn& lt, OrgRow& org, const ConfigChange& change, Timestamp now) {
  STUB_ASSIGN_OR_RETURN(Entry entry, MakeConfigEntry(change, now));
  return AppendToChain(lt, org, std::move(entry)).status();
}

namespace {

// Moves a pending hold to `status` (captured, voided or expired): releases its
// reservation on every node of its path (and books `captured` as spent there),
// in the periods the hold reserved; journals it; stores the hold. Returns the
// updated chain rows (agent first).
Result<std::vector<NodeRow*>> ResolveHold(LedgerTxn& lt, OrgRow& org, Hold& hold, HoldStatus status,
                                          Micros captured, std::string spend_id,
                                          std::string receipt, std::string receipt_hash,
                                          Timestamp now) {
  std::vector<NodeRow*> rows;
  rows.reserve(hold.path.size());
  const BucketStarts reserved = AllBucketStarts(hold.created_at);
  for (const std::string& id : hold.path) {
    STUB_ASSIGN_OR_RETURN(NodeRow * row, lt.Node(org.id, id));
    if (row == nullptr) return Internal("hold " + hold.id + " names missing node '" + id + "'");
    STUB_RETURN_IF_ERROR(ApplyDelta(row->balances, reserved, captured, -hold.amount));
    lt.MarkNodeDirty(org.id, id);
    rows.push_back(row);
  }

  Entry entry;
  entry.kind = status == HoldStatus::kCaptured ? EntryKind::kCapture
               : status == HoldStatus::kVoided ? EntryKind::kVoid
                                               : EntryKind::kExpire;
  entry.created_at = now;
  entry.budget_at = hold.created_at;
  entry.ref = status == HoldStatus::kCaptured ? spend_id : hold.id;
  if (status == HoldStatus::kCaptured) entry.hold = hold.id;
  entry.agent = hold.agent;
  entry.path = hold.path;
  entry.vendor = hold.vendor;
  entry.category = hold.category;
  entry.session = hold.session;
  entry.user = hold.user;
  entry.intent = hold.intent;
  entry.amount = captured;
  entry.released = hold.amount;
  entry.receipt = std::move(receipt);
  entry.receipt_hash = std::move(receipt_hash);
  STUB_RETURN_IF_ERROR(AppendToChain(lt, org, std::move(entry)).status());

  hold.status = status;
  hold.captured = captured;
  hold.resolved_at = now;
  hold.spend_id = std::move(spend_id);
  STUB_RETURN_IF_ERROR(lt.txn().PutHold(hold));
  return rows;
}

// Records an approval's end (decided or expired) on its row and in the
// chain.
Status CloseApproval(LedgerTxn& lt, OrgRow& org, ApprovalRow& a, ApprovalStatus status,
                     std::string_view actor, std::string note, std::string spend_id,
                     Timestamp now) {
  a.status = status;
  a.decided_at = now;
  a.decided_by = std::string(actor);
  a.note = std::move(note);
  a.spend_id = std::move(spend_id);
  ConfigChange change;
  change.actor = std::string(actor);
  change.action = std::string(kActionApprovalDecided);
  change.node = a.node;
  change.agent = a.agent;
  change.old_value = "pending";
  change.new_value = std::string(ApprovalStatusName(status));
  change.reason = a.note;
  change.extra = {{"approval", a.id}, {"amount", FormatAmount(a.amount)}};
  if (!a.spend_id.empty()) change.extra["spend_id"] = a.spend_id;
  STUB_RETURN_IF_ERROR(lt.txn().PutApproval(a));
  return AppendConfigEntry(lt, org, change, now);
}

Result<SpendResult> ApplySpendOrHold(LedgerTxn& lt, const SpendRequest& request,
                                     const HoldRequest* hold_request, Timestamp now) {
  const bool is_hold = hold_request != nullptr;
  STUB_RETURN_IF_ERROR(ValidateSpendRequest(request));
  // Before anything, a replay included: a revoked key gets nothing.
  STUB_RETURN_IF_ERROR(CheckKeyStillLive(lt, request));
  if (is_hold && hold_request->ttl <= 0) {
    return InvalidArgument("expires_in must be positive", "invalid_request");
  }
  // A hold booked in full at its expiry is another request than one released
  // then: a kind of its own (so the bytes of the others stay as they were).
  const std::string_view kind = !is_hold                          ? "spend"
                                : hold_request->capture_on_expiry ? "hold:capture"
                                                                  : "hold";
  const std::string fingerprint = Fingerprint(kind, request, is_hold ? hold_request->ttl : 0);

  Transaction& txn = lt.txn();
  STUB_ASSIGN_OR_RETURN(const IdempotencyRecord* existing,
                        lt.Idempotency(request.org, request.idempotency_key));
  STUB_ASSIGN_OR_RETURN(auto replay, CheckReplay(existing, fingerprint));
  if (replay) return SpendResult{std::move(*replay), true};

  STUB_ASSIGN_OR_RETURN(OrgRow * org_row, LoadOrg(lt, request.org, now));
  OrgRow& org = *org_row;
  if (request.amount > org.max_spend) {
    // Refused, not denied: nothing is recorded, so no total anywhere (a
    // bucket, a window, a question's sum of denials) meets such an amount.
    return InvalidArgument("amount " + FormatAmount(request.amount) +
                               " is over the org's maximum for one spend, " +
                               FormatAmount(org.max_spend),
                           "invalid_amount");
  }
  STUB_RETURN_IF_ERROR(SweepDueHolds(lt, org, now).status());
  STUB_ASSIGN_OR_RETURN(std::vector<NodeRow*> chain, LoadChain(lt, org.id, request.agent));

  DecisionInput input;
  input.chain.reserve(chain.size());
  for (const NodeRow* row : chain) input.chain.push_back({&row->node, &row->balances});
  input.kill_switch = org.kill_switch;
  input.amount = request.amount;
  input.now = now;
  Decision decision = Decide(input);

  // Policies come after the kill-switch and freezes, before the budget.
  const bool has_policy = AnyPolicy(chain);
  std::optional<ApprovalRule> needs_approval;
  if (has_policy &&
      (decision.approved() || decision.denial->reason == DenyReason::kBudgetExceeded)) {
    STUB_ASSIGN_OR_RETURN(PolicyVerdict verdict,
                          EvaluatePolicies(lt, org.id, chain, request.amount, request.vendor,
                                           CategoryOf(request), now));
    if (verdict.trips_velocity) {
      // The breaker freezes the agent in this same transaction: its row
      // write conflicts with every concurrent spend of the agent, so it
      // trips exactly once.
      NodeRow& agent = *chain.front();
      agent.node.frozen = true;
      agent.node.frozen_reason = "velocity breaker: " + verdict.denial->message;
      lt.MarkNodeDirty(org.id, agent.node.id);
      ConfigChange change;
      change.actor = std::string(kActorSystem);
      change.action = std::string(kActionAgentFrozen);
      change.node = agent.node.id;
      change.agent = agent.node.id;
      change.old_value = false;
      change.new_value = true;
      change.reason = agent.node.frozen_reason;
      change.extra = {{"rule", "velocity"}, {"set_by", verdict.denial->node}};
      STUB_RETURN_IF_ERROR(AppendConfigEntry(lt, org, change, now));
    }
    if (verdict.denial) {
      decision.approval.reset();
      decision.denial = std::move(verdict.denial);
    }
    needs_approval = std::move(verdict.approval);
  }

  Outcome outcome;
  outcome.amount = request.amount;
  if (!decision.approved()) {
    STUB_ASSIGN_OR_RETURN(outcome, RecordDenial(txn, request, is_hold ? "hold" : "spend",
                                                std::move(*decision.denial), now));
  } else {
    // A spend (or hold) over an approval threshold is held until a person
    // decides (approvals expire like holds, after kApprovalTtl).
    const bool approval = needs_approval.has_value();
    const bool as_hold = is_hold || approval;
    const Timestamp ttl = approval ? kApprovalTtl : is_hold ? hold_request->ttl : 0;
    const Micros spent = as_hold ? 0 : request.amount;
    const Micros held = as_hold ? request.amount : 0;
    Entry entry;
    entry.path.reserve(chain.size());
    const BucketStarts buckets = AllBucketStarts(now);
    for (NodeRow* row : chain) {
      STUB_RETURN_IF_ERROR(ApplyDelta(row->balances, buckets, spent, held));
      lt.MarkNodeDirty(org.id, row->node.id);
      entry.path.push_back(row->node.id);
    }
    if (has_policy) STUB_RETURN_IF_ERROR(CountWindows(lt, org.id, chain, request.amount, now));
    const std::string id = NewTimeOrderedId(approval ? "ap" : is_hold ? "hd" : "sp", now);
    entry.kind = as_hold ? EntryKind::kHold : EntryKind::kSpend;
    entry.created_at = now;
    entry.budget_at = now;
    entry.ref = id;
    entry.agent = request.agent;
    entry.vendor = request.vendor;
    entry.category = std::string(CategoryOf(request));
    entry.session = request.session;
    entry.user = request.user;
    entry.intent = request.intent;
    entry.amount = request.amount;
    entry.receipt = request.receipt;
    entry.receipt_hash = ReceiptHashOf(request);
    if (as_hold) {
      Hold hold;
      hold.org = org.id;
      hold.id = id;
      hold.agent = request.agent;
      hold.path = entry.path;
      hold.vendor = request.vendor;
      hold.category = entry.category;
      hold.session = request.session;
      hold.user = request.user;
      hold.intent = request.intent;
      hold.amount = request.amount;
      hold.created_at = now;
      // An approval's hold is released at its expiry, whatever asked for it.
      hold.capture_on_expiry = is_hold && !approval && hold_request->capture_on_expiry;
      hold.expires_at = now > std::numeric_limits<Timestamp>::max() - ttl
                            ? std::numeric_limits<Timestamp>::max()
                            : now + ttl;
      org.next_hold_expiry = std::min(org.next_hold_expiry, hold.expires_at);
      outcome.expires_at = hold.expires_at;
      if (approval) {
        ApprovalRow a;
        a.org = org.id;
        a.id = id;
        a.agent = request.agent;
        a.amount = request.amount;
        a.vendor = request.vendor;
        a.category = hold.category;
        a.session = request.session;
        a.user = request.user;
        a.intent = request.intent;
        a.node = needs_approval->node;
        a.over = needs_approval->over;
        a.created_at = now;
        a.expires_at = hold.expires_at;
        STUB_RETURN_IF_ERROR(txn.PutApproval(std::move(a)));
      }
      STUB_RETURN_IF_ERROR(txn.PutHold(std::move(hold)));
    }
    STUB_ASSIGN_OR_RETURN(auto link, AppendToChain(lt, org, std::move(entry)));
    if (approval) {
      ConfigChange change;
      change.actor = request.agent;
      change.action = std::string(kActionApprovalRequested);
      change.node = needs_approval->node;
      change.agent = request.agent;
      change.new_value = "pending";
      change.extra = {{"approval", id},
                      {"amount", FormatAmount(request.amount)},
                      {"over", FormatAmount(needs_approval->over)},
                      {"vendor", request.vendor},
                      {"category", CategoryOf(request)},
                      {"expires_at", FormatRfc3339(outcome.expires_at)}};
      STUB_RETURN_IF_ERROR(AppendConfigEntry(lt, org, change, now));
    }

    outcome.status = approval  ? OutcomeStatus::kPendingApproval
                     : is_hold ? OutcomeStatus::kHeld
                               : OutcomeStatus::kApproved;
    outcome.id = id;
    outcome.entry_seq = link.first;
    outcome.entry_hash = std::move(link.second);
    outcome.effective_remaining = decision.approval->effective_remaining;
    outcome.binding = decision.approval->binding;
  }

  IdempotencyRecord record;
  record.org = org.id;
  record.key = request.idempotency_key;
  record.fingerprint = FingerprintDigest(fingerprint);
  record.outcome = outcome;
  record.created_at = now;
  STUB_RETURN_IF_ERROR(lt.PutIdempotency(std::move(record)));
  return SpendResult{std::move(outcome), false};
}

}  // namespace

Status PrefetchChains(LedgerTxn& lt, std::string_view org,
                      const std::vector<std::string_view>& agents) {
  std::vector<std::string_view> level = agents;
  for (std::size_t depth = 0; depth < kMaxTreeDepth && !level.empty(); ++depth) {
    STUB_RETURN_IF_ERROR(lt.PrefetchNodes(org, level));
    std::vector<std::string_view> parents;
    for (std::string_view id : level) {
      STUB_ASSIGN_OR_RETURN(NodeRow * row, lt.Node(org, id));  // cached now
      if (row == nullptr || row->node.kind == NodeKind::kOrg) continue;
      if (depth == 0 && row->node.kind != NodeKind::kAgent) continue;
      std::string_view parent = row->node.parent;
      if (std::find(parents.begin(), parents.end(), parent) == parents.end()) {
        parents.push_back(parent);
      }
    }
    level = std::move(parents);
  }
  return Status::Ok();
}

Result<std::vector<NodeRow*>> LoadChain(LedgerTxn& lt, std::string_view org,
                                        std::string_view agent) {
  std::vector<NodeRow*> chain;
  chain.reserve(4);
  STUB_ASSIGN_OR_RETURN(NodeRow * first, lt.Node(org, agent));
  if (first == nullptr || first->node.kind != NodeKind::kAgent) {
    return NotFound("unknown agent '" + std::string(agent) + "'", "not_found");
  }
  chain.push_back(first);
  while (chain.back()->node.kind != NodeKind::kOrg) {
    if (chain.size() >= kMaxTreeDepth) {
      return Internal("budget tree of org '" + std::string(org) + "' is deeper than allowed");
    }
    STUB_ASSIGN_OR_RETURN(NodeRow * row, lt.Node(org, chain.back()->node.parent));
    if (row == nullptr) return Internal("node '" + chain.back()->node.id + "' has no parent");
    chain.push_back(row);
  }
  return chain;
}

Result<std::size_t> SweepDueHolds(LedgerTxn& lt, OrgRow& org, Timestamp now) {
  if (now < org.next_hold_expiry) return std::size_t{0};
  STUB_ASSIGN_OR_RETURN(auto due, lt.txn().ListDueHolds(org.id, now, kMaxExpiriesPerTxn));
  for (Hold& hold : due) {
    if (hold.capture_on_expiry) {
      // Its cost never arrived: booked at the most it could be, flagged.
      std::string receipt(kSettledAtExpiryReceipt);
      std::string digest = ReceiptHash(receipt);
      STUB_RETURN_IF_ERROR(ResolveHold(lt, org, hold, HoldStatus::kCaptured, hold.amount,
                                       NewTimeOrderedId("sp", now), std::move(receipt),
                                       std::move(digest), now)
                               .status());
      continue;
    }
    STUB_RETURN_IF_ERROR(
        ResolveHold(lt, org, hold, HoldStatus::kExpired, 0, {}, {}, {}, now).status());
    if (IsApprovalId(hold.id)) {
      STUB_ASSIGN_OR_RETURN(auto approval, lt.txn().GetApproval(org.id, hold.id));
      if (approval && approval->status == ApprovalStatus::kPending) {
        STUB_RETURN_IF_ERROR(
            CloseApproval(lt, org, *approval, ApprovalStatus::kExpired, kActorSystem, "", "", now));
      }
    }
  }
  STUB_ASSIGN_OR_RETURN(auto next, lt.txn().NextHoldExpiry(org.id));
  org.next_hold_expiry = next ? *next : std::numeric_limits<Timestamp>::max();
  lt.MarkOrgDirty(org.id);
  return due.size();
}

Result<SpendResult> ApplySpend(LedgerTxn& lt, const SpendRequest& request, Timestamp now) {
  return ApplySpendOrHold(lt, request, nullptr, now);
}

Result<SpendResult> ApplyHold(LedgerTxn& lt, const HoldRequest& request, Timestamp now) {
  return ApplySpendOrHold(lt, request.spend, &request, now);
}

Result<SpendResult> ApplyCapture(LedgerTxn& lt, const CaptureRequest& request, Timestamp now) {
  STUB_RETURN_IF_ERROR(CheckCaptureText(request));
  STUB_ASSIGN_OR_RETURN(OrgRow * org_row, LoadOrg(lt, request.org, now));
  OrgRow& org = *org_row;
  STUB_ASSIGN_OR_RETURN(auto hold, lt.txn().GetHold(org.id, request.hold_id));
  if (!hold) return NotFound("unknown hold '" + request.hold_id + "'", "not_found");
  STUB_RETURN_IF_ERROR(CheckNotAnApproval(*hold));
  // The kill switch stops money going out. A capture-on-expiry hold covers
  // money already gone (a call made before the switch): its exact capture
  // records it — refused, the hold would be booked in full at its expiry.
  if (org.kill_switch && !hold->capture_on_expiry) {
    return FailedPrecondition("the kill switch of org " + org.id + " is engaged", "kill_switch");
  }
  STUB_RETURN_IF_ERROR(CheckCapture(*hold, request.amount, now));

  std::string spend_id = NewTimeOrderedId("sp", now);
  STUB_ASSIGN_OR_RETURN(std::vector<NodeRow*> rows,
                        ResolveHold(lt, org, *hold, HoldStatus::kCaptured, request.amount, spend_id,
                                    request.receipt, ReceiptHashOf(request), now));

  std::vector<ChainLink> links;
  links.reserve(rows.size());
  for (const NodeRow* row : rows) links.push_back({&row->node, &row->balances});
  const Approval remaining = Remaining(links, now);
  Outcome outcome;
  outcome.status = OutcomeStatus::kApproved;
  outcome.id = std::move(spend_id);
  outcome.amount = request.amount;
  outcome.entry_seq = org.head_seq;
  outcome.entry_hash = org.head_hash;
  outcome.effective_remaining = remaining.effective_remaining;
  outcome.binding = remaining.binding;
  return SpendResult{std::move(outcome), false};
}

Result<Hold> ApplyVoid(LedgerTxn& lt, std::string_view org_id, std::string_view hold_id,
                       Timestamp now) {
  STUB_ASSIGN_OR_RETURN(OrgRow * org, LoadOrg(lt, org_id, now));
  STUB_ASSIGN_OR_RETURN(auto hold, lt.txn().GetHold(org->id, hold_id));
  if (!hold) return NotFound("unknown hold '" + std::string(hold_id) + "'", "not_found");
  STUB_RETURN_IF_ERROR(CheckNotAnApproval(*hold));
  STUB_RETURN_IF_ERROR(CheckVoid(*hold, now));
  STUB_RETURN_IF_ERROR(
      ResolveHold(lt, *org, *hold, HoldStatus::kVoided, 0, {}, {}, {}, now).status());
  return std::move(*hold);
}

Result<ApprovalDecision> ApplyDecideApproval(LedgerTxn& lt, std::string_view org_id,
                                             std::string_view approval_id, bool approve,
                                             std::string_view note, std::string_view actor,
                                             Timestamp now) {
  STUB_ASSIGN_OR_RETURN(OrgRow * org_row, LoadOrg(lt, org_id, now));
  OrgRow& org = *org_row;
  // A due approval expires first (its hold with it), then is not pending.
  STUB_RETURN_IF_ERROR(SweepDueHolds(lt, org, now).status());
  STUB_ASSIGN_OR_RETURN(auto approval, lt.txn().GetApproval(org.id, approval_id));
  if (!approval) {
    return NotFound("unknown approval '" + std::string(approval_id) + "'", "not_found");
  }
  if (approval->status != ApprovalStatus::kPending) {
    return FailedPrecondition("approval " + approval->id + " is already " +
                                  std::string(ApprovalStatusName(approval->status)),
                              "approval_not_pending");
  }
  STUB_ASSIGN_OR_RETURN(auto hold, lt.txn().GetHold(org.id, approval->id));
  if (!hold || hold->status != HoldStatus::kHeld) {
    return Internal("approval " + approval->id + " has no pending hold");
  }
  ApprovalDecision out;
  if (approve) {
    if (org.kill_switch) {
      return FailedPrecondition("the kill switch of org " + org.id + " is engaged", "kill_switch");
    }
    std::string spend_id = NewTimeOrderedId("sp", now);
    STUB_ASSIGN_OR_RETURN(
        std::vector<NodeRow*> rows,
        ResolveHold(lt, org, *hold, HoldStatus::kCaptured, hold->amount, spend_id, {}, {}, now));
    std::vector<ChainLink> links;
    links.reserve(rows.size());
    for (const NodeRow* row : rows) links.push_back({&row->node, &row->balances});
    const Approval remaining = Remaining(links, now);
    out.spend.status = OutcomeStatus::kApproved;
    out.spend.id = spend_id;
    out.spend.amount = hold->amount;
    out.spend.entry_seq = org.head_seq;
    out.spend.entry_hash = org.head_hash;
    out.spend.effective_remaining = remaining.effective_remaining;
    out.spend.binding = remaining.binding;
    STUB_RETURN_IF_ERROR(CloseApproval(lt, org, *approval, ApprovalStatus::kApproved, actor,
                                       std::string(note), std::move(spend_id), now));
  } else {
    STUB_RETURN_IF_ERROR(
        ResolveHold(lt, org, *hold, HoldStatus::kVoided, 0, {}, {}, {}, now).status());
    STUB_RETURN_IF_ERROR(CloseApproval(lt, org, *approval, ApprovalStatus::kDenied, actor,
                                       std::string(note), "", now));
  }
  out.approval = std::move(*approval);
  return out;
}

Result<SpendResult> RecordContentionDenial(LedgerTxn& lt, const SpendRequest& request,
                                           std::string_view request_kind, Timestamp now) {
  Denial denial;
  denial.reason = DenyReason::kContention;
  denial.message = "too many concurrent conflicting requests; retry with the same idempotency key";
  STUB_ASSIGN_OR_RETURN(Outcome outcome,
                        RecordDenial(lt.txn(), request, request_kind, std::move(denial), now));
  return SpendResult{std::move(outcome), false};
}

}  // namespace stub
