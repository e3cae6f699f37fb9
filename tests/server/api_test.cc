// The API v1 endpoints end to end over loopback HTTP: orgs, keys and roles,
// the budget tree, spends (approved, denied, replayed), the bad-input table
// (each refused with its code and changing nothing), holds, reads, verify.
#include <gtest/gtest.h>

#include <thread>
#include <vector>

#include "server_fixture.h"

namespace stub::server_testing {
namespace {

using nlohmann::json;

// Runs on the memory store and on a real SQLite file.
class ApiTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::unique_ptr<Store> MakeStore() override {
    return GetParam() == "sqlite" ? MakeSqliteStore() : ServerTest::MakeStore();
  }

  void SetUp() override {
    ServerTest::SetUp();
    admin_key_ = CreateOrg("acme");
    ASSERT_FALSE(admin_key_.empty());
    auto admin = Client(admin_key_);
    ASSERT_EQ(admin.Put("/v1/org", {{"limits", {{{"amount", "100"}, {"period", "month"}}}}}).status,
              200);
    auto team = admin.Put(
        "/v1/teams/marketing",
        {{"name", "Marketing"}, {"limits", {{{"amount", "10.00"}, {"period", "month"}}}}});
    ASSERT_EQ(team.status, 201) << team.body;
    auto agent =
        admin.Put("/v1/agents/a1",
                  {{"team", "marketing"}, {"limits", {{{"amount", "1.00"}, {"period", "day"}}}}});
    ASSERT_EQ(agent.status, 201) << agent.body;
    ASSERT_EQ(admin.Put("/v1/agents/a2", {{"team", "marketing"}}).status, 201);
    auto key = admin.Post("/v1/keys", {{"role", "agent"}, {"agent", "a1"}});
    ASSERT_EQ(key.status, 201) << key.body;
    agent_key_ = key.json()["key"];
    agent_key_id_ = key.json()["id"];
  }

  json Spend(const std::string& amount, const std::string& key) {
    return {{"agent", "a1"},
            {"amount", amount},
            {"vendor", "api.dataco.com"},
            {"idempotency_key", key}};
  }

  // The journal and the budgets as a finance reader sees them.
  std::string Books() {
    auto admin = Client(admin_key_);
    return admin.Get("/v1/journal?limit=1000").body + admin.Get("/v1/budgets").body +
           admin.Get("/v1/spends?limit=1000").body;
  }

