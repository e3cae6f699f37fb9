#include "server/fetch_target.h"

#include <gtest/gtest.h>

namespace stub {
namespace {

TEST(FetchTargetTest, SplitsOriginAndTargetAndDropsTheFragment) {
  auto t = FetchTarget::Parse("https://API.example.com:8443/v1/report?q=a%20b&x=1#top");
  ASSERT_TRUE(t.ok()) << t.status().message();
  EXPECT_TRUE(t->origin.tls);
  EXPECT_EQ(t->origin.port, 8443);
  EXPECT_EQ(t->target, "/v1/report?q=a%20b&x=1");
  EXPECT_EQ(t->url, "https://API.example.com:8443/v1/report?q=a%20b&x=1");
  auto bare = FetchTarget::Parse("http://127.0.0.1:4021");
  ASSERT_TRUE(bare.ok());
  EXPECT_EQ(bare->target, "/");
  EXPECT_EQ(bare->origin.port, 4021);
  auto query_only = FetchTarget::Parse("http://h?x=1");
  ASSERT_TRUE(query_only.ok());
  EXPECT_EQ(query_only->target, "/?x=1");
  EXPECT_EQ(query_only->origin.port, 80);
}

TEST(FetchTargetTest, RefusesWhatIsNotAPlainHttpUrl) {
  for (const char* bad :
       {"", "ftp://h/x", "file:///etc/passwd", "http://", "http:///x", "http://user:pw@h/x",
        "http://h/a b", "http://h/\r\nX-Injected: 1", "//h/x", "h/x", "gopher://h"}) {
    auto t = FetchTarget::Parse(bad);
    ASSERT_FALSE(t.ok()) << bad;
    EXPECT_EQ(t.status().reason(), "invalid_request") << bad;
  }
  EXPECT_FALSE(FetchTarget::Parse("http://h/" + std::string(9000, 'a')).ok());
}

TEST(FetchTargetTest, ResolvesRedirectsOfEveryForm) {
  auto t = FetchTarget::Parse("https://a.example/x/y/z?q=1");
  ASSERT_TRUE(t.ok());
  EXPECT_EQ(t->Resolve("http://b.example/p")->url, "http://b.example/p");
  EXPECT_EQ(t->Resolve("//c.example/p")->url, "https://c.example/p");
  EXPECT_EQ(t->Resolve("/root?k=v")->url, "https://a.example/root?k=v");
  EXPECT_EQ(t->Resolve("sib")->url, "https://a.example/x/y/sib");
  EXPECT_FALSE(t->Resolve("ftp://x/y").ok());
}

}  // namespace
}  // namespace stub
