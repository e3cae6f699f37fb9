// The safety operator commands as an operator runs them: the real `stub`
// binary on an SQLite file; exact output, exit codes, and the audit trail.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_test_util.h"
#include "cli/exit_codes.h"

namespace stub {
namespace {

using nlohmann::json;
using testing::RunStub;
using testing::StubRun;

class SafetyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    Ok("org create acme --name Acme");
    Ok("team put marketing --limit 100/month");
    Ok("agent put a1 --team marketing");
  }

  StubRun Stub(const std::string& args) { return RunStub(args + " --db " + db_); }

  std::string Ok(const std::string& args) {
    const StubRun run = Stub(args);
    EXPECT_EQ(run.exit_code, kExitOk) << args << "\n" << run.out << run.err;
    EXPECT_EQ(run.err, "") << args;
    return run.out;
  }

  json Spend(const std::string& amount, const std::string& key) {
    const StubRun run =
        Stub("spend --agent a1 --amount " + amount +
             " --vendor api.dataco.com --category data --idempotency-key " + key + " --json");
    return json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  }

  testing::TempDir dir_;
  std::string db_ = "sqlite:" + (dir_.path() / "stub.db").string();
};

TEST_F(SafetyCommandTest, PolicyPutAndGet) {
  EXPECT_EQ(Ok("policy put marketing --json-policy '{\"max_per_spend\":\"1.00\","
               "\"vendors\":{\"allow\":[\"API.dataco.com\"]}}'"),
            "policy of marketing: "
            "{\"max_per_spend\":\"1\",\"vendors\":{\"allow\":[\"api.dataco.com\"]}}\n");
  const json got = json::parse(Ok("policy get marketing --json"));
  EXPECT_EQ(got["policy"]["max_per_spend"], "1");
  const json denied = Spend("2.00", "k1");
  EXPECT_EQ(denied["status"], "denied");
  EXPECT_EQ(denied["reason"], "per_spend_limit");
  EXPECT_EQ(denied["node"], "marketing");

  const StubRun bad = Stub("policy put marketing --json-policy '{\"max_per_spend\":5}'");
  EXPECT_EQ(bad.exit_code, kExitRefused);
  EXPECT_NE(bad.err.find("max_per_spend"), std::string::npos) << bad.err;
  EXPECT_EQ(Stub("policy put marketing").exit_code, kExitUsage);
  EXPECT_EQ(Stub("policy get ghost").exit_code, kExitRefused);
  // Still the first policy; the change is in the verified chain.
  EXPECT_EQ(json::parse(Ok("policy get marketing --json"))["policy"]["max_per_spend"], "1");
  EXPECT_EQ(json::parse(Ok("verify --json --org acme"))["ok"], true);
}

TEST_F(SafetyCommandTest, FreezeKillSwitchAndApprovals) {
  EXPECT_EQ(Ok("agent freeze a1 --reason looping"), "agent a1 is frozen\n");
  EXPECT_EQ(Spend("0.10", "k1")["reason"], "agent_frozen");
  EXPECT_EQ(Ok("agent unfreeze a1"), "agent a1 is not frozen\n");
  EXPECT_EQ(Stub("agent freeze marketing").exit_code, kExitRefused);
  EXPECT_EQ(Ok("kill-switch engage --reason drill"), "kill-switch of acme is engaged\n");
  EXPECT_EQ(Spend("0.10", "k2")["reason"], "kill_switch");
  EXPECT_EQ(json::parse(Ok("kill-switch release --json")),
            json({{"org", "acme"}, {"engaged", false}}));
  EXPECT_EQ(Spend("0.10", "k3")["status"], "approved");

  Ok("policy put acme --json-policy '{\"approval_over\":\"5\"}'");
  const StubRun pending =
      Stub("spend --agent a1 --amount 9 --vendor x.com --idempotency-key k4 --json");
  const json p = json::parse(pending.out, nullptr, false);
  ASSERT_EQ(p["status"], "pending_approval") << pending.out << pending.err;
  const std::string id = p["approval_id"];
  const json listed = json::parse(Ok("approvals list --status pending --json"));
  ASSERT_EQ(listed["items"].size(), 1u);
  EXPECT_EQ(listed["items"][0]["id"], id);
  const json approved = json::parse(Ok("approvals approve " + id + " --json"));
  EXPECT_EQ(approved["status"], "approved");
  EXPECT_EQ(approved["decided_by"], "cli");
  const StubRun again = Stub("approvals deny " + id);
  EXPECT_EQ(again.exit_code, kExitRefused);
  EXPECT_NE(again.err.find("already approved"), std::string::npos) << again.err;
  EXPECT_EQ(Ok("approvals list --status pending"), "no approvals\n");
  EXPECT_EQ(json::parse(Ok("verify --json --org acme"))["ok"], true);
}

}  // namespace
}  // namespace stub
