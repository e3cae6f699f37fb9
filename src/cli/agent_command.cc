#include "cli/agent_command.h"

#include <memory>
#include <string>
#include <vector>

#include "cli/limit_flag.h"
#include "cli/node_change_command.h"

namespace stub {
namespace {

struct AgentFlags {
  NodeChangeFlags common;
  std::string id;
  std::string team;
  std::string name;
  std::vector<std::string> limits;
};

}  // namespace

Command AddAgentCommand(CLI::App& app) {
  auto flags = std::make_shared<AgentFlags>();
  CLI::App* agent = app.add_subcommand("agent", "agents (the leaves of the budget tree)");
  agent->require_subcommand(1);
  CLI::App* put = agent->add_subcommand(
      "put", "create an agent in a team, or update the fields given of an existing one");
  put->add_option("ID", flags->id, "agent id ([a-z0-9][a-z0-9_.-]{0,63})")->required();
  put->add_option("--team", flags->team, "the agent's team")->required();
  CLI::Option* name = put->add_option("--name", flags->name, "display name");
  CLI::Option* limits = put->add_option("--limit", flags->limits,
                                        "a limit AMOUNT/PERIOD (repeatable; replaces the agent's "
                                        "limits), e.g. --limit 25/day --limit 300/total")
                            ->check(LimitValidator());
  AddOrgOption(*put, flags->common.org);
  AddDbOption(*put, flags->common.db);
  put->add_flag("--json", flags->common.json, "print one JSON object");
  return {put, [flags, name, limits] {
            NodeChange change;
            change.id = flags->id;
            change.kind = NodeKind::kAgent;
            change.parent = flags->team;
            if (name->count() > 0) change.name = flags->name;
            if (limits->count() > 0) change.limits = *ParseLimitFlags(flags->limits);
            return RunNodeChange("agent put", flags->common, change);
          }};
}

}  // namespace stub
