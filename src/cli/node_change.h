// A change to one node of the budget tree as the tree commands ask for it:
// the fields given are set, the others kept.
#pragma once

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/budget.h"
#include "core/status.h"
#include "engine/engine.h"

namespace stub {

struct NodeChange {
  std::string id;
  // Required kind; nullopt: any kind, and the node must exist (limits set).
  std::optional<NodeKind> kind;
  std::optional<std::string> parent;  // creating a team without one: under the org root
  std::optional<std::string> name;
  std::optional<std::vector<Limit>> limits;
};

struct NodeChangeResult {
  Node node;  // as stored afterwards
  bool created = false;
};

// Creates the node if it does not exist, else updates the given fields and
// keeps the rest (name, parent, limits, frozen flag). Not atomic with
// concurrent changes to the same node: the last writer's fields win.
// Errors: kNotFound (org, parent, or the node when `kind` is nullopt);
// kInvalidArgument (a node of another kind has the id, bad id or limits, an
// agent without a team, a team under its own subtree).
Result<NodeChangeResult> ApplyNodeChange(Engine& engine, std::string_view org,
                                         const NodeChange& change);

}  // namespace stub
