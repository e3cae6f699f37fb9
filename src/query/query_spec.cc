#include "query/query_spec.h"

#include <array>
#include <utility>

namespace stub {
namespace {

using Json = nlohmann::json;

template <typename E, std::size_t N>
std::string_view NameOf(const std::array<std::string_view, N>& names, E v) {
  const auto i = static_cast<std::size_t>(v);
  return i < N ? names[i] : std::string_view("?");
}

template <typename E, std::size_t N>
std::optional<E> ParseOf(const std::array<std::string_view, N>& names, std::string_view s) {
  for (std::size_t i = 0; i < N; ++i) {
    if (names[i] == s) return static_cast<E>(i);
  }
  return std::nullopt;
}

constexpr std::array<std::string_view, 5> kMeasures = {"total", "count", "average", "max", "list"};
constexpr std::array<std::string_view, 2> kStatuses = {"approved", "denied"};
constexpr std::array<std::string_view, 10> kGroups = {"none", "team", "agent", "vendor", "category",
                                                      "user", "day",  "week",  "month",  "reason"};
constexpr std::array<std::string_view, 2> kOrderBys = {"value", "key"};
constexpr std::array<std::string_view, 2> kDirections = {"desc", "asc"};

Status Invalid(std::string message) {
  return InvalidArgument("query: " + std::move(message), "invalid_request");
}

// Well-formed UTF-8 without control characters.
bool CleanText(std::string_view s) {
  std::size_t i = 0;
  while (i < s.size()) {
    const auto c = static_cast<unsigned char>(s[i]);
    if (c < 0x80) {
      if (c < 0x20 || c == 0x7f) return false;
      ++i;
      continue;
    }
    std::size_t n = 0;
    std::uint32_t cp = 0;
    if ((c & 0xe0) == 0xc0) {
      n = 1;
      cp = c & 0x1f;
    } else if ((c & 0xf0) == 0xe0) {
      n = 2;
      cp = c & 0x0f;
    } else if ((c & 0xf8) == 0xf0) {
      n = 3;
      cp = c & 0x07;
    } else {
      return false;
    }
    for (std::size_t k = 1; k <= n; ++k) {
      if (i + k >= s.size()) return false;
      const auto cc = static_cast<unsigned char>(s[i + k]);
      if ((cc & 0xc0) != 0x80) return false;
      cp = (cp << 6) | (cc & 0x3f);
    }
    if ((n == 1 && cp < 0x80) || (n == 2 && cp < 0x800) || (n == 3 && cp < 0x10000) ||
        cp > 0x10ffff || (cp >= 0xd800 && cp <= 0xdfff)) {
      return false;
    }
    i += n + 1;
  }
  return true;
}

Status CheckList(std::string_view field, const std::vector<std::string>& values) {
  if (values.size() > kMaxFilterValues) {
    return Invalid(std::string(field) + " has more than " + std::to_string(kMaxFilterValues) +
                   " values");
  }
  for (const std::string& v : values) {
    if (v.empty() || v.size() > kMaxFilterValueBytes || !CleanText(v)) {
      return Invalid(std::string(field) + " values must be 1–" +
                     std::to_string(kMaxFilterValueBytes) +
                     " bytes of UTF-8 text without control characters");
    }
  }
  return Status::Ok();
}

Result<std::string> GetString(const Json& v, std::string_view key) {
  if (!v.is_string()) return Invalid(std::string(key) + " must be a string");
  return v.get<std::string>();
}

template <typename E, std::size_t N>
Result<E> GetEnum(const Json& v, std::string_view key,
                  const std::array<std::string_view, N>& names) {
  STUB_ASSIGN_OR_RETURN(std::string s, GetString(v, key));
  auto e = ParseOf<E>(names, s);
  if (!e) {
    std::string allowed;
    for (std::string_view n : names) {
      if (!allowed.empty()) allowed += ", ";
      allowed += n;
    }
    return Invalid(std::string(key) + " must be one of " + allowed);
  }
  return *e;
}

Result<std::vector<std::string>> GetList(const Json& v, std::string_view key) {
  if (!v.is_array()) return Invalid(std::string(key) + " must be an array of strings");
  if (v.size() > kMaxFilterValues) {
    return Invalid(std::string(key) + " has more than " + std::to_string(kMaxFilterValues) +
                   " values");
  }
  std::vector<std::string> out;
  for (const Json& e : v) {
    if (!e.is_string()) return Invalid(std::string(key) + " must be an array of strings");
    out.push_back(e.get<std::string>());
  }
  return out;
}

Json EnumSchema(const auto& names) {
  Json e = Json::array();
  for (std::string_view n : names) e.push_back(std::string(n));
  return Json{{"type", "string"}, {"enum", e}};
}

Json ListSchema(std::string description) {
  return Json{
      {"type", "array"},
      {"items", {{"type", "string"}, {"minLength", 1}, {"maxLength", kMaxFilterValueBytes}}},
      {"maxItems", kMaxFilterValues},
      {"description", std::move(description)}};
}

}  // namespace

std::string_view QueryMeasureName(QueryMeasure m) { return NameOf(kMeasures, m); }
std::optional<QueryMeasure> ParseQueryMeasure(std::string_view s) {
  return ParseOf<QueryMeasure>(kMeasures, s);
}
std::string_view QueryStatusName(QueryStatus s) { return NameOf(kStatuses, s); }
std::optional<QueryStatus> ParseQueryStatus(std::string_view s) {
  return ParseOf<QueryStatus>(kStatuses, s);
}
std::string_view QueryGroupName(QueryGroup g) { return NameOf(kGroups, g); }
std::optional<QueryGroup> ParseQueryGroup(std::string_view s) {
  return ParseOf<QueryGroup>(kGroups, s);
}
std::string_view QueryOrderByName(QueryOrderBy o) { return NameOf(kOrderBys, o); }
std::optional<QueryOrderBy> ParseQueryOrderBy(std::string_view s) {
  return ParseOf<QueryOrderBy>(kOrderBys, s);
}
std::string_view QueryDirectionName(QueryDirection d) { return NameOf(kDirections, d); }
std::optional<QueryDirection> ParseQueryDirection(std::string_view s) {
  return ParseOf<QueryDirection>(kDirections, s);
}

Status ValidateQuerySpec(const QuerySpec& spec) {
  if (static_cast<std::size_t>(spec.measure) >= kMeasures.size() ||
      static_cast<std::size_t>(spec.status) >= kStatuses.size() ||
      static_cast<std::size_t>(spec.group_by) >= kGroups.size() ||
      static_cast<std::size_t>(spec.order_by) >= kOrderBys.size() ||
      static_cast<std::size_t>(spec.direction) >= kDirections.size()) {
    return Invalid("an enum field is out of range");
  }
  STUB_RETURN_IF_ERROR(CheckList("teams", spec.teams));
  STUB_RETURN_IF_ERROR(CheckList("agents", spec.agents));
  STUB_RETURN_IF_ERROR(CheckList("vendors", spec.vendors));
  STUB_RETURN_IF_ERROR(CheckList("categories", spec.categories));
  STUB_RETURN_IF_ERROR(CheckList("users", spec.users));
  STUB_RETURN_IF_ERROR(CheckList("sessions", spec.sessions));
  if (spec.intent.size() > kMaxFilterValueBytes || !CleanText(spec.intent)) {
    return Invalid("intent must be at most " + std::to_string(kMaxFilterValueBytes) +
                   " bytes of UTF-8 text without control characters");
  }
  if (spec.from && spec.to && *spec.from >= *spec.to) {
    return Invalid("from must be before to");
  }
  if (spec.group_by == QueryGroup::kReason && spec.status != QueryStatus::kDenied) {
    return Invalid("group_by reason needs status denied");
  }
  if (spec.measure == QueryMeasure::kList && spec.group_by != QueryGroup::kNone) {
    return Invalid("measure list cannot be grouped");
  }
  if (spec.limit && (*spec.limit < 1 || *spec.limit > kMaxRows)) {
    return Invalid("limit must be between 1 and " + std::to_string(kMaxRows));
  }
  return Status::Ok();
}

nlohmann::json QuerySpecToJson(const QuerySpec& spec) {
  Json j = Json::object();
  j["measure"] = std::string(QueryMeasureName(spec.measure));
  j["status"] = std::string(QueryStatusName(spec.status));
  j["teams"] = spec.teams;
  j["agents"] = spec.agents;
  j["vendors"] = spec.vendors;
  j["categories"] = spec.categories;
  j["users"] = spec.users;
  j["sessions"] = spec.sessions;
  j["intent"] = spec.intent;
  if (spec.from) j["from"] = FormatRfc3339(*spec.from);
  if (spec.to) j["to"] = FormatRfc3339(*spec.to);
  j["group_by"] = std::string(QueryGroupName(spec.group_by));
  j["order_by"] = std::string(QueryOrderByName(spec.order_by));
  j["direction"] = std::string(QueryDirectionName(spec.direction));
  if (spec.limit) j["limit"] = *spec.limit;
  return j;
}

Result<QuerySpec> QuerySpecFromJson(const nlohmann::json& j) {
  if (!j.is_object()) return Invalid("the spec must be a JSON object");
  QuerySpec spec;
  for (const auto& [key, v] : j.items()) {
    if (key == "measure") {
      STUB_ASSIGN_OR_RETURN(spec.measure, GetEnum<QueryMeasure>(v, key, kMeasures));
    } else if (key == "status") {
      STUB_ASSIGN_OR_RETURN(spec.status, GetEnum<QueryStatus>(v, key, kStatuses));
    } else if (key == "teams") {
      STUB_ASSIGN_OR_RETURN(spec.teams, GetList(v, key));
    } else if (key == "agents") {
      STUB_ASSIGN_OR_RETURN(spec.agents, GetList(v, key));
    } else if (key == "vendors") {
      STUB_ASSIGN_OR_RETURN(spec.vendors, GetList(v, key));
    } else if (key == "categories") {
      STUB_ASSIGN_OR_RETURN(spec.categories, GetList(v, key));
    } else if (key == "users") {
      STUB_ASSIGN_OR_RETURN(spec.users, GetList(v, key));
    } else if (key == "sessions") {
      STUB_ASSIGN_OR_RETURN(spec.sessions, GetList(v, key));
    } else if (key == "intent") {
      STUB_ASSIGN_OR_RETURN(spec.intent, GetString(v, key));
    } else if (key == "from" || key == "to") {
      STUB_ASSIGN_OR_RETURN(std::string s, GetString(v, key));
      auto t = ParseRfc3339(s);
      if (!t.ok()) return Invalid(key + " must be an RFC 3339 UTC time");
      (key == "from" ? spec.from : spec.to) = *t;
    } else if (key == "group_by") {
      STUB_ASSIGN_OR_RETURN(spec.group_by, GetEnum<QueryGroup>(v, key, kGroups));
    } else if (key == "order_by") {
      STUB_ASSIGN_OR_RETURN(spec.order_by, GetEnum<QueryOrderBy>(v, key, kOrderBys));
    } else if (key == "direction") {
      STUB_ASSIGN_OR_RETURN(spec.direction, GetEnum<QueryDirection>(v, key, kDirections));
    } else if (key == "limit") {
      if (!v.is_number_integer() || v.get<std::int64_t>() < 1 ||
          v.get<std::int64_t>() > static_cast<std::int64_t>(kMaxRows)) {
        return Invalid("limit must be an integer between 1 and " + std::to_string(kMaxRows));
      }
      spec.limit = static_cast<std::size_t>(v.get<std::int64_t>());
    } else {
      return Invalid("unknown field " + key);
    }
  }
  STUB_RETURN_IF_ERROR(ValidateQuerySpec(spec));
  return spec;
}

nlohmann::json QuerySpecJsonSchema() {
  Json props = Json::object();
  props["measure"] = EnumSchema(kMeasures);
  props["measure"]["description"] =
      "total: sum of amounts; count: number of spends; average; max: largest single amount; "
      "list: the matching spends themselves";
  props["status"] = EnumSchema(kStatuses);
  props["status"]["description"] = "approved: money spent; denied: refused requests";
  props["teams"] = ListSchema("team ids; each matches every agent in its subtree");
  props["agents"] = ListSchema("agent ids");
  props["vendors"] = ListSchema("vendor hosts, e.g. api.openai.com");
  props["categories"] = ListSchema("vendor categories, e.g. llm, data, compute, saas");
  props["users"] = ListSchema("user ids, e.g. alice@acme.com");
  props["sessions"] = ListSchema("session ids");
  props["intent"] = Json{{"type", "string"},
                         {"maxLength", kMaxFilterValueBytes},
                         {"description", "text the spend's intent contains (case-insensitive)"}};
  props["from"] = Json{{"type", "string"},
                       {"format", "date-time"},
                       {"description", "inclusive start, RFC 3339 UTC"}};
  props["to"] = Json{
      {"type", "string"}, {"format", "date-time"}, {"description", "exclusive end, RFC 3339 UTC"}};
  props["group_by"] = EnumSchema(kGroups);
  props["order_by"] = EnumSchema(kOrderBys);
  props["direction"] = EnumSchema(kDirections);
  props["limit"] = Json{{"type", "integer"}, {"minimum", 1}, {"maximum", kMaxRows}};
  return Json{{"$schema", "https://json-schema.org/draft/2020-12/schema"},
              {"type", "object"},
              {"properties", props},
              {"additionalProperties", false}};
}

}  // namespace stub
