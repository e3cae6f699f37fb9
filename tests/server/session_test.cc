// Dashboard sessions over real HTTP (issue 20): sign-in per role, the cookie's
// attributes, reload, CSRF and Origin checks on state changes, sign-out,
// expiry, revocation, a restart, and the event stream with the cookie.
#include <gtest/gtest.h>

#include <atomic>
#include <map>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>
#include <utility>
#include <vector>

#include "server_fixture.h"

namespace stub::server_testing {
namespace {

using json = nlohmann::json;

// A signed-in browser: its cookie and CSRF token.
struct Browser {
  std::string cookie;  // "stub_session=<token>"
  std::string csrf;
};

class SessionApiTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    admin_key_ = CreateOrg("acme");
    ASSERT_FALSE(admin_key_.empty());
    auto admin = Client(admin_key_);
    ASSERT_EQ(admin.Put("/v1/teams/ops", json::object()).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/a1", {{"team", "ops"}}).status, 201);
  }

  std::string NewKey(const std::string& role, const std::string& agent = "") {
    json body = {{"role", role}, {"name", role + " person"}};
    if (!agent.empty()) body["agent"] = agent;
    auto r = Client(admin_key_).Post("/v1/keys", body);
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("key", "");
  }

  HttpResult SignIn(const std::string& key, std::map<std::string, std::string> extra = {}) {
    return Client().Send("POST", "/v1/session", json{{"key", key}}.dump(), extra);
  }

  // Signs in with `key`; the cookie as a browser would send it back.
  Browser SignedIn(const std::string& key) {
    auto r = SignIn(key);
    EXPECT_EQ(r.status, 200) << r.body;
    const std::string set_cookie = r.header("set-cookie");
    return Browser{set_cookie.substr(0, set_cookie.find(';')), r.json().value("csrf_token", "")};
  }

  HttpResult As(const Browser& b, const std::string& method, const std::string& target,
                const std::string& body = "", std::map<std::string, std::string> extra = {}) {
    extra["Cookie"] = b.cookie;
    return Client().Send(method, target, body, extra);
  }

