// The names an org's questions may use: its budget tree (teams and agents
// with their display names) and the vendors, categories, users, sessions and
// intents its ledger has seen. What the English parser maps words to, and
// what a model's tool call is checked against.
#pragma once

#include <string>
#include <vector>

#include "core/budget.h"

namespace stub {

struct QueryCatalogue {
  std::vector<Node> tree;  // every node of the org (org root, teams, agents)
  std::vector<std::string> vendors;
  std::vector<std::string> categories;
  std::vector<std::string> users;
  std::vector<std::string> sessions;  // may be incomplete (large orgs)
  std::vector<std::string> intents;   // may be incomplete (large orgs)
};

}  // namespace stub
