// `stub race` as a user runs it: the real binary, a child process, its output.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <cstdlib>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_test_util.h"
#include "core/money.h"
#include "store/pg_test_cluster.h"

namespace stub {
namespace {

using testing::RunStub;
using RunResult = testing::StubRun;

Micros Amount(const nlohmann::json& j, const char* field) {
  EXPECT_TRUE(j.contains(field) && j[field].is_string()) << field;
  auto m = ParseAmount(j.value(field, std::string("x")));
  EXPECT_TRUE(m.ok()) << field << "=" << j.value(field, std::string());
  return m.ok() ? *m : -1;
}

TEST(RaceCommandTest, DefaultsHoldTheGuaranteeAndPrintOneJsonObject) {
  const RunResult run = RunStub("race --json");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  // Exactly one JSON object, one line.
  ASSERT_FALSE(run.out.empty());
  EXPECT_EQ(run.out.find('\n'), run.out.size() - 1);
  const auto j = nlohmann::json::parse(run.out);
  ASSERT_TRUE(j.is_object());
  for (const char* field :
       {"store", "regions", "agents", "budget", "amount", "attempts", "approved", "denied",
        "approved_total", "remaining", "serialization_failures", "retries", "max_overspend",
        "entries_balanced", "chain_ok", "balances_match"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_EQ(j["store"], "memory");
  EXPECT_EQ(j["regions"], 2);
  EXPECT_EQ(j["agents"], 6);
  EXPECT_EQ(j["attempts"], 30);
  const Micros budget = Amount(j, "budget");
  const Micros amount = Amount(j, "amount");
  const Micros approved_total = Amount(j, "approved_total");
  EXPECT_EQ(budget, 1'000'000);
  EXPECT_EQ(amount, 150'000);
  EXPECT_LE(approved_total, budget);
  EXPECT_LT(budget - approved_total, amount);  // exactly what fits was approved
  EXPECT_EQ(Amount(j, "remaining"), budget - approved_total);
  EXPECT_EQ(j["approved"].get<int>() * amount, approved_total);
  EXPECT_EQ(j["approved"].get<int>() + j["denied"].get<int>(), 30);
  EXPECT_GT(j["serialization_failures"].get<int>(), 0);
  EXPECT_EQ(j["max_overspend"], "0");
  EXPECT_EQ(j["chain_ok"], true);
  EXPECT_EQ(j["entries_balanced"], true);
  EXPECT_EQ(j["balances_match"], true);
}

TEST(RaceCommandTest, ManyAgentsManyRegions) {
  const RunResult run = RunStub(
      "race --json --regions 4 --agents 16 --budget 2.5 --amount 0.1 "
      "--attempts 4 --latency-us 50");
  ASSERT_EQ(run.exit_code, 0) << run.out;
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(Amount(j, "approved_total"), 2'500'000);  // 25 × 0.1 fit exactly
  EXPECT_EQ(j["approved"], 25);
  EXPECT_EQ(j["denied"], 64 - 25);
  EXPECT_EQ(j["max_overspend"], "0");
}

TEST(RaceCommandTest, RegionsAsProcessesOnSqlite) {
  const std::string path = "/tmp/stub-race-test-" + std::to_string(::getpid()) + ".db";
  for (int run = 0; run < 2; ++run) {  // a second race in the same file gets its own org
    const RunResult r = RunStub("race --json --db sqlite:" + path + " --regions 3 --agents 9");
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["store"], "sqlite");
    EXPECT_EQ(j["attempts"], 45);
    EXPECT_EQ(j["approved"], 6);
    EXPECT_EQ(Amount(j, "approved_total"), 900'000);
    EXPECT_EQ(Amount(j, "remaining"), 100'000);
    EXPECT_EQ(j["max_overspend"], "0");
    EXPECT_EQ(j["chain_ok"], true);
    EXPECT_EQ(j["entries_balanced"], true);
    EXPECT_EQ(j["balances_match"], true);
  }
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

// Regions as `stub serve` processes (own port, one SQLite file), 32 agents as
// HTTP clients with their own keys: exactly what fits is approved, nothing
// is overspent, the books verify.
TEST(RaceCommandTest, RegionsAsServersAgentsAsHttpClientsOnSqlite) {
  testing::TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "race.db").string();
  const RunResult r =
      RunStub("race --json --via http --db " + db + " --regions 2 --agents 32 --attempts 3");
  ASSERT_EQ(r.exit_code, 0) << r.out << r.err;
  const auto j = nlohmann::json::parse(r.out);
  EXPECT_EQ(j["store"], "sqlite");
  EXPECT_EQ(j["via"], "http");
  EXPECT_EQ(j["regions"], 2);
  EXPECT_EQ(j["agents"], 32);
  EXPECT_EQ(j["attempts"], 96);
  EXPECT_EQ(j["approved"], 6);  // 6 × 0.15 fit in 1.00; a 7th does not
  EXPECT_EQ(j["denied"], 90);
  EXPECT_EQ(j["denied_budget_exceeded"], 90);
  EXPECT_EQ(Amount(j, "approved_total"), 900'000);
  EXPECT_EQ(Amount(j, "remaining"), 100'000);
  EXPECT_EQ(j["max_overspend"], "0");
  EXPECT_EQ(j["chain_ok"], true);
  EXPECT_EQ(j["entries_balanced"], true);
  EXPECT_EQ(j["balances_match"], true);
}

TEST(RaceCommandTest, ViaHttpNeedsASharedDatabase) {
  const RunResult r = RunStub("race --via http");
  EXPECT_EQ(r.exit_code, 2);
  EXPECT_NE(r.err.find("--via http needs a database"), std::string::npos) << r.err;
  EXPECT_EQ(RunStub("race --via carrier-pigeon").exit_code, 2);
}

// A libpq URL for a fresh database of the throwaway test cluster.
std::string PostgresUrl() {
  auto conninfo = pg_testing::NewDatabase();
  EXPECT_TRUE(conninfo.ok()) << conninfo.status().ToString();
  if (!conninfo.ok()) return {};
  const std::string& c = *conninfo;
  const auto port_at = c.find("port=") + 5;
  const std::string port = c.substr(port_at, c.find(' ', port_at) - port_at);
  return "postgresql://postgres@127.0.0.1:" + port + "/" + pg_testing::DatabaseOf(c);
}

TEST(RaceCommandTest, RegionsAsProcessesOnPostgresGetRealSerializationFailures) {
  const std::string url = PostgresUrl();
  ASSERT_FALSE(url.empty());
  // Every run must hold the guarantee; the server's 40001s are a race, so at
  // least one of a few default-sized runs must have seen them.
  int runs_with_failures = 0;
  for (int run = 0; run < 3 && runs_with_failures == 0; ++run) {
    const RunResult r = RunStub("race --json --db " + url);
    ASSERT_EQ(r.exit_code, 0) << r.out;
    const auto j = nlohmann::json::parse(r.out);
    EXPECT_EQ(j["store"], "postgres");
    EXPECT_EQ(j["attempts"], 30);
    EXPECT_EQ(j["approved"], 6);
    EXPECT_EQ(Amount(j, "approved_total"), 900'000);
    EXPECT_EQ(Amount(j, "remaining"), 100'000);
    EXPECT_EQ(j["max_overspend"], "0");
    EXPECT_EQ(j["chain_ok"], true);
    EXPECT_EQ(j["entries_balanced"], true);
    EXPECT_EQ(j["balances_match"], true);
    if (j["serialization_failures"].get<int>() > 0) ++runs_with_failures;
  }
  EXPECT_EQ(runs_with_failures, 1);
}

TEST(RaceCommandTest, ReadableReportByDefault) {
  const RunResult run = RunStub("race");
  ASSERT_EQ(run.exit_code, 0);
  EXPECT_NE(run.out.find("6 agents in 2 regions"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("max overspend     0"), std::string::npos) << run.out;
  EXPECT_NE(run.out.find("The guarantee held"), std::string::npos) << run.out;
}

TEST(RaceCommandTest, BadFlagsAreUsageErrors) {
  EXPECT_EQ(RunStub("race --agents 0").exit_code, 2);
  EXPECT_EQ(RunStub("race --amount 1e3").exit_code, 2);
  EXPECT_EQ(RunStub("race --amount -1").exit_code, 2);
  EXPECT_EQ(RunStub("race --budget 1.0000001").exit_code, 2);
  EXPECT_EQ(RunStub("race --no-such-flag").exit_code, 2);
  EXPECT_EQ(RunStub("").exit_code, 2);
  EXPECT_EQ(RunStub("race --db nosuch:x").exit_code, 3);
  EXPECT_EQ(RunStub("race --help").exit_code, 0);
}

}  // namespace
}  // namespace stub
