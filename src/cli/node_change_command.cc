#include "cli/node_change_command.h"

#include <iostream>

#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/node_view.h"

namespace stub {

int RunNodeChange(std::string_view command, const NodeChangeFlags& flags,
                  const NodeChange& change) {
  return RunOnOrg(command, flags.db, flags.org, [&](Engine& engine, const std::string& org) {
    auto result = ApplyNodeChange(engine, org, change);
    if (!result.ok()) return ReportFailure(command, result.status());
    if (flags.json) {
      std::cout << NodeJson(result->node, result->created).dump() << "\n";
    } else {
      std::cout << NodeText(result->node, result->created);
    }
    return kExitOk;
  });
}

}  // namespace stub
