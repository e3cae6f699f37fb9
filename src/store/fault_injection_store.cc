#include "store/fault_injection_store.h"

#include <string>
#include <utility>

namespace stub {

std::string_view FaultPointName(FaultPoint point) {
  switch (point) {
    case FaultPoint::kBegin:
      return "begin";
    case FaultPoint::kRead:
      return "read";
    case FaultPoint::kWrite:
      return "write";
    case FaultPoint::kCommitBefore:
      return "commit_before";
    case FaultPoint::kCommitAfter:
      return "commit_after";
    case FaultPoint::kMakeDurable:
      return "make_durable";
  }
  return "unknown";
}

namespace {

// Every call passes its point's faults, then goes to the wrapped transaction.
class FaultInjectionTxn final : public Transaction {
 public:
  FaultInjectionTxn(FaultInjectionStore& store, std::unique_ptr<Transaction> base)
      : store_(store), base_(std::move(base)) {}

  Result<std::optional<OrgRow>> GetOrg(std::string_view org) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetOrg(org);
  }
  Status PutOrg(OrgRow row) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->PutOrg(std::move(row));
  }
  Result<std::vector<std::string>> ListOrgs() override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListOrgs();
  }
  Result<std::optional<NodeRow>> GetNode(std::string_view org, std::string_view node) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetNode(org, node);
  }
  Result<std::vector<std::optional<NodeRow>>> GetNodes(
      std::string_view org, const std::vector<std::string_view>& ids) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetNodes(org, ids);
  }
  Status PutNode(std::string_view org, NodeRow row) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->PutNode(org, std::move(row));
  }
  Result<std::vector<NodeRow>> ListNodes(std::string_view org) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListNodes(org);
  }
  Status AppendEntry(Entry entry) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->AppendEntry(std::move(entry));
  }
  Result<std::vector<Entry>> ListEntries(std::string_view org, std::uint64_t after_seq,
                                         std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListEntries(org, after_seq, limit);
  }
  Result<std::vector<Entry>> ListSpendEntriesBefore(std::string_view org, const KeysetRange& range,
                                                    std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListSpendEntriesBefore(org, range, limit);
  }
  Result<std::vector<SpendKey>> ListSpendKeysBefore(std::string_view org, const KeysetRange& range,
                                                    std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListSpendKeysBefore(org, range, limit);
  }
  Result<std::optional<Entry>> GetSpendEntry(std::string_view org,
                                             std::string_view spend_id) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetSpendEntry(org, spend_id);
  }
  Result<std::vector<SpendDailyRow>> ListSpendDaily(std::string_view org) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListSpendDaily(org);
  }
  Result<std::optional<IdempotencyRecord>> GetIdempotency(std::string_view org,
                                                          std::string_view key) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetIdempotency(org, key);
  }
  Result<std::vector<std::optional<IdempotencyRecord>>> GetIdempotencies(
      std::string_view org, const std::vector<std::string_view>& keys) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetIdempotencies(org, keys);
  }
  Status PutIdempotency(IdempotencyRecord record) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->PutIdempotency(std::move(record));
  }
  Result<std::optional<Hold>> GetHold(std::string_view org, std::string_view id) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetHold(org, id);
  }
  Status PutHold(Hold hold) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->PutHold(std::move(hold));
  }
  Result<std::vector<Hold>> ListDueHolds(std::string_view org, Timestamp by,
                                         std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListDueHolds(org, by, limit);
  }
  Result<std::optional<Timestamp>> NextHoldExpiry(std::string_view org) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->NextHoldExpiry(org);
  }
  Status InsertDenial(DenialRecord record) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->InsertDenial(std::move(record));
  }
  Result<std::vector<DenialRecord>> ListDenials(std::string_view org, std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListDenials(org, limit);
  }
  Result<std::vector<DenialRecord>> ListDenialsBefore(std::string_view org,
                                                      const KeysetRange& range,
                                                      std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListDenialsBefore(org, range, limit);
  }
  Result<std::vector<DenialRecord>> ListDenialsAfter(std::string_view org, const ItemKey& after,
                                                     std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListDenialsAfter(org, after, limit);
  }
  Result<std::optional<DenialRecord>> GetDenial(std::string_view org,
                                                std::string_view id) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetDenial(org, id);
  }
  Status AppendWindowLog(WindowLogRow row) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->AppendWindowLog(std::move(row));
  }
  Result<std::optional<WindowLogRow>> FirstWindowLogAfter(std::string_view org,
                                                          std::string_view node,
                                                          Timestamp after) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->FirstWindowLogAfter(org, node, after);
  }
  Status PutApproval(ApprovalRow row) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->PutApproval(std::move(row));
  }
  Result<std::optional<ApprovalRow>> GetApproval(std::string_view org,
                                                 std::string_view id) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetApproval(org, id);
  }
  Result<std::vector<ApprovalRow>> ListApprovals(std::string_view org,
                                                 std::optional<ApprovalStatus> status,
                                                 std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListApprovals(org, status, limit);
  }
  Result<std::vector<ApprovalRow>> ListApprovalsAfter(std::string_view org,
                                                      std::optional<ApprovalStatus> status,
                                                      const ItemKey& after,
                                                      std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListApprovalsAfter(org, status, after, limit);
  }
  Status InsertKey(ApiKeyRow row) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->InsertKey(std::move(row));
  }
  Result<std::optional<ApiKeyRow>> GetKeyByHash(std::string_view hash) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetKeyByHash(hash);
  }
  Result<std::vector<ApiKeyRow>> ListKeys(std::string_view org) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListKeys(org);
  }
  Status RevokeKey(std::string_view org, std::string_view id, Timestamp at) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->RevokeKey(org, id, at);
  }
  Status PutProvider(ProviderRow row) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->PutProvider(std::move(row));
  }
  Result<std::optional<ProviderRow>> GetProvider(std::string_view org,
                                                 std::string_view name) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetProvider(org, name);
  }
  Result<std::vector<ProviderRow>> ListProviders(std::string_view org) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListProviders(org);
  }
  Status PutWallet(WalletRow row) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->PutWallet(std::move(row));
  }
  Result<std::optional<WalletRow>> GetWallet(std::string_view org, std::string_view id) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetWallet(org, id);
  }
  Result<std::vector<WalletRow>> ListWallets(std::string_view org) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->ListWallets(org);
  }
  Status InsertSession(SessionRow row) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->InsertSession(std::move(row));
  }
  Result<std::optional<SessionRow>> GetSession(std::string_view token_hash) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->GetSession(token_hash);
  }
  Status DeleteSession(std::string_view token_hash) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->DeleteSession(token_hash);
  }
  Result<std::size_t> DeleteExpiredSessions(Timestamp now, std::size_t limit) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kWrite));
    return base_->DeleteExpiredSessions(now, limit);
  }
  Result<PlanResult> RunQuery(std::string_view org, const QueryPlan& plan) override {
    STUB_RETURN_IF_ERROR(store_.Pass(FaultPoint::kRead));
    return base_->RunQuery(org, plan);
  }
  Status Commit() override {
    if (Status s = store_.Pass(FaultPoint::kCommitBefore); !s.ok()) {
      base_->Rollback();
      return s;
    }
    STUB_RETURN_IF_ERROR(base_->Commit());
    // Applied; the caller may still be told otherwise.
    return store_.Pass(FaultPoint::kCommitAfter);
  }
  void Rollback() override { base_->Rollback(); }

 private:
  FaultInjectionStore& store_;
  std::unique_ptr<Transaction> base_;
};

}  // namespace