  std::string admin_key_;
};

TEST_F(SessionApiTest, AdminFinanceAndApproverKeysSignIn) {
  for (const std::string role : {"admin", "finance", "approver"}) {
    const std::string key = NewKey(role);
    auto r = SignIn(key);
    ASSERT_EQ(r.status, 200) << role << ": " << r.body;
    const json body = r.json();
    EXPECT_EQ(body["org"], "acme");
    EXPECT_EQ(body["role"], role);
    EXPECT_TRUE(body["key_id"].get<std::string>().starts_with("key_")) << body;
    EXPECT_EQ(body["name"], role + " person");
    EXPECT_TRUE(
        std::regex_match(body["csrf_token"].get<std::string>(), std::regex("[0-9a-f]{64}")));
    // 12 h after the test clock's start (2026-11-28T10:00:00Z).
    EXPECT_EQ(body["expires_at"], "2026-11-28T22:00:00Z");
    EXPECT_EQ(r.header("cache-control"), "no-store");
    EXPECT_TRUE(std::regex_match(
        r.header("set-cookie"),
        std::regex("stub_session=stub_sess_[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/; "
                   "Max-Age=43200")))
        << r.header("set-cookie");
    // The key itself is nowhere in the answer.
    EXPECT_EQ(r.body.find(key), std::string::npos);
    EXPECT_EQ(r.header("set-cookie").find(key), std::string::npos);
  }
}

TEST_F(SessionApiTest, AgentRootUnknownAndRevokedKeysAreRefused) {
  auto agent = SignIn(NewKey("agent", "a1"));
  EXPECT_EQ(agent.status, 403) << agent.body;
  EXPECT_EQ(agent.code(), "forbidden");
  EXPECT_EQ(agent.json()["error"]["message"], "agent keys cannot sign in to the dashboard");
  EXPECT_EQ(agent.header("set-cookie"), "");

  auto root = SignIn(kRootKey);
  EXPECT_EQ(root.status, 403) << root.body;
  EXPECT_EQ(root.code(), "forbidden");

  auto unknown = SignIn("stub_live_" + std::string(64, '0'));
  EXPECT_EQ(unknown.status, 401) << unknown.body;
  EXPECT_EQ(unknown.code(), "unauthorized");
  EXPECT_EQ(SignIn("not a key").status, 401);

  const std::string finance = NewKey("finance");
  auto listed = Client(admin_key_).Get("/v1/keys");
  ASSERT_EQ(listed.status, 200) << listed.body;
  std::string finance_id;
  const json keys = listed.json();
  for (const auto& k : keys["items"]) {
    if (k["role"] == "finance") finance_id = k["id"];
  }
  ASSERT_FALSE(finance_id.empty()) << listed.body;
  ASSERT_EQ(Client(admin_key_).Send("DELETE", "/v1/keys/" + finance_id).status, 204);
  auto revoked = SignIn(finance);
  EXPECT_EQ(revoked.status, 401) << revoked.body;
  EXPECT_EQ(revoked.code(), "unauthorized");

  auto no_key = Client().Send("POST", "/v1/session", "{}");
  EXPECT_EQ(no_key.status, 400) << no_key.body;
  EXPECT_EQ(no_key.code(), "invalid_request");
  auto bad_json = Client().Send("POST", "/v1/session", "{");
  EXPECT_EQ(bad_json.status, 400);
  EXPECT_EQ(bad_json.code(), "invalid_json");
}

// `stub serve --demo`'s single-use sign-in link (the token is in the URL
// fragment; the page posts it as {"link"}).
HttpResult RedeemLink(std::uint16_t port, const std::string& link,
                      std::map<std::string, std::string> extra = {}) {
  return HttpClient(port).Send("POST", "/v1/session", json{{"link", link}}.dump(), extra);
}

constexpr const char* kLinkRefusal =
    "this sign-in link was already used, has expired or is unknown: ask for a new link (restart "
    "`stub serve --demo`) or paste an API key";

TEST_F(SessionApiTest, ASignInLinkSignsInOnceLikeItsKey) {
  auto link = server_->IssueSignInLink(admin_key_);
  ASSERT_TRUE(link.ok()) << link.status().ToString();
  EXPECT_TRUE(std::regex_match(*link, std::regex("stub_link_[0-9a-f]{64}"))) << *link;

  auto first = RedeemLink(port(), *link);
  ASSERT_EQ(first.status, 200) << first.body;
  const json body = first.json();
  EXPECT_EQ(body["org"], "acme");
  EXPECT_EQ(body["role"], "admin");
  EXPECT_EQ(body["name"], "admin");
  EXPECT_EQ(body["currency"], "USD");
  EXPECT_EQ(body["kill_switch"], false);
  EXPECT_EQ(body["expires_at"], "2026-11-28T22:00:00Z");
  EXPECT_EQ(first.header("cache-control"), "no-store");
  const std::string set_cookie = first.header("set-cookie");
  EXPECT_TRUE(std::regex_match(
      set_cookie, std::regex("stub_session=stub_sess_[0-9a-f]{64}; HttpOnly; SameSite=Strict; "
                             "Path=/; Max-Age=43200")))
      << set_cookie;
  const Browser b{set_cookie.substr(0, set_cookie.find(';')), body["csrf_token"]};
  EXPECT_EQ(As(b, "GET", "/v1/budgets").status, 200);
  auto ok = As(b, "PUT", "/v1/teams/growth", json::object().dump(), {{"X-CSRF-Token", b.csrf}});
  EXPECT_EQ(ok.status, 201) << ok.body;

  auto second = RedeemLink(port(), *link);
  EXPECT_EQ(second.status, 401) << second.body;
  EXPECT_EQ(second.code(), "unauthorized");
  EXPECT_EQ(second.json()["error"]["message"], kLinkRefusal);
  EXPECT_EQ(second.header("set-cookie"), "");

  auto unknown = RedeemLink(port(), "stub_link_" + std::string(64, '0'));
  EXPECT_EQ(unknown.status, 401) << unknown.body;
  EXPECT_EQ(unknown.json()["error"]["message"], kLinkRefusal);
  auto empty = RedeemLink(port(), "");
  EXPECT_EQ(empty.status, 400) << empty.body;
  EXPECT_EQ(empty.code(), "invalid_request");
  // A key is not a link, nor a link a key.
  EXPECT_EQ(RedeemLink(port(), admin_key_).status, 401);
  auto other = server_->IssueSignInLink(admin_key_);
  ASSERT_TRUE(other.ok());
  EXPECT_EQ(SignIn(*other).status, 401);
  auto both =
      Client().Send("POST", "/v1/session", json{{"key", admin_key_}, {"link", *other}}.dump());
  EXPECT_EQ(both.status, 400) << both.body;
  EXPECT_EQ(both.code(), "invalid_request");
  EXPECT_EQ(RedeemLink(port(), *other).status, 200);  // a refused body did not use it
}

TEST_F(SessionApiTest, ASignInLinkExpiresAfterTenMinutes) {
  auto link = server_->IssueSignInLink(admin_key_);
  auto late = server_->IssueSignInLink(admin_key_);
  ASSERT_TRUE(link.ok() && late.ok());
  clock_.Advance(10LL * 60 * kMicrosPerSecond - 1);
  EXPECT_EQ(RedeemLink(port(), *link).status, 200);
  clock_.Advance(1);
  auto expired = RedeemLink(port(), *late);
  EXPECT_EQ(expired.status, 401) << expired.body;
  EXPECT_EQ(expired.code(), "unauthorized");
  EXPECT_EQ(expired.json()["error"]["message"], kLinkRefusal);
}

TEST_F(SessionApiTest, ASignInLinkChecksItsKeyAndOriginWhenRedeemed) {
  // The key's role and revocation are checked when the link is used.
  auto agent = server_->IssueSignInLink(NewKey("agent", "a1"));
  ASSERT_TRUE(agent.ok());
  auto refused = RedeemLink(port(), *agent);
  EXPECT_EQ(refused.status, 403) << refused.body;
  EXPECT_EQ(refused.code(), "forbidden");
  EXPECT_EQ(RedeemLink(port(), *agent).status, 401);  // used up all the same

  const std::string finance = NewKey("finance");
  auto link = server_->IssueSignInLink(finance);
  ASSERT_TRUE(link.ok());
  auto cross = RedeemLink(port(), *link, {{"Origin", "http://evil.example"}});
  EXPECT_EQ(cross.status, 403) << cross.body;
  // A refused origin never reached the link: it still works once.
  std::string finance_id;
  const json keys = Client(admin_key_).Get("/v1/keys").json();
  for (const auto& k : keys["items"]) {
    if (k["role"] == "finance") finance_id = k["id"];
  }
  ASSERT_EQ(Client(admin_key_).Send("DELETE", "/v1/keys/" + finance_id).status, 204);
  auto revoked = RedeemLink(port(), *link);
  EXPECT_EQ(revoked.status, 401) << revoked.body;
  EXPECT_EQ(revoked.json()["error"]["message"], "unknown or revoked API key");
}

TEST_F(SessionApiTest, SignInLinksAreBoundedInNumber) {
  // 16 are kept: issuing a 17th drops the one that expires soonest.
  std::vector<std::string> links;
  for (int i = 0; i < 17; ++i) {
    auto link = server_->IssueSignInLink(admin_key_);
    ASSERT_TRUE(link.ok());
    links.push_back(*link);
    clock_.Advance(1);
  }
  EXPECT_EQ(RedeemLink(port(), links[0]).status, 401);
  for (int i = 1; i < 17; ++i) EXPECT_EQ(RedeemLink(port(), links[i]).status, 200) << i;
}

TEST_F(SessionApiTest, TheSessionCarriesTheOrgsCurrencyAndKillSwitch) {
  const Browser b = SignedIn(NewKey("approver"));
  auto before = As(b, "GET", "/v1/session");
  ASSERT_EQ(before.status, 200) << before.body;
  EXPECT_EQ(before.json()["currency"], "USD");
  EXPECT_EQ(before.json()["kill_switch"], false);
  ASSERT_EQ(Client(admin_key_).Post("/v1/kill-switch", {{"engaged", true}}).status, 200);
  auto after = As(b, "GET", "/v1/session");
  ASSERT_EQ(after.status, 200) << after.body;
  EXPECT_EQ(after.json()["kill_switch"], true);
  // And a fresh sign-in says so too.
  EXPECT_EQ(SignIn(admin_key_).json()["kill_switch"], true);
}

TEST_F(SessionApiTest, AReloadedPageGetsItsSessionBack) {
  const Browser b = SignedIn(NewKey("finance"));
  auto again = As(b, "GET", "/v1/session");
  ASSERT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["csrf_token"], b.csrf);
  EXPECT_EQ(again.json()["role"], "finance");
  EXPECT_EQ(again.json()["org"], "acme");
  EXPECT_EQ(again.header("set-cookie"), "");

