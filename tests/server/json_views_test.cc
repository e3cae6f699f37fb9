// The written-out outcome body is byte for byte the JSON tree's dump, for
// every shape of outcome (and falls back to the tree when text needs escaping).
#include "server/json_views.h"

#include <gtest/gtest.h>

namespace stub {
namespace {

Outcome Approved() {
  Outcome o;
  o.status = OutcomeStatus::kApproved;
  o.id = "sp_01JDX4W6R1M0ABCDEF";
  o.amount = 250'000;
  o.entry_seq = 4211;
  o.entry_hash = std::string(64, 'a');
  o.effective_remaining = 12'345'678;
  o.binding = Binding{.node = "mkt-researcher-1", .period = Period::kDay};
  return o;
}

void ExpectSame(const Outcome& o) { EXPECT_EQ(OutcomeBody(o), DumpJson(OutcomeJson(o))); }

TEST(OutcomeBodyTest, EqualsTheJsonTreesDumpForEveryShape) {
  Outcome o = Approved();
  ExpectSame(o);
  EXPECT_EQ(OutcomeBody(o),
            "{\"amount\":\"0.25\",\"binding\":{\"node\":\"mkt-researcher-1\",\"period\":\"day\"},"
            "\"effective_remaining\":\"12.345678\",\"entry\":{\"hash\":\"" +
                std::string(64, 'a') +
                "\",\"seq\":4211},\"id\":\"sp_01JDX4W6R1M0ABCDEF\",\"status\":\"approved\"}");
  o.binding.reset();
  o.effective_remaining.reset();  // unlimited: null
  ExpectSame(o);
  o.status = OutcomeStatus::kHeld;
  o.expires_at = 1'795'860'300'000'000;
  ExpectSame(o);
  o.effective_remaining = 0;
  ExpectSame(o);

  Outcome denied;
  denied.status = OutcomeStatus::kDenied;
  denied.id = "dn_1";
  denied.amount = 1;
  denied.denial = Denial{.reason = DenyReason::kBudgetExceeded,
                         .node = "acme",
                         .period = Period::kMonth,
                         .message = "over \"budget\" ✓"};
  ExpectSame(denied);

  Outcome odd = Approved();
  odd.id = "needs\\escaping\"";
  ExpectSame(odd);
  odd.id = "caf\xc3\xa9";
  ExpectSame(odd);
}

}  // namespace
}  // namespace stub
