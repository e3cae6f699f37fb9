#include "cli/limits_command.h"

#include <memory>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "cli/limit_flag.h"
#include "cli/node_change_command.h"

namespace stub {
namespace {

struct LimitsFlags {
  NodeChangeFlags common;
  std::string node;
  std::vector<std::string> limits;
  bool none = false;
};

}  // namespace

Command AddLimitsCommand(CLI::App& app) {
  auto flags = std::make_shared<LimitsFlags>();
  CLI::App* limits = app.add_subcommand("limits", "budget limits of the org, teams and agents");
  limits->require_subcommand(1);
  CLI::App* set = limits->add_subcommand("set", "replace the limits of a node");
  set->add_option("NODE", flags->node, "the org's id (its root), a team or an agent")->required();
  CLI::Option* limit = set->add_option("--limit", flags->limits,
                                       "a limit AMOUNT/PERIOD (repeatable), e.g. "
                                       "--limit 5000/month --limit 40000/year")
                           ->check(LimitValidator());
  CLI::Option* none = set->add_flag("--none", flags->none, "remove every limit of the node");
  limit->excludes(none);
  AddOrgOption(*set, flags->common.org);
  AddDbOption(*set, flags->common.db);
  set->add_flag("--json", flags->common.json, "print one JSON object");
  return {set, [flags] {
            if (!flags->none && flags->limits.empty()) {
              return ReportFailure("limits set",
                                   UsageError("give --limit AMOUNT/PERIOD (one or more) or "
                                              "--none"));
            }
            NodeChange change;
            change.id = flags->node;
            change.limits = flags->none ? std::vector<Limit>{} : *ParseLimitFlags(flags->limits);
            return RunNodeChange("limits set", flags->common, change);
          }};
}

}  // namespace stub