  auto none = Client().Get("/v1/session");
  EXPECT_EQ(none.status, 401);
  EXPECT_EQ(none.code(), "unauthorized");
  auto forged = Client().Send("GET", "/v1/session", "",
                              {{"Cookie", "stub_session=stub_sess_" + std::string(64, 'a')}});
  EXPECT_EQ(forged.status, 401);
}

TEST_F(SessionApiTest, TheCookieAuthenticatesReadsAsItsKey) {
  const Browser b = SignedIn(NewKey("finance"));
  auto budgets = As(b, "GET", "/v1/budgets");
  ASSERT_EQ(budgets.status, 200) << budgets.body;
  EXPECT_EQ(budgets.json()["id"], "acme");
  // The role is the key's: finance may not create keys.
  auto create =
      As(b, "POST", "/v1/keys", json{{"role", "admin"}}.dump(), {{"X-CSRF-Token", b.csrf}});
  EXPECT_EQ(create.status, 403) << create.body;
  EXPECT_EQ(create.code(), "forbidden");
  // Other cookies beside it are ignored.
  auto with_others =
      Client().Send("GET", "/v1/budgets", "", {{"Cookie", "theme=dark; " + b.cookie + "; x=1"}});
  EXPECT_EQ(with_others.status, 200) << with_others.body;
}

