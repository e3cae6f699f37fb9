// The safety operator commands, over the database like the other operator
// commands (--db, --org), each change recorded in the org's audit trail as
// made by "cli":
//   stub policy put NODE (--json-policy JSON | --file FILE)   set a node's policy
//   stub policy get NODE                                      print it
//   stub agent freeze ID [--reason R] / stub agent unfreeze ID
//   stub kill-switch engage [--reason R] / stub kill-switch release
//   stub approvals list [--status pending|approved|denied|expired]
//   stub approvals approve ID [--reason R] / stub approvals deny ID [--reason R]
// Every one takes --json (one JSON object on stdout).
#pragma once

#include <CLI/CLI.hpp>
#include <vector>

#include "cli/command.h"

namespace stub {

// Registers the commands; `app` must already have the "agent" subcommand
// (AddAgentCommand), which gains freeze and unfreeze.
std::vector<Command> AddSafetyCommands(CLI::App& app);

}  // namespace stub
