#include "store/query_sql.h"

#include <limits>
#include <utility>

#include "query/rollup_window.h"
#include "store/row_codec.h"

namespace stub {
namespace {

class Builder {
 public:
  explicit Builder(SqlDialect d) : dialect_(d) {}

  // Appends a fixed fragment (never data).
  Builder& Sql(const char* fragment) {
    out_.text += fragment;
    return *this;
  }
  Builder& Text(std::string v) {
    out_.params.push_back(SqlParam{.is_int = false, .int_value = 0, .text = std::move(v)});
    return Placeholder();
  }
  Builder& Int(std::int64_t v) {
    out_.params.push_back(SqlParam{.is_int = true, .int_value = v, .text = {}});
    return Placeholder();
  }
  // " AND <column> IN (p, p, …)" for a non-empty list.
  Builder& InList(const char* column, const std::vector<std::string>& values) {
    if (values.empty()) return *this;
    Sql(" AND ").Sql(column).Sql(" IN (");
    for (std::size_t i = 0; i < values.size(); ++i) {
      if (i > 0) Sql(", ");
      Text(values[i]);
    }
    return Sql(")");
  }
  SqlDialect dialect() const { return dialect_; }
  QuerySql Take() { return std::move(out_); }

 private:
  Builder& Placeholder() {
    out_.text += dialect_ == SqlDialect::kSqlite ? "?" : "$";
    out_.text += std::to_string(out_.params.size());
    return *this;
  }