TEST_F(SessionApiTest, StateChangesNeedTheCsrfTokenAndChangeNothingWithout) {
  const Browser b = SignedIn(admin_key_);
  const std::string body = json::object().dump();
  auto missing = As(b, "PUT", "/v1/teams/growth", body);
  EXPECT_EQ(missing.status, 403) << missing.body;
  EXPECT_EQ(missing.code(), "forbidden");
  EXPECT_NE(missing.json()["error"]["message"].get<std::string>().find("X-CSRF-Token"),
            std::string::npos);
  auto wrong = As(b, "PUT", "/v1/teams/growth", body, {{"X-CSRF-Token", std::string(64, '0')}});
  EXPECT_EQ(wrong.status, 403) << wrong.body;
  EXPECT_EQ(wrong.code(), "forbidden");
  auto kill = As(b, "POST", "/v1/kill-switch", json{{"engaged", true}}.dump());
  EXPECT_EQ(kill.status, 403) << kill.body;
  // Nothing changed.
  auto admin = Client(admin_key_);
  EXPECT_EQ(admin.Get("/v1/budgets/growth").status, 404);
  auto spend = admin.Post("/v1/spends", {{"agent", "a1"},
                                         {"amount", "0.01"},
                                         {"vendor", "api.x.com"},
                                         {"idempotency_key", "csrf-1"}});
  EXPECT_EQ(spend.status, 201) << spend.body;  // the kill-switch is not engaged

  auto ok = As(b, "PUT", "/v1/teams/growth", body, {{"X-CSRF-Token", b.csrf}});
  EXPECT_EQ(ok.status, 201) << ok.body;
  EXPECT_EQ(admin.Get("/v1/budgets/growth").status, 200);
  // A Bearer key needs no CSRF token, cookie or not.
  auto bearer = Client(admin_key_).Send("PUT", "/v1/teams/bearer", body, {{"Cookie", b.cookie}});
  EXPECT_EQ(bearer.status, 201) << bearer.body;
}

