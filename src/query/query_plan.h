// From a QuerySpec to rows, in three steps shared by every store:
//
//   PlanQuery    spec + the org's budget tree → QueryPlan: what a store runs.
//                Teams are resolved to their subtree's agents; team, week and
//                month grouping become agent and day grouping (folded back
//                by FinishQuery), so a store only filters, groups by one
//                column and sums, counts and takes the max.
//   a store      Transaction::RunQuery(org, plan) → PlanResult (memory:
//                EvaluatePlan below; SQL stores: query_sql.h).
//   FinishQuery  plan result + spec + tree → QueryResult: folds groups,
//                computes averages, orders, applies top-N and row limits.
//
// Pure; no I/O; thread-safe.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <string>
#include <vector>

#include "core/budget.h"
#include "core/denial_record.h"
#include "core/journal.h"
#include "core/money.h"
#include "core/status.h"
#include "core/time_util.h"
#include "query/query_spec.h"

namespace stub {

// The one column a store groups by.
// kSession and kIntent are not QuerySpec groupings: the query service uses
// them to learn an org's names for the parser.
enum class PlanKey : std::uint8_t {
  kNone = 0,
  kAgent,
  kVendor,
  kCategory,
  kUser,
  kDay,
  kReason,
  kSession,
  kIntent,
};

struct QueryPlan {
  QueryStatus status = QueryStatus::kApproved;
  // When restrict_agents, only these agents (sorted, unique; may be empty:
  // nothing matches).
  bool restrict_agents = false;
  std::vector<std::string> agents;
  // Each sorted and unique; empty = any value.
  std::vector<std::string> vendors;
  std::vector<std::string> categories;
  std::vector<std::string> users;
  std::vector<std::string> sessions;
  std::string intent_lower;                                // ASCII-lowercased; "" = any
  Timestamp from = std::numeric_limits<Timestamp>::min();  // created_at in [from, to)
  Timestamp to = std::numeric_limits<Timestamp>::max();
  PlanKey key = PlanKey::kNone;
  // list: return matching rows instead of groups, ordered by amount (else by
  // time), descending unless ascending; ties by journal seq (entries) or
  // (created_at, id) (denials), in the same direction; at most `limit` rows.
  bool list = false;
  bool list_by_amount = false;
  bool ascending = false;
  std::size_t limit = kDefaultListLimit;
  // Groups: more than max_groups distinct keys is kResourceExhausted.
  std::size_t max_groups = kMaxGroups;
  // The SQL stores cancel a query running longer than this.
  std::int64_t timeout_ms = 10'000;
};

// One group: key is the grouped column's text ("" for kNone), or for kDay
// the day number (created_at / kMicrosPerDay, truncated) in `day`.
struct PlanGroup {
  std::string key;
  std::int64_t day = 0;
  WideMicros total = 0;  // never overflows: see FinishQuery
  std::int64_t count = 0;
  Micros max = 0;
  bool operator==(const PlanGroup&) const = default;
};

// One matching spend (entry) or denial.
struct PlanItem {
  std::string id;         // spend id (entry ref) or denial id
  std::uint64_t seq = 0;  // journal seq (0 for denials)
  Timestamp at = 0;
  std::string agent;
  std::string vendor;
  std::string category;
  std::string user;
  std::string session;
  std::string intent;
  std::string reason;  // denials: the reason code
  Micros amount = 0;
  bool operator==(const PlanItem&) const = default;
};

struct PlanResult {
  // Groups with count > 0, in any order (FinishQuery orders them).
  std::vector<PlanGroup> groups;
  std::vector<PlanItem> items;  // list plans, in the plan's order
  bool operator==(const PlanResult&) const = default;
};

// Requires ValidateQuerySpec(spec) ok. `tree` is every node of the org.
// Errors: kNotFound (reason "unknown_name") for a team or agent not in the
// tree.
Result<QueryPlan> PlanQuery(const QuerySpec& spec, const std::vector<Node>& tree);

// The reference evaluation (the memory store's): entries of kind spend and
// capture (approved) or denials, filtered, grouped or listed per the plan.
// Errors: kResourceExhausted past plan.max_groups. Totals are 128-bit and
// cannot overflow.
Result<PlanResult> EvaluatePlan(const QueryPlan& plan, const std::vector<Entry>& entries,
                                const std::vector<DenialRecord>& denials);

struct QueryRow {
  std::string key;    // id, host, category, user, "2026-11-03", "2026-W45", "2026-11", reason
  std::string label;  // human name (team and agent names), else the key
  Micros total = 0;
  std::int64_t count = 0;
  Micros average = 0;  // total / count, toward zero
  Micros max = 0;
  bool operator==(const QueryRow&) const = default;
};

struct QueryResult {
  QuerySpec spec;
  std::vector<QueryRow> rows;   // grouped measures: ordered, limited
  std::vector<PlanItem> items;  // list
  // Over every matching spend (all groups, before top-N): the answer's
  // headline. Unset for list.
  QueryRow overall;
  std::size_t groups = 0;  // groups before the limit
  bool truncated = false;  // rows were cut by the limit
  bool operator==(const QueryResult&) const = default;
};

// Errors: kOutOfRange ("amount_overflow") only when a figure to be shown
// (a row's total or the overall total) does not fit int64: other questions
// over the same data still answer.
Result<QueryResult> FinishQuery(const QuerySpec& spec, const QueryPlan& plan, PlanResult raw,
                                const std::vector<Node>& tree);

// "2026-11-03", "2026-W45" (ISO week-year and week), "2026-11" for a day
// number (days since 1970-01-01).
std::string DayKey(std::int64_t day);
std::string IsoWeekKey(std::int64_t day);
std::string MonthKey(std::int64_t day);

}  // namespace stub
