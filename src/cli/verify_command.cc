#include "cli/verify_command.h"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/exit_codes.h"

namespace stub {
namespace {

constexpr std::string_view kVerifyCommand = "verify";

struct VerifyFlags {
  std::string db;
  std::string org;
  bool json = false;
};

nlohmann::json ReportJson(const std::string& org, const VerifyReport& report) {
  nlohmann::json problems = nlohmann::json::array();
  for (const Problem& p : report.problems) {
    problems.push_back(
        {{"code", p.code}, {"seq", p.seq}, {"node", p.node}, {"message", p.message}});
  }
  return {{"org", org},
          {"ok", report.ok},
          {"entries", report.entries},
          {"head", report.head},
          {"problems", std::move(problems)},
          {"problems_omitted", report.problems_omitted}};
}

std::string ReportText(const std::string& org, const VerifyReport& report) {
  std::string text = org + ": ";
  if (report.ok) {
    text += "ok, ";
  } else {
    text += std::to_string(report.problems.size() + report.problems_omitted) + " problem" +
            (report.problems.size() + report.problems_omitted == 1 ? "" : "s") + " in ";
  }
  text += std::to_string(report.entries) + " entries, head " + report.head + "\n";
  for (const Problem& p : report.problems) {
    text += "  " + p.code;
    if (p.seq != 0) text += " at entry " + std::to_string(p.seq);
    if (!p.node.empty()) text += " node " + p.node;
    text += ": " + p.message + "\n";
  }
  if (report.problems_omitted > 0) {
    text += "  … and " + std::to_string(report.problems_omitted) + " more\n";
  }
  return text;
}

int RunVerify(const VerifyFlags& flags) {
  auto store = OpenCommandStore(flags.db);
  if (!store.ok()) return ReportFailure(kVerifyCommand, store.status());
  std::vector<std::string> orgs;
  if (!flags.org.empty()) {
    orgs.push_back(flags.org);
  } else {
    TxnOptions read;
    read.read_only = true;
    auto txn = (*store)->Begin(read);
    if (!txn.ok()) return ReportFailure(kVerifyCommand, txn.status());
    auto all = (*txn)->ListOrgs();
    if (!all.ok()) return ReportFailure(kVerifyCommand, all.status());
    orgs = std::move(*all);
  }
  static const SystemClock clock;
  Engine engine(**store, clock);
  bool ok = true;
  nlohmann::json reports = nlohmann::json::array();
  std::string text;
  for (const std::string& org : orgs) {
    auto report = engine.Verify(org);
    if (!report.ok()) return ReportFailure(kVerifyCommand, report.status());
    ok = ok && report->ok;
    reports.push_back(ReportJson(org, *report));
    text += ReportText(org, *report);
  }
  if (orgs.empty()) text = "no orgs to verify\n";
  if (!flags.json) {
    std::cout << text;
  } else if (!flags.org.empty()) {
    std::cout << reports.front().dump() << "\n";
  } else {
    std::cout << nlohmann::json{{"ok", ok}, {"orgs", std::move(reports)}}.dump() << "\n";
  }
  return ok ? kExitOk : kExitProblem;
}

}  // namespace

Command AddVerifyCommand(CLI::App& app) {
  auto flags = std::make_shared<VerifyFlags>();
  CLI::App* verify = app.add_subcommand(
      "verify",
      "check the books: hash chain, double entry, receipts, balances (exit 1 on problems)");
  verify->add_option("--org", flags->org, "the org to verify (default: every org)");
  AddDbOption(*verify, flags->db);
  verify->add_flag("--json", flags->json, "print one JSON object");
  return {verify, [flags] { return RunVerify(*flags); }};
}

}  // namespace stub
