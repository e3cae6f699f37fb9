// The SQL of a QueryPlan, shared by the SQL stores with small dialect hooks.
//
// Safety: the text is assembled ONLY from the fixed fragments in query_sql.cc
// (column names, keywords, placeholders numbered by the builder); every value
// of the plan — org, names, intent text, times, limits — is a bound
// parameter. Nothing a user or a model wrote can reach the SQL text.
//
// A grouped plan the daily spend rollup can answer (query/rollup_window.h)
// reads whole days from spend_daily and only the edge days from entries.
//
// Result columns:
//   groups  key TEXT, day INT8, total_high INT8, total_low INT8, count INT8,
//           max INT8 — the total in two halves (SUM of amount >> 32 and of
//           amount & 0xFFFFFFFF), each of which no realistic row count can
//           overflow; JoinTotal puts them back together in 128 bits
//   list    id TEXT, seq INT8, created_at INT8, agent, vendor, category,
//           user_id, session, intent, reason (TEXT), amount INT8
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <string>
#include <string_view>
#include <vector>

#include "query/query_plan.h"

namespace stub {

enum class SqlDialect : std::uint8_t { kSqlite = 0, kPostgres };

struct SqlParam {
  bool is_int = false;
  std::int64_t int_value = 0;
  std::string text;
};

struct QuerySql {
  std::string text;
  std::vector<SqlParam> params;  // $1/?1 first
};

QuerySql BuildQuerySql(std::string_view org, const QueryPlan& plan, SqlDialect dialect);

// A group's total from its two result columns.
inline WideMicros JoinTotal(std::int64_t high, std::int64_t low) {
  return static_cast<WideMicros>(high) * (WideMicros{1} << 32) + low;
}

}  // namespace stub
