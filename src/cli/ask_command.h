// `stub ask "QUESTION" [--org acme] [--now RFC3339] [--json]` and
// `stub ask --spec '{…}'`: answers a plain-English question about an org's
// spending from the database directly (the parser, or the LLM path when
// STUB_LLM_* is set), printing the sentence and the rows. --now fixes "now"
// for relative times (default: the clock). --json prints POST /v1/query's
// shape. An unanswerable question prints why and suggestions; exit 3.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddAskCommand(CLI::App& app);

}  // namespace stub
