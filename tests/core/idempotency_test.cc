#include "core/idempotency.h"

#include <gtest/gtest.h>

#include <string>

#include "core/outcome.h"

namespace stub {
namespace {

TEST(IdempotencyKeyTest, Syntax) {
  for (const std::string& ok : {std::string("k"), std::string("9f1c-4e2a"), std::string(255, 'x'),
                                std::string("!~\"#$%&'()*+,-./:;<=>?@[\\]^_`{|}")}) {
    EXPECT_TRUE(ValidateIdempotencyKey(ok).ok()) << ok;
  }
  for (const std::string& bad :
       {std::string(), std::string(256, 'x'), std::string("a b"), std::string("a\tb"),
        std::string("a\x7f"), std::string("caf\xc3\xa9"), std::string("a\0", 2),
        std::string("\n")}) {
    Status s = ValidateIdempotencyKey(bad);
    ASSERT_FALSE(s.ok()) << bad;
    EXPECT_EQ(s.code(), StatusCode::kInvalidArgument);
    EXPECT_EQ(s.reason(), "invalid_request");
  }
}

TEST(OutcomeTest, StatusNames) {
  EXPECT_EQ(OutcomeStatusName(OutcomeStatus::kApproved), "approved");
  EXPECT_EQ(OutcomeStatusName(OutcomeStatus::kDenied), "denied");
  EXPECT_EQ(OutcomeStatusName(OutcomeStatus::kHeld), "held");
}

TEST(CheckReplayTest, NewSameAndDifferentRequests) {
  Result<std::optional<Outcome>> fresh = CheckReplay(nullptr, "abc");
  ASSERT_TRUE(fresh.ok());
  EXPECT_FALSE(fresh->has_value());

  IdempotencyRecord rec;
  rec.org = "acme";
  rec.key = "k1";
  rec.fingerprint = std::string(64, 'a');
  rec.outcome.status = OutcomeStatus::kDenied;
  rec.outcome.id = "den-1";
  rec.outcome.amount = 250'000;
  rec.outcome.denial = Denial{DenyReason::kBudgetExceeded, "mkt", Period::kMonth, 100, 99, "msg"};

  Result<std::optional<Outcome>> replay = CheckReplay(&rec, std::string(64, 'a'));
  ASSERT_TRUE(replay.ok());
  ASSERT_TRUE(replay->has_value());
  EXPECT_EQ(**replay, rec.outcome);

  Result<std::optional<Outcome>> reused = CheckReplay(&rec, std::string(64, 'b'));
  ASSERT_FALSE(reused.ok());
  EXPECT_EQ(reused.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(reused.status().reason(), "idempotency_key_reused");
  EXPECT_FALSE(reused.status().retryable());
}

TEST(FingerprintDigestTest, IsAHashSignAndTheBase64OfTheSha256) {
  // SHA-256("abc") from FIPS 180-2, in base64.
  EXPECT_EQ(FingerprintDigest("abc"), "#ungWv48Bz+pBQUDeXa4iI7ADYaOWF3qctBD/YfIAFa0=");
  EXPECT_EQ(FingerprintDigest(std::string(100'000, 'x')).size(), 45u);
  EXPECT_NE(FingerprintDigest("5:spend"), FingerprintDigest("5:spenD"));
}

TEST(CheckReplayTest, EachRecordIsComparedInItsOwnForm) {
  const std::string canonical = "5:spend5:mkt-17:1000000";
  IdempotencyRecord digest;
  digest.fingerprint = FingerprintDigest(canonical);
  digest.outcome.id = "sp-1";
  IdempotencyRecord bytes = digest;  // written before digests
  bytes.fingerprint = canonical;
  for (const IdempotencyRecord* rec : {&digest, &bytes}) {
    Result<std::optional<Outcome>> replay = CheckReplay(rec, canonical);
    ASSERT_TRUE(replay.ok()) << rec->fingerprint;
    ASSERT_TRUE(replay->has_value());
    EXPECT_EQ((*replay)->id, "sp-1");
    Result<std::optional<Outcome>> reused = CheckReplay(rec, "5:spend5:mkt-17:1000001");
    EXPECT_EQ(reused.status().reason(), "idempotency_key_reused") << rec->fingerprint;
  }
  // A digest is never mistaken for the bytes it digests, nor the reverse.
  EXPECT_FALSE(CheckReplay(&digest, digest.fingerprint).ok());
  EXPECT_FALSE(CheckReplay(&bytes, FingerprintDigest(canonical)).ok());
}

}  // namespace
}  // namespace stub
