// `stub budgets [--org ORG] [--node ID] [--json]`: the budget tree for the
// current periods — every node with, per limit, what is spent, held and
// remaining — as GET /v1/budgets shows it; with --node, that node's subtree
// plus its effective remaining (the least over it and its ancestors) and the
// limit that sets it (GET /v1/budgets/{node}).
//
// --json prints exactly GET /v1/budgets's (or /v1/budgets/{node}'s) object.
#pragma once

#include <CLI/CLI.hpp>

#include "cli/command.h"

namespace stub {

Command AddBudgetsCommand(CLI::App& app);

}  // namespace stub
