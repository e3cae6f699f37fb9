#include "query/query_plan.h"

#include <algorithm>
#include <cstdio>
#include <map>
#include <set>
#include <string_view>
#include <tuple>
#include <unordered_map>
#include <utility>

#include "core/civil.h"
#include "core/decision.h"

namespace stub {
namespace {

std::vector<std::string> SortedUnique(std::vector<std::string> v) {
  std::sort(v.begin(), v.end());
  v.erase(std::unique(v.begin(), v.end()), v.end());
  return v;
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) {
    if (c >= 'A' && c <= 'Z') c = static_cast<char>(c - 'A' + 'a');
  }
  return out;
}

bool In(const std::vector<std::string>& sorted, const std::string& v) {
  return sorted.empty() || std::binary_search(sorted.begin(), sorted.end(), v);
}

// The agents under `node` (itself included when it is an agent).
void CollectAgents(const std::string& node,
                   const std::unordered_map<std::string, std::vector<const Node*>>& children,
                   const std::unordered_map<std::string, const Node*>& by_id,
                   std::vector<std::string>& out) {
  auto self = by_id.find(node);
  if (self != by_id.end() && self->second->kind == NodeKind::kAgent) out.push_back(node);
  auto it = children.find(node);
  if (it == children.end()) return;
  for (const Node* c : it->second) CollectAgents(c->id, children, by_id, out);
}

// Would a row with these fields pass the plan's filters?
bool Matches(const QueryPlan& plan, Timestamp at, const std::string& agent,
             const std::string& vendor, const std::string& category, const std::string& user,
             const std::string& session, const std::string& intent) {
  if (at < plan.from || at >= plan.to) return false;
  if (plan.restrict_agents && !std::binary_search(plan.agents.begin(), plan.agents.end(), agent)) {
    return false;
  }
  if (!In(plan.vendors, vendor) || !In(plan.categories, category) || !In(plan.users, user) ||
      !In(plan.sessions, session)) {
    return false;
  }
  if (!plan.intent_lower.empty() &&
      AsciiLower(intent).find(plan.intent_lower) == std::string::npos) {
    return false;
  }
  return true;
}

}  // namespace

Result<QueryPlan> PlanQuery(const QuerySpec& spec, const std::vector<Node>& tree) {
  std::unordered_map<std::string, const Node*> by_id;
  std::unordered_map<std::string, std::vector<const Node*>> children;
  for (const Node& n : tree) {
    by_id[n.id] = &n;
    if (!n.parent.empty()) children[n.parent].push_back(&n);
  }
  QueryPlan plan;
  plan.status = spec.status;
  if (!spec.teams.empty()) {
    std::vector<std::string> agents;
    for (const std::string& t : spec.teams) {
      auto it = by_id.find(t);
      if (it == by_id.end() || it->second->kind == NodeKind::kAgent) {
        return NotFound("query: no team " + t, "unknown_name");
      }
      CollectAgents(t, children, by_id, agents);
    }
    plan.restrict_agents = true;
    plan.agents = SortedUnique(std::move(agents));
  }
  if (!spec.agents.empty()) {
    for (const std::string& a : spec.agents) {
      auto it = by_id.find(a);
      if (it == by_id.end() || it->second->kind != NodeKind::kAgent) {
        return NotFound("query: no agent " + a, "unknown_name");
      }
    }
    std::vector<std::string> agents = SortedUnique(spec.agents);
    if (plan.restrict_agents) {
      std::vector<std::string> both;
      std::set_intersection(plan.agents.begin(), plan.agents.end(), agents.begin(), agents.end(),
                            std::back_inserter(both));
      agents = std::move(both);
    }
    plan.restrict_agents = true;
    plan.agents = std::move(agents);
  }
  plan.vendors = SortedUnique(spec.vendors);
  plan.categories = SortedUnique(spec.categories);
  plan.users = SortedUnique(spec.users);
  plan.sessions = SortedUnique(spec.sessions);
  plan.intent_lower = AsciiLower(spec.intent);
  if (spec.from) plan.from = *spec.from;
  if (spec.to) plan.to = *spec.to;
  switch (spec.group_by) {
    case QueryGroup::kNone:
      plan.key = PlanKey::kNone;
      break;
    case QueryGroup::kTeam:
    case QueryGroup::kAgent:
      plan.key = PlanKey::kAgent;
      break;
    case QueryGroup::kVendor:
      plan.key = PlanKey::kVendor;
      break;
    case QueryGroup::kCategory:
      plan.key = PlanKey::kCategory;
      break;
    case QueryGroup::kUser:
      plan.key = PlanKey::kUser;
      break;
    case QueryGroup::kDay:
    case QueryGroup::kWeek:
    case QueryGroup::kMonth:
      plan.key = PlanKey::kDay;
      break;
    case QueryGroup::kReason:
      plan.key = PlanKey::kReason;
      break;
  }
  if (spec.measure == QueryMeasure::kList) {
    plan.list = true;
    plan.list_by_amount = spec.order_by == QueryOrderBy::kValue;
    plan.ascending = spec.direction == QueryDirection::kAsc;
    plan.limit = spec.limit.value_or(kDefaultListLimit);
  }
  return plan;
}

