// `stub team put ID [--parent TEAM] [--name NAME] [--limit AMOUNT/PERIOD …]`:
// creates a team (under the org root unless --parent) or updates the given
// fields of an existing one.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddTeamCommand(CLI::App& app);

}  // namespace stub
