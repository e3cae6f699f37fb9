#include "cli/node_view.h"

#include "cli/limit_flag.h"
#include "core/money.h"
#include "core/period.h"

namespace stub {

std::string NodeText(const Node& node, bool created) {
  std::string text = created ? "created " : "updated ";
  text += std::string(NodeKindName(node.kind)) + " " + node.id;
  if (!node.name.empty()) text += " (" + node.name + ")";
  if (!node.parent.empty()) text += " under " + node.parent;
  text += "; limits ";
  if (node.limits.empty()) text += "none";
  for (std::size_t i = 0; i < node.limits.size(); ++i) {
    if (i > 0) text += ", ";
    text += FormatLimit(node.limits[i]);
  }
  if (node.frozen) text += "; frozen";
  return text + "\n";
}

nlohmann::json NodeJson(const Node& node, bool created) {
  nlohmann::json limits = nlohmann::json::array();
  for (const Limit& limit : node.limits) {
    limits.push_back(
        {{"amount", FormatAmount(limit.amount)}, {"period", PeriodName(limit.period)}});
  }
  nlohmann::json j = {{"id", node.id},         {"kind", NodeKindName(node.kind)},
                      {"name", node.name},     {"limits", std::move(limits)},
                      {"frozen", node.frozen}, {"created", created}};
  j["parent"] = node.parent.empty() ? nlohmann::json(nullptr) : nlohmann::json(node.parent);
  return j;
}

}  // namespace stub
