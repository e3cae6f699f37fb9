#include "cli/seed_demo_command.h"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/demo_org.h"
#include "cli/demo_seed.h"
#include "cli/exit_codes.h"
#include "core/time_util.h"

namespace stub {
namespace {

constexpr std::string_view kSeedDemoCommand = "seed-demo";

struct SeedDemoFlags {
  std::string db;
  std::string now;
  bool json = false;
};

nlohmann::json ReportJson(const DemoSeedReport& r) {
  return {{"org", r.org},
          {"changed", r.writes > 0},
          {"org_created", r.org_created},
          {"nodes_created", r.nodes_created},
          {"from", FormatRfc3339(r.from)},
          {"to", FormatRfc3339(r.to)},
          {"requests", r.requests},
          {"approved", r.approved},
          {"denied", r.denied},
          {"holds", r.holds},
          {"captured", r.captured},
          {"voided", r.voided},
          {"replayed", r.replayed},
          {"writes", r.writes},
          {"entries", r.entries},
          {"head", r.head_hash}};
}

std::string ReportText(const DemoSeedReport& r) {
  std::size_t teams = 0;
  std::size_t agents = 0;
  for (const Node& node : DemoTree()) {
    teams += node.kind == NodeKind::kTeam;
    agents += node.kind == NodeKind::kAgent;
  }
  std::string text;
  if (r.writes == 0) {
    text = "the demo org " + r.org + " is already seeded: nothing changed\n";
  } else {
    text = std::string(r.org_created ? "seeded" : "completed") + " the demo org " + r.org + " (" +
           std::string(kDemoOrgName) + "): " + std::to_string(teams) + " teams, " +
           std::to_string(agents) + " agents\n";
  }
  text += "history " + FormatRfc3339(r.from) + " to " + FormatRfc3339(r.to) + ": " +
          std::to_string(r.requests) + " requests, " + std::to_string(r.approved) + " approved, " +
          std::to_string(r.denied) + " denied; " + std::to_string(r.holds) + " holds, " +
          std::to_string(r.captured) + " captured, " + std::to_string(r.voided) + " voided\n";
  text += "journal: " + std::to_string(r.entries) + " entries, head " + r.head_hash + "\n";
  return text;
}

int RunSeedDemo(const SeedDemoFlags& flags) {
  Timestamp now = SystemClock().Now();
  if (!flags.now.empty()) {
    auto parsed = ParseRfc3339(flags.now);
    if (!parsed.ok()) {
      return ReportFailure(kSeedDemoCommand, UsageError("--now: '" + flags.now +
                                                        "' is not an RFC 3339 time (e.g. "
                                                        "2026-11-28T10:00:00Z)"));
    }
    now = *parsed;
  }
  auto store = OpenCommandStore(flags.db);
  if (!store.ok()) return ReportFailure(kSeedDemoCommand, store.status());
  auto report = SeedDemo(**store, now);
  if (!report.ok()) return ReportFailure(kSeedDemoCommand, report.status());
  std::cout << (flags.json ? ReportJson(*report).dump() + "\n" : ReportText(*report));
  return kExitOk;
}

}  // namespace

Command AddSeedDemoCommand(CLI::App& app) {
  auto flags = std::make_shared<SeedDemoFlags>();
  CLI::App* seed = app.add_subcommand(
      "seed-demo",
      "create the demo org acme (Acme Corp): teams, a dozen agents, limits and a month of "
      "spend history ending now; running it again changes nothing");
  seed->add_option("--now", flags->now,
                   "when the history ends, RFC 3339 (default: the current time)");
  AddDbOption(*seed, flags->db);
  seed->add_flag("--json", flags->json, "print one JSON object");
  return {seed, [flags] { return RunSeedDemo(*flags); }};
}

}  // namespace stub
