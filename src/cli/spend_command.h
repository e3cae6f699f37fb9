// `stub spend --agent A --amount 0.25 --vendor V [--category C] [--session S]
// [--user U] [--intent I] [--idempotency-key K] [--receipt JSON]`: asks the
// ledger for one spend and prints the decision — approved (spend id, journal
// entry seq and hash, effective remaining) or denied (reason, node, period).
// Exit 0 approved, 1 denied. Without --idempotency-key a fresh key is made
// and printed, so the same spend can be retried exactly once.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddSpendCommand(CLI::App& app);

}  // namespace stub
