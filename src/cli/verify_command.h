// `stub verify [--org ORG]`: recomputes an org's books from its journal — the
// hash chain, double entry, receipts, balance rows (core/verify.h) — for one
// org or, without --org, every org. Exit 0 when all are sound, 1 when a
// problem was found (each is printed).
//
// --json prints {"org","ok","entries","head","problems":[{"code","seq",
// "node","message"}],"problems_omitted"} for --org (GET /v1/verify's shape
// plus "org"), and {"ok","orgs":[…those…]} without it.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddVerifyCommand(CLI::App& app);

}  // namespace stub
