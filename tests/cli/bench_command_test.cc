// `stub bench` as a user runs it: a short run per store, its JSON object.
#include <gtest/gtest.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <nlohmann/json.hpp>
#include <string>

#include "cli_test_util.h"

namespace stub {
namespace {

std::string RunStubOk(const std::string& args) {
  const testing::StubRun run = testing::RunStub(args);
  EXPECT_EQ(run.exit_code, 0) << args << "\n" << run.out << run.err;
  return run.out;
}

void ExpectReport(const nlohmann::json& j, const char* store, int clients) {
  for (const char* field :
       {"store", "clients", "seconds", "spends", "spends_per_sec", "p50_ms", "p99_ms",
        "serialization_failures", "retries", "batches", "mean_batch"}) {
    EXPECT_TRUE(j.contains(field)) << field;
  }
  EXPECT_EQ(j["store"], store);
  EXPECT_EQ(j["clients"], clients);
  EXPECT_GT(j["spends"].get<long>(), 0);
  EXPECT_EQ(j["failed"], 0);
  EXPECT_GE(j["batches"].get<long>(), 1);
  EXPECT_LE(j["p50_ms"].get<double>(), j["p99_ms"].get<double>());
}

TEST(BenchCommandTest, HotBudgetOnMemoryWithGroupCommit) {
  const auto j = nlohmann::json::parse(RunStubOk("bench --json --hot --clients 4 --seconds 0.3"));
  ExpectReport(j, "memory", 4);
  EXPECT_EQ(j["hot"], true);
  // Group commit: one committer, so the hot rows never conflict.
  EXPECT_EQ(j["serialization_failures"], 0);
}

TEST(BenchCommandTest, SqliteFile) {
  const std::string path = "/tmp/stub-bench-test-" + std::to_string(::getpid()) + ".db";
  const auto j = nlohmann::json::parse(
      RunStubOk("bench --json --hot --clients 4 --seconds 0.3 --db sqlite:" + path));
  ExpectReport(j, "sqlite", 4);
  for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace
}  // namespace stub
