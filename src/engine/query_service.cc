#include "engine/query_service.h"

#include <algorithm>
#include <limits>
#include <utility>

#include "engine/query_answer.h"

namespace stub {
namespace {

bool Contains(const std::vector<std::string>& v, const std::string& s) {
  return std::find(v.begin(), v.end(), s) != v.end();
}

}  // namespace

Status UnanswerableStatus(const Unanswerable& u) {
  return Status(StatusCode::kInvalidArgument, u.message, "unanswerable");
}

QueryService::QueryService(Store& store) : QueryService(store, Options{}) {}
QueryService::QueryService(Store& store, Options options)
    : store_(store), options_(std::move(options)) {}

Result<QueryCatalogue> QueryService::Catalogue(std::string_view org) {
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin({.read_only = true}));
  STUB_ASSIGN_OR_RETURN(std::optional<OrgRow> row, txn->GetOrg(org));
  if (!row) return NotFound("no org " + std::string(org), "not_found");
  QueryCatalogue cat;
  STUB_ASSIGN_OR_RETURN(std::vector<NodeRow> nodes, txn->ListNodes(org));
  for (NodeRow& n : nodes) cat.tree.push_back(std::move(n.node));
  // Distinct values of each column, from spends and from denials.
  const std::pair<PlanKey, std::vector<std::string>*> columns[] = {
      {PlanKey::kVendor, &cat.vendors},
      {PlanKey::kCategory, &cat.categories},
      {PlanKey::kUser, &cat.users},
      {PlanKey::kSession, &cat.sessions},
      {PlanKey::kIntent, &cat.intents}};
  for (const auto& [key, out] : columns) {
    for (QueryStatus status : {QueryStatus::kApproved, QueryStatus::kDenied}) {
      QueryPlan plan;
      plan.status = status;
      plan.key = key;
      plan.timeout_ms = options_.timeout_ms;
      auto r = txn->RunQuery(org, plan);
      if (!r.ok()) {
        // Sessions and intents of a large org may be too many: the parser
        // then takes sessions by their form and intents only when quoted.
        if (r.status().reason() == "too_many_groups" &&
            (key == PlanKey::kSession || key == PlanKey::kIntent)) {
          continue;
        }
        return r.status();
      }
      for (const PlanGroup& g : r->groups) {
        if (!g.key.empty() && !Contains(*out, g.key)) out->push_back(g.key);
      }
    }
    std::sort(out->begin(), out->end());
  }
  STUB_RETURN_IF_ERROR(txn->Commit());
  return cat;
}

std::optional<Unanswerable> QueryService::CheckNames(const QuerySpec& spec,
                                                     const QueryCatalogue& cat) {
  std::vector<std::string> unknown;
  auto kind_of = [&](const std::string& id) -> std::optional<NodeKind> {
    for (const Node& n : cat.tree) {
      if (n.id == id) return n.kind;
    }
    return std::nullopt;
  };
  for (const std::string& t : spec.teams) {
    auto k = kind_of(t);
    if (!k || *k == NodeKind::kAgent) unknown.push_back("team " + t);
  }
  for (const std::string& a : spec.agents) {
    if (kind_of(a) != NodeKind::kAgent) unknown.push_back("agent " + a);
  }
  for (const std::string& v : spec.vendors) {
    if (!Contains(cat.vendors, v)) unknown.push_back("vendor " + v);
  }
  for (const std::string& c : spec.categories) {
    if (!Contains(cat.categories, c)) unknown.push_back("category " + c);
  }
  for (const std::string& u : spec.users) {
    if (!Contains(cat.users, u)) unknown.push_back("user " + u);
  }
  if (unknown.empty()) return std::nullopt;
  Unanswerable u;
  u.message = "Not a name in this org: ";
  for (std::size_t i = 0; i < unknown.size(); ++i) u.message += (i ? ", " : "") + unknown[i];
  u.message += ".";
  for (const Node& n : cat.tree) {
    if (n.kind == NodeKind::kTeam && u.suggestions.size() < 5)
      u.suggestions.push_back("team " + n.id);
  }
  return u;
}

