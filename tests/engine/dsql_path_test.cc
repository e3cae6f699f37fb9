// The adapter path a dsql:// store takes, run against the local throwaway
// PostgreSQL (no DSQL is reachable here): PostgresStore with bare_begin and
// the DSQL token source of DsqlStoreOptions as its password callback, a
// spend through the engine, its replay, verify, and the spend seen through an
// independent connection.
//
// What differs from DSQL: no TLS (the test cluster has none) and trust
// authentication (the token is sent but not checked). A bare BEGIN on
// PostgreSQL means READ COMMITTED, so the test database is set to REPEATABLE
// READ by default, which is what DSQL's bare BEGIN gives (snapshot
// isolation). And the schema is laid by a plain PostgresStore first: with
// bare_begin, Open migrates in DSQL's DDL dialect (CREATE INDEX ASYNC), which
// PostgreSQL does not speak; the bare_begin store then finds it current.
#include <gtest/gtest.h>

#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <set>
#include <string>
#include <vector>

#include "engine/engine.h"
#include "engine_fixture.h"
#include "store/pg_test_cluster.h"
#include "store/postgres/dsql_url.h"
#include "store/postgres/postgres_store.h"

namespace stub {
namespace {

using testing::Amt;
using testing::MakeSpend;
using testing::MakeTree;

TEST(DsqlPathTest, BareBeginAndATokenPerConnectionCarryASpendThroughTheEngine) {
  const Result<std::string> conninfo = pg_testing::NewDatabase();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().ToString();
  const std::string db = pg_testing::DatabaseOf(*conninfo);
  ASSERT_TRUE(pg_testing::AdminQuery("postgres", "ALTER DATABASE " + db +
                                                     " SET default_transaction_isolation = "
                                                     "'repeatable read'")
                  .ok());
  const auto isolation = pg_testing::AdminQuery(db, "SHOW default_transaction_isolation");
  ASSERT_TRUE(isolation.ok() && isolation->size() == 1u);
  ASSERT_EQ((*isolation)[0], "repeatable read");

  const Result<DsqlUrl> url = ParseDsqlUrl("dsql://abc123def.dsql.us-east-1.on.aws?user=app");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  const std::map<std::string, std::string> vars = {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
                                                   {"AWS_SECRET_ACCESS_KEY", "secret"}};
  std::mutex mu;
  Timestamp fake_now = MakeTimestamp(2026, 11, 28, 12, 0, 0);
  DsqlEnvironment env{.now =
                          [&] {
                            std::lock_guard lock(mu);
                            return fake_now += kMicrosPerSecond;  // a later second per call
                          },
                      .getenv = [&](const char* name) -> const char* {
                        const auto it = vars.find(name);
                        return it == vars.end() ? nullptr : it->second.c_str();
                      }};
  PostgresStoreOptions options = DsqlStoreOptions(*url, std::move(env));
  ASSERT_TRUE(options.bare_begin);
  // Record every token the store asks for (one per new connection).
  std::vector<std::string> tokens;
  options.password = [&tokens, &mu, inner = options.password]() -> Result<std::string> {
    Result<std::string> token = inner();
    if (token.ok()) {
      std::lock_guard lock(mu);
      tokens.push_back(*token);
    }
    return token;
  };
  options.max_connections = 2;

  {
    const auto plain = PostgresStore::Open(*conninfo);
    ASSERT_TRUE(plain.ok()) << plain.status().ToString();
  }
  auto store = PostgresStore::Open(*conninfo, options);
  ASSERT_TRUE(store.ok()) << store.status().ToString();
  SystemClock clock;
  Engine engine(**store, clock);
  MakeTree(engine, {{Amt("100"), Period::kMonth}}, {{Amt("10"), Period::kDay}},
           {{Amt("1"), Period::kDay}});
  const std::uint64_t base = testing::HeadSeq(engine);

  const SpendRequest spend = MakeSpend("mkt-1", "0.75", "dsql-path-1");
  const Result<SpendResult> first = engine.Spend(spend);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  EXPECT_EQ(first->outcome.status, OutcomeStatus::kApproved);
  EXPECT_EQ(first->outcome.entry_seq, base + 1);
  EXPECT_EQ(first->outcome.effective_remaining, Amt("0.25"));
  const Result<SpendResult> replay = engine.Spend(spend);
  ASSERT_TRUE(replay.ok());
  EXPECT_TRUE(replay->replayed);
  EXPECT_EQ(replay->outcome, first->outcome);
  const Result<SpendResult> over = engine.Spend(MakeSpend("mkt-1", "0.50", "dsql-path-2"));
  ASSERT_TRUE(over.ok());
  EXPECT_EQ(over->outcome.status, OutcomeStatus::kDenied);
  ASSERT_TRUE(over->outcome.denial.has_value());
  EXPECT_EQ(over->outcome.denial->reason, DenyReason::kBudgetExceeded);
  const Result<VerifyReport> report = engine.Verify("acme");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok);
  EXPECT_EQ(report->entries, base + 1);

  // Every connection got its own, fresh DbConnect token for the endpoint.
  {
    std::lock_guard lock(mu);
    ASSERT_FALSE(tokens.empty());
    const std::set<std::string> distinct(tokens.begin(), tokens.end());
    EXPECT_EQ(distinct.size(), tokens.size());
    for (const std::string& t : tokens) {
      EXPECT_TRUE(t.starts_with("abc123def.dsql.us-east-1.on.aws/?Action=DbConnect&")) << t;
    }
  }

  // The spend is committed: an independent plain connection sees it.
  const Result<std::vector<std::string>> rows = pg_testing::AdminQuery(
      db, "SELECT count(*) FROM entries WHERE org = 'acme' AND kind = 'spend'");
  ASSERT_TRUE(rows.ok()) << rows.status().ToString();
  ASSERT_EQ(rows->size(), 1u);
  EXPECT_EQ((*rows)[0], "1");
}

TEST(DsqlPathTest, ATokenSourceErrorFailsTheConnectionWithThatError) {
  const Result<std::string> conninfo = pg_testing::NewDatabase();
  ASSERT_TRUE(conninfo.ok()) << conninfo.status().ToString();
  const Result<DsqlUrl> url = ParseDsqlUrl("dsql://abc123def.dsql.us-east-1.on.aws?user=admin");
  ASSERT_TRUE(url.ok());
  // No AWS credentials in this environment.
  const PostgresStoreOptions options =
      DsqlStoreOptions(*url, {.now = [] { return MakeTimestamp(2026, 11, 28); },
                              .getenv = [](const char*) -> const char* { return nullptr; }});
  const auto store = PostgresStore::Open(*conninfo, options);
  ASSERT_FALSE(store.ok());
  EXPECT_EQ(store.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(store.status().message().find("AWS_ACCESS_KEY_ID"), std::string::npos)
      << store.status().message();
}

}  // namespace
}  // namespace stub
