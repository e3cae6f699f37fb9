// A batch takes its idempotency keys for new without reading them first
// (Engine::SpendBatch, LedgerTxn::AssumeNewIdempotencyKeys). These tests hold
// that this stays exact on every store: a batch that replays committed keys
// answers exactly as if it had read them, whether the replayed key's insert
// fails at once, in the store's deferred writes (SQLite past its first 64
// inserts) or at commit (PostgreSQL), and whether or not the request gets as
// far as inserting its key. And a record written before records kept the
// fingerprint's digest (its canonical bytes as they are) still replays.
#include <gtest/gtest.h>

#include <memory>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine_fixture.h"
#include "store_under_test.h"

namespace stub::testing {
namespace {

class BatchIdempotencyTest : public ::testing::TestWithParam<TestStore> {
 protected:
  BatchIdempotencyTest() : sut_(GetParam()), clock_(kNov28) {}

  void SetUp() override {
    ASSERT_TRUE(sut_.ok());
    engine_ = std::make_unique<Engine>(sut_.store(), clock_);
  }

  Micros Spent() {
    auto row = engine_->GetNode("acme", "acme");
    EXPECT_TRUE(row.ok() && row->has_value());
    if (!row.ok() || !row->has_value()) return -1;
    return CurrentBalance((*row)->balances, Period::kTotal, clock_.Now()).spent;
  }

