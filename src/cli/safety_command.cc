#include "cli/safety_command.h"

#include <fstream>
#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <sstream>
#include <string>

#include "cli/exit_codes.h"
#include "core/config_change.h"
#include "core/json_input.h"
#include "core/policy_json.h"

namespace stub {
namespace {

using Json = nlohmann::json;

struct Common {
  std::string db;
  std::string org;
  bool json = false;
};

void AddCommon(CLI::App& cmd, Common& c) {
  AddOrgOption(cmd, c.org);
  AddDbOption(cmd, c.db);
  cmd.add_flag("--json", c.json, "print one JSON object");
}

void Print(bool json, const Json& j, const std::string& text) {
  if (json) {
    std::cout << j.dump() << "\n";
  } else {
    std::cout << text;
  }
}

std::string ApprovalLine(const ApprovalRow& a) {
  return a.id + "  " + std::string(ApprovalStatusName(a.status)) + "  " + a.agent + "  " +
         FormatAmount(a.amount) + "  " + a.vendor + "  over " + FormatAmount(a.over) + " (" +
         a.node + ")  expires " + FormatRfc3339(a.expires_at) + "\n";
}

Json ApprovalToJson(const ApprovalRow& a) {
  Json j = {{"id", a.id},
            {"status", ApprovalStatusName(a.status)},
            {"agent", a.agent},
            {"amount", FormatAmount(a.amount)},
            {"vendor", a.vendor},
            {"category", a.category},
            {"node", a.node},
            {"approval_over", FormatAmount(a.over)},
            {"created_at", FormatRfc3339(a.created_at)},
            {"expires_at", FormatRfc3339(a.expires_at)}};
  if (a.decided_at != 0) {
    j["decided_at"] = FormatRfc3339(a.decided_at);
    j["decided_by"] = a.decided_by;
  }
  if (!a.spend_id.empty()) j["spend_id"] = a.spend_id;
  return j;
}

Command PolicyPut(CLI::App& policy) {
  struct Flags {
    Common c;
    std::string node, text, file;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* put = policy.add_subcommand("put", "replace the policy of a node");
  put->add_option("NODE", f->node, "the org's id (its root), a team or an agent")->required();
  CLI::Option* text = put->add_option("--json-policy", f->text,
                                      "the policy as JSON, e.g. '{\"max_per_spend\":\"5.00\"}' "
                                      "({} removes every rule)");
  CLI::Option* file = put->add_option("--file", f->file, "read the policy JSON from FILE");
  text->excludes(file);
  AddCommon(*put, f->c);
  return {
      put, [f] {
        std::string body = f->text;
        if (!f->file.empty()) {
          std::ifstream in(f->file);
          if (!in) return ReportFailure("policy put", UsageError("cannot read " + f->file));
          std::stringstream ss;
          ss << in.rdbuf();
          body = ss.str();
        }
        if (body.empty()) {
          return ReportFailure("policy put", UsageError("give --json-policy JSON or --file FILE"));
        }
        const auto j = ParseBoundedJson(body);
        if (!j.ok()) {
          return ReportFailure("policy put",
                               InvalidArgument("the policy: " + j.status().message()));
        }
        auto parsed = PolicyFromJson(*j);
        if (!parsed.ok()) return ReportFailure("policy put", parsed.status());
        return RunOnOrg("policy put", f->c.db, f->c.org, [&](Engine& e, const std::string& org) {
          auto row = e.PutPolicy(org, f->node, *parsed, kActorCli);
          if (!row.ok()) return ReportFailure("policy put", row.status());
          const Json out = {{"node", row->node.id}, {"policy", PolicyToJson(*row->policy)}};
          Print(f->c.json, out, "policy of " + row->node.id + ": " + out["policy"].dump() + "\n");
          return kExitOk;
        });
      }};
}

Command PolicyGet(CLI::App& policy) {
  struct Flags {
    Common c;
    std::string node;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* get = policy.add_subcommand("get", "print the policy of a node");
  get->add_option("NODE", f->node, "the org's id (its root), a team or an agent")->required();
  AddCommon(*get, f->c);
  return {
      get, [f] {
        return RunOnOrg("policy get", f->c.db, f->c.org, [&](Engine& e, const std::string& org) {
          auto row = e.GetNode(org, f->node);
          if (!row.ok()) return ReportFailure("policy get", row.status());
          if (!*row) {
            return ReportFailure("policy get",
                                 NotFound("unknown node '" + f->node + "'", "not_found"));
          }
          const Json out = {{"node", (*row)->node.id}, {"policy", PolicyToJson(*(*row)->policy)}};
          Print(f->c.json, out, out["policy"].dump(2) + "\n");
          return kExitOk;
        });
      }};
}

Command Freeze(CLI::App& agent, bool frozen) {
  struct Flags {
    Common c;
    std::string id, reason;
  };
  auto f = std::make_shared<Flags>();
  const char* name = frozen ? "freeze" : "unfreeze";
  CLI::App* cmd = agent.add_subcommand(
      name, frozen ? "freeze an agent: its spends are denied agent_frozen"
                   : "unfreeze an agent (also after the velocity breaker froze it)");
  cmd->add_option("ID", f->id, "the agent")->required();
  cmd->add_option("--reason", f->reason, "why (recorded in the audit trail)");
  AddCommon(*cmd, f->c);
  const std::string command = std::string("agent ") + name;
  return {
      cmd, [f, frozen, command] {
        return RunOnOrg(command, f->c.db, f->c.org, [&](Engine& e, const std::string& org) {
          auto existing = e.GetNode(org, f->id);
          if (!existing.ok()) return ReportFailure(command, existing.status());
          if (!*existing || (*existing)->node.kind != NodeKind::kAgent) {
            return ReportFailure(command, NotFound("unknown agent '" + f->id + "'", "not_found"));
          }
          auto row = e.SetFrozen(org, f->id, frozen, f->reason, kActorCli);
          if (!row.ok()) return ReportFailure(command, row.status());
          const Json out = {{"id", row->node.id}, {"frozen", row->node.frozen}};
          Print(f->c.json, out,
                "agent " + row->node.id + (row->node.frozen ? " is frozen\n" : " is not frozen\n"));
          return kExitOk;
        });
      }};
}

Command KillSwitch(CLI::App& ks, bool engage) {
  struct Flags {
    Common c;
    std::string reason;
  };
  auto f = std::make_shared<Flags>();
  const char* name = engage ? "engage" : "release";
  CLI::App* cmd = ks.add_subcommand(
      name, engage ? "stop every spend of the org (linearizable: once this returns, no spend "
                     "commits until release)"
                   : "let the org spend again");
  cmd->add_option("--reason", f->reason, "why (recorded in the audit trail)");
  AddCommon(*cmd, f->c);
  const std::string command = std::string("kill-switch ") + name;
  return {cmd, [f, engage, command] {
            return RunOnOrg(command, f->c.db, f->c.org, [&](Engine& e, const std::string& org) {
              auto row = e.SetKillSwitch(org, engage, f->reason, kActorCli);
              if (!row.ok()) return ReportFailure(command, row.status());
              const Json out = {{"org", row->id}, {"engaged", row->kill_switch}};
              Print(f->c.json, out,
                    "kill-switch of " + row->id +
                        (row->kill_switch ? " is engaged\n" : " is released\n"));
              return kExitOk;
            });
          }};
}

Command MaxSpend(CLI::App& org_app) {
  struct Flags {
    Common c;
    std::string amount;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = org_app.add_subcommand(
      "max-spend", "set the most one spend, hold or approval of the org may ask for (default " +
                       FormatAmount(kDefaultMaxSpend) + ")");
  cmd->add_option("AMOUNT", f->amount,
                  "a positive amount, at most " + FormatAmount(kMaxSpendCeiling))
      ->required();
  AddCommon(*cmd, f->c);
  return {
      cmd, [f] {
        auto amount = ParsePositiveAmount(f->amount);
        if (!amount.ok()) {
          return ReportFailure("org max-spend", UsageError("AMOUNT: " + amount.status().message()));
        }
        return RunOnOrg("org max-spend", f->c.db, f->c.org, [&](Engine& e, const std::string& org) {
          auto row = e.SetMaxSpend(org, *amount, kActorCli);
          if (!row.ok()) return ReportFailure("org max-spend", row.status());
          const std::string max = FormatAmount(row->max_spend);
          Print(f->c.json, {{"org", row->id}, {"max_spend", max}},
                "max spend of " + row->id + " is " + max + "\n");
          return kExitOk;
        });
      }};
}

Command ApprovalsList(CLI::App& approvals) {
  struct Flags {
    Common c;
    std::string status;
  };
  auto f = std::make_shared<Flags>();
  CLI::App* cmd = approvals.add_subcommand("list", "list approvals, oldest first");
  cmd->add_option("--status", f->status, "pending, approved, denied or expired (default: all)")
      ->check(CLI::IsMember({"pending", "approved", "denied", "expired"}));
  AddCommon(*cmd, f->c);
  return {cmd, [f] {
            return RunOnOrg("approvals list", f->c.db, f->c.org,
                            [&](Engine& e, const std::string& org) {
                              std::optional<ApprovalStatus> status;
                              if (!f->status.empty()) status = ParseApprovalStatus(f->status);
                              auto rows = e.ListApprovals(org, status, 1000);
                              if (!rows.ok()) return ReportFailure("approvals list", rows.status());
                              Json items = Json::array();
                              std::string text;
                              for (const ApprovalRow& a : *rows) {
                                items.push_back(ApprovalToJson(a));
                                text += ApprovalLine(a);
                              }
                              if (rows->empty()) text = "no approvals\n";
                              Print(f->c.json, {{"items", items}}, text);
                              return kExitOk;
                            });
          }};
}

Command ApprovalsDecide(CLI::App& approvals, bool approve) {
  struct Flags {
    Common c;
    std::string id, reason;
  };
  auto f = std::make_shared<Flags>();
  const char* name = approve ? "approve" : "deny";
  CLI::App* cmd =
      approvals.add_subcommand(name, approve ? "approve: the held amount is captured as a spend"
                                             : "deny: the held amount is released");
  cmd->add_option("ID", f->id, "the approval's id (ap_…)")->required();
  cmd->add_option("--reason", f->reason, "a note recorded with the decision");
  AddCommon(*cmd, f->c);
  const std::string command = std::string("approvals ") + name;
  return {cmd, [f, approve, command] {
            return RunOnOrg(command, f->c.db, f->c.org, [&](Engine& e, const std::string& org) {
              auto d = e.DecideApproval(org, f->id, approve, f->reason, kActorCli);
              if (!d.ok()) return ReportFailure(command, d.status());
              Json out = ApprovalToJson(d->approval);
              std::string text = "approval " + d->approval.id + " " +
                                 std::string(ApprovalStatusName(d->approval.status));
              if (approve)
                text += ": spend " + d->spend.id + " of " + FormatAmount(d->spend.amount);
              Print(f->c.json, out, text + "\n");
              return kExitOk;
            });
          }};
}

}  // namespace

std::vector<Command> AddSafetyCommands(CLI::App& app) {
  std::vector<Command> out;
  CLI::App* policy = app.add_subcommand("policy", "spend policies of the org, teams and agents");
  policy->require_subcommand(1);
  out.push_back(PolicyPut(*policy));
  out.push_back(PolicyGet(*policy));
  CLI::App* agent = app.get_subcommand("agent");
  out.push_back(Freeze(*agent, true));
  out.push_back(Freeze(*agent, false));
  out.push_back(MaxSpend(*app.get_subcommand("org")));
  CLI::App* ks = app.add_subcommand("kill-switch", "the org's kill-switch");
  ks->require_subcommand(1);
  out.push_back(KillSwitch(*ks, true));
  out.push_back(KillSwitch(*ks, false));
  CLI::App* approvals = app.add_subcommand("approvals", "spends waiting for a person");
  approvals->require_subcommand(1);
  out.push_back(ApprovalsList(*approvals));
  out.push_back(ApprovalsDecide(*approvals, true));
  out.push_back(ApprovalsDecide(*approvals, false));
  return out;
}

}  // namespace stub
