// The shared runner of the tree commands (team put, agent put, limits set):
// applies a NodeChange and prints the node (node_view.h).
#pragma once

#include <string>
#include <string_view>

#include "cli/node_change.h"

namespace stub {

struct NodeChangeFlags {
  std::string db;
  std::string org;
  bool json = false;
};

// Exit 0 with the node printed; else the failure's exit code.
int RunNodeChange(std::string_view command, const NodeChangeFlags& flags, const NodeChange& change);

}  // namespace stub