  StoreUnderTest sut_;
  ManualClock clock_;
  std::unique_ptr<Engine> engine_;
};

TEST_P(BatchIdempotencyTest, ABatchReplayingCommittedKeysAnswersTheFirstOutcomes) {
  MakeTree(*engine_, {{Amt("100"), Period::kTotal}}, {}, {{Amt("1"), Period::kTotal}},
           {"mkt-1", "mkt-2"});
  auto first = engine_->SpendBatch(std::vector{MakeSpend("mkt-1", "0.6", "k1"),
                                               MakeSpend("mkt-1", "0.6", "k2"),  // k2 denied
                                               MakeSpend("mkt-2", "0.1", "k3")});
  ASSERT_TRUE(first[0].ok() && first[1].ok() && first[2].ok());
  ASSERT_EQ(first[0]->outcome.status, OutcomeStatus::kApproved);
  ASSERT_EQ(first[1]->outcome.status, OutcomeStatus::kDenied);
  const std::uint64_t base = HeadSeq(*engine_);
  ASSERT_EQ(engine_->Stats().conflicts, 0u);

  // 70 new spends before the replays: on SQLite their inserts (two per spend)
  // go past the inline ones, so the replayed key's insert is deferred.
  std::vector<SpendRequest> batch;
  for (int i = 0; i < 70; ++i) {
    batch.push_back(MakeSpend("mkt-2", "0.001", "n" + std::to_string(i)));
  }
  batch.push_back(MakeSpend("mkt-1", "0.6", "k1"));   // 70: replay of an approval
  batch.push_back(MakeSpend("mkt-1", "0.6", "k2"));   // 71: replay of a denial
  batch.push_back(MakeSpend("mkt-1", "0.61", "k3"));  // 72: k3's key, another body
  batch.push_back(MakeSpend("mkt-2", "0.001", "n70"));
  auto results = engine_->SpendBatch(batch);
  ASSERT_EQ(results.size(), batch.size());
  for (int i = 0; i < 70; ++i) {
    ASSERT_TRUE(results[i].ok()) << i << ": " << results[i].status().ToString();
    EXPECT_FALSE(results[i]->replayed);
    EXPECT_EQ(results[i]->outcome.status, OutcomeStatus::kApproved);
    EXPECT_EQ(results[i]->outcome.entry_seq, base + 1 + static_cast<std::uint64_t>(i));
  }
  ASSERT_TRUE(results[70].ok());
  EXPECT_TRUE(results[70]->replayed);
  EXPECT_EQ(results[70]->outcome, first[0]->outcome);
  ASSERT_TRUE(results[71].ok());
  EXPECT_TRUE(results[71]->replayed);
  EXPECT_EQ(results[71]->outcome, first[1]->outcome);
  EXPECT_EQ(results[72].status().reason(), "idempotency_key_reused");
  ASSERT_TRUE(results[73].ok());
  EXPECT_EQ(results[73]->outcome.entry_seq, base + 71);
  EXPECT_EQ(HeadSeq(*engine_), base + 71);
  EXPECT_EQ(Spent(), Amt("0.6") + Amt("0.1") + 71 * Amt("0.001"));
  // The first attempt took k1..k3 for new and could not commit.
  EXPECT_EQ(engine_->Stats().conflicts, 1u);

  // The batches after a miss read their keys first: a replay costs no
  // failed attempt.
  auto again = engine_->SpendBatch(
      std::vector{MakeSpend("mkt-1", "0.6", "k1"), MakeSpend("mkt-2", "0.001", "n71")});
  ASSERT_TRUE(again[0].ok() && again[1].ok());
  EXPECT_TRUE(again[0]->replayed);
  EXPECT_EQ(again[0]->outcome, first[0]->outcome);
  EXPECT_EQ(again[1]->outcome.entry_seq, base + 72);
  EXPECT_EQ(engine_->Stats().conflicts, 1u);
  ExpectVerifies(*engine_);
}

// A request may end in an error after its key was taken for new, without
// inserting the key (here: an unknown agent). Had the key been read, the
// request would have been refused as a reused key instead; the batch must
// answer that.
TEST_P(BatchIdempotencyTest, AKeyTakenForNewAndNeverInsertedIsStillChecked) {
  MakeTree(*engine_, {{Amt("100"), Period::kTotal}}, {}, {});
  auto first = engine_->Spend(MakeSpend("mkt-1", "0.5", "taken"));
  ASSERT_TRUE(first.ok());
  const std::uint64_t base = HeadSeq(*engine_);

  auto results = engine_->SpendBatch(std::vector{MakeSpend("ghost", "0.5", "taken"),
                                                 MakeSpend("ghost", "0.5", "free"),
                                                 MakeSpend("mkt-1", "0.25", "new")});
  ASSERT_EQ(results.size(), 3u);
  EXPECT_EQ(results[0].status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(results[0].status().reason(), "idempotency_key_reused");
  EXPECT_EQ(results[1].status().code(), StatusCode::kNotFound);
  ASSERT_TRUE(results[2].ok());
  EXPECT_EQ(results[2]->outcome.entry_seq, base + 1);
  EXPECT_EQ(Spent(), Amt("0.75"));
  EXPECT_EQ(engine_->Stats().conflicts, 1u);
  ExpectVerifies(*engine_);
}

// After a miss the engine reads keys for read_keys_after_miss batches, then
// takes them for new again.
TEST_P(BatchIdempotencyTest, ReadingKeysAfterAMissLastsTheConfiguredBatches) {
  EngineOptions options;
  options.read_keys_after_miss = 2;
  engine_ = std::make_unique<Engine>(sut_.store(), clock_, options);
  MakeTree(*engine_, {{Amt("100"), Period::kTotal}}, {}, {});
  auto first = engine_->Spend(MakeSpend("mkt-1", "0.5", "r"));
  ASSERT_TRUE(first.ok());
  int fresh = 0;
  // A batch of one new spend and, if `replay`, a replay of "r"; every
  // answer as if the keys had been read.
  auto batch = [&](bool replay) {
    std::vector<SpendRequest> requests{MakeSpend("mkt-1", "0.01", "f" + std::to_string(fresh++))};
    if (replay) requests.push_back(MakeSpend("mkt-1", "0.5", "r"));
    auto results = engine_->SpendBatch(requests);
    ASSERT_TRUE(results[0].ok());
    EXPECT_FALSE(results[0]->replayed);
    if (!replay) return;
    ASSERT_TRUE(results[1].ok());
    EXPECT_TRUE(results[1]->replayed);
    EXPECT_EQ(results[1]->outcome, first->outcome);
  };
  batch(true);  // taken for new: a miss
  EXPECT_EQ(engine_->Stats().conflicts, 1u);
  batch(true);   // 1st batch after the miss: reads
  batch(false);  // 2nd: reads
  EXPECT_EQ(engine_->Stats().conflicts, 1u);
  batch(true);  // takes keys for new again: another miss
  EXPECT_EQ(engine_->Stats().conflicts, 2u);
  EXPECT_EQ(engine_->Stats().retries, 2u);
  ExpectVerifies(*engine_);
}

// Records written before digests hold the request's canonical bytes; a
// store upgraded in place still answers their keys with their outcomes, by
// Spend and by SpendBatch, and still refuses another body under them.
TEST_P(BatchIdempotencyTest, ARecordHoldingTheCanonicalBytesStillReplays) {
  MakeTree(*engine_, {{Amt("100"), Period::kTotal}}, {}, {});
  IdempotencyRecord old;
  old.org = "acme";
  old.key = "old-1";
  // MakeSpend("mkt-1", "1.00", …)'s canonical bytes (the engine's Fingerprint).
  old.fingerprint = "5:spend5:mkt-17:100000014:api.dataco.com4:data0:0:0:0:1:0";
  old.outcome.status = OutcomeStatus::kApproved;
  old.outcome.id = "sp_before_digests";
  old.outcome.amount = Amt("1.00");
  old.outcome.entry_seq = 41;
  old.outcome.entry_hash = std::string(64, 'e');
  old.outcome.effective_remaining = Amt("99");
  old.outcome.binding = Binding{"acme", Period::kTotal};
  old.created_at = kNov28 - 1;
  {
    auto txn = sut_.store().Begin();
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    ASSERT_TRUE((*txn)->PutIdempotency(old).ok());
    ASSERT_TRUE((*txn)->Commit().ok());
  }
  const std::uint64_t head = HeadSeq(*engine_);

  auto one = engine_->Spend(MakeSpend("mkt-1", "1.00", "old-1"));
  ASSERT_TRUE(one.ok()) << one.status().ToString();
  EXPECT_TRUE(one->replayed);
  EXPECT_EQ(one->outcome, old.outcome);
  auto batch = engine_->SpendBatch(
      std::vector{MakeSpend("mkt-1", "0.50", "new-1"), MakeSpend("mkt-1", "1.00", "old-1")});
  ASSERT_TRUE(batch[0].ok() && batch[1].ok());
  EXPECT_FALSE(batch[0]->replayed);
  EXPECT_TRUE(batch[1]->replayed);
  EXPECT_EQ(batch[1]->outcome, old.outcome);
  EXPECT_EQ(engine_->Spend(MakeSpend("mkt-1", "1.01", "old-1")).status().reason(),
            "idempotency_key_reused");
  // new-1's record holds the digest form, and replays too.
  auto again = engine_->Spend(MakeSpend("mkt-1", "0.50", "new-1"));
  ASSERT_TRUE(again.ok());
  EXPECT_TRUE(again->replayed);
  EXPECT_EQ(again->outcome, batch[0]->outcome);
  EXPECT_EQ(HeadSeq(*engine_), head + 1);
  EXPECT_EQ(Spent(), Amt("0.50"));
  ExpectVerifies(*engine_);
}

INSTANTIATE_TEST_SUITE_P(Stores, BatchIdempotencyTest,
                         ::testing::Values(TestStore::kMemory, TestStore::kSqlite,
                                           TestStore::kPostgres),
                         TestStoreName);

}  // namespace
}  // namespace stub::testing
