// The one place that maps outcomes to process exit codes. Documented in
// `stub --help` and the README:
//   0  success
//   1  the command ran and its answer is "no": it found a problem (a broken
//      invariant, a failed verify) or a spend was denied
//   2  usage error (bad flags or arguments; a Status with reason kUsageReason)
//   3  not found / refused input (a Status of the request's own making)
//   4  transient failure (retry may succeed: conflict, unavailable)
//   5  internal error
#pragma once

#include <string>
#include <string_view>
#include <utility>

#include "core/status.h"

namespace stub {

inline constexpr int kExitOk = 0;
inline constexpr int kExitProblem = 1;
inline constexpr int kExitUsage = 2;
inline constexpr int kExitRefused = 3;
inline constexpr int kExitTransient = 4;
inline constexpr int kExitInternal = 5;

// The Status reason that marks a usage error (exit 2) whatever its code.
inline constexpr std::string_view kUsageReason = "usage";

// kInvalidArgument with reason kUsageReason: a bad flag or argument (exit 2).
inline Status UsageError(std::string message) {
  return InvalidArgument(std::move(message), std::string(kUsageReason));
}

int ExitCodeFor(const Status& status);

}  // namespace stub