TEST_F(SessionApiTest, AForeignOriginIsRefused) {
  const Browser b = SignedIn(admin_key_);
  const std::string body = json::object().dump();
  auto foreign = As(b, "PUT", "/v1/teams/growth", body,
                    {{"X-CSRF-Token", b.csrf}, {"Origin", "http://evil.example"}});
  EXPECT_EQ(foreign.status, 403) << foreign.body;
  EXPECT_EQ(foreign.code(), "forbidden");
  EXPECT_NE(foreign.json()["error"]["message"].get<std::string>().find("origin"),
            std::string::npos);
  EXPECT_EQ(Client(admin_key_).Get("/v1/budgets/growth").status, 404);
  // The test client's Host is 127.0.0.1: that is the server's own origin.
  auto own = As(b, "PUT", "/v1/teams/growth", body,
                {{"X-CSRF-Token", b.csrf}, {"Origin", "http://127.0.0.1"}});
  EXPECT_EQ(own.status, 201) << own.body;
  // Sign-in from another origin is refused too (login CSRF).
  auto cross_sign_in = SignIn(admin_key_, {{"Origin", "http://evil.example"}});
  EXPECT_EQ(cross_sign_in.status, 403) << cross_sign_in.body;
  EXPECT_EQ(cross_sign_in.header("set-cookie"), "");
}

TEST_F(SessionApiTest, SignOutEndsTheSession) {
  const Browser b = SignedIn(NewKey("approver"));
  auto no_csrf = As(b, "DELETE", "/v1/session");
  EXPECT_EQ(no_csrf.status, 403) << no_csrf.body;
  EXPECT_EQ(As(b, "GET", "/v1/session").status, 200);

  auto out = As(b, "DELETE", "/v1/session", "", {{"X-CSRF-Token", b.csrf}});
  EXPECT_EQ(out.status, 204) << out.body;
  EXPECT_EQ(out.header("set-cookie"),
            "stub_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0");
  auto after = As(b, "GET", "/v1/session");
  EXPECT_EQ(after.status, 401);
  EXPECT_EQ(after.code(), "unauthorized");
  EXPECT_EQ(As(b, "GET", "/v1/budgets").status, 401);
  // Signing out again only clears the cookie.
  EXPECT_EQ(As(b, "DELETE", "/v1/session").status, 204);
  EXPECT_EQ(Client().Send("DELETE", "/v1/session").status, 204);
}

TEST_F(SessionApiTest, AnExpiredSessionIsRefused) {
  const Browser b = SignedIn(NewKey("finance"));
  clock_.Advance(12LL * 3600 * kMicrosPerSecond - 1);
  EXPECT_EQ(As(b, "GET", "/v1/budgets").status, 200);
  clock_.Advance(1);
  auto expired = As(b, "GET", "/v1/budgets");
  EXPECT_EQ(expired.status, 401) << expired.body;
  EXPECT_EQ(expired.code(), "unauthorized");
  EXPECT_EQ(As(b, "GET", "/v1/session").status, 401);
}

