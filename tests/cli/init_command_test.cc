// `stub init`: creates and migrates the database and its root key once; a
// second run changes nothing; with $STUB_ROOT_KEY no key is created.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>
#include <vector>

#include "cli/cli_test_util.h"
#include "cli/exit_codes.h"

namespace stub {
namespace {

using testing::RunStub;

TEST(InitCommandTest, CreatesTheRootKeyOnceAndIsSafeToRunAgain) {
  testing::TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "stub.db").string();
  const auto first = RunStub("init --json --db " + db);
  ASSERT_EQ(first.exit_code, kExitOk) << first.err;
  const auto j = nlohmann::json::parse(first.out);
  EXPECT_EQ(j["store"], "sqlite");
  EXPECT_EQ(j["root_key_created"], true);
  EXPECT_EQ(j["root_key_from_env"], false);
  const std::string key = j.value("root_key", "");
  EXPECT_TRUE(key.starts_with("stub_live_")) << key;
  EXPECT_EQ(key.size(), 10u + 64u);

  const auto second = RunStub("init --json --db " + db);
  ASSERT_EQ(second.exit_code, kExitOk) << second.err;
  const auto j2 = nlohmann::json::parse(second.out);
  EXPECT_EQ(j2["root_key_created"], false);
  EXPECT_FALSE(j2.contains("root_key"));
  EXPECT_EQ(second.out.find("stub_live_"), std::string::npos);

  const auto text = RunStub("init --db " + db);
  EXPECT_EQ(text.exit_code, kExitOk);
  EXPECT_EQ(text.out, "Database " + db +
                          " is ready (schema up to date).\nIt already has a root key (not shown "
                          "again); nothing was created.\n");
  // The database is usable by the other commands.
  EXPECT_EQ(RunStub("verify --db " + db).out, "no orgs to verify\n");
}

TEST(InitCommandTest, WithStubRootKeyCreatesNoKey) {
  testing::TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "stub.db").string();
  const auto run =
      RunStub("init --json --db " + db, "STUB_ROOT_KEY=stub_live_from_env_0123456789abcdef");
  ASSERT_EQ(run.exit_code, kExitOk) << run.err;
  const auto j = nlohmann::json::parse(run.out);
  EXPECT_EQ(j["root_key_created"], false);
  EXPECT_EQ(j["root_key_from_env"], true);
  // Without the variable the first init still creates one.
  EXPECT_EQ(nlohmann::json::parse(RunStub("init --json --db " + db).out)["root_key_created"], true);
}

TEST(InitCommandTest, AShortStubRootKeyIsRefusedAtStart) {
  testing::TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "stub.db").string();
  const std::string short_key = "STUB_ROOT_KEY=" + std::string(31, 'k');
  for (const std::string& command :
       std::vector<std::string>{"init --db " + db, "serve --db memory: --listen 127.0.0.1:0"}) {
    const auto run = RunStub(command, short_key);
    EXPECT_EQ(run.exit_code, kExitUsage) << command << ": " << run.err;
    EXPECT_NE(run.err.find("STUB_ROOT_KEY is 31 characters; a root key needs at least 32"),
              std::string::npos)
        << run.err;
    EXPECT_EQ(run.err.find(std::string(31, 'k')), std::string::npos);  // never quoted
  }
  // 32 characters are enough.
  EXPECT_EQ(RunStub("init --db " + db, "STUB_ROOT_KEY=" + std::string(32, 'k')).exit_code, kExitOk);
}

TEST(InitCommandTest, HelpAndBadStore) {
  const auto help = RunStub("init --help");
  EXPECT_EQ(help.exit_code, kExitOk);
  EXPECT_NE(help.out.find("--json"), std::string::npos);
  EXPECT_NE(help.out.find("Exit codes: 0 success"), std::string::npos);
  EXPECT_EQ(RunStub("init --db bogus:x").exit_code, kExitRefused);
}

}  // namespace
}  // namespace stub
