#include "cli/ask_command.h"

#include <iostream>
#include <memory>
#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/exit_codes.h"
#include "core/json_input.h"
#include "core/money.h"
#include "engine/clock.h"
#include "engine/query_answer.h"
#include "engine/query_service.h"
#include "server/llm_translator.h"

namespace stub {
namespace {

constexpr std::string_view kAskCommand = "ask";

struct AskFlags {
  std::string db;
  std::string org = "acme";
  std::string question;
  std::string spec;
  std::string now;
  bool json = false;
};

nlohmann::json AnswerJson(const QueryAnswer& a) {
  const QueryResult& r = a.result;
  nlohmann::json rows = nlohmann::json::array();
  if (r.spec.measure == QueryMeasure::kList) {
    for (const PlanItem& it : r.items) {
      nlohmann::json j = {
          {"id", it.id},           {"agent", it.agent},       {"amount", FormatAmount(it.amount)},
          {"vendor", it.vendor},   {"category", it.category}, {"user", it.user},
          {"session", it.session}, {"intent", it.intent},     {"created_at", FormatRfc3339(it.at)}};
      if (r.spec.status == QueryStatus::kDenied) j["reason"] = it.reason;
      rows.push_back(std::move(j));
    }
  } else {
    for (const QueryRow& row : r.rows) {
      rows.push_back({{"key", row.key},
                      {"name", row.label},
                      {"total", FormatAmount(row.total)},
                      {"count", row.count},
                      {"average", FormatAmount(row.average)},
                      {"max", FormatAmount(row.max)}});
    }
  }
  nlohmann::json out = {{"spec", QuerySpecToJson(r.spec)},
                        {"answer", a.answer},
                        {"rows", std::move(rows)},
                        {"interpreted_by", a.interpreted_by}};
  if (r.spec.measure != QueryMeasure::kList) {
    out["total"] = FormatAmount(r.overall.total);
    out["count"] = r.overall.count;
  }
  return out;
}

std::string AnswerText(const QueryAnswer& a) {
  const QueryResult& r = a.result;
  std::string text = a.answer + "\n";
  if (r.spec.measure == QueryMeasure::kList) {
    for (const PlanItem& it : r.items) {
      text += "  " + FormatRfc3339(it.at) + "  " + it.agent + "  " + it.vendor + "  " +
              FormatMoney(it.amount, a.currency);
      if (!it.reason.empty()) text += "  " + it.reason;
      if (!it.intent.empty()) text += "  \"" + it.intent + "\"";
      text += "\n";
    }
  } else if (r.spec.group_by != QueryGroup::kNone) {
    for (const QueryRow& row : r.rows) {
      const bool denied = r.spec.status == QueryStatus::kDenied;
      text += "  " + row.label + "  " + FormatMoney(row.total, a.currency) + "  " +
              std::to_string(row.count) +
              (denied ? (row.count == 1 ? " denial" : " denials")
                      : (row.count == 1 ? " spend" : " spends")) +
              "\n";
    }
    if (r.truncated) text += "  (" + std::to_string(r.groups - r.rows.size()) + " more)\n";
  }
  text += "interpreted as: " + QuerySpecToJson(r.spec).dump() + "\n";
  return text;
}

int RunAsk(const AskFlags& flags) {
  if (flags.question.empty() == flags.spec.empty()) {
    return ReportFailure(kAskCommand, UsageError("give a question or --spec, not both"));
  }
  Timestamp now = 0;
  if (!flags.now.empty()) {
    auto t = ParseRfc3339(flags.now);
    if (!t.ok()) {
      return ReportFailure(kAskCommand, UsageError("--now must be an RFC 3339 UTC time"));
    }
    now = *t;
  } else {
    static const SystemClock clock;
    now = clock.Now();
  }
  auto store = OpenCommandStore(flags.db);
  if (!store.ok()) return ReportFailure(kAskCommand, store.status());
  QueryService service(**store, QueryServiceOptionsFromEnv());
  Result<QueryAnswer> answer = Internal("unset");
  std::vector<std::string> suggestions;
  if (!flags.spec.empty()) {
    const auto j = ParseBoundedJson(flags.spec);
    if (!j.ok()) {
      return ReportFailure(kAskCommand,
                           InvalidArgument("--spec: " + j.status().message(), "invalid_request"));
    }
    auto spec = QuerySpecFromJson(*j);
    if (!spec.ok()) return ReportFailure(kAskCommand, spec.status());
    answer = service.Run(flags.org, *spec);
  } else {
    answer = service.Ask(flags.org, flags.question, now, &suggestions);
  }
  if (!answer.ok()) {
    if (answer.status().reason() == "unanswerable") {
      if (flags.json) {
        std::cout << nlohmann::json{{"error",
                                     {{"code", "unanswerable"},
                                      {"message", answer.status().message()},
                                      {"suggestions", suggestions}}}}
                         .dump()
                  << "\n";
      } else {
        std::cerr << "stub ask: " << answer.status().message() << "\n";
        for (const std::string& s : suggestions) std::cerr << "  try: " << s << "\n";
      }
      return ExitCodeFor(answer.status());
    }
    return ReportFailure(kAskCommand, answer.status());
  }
  if (flags.json) {
    std::cout << AnswerJson(*answer).dump() << "\n";
  } else {
    std::cout << AnswerText(*answer);
  }
  return kExitOk;
}

}  // namespace

Command AddAskCommand(CLI::App& app) {
  auto flags = std::make_shared<AskFlags>();
  CLI::App* ask = app.add_subcommand(
      "ask", "answer a plain-English question about spending (\"top 5 vendors this month\")");
  ask->add_option("question", flags->question, "the question, in quotes");
  ask->add_option("--org", flags->org, "the org (default acme)");
  ask->add_option("--spec", flags->spec, "a QuerySpec as JSON instead of a question");
  ask->add_option("--now", flags->now, "the time relative dates count from (RFC 3339)");
  AddDbOption(*ask, flags->db);
  ask->add_flag("--json", flags->json, "print one JSON object");
  return {ask, [flags] { return RunAsk(*flags); }};
}

}  // namespace stub
