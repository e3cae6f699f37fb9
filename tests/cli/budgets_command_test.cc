// `stub budgets`: the tree with spent/held/remaining per limit, as
// GET /v1/budgets shows it.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_test_util.h"
#include "cli/exit_codes.h"

namespace stub {
namespace {

using testing::RunStub;
using testing::StubRun;

TEST(BudgetsCommandTest, TreeWithSpentHeldRemaining) {
  testing::TempDir dir;
  const std::string db = " --db sqlite:" + (dir.path() / "stub.db").string();
  ASSERT_EQ(RunStub("org create acme --name Acme" + db).exit_code, kExitOk);
  ASSERT_EQ(RunStub("limits set acme --limit 100/month" + db).exit_code, kExitOk);
  ASSERT_EQ(RunStub("team put eng --limit 10/total" + db).exit_code, kExitOk);
  ASSERT_EQ(RunStub("agent put bot --team eng --limit 3/total" + db).exit_code, kExitOk);
  ASSERT_EQ(RunStub("spend --agent bot --amount 1.25 --vendor x.com" + db).exit_code, kExitOk);

  const StubRun run = RunStub("budgets --json" + db);
  ASSERT_EQ(run.exit_code, kExitOk) << run.err;
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["id"], "acme");
  EXPECT_EQ(j["kind"], "org");
  EXPECT_EQ(j["limits"][0]["amount"], "100");
  EXPECT_EQ(j["limits"][0]["spent"], "1.25");
  EXPECT_EQ(j["limits"][0]["remaining"], "98.75");
  ASSERT_EQ(j["children"].size(), 1u);
  EXPECT_EQ(j["children"][0]["id"], "eng");
  const auto& bot = j["children"][0]["children"][0];
  EXPECT_EQ(bot["id"], "bot");
  EXPECT_EQ(bot["limits"][0]["remaining"], "1.75");

  const StubRun node = RunStub("budgets --json --node bot" + db);
  ASSERT_EQ(node.exit_code, kExitOk);
  const auto n = nlohmann::json::parse(node.out);
  EXPECT_EQ(n["effective_remaining"], "1.75");
  EXPECT_EQ(n["binding"], nlohmann::json({{"node", "bot"}, {"period", "total"}}));

  const StubRun text = RunStub("budgets --node bot" + db);
  EXPECT_NE(text.out.find("bot (agent)\n    total 3: spent 1.25, held 0, remaining 1.75\n"),
            std::string::npos)
      << text.out;
  EXPECT_NE(text.out.find("effective remaining of bot: 1.75 (bound by bot's total limit)"),
            std::string::npos)
      << text.out;

  EXPECT_EQ(RunStub("budgets --node ghost" + db).exit_code, kExitRefused);
  EXPECT_EQ(RunStub("budgets --org nope" + db).exit_code, kExitRefused);
}

}  // namespace
}  // namespace stub
