// `stub loadgen` against a real `stub serve` process on an SQLite file: it
// sends exactly rate × seconds requests, reports each status, and every spend
// it reports approved is in the books.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_test_util.h"
#include "cli/exit_codes.h"
#include "cli/serve_process.h"
#include "server/http_client.h"  // tests/server

namespace stub {
namespace {

using server_testing::HttpClient;
using testing::RunStub;

constexpr const char* kRoot = "stub_live_loadgen_test_root_key_0123456789";

class LoadgenCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    auto server =
        ServeProcess::Start("sqlite:" + (dir_.path() / "stub.db").string(), kRoot, STUB_BINARY);
    ASSERT_TRUE(server.ok()) << server.status().ToString();
    server_ = std::move(*server);
    HttpClient root(server_->port(), kRoot);
    auto org = root.Post("/v1/orgs", {{"id", "acme"}, {"name", "Acme"}});
    ASSERT_EQ(org.status, 201) << org.body;
    admin_ = org.json()["admin_key"];
    HttpClient admin(server_->port(), admin_);
    ASSERT_EQ(admin.Put("/v1/teams/t", nlohmann::json::object()).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/a1", {{"team", "t"}}).status, 201);
  }
  void TearDown() override {
    if (server_) {
      EXPECT_TRUE(server_->Stop().ok());
    }
  }

  std::string Url() const { return "http://127.0.0.1:" + std::to_string(server_->port()); }

  testing::TempDir dir_;
  std::unique_ptr<ServeProcess> server_;
  std::string admin_;
};

TEST_F(LoadgenCommandTest, SendsRateTimesSecondsSpendsAndReportsThem) {
  HttpClient admin(server_->port(), admin_);
  const int entries_before = admin.Get("/v1/verify").json()["entries"];
  const auto run = RunStub("loadgen --json --url " + Url() + " --key " + admin_ +
                           " --agent a1 --amount 0.01 --rate 200 --seconds 0.5 --connections 4");
  ASSERT_EQ(run.exit_code, kExitOk) << run.out << run.err;
  ASSERT_EQ(run.out.find('\n'), run.out.size() - 1);  // one JSON object, one line
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["target"], "spend");
  EXPECT_EQ(j["scheduled"], 100);
  EXPECT_EQ(j["answered"], 100);
  EXPECT_EQ(j["ok"], 100);
  EXPECT_EQ(j["statuses"], nlohmann::json({{"201", 100}}));
  EXPECT_EQ(j["latency_from"], "scheduled send time");
  for (const char* p : {"p50", "p90", "p99", "p99.9", "max", "mean"}) {
    ASSERT_TRUE(j["latency_ms"].contains(p)) << p;
  }
  const auto& l = j["latency_ms"];
  EXPECT_LE(l["p50"].get<double>(), l["p90"].get<double>());
  EXPECT_LE(l["p90"].get<double>(), l["p99"].get<double>());
  EXPECT_LE(l["p99"].get<double>(), l["p99.9"].get<double>());
  EXPECT_LE(l["p99.9"].get<double>(), l["max"].get<double>());
  EXPECT_GT(j["achieved_rate"].get<double>(), 0);
  // Every approved spend is in the books.
  auto budget = admin.Get("/v1/spends?agent=a1&limit=1000");
  ASSERT_EQ(budget.status, 200);
  EXPECT_EQ(budget.json()["items"].size(), 100u);
  auto verify = admin.Get("/v1/verify");
  EXPECT_EQ(verify.json()["ok"], true);
  EXPECT_EQ(verify.json()["entries"], entries_before + 100);
}

TEST_F(LoadgenCommandTest, CountsEveryStatusAndExitsOneWhenNotAllSucceed) {
  const auto bad = RunStub("loadgen --json --url " + Url() +
                           " --key stub_live_nope --agent a1 --rate 100 --seconds 0.2");
  EXPECT_EQ(bad.exit_code, kExitProblem) << bad.err;
  const auto j = nlohmann::json::parse(bad.out);
  EXPECT_EQ(j["statuses"], nlohmann::json({{"401", 20}}));
  EXPECT_EQ(j["ok"], 0);

  const auto health = RunStub("loadgen --json --target healthz --url " + Url() +
                              " --rate 100 --seconds 0.3 --connections 2");
  EXPECT_EQ(health.exit_code, kExitOk) << health.err;
  EXPECT_EQ(nlohmann::json::parse(health.out)["statuses"], nlohmann::json({{"200", 30}}));
}

TEST(LoadgenCommandUsageTest, BadFlagsAndNoServer) {
  EXPECT_EQ(RunStub("loadgen --url http://127.0.0.1:1 --key k --rate 0").exit_code, kExitUsage);
  EXPECT_EQ(RunStub("loadgen --url ftp://x:1 --key k").exit_code, kExitUsage);
  EXPECT_EQ(RunStub("loadgen --url http://127.0.0.1:9 --rate 10 --seconds 0.1").exit_code,
            kExitUsage);  // spends need --key
  EXPECT_EQ(RunStub("loadgen --help").exit_code, kExitOk);
  // Nothing listens on port 1: no answer at all is a transient failure.
  const auto down =
      RunStub("loadgen --url http://127.0.0.1:1 --key k --rate 50 --seconds 0.1 --timeout 1");
  EXPECT_EQ(down.exit_code, kExitTransient) << down.out << down.err;
}

}  // namespace
}  // namespace stub
