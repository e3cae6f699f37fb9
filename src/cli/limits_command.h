// `stub limits set NODE --limit AMOUNT/PERIOD … | --none`: replaces the limits
// of an existing node — the org root (its id is the org's), a team or an
// agent — keeping everything else about it.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddLimitsCommand(CLI::App& app);

}  // namespace stub