Result<QueryAnswer> QueryService::Run(std::string_view org, const QuerySpec& spec) {
  return RunWith(org, spec, nullptr, "spec");
}

Result<QueryAnswer> QueryService::RunWith(std::string_view org, const QuerySpec& spec,
                                          const QueryCatalogue* known, std::string interpreted_by) {
  STUB_RETURN_IF_ERROR(ValidateQuerySpec(spec));
  if (known != nullptr) {
    if (auto u = CheckNames(spec, *known)) return UnanswerableStatus(*u);
  }
  STUB_ASSIGN_OR_RETURN(auto txn, store_.Begin({.read_only = true}));
  STUB_ASSIGN_OR_RETURN(std::optional<OrgRow> row, txn->GetOrg(org));
  if (!row) return NotFound("no org " + std::string(org), "not_found");
  STUB_ASSIGN_OR_RETURN(std::vector<NodeRow> nodes, txn->ListNodes(org));
  QueryCatalogue tree_only;
  for (NodeRow& n : nodes) tree_only.tree.push_back(std::move(n.node));
  const std::vector<Node>& tree = tree_only.tree;
  if (known == nullptr) {
    // A given spec: its teams and agents must be the org's (PlanQuery checks
    // them); other names are matched as given.
    known = &tree_only;
  }
  auto plan = PlanQuery(spec, tree);
  if (!plan.ok()) {
    return UnanswerableStatus({plan.status().message() + " (not a name in this org)", {}});
  }
  plan->timeout_ms = options_.timeout_ms;
  auto raw = txn->RunQuery(org, *plan);
  if (!raw.ok()) {
    if (raw.status().reason() == "too_many_groups") {
      return UnanswerableStatus(
          {"The answer would have more than " + std::to_string(plan->max_groups) +
               " groups; narrow the question (a shorter time range, fewer names).",
           {}});
    }
    if (raw.status().reason() == "query_timeout") return Unavailable(raw.status().message());
    return raw.status();
  }
  STUB_RETURN_IF_ERROR(txn->Commit());
  STUB_ASSIGN_OR_RETURN(QueryResult result, FinishQuery(spec, *plan, std::move(*raw), tree));
  QueryAnswer answer;
  answer.currency = row->currency;
  answer.answer = AnswerSentence(result, *known, row->name, row->currency);
  answer.result = std::move(result);
  answer.interpreted_by = std::move(interpreted_by);
  return answer;
}

Result<QueryCatalogue> QueryService::CachedCatalogue(std::string_view org) {
  const auto now = std::chrono::steady_clock::now();
  if (options_.catalogue_ttl.count() > 0) {
    std::lock_guard lock(mu_);
    auto it = cache_.find(org);
    if (it != cache_.end() && now - it->second.first < options_.catalogue_ttl) {
      return it->second.second;
    }
  }
  STUB_ASSIGN_OR_RETURN(QueryCatalogue cat, Catalogue(org));
  if (options_.catalogue_ttl.count() > 0) {
    std::lock_guard lock(mu_);
    if (cache_.size() > 1000) cache_.clear();
    cache_[std::string(org)] = {now, cat};
  }
  return cat;
}

Result<QueryAnswer> QueryService::Ask(std::string_view org, std::string_view question,
                                      Timestamp now, std::vector<std::string>* suggestions) {
  STUB_ASSIGN_OR_RETURN(QueryCatalogue cat, CachedCatalogue(org));
  if (options_.translator) {
    std::optional<QuerySpec> spec = options_.translator(question, cat, now);
    if (spec && ValidateQuerySpec(*spec).ok() && !CheckNames(*spec, cat)) {
      return RunWith(org, *spec, &cat, "llm");
    }
  }
  ParsedQuestion parsed = ParseQuestion(question, cat, now);
  if (auto* u = std::get_if<Unanswerable>(&parsed)) {
    if (suggestions != nullptr) *suggestions = u->suggestions;
    return UnanswerableStatus(*u);
  }
  return RunWith(org, std::get<QuerySpec>(parsed), &cat, "parser");
}

}  // namespace stub
