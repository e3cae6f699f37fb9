#include "engine/query_answer.h"

#include <algorithm>
#include <array>
#include <cstdint>
#include <string>
#include <vector>

#include "core/civil.h"
#include "core/decision.h"

namespace stub {
namespace {

constexpr std::int64_t kDay = civil::kMicrosPerDay;

std::string Thousands(std::uint64_t v) {
  std::string digits = std::to_string(v);
  std::string out;
  const std::size_t n = digits.size();
  for (std::size_t i = 0; i < n; ++i) {
    out += digits[i];
    if ((n - i - 1) % 3 == 0 && i + 1 < n) out += ',';
  }
  return out;
}

std::string Plural(std::int64_t n, std::string_view one, std::string_view many) {
  return Thousands(static_cast<std::uint64_t>(n)) + " " + std::string(n == 1 ? one : many);
}

constexpr std::array<std::string_view, 12> kMonths = {
    "January", "February", "March",     "April",   "May",      "June",
    "July",    "August",   "September", "October", "November", "December"};

std::string DayText(std::int64_t day) {
  const civil::Date d = civil::CivilFromDays(day);
  return std::to_string(d.day) + " " + std::string(kMonths[d.month - 1]) + " " +
         std::to_string(d.year);
}

// "in October 2026", "on 3 November 2026", "since 23 November 2026", …
std::string TimeText(const QuerySpec& spec) {
  if (!spec.from && !spec.to) return "";
  const bool from_midnight = spec.from && *spec.from % kDay == 0;
  const bool to_midnight = spec.to && *spec.to % kDay == 0;
  if (spec.from && spec.to && from_midnight && to_midnight) {
    const std::int64_t first = *spec.from / kDay;
    const std::int64_t last = *spec.to / kDay - 1;
    const civil::Date a = civil::CivilFromDays(first);
    const civil::Date b = civil::CivilFromDays(last);
    if (first == last) return "on " + DayText(first);
    if (a.day == 1 && a.month == 1 && b.month == 12 && b.day == 31 && a.year == b.year) {
      return "in " + std::to_string(a.year);
    }
    if (a.day == 1 && b.day == civil::DaysInMonth(b.year, b.month)) {
      if (a.year == b.year && a.month == b.month) {
        return "in " + std::string(kMonths[a.month - 1]) + " " + std::to_string(a.year);
      }
      if (a.year == b.year && (a.month - 1) % 3 == 0 && b.month == a.month + 2) {
        return "in Q" + std::to_string((a.month - 1) / 3 + 1) + " " + std::to_string(a.year);
      }
    }
    if (last - first == 6 && civil::IsoWeekdayIndex(first) == 0) {
      return "in the week of " + DayText(first);
    }
    return "from " + DayText(first) + " to " + DayText(last);
  }
  if (spec.from && !spec.to) {
    return "since " + (from_midnight ? DayText(*spec.from / kDay) : FormatRfc3339(*spec.from));
  }
  if (!spec.from && spec.to) {
    return "before " + (to_midnight ? DayText(*spec.to / kDay) : FormatRfc3339(*spec.to));
  }
  return "from " + FormatRfc3339(*spec.from) + " to " + FormatRfc3339(*spec.to);
}

std::string NameOf(const QueryCatalogue& cat, const std::string& id) {
  for (const Node& n : cat.tree) {
    if (n.id == id) return n.name.empty() ? id : n.name;
  }
  return id;
}

std::string JoinAnd(const std::vector<std::string>& parts, std::string_view joiner = "and") {
  std::string out;
  for (std::size_t i = 0; i < parts.size(); ++i) {
    if (i > 0) out += i + 1 == parts.size() ? " " + std::string(joiner) + " " : ", ";
    out += parts[i];
  }
  return out;
}

std::string CategoryText(const std::string& c) {
  if (c == "llm") return "LLMs";
  if (c == "data") return "data APIs";
  if (c == "saas") return "SaaS";
  return c;
}

// Who: "Marketing's agents", "Content writer", "alice@acme.com's requests".
std::string Subject(const QuerySpec& spec, const QueryCatalogue& cat, std::string_view org_name) {
  std::vector<std::string> who;
  if (!spec.agents.empty()) {
    for (const std::string& a : spec.agents) who.push_back(NameOf(cat, a) + " (" + a + ")");
    std::string s = JoinAnd(who);
    if (!spec.teams.empty()) {
      std::vector<std::string> teams;
      for (const std::string& t : spec.teams) teams.push_back(NameOf(cat, t));
      s += " in " + JoinAnd(teams, "or");
    }
    return s;
  }
  if (!spec.teams.empty()) {
    for (const std::string& t : spec.teams) who.push_back(NameOf(cat, t));
    return JoinAnd(who) + "'s agents";
  }
  return std::string(org_name) + "'s agents";
}

// " on data APIs at api.openai.com for alice@acme.com …"
std::string Filters(const QuerySpec& spec) {
  std::string out;
  if (!spec.categories.empty()) {
    std::vector<std::string> c;
    for (const std::string& x : spec.categories) c.push_back(CategoryText(x));
    out += " on " + JoinAnd(c, "or");
  }
  if (!spec.vendors.empty()) out += " at " + JoinAnd(spec.vendors, "or");
  if (!spec.users.empty()) out += " for " + JoinAnd(spec.users, "or");
  if (!spec.sessions.empty()) {
    out += std::string(spec.sessions.size() == 1 ? " in session " : " in sessions ") +
           JoinAnd(spec.sessions, "or");
  }
  if (!spec.intent.empty()) out += " with intents mentioning \"" + spec.intent + "\"";
  const std::string t = TimeText(spec);
  if (!t.empty()) out += " " + t;
  return out;
}

std::string Value(const QueryRow& r, QueryMeasure m, std::string_view currency, bool denied) {
  switch (m) {
    case QueryMeasure::kCount:
      return Plural(r.count, denied ? "denial" : "spend", denied ? "denials" : "spends");
    case QueryMeasure::kAverage:
      return FormatMoney(r.average, currency) + " on average";
    case QueryMeasure::kMax:
      return FormatMoney(r.max, currency) + " at most";
    default:
      return FormatMoney(r.total, currency);
  }
}

}  // namespace

std::string FormatMoney(Micros amount, std::string_view currency) {
  const bool negative = amount < 0;
  const std::uint64_t abs =
      negative ? static_cast<std::uint64_t>(-(amount + 1)) + 1 : static_cast<std::uint64_t>(amount);
  const std::uint64_t units = abs / 1'000'000;
  std::string frac = std::to_string(abs % 1'000'000);
  frac = std::string(6 - frac.size(), '0') + frac;
  while (frac.size() > 2 && frac.back() == '0') frac.pop_back();
  const std::string number = Thousands(units) + "." + frac;
  const std::string sign = negative ? "-" : "";
  if (currency == "USD") return sign + "$" + number;
  return sign + number + " " + std::string(currency);
}

std::string AnswerSentence(const QueryResult& result, const QueryCatalogue& cat,
                           std::string_view org_name, std::string_view currency) {
  const QuerySpec& spec = result.spec;
  const bool denied = spec.status == QueryStatus::kDenied;
  const std::string who = Subject(spec, cat, org_name);
  const std::string filters = Filters(spec);
  if (spec.measure == QueryMeasure::kList) {
    if (result.items.empty()) {
      return std::string(denied ? "No requests by " : "No spends by ") + who + filters +
             " matched.";
    }
    const bool by_amount = spec.order_by == QueryOrderBy::kValue;
    const bool asc = spec.direction == QueryDirection::kAsc;
    const PlanItem& first = result.items.front();
    std::string what = denied ? "denied request" : "spend";
    std::string head;
    if (result.items.size() == 1) {
      head = "The " +
             std::string(by_amount ? (asc ? "smallest " : "biggest ")
                                   : (asc ? "earliest " : "latest ")) +
             what + " by " + who + filters + " was ";
    } else {
      head = "The " + std::to_string(result.items.size()) + " " +
             std::string(by_amount ? (asc ? "smallest " : "biggest ")
                                   : (asc ? "earliest " : "latest ")) +
             what + "s by " + who + filters + " are listed; the first was ";
    }
    std::string s = head + FormatMoney(first.amount, currency) + " by " + NameOf(cat, first.agent) +
                    " at " + first.vendor + " on " + DayText(first.at / kDay);
    if (!first.intent.empty()) s += " (\"" + first.intent + "\")";
    if (denied && !first.reason.empty()) s += ", denied: " + first.reason;
    return s + ".";
  }
  const QueryRow& all = result.overall;
  std::string s;
  if (denied) {
    s = who + " had " + Plural(all.count, "request", "requests") + " denied" + filters +
        ", asking " + FormatMoney(all.total, currency) + " in all";
  } else {
    switch (spec.measure) {
      case QueryMeasure::kCount:
        s = who + " made " + Plural(all.count, "spend", "spends") + filters + ", totalling " +
            FormatMoney(all.total, currency);
        break;
      case QueryMeasure::kAverage:
        s = who + " spent " + FormatMoney(all.average, currency) + " per spend on average" +
            filters + " (" + Plural(all.count, "spend", "spends") + ", " +
            FormatMoney(all.total, currency) + " in all)";
        break;
      case QueryMeasure::kMax:
        s = "The biggest single spend by " + who + filters + " was " +
            FormatMoney(all.max, currency) + " (of " + Plural(all.count, "spend", "spends") + ")";
        break;
      default:
        s = who + " spent " + FormatMoney(all.total, currency) + filters + " across " +
            Plural(all.count, "spend", "spends");
        break;
    }
  }
  s += ".";
  if (spec.group_by == QueryGroup::kNone || result.rows.empty()) return s;
  std::string group(QueryGroupName(spec.group_by));
  std::vector<std::string> parts;
  const std::size_t shown = std::min<std::size_t>(result.rows.size(), 5);
  for (std::size_t i = 0; i < shown; ++i) {
    const QueryRow& r = result.rows[i];
    parts.push_back(r.label + " " + Value(r, spec.measure, currency, denied));
  }
  if (result.rows.size() == 1 && result.groups > 1) {
    return s + " Top " + group + ": " + parts[0] + ".";
  }
  std::string tail = " By " + group + ": " + JoinAnd(parts);
  if (result.rows.size() > shown) {
    tail += " and " + std::to_string(result.rows.size() - shown) + " more";
  }
  return s + tail + ".";
}

}  // namespace stub