  std::string admin_key_;
  std::string agent_key_;
  std::string agent_key_id_;
};

TEST_P(ApiTest, TreeNodesAreCreatedThenUpdatedKeepingWhatTheBodyLeavesOut) {
  auto admin = Client(admin_key_);
  auto nested = admin.Put("/v1/teams/seo", {{"parent", "marketing"}, {"name", "SEO"}});
  ASSERT_EQ(nested.status, 201) << nested.body;
  EXPECT_EQ(nested.json()["parent"], "marketing");
  auto updated =
      admin.Put("/v1/teams/seo", {{"limits", {{{"amount", "2.5"}, {"period", "week"}}}}});
  ASSERT_EQ(updated.status, 200);
  EXPECT_EQ(updated.json()["parent"], "marketing");  // not moved
  EXPECT_EQ(updated.json()["name"], "SEO");
  EXPECT_EQ(updated.json()["limits"], json::array({{{"amount", "2.5"}, {"period", "week"}}}));
  auto moved = admin.Put("/v1/agents/a2", {{"team", "seo"}});
  ASSERT_EQ(moved.status, 200);
  EXPECT_EQ(moved.json()["parent"], "seo");
  auto cycle = admin.Put("/v1/teams/marketing", {{"parent", "seo"}});
  EXPECT_EQ(cycle.status, 400);
  auto node = admin.Get("/v1/budgets/seo").json();
  EXPECT_EQ(node["children"][0]["id"], "a2");
  EXPECT_EQ(node["binding"], json({{"node", "seo"}, {"period", "week"}}));
  EXPECT_EQ(node["effective_remaining"], "2.5");
}

TEST_P(ApiTest, AuthIsRequiredAndChecked) {
  auto anon = Client();
  auto r = anon.Get("/v1/budgets");
  EXPECT_EQ(r.status, 401);
  EXPECT_EQ(r.code(), "unauthorized");
  auto wrong = Client("stub_live_" + std::string(64, '0'));
  EXPECT_EQ(wrong.Get("/v1/budgets").status, 401);
  auto garbage = Client("hello");
  EXPECT_EQ(garbage.Get("/v1/budgets").status, 401);
  // Root creates orgs; an admin may not; an existing id is 409.
  auto admin = Client(admin_key_);
  auto no = admin.Post("/v1/orgs", {{"id", "beta"}});
  EXPECT_EQ(no.status, 403);
  EXPECT_EQ(no.code(), "forbidden");
  auto dup = Client(kRootKey).Post("/v1/orgs", {{"id", "acme"}});
  EXPECT_EQ(dup.status, 409);
  EXPECT_EQ(dup.code(), "already_exists");
}

TEST_P(ApiTest, AgentKeysSpendOnlyAsTheirAgentAndCannotChangeTheTree) {
  auto agent = Client(agent_key_);
  auto put = agent.Put("/v1/teams/x", json::object());
  EXPECT_EQ(put.status, 403);
  EXPECT_EQ(put.code(), "forbidden");
  EXPECT_EQ(agent.Put("/v1/org", {{"limits", json::array()}}).status, 403);
  EXPECT_EQ(agent.Post("/v1/keys", {{"role", "admin"}}).status, 403);
  EXPECT_EQ(agent.Get("/v1/budgets").status, 403);
  EXPECT_EQ(agent.Get("/v1/budgets/a2").status, 403);
  auto own = agent.Get("/v1/budgets/a1");
  EXPECT_EQ(own.status, 200);
  EXPECT_EQ(own.json()["effective_remaining"], "1");
  EXPECT_EQ(own.json()["binding"], json({{"node", "a1"}, {"period", "day"}}));
  auto as_other = agent.Post(
      "/v1/spends",
      {{"agent", "a2"}, {"amount", "0.10"}, {"vendor", "x.com"}, {"idempotency_key", "k1"}});
  EXPECT_EQ(as_other.status, 403);
  // The agent is implied by the key.
  auto implied = agent.Post("/v1/spends",
                            {{"amount", "0.10"}, {"vendor", "x.com"}, {"idempotency_key", "k2"}});
  EXPECT_EQ(implied.status, 201) << implied.body;
}

TEST_P(ApiTest, FinanceReadsButCannotSpendAndRevocationIsImmediate) {
  auto admin = Client(admin_key_);
  auto made = admin.Post("/v1/keys", {{"role", "finance"}, {"name", "cfo"}});
  ASSERT_EQ(made.status, 201);
  EXPECT_TRUE(made.json()["key"].get<std::string>().starts_with("stub_live_"));
  auto finance = Client(made.json()["key"]);
  EXPECT_EQ(finance.Get("/v1/budgets").status, 200);
  EXPECT_EQ(finance.Get("/v1/verify").status, 200);
  EXPECT_EQ(finance.Post("/v1/spends", Spend("0.1", "f1")).status, 403);
  auto listed = admin.Get("/v1/keys");
  ASSERT_EQ(listed.status, 200);
  EXPECT_EQ(listed.json()["items"].size(), 3u);                  // admin, agent, finance
  EXPECT_EQ(listed.body.find("stub_live_"), std::string::npos);  // secrets never shown again
  auto revoked = admin.Send("DELETE", "/v1/keys/" + made.json()["id"].get<std::string>());
  EXPECT_EQ(revoked.status, 204);
  EXPECT_EQ(finance.Get("/v1/budgets").status, 401);
  EXPECT_EQ(admin.Send("DELETE", "/v1/keys/key_nope").status, 404);
  // An agent key for an agent that does not exist is refused.
  auto ghost = admin.Post("/v1/keys", {{"role", "agent"}, {"agent", "ghost"}});
  EXPECT_EQ(ghost.status, 404);
  EXPECT_EQ(admin.Post("/v1/keys", {{"role", "emperor"}}).status, 400);
}

// A key revoked by another process (here a second KeyService on the same
// store, as `stub key revoke --db` would) is refused by this server's next
// spend and hold at once, although the server's key cache still holds it —
// and another key of the org keeps working.
TEST_P(ApiTest, AKeyRevokedElsewhereCannotSpendThroughTheKeyCache) {
  auto agent = Client(agent_key_);
  ASSERT_EQ(agent.Post("/v1/spends", Spend("0.10", "c1")).status, 201);  // caches the key
  auto other = Client(admin_key_);
  ASSERT_EQ(other.Post("/v1/spends", Spend("0.10", "c2")).status, 201);
  KeyService elsewhere(*store_, clock_);
  ASSERT_TRUE(elsewhere.Revoke("acme", agent_key_id_).ok());
  const std::string before = Books();
  auto spend = agent.Post("/v1/spends", Spend("0.10", "c3"));
  EXPECT_EQ(spend.status, 401) << spend.body;
  EXPECT_EQ(spend.code(), "unauthorized");
  EXPECT_EQ(agent.Post("/v1/spends", Spend("0.10", "c1")).status, 401);  // no replay either
  EXPECT_EQ(agent.Post("/v1/holds", Spend("0.10", "h3")).status, 401);
  EXPECT_EQ(agent.Get("/v1/budgets/a1").status, 401);
  EXPECT_EQ(Books(), before);
  EXPECT_EQ(other.Post("/v1/spends", Spend("0.10", "c4")).status, 201);
}

TEST_P(ApiTest, AnotherOrgsObjectsAre404) {
  auto spend = Client(admin_key_).Post("/v1/spends", Spend("0.10", "s1"));
  ASSERT_EQ(spend.status, 201);
  auto hold = Client(admin_key_).Post("/v1/holds", Spend("0.10", "h1"));
  ASSERT_EQ(hold.status, 201);
  const std::string other_admin = CreateOrg("beta");
  auto beta = Client(other_admin);
  const std::string before = Books();
  EXPECT_EQ(beta.Get("/v1/budgets/a1").code(), "not_found");
  EXPECT_EQ(beta.Get("/v1/budgets/acme").status, 404);
  EXPECT_EQ(beta.Get("/v1/spends/" + spend.json()["id"].get<std::string>()).status, 404);
  const std::string hold_id = hold.json()["id"];
  EXPECT_EQ(beta.Get("/v1/holds/" + hold_id).status, 404);
  EXPECT_EQ(beta.Post("/v1/holds/" + hold_id + "/void", json::object()).status, 404);
  EXPECT_EQ(beta.Post("/v1/holds/" + hold_id + "/capture", {{"amount", "0.01"}}).status, 404);
  EXPECT_EQ(beta.Post("/v1/spends", Spend("0.10", "s2")).code(), "not_found");  // no agent a1
  EXPECT_EQ(beta.Send("DELETE", "/v1/keys/" + agent_key_id_).status, 404);
  EXPECT_EQ(Books(), before);
  EXPECT_EQ(Client(agent_key_).Get("/v1/budgets/a1").status, 200);  // still works
}

TEST_P(ApiTest, SpendApprovedDeniedAndReplayed) {
  auto admin = Client(admin_key_);
  auto ok = admin.Post("/v1/spends", Spend("0.25", "k-1"));
  ASSERT_EQ(ok.status, 201) << ok.body;
  auto j = ok.json();
  EXPECT_EQ(j["status"], "approved");
  EXPECT_EQ(j["amount"], "0.25");
  EXPECT_EQ(j["entry"]["seq"], 4);  // after the three limit changes of SetUp
  EXPECT_EQ(j["entry"]["hash"].get<std::string>().size(), 64u);
  EXPECT_EQ(j["effective_remaining"], "0.75");
  EXPECT_EQ(ok.header("idempotent-replayed"), "");

  auto again = admin.Post("/v1/spends", Spend("0.25", "k-1"));
  EXPECT_EQ(again.status, 201);
  EXPECT_EQ(again.json(), j);
  EXPECT_EQ(again.header("idempotent-replayed"), "true");
  // The key in a header works the same.
  auto via_header =
      admin.Send("POST", "/v1/spends",
                 json({{"agent", "a1"}, {"amount", "0.25"}, {"vendor", "api.dataco.com"}}).dump(),
                 {{"Idempotency-Key", "k-1"}});
  EXPECT_EQ(via_header.status, 201);
  EXPECT_EQ(via_header.header("idempotent-replayed"), "true");

  auto reused = admin.Post("/v1/spends", Spend("0.30", "k-1"));
  EXPECT_EQ(reused.status, 409);
  EXPECT_EQ(reused.code(), "idempotency_key_reused");

  auto denied = admin.Post("/v1/spends", Spend("0.80", "k-2"));
  ASSERT_EQ(denied.status, 402) << denied.body;
  EXPECT_EQ(denied.json()["status"], "denied");
  EXPECT_EQ(denied.json()["reason"], "budget_exceeded");
  EXPECT_EQ(denied.json()["node"], "a1");
  EXPECT_EQ(denied.json()["period"], "day");
  EXPECT_FALSE(denied.json()["message"].get<std::string>().empty());
  auto denied_again = admin.Post("/v1/spends", Spend("0.80", "k-2"));
  EXPECT_EQ(denied_again.status, 402);
  EXPECT_EQ(denied_again.json(), denied.json());
  EXPECT_EQ(denied_again.header("idempotent-replayed"), "true");

  // Reads: the spend with its entry, the denial, the budget tree.
  auto list = admin.Get("/v1/spends");
  ASSERT_EQ(list.status, 200);
  ASSERT_EQ(list.json()["items"].size(), 2u);
  auto only_denied = admin.Get("/v1/spends?status=denied");
  ASSERT_EQ(only_denied.json()["items"].size(), 1u);
  EXPECT_EQ(only_denied.json()["items"][0]["reason"], "budget_exceeded");
  auto by_team = admin.Get("/v1/spends?team=marketing&status=approved");
  ASSERT_EQ(by_team.json()["items"].size(), 1u);
  EXPECT_EQ(admin.Get("/v1/spends?team=nobody").json()["items"].size(), 0u);
  auto one = admin.Get("/v1/spends/" + j["id"].get<std::string>());
  EXPECT_EQ(one.status, 200);
  EXPECT_EQ(one.json()["amount"], "0.25");
  auto budgets = admin.Get("/v1/budgets");
  ASSERT_EQ(budgets.status, 200);
  auto tree = budgets.json();
  EXPECT_EQ(tree["id"], "acme");
  EXPECT_EQ(tree["kind"], "org");
  EXPECT_EQ(tree["limits"][0], json({{"amount", "100"},
                                     {"period", "month"},
                                     {"spent", "0.25"},
                                     {"held", "0"},
                                     {"remaining", "99.75"}}));
  ASSERT_EQ(tree["children"].size(), 1u);
  EXPECT_EQ(tree["children"][0]["id"], "marketing");
  EXPECT_EQ(tree["children"][0]["children"].size(), 2u);
  // The three limit changes of SetUp (config entries), then the spend.
  auto journal = admin.Get("/v1/journal");
  ASSERT_EQ(journal.json()["entries"].size(), 4u);
  for (int i = 0; i < 3; ++i) {
    EXPECT_EQ(journal.json()["entries"][i]["kind"], "config");
    EXPECT_EQ(journal.json()["entries"][i]["change"]["action"], "limits.updated");
    EXPECT_EQ(journal.json()["entries"][i]["lines"], json::array());
  }
  auto lines = journal.json()["entries"][3]["lines"];
  ASSERT_EQ(lines.size(), 2u);
  EXPECT_EQ(lines[0]["amount"].get<std::string>() == "0.25" ||
                lines[1]["amount"].get<std::string>() == "0.25",
            true);
  auto verify = admin.Get("/v1/verify");
  EXPECT_EQ(verify.json()["ok"], true);
  EXPECT_EQ(verify.json()["entries"], 4);
}

// Every bad input gets its 4xx and changes neither the journal nor balances.
TEST_P(ApiTest, BadInputIsRefusedAndChangesNothing) {
  auto admin = Client(admin_key_);
  ASSERT_EQ(admin.Post("/v1/spends", Spend("0.10", "seed")).status, 201);
  const std::string before = Books();
  struct Case {
    std::string name;
    std::string body;
    int status;
    std::string code;
    std::map<std::string, std::string> headers = {};
    std::string key = "";  // "" → admin
  };
  const std::string good_rest = R"("vendor":"x.com","idempotency_key":"bad-1")";
  const std::vector<Case> cases = {
      {"malformed json", R"({"agent":"a1",)", 400, "invalid_json"},
      {"not an object", R"([1,2])", 400, "invalid_request"},
      {"amount as number", R"({"agent":"a1","amount":0.25,)" + good_rest + "}", 400,
       "invalid_amount"},
      {"seven decimals", R"({"agent":"a1","amount":"0.0000001",)" + good_rest + "}", 400,
       "invalid_amount"},
      {"negative", R"({"agent":"a1","amount":"-1",)" + good_rest + "}", 400, "invalid_amount"},
      {"zero", R"({"agent":"a1","amount":"0",)" + good_rest + "}", 400, "invalid_amount"},
      {"overflow", R"({"agent":"a1","amount":"99999999999999999999",)" + good_rest + "}", 400,
       "invalid_amount"},
      {"missing amount", R"({"agent":"a1",)" + good_rest + "}", 400, "invalid_amount"},
      {"unknown agent", R"({"agent":"nobody","amount":"0.1",)" + good_rest + "}", 404, "not_found"},
      {"agent wrong type", R"({"agent":7,"amount":"0.1",)" + good_rest + "}", 400,
       "invalid_request"},
      {"receipt wrong type", R"({"agent":"a1","amount":"0.1","receipt":"x",)" + good_rest + "}",
       400, "invalid_request"},
      {"missing idempotency key", R"({"agent":"a1","amount":"0.1","vendor":"x.com"})", 400,
       "invalid_request"},
      {"missing vendor", R"({"agent":"a1","amount":"0.1","idempotency_key":"bad-2"})", 400,
       "invalid_request"},
      {"invalid utf-8",
       "{\"agent\":\"a1\",\"amount\":\"0.1\",\"intent\":\"\xff\xfe\"," + good_rest + "}", 400,
       "invalid_json"},
      {"no key",
       R"({"agent":"a1","amount":"0.1",)" + good_rest + "}",
       401,
       "unauthorized",
       {},
       "none"},
      {"wrong role",
       R"({"agent":"a2","amount":"0.1",)" + good_rest + "}",
       403,
       "forbidden",
       {},
       "agent"},
  };
  for (const Case& c : cases) {
    auto client = Client(c.key == "none" ? "" : c.key == "agent" ? agent_key_ : admin_key_);
    auto r = client.Send("POST", "/v1/spends", c.body, c.headers);
    EXPECT_EQ(r.status, c.status) << c.name << ": " << r.body;
    EXPECT_EQ(r.code(), c.code) << c.name << ": " << r.body;
    auto h = client.Send("POST", "/v1/holds", c.body, c.headers);
    EXPECT_EQ(h.status, c.status) << c.name << " (hold): " << h.body;
  }
  // Tree input.
  auto bad_limit = admin.Put("/v1/teams/t", {{"limits", {{{"amount", 5}, {"period", "day"}}}}});
  EXPECT_EQ(bad_limit.code(), "invalid_amount");
  auto bad_period =
      admin.Put("/v1/teams/t", {{"limits", {{{"amount", "5"}, {"period", "fortnight"}}}}});
  EXPECT_EQ(bad_period.code(), "invalid_request");
  auto agent_under_agent = admin.Put("/v1/agents/z", {{"team", "a2"}});
  EXPECT_EQ(agent_under_agent.code(), "invalid_request");
  auto unknown_team = admin.Put("/v1/agents/z", {{"team", "nope"}});
  EXPECT_EQ(unknown_team.status, 404);
  auto bad_id = admin.Put("/v1/teams/Bad%20Id", json::object());
  EXPECT_EQ(bad_id.status, 400);
  auto too_big = admin.Send("POST", "/v1/spends", std::string((1 << 20) + 100, ' '));
  EXPECT_EQ(too_big.status, 413);
  EXPECT_EQ(Books(), before);
}

TEST_P(ApiTest, HoldLifecycleCaptureVoidAndExpiry) {
  auto agent = Client(agent_key_);
  auto held = agent.Post("/v1/holds", {{"amount", "0.50"},
                                       {"vendor", "api.openai.com"},
                                       {"idempotency_key", "h-1"},
                                       {"expires_in", 60}});
  ASSERT_EQ(held.status, 201) << held.body;
  EXPECT_EQ(held.json()["status"], "held");
  EXPECT_EQ(held.json()["expires_at"], "2026-11-28T10:01:00Z");
  const std::string id = held.json()["id"];
  auto budget = agent.Get("/v1/budgets/a1");
  EXPECT_EQ(budget.json()["limits"][0]["held"], "0.5");
  // Too much, then a real capture, then a second capture.
  auto over = agent.Post("/v1/holds/" + id + "/capture", {{"amount", "0.51"}});
  EXPECT_EQ(over.status, 422);
  EXPECT_EQ(over.code(), "capture_exceeds_hold");
  auto cap = agent.Post("/v1/holds/" + id + "/capture",
                        {{"amount", "0.20"}, {"receipt", {{"tokens", 1200}}}});
  ASSERT_EQ(cap.status, 201) << cap.body;
  EXPECT_EQ(cap.json()["status"], "approved");
  EXPECT_EQ(cap.json()["amount"], "0.2");
  auto twice = agent.Post("/v1/holds/" + id + "/capture", {{"amount", "0.10"}});
  EXPECT_EQ(twice.status, 409);
  EXPECT_EQ(twice.code(), "hold_not_pending");
  EXPECT_EQ(agent.Post("/v1/holds/" + id + "/void", json::object()).code(), "hold_not_pending");
  auto got = agent.Get("/v1/holds/" + id);
  EXPECT_EQ(got.json()["status"], "captured");
  EXPECT_EQ(got.json()["captured"], "0.2");
  auto spend = Client(admin_key_).Get("/v1/spends/" + cap.json()["id"].get<std::string>());
  EXPECT_EQ(spend.json()["receipt"], json({{"tokens", 1200}}));

  // Void.
  auto h2 = agent.Post("/v1/holds",
                       {{"amount", "0.30"}, {"vendor", "x.com"}, {"idempotency_key", "h-2"}});
  ASSERT_EQ(h2.status, 201);
  const std::string id2 = h2.json()["id"];
  auto voided = agent.Post("/v1/holds/" + id2 + "/void", json::object());
  EXPECT_EQ(voided.status, 200);
  EXPECT_EQ(voided.json(), json({{"id", id2}, {"status", "voided"}}));

  // Expiry: past its time the hold reads as expired, cannot be captured, and
  // the server's sweeper releases its reservation.
  auto h3 = agent.Post(
      "/v1/holds",
      {{"amount", "0.40"}, {"vendor", "x.com"}, {"idempotency_key", "h-3"}, {"expires_in", 5}});
  ASSERT_EQ(h3.status, 201);
  const std::string id3 = h3.json()["id"];
  EXPECT_EQ(agent.Get("/v1/budgets/a1").json()["limits"][0]["held"], "0.4");
  clock_.Advance(6 * kMicrosPerSecond);
  EXPECT_EQ(agent.Get("/v1/holds/" + id3).json()["status"], "expired");
  EXPECT_EQ(agent.Post("/v1/holds/" + id3 + "/capture", {{"amount", "0.1"}}).code(),
            "hold_not_pending");
  for (;;) {  // the sweeper runs every 20 ms
    auto journal = Client(admin_key_).Get("/v1/journal").json()["entries"];
    if (journal.back()["kind"] == "expire") break;
    std::this_thread::yield();
  }
  EXPECT_EQ(agent.Get("/v1/budgets/a1").json()["limits"][0]["held"], "0");
  EXPECT_EQ(agent.Get("/v1/budgets/a1").json()["limits"][0]["spent"], "0.2");
  EXPECT_EQ(Client(admin_key_).Get("/v1/verify").json()["ok"], true);
}

// A hold may ask to be booked in full, not released, if it is never settled
// (money that may be gone once the hold is taken).
TEST_P(ApiTest, AHoldMayAskToBeCapturedAtItsExpiry) {
  auto agent = Client(agent_key_);
  const std::string before = Books();
  auto bad = agent.Post(
      "/v1/holds",
      {{"amount", "0.40"}, {"vendor", "x.com"}, {"idempotency_key", "c-1"}, {"on_expiry", "keep"}});
  EXPECT_EQ(bad.status, 400);
  EXPECT_EQ(bad.code(), "invalid_request");
  auto not_text = agent.Post(
      "/v1/holds",
      {{"amount", "0.40"}, {"vendor", "x.com"}, {"idempotency_key", "c-1"}, {"on_expiry", true}});
  EXPECT_EQ(not_text.status, 400);
  EXPECT_EQ(Books(), before);

  const json body = {{"amount", "0.40"},
                     {"vendor", "x.com"},
                     {"idempotency_key", "c-1"},
                     {"expires_in", 5},
                     {"on_expiry", "capture"}};
  auto held = agent.Post("/v1/holds", body);
  ASSERT_EQ(held.status, 201) << held.body;
  const std::string id = held.json()["id"];
  EXPECT_EQ(agent.Get("/v1/holds/" + id).json()["on_expiry"], "capture");
  EXPECT_EQ(agent.Post("/v1/holds", body).header("idempotent-replayed"), "true");
  // The same key for a hold that would be released is another request.
  json released = body;
  released["on_expiry"] = "expire";
  auto reused = agent.Post("/v1/holds", released);
  EXPECT_EQ(reused.status, 409);
  EXPECT_EQ(reused.code(), "idempotency_key_reused");

  clock_.Advance(6 * kMicrosPerSecond);
  auto due = agent.Get("/v1/holds/" + id).json();
  EXPECT_EQ(due["status"], "held");  // not "expired": it is being booked
  for (;;) {                         // the sweeper runs every 20 ms
    auto journal = Client(admin_key_).Get("/v1/journal").json()["entries"];
    if (journal.back()["kind"] == "capture") break;
    std::this_thread::yield();
  }
  auto got = agent.Get("/v1/holds/" + id).json();
  EXPECT_EQ(got["status"], "captured");
  EXPECT_EQ(got["captured"], "0.4");
  auto spend = Client(admin_key_).Get("/v1/spends/" + got["spend_id"].get<std::string>());
  ASSERT_EQ(spend.status, 200) << spend.body;
  EXPECT_EQ(spend.json()["receipt"], json({{"settled_at_expiry", true}}));
  EXPECT_EQ(agent.Get("/v1/budgets/a1").json()["limits"][0]["held"], "0");
  EXPECT_EQ(agent.Get("/v1/budgets/a1").json()["limits"][0]["spent"], "0.4");
  EXPECT_EQ(Client(admin_key_).Get("/v1/verify").json()["ok"], true);
}

// Many connections race one budget through the batcher: exactly what fits
// is approved, never more.
TEST_P(ApiTest, ConcurrentSpendsOnOneBudgetApproveExactlyWhatFits) {
  auto admin = Client(admin_key_);
  ASSERT_EQ(admin
                .Put("/v1/agents/a1",
                     {{"team", "marketing"}, {"limits", {{{"amount", "3.00"}, {"period", "day"}}}}})
                .status,
            200);
  constexpr int kClients = 32;
  constexpr int kEach = 4;  // 128 spends of 0.05 = 6.40 against 3.00: 60 fit
  std::atomic<int> approved{0};
  std::atomic<int> denied{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      auto client = Client(agent_key_);
      for (int i = 0; i < kEach; ++i) {
        auto r = client.Post("/v1/spends",
                             {{"amount", "0.05"},
                              {"vendor", "x.com"},
                              {"idempotency_key", std::to_string(c) + "-" + std::to_string(i)}});
        if (r.status == 201) {
          ++approved;
        } else if (r.status == 402) {
          ++denied;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(approved.load(), 60);
  EXPECT_EQ(denied.load(), kClients * kEach - 60);
  EXPECT_EQ(other.load(), 0);
  auto budget = admin.Get("/v1/budgets/a1").json();
  EXPECT_EQ(budget["limits"][0]["spent"], "3");
  EXPECT_EQ(budget["effective_remaining"], "0");
  EXPECT_EQ(admin.Get("/v1/verify").json()["ok"], true);
}

INSTANTIATE_TEST_SUITE_P(Stores, ApiTest, ::testing::Values("memory", "sqlite"),
                         [](const auto& param_info) { return param_info.param; });

// Server-Sent Events: spend and hold events arrive live, denials too, an agent
// key sees only its agent, and Last-Event-ID resumes after the last one seen.
TEST_P(ApiTest, EventsStreamSpendsAndHoldsAndResume) {
  auto admin = Client(admin_key_);
  ASSERT_EQ(admin.Post("/v1/spends", Spend("0.10", "before")).status, 201);  // not replayed
  std::string hold_id;
  auto [status, events] = HttpClient::ReadEvents(port(), admin_key_, "", 5, [&] {
    // Events of one feed are ordered by commit time; the clock moves so
    // that journal entries and denials interleave as they happened.
    auto c = Client(admin_key_);
    EXPECT_EQ(c.Post("/v1/spends", Spend("0.20", "e-1")).status, 201);
    clock_.Advance(1);
    EXPECT_EQ(c.Post("/v1/spends", Spend("5.00", "e-2")).status, 402);
    clock_.Advance(1);
    auto h = c.Post("/v1/holds", Spend("0.30", "e-3"));
    EXPECT_EQ(h.status, 201);
    hold_id = h.json().value("id", "");
    clock_.Advance(1);
    EXPECT_EQ(c.Post("/v1/holds/" + hold_id + "/capture", {{"amount", "0.25"}}).status, 201);
    clock_.Advance(1);
    EXPECT_EQ(
        c.Post(
             "/v1/spends",
             {{"agent", "a2"}, {"amount", "0.01"}, {"vendor", "y.com"}, {"idempotency_key", "e-4"}})
            .status,
        201);
  });
  EXPECT_EQ(status, 200);
  ASSERT_EQ(events.size(), 5u);
  EXPECT_EQ(events[0].event, "spend.approved");
  EXPECT_EQ(events[0].data["amount"], "0.2");
  EXPECT_EQ(events[1].event, "spend.denied");
  EXPECT_EQ(events[1].data["reason"], "budget_exceeded");
  EXPECT_EQ(events[2].event, "hold.created");
  EXPECT_EQ(events[2].data["id"], hold_id);
  EXPECT_EQ(events[3].event, "hold.captured");
  EXPECT_EQ(events[3].data["hold"], hold_id);
  EXPECT_EQ(events[4].event, "spend.approved");
  EXPECT_EQ(events[4].data["agent"], "a2");

  // Resume after the second event: the next three, nothing before.
  auto [status2, resumed] = HttpClient::ReadEvents(port(), admin_key_, events[1].id, 3);
  EXPECT_EQ(status2, 200);
  ASSERT_EQ(resumed.size(), 3u);
  EXPECT_EQ(resumed[0].event, "hold.created");
  EXPECT_EQ(resumed[0].id, events[2].id);
  EXPECT_EQ(resumed[2].id, events[4].id);

  // An agent key sees only its own agent's events (a1: 4 of the 5 above).
  auto [status3, own] = HttpClient::ReadEvents(port(), agent_key_, events[0].id, 3);
  EXPECT_EQ(status3, 200);
  ASSERT_EQ(own.size(), 3u);
  for (const auto& e : own) EXPECT_EQ(e.data["agent"], "a1");

  EXPECT_EQ(HttpClient::ReadEvents(port(), admin_key_, "garbage", 1).first, 400);
  EXPECT_EQ(HttpClient::ReadEvents(port(), "stub_live_nobody", "", 1).first, 401);
}

}  // namespace
}  // namespace stub::server_testing
