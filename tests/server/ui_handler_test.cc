// The dashboard's files over real HTTP (issue 20): the set embedded at build
// time (a fixed fake build, tests/server/ui_dist_fixture, embedded by the same
// CMake step as ui/dist), a development build read from --ui-dir, the headers
// (CSP, caching, content types), the SPA fallback and path traversal.
#include "server/ui_handler.h"

#include <gtest/gtest.h>
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <span>
#include <string>

#include "server_fixture.h"

namespace stub {
// Generated from tests/server/ui_dist_fixture by scripts/embed_ui.cmake.
std::span<const UiAsset> TestUiAssets();
}  // namespace stub

namespace stub::server_testing {
namespace {

constexpr const char* kUiCsp =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

void ExpectUiHeaders(const HttpResult& r) {
  EXPECT_EQ(r.header("content-security-policy"), kUiCsp);
  EXPECT_EQ(r.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(r.header("referrer-policy"), "same-origin");
  EXPECT_EQ(r.header("x-frame-options"), "DENY");
}

void WriteUiFile(const std::filesystem::path& path, const std::string& text) {
  std::filesystem::create_directories(path.parent_path());
  std::ofstream(path, std::ios::binary) << text;
}

class EmbeddedUiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.ui.assets = TestUiAssets();
    StartServer(MakeStore(), options);
  }
};

TEST_F(EmbeddedUiTest, TheFixtureIsEmbeddedWhole) {
  const auto assets = TestUiAssets();
  ASSERT_EQ(assets.size(), 4u);
  EXPECT_EQ(assets[0].path, "assets/index-4f3a2b1c.js");
  EXPECT_EQ(assets[0].bytes, "console.log(\"fixture\");\n");
  EXPECT_EQ(assets[1].path, "assets/index-9d8e7f6a.css");
  EXPECT_EQ(assets[2].path, "favicon.svg");
  EXPECT_EQ(assets[3].path, "index.html");
}

TEST_F(EmbeddedUiTest, IndexAndAssetsCarryTheirTypesAndCacheHeaders) {
  auto client = Client();
  auto index = client.Get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.header("content-type"), "text/html; charset=utf-8");
  EXPECT_EQ(index.header("cache-control"), "no-cache");
  EXPECT_NE(index.body.find("embedded fixture"), std::string::npos);
  ExpectUiHeaders(index);
  EXPECT_EQ(client.Get("/index.html").body, index.body);

  auto js = client.Get("/assets/index-4f3a2b1c.js");
  ASSERT_EQ(js.status, 200);
  EXPECT_EQ(js.body, "console.log(\"fixture\");\n");
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
  ExpectUiHeaders(js);

  auto css = client.Get("/assets/index-9d8e7f6a.css");
  ASSERT_EQ(css.status, 200);
  EXPECT_EQ(css.header("content-type"), "text/css; charset=utf-8");
  EXPECT_EQ(css.header("cache-control"), "public, max-age=31536000, immutable");

  auto svg = client.Get("/favicon.svg");
  ASSERT_EQ(svg.status, 200);
  EXPECT_EQ(svg.header("content-type"), "image/svg+xml");
  EXPECT_EQ(svg.header("cache-control"), "no-cache");
}

TEST_F(EmbeddedUiTest, ClientRoutesGetTheIndexAndUnknownAssets404) {
  auto client = Client();
  const std::string index = client.Get("/").body;
  for (const char* route : {"/budgets", "/spends", "/spends/sp_123", "/budgets/acme/ops"}) {
    auto r = client.Get(route);
    EXPECT_EQ(r.status, 200) << route;
    EXPECT_EQ(r.body, index) << route;
    EXPECT_EQ(r.header("cache-control"), "no-cache") << route;
    ExpectUiHeaders(r);
  }
  auto missing = client.Get("/assets/index-00000000.js");
  EXPECT_EQ(missing.status, 404);
  EXPECT_EQ(missing.code(), "not_found");
  // API paths never fall back to the page.
  for (const char* api : {"/v1/nope", "/v1", "/llm/openai/v1/x"}) {
    auto r = client.Get(api);
    EXPECT_EQ(r.status, 404) << api;
    EXPECT_EQ(r.code(), "not_found") << api;
  }
  // /mcp is served (POST only), so a GET is 405, not the page.
  auto mcp = client.Get("/mcp");
  EXPECT_EQ(mcp.status, 405);
  EXPECT_EQ(mcp.header("allow"), "POST");
  auto post = client.Send("POST", "/budgets", "{}");
  EXPECT_EQ(post.status, 405);
  EXPECT_EQ(post.header("allow"), "GET");
  // The API is untouched, and its answers are not sniffed either.
  auto health = client.Get("/healthz");
  EXPECT_EQ(health.status, 200);
  EXPECT_EQ(health.header("x-content-type-options"), "nosniff");
  EXPECT_EQ(health.header("content-security-policy"), "");
}

class NotBuiltUiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerOptions options;
    options.ui.assets = {};
    StartServer(MakeStore(), options);
  }
};

