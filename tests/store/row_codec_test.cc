// The outcome encoding of idempotency records: version 2 (positional) is
// written and read back exactly; version 1 (objects with every key), which
// older stores hold, is still read.
#include "store/row_codec.h"

#include <gtest/gtest.h>

#include <limits>
#include <string>
#include <vector>

namespace stub::row_codec {
namespace {

Outcome Approved() {
  Outcome o;
  o.status = OutcomeStatus::kApproved;
  o.id = "sp_d827d4fdcb4351dbc6b31ef7";
  o.amount = 10'000;
  o.entry_seq = 3;
  o.entry_hash = "7f437865a587a3670a60c988d1fc628fff9d5a9b12934678e43613653923e465";
  o.effective_remaining = 999'999'999'990'000;
  o.binding = Binding{"team", Period::kDay};
  return o;
}

Outcome Denied() {
  Outcome o;
  o.status = OutcomeStatus::kDenied;
  o.id = "dn_1";
  o.amount = 5'000;
  o.denial = Denial{.reason = DenyReason::kWindowLimit,
                    .node = "team-1",
                    .period = std::nullopt,
                    .limit = 4'000,
                    .used = 3'999,
                    .message = "a \"quoted\" message",
                    .window_seconds = 3'600,
                    .counts_spends = true};
  return o;
}

TEST(OutcomeCodecTest, WritesVersionTwo) {
  EXPECT_EQ(EncodeOutcome(Approved()),
            "[2,\"approved\",\"sp_d827d4fdcb4351dbc6b31ef7\",10000,3,"
            "\"7f437865a587a3670a60c988d1fc628fff9d5a9b12934678e43613653923e465\","
            "999999999990000,0,[\"team\",\"day\"],null]");
  EXPECT_EQ(EncodeOutcome(Denied()),
            "[2,\"denied\",\"dn_1\",5000,0,\"\",null,0,null,{\"reason\":\"window_limit\","
            "\"node\":\"team-1\",\"period\":null,\"limit\":4000,\"used\":3999,\"message\":"
            "\"a \\\"quoted\\\" message\",\"window_seconds\":3600,\"counts_spends\":true}]");
}

TEST(OutcomeCodecTest, VersionTwoReadsBackEveryShape) {
  std::vector<Outcome> shapes = {Approved(), Denied()};
  Outcome held = Approved();
  held.status = OutcomeStatus::kHeld;
  held.expires_at = std::numeric_limits<Timestamp>::max();
  held.effective_remaining = std::numeric_limits<Micros>::min();
  held.entry_seq = std::numeric_limits<std::uint64_t>::max();
  shapes.push_back(held);
  Outcome unlimited = Approved();
  unlimited.status = OutcomeStatus::kPendingApproval;
  unlimited.effective_remaining = std::nullopt;
  unlimited.binding = std::nullopt;
  shapes.push_back(unlimited);
  for (const Outcome& o : shapes) {
    EXPECT_EQ(DecodeOutcome(Parse(EncodeOutcome(o))), o) << EncodeOutcome(o);
  }
}

TEST(OutcomeCodecTest, ReadsVersionOne) {
  // As version 1 wrote them (the same outcomes as above).
  EXPECT_EQ(DecodeOutcome(Parse(
                "{\"status\":\"approved\",\"id\":\"sp_d827d4fdcb4351dbc6b31ef7\",\"amount\":10000,"
                "\"entry_seq\":3,\"entry_hash\":"
                "\"7f437865a587a3670a60c988d1fc628fff9d5a9b12934678e43613653923e465\","
                "\"effective_remaining\":999999999990000,\"expires_at\":0,"
                "\"binding\":{\"node\":\"team\",\"period\":\"day\"},\"denial\":null}")),
            Approved());
  EXPECT_EQ(DecodeOutcome(Parse(
                "{\"status\":\"denied\",\"id\":\"dn_1\",\"amount\":5000,\"entry_seq\":0,"
                "\"entry_hash\":\"\",\"effective_remaining\":null,\"expires_at\":0,"
                "\"binding\":null,\"denial\":{\"reason\":\"window_limit\",\"node\":\"team-1\","
                "\"period\":null,\"limit\":4000,\"used\":3999,\"message\":"
                "\"a \\\"quoted\\\" message\",\"window_seconds\":3600,\"counts_spends\":true}}")),
            Denied());
}

TEST(OutcomeCodecTest, RefusesWhatIsNeither) {
  const std::string good = EncodeOutcome(Approved());
  for (const std::string& bad :
       {std::string("[]"), std::string("[3") + good.substr(2),  // another version
        good.substr(0, good.size() - 6) + "]",                  // nine elements
        std::string("[2,\"spent\"") + good.substr(good.find(',', 3)), std::string("\"x\""),
        std::string("42")}) {
    EXPECT_ANY_THROW(DecodeOutcome(Parse(bad))) << bad;
  }
}

}  // namespace
}  // namespace stub::row_codec
