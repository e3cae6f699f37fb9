// The demo org's shape: Acme Corp's budget tree (org root, teams — one nested —
// and a dozen agents) with limits on several levels and periods. Pure data;
// what `stub seed-demo` creates before it replays the demo history.
#pragma once

#include <string_view>
#include <vector>

#include "core/budget.h"

namespace stub {

inline constexpr std::string_view kDemoOrgId = "acme";
inline constexpr std::string_view kDemoOrgName = "Acme Corp";
inline constexpr std::string_view kDemoCurrency = "USD";

// Every node of the demo tree, parents before children: the org root first
// (kind kOrg, id kDemoOrgId, carrying the org's limits), then teams, then
// agents. Guarantees: every node passes ValidateNode; ids are unique; every
// parent appears before its children. Pure; thread-safe.
std::vector<Node> DemoTree();

}  // namespace stub
