// dsql:// URLs: the parsing table (good and bad URLs), the conninfo they
// become (values quoted and escaped), and the per-connection token source
// (fresh token per call, the right action, credentials read at call time,
// missing credentials refused before any connection).
#include "store/postgres/dsql_url.h"

#include <gtest/gtest.h>

#include <chrono>
#include <map>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/time_util.h"

namespace stub {
namespace {

constexpr std::string_view kClusterHost = "abc123def.dsql.us-east-1.on.aws";

// The value of query parameter `name` in a token ("" if absent).
std::string TokenParam(std::string_view token, std::string_view name) {
  const std::string key = std::string(name) + "=";
  std::size_t at = token.find('?');
  while (at != std::string_view::npos) {
    const std::size_t start = at + 1;
    if (token.substr(start, key.size()) == key) {
      const std::size_t end = token.find('&', start);
      return std::string(token.substr(start + key.size(), end == std::string_view::npos
                                                              ? std::string_view::npos
                                                              : end - start - key.size()));
    }
    at = token.find('&', start);
  }
  return {};
}

// --- parsing: good URLs --------------------------------------------------------

struct GoodCase {
  std::string url;
  DsqlUrl want;
};

TEST(DsqlUrlTest, ParsesGoodUrlsAndFillsDefaults) {
  const std::string root(kDsqlDefaultRootCert);
  const std::vector<GoodCase> cases = {
      // Region inferred from the endpoint; every default.
      {"dsql://abc123def.dsql.us-east-1.on.aws?user=admin",
       {.host = "abc123def.dsql.us-east-1.on.aws",
        .port = 5432,
        .region = "us-east-1",
        .user = "admin",
        .database = "postgres",
        .sslmode = "verify-full",
        .sslrootcert = root,
        .expires = std::chrono::seconds(900)}},
      // A trailing slash is no path.
      {"dsql://abc123def.dsql.us-east-1.on.aws/?user=admin",
       {.host = "abc123def.dsql.us-east-1.on.aws",
        .region = "us-east-1",
        .user = "admin",
        .sslrootcert = root}},
      // Everything explicit; the explicit region wins over the endpoint's.
      {"dsql://abc123def.dsql.us-east-1.on.aws:6543?region=eu-west-1&user=app&database=ledger&"
       "sslmode=verify-full&sslrootcert=/opt/ca.pem&expires=3600",
       {.host = "abc123def.dsql.us-east-1.on.aws",
        .port = 6543,
        .region = "eu-west-1",
        .user = "app",
        .database = "ledger",
        .sslmode = "verify-full",
        .sslrootcert = "/opt/ca.pem",
        .expires = std::chrono::seconds(3600)}},
      // A custom endpoint with an explicit region; require passes no CA
      // bundle (libpq would otherwise verify the chain).
      {"dsql://db.internal.example.com?region=ap-southeast-2&user=reader&sslmode=require",
       {.host = "db.internal.example.com",
        .region = "ap-southeast-2",
        .user = "reader",
        .sslmode = "require",
        .sslrootcert = ""}},
      // Percent-decoded values; parameter order does not matter; empty
      // pairs are skipped.
      {"dsql://abc123def.dsql.us-east-1.on.aws?expires=1&&user=o%27brien%5Cx%20y%40z",
       {.host = "abc123def.dsql.us-east-1.on.aws",
        .region = "us-east-1",
        .user = "o'brien\\x y@z",
        .sslrootcert = root,
        .expires = std::chrono::seconds(1)}},
      {"dsql://abc123def.dsql.us-east-1.on.aws:1?user=u&expires=604800",
       {.host = "abc123def.dsql.us-east-1.on.aws",
        .port = 1,
        .region = "us-east-1",
        .user = "u",
        .sslrootcert = root,
        .expires = std::chrono::seconds(604800)}},
  };
  for (const GoodCase& c : cases) {
    SCOPED_TRACE(c.url);
    const Result<DsqlUrl> got = ParseDsqlUrl(c.url);
    ASSERT_TRUE(got.ok()) << got.status().ToString();
    EXPECT_EQ(got->host, c.want.host);
    EXPECT_EQ(got->port, c.want.port);
    EXPECT_EQ(got->region, c.want.region);
    EXPECT_EQ(got->user, c.want.user);
    EXPECT_EQ(got->database, c.want.database);
    EXPECT_EQ(got->sslmode, c.want.sslmode);
    EXPECT_EQ(got->sslrootcert, c.want.sslrootcert);
    EXPECT_EQ(got->expires, c.want.expires);
    EXPECT_EQ(*got, c.want);
  }
}

// --- parsing: bad URLs ---------------------------------------------------------

struct BadCase {
  std::string url;
  std::string message_has;  // a fragment of the error message
};

TEST(DsqlUrlTest, RefusesBadUrlsWithAClearMessage) {
  const std::vector<BadCase> cases = {
      {"postgres://abc123def.dsql.us-east-1.on.aws?user=admin", "must start with dsql://"},
      {"dsql://?user=admin&region=us-east-1", "cluster endpoint is missing"},
      {"dsql://:5432?user=admin&region=us-east-1", "cluster endpoint is missing"},
      {"dsql://db.example.com?user=admin", "region is missing"},
      {"dsql://abc.dsql.us-east-1.on.aws", "user is missing"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=", "'user' is empty"},
      {"dsql://abc.dsql.us-east-1.on.aws:0?user=admin", "port '0'"},
      {"dsql://abc.dsql.us-east-1.on.aws:65536?user=admin", "port '65536'"},
      {"dsql://abc.dsql.us-east-1.on.aws:54x2?user=admin", "port '54x2'"},
      {"dsql://abc.dsql.us-east-1.on.aws:-1?user=admin", "port '-1'"},
      {"dsql://abc.dsql.us-east-1.on.aws:?user=admin", "port ''"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&sslmode=disable", "sslmode 'disable'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&sslmode=prefer", "sslmode 'prefer'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&sslmode=allow", "sslmode 'allow'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&sslmode=verify-ca", "sslmode 'verify-ca'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&sslmode=VERIFY-FULL", "sslmode 'VERIFY-FULL'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&expires=0", "expires '0'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&expires=604801", "expires '604801'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&expires=15m", "expires '15m'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&password=x", "unknown parameter 'password'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&usr=b", "unknown parameter 'usr'"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin&user=app", "'user' is given twice"},
      {"dsql://abc.dsql.us-east-1.on.aws?user", "'user' has no value"},
      {"dsql://admin:secret@abc.dsql.us-east-1.on.aws?user=admin", "user info"},
      {"dsql://abc.dsql.us-east-1.on.aws/postgres?user=admin", "a path is not allowed"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin#frag", "fragment"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=ad%2min", "malformed percent-encoding in user"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=admin%", "malformed percent-encoding in user"},
      {"dsql://abc.dsql.us-east-1.on.aws?user=ad%00min", "user contains a NUL byte"},
      {"dsql://abc_def.dsql.us-east-1.on.aws?user=admin", "is not a host name"},
      {"dsql://[::1]:5432?user=admin&region=us-east-1", "is not a host name"},
  };
  for (const BadCase& c : cases) {
    SCOPED_TRACE(c.url);
    const Result<DsqlUrl> got = ParseDsqlUrl(c.url);
    ASSERT_FALSE(got.ok());
    EXPECT_EQ(got.status().code(), StatusCode::kInvalidArgument);
    EXPECT_TRUE(got.status().message().starts_with("dsql:// URL: ")) << got.status().message();
    EXPECT_NE(got.status().message().find(c.message_has), std::string::npos)
        << got.status().message();
  }
}

TEST(DsqlUrlTest, ThePasswordInUserInfoIsNotEchoed) {
  const Result<DsqlUrl> got = ParseDsqlUrl("dsql://admin:hunter2@abc.dsql.us-east-1.on.aws");
  ASSERT_FALSE(got.ok());
  EXPECT_EQ(got.status().message().find("hunter2"), std::string::npos);
}

// --- conninfo --------------------------------------------------------------------

TEST(DsqlUrlTest, ConninfoQuotesEveryValue) {
  const Result<DsqlUrl> url =
      ParseDsqlUrl("dsql://abc123def.dsql.us-east-1.on.aws:6543?user=admin&database=ledger");
  ASSERT_TRUE(url.ok());
  EXPECT_EQ(DsqlConninfo(*url),
            "host='abc123def.dsql.us-east-1.on.aws' port='6543' dbname='ledger' user='admin' "
            "sslmode='verify-full' sslrootcert='/etc/ssl/certs/ca-certificates.crt'");
}

TEST(DsqlUrlTest, ConninfoEscapesQuotesAndBackslashes) {
  // user o'brien\x y=1 and a database with a quote: libpq's grammar needs \'
  // and \\ inside single quotes; a space or '=' is then harmless.
  const Result<DsqlUrl> url = ParseDsqlUrl(
      "dsql://db.example.com?region=us-west-2&user=o%27brien%5Cx%20y%3D1&database=a%27b&"
      "sslmode=require");
  ASSERT_TRUE(url.ok()) << url.status().ToString();
  EXPECT_EQ(url->user, "o'brien\\x y=1");
  EXPECT_EQ(DsqlConninfo(*url),
            "host='db.example.com' port='5432' dbname='a\\'b' user='o\\'brien\\\\x y=1' "
            "sslmode='require'");
}

// --- the token source ------------------------------------------------------------

class FakeDsqlEnv {
 public:
  std::map<std::string, std::string> vars;
  Timestamp now = MakeTimestamp(2026, 11, 28, 12, 0, 0);
  int now_calls = 0;

  DsqlEnvironment Environment() {
    return {.now =
                [this] {
                  ++now_calls;
                  return now;
                },
            .getenv = [this](const char* name) -> const char* {
              const auto it = vars.find(name);
              return it == vars.end() ? nullptr : it->second.c_str();
            }};
  }
};

FakeDsqlEnv WithCredentials() {
  FakeDsqlEnv env;
  env.vars = {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"},
              {"AWS_SECRET_ACCESS_KEY", "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY"},
              {"AWS_SESSION_TOKEN", "session/token=="}};
  return env;
}

TEST(DsqlUrlTest, StoreOptionsUseABareBeginAndATokenPassword) {
  FakeDsqlEnv env = WithCredentials();
  const Result<DsqlUrl> url = ParseDsqlUrl("dsql://abc123def.dsql.us-east-1.on.aws?user=app");
  ASSERT_TRUE(url.ok());
  const PostgresStoreOptions options = DsqlStoreOptions(*url, env.Environment());
  EXPECT_TRUE(options.bare_begin);
  ASSERT_TRUE(options.password);
  const Result<std::string> token = options.password();
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  // The shape: the endpoint, no scheme, a presigned DbConnect GET for dsql.
  EXPECT_TRUE(token->starts_with(std::string(kClusterHost) + "/?Action=DbConnect&")) << *token;
  EXPECT_EQ(token->find("://"), std::string::npos);
  EXPECT_EQ(TokenParam(*token, "Action"), "DbConnect");
  EXPECT_EQ(TokenParam(*token, "X-Amz-Algorithm"), "AWS4-HMAC-SHA256");
  EXPECT_EQ(TokenParam(*token, "X-Amz-Credential"),
            "AKIDEXAMPLE%2F20261128%2Fus-east-1%2Fdsql%2Faws4_request");
  EXPECT_EQ(TokenParam(*token, "X-Amz-Date"), "20261128T120000Z");
  EXPECT_EQ(TokenParam(*token, "X-Amz-Expires"), "900");
  EXPECT_EQ(TokenParam(*token, "X-Amz-Security-Token"), "session%2Ftoken%3D%3D");
  EXPECT_EQ(TokenParam(*token, "X-Amz-SignedHeaders"), "host");
  EXPECT_EQ(TokenParam(*token, "X-Amz-Signature").size(), 64u);
  // Exactly the token GenerateDsqlAuthToken makes for these inputs.
  const Result<std::string> direct = GenerateDsqlAuthToken(
      {.hostname = std::string(kClusterHost),
       .region = "us-east-1",
       .user = "app",
       .credentials = {.access_key_id = "AKIDEXAMPLE",
                       .secret_access_key = "wJalrXUtnFEMI/K7MDENG+bPxRfiCYEXAMPLEKEY",
                       .session_token = "session/token=="},
       .now = env.now});
  ASSERT_TRUE(direct.ok());
  EXPECT_EQ(*token, *direct);
  EXPECT_EQ(token->find("wJalrXUtnFEMI"), std::string::npos);
}

TEST(DsqlUrlTest, AdminGetsDbConnectAdminAndTheUrlsExpiry) {
  FakeDsqlEnv env = WithCredentials();
  const Result<DsqlUrl> url = ParseDsqlUrl(
      "dsql://abc123def.dsql.us-east-1.on.aws:6543?user=admin&expires=60&region=eu-west-1");
  ASSERT_TRUE(url.ok());
  const Result<std::string> token = DsqlStoreOptions(*url, env.Environment()).password();
  ASSERT_TRUE(token.ok()) << token.status().ToString();
  // The port is not part of the signed host.
  EXPECT_TRUE(token->starts_with(std::string(kClusterHost) + "/?Action=DbConnectAdmin&")) << *token;
  EXPECT_EQ(TokenParam(*token, "X-Amz-Expires"), "60");
  EXPECT_EQ(TokenParam(*token, "X-Amz-Credential"),
            "AKIDEXAMPLE%2F20261128%2Feu-west-1%2Fdsql%2Faws4_request");
}

TEST(DsqlUrlTest, EachCallMakesAFreshTokenFromTheTimeAndCredentialsOfThatCall) {
  FakeDsqlEnv env = WithCredentials();
  const Result<DsqlUrl> url = ParseDsqlUrl("dsql://abc123def.dsql.us-east-1.on.aws?user=app");
  ASSERT_TRUE(url.ok());
  const PostgresStoreOptions options = DsqlStoreOptions(*url, env.Environment());

  const Result<std::string> first = options.password();
  env.now += 7 * kMicrosPerSecond;  // a later connection
  const Result<std::string> second = options.password();
  ASSERT_TRUE(first.ok() && second.ok());
  EXPECT_EQ(env.now_calls, 2);  // the clock is read per call, not once
  EXPECT_EQ(TokenParam(*first, "X-Amz-Date"), "20261128T120000Z");
  EXPECT_EQ(TokenParam(*second, "X-Amz-Date"), "20261128T120007Z");
  EXPECT_NE(TokenParam(*first, "X-Amz-Signature"), TokenParam(*second, "X-Amz-Signature"));
  EXPECT_NE(*first, *second);

  // Rotated credentials (a refreshed session) are picked up by the next
  // connection, with no new store options.
  env.vars["AWS_ACCESS_KEY_ID"] = "AKIDROTATED";
  env.vars["AWS_SESSION_TOKEN"] = "rotated";
  const Result<std::string> third = options.password();
  ASSERT_TRUE(third.ok());
  EXPECT_EQ(TokenParam(*third, "X-Amz-Credential"),
            "AKIDROTATED%2F20261128%2Fus-east-1%2Fdsql%2Faws4_request");
  EXPECT_EQ(TokenParam(*third, "X-Amz-Security-Token"), "rotated");
  EXPECT_NE(*third, *second);
}

TEST(DsqlUrlTest, MissingCredentialsAreAClearErrorAtConnectionTime) {
  FakeDsqlEnv env;  // nothing set
  const Result<DsqlUrl> url = ParseDsqlUrl("dsql://abc123def.dsql.us-east-1.on.aws?user=app");
  ASSERT_TRUE(url.ok());
  const PostgresStoreOptions options = DsqlStoreOptions(*url, env.Environment());
  const Result<std::string> none = options.password();
  ASSERT_FALSE(none.ok());
  EXPECT_EQ(none.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(none.status().message().find("AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY are not set"),
            std::string::npos)
      << none.status().message();

  env.vars = {{"AWS_ACCESS_KEY_ID", "AKIDEXAMPLE"}};
  const Result<std::string> half = options.password();
  ASSERT_FALSE(half.ok());
  EXPECT_EQ(half.status().code(), StatusCode::kFailedPrecondition);
  EXPECT_NE(half.status().message().find("AWS_SECRET_ACCESS_KEY is not set"), std::string::npos)
      << half.status().message();
  EXPECT_EQ(half.status().message().find("AKIDEXAMPLE"), std::string::npos);

  // Set later (before the next connection): it works, no restart needed.
  env.vars["AWS_SECRET_ACCESS_KEY"] = "secret";
  EXPECT_TRUE(options.password().ok());
}

}  // namespace
}  // namespace stub
