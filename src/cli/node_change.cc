#include "cli/node_change.h"

#include <string>
#include <utility>

namespace stub {
namespace {

std::string Described(NodeKind kind) {
  switch (kind) {
    case NodeKind::kOrg:
      return "the org root";
    case NodeKind::kTeam:
      return "a team";
    case NodeKind::kAgent:
      return "an agent";
  }
  return "a node";
}

}  // namespace

Result<NodeChangeResult> ApplyNodeChange(Engine& engine, std::string_view org,
                                         const NodeChange& change) {
  STUB_ASSIGN_OR_RETURN(auto existing, engine.GetNode(org, change.id));
  NodeChangeResult result;
  Node node;
  if (existing) {
    node = std::move(existing->node);
    if (change.kind && node.kind != *change.kind) {
      return InvalidArgument(
          "'" + change.id + "' is " + Described(node.kind) + ", not " + Described(*change.kind),
          "invalid_request");
    }
  } else {
    if (!change.kind) {
      return NotFound("unknown node '" + change.id + "' (not the org, a team or an agent)",
                      "not_found");
    }
    if (*change.kind == NodeKind::kAgent && !change.parent) {
      return InvalidArgument("a new agent needs --team", "invalid_request");
    }
    result.created = true;
    node.id = change.id;
    node.kind = *change.kind;
    node.parent = std::string(org);
  }
  if (change.parent) node.parent = *change.parent;
  if (change.name) node.name = *change.name;
  if (change.limits) node.limits = *change.limits;
  STUB_ASSIGN_OR_RETURN(NodeRow stored, engine.PutNode(org, node, "cli"));
  result.node = std::move(stored.node);
  return result;
}

}  // namespace stub
