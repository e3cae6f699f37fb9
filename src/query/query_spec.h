// QuerySpec: the typed, validated form of a question about an org's spending.
// A question in English (or a model's tool call) only ever fills this
// structure; stores compile it to SQL from fixed fragments with every value a
// bound parameter, so no text of a question becomes SQL.
//
// Semantics (identical on every store):
//   - status kApproved reads money spent: journal entries of kind spend and
//     capture, by their amount; kDenied reads recorded denials, by the amount
//     that was asked.
//   - Filters are ANDed; within one list, values are ORed. `teams` match every
//     agent in the team's subtree (resolved through the org's current budget
//     tree); `intent` matches entries whose intent contains it, ASCII
//     case-insensitively. `from`/`to` bound created_at as [from, to).
//   - group_by none yields one row; other keys one row per distinct value
//     (team: the agent's own team; week: ISO weeks starting Monday; day and
//     month: UTC calendar). `reason` (the denial reason) requires kDenied.
//   - Each row carries total, count, average (total / count, rounded toward
//     zero to the micro-unit) and max; `measure` chooses the value rows are
//     ordered by and the answer reports. kList returns the matching spends
//     themselves (value = amount, key = time).
//   - order_by value|key, direction desc|asc; ties break by key ascending
//     (list: by journal sequence / denial id in the same direction).
//   - limit: at most that many rows (top-N). Default: all groups (up to
//     kMaxGroups), kDefaultListLimit spends; never more than kMaxRows.
// Pure; no I/O; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time_util.h"

namespace stub {

enum class QueryMeasure : std::uint8_t { kTotal = 0, kCount, kAverage, kMax, kList };
enum class QueryStatus : std::uint8_t { kApproved = 0, kDenied };
enum class QueryGroup : std::uint8_t {
  kNone = 0,
  kTeam,
  kAgent,
  kVendor,
  kCategory,
  kUser,
  kDay,
  kWeek,
  kMonth,
  kReason,
};
enum class QueryOrderBy : std::uint8_t { kValue = 0, kKey };
enum class QueryDirection : std::uint8_t { kDesc = 0, kAsc };

std::string_view QueryMeasureName(QueryMeasure m);
std::optional<QueryMeasure> ParseQueryMeasure(std::string_view s);
std::string_view QueryStatusName(QueryStatus s);
std::optional<QueryStatus> ParseQueryStatus(std::string_view s);
std::string_view QueryGroupName(QueryGroup g);
std::optional<QueryGroup> ParseQueryGroup(std::string_view s);
std::string_view QueryOrderByName(QueryOrderBy o);
std::optional<QueryOrderBy> ParseQueryOrderBy(std::string_view s);
std::string_view QueryDirectionName(QueryDirection d);
std::optional<QueryDirection> ParseQueryDirection(std::string_view s);

inline constexpr std::size_t kMaxRows = 1000;         // rows in any answer
inline constexpr std::size_t kMaxGroups = 10'000;     // groups a store may produce
inline constexpr std::size_t kDefaultListLimit = 20;  // spends listed by default
inline constexpr std::size_t kMaxFilterValues = 100;  // values per filter list
inline constexpr std::size_t kMaxFilterValueBytes = 256;

struct QuerySpec {
  QueryMeasure measure = QueryMeasure::kTotal;
  QueryStatus status = QueryStatus::kApproved;
  std::vector<std::string> teams;
  std::vector<std::string> agents;
  std::vector<std::string> vendors;
  std::vector<std::string> categories;
  std::vector<std::string> users;
  std::vector<std::string> sessions;
  std::string intent;  // "" = any
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
  QueryGroup group_by = QueryGroup::kNone;
  QueryOrderBy order_by = QueryOrderBy::kValue;
  QueryDirection direction = QueryDirection::kDesc;
  std::optional<std::size_t> limit;
  bool operator==(const QuerySpec&) const = default;
};

// Structural validation: the bounds above, from < to, reason only with
// denied, list only without grouping, limit in [1, kMaxRows], filter values
// non-empty valid UTF-8 without control characters. Names are not checked
// against an org here (the query service does). Errors: kInvalidArgument
// (reason "invalid_request").
Status ValidateQuerySpec(const QuerySpec& spec);

// JSON form: {"measure","status","teams",…,"from","to" (RFC 3339),
// "group_by","order_by","direction","limit"}. ToJson writes every field
// (absent optionals omitted); FromJson is strict: unknown keys, wrong types
// and invalid values are kInvalidArgument; absent keys take the defaults.
// FromJson also validates (ValidateQuerySpec).
nlohmann::json QuerySpecToJson(const QuerySpec& spec);
Result<QuerySpec> QuerySpecFromJson(const nlohmann::json& j);

// The JSON Schema (draft 2020-12) of the JSON form, with
// additionalProperties false: the parameters of the LLM tool.
nlohmann::json QuerySpecJsonSchema();

}  // namespace stub