FaultInjectionStore::FaultInjectionStore(Store& base, std::uint64_t seed)
    : base_(base), rng_(seed) {}

FaultInjectionStore::FaultInjectionStore(std::unique_ptr<Store> base, std::uint64_t seed)
    : owned_(std::move(base)), base_(*owned_), rng_(seed) {}

FaultInjectionStore::~FaultInjectionStore() { ReleaseStalls(); }

void FaultInjectionStore::FailNth(FaultPoint point, std::uint64_t nth, Status status) {
  std::lock_guard lock(mu_);
  Faults& f = faults_[static_cast<std::size_t>(point)];
  f.fail_at = nth == 0 ? 0 : f.calls + nth;
  f.fail_at_status = std::move(status);
}

void FaultInjectionStore::FailWithProbability(FaultPoint point, double p, Status status) {
  std::lock_guard lock(mu_);
  Faults& f = faults_[static_cast<std::size_t>(point)];
  f.probability = p;
  f.probability_status = std::move(status);
}

void FaultInjectionStore::Stall(FaultPoint point, std::chrono::milliseconds duration) {
  std::lock_guard lock(mu_);
  faults_[static_cast<std::size_t>(point)].stall = duration;
}

void FaultInjectionStore::ReleaseStalls() {
  {
    std::lock_guard lock(mu_);
    ++stall_epoch_;
    for (Faults& f : faults_) f.stall = std::chrono::milliseconds{0};
  }
  stall_wake_.notify_all();
}