TEST_F(SessionApiTest, RevokingTheKeyEndsItsSessionsAtOnce) {
  const std::string key = NewKey("finance");
  const Browser b = SignedIn(key);
  ASSERT_EQ(As(b, "GET", "/v1/budgets").status, 200);
  const std::string key_id = As(b, "GET", "/v1/session").json()["key_id"];
  ASSERT_EQ(Client(admin_key_).Send("DELETE", "/v1/keys/" + key_id).status, 204);
  auto after = As(b, "GET", "/v1/budgets");
  EXPECT_EQ(after.status, 401) << after.body;
  EXPECT_EQ(As(b, "GET", "/v1/session").status, 401);
}

TEST_F(SessionApiTest, SessionsSurviveARestartOnTheSameStore) {
  const Browser b = SignedIn(NewKey("finance"));
  auto store = std::move(store_);
  StopServer();
  StartServer(std::move(store));
  auto again = As(b, "GET", "/v1/session");
  EXPECT_EQ(again.status, 200) << again.body;
  EXPECT_EQ(again.json()["csrf_token"], b.csrf);
}

TEST_F(SessionApiTest, TheEventStreamWorksWithTheCookie) {
  const Browser b = SignedIn(NewKey("finance"));
  auto [status, events] =
      HttpClient::ReadEventsWithHeaders(port(), "Cookie: " + b.cookie + "\r\n", "", 1, [&] {
        auto spend = Client(admin_key_)
                         .Post("/v1/spends", {{"agent", "a1"},
                                              {"amount", "0.02"},
                                              {"vendor", "api.x.com"},
                                              {"idempotency_key", "sse-1"}});
        EXPECT_EQ(spend.status, 201) << spend.body;
      });
  EXPECT_EQ(status, 200);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "spend.approved");
  EXPECT_EQ(events[0].data["agent"], "a1");
  auto [refused, none] = HttpClient::ReadEventsWithHeaders(
      port(), "Cookie: stub_session=stub_sess_" + std::string(64, 'b') + "\r\n", "", 1);
  EXPECT_EQ(refused, 401);
  EXPECT_TRUE(none.empty());
}

TEST_F(SessionApiTest, BehindTlsTheCookieIsSecureAndTheOriginHttps) {
  auto store = std::move(store_);
  StopServer();
  ServerOptions options;
  options.cookie_secure = true;
  options.sessions.ttl = std::chrono::seconds(600);
  StartServer(std::move(store), options);
  auto r = SignIn(admin_key_);
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_TRUE(std::regex_match(
      r.header("set-cookie"),
      std::regex("stub_session=stub_sess_[0-9a-f]{64}; HttpOnly; SameSite=Strict; Path=/; "
                 "Max-Age=600; Secure")))
      << r.header("set-cookie");
  const std::string set_cookie = r.header("set-cookie");
  const Browser b{set_cookie.substr(0, set_cookie.find(';')), r.json()["csrf_token"]};
  const std::string body = json::object().dump();
  auto http_origin = As(b, "PUT", "/v1/teams/growth", body,
                        {{"X-CSRF-Token", b.csrf}, {"Origin", "http://127.0.0.1"}});
  EXPECT_EQ(http_origin.status, 403) << http_origin.body;
  auto https_origin = As(b, "PUT", "/v1/teams/growth", body,
                         {{"X-CSRF-Token", b.csrf}, {"Origin", "https://127.0.0.1"}});
  EXPECT_EQ(https_origin.status, 201) << https_origin.body;
  auto out = As(b, "DELETE", "/v1/session", "", {{"X-CSRF-Token", b.csrf}});
  EXPECT_EQ(out.header("set-cookie"),
            "stub_session=; HttpOnly; SameSite=Strict; Path=/; Max-Age=0; Secure");
}

}  // namespace
}  // namespace stub::server_testing
