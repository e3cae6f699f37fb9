#include "core/hold.h"

#include <gtest/gtest.h>

namespace stub {
namespace {

Hold MakeHold() {
  Hold h;
  h.org = "acme";
  h.id = "hold-1";
  h.agent = "bot";
  h.path = {"bot", "mkt", "acme"};
  h.amount = 2'000'000;
  h.created_at = MakeTimestamp(2026, 11, 28, 10);
  h.expires_at = h.created_at + kDefaultHoldTtl;
  return h;
}

void ExpectError(const Status& s, StatusCode code, const char* reason) {
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.code(), code);
  EXPECT_EQ(s.reason(), reason);
}

TEST(HoldStatusTest, Names) {
  EXPECT_EQ(HoldStatusName(HoldStatus::kHeld), "held");
  EXPECT_EQ(HoldStatusName(HoldStatus::kCaptured), "captured");
  EXPECT_EQ(HoldStatusName(HoldStatus::kVoided), "voided");
  EXPECT_EQ(HoldStatusName(HoldStatus::kExpired), "expired");
  for (HoldStatus s :
       {HoldStatus::kHeld, HoldStatus::kCaptured, HoldStatus::kVoided, HoldStatus::kExpired}) {
    EXPECT_EQ(ParseHoldStatus(HoldStatusName(s)), s);
  }
  EXPECT_EQ(ParseHoldStatus("pending"), std::nullopt);
}

TEST(HoldTest, IsDue) {
  Hold h = MakeHold();
  EXPECT_FALSE(IsDue(h, h.expires_at - 1));
  EXPECT_TRUE(IsDue(h, h.expires_at));
  h.status = HoldStatus::kVoided;
  EXPECT_FALSE(IsDue(h, h.expires_at + 1));
}

TEST(CheckCaptureTest, UpToTheHeldAmountBeforeExpiry) {
  const Hold h = MakeHold();
  const Timestamp now = h.expires_at - 1;
  EXPECT_TRUE(CheckCapture(h, 1, now).ok());
  EXPECT_TRUE(CheckCapture(h, h.amount, now).ok());
  ExpectError(CheckCapture(h, h.amount + 1, now), StatusCode::kInvalidArgument,
              "capture_exceeds_hold");
  ExpectError(CheckCapture(h, 0, now), StatusCode::kInvalidArgument, "invalid_amount");
  ExpectError(CheckCapture(h, -1, now), StatusCode::kInvalidArgument, "invalid_amount");
}

TEST(CheckCaptureTest, NotPendingComesFirst) {
  Hold h = MakeHold();
  ExpectError(CheckCapture(h, h.amount, h.expires_at), StatusCode::kFailedPrecondition,
              "hold_not_pending");
  ExpectError(CheckCapture(h, h.amount + 1, h.expires_at), StatusCode::kFailedPrecondition,
              "hold_not_pending");
  for (HoldStatus s : {HoldStatus::kCaptured, HoldStatus::kVoided, HoldStatus::kExpired}) {
    h.status = s;
    ExpectError(CheckCapture(h, 1, h.created_at), StatusCode::kFailedPrecondition,
                "hold_not_pending");
    ExpectError(CheckCapture(h, 0, h.created_at), StatusCode::kFailedPrecondition,
                "hold_not_pending");
  }
}

TEST(CheckVoidTest, OnlyPendingHolds) {
  Hold h = MakeHold();
  EXPECT_TRUE(CheckVoid(h, h.created_at).ok());
  EXPECT_TRUE(CheckVoid(h, h.expires_at - 1).ok());
  ExpectError(CheckVoid(h, h.expires_at), StatusCode::kFailedPrecondition, "hold_not_pending");
  for (HoldStatus s : {HoldStatus::kCaptured, HoldStatus::kVoided, HoldStatus::kExpired}) {
    h.status = s;
    ExpectError(CheckVoid(h, h.created_at), StatusCode::kFailedPrecondition, "hold_not_pending");
  }
}

}  // namespace
}  // namespace stub
