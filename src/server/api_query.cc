// POST /v1/query: a question in English ({"question"}) or a QuerySpec
// ({"spec"}) → {"spec", "answer", "rows", "total"?, "count"?, …}. The
// question only ever fills a QuerySpec; no text of it reaches SQL.
#include <utility>

#include "core/money.h"
#include "server/api.h"
#include "server/api_error.h"
#include "server/json_views.h"

namespace stub {
namespace {

Json RowJson(const QueryRow& r, QueryGroup group) {
  Json j = {{"key", r.key},
            {"total", FormatAmount(r.total)},
            {"count", r.count},
            {"average", FormatAmount(r.average)},
            {"max", FormatAmount(r.max)}};
  if (group == QueryGroup::kTeam || group == QueryGroup::kAgent) j["name"] = r.label;
  return j;
}

Json ItemJson(const PlanItem& it, QueryStatus status) {
  Json j = {{"id", it.id},           {"status", std::string(QueryStatusName(status))},
            {"agent", it.agent},     {"amount", FormatAmount(it.amount)},
            {"vendor", it.vendor},   {"category", it.category},
            {"session", it.session}, {"user", it.user},
            {"intent", it.intent},   {"created_at", FormatRfc3339(it.at)}};
  if (status == QueryStatus::kDenied) j["reason"] = it.reason;
  return j;
}

}  // namespace

ApiResponse Api::Query(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireRole(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover});
      !s.ok()) {
    return ErrorResponse(s);
  }
  if (p.org.empty()) return ErrorResponse(Forbidden("this endpoint needs a key of an org"));
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  for (const auto& [key, value] : body->items()) {
    if (key != "question" && key != "spec") {
      return ErrorResponse(InvalidArgument("unknown field '" + key + "'", "invalid_request"));
    }
  }
  const bool has_question = body->contains("question");
  if (has_question == body->contains("spec")) {
    return ErrorResponse(
        InvalidArgument("give exactly one of 'question' and 'spec'", "invalid_request"));
  }
  Result<QueryAnswer> answer = Internal("unset");
  if (has_question) {
    auto question = RequiredString(*body, "question");
    if (!question.ok()) return ErrorResponse(question.status());
    if (question->empty() || question->size() > 1000) {
      return ErrorResponse(
          InvalidArgument("'question' must be 1 to 1,000 characters", "invalid_request"));
    }
    std::vector<std::string> suggestions;
    answer = queries_.Ask(p.org, *question, clock_.Now(), &suggestions);
    if (!answer.ok() && answer.status().reason() == "unanswerable") {
      // The one mapping gives the status and code; the suggestions join it.
      ApiResponse r = ErrorResponse(answer.status());
      Json j = Json::parse(r.body);
      j["error"]["suggestions"] = suggestions;
      r.body = DumpJson(j);
      return r;
    }
  } else {
    auto spec = QuerySpecFromJson((*body)["spec"]);
    if (!spec.ok()) return ErrorResponse(spec.status());
    answer = queries_.Run(p.org, *spec);
  }
  if (!answer.ok()) return ErrorResponse(answer.status());
  const QueryResult& r = answer->result;
  Json rows = Json::array();
  if (r.spec.measure == QueryMeasure::kList) {
    for (const PlanItem& it : r.items) rows.push_back(ItemJson(it, r.spec.status));
  } else {
    for (const QueryRow& row : r.rows) rows.push_back(RowJson(row, r.spec.group_by));
  }
  Json out = {{"spec", QuerySpecToJson(r.spec)},
              {"answer", answer->answer},
              {"rows", std::move(rows)},
              {"currency", answer->currency},
              {"interpreted_by", answer->interpreted_by}};
  if (r.spec.measure != QueryMeasure::kList) {
    out["total"] = FormatAmount(r.overall.total);
    out["count"] = r.overall.count;
    out["groups"] = r.groups;
    out["truncated"] = r.truncated;
  }
  return JsonResponse(200, out);
}

}  // namespace stub
