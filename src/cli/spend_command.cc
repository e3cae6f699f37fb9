#include "cli/spend_command.h"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>

#include "cli/exit_codes.h"
#include "core/canonical_json.h"
#include "core/money.h"
#include "core/period.h"
#include "engine/ids.h"

namespace stub {
namespace {

constexpr std::string_view kSpendCommand = "spend";

struct SpendFlags {
  std::string db;
  std::string org;
  std::string agent;
  std::string amount;
  std::string vendor;
  std::string category;
  std::string session;
  std::string user;
  std::string intent;
  std::string idempotency_key;
  std::string receipt;
  bool json = false;
};

nlohmann::json OutcomeJson(const SpendResult& result, const std::string& key) {
  const Outcome& o = result.outcome;
  nlohmann::json j = {{"id", o.id},
                      {"status", OutcomeStatusName(o.status)},
                      {"amount", FormatAmount(o.amount)},
                      {"idempotency_key", key},
                      {"replayed", result.replayed}};
  if (o.denial) {
    j["reason"] = DenyReasonName(o.denial->reason);
    if (!o.denial->node.empty()) j["node"] = o.denial->node;
    if (o.denial->period) j["period"] = PeriodName(*o.denial->period);
    j["message"] = o.denial->message;
    return j;
  }
  if (o.status == OutcomeStatus::kPendingApproval) {
    j["approval_id"] = o.id;
    j["expires_at"] = FormatRfc3339(o.expires_at);
  }
  j["entry"] = {{"seq", o.entry_seq}, {"hash", o.entry_hash}};
  j["effective_remaining"] = o.effective_remaining
                                 ? nlohmann::json(FormatAmount(*o.effective_remaining))
                                 : nlohmann::json(nullptr);
  if (o.binding) {
    j["binding"] = {{"node", o.binding->node}, {"period", PeriodName(o.binding->period)}};
  }
  return j;
}

std::string OutcomeText(const SpendResult& result, const SpendRequest& request,
                        const std::string& currency) {
  const Outcome& o = result.outcome;
  std::string text = std::string(OutcomeStatusName(o.status)) + ": " + o.id + " " +
                     FormatAmount(o.amount) + " " + currency + " to " + request.vendor;
  if (result.replayed) text += " (replayed: this key was used before)";
  text += "\n";
  if (o.denial) {
    text += "reason: " + std::string(DenyReasonName(o.denial->reason));
    if (!o.denial->node.empty()) text += " at " + o.denial->node;
    if (o.denial->period) text += " (" + std::string(PeriodName(*o.denial->period)) + ")";
    text += "\n" + o.denial->message + "\n";
  } else {
    if (o.status == OutcomeStatus::kPendingApproval) {
      text += "held until a person decides (stub approvals approve|deny " + o.id +
              "), at the latest " + FormatRfc3339(o.expires_at) + "\n";
    }
    text += "entry: " + std::to_string(o.entry_seq) + " " + o.entry_hash + "\n";
    text += "effective remaining: ";
    if (o.effective_remaining) {
      text += FormatAmount(*o.effective_remaining) + " " + currency;
      if (o.binding) {
        text += " (" + o.binding->node + ", " + std::string(PeriodName(o.binding->period)) + ")";
      }
    } else {
      text += "unlimited";
    }
    text += "\n";
  }
  return text + "idempotency key: " + request.idempotency_key + "\n";
}

int RunSpend(const SpendFlags& flags) {
  SpendRequest request;
  request.agent = flags.agent;
  request.amount = *ParsePositiveAmount(flags.amount);  // validated while parsing
  request.vendor = flags.vendor;
  request.category = flags.category;
  request.session = flags.session;
  request.user = flags.user;
  request.intent = flags.intent;
  request.idempotency_key = flags.idempotency_key.empty() ? NewId("cli") : flags.idempotency_key;
  if (!flags.receipt.empty()) {
    auto receipt = CanonicalizeReceipt(flags.receipt);
    if (!receipt.ok()) {
      return ReportFailure(kSpendCommand, UsageError("--receipt: " + receipt.status().message()));
    }
    request.receipt = std::move(*receipt);
  }
  return RunOnOrg(kSpendCommand, flags.db, flags.org, [&](Engine& engine, const std::string& org) {
    request.org = org;
    auto org_row = engine.GetOrg(org);
    if (!org_row.ok()) return ReportFailure(kSpendCommand, org_row.status());
    const std::string currency = *org_row ? (*org_row)->currency : "";
    auto result = engine.Spend(request);
    if (!result.ok()) return ReportFailure(kSpendCommand, result.status());
    if (flags.json) {
      std::cout << OutcomeJson(*result, request.idempotency_key).dump() << "\n";
    } else {
      std::cout << OutcomeText(*result, request, currency);
    }
    return result->outcome.status == OutcomeStatus::kDenied ? kExitProblem : kExitOk;
  });
}

CLI::Validator PositiveAmount() {
  return CLI::Validator(
      [](std::string& value) -> std::string {
        return ParsePositiveAmount(value).ok()
                   ? std::string()
                   : "'" + value + "' is not a positive amount with at most 6 decimals (e.g. 0.25)";
      },
      "AMOUNT", "amount");
}

}  // namespace

Command AddSpendCommand(CLI::App& app) {
  auto flags = std::make_shared<SpendFlags>();
  CLI::App* spend = app.add_subcommand(
      "spend", "ask for one spend and print the decision (exit 0 approved, 1 denied)");
  spend->add_option("--agent", flags->agent, "the spending agent")->required();
  spend->add_option("--amount", flags->amount, "decimal amount in the org's currency, e.g. 0.25")
      ->required()
      ->check(PositiveAmount());
  spend->add_option("--vendor", flags->vendor, "vendor host or payee id, e.g. api.dataco.com")
      ->required();
  spend->add_option("--category", flags->category,
                    "llm, data, compute, saas, … (default: uncategorized)");
  spend->add_option("--session", flags->session, "the agent's session");
  spend->add_option("--user", flags->user, "the user the agent acts for");
  spend->add_option("--intent", flags->intent, "what the money is for");
  spend->add_option("--idempotency-key", flags->idempotency_key,
                    "1–255 printable ASCII bytes; retrying with it replays the decision "
                    "(default: a fresh key, printed)");
  spend->add_option("--receipt", flags->receipt, "the payment receipt, a JSON object (≤ 64 KiB)");
  AddOrgOption(*spend, flags->org);
  AddDbOption(*spend, flags->db);
  spend->add_flag("--json", flags->json, "print one JSON object");
  return {spend, [flags] { return RunSpend(*flags); }};
}

}  // namespace stub