Result<PlanResult> EvaluatePlan(const QueryPlan& plan, const std::vector<Entry>& entries,
                                const std::vector<DenialRecord>& denials) {
  PlanResult out;
  std::vector<PlanItem> items;
  const bool denied = plan.status == QueryStatus::kDenied;
  if (denied) {
    for (const DenialRecord& d : denials) {
      if (!Matches(plan, d.created_at, d.agent, d.vendor, d.category, d.user, d.session,
                   d.intent)) {
        continue;
      }
      items.push_back(PlanItem{.id = d.id,
                               .seq = 0,
                               .at = d.created_at,
                               .agent = d.agent,
                               .vendor = d.vendor,
                               .category = d.category,
                               .user = d.user,
                               .session = d.session,
                               .intent = d.intent,
                               .reason = std::string(DenyReasonName(d.denial.reason)),
                               .amount = d.amount});
    }
  } else {
    for (const Entry& e : entries) {
      if (e.kind != EntryKind::kSpend && e.kind != EntryKind::kCapture) continue;
      if (!Matches(plan, e.created_at, e.agent, e.vendor, e.category, e.user, e.session,
                   e.intent)) {
        continue;
      }
      items.push_back(PlanItem{.id = e.ref,
                               .seq = e.seq,
                               .at = e.created_at,
                               .agent = e.agent,
                               .vendor = e.vendor,
                               .category = e.category,
                               .user = e.user,
                               .session = e.session,
                               .intent = e.intent,
                               .reason = "",
                               .amount = e.amount});
    }
  }
  if (plan.list) {
    // Key: (primary, tie) in one direction. Entries tie on seq; denials on
    // (created_at, id).
    auto less = [&](const PlanItem& a, const PlanItem& b) {
      const Micros pa = plan.list_by_amount ? a.amount : a.at;
      const Micros pb = plan.list_by_amount ? b.amount : b.at;
      if (denied) return std::tie(pa, a.at, a.id) < std::tie(pb, b.at, b.id);
      return std::tie(pa, a.seq) < std::tie(pb, b.seq);
    };
    if (plan.ascending) {
      std::sort(items.begin(), items.end(), less);
    } else {
      std::sort(items.begin(), items.end(),
                [&](const PlanItem& a, const PlanItem& b) { return less(b, a); });
    }
    if (items.size() > plan.limit) items.resize(plan.limit);
    out.items = std::move(items);
    return out;
  }
  std::map<std::pair<std::string, std::int64_t>, PlanGroup> groups;
  for (const PlanItem& it : items) {
    std::pair<std::string, std::int64_t> k;
    switch (plan.key) {
      case PlanKey::kNone:
        break;
      case PlanKey::kAgent:
        k.first = it.agent;
        break;
      case PlanKey::kVendor:
        k.first = it.vendor;
        break;
      case PlanKey::kCategory:
        k.first = it.category;
        break;
      case PlanKey::kUser:
        k.first = it.user;
        break;
      case PlanKey::kDay:
        k.second = it.at / civil::kMicrosPerDay;
        break;
      case PlanKey::kReason:
        k.first = it.reason;
        break;
      case PlanKey::kSession:
        k.first = it.session;
        break;
      case PlanKey::kIntent:
        k.first = it.intent;
        break;
    }
    auto [g, fresh] = groups.try_emplace(k);
    if (fresh) {
      if (groups.size() > plan.max_groups) {
        return ResourceExhausted(
            "query: more than " + std::to_string(plan.max_groups) + " groups; narrow the question",
            "too_many_groups");
      }
      g->second.key = k.first;
      g->second.day = k.second;
    }
    g->second.total += it.amount;
    ++g->second.count;
    g->second.max = std::max(g->second.max, it.amount);
  }
  for (auto& [k, g] : groups) out.groups.push_back(std::move(g));
  return out;
}

