#include "cli/exit_codes.h"

namespace stub {

int ExitCodeFor(const Status& status) {
  // A command that cannot tell what it was asked to do (e.g. which org).
  if (status.reason() == kUsageReason) return kExitUsage;
  switch (status.code()) {
    case StatusCode::kOk:
      return kExitOk;
    case StatusCode::kConflict:
    case StatusCode::kUnavailable:
      return kExitTransient;
    case StatusCode::kInternal:
      return kExitInternal;
    case StatusCode::kInvalidArgument:
    case StatusCode::kNotFound:
    case StatusCode::kAlreadyExists:
    case StatusCode::kFailedPrecondition:
    case StatusCode::kOutOfRange:
    case StatusCode::kResourceExhausted:
      return kExitRefused;
  }
  return kExitInternal;
}

}  // namespace stub