TEST_F(NotBuiltUiTest, ThePageSaysHowToBuildTheDashboard) {
  auto r = Client().Get("/");
  ASSERT_EQ(r.status, 200);
  EXPECT_EQ(r.header("content-type"), "text/html; charset=utf-8");
  EXPECT_NE(r.body.find("not built"), std::string::npos) << r.body;
  EXPECT_NE(r.body.find("bash scripts/run.sh"), std::string::npos) << r.body;
  ExpectUiHeaders(r);
  EXPECT_EQ(Client().Get("/assets/index-4f3a2b1c.js").status, 404);
}

class UiDirTest : public ServerTest {
 protected:
  void SetUp() override {
    base_ = std::filesystem::path(::testing::TempDir()) /
            ("stub_ui_dir_" + std::to_string(::getpid()) + "_" +
             ::testing::UnitTest::GetInstance()->current_test_info()->name());
    std::filesystem::remove_all(base_);
    dist_ = base_ / "dist";
    WriteUiFile(dist_ / "index.html", "<!doctype html><title>dev</title>v1");
    WriteUiFile(dist_ / "assets" / "main-abc123.js", "export {};\n");
    WriteUiFile(dist_ / "assets" / "main-abc123.js.map", "{}");
    WriteUiFile(dist_ / "logo.png", "\x89PNG");
    WriteUiFile(base_ / "secret.txt", "top secret");
    std::filesystem::create_symlink(base_ / "secret.txt", dist_ / "leak.txt");
    ServerOptions options;
    options.ui.dir = dist_.string();
    StartServer(MakeStore(), options);
  }
  void TearDown() override {
    ServerTest::TearDown();
    std::filesystem::remove_all(base_);
  }

  std::filesystem::path base_;
  std::filesystem::path dist_;
};

TEST_F(UiDirTest, FilesAreReadFromDiskOnEveryRequest) {
  auto client = Client();
  auto index = client.Get("/");
  ASSERT_EQ(index.status, 200);
  EXPECT_EQ(index.body, "<!doctype html><title>dev</title>v1");
  ExpectUiHeaders(index);
  WriteUiFile(dist_ / "index.html", "<!doctype html><title>dev</title>v2");
  EXPECT_EQ(client.Get("/").body, "<!doctype html><title>dev</title>v2");
  EXPECT_EQ(client.Get("/live").body, "<!doctype html><title>dev</title>v2");

  auto js = client.Get("/assets/main-abc123.js");
  EXPECT_EQ(js.status, 200);
  EXPECT_EQ(js.header("content-type"), "text/javascript; charset=utf-8");
  EXPECT_EQ(js.header("cache-control"), "public, max-age=31536000, immutable");
  EXPECT_EQ(client.Get("/assets/main-abc123.js.map").header("content-type"), "application/json");
  EXPECT_EQ(client.Get("/logo.png").header("content-type"), "image/png");
  EXPECT_EQ(client.Get("/assets/other.js").status, 404);
}

TEST_F(UiDirTest, TraversalIsRefused) {
  auto client = Client();
  for (const char* target : {"/../secret.txt", "/assets/../../secret.txt", "/%2e%2e/secret.txt",
                             "/assets/..%2f..%2fsecret.txt", "/assets/%2E%2E/%2E%2E/secret.txt",
                             "/.%2e/secret.txt", "/a\\..\\secret.txt", "/x%00.js", "/%zz"}) {
    auto r = client.Get(target);
    EXPECT_EQ(r.status, 400) << target << ": " << r.body;
    EXPECT_EQ(r.body.find("top secret"), std::string::npos) << target;
  }
  // A symbolic link out of the folder is not followed: the app's page
  // answers instead.
  auto leak = client.Get("/leak.txt");
  EXPECT_EQ(leak.body.find("top secret"), std::string::npos);
  EXPECT_EQ(leak.body, "<!doctype html><title>dev</title>v1");
}

TEST(UiContentTypeTest, ByExtension) {
  EXPECT_EQ(UiHandler::ContentTypeFor("a.js"), "text/javascript; charset=utf-8");
  EXPECT_EQ(UiHandler::ContentTypeFor("a.css"), "text/css; charset=utf-8");
  EXPECT_EQ(UiHandler::ContentTypeFor("index.html"), "text/html; charset=utf-8");
  EXPECT_EQ(UiHandler::ContentTypeFor("a.svg"), "image/svg+xml");
  EXPECT_EQ(UiHandler::ContentTypeFor("a.png"), "image/png");
  EXPECT_EQ(UiHandler::ContentTypeFor("favicon.ico"), "image/x-icon");
  EXPECT_EQ(UiHandler::ContentTypeFor("m.json"), "application/json");
  EXPECT_EQ(UiHandler::ContentTypeFor("a.js.map"), "application/json");
  EXPECT_EQ(UiHandler::ContentTypeFor("f.woff2"), "font/woff2");
  EXPECT_EQ(UiHandler::ContentTypeFor("noext"), "application/octet-stream");
}

}  // namespace
}  // namespace stub::server_testing
