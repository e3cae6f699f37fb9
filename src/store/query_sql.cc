#include "store/query_sql.h"

#include <limits>
#include <utility>

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

}  // namespace

QuerySql BuildQuerySql(std::string_view org, const QueryPlan& plan, SqlDialect dialect) {
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
    b.Sql(pg ? ", CAST(SUM(amount) AS BIGINT)" : ", SUM(amount)");
    b.Sql(", COUNT(*), MAX(amount) FROM ").Sql(denied ? "denials" : "entries");
  }
  b.Sql(" WHERE org = ").Text(std::string(org));
  if (!denied) b.Sql(" AND kind IN ('spend', 'capture')");
  if (plan.from != std::numeric_limits<Timestamp>::min()) {
    b.Sql(" AND created_at >= ").Int(plan.from);
  }
  if (plan.to != std::numeric_limits<Timestamp>::max()) b.Sql(" AND created_at < ").Int(plan.to);
  if (plan.restrict_agents) {
    if (plan.agents.empty()) {
      b.Sql(" AND 1 = 0");
    } else {
      b.InList("agent", plan.agents);
    }
  }
  b.InList("vendor", plan.vendors);
  b.InList("category", plan.categories);
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