  SqlDialect dialect_;
  QuerySql out_;
};

constexpr const char* kDayExpr = "created_at / 86400000000";

// " AND agent IN (…) AND vendor IN (…) AND category IN (…)": the filters
// the entries and the rollup share.
void NameFilters(Builder& b, const QueryPlan& plan) {
  if (plan.restrict_agents) {
    if (plan.agents.empty()) {
      b.Sql(" AND 1 = 0");
    } else {
      b.InList("agent", plan.agents);
    }
  }
  b.InList("vendor", plan.vendors);
  b.InList("category", plan.categories);
}

// The grouped column of a rollup-answerable plan (rollup_window.h).
const char* RollupKeyColumn(PlanKey key) {
  switch (key) {
    case PlanKey::kAgent:
      return "agent";
    case PlanKey::kVendor:
      return "vendor";
    case PlanKey::kCategory:
      return "category";
    default:
      return "''";
  }
}

// Whole days from spend_daily plus the edge days' entries, regrouped:
//   SELECT k, d, SUM(t >> 32), SUM(t & 4294967295), SUM(c), MAX(m) FROM (
//     SELECT key k, day d, amount_total t, spend_count c, amount_max m
//       FROM spend_daily WHERE org = ? [AND day >= ?] [AND day < ?] …
//     UNION ALL SELECT key, day, amount, 1, amount FROM entries WHERE …head…
//     UNION ALL … tail …
//   ) r GROUP BY k, d LIMIT ?
QuerySql BuildRollupSql(std::string_view org, const QueryPlan& plan, const RollupWindow& w,
                        SqlDialect dialect) {
  Builder b(dialect);
  const bool pg = dialect == SqlDialect::kPostgres;
  const char* key = RollupKeyColumn(plan.key);
  const bool by_day = plan.key == PlanKey::kDay;
  b.Sql(pg ? "SELECT k, d, CAST(SUM(t >> 32) AS BIGINT), CAST(SUM(t & 4294967295) AS BIGINT), "
             "CAST(SUM(c) AS BIGINT), MAX(m) FROM (SELECT "
           : "SELECT k, d, SUM(t >> 32), SUM(t & 4294967295), SUM(c), MAX(m) FROM (SELECT ");
  b.Sql(key).Sql(" AS k, ").Sql(by_day ? "day" : "CAST(0 AS BIGINT)");
  b.Sql(" AS d, amount_total AS t, spend_count AS c, amount_max AS m FROM spend_daily WHERE org = ")
      .Text(std::string(org));
  if (w.from_day) b.Sql(" AND day >= ").Int(*w.from_day);
  if (w.to_day) b.Sql(" AND day < ").Int(*w.to_day);
  NameFilters(b, plan);
  // Each edge its own branch: a plain range on (org, created_at) either way.
  auto edge = [&](Timestamp from, Timestamp to) {
    if (from >= to) return;
    b.Sql(" UNION ALL SELECT ").Sql(key).Sql(", ").Sql(by_day ? kDayExpr : "CAST(0 AS BIGINT)");
    b.Sql(", amount, CAST(1 AS BIGINT), amount FROM entries WHERE org = ").Text(std::string(org));
    b.Sql(" AND kind IN ('spend', 'capture') AND created_at >= ").Int(from);
    b.Sql(" AND created_at < ").Int(to);
    NameFilters(b, plan);
  };
  edge(w.head_from, w.head_to);
  edge(w.tail_from, w.tail_to);
  b.Sql(") AS r GROUP BY k, d");
  const std::int64_t limit = row_codec::SqlLimit(plan.max_groups);
  b.Sql(" LIMIT ").Int(limit == std::numeric_limits<std::int64_t>::max() ? limit : limit + 1);
  return b.Take();
}

}  // namespace

QuerySql BuildQuerySql(std::string_view org, const QueryPlan& plan, SqlDialect dialect) {
  if (const std::optional<RollupWindow> w = RollupWindowOf(plan)) {
    return BuildRollupSql(org, plan, *w, dialect);
  }
  Builder b(dialect);
  const bool denied = plan.status == QueryStatus::kDenied;
  const bool pg = dialect == SqlDialect::kPostgres;
  if (plan.list) {
    b.Sql(denied ? "SELECT id, CAST(0 AS BIGINT), created_at, agent, vendor, category, user_id, "
                   "session, intent, reason, amount FROM denials"
                 : "SELECT ref, seq, created_at, agent, vendor, category, user_id, session, "
                   "intent, '', amount FROM entries");
  } else {
    b.Sql("SELECT ");
    switch (plan.key) {
      case PlanKey::kNone:
      case PlanKey::kDay:
        b.Sql("''");
        break;
      case PlanKey::kAgent:
        b.Sql("agent");
        break;
      case PlanKey::kVendor:
        b.Sql("vendor");
        break;
      case PlanKey::kCategory:
        b.Sql("category");
        break;
      case PlanKey::kUser:
        b.Sql("user_id");
        break;
      case PlanKey::kReason:
        b.Sql(denied ? "reason" : "''");
        break;
      case PlanKey::kSession:
        b.Sql("session");
        break;
      case PlanKey::kIntent:
        b.Sql("intent");
        break;
    }
    b.Sql(", ").Sql(plan.key == PlanKey::kDay ? kDayExpr : "CAST(0 AS BIGINT)");
    b.Sql(pg ? ", CAST(SUM(amount >> 32) AS BIGINT), CAST(SUM(amount & 4294967295) AS BIGINT)"
             : ", SUM(amount >> 32), SUM(amount & 4294967295)");
    b.Sql(", COUNT(*), MAX(amount) FROM ").Sql(denied ? "denials" : "entries");
  }
  b.Sql(" WHERE org = ").Text(std::string(org));
  if (!denied) b.Sql(" AND kind IN ('spend', 'capture')");
  if (plan.from != std::numeric_limits<Timestamp>::min()) {
    b.Sql(" AND created_at >= ").Int(plan.from);
  }
  if (plan.to != std::numeric_limits<Timestamp>::max()) b.Sql(" AND created_at < ").Int(plan.to);
  NameFilters(b, plan);
  b.InList("user_id", plan.users);
  b.InList("session", plan.sessions);
  if (!plan.intent_lower.empty()) {
    // ASCII-only lowering on both (SQLite's lower() is ASCII-only; PostgreSQL's
    // is locale-aware, so translate() the 26 letters instead).
    if (pg) {
      b.Sql(
           " AND strpos(translate(intent, 'ABCDEFGHIJKLMNOPQRSTUVWXYZ', "
           "'abcdefghijklmnopqrstuvwxyz'), ")
          .Text(plan.intent_lower)
          .Sql(") > 0");
    } else {
      b.Sql(" AND instr(lower(intent), ").Text(plan.intent_lower).Sql(") > 0");
    }
  }
  if (plan.list) {
    const char* dir = plan.ascending ? " ASC" : " DESC";
    b.Sql(" ORDER BY ").Sql(plan.list_by_amount ? "amount" : "created_at").Sql(dir);
    if (denied) {
      if (plan.list_by_amount) b.Sql(", created_at").Sql(dir);
      b.Sql(", id").Sql(dir);
    } else {
      b.Sql(", seq").Sql(dir);
    }
    b.Sql(" LIMIT ").Int(row_codec::SqlLimit(plan.limit));
  } else {
    switch (plan.key) {
      case PlanKey::kNone:
        b.Sql(" HAVING COUNT(*) > 0");
        break;
      case PlanKey::kDay:
        b.Sql(" GROUP BY ").Sql(kDayExpr);
        break;
      default:
        b.Sql(" GROUP BY 1");
        break;
    }
    // One more than allowed, to tell "too many" from "exactly enough".
    b.Sql(" LIMIT ").Int(row_codec::SqlLimit(plan.max_groups) ==
                                 std::numeric_limits<std::int64_t>::max()
                             ? std::numeric_limits<std::int64_t>::max()
                             : row_codec::SqlLimit(plan.max_groups) + 1);
  }
  return b.Take();
}

}  // namespace stub
