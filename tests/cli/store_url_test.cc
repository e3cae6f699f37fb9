// Store URLs as the composition root opens them: dsql:// is parsed before
// anything connects, and the real binary reports a dsql:// URL without AWS
// credentials in its environment as a refused input, naming the variables.
#include "cli/store_url.h"

#include <gtest/gtest.h>
#include <sys/wait.h>

#include <cstdio>
#include <string>

#include "cli_test_util.h"

namespace stub {
namespace {

TEST(StoreUrlTest, ABadDsqlUrlIsRefusedBeforeConnecting) {
  const auto no_region = OpenStore("dsql://db.example.com?user=admin");
  ASSERT_FALSE(no_region.ok());
  EXPECT_EQ(no_region.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(no_region.status().message().find("region is missing"), std::string::npos)
      << no_region.status().message();

  const auto plaintext = OpenStore("dsql://abc.dsql.us-east-1.on.aws?user=admin&sslmode=disable");
  ASSERT_FALSE(plaintext.ok());
  EXPECT_EQ(plaintext.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(plaintext.status().message().find("sslmode 'disable' is refused"), std::string::npos)
      << plaintext.status().message();
}

TEST(StoreUrlTest, UnknownSchemesListDsql) {
  const auto r = OpenStore("mysql://localhost");
  ASSERT_FALSE(r.ok());
  EXPECT_EQ(r.status().code(), StatusCode::kInvalidArgument);
  EXPECT_NE(r.status().message().find("dsql://"), std::string::npos) << r.status().message();
}

TEST(StoreUrlTest, TheBinaryNamesMissingAwsCredentialsForDsql) {
  // The endpoint is never contacted: the token is built before the
  // connection, and without credentials there is none.
  const testing::StubRun run = testing::RunStub(
      "bench --db 'dsql://abc123def.dsql.us-east-1.on.aws?user=admin' "
      "--seconds 1 --json",
      "-u AWS_ACCESS_KEY_ID -u AWS_SECRET_ACCESS_KEY -u AWS_SESSION_TOKEN");
  EXPECT_EQ(run.exit_code, 3) << run.out << run.err;
  EXPECT_NE(run.err.find("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"),
            std::string::npos)
      << run.err;
}

}  // namespace
}  // namespace stub
