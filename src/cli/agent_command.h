// `stub agent put ID --team TEAM [--name NAME] [--limit AMOUNT/PERIOD …]`:
// creates an agent in a team, or updates an existing one (moving it to TEAM).
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddAgentCommand(CLI::App& app);

}  // namespace stub
