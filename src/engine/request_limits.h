// The one check of a spend's, hold's or capture's client-given text: the
// caps of core/text_limits.h (agent 64, vendor 253, category 64, session and
// user 256, intent 1,024 bytes, receipt 64 KiB canonical) and no NUL.
// Callers run it before a request is queued for a batch (the HTTP handlers)
// and the ledger runs it again before a request touches a store, so a request
// over a cap is refused alone and never fails the batch it would have joined.
//
// Errors: kInvalidArgument "invalid_request" naming the field and its cap.
// Pure; thread-safe.
#pragma once

#include "core/status.h"
#include "engine/requests.h"

namespace stub {

Status CheckSpendText(const SpendRequest& r);
Status CheckCaptureText(const CaptureRequest& r);

}  // namespace stub
