#include "core/hold.h"

#include <string>
#include <string_view>

namespace stub {

std::string_view HoldStatusName(HoldStatus s) {
  switch (s) {
    case HoldStatus::kHeld:
      return "held";
    case HoldStatus::kCaptured:
      return "captured";
    case HoldStatus::kVoided:
      return "voided";
    case HoldStatus::kExpired:
      return "expired";
  }
  return "unknown";
}

std::optional<HoldStatus> ParseHoldStatus(std::string_view name) {
  for (HoldStatus s :
       {HoldStatus::kHeld, HoldStatus::kCaptured, HoldStatus::kVoided, HoldStatus::kExpired}) {
    if (HoldStatusName(s) == name) return s;
  }
  return std::nullopt;
}

namespace {

Status CheckPending(const Hold& h, Timestamp now) {
  if (h.status != HoldStatus::kHeld) {
    return FailedPrecondition("hold " + h.id + " is " + std::string(HoldStatusName(h.status)),
                              "hold_not_pending");
  }
  if (IsDue(h, now)) {
    return FailedPrecondition("hold " + h.id + " has expired", "hold_not_pending");
  }
  return Status::Ok();
}

}  // namespace

Status CheckCapture(const Hold& h, Micros amount, Timestamp now) {
  STUB_RETURN_IF_ERROR(CheckPending(h, now));
  if (amount <= 0) {
    return InvalidArgument("capture amount must be greater than zero", "invalid_amount");
  }
  if (amount > h.amount) {
    return InvalidArgument(
        "capture amount " + FormatAmount(amount) + " exceeds the held " + FormatAmount(h.amount),
        "capture_exceeds_hold");
  }
  return Status::Ok();
}

Status CheckVoid(const Hold& h, Timestamp now) { return CheckPending(h, now); }

}  // namespace stub
