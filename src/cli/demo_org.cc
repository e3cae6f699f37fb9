#include "cli/demo_org.h"

#include <string>
#include <utility>

namespace stub {
namespace {

// A limit of `cents` hundredths of the org's currency.
Limit L(Micros cents, Period period) { return Limit{cents * (kMicrosPerUnit / 100), period}; }

Node MakeNode(std::string id, NodeKind kind, std::string parent, std::string name,
              std::vector<Limit> limits) {
  Node node;
  node.id = std::move(id);
  node.kind = kind;
  node.parent = std::move(parent);
  node.name = std::move(name);
  node.limits = std::move(limits);
  return node;
}

Node Team(std::string id, std::string parent, std::string name, std::vector<Limit> limits) {
  return MakeNode(std::move(id), NodeKind::kTeam, std::move(parent), std::move(name),
                  std::move(limits));
}

Node Agent(std::string id, std::string team, std::string name, std::vector<Limit> limits) {
  return MakeNode(std::move(id), NodeKind::kAgent, std::move(team), std::move(name),
                  std::move(limits));
}

}  // namespace

std::vector<Node> DemoTree() {
  const std::string org(kDemoOrgId);
  using enum Period;
  return {
      MakeNode(org, NodeKind::kOrg, "", std::string(kDemoOrgName),
               {L(600'00, kMonth), L(2'400'00, kYear)}),
      Team("marketing", org, "Marketing", {L(60'00, kMonth), L(15'00, kWeek)}),
      Team("research", org, "Research", {L(90'00, kMonth), L(25'00, kWeek)}),
      Team("engineering", org, "Engineering", {L(400'00, kMonth), L(100'00, kWeek)}),
      Team("platform", "engineering", "Platform", {L(260'00, kMonth), L(70'00, kWeek)}),

      Agent("mkt-researcher-1", "marketing", "Market researcher 1", {L(2'00, kDay)}),
      Agent("mkt-researcher-2", "marketing", "Market researcher 2", {L(2'00, kDay)}),
      Agent("mkt-writer-1", "marketing", "Content writer", {L(2'00, kDay)}),
      Agent("mkt-social-1", "marketing", "Social media scheduler",
            {L(1'50, kDay), L(20'00, kMonth)}),
      Agent("res-analyst-1", "research", "Research analyst 1", {L(4'00, kDay)}),
      Agent("res-analyst-2", "research", "Research analyst 2", {L(4'00, kDay)}),
      Agent("res-scout-1", "research", "Data scout", {L(3'00, kWeek)}),
      Agent("eng-copilot-1", "engineering", "Coding copilot 1", {L(5'00, kDay)}),
      Agent("eng-copilot-2", "engineering", "Coding copilot 2", {L(5'00, kDay)}),
      Agent("eng-reviewer-1", "engineering", "Code reviewer", {L(2'00, kDay)}),
      Agent("plat-ci-bot-1", "platform", "CI triage bot", {L(2'00, kDay), L(18'00, kTotal)}),
      Agent("plat-batch-1", "platform", "GPU batch runner", {L(12'00, kDay), L(45'00, kWeek)}),
  };
}

}  // namespace stub
