// `stub key create|list|revoke` on an SQLite file: secrets shown once, never
// listed; revocation recorded; bad input refused with the documented codes.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli/cli_test_util.h"
#include "cli/exit_codes.h"

namespace stub {
namespace {

using testing::RunStub;
using testing::StubRun;

class KeyCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    ASSERT_EQ(Stub("org create acme --name Acme").exit_code, kExitOk);
    ASSERT_EQ(Stub("team put t").exit_code, kExitOk);
    ASSERT_EQ(Stub("agent put a1 --team t").exit_code, kExitOk);
  }
  StubRun Stub(const std::string& args) { return RunStub(args + " --db " + db_); }

  testing::TempDir dir_;
  std::string db_ = "sqlite:" + (dir_.path() / "stub.db").string();
};

TEST_F(KeyCommandTest, CreateListRevoke) {
  const StubRun made = Stub("key create --role finance --name cfo --json");
  ASSERT_EQ(made.exit_code, kExitOk) << made.err;
  const auto j = nlohmann::json::parse(made.out);
  EXPECT_EQ(j["org"], "acme");
  EXPECT_EQ(j["role"], "finance");
  EXPECT_EQ(j["name"], "cfo");
  const std::string secret = j["key"];
  const std::string id = j["id"];
  EXPECT_TRUE(secret.starts_with("stub_live_"));
  EXPECT_TRUE(id.starts_with("key"));

  const StubRun agent = Stub("key create --role agent --agent a1 --json");
  ASSERT_EQ(agent.exit_code, kExitOk) << agent.err;
  EXPECT_EQ(nlohmann::json::parse(agent.out)["agent"], "a1");

  const StubRun listed = Stub("key list --json");
  ASSERT_EQ(listed.exit_code, kExitOk);
  EXPECT_EQ(listed.out.find("stub_live_"), std::string::npos);  // secrets never again
  const auto items = nlohmann::json::parse(listed.out)["items"];
  ASSERT_EQ(items.size(), 2u);
  for (const auto& k : items) EXPECT_EQ(k["revoked"], false);

  const StubRun revoked = Stub("key revoke " + id + " --json");
  ASSERT_EQ(revoked.exit_code, kExitOk) << revoked.err;
  EXPECT_EQ(nlohmann::json::parse(revoked.out),
            nlohmann::json({{"org", "acme"}, {"id", id}, {"revoked", true}}));
  int revoked_count = 0;
  const auto after = nlohmann::json::parse(Stub("key list --json").out);
  for (const auto& k : after["items"]) {
    if (k["revoked"] == true) {
      ++revoked_count;
      EXPECT_EQ(k["id"], id);
      EXPECT_TRUE(k.contains("revoked_at"));
    }
  }
  EXPECT_EQ(revoked_count, 1);
  const StubRun text = Stub("key list");
  EXPECT_NE(text.out.find(id + "  finance  cfo  created "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("  revoked "), std::string::npos) << text.out;
}

TEST_F(KeyCommandTest, BadInputIsRefusedAndChangesNothing) {
  EXPECT_EQ(Stub("key create --role emperor").exit_code, kExitUsage);
  EXPECT_EQ(Stub("key create --role root").exit_code, kExitUsage);
  EXPECT_EQ(Stub("key create").exit_code, kExitUsage);
  EXPECT_EQ(Stub("key create --role agent").exit_code, kExitRefused);  // no --agent
  EXPECT_EQ(Stub("key create --role agent --agent ghost").exit_code, kExitRefused);
  EXPECT_EQ(Stub("key create --role admin --agent a1").exit_code, kExitRefused);
  EXPECT_EQ(Stub("key revoke key_nope").exit_code, kExitRefused);
  EXPECT_EQ(Stub("key list --org nope").exit_code, kExitRefused);
  EXPECT_EQ(nlohmann::json::parse(Stub("key list --json").out)["items"].size(), 0u);
  const StubRun help = RunStub("key create --help");
  EXPECT_EQ(help.exit_code, kExitOk);
  EXPECT_NE(help.out.find("Exit codes: 0 success"), std::string::npos);
}

}  // namespace
}  // namespace stub