void FaultInjectionStore::ClearFaults() {
  {
    std::lock_guard lock(mu_);
    ++stall_epoch_;
    for (Faults& f : faults_) {
      const std::uint64_t calls = f.calls;
      f = Faults{};
      f.calls = calls;
    }
  }
  stall_wake_.notify_all();
}

void FaultInjectionStore::SetPipelinedDurability(bool pipelined) {
  std::lock_guard lock(mu_);
  pipelined_ = pipelined;
}

std::uint64_t FaultInjectionStore::Calls(FaultPoint point) const {
  std::lock_guard lock(mu_);
  return faults_[static_cast<std::size_t>(point)].calls;
}

std::uint64_t FaultInjectionStore::Injected() const {
  std::lock_guard lock(mu_);
  return injected_;
}

Status FaultInjectionStore::Pass(FaultPoint point) {
  std::unique_lock lock(mu_);
  Faults& f = faults_[static_cast<std::size_t>(point)];
  const std::uint64_t call = ++f.calls;
  if (f.stall.count() > 0) {
    const std::uint64_t epoch = stall_epoch_;
    stall_wake_.wait_for(lock, f.stall, [&] { return stall_epoch_ != epoch; });
  }
  if (f.fail_at != 0 && call == f.fail_at) {
    f.fail_at = 0;
    ++injected_;
    return f.fail_at_status;
  }
  if (f.probability > 0 && std::uniform_real_distribution<double>(0, 1)(rng_) < f.probability) {
    ++injected_;
    return f.probability_status;
  }
  return Status::Ok();
}

Result<std::unique_ptr<Transaction>> FaultInjectionStore::Begin(const TxnOptions& options) {
  STUB_RETURN_IF_ERROR(Pass(FaultPoint::kBegin));
  STUB_ASSIGN_OR_RETURN(std::unique_ptr<Transaction> txn, base_.Begin(options));
  return std::unique_ptr<Transaction>(std::make_unique<FaultInjectionTxn>(*this, std::move(txn)));
}

bool FaultInjectionStore::CommitIsDurable() const {
  {
    std::lock_guard lock(mu_);
    if (pipelined_) return !*pipelined_;
  }
  return base_.CommitIsDurable();
}

std::uint64_t FaultInjectionStore::DurabilityMark() const { return base_.DurabilityMark(); }

Status FaultInjectionStore::MakeDurable(std::uint64_t mark) {
  STUB_RETURN_IF_ERROR(Pass(FaultPoint::kMakeDurable));
  return base_.MakeDurable(mark);
}

}  // namespace stub
