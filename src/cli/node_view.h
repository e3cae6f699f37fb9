// How the tree commands (team put, agent put, limits set) show a node: one
// human line, or a JSON object {"id","kind","parent","name","limits":
// [{"amount","period"}],"frozen","created"}.
#pragma once

#include <nlohmann/json.hpp>
#include <string>

#include "core/budget.h"

namespace stub {

// "created team platform (Platform) under engineering; limits 900/month, 250/week"
std::string NodeText(const Node& node, bool created);
nlohmann::json NodeJson(const Node& node, bool created);

}  // namespace stub
