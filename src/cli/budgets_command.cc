#include "cli/budgets_command.h"

#include <iostream>
#include <memory>
#include <string>

#include "cli/exit_codes.h"
#include "core/period.h"
#include "core/time_util.h"
#include "engine/budget_view.h"
#include "server/json_views.h"

namespace stub {
namespace {

constexpr std::string_view kBudgetsCommand = "budgets";

struct BudgetsFlags {
  std::string db;
  std::string org;
  std::string node;
  bool json = false;
};

void PrintNode(const BudgetNodeView& view, int depth, std::string& out) {
  const std::string indent(static_cast<std::size_t>(depth) * 2, ' ');
  out += indent + view.node.id + " (" + std::string(NodeKindName(view.node.kind));
  if (!view.node.name.empty() && view.node.name != view.node.id) out += ", " + view.node.name;
  out += view.node.frozen ? ", FROZEN)" : ")";
  if (view.limits.empty()) out += "  no limits";
  out += "\n";
  for (const LimitView& l : view.limits) {
    out += indent + "    " + std::string(PeriodName(l.limit.period)) + " " +
           FormatAmount(l.limit.amount) + ": spent " + FormatAmount(l.spent) + ", held " +
           FormatAmount(l.held) + ", remaining " + FormatAmount(l.remaining) + "\n";
  }
  for (const auto& child : view.children) PrintNode(child, depth + 1, out);
}

int RunBudgets(const BudgetsFlags& flags) {
  auto store = OpenCommandStore(flags.db);
  if (!store.ok()) return ReportFailure(kBudgetsCommand, store.status());
  auto org = ResolveOrg(**store, flags.org);
  if (!org.ok()) return ReportFailure(kBudgetsCommand, org.status());
  TxnOptions read;
  read.read_only = true;
  auto txn = (*store)->Begin(read);
  if (!txn.ok()) return ReportFailure(kBudgetsCommand, txn.status());
  static const SystemClock clock;
  const Timestamp now = clock.Now();
  auto view = flags.node.empty() ? ReadBudgetTree(**txn, *org, now)
                                 : ReadBudgetNode(**txn, *org, flags.node, now);
  if (!view.ok()) return ReportFailure(kBudgetsCommand, view.status());
  if (flags.json) {
    std::cout << BudgetJson(*view, /*with_effective=*/true).dump() << "\n";
    return kExitOk;
  }
  std::string out = "Budgets of org " + *org + " at " + FormatRfc3339(now) + "\n";
  PrintNode(*view, 0, out);
  out += "effective remaining of " + view->node.id + ": " +
         (view->effective_remaining ? FormatAmount(*view->effective_remaining) : "unlimited");
  if (view->binding) {
    out += " (bound by " + view->binding->node + "'s " +
           std::string(PeriodName(view->binding->period)) + " limit)";
  }
  std::cout << out << "\n";
  return kExitOk;
}

}  // namespace

Command AddBudgetsCommand(CLI::App& app) {
  auto flags = std::make_shared<BudgetsFlags>();
  CLI::App* budgets = app.add_subcommand(
      "budgets", "the budget tree: limits with spent, held and remaining this period");
  AddOrgOption(*budgets, flags->org);
  budgets->add_option("--node", flags->node, "one node (team, agent or the org) and its subtree");
  AddDbOption(*budgets, flags->db);
  budgets->add_flag("--json", flags->json, "print one JSON object (GET /v1/budgets's shape)");
  return {budgets, [flags] { return RunBudgets(*flags); }};
}

}  // namespace stub
