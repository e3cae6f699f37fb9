#include "cli/team_command.h"

#include <memory>
#include <string>
#include <vector>

#include "cli/limit_flag.h"
#include "cli/node_change_command.h"

namespace stub {
namespace {

struct TeamFlags {
  NodeChangeFlags common;
  std::string id;
  std::string parent;
  std::string name;
  std::vector<std::string> limits;
};

}  // namespace

Command AddTeamCommand(CLI::App& app) {
  auto flags = std::make_shared<TeamFlags>();
  CLI::App* team = app.add_subcommand("team", "budget teams (nestable)");
  team->require_subcommand(1);
  CLI::App* put =
      team->add_subcommand("put", "create a team, or update the fields given of an existing one");
  put->add_option("ID", flags->id, "team id ([a-z0-9][a-z0-9_.-]{0,63})")->required();
  CLI::Option* parent =
      put->add_option("--parent", flags->parent, "parent team (default: the org root)");
  CLI::Option* name = put->add_option("--name", flags->name, "display name");
  CLI::Option* limits = put->add_option("--limit", flags->limits,
                                        "a limit AMOUNT/PERIOD (repeatable; replaces the team's "
                                        "limits), e.g. --limit 100.00/month --limit 30/week")
                            ->check(LimitValidator());
  AddOrgOption(*put, flags->common.org);
  AddDbOption(*put, flags->common.db);
  put->add_flag("--json", flags->common.json, "print one JSON object");
  return {put, [flags, parent, name, limits] {
            NodeChange change;
            change.id = flags->id;
            change.kind = NodeKind::kTeam;
            if (parent->count() > 0) change.parent = flags->parent;
            if (name->count() > 0) change.name = flags->name;
            if (limits->count() > 0) change.limits = *ParseLimitFlags(flags->limits);
            return RunNodeChange("team put", flags->common, change);
          }};
}

}  // namespace stub
