// `stub seed-demo [--now RFC3339]`: seeds the demo org (Acme Corp, id acme:
// teams, a dozen agents, limits, a month of backdated spend history ending at
// now; see demo_seed.h). Idempotent: a second run changes nothing.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddSeedDemoCommand(CLI::App& app);

}  // namespace stub