std::string DayKey(std::int64_t day) {
  const civil::Date d = civil::CivilFromDays(day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u-%02u", static_cast<long long>(d.year), d.month,
                d.day);
  return buf;
}

std::string IsoWeekKey(std::int64_t day) {
  const std::int64_t thursday = day - civil::IsoWeekdayIndex(day) + 3;
  const civil::Date t = civil::CivilFromDays(thursday);
  const std::int64_t week = (thursday - civil::DaysFromCivil(t.year, 1, 1)) / 7 + 1;
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-W%02lld", static_cast<long long>(t.year),
                static_cast<long long>(week));
  return buf;
}

std::string MonthKey(std::int64_t day) {
  const civil::Date d = civil::CivilFromDays(day);
  char buf[64];
  std::snprintf(buf, sizeof buf, "%04lld-%02u", static_cast<long long>(d.year), d.month);
  return buf;
}

Result<QueryResult> FinishQuery(const QuerySpec& spec, const QueryPlan& plan, PlanResult raw,
                                const std::vector<Node>& tree) {
  QueryResult result;
  result.spec = spec;
  if (plan.list) {
    result.items = std::move(raw.items);
    return result;
  }
  std::unordered_map<std::string, const Node*> by_id;
  for (const Node& n : tree) by_id[n.id] = &n;
  auto label_of = [&](const std::string& id) {
    auto it = by_id.find(id);
    return it != by_id.end() && !it->second->name.empty() ? it->second->name : id;
  };
  // Fold into the spec's keys.
  std::map<std::string, QueryRow> rows;
  std::map<std::string, WideMicros> totals;  // each row's, folded without overflow
  for (const PlanGroup& g : raw.groups) {
    std::string key;
    switch (spec.group_by) {
      case QueryGroup::kNone:
        break;
      case QueryGroup::kTeam: {
        auto it = by_id.find(g.key);
        key = it != by_id.end() ? it->second->parent : "";
        break;
      }
      case QueryGroup::kDay:
        key = DayKey(g.day);
        break;
      case QueryGroup::kWeek:
        key = IsoWeekKey(g.day);
        break;
      case QueryGroup::kMonth:
        key = MonthKey(g.day);
        break;
      default:
        key = g.key;
        break;
    }
    auto [r, fresh] = rows.try_emplace(key);
    if (fresh) {
      r->second.key = key;
      const bool named = spec.group_by == QueryGroup::kTeam || spec.group_by == QueryGroup::kAgent;
      r->second.label = named ? (key.empty() ? std::string("(no team)") : label_of(key)) : key;
    }
    totals[key] += g.total;
    r->second.count += g.count;
    r->second.max = std::max(r->second.max, g.max);
  }
  QueryRow overall;
  WideMicros overall_total = 0;
  for (auto& [k, r] : rows) {
    overall_total += totals[k];
    STUB_ASSIGN_OR_RETURN(r.total, NarrowMicros(totals[k]));
    r.average = r.count > 0 ? r.total / r.count : 0;
    overall.count += r.count;
    overall.max = std::max(overall.max, r.max);
    result.rows.push_back(std::move(r));
  }
  STUB_ASSIGN_OR_RETURN(overall.total, NarrowMicros(overall_total));
  overall.average = overall.count > 0 ? overall.total / overall.count : 0;
  result.overall = overall;
  if (spec.group_by == QueryGroup::kNone) {
    overall.key = "";
    overall.label = "all";
    result.rows = {overall};
    result.groups = 1;
    return result;
  }
  auto value = [&](const QueryRow& r) -> std::int64_t {
    switch (spec.measure) {
      case QueryMeasure::kCount:
        return r.count;
      case QueryMeasure::kAverage:
        return r.average;
      case QueryMeasure::kMax:
        return r.max;
      default:
        return r.total;
    }
  };
  const bool asc = spec.direction == QueryDirection::kAsc;
  std::sort(result.rows.begin(), result.rows.end(), [&](const QueryRow& a, const QueryRow& b) {
    if (spec.order_by == QueryOrderBy::kValue) {
      const std::int64_t va = value(a);
      const std::int64_t vb = value(b);
      if (va != vb) return asc ? va < vb : va > vb;
      return a.key < b.key;
    }
    return asc ? a.key < b.key : a.key > b.key;
  });
  result.groups = result.rows.size();
  const std::size_t limit = std::min(spec.limit.value_or(kMaxRows), kMaxRows);
  if (result.rows.size() > limit) {
    result.rows.resize(limit);
    result.truncated = true;
  }
  return result;
}

}  // namespace stub
