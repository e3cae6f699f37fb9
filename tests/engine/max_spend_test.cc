// The org's ceiling for one request (OrgRow::max_spend): an amount over it is
// refused before any decision and leaves nothing behind, so one huge request
// cannot push a bucket, a window or a question's total toward int64's limit
// and wedge the org.
#include <gtest/gtest.h>

#include "core/config_change.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "store/memory/memory_store.h"

namespace stub {
namespace {

using testing::Amt;
using testing::ExpectVerifies;
using testing::HeadSeq;
using testing::MakeSpend;
using testing::MakeTree;

class MaxSpendTest : public ::testing::Test {
 protected:
  MaxSpendTest() : clock_(testing::kNov28), engine_(store_, clock_) {}

  std::size_t Denials() {
    auto txn = store_.Begin();
    EXPECT_TRUE(txn.ok());
    auto denials = (*txn)->ListDenials("acme", 1000);
    EXPECT_TRUE(denials.ok());
    return denials.ok() ? denials->size() : 0;
  }

  MemoryStore store_;
  ManualClock clock_;
  Engine engine_;
};

TEST_F(MaxSpendTest, AnOrgWithoutLimitsCannotBePoisonedByOneHugeSpend) {
  MakeTree(engine_, {}, {}, {});
  const std::uint64_t base = HeadSeq(engine_);
  for (const char* huge : {"9223372036854.775807", "1000000.000001"}) {
    auto r = engine_.Spend(MakeSpend("mkt-1", huge, std::string("huge-") + huge));
    ASSERT_FALSE(r.ok()) << huge;
    EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(r.status().reason(), "invalid_amount");
    auto h = engine_.Hold({MakeSpend("mkt-1", huge, std::string("hold-") + huge)});
    ASSERT_FALSE(h.ok()) << huge;
    EXPECT_EQ(h.status().reason(), "invalid_amount");
  }
  EXPECT_EQ(HeadSeq(engine_), base);  // nothing booked
  EXPECT_EQ(Denials(), 0u);           // nothing recorded

  // At the ceiling is fine, and later spends still are.
  auto at = engine_.Spend(MakeSpend("mkt-1", "1000000", "at-ceiling"));
  ASSERT_TRUE(at.ok()) << at.status().ToString();
  EXPECT_EQ(at->outcome.status, OutcomeStatus::kApproved);
  auto after = engine_.Spend(MakeSpend("mkt-1", "0.01", "after"));
  ASSERT_TRUE(after.ok()) << after.status().ToString();
  EXPECT_EQ(after->outcome.status, OutcomeStatus::kApproved);
  ExpectVerifies(engine_);
}

TEST_F(MaxSpendTest, TheCeilingIsAnAuditedOrgSetting) {
  MakeTree(engine_, {}, {}, {});
  const std::uint64_t base = HeadSeq(engine_);
  auto set = engine_.SetMaxSpend("acme", Amt("50"), "key_admin");
  ASSERT_TRUE(set.ok()) << set.status().ToString();
  EXPECT_EQ(set->max_spend, Amt("50"));
  EXPECT_EQ(set->head_seq, base + 1);  // one config entry
  auto same = engine_.SetMaxSpend("acme", Amt("50"), "key_admin");
  ASSERT_TRUE(same.ok());
  EXPECT_EQ(same->head_seq, base + 1);  // no change, no record

  auto txn = store_.Begin();
  ASSERT_TRUE(txn.ok());
  auto entries = (*txn)->ListEntries("acme", base, 10);
  ASSERT_TRUE(entries.ok());
  ASSERT_EQ(entries->size(), 1u);
  EXPECT_EQ((*entries)[0].kind, EntryKind::kConfig);
  EXPECT_EQ((*entries)[0].intent, kActionMaxSpendUpdated);
  EXPECT_NE((*entries)[0].receipt.find(R"("old":"1000000")"), std::string::npos)
      << (*entries)[0].receipt;
  EXPECT_NE((*entries)[0].receipt.find(R"("new":"50")"), std::string::npos);
  txn->reset();

  auto over = engine_.Spend(MakeSpend("mkt-1", "50.000001", "over"));
  ASSERT_FALSE(over.ok());
  EXPECT_EQ(over.status().reason(), "invalid_amount");
  auto at = engine_.Spend(MakeSpend("mkt-1", "50", "at"));
  ASSERT_TRUE(at.ok());
  EXPECT_EQ(at->outcome.status, OutcomeStatus::kApproved);

  for (const char* bad : {"0", "1000000000.000001"}) {
    auto r = engine_.SetMaxSpend("acme", bad[0] == '0' ? 0 : Amt(bad), "key_admin");
    ASSERT_FALSE(r.ok()) << bad;
    EXPECT_EQ(r.status().reason(), "invalid_amount") << bad;
  }
  auto unknown = engine_.SetMaxSpend("nope", Amt("5"), "key_admin");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  ExpectVerifies(engine_);
}

}  // namespace
}  // namespace stub
