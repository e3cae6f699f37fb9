#include "engine/request_limits.h"

#include "core/canonical_json.h"
#include "core/text_limits.h"

namespace stub {
namespace {

Status CheckReceiptText(const std::string& receipt) {
  if (receipt.size() > kMaxReceiptBytes) {
    return InvalidRequest("'receipt' is larger than " + std::to_string(kMaxReceiptBytes) +
                          " bytes (canonical JSON)");
  }
  return Status::Ok();
}

}  // namespace

Status CheckSpendText(const SpendRequest& r) {
  STUB_RETURN_IF_ERROR(CheckTextField("agent", r.agent, kMaxIdTextBytes));
  STUB_RETURN_IF_ERROR(CheckTextField("vendor", r.vendor, kMaxVendorTextBytes));
  STUB_RETURN_IF_ERROR(CheckTextField("category", r.category, kMaxCategoryTextBytes));
  STUB_RETURN_IF_ERROR(CheckTextField("session", r.session, kMaxSessionTextBytes));
  STUB_RETURN_IF_ERROR(CheckTextField("user", r.user, kMaxUserTextBytes));
  STUB_RETURN_IF_ERROR(CheckTextField("intent", r.intent, kMaxIntentTextBytes));
  return CheckReceiptText(r.receipt);
}

Status CheckCaptureText(const CaptureRequest& r) {
  STUB_RETURN_IF_ERROR(CheckTextField("hold id", r.hold_id, kMaxIdTextBytes));
  return CheckReceiptText(r.receipt);
}

}  // namespace stub
