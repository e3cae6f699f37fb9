// `stub org create ID --name NAME [--currency USD]`: creates an org and its
// root budget node in the database. (API keys are the server's: `stub init`.)
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddOrgCommand(CLI::App& app);

}  // namespace stub
