// Safety over loopback HTTP (API.md "Safety"): policies (PUT/GET, roles,
// bad input), every policy's denial with its explanation, freeze/unfreeze,
// the kill-switch, approvals (202, list, approve captures, deny releases,
// expiry, 409 approval_not_pending, approver yes / finance no), the events
// and the audit trail of every change. On the memory store and SQLite.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace stub::server_testing {
namespace {

using nlohmann::json;

class ApiSafetyTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::unique_ptr<Store> MakeStore() override {
    return GetParam() == "sqlite" ? MakeSqliteStore() : ServerTest::MakeStore();
  }

  void SetUp() override {
    ServerTest::SetUp();
    admin_key_ = CreateOrg("acme");
    ASSERT_FALSE(admin_key_.empty());
    auto admin = Client(admin_key_);
    ASSERT_EQ(admin.Put("/v1/teams/marketing", {{"name", "Marketing"}}).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/a1", {{"team", "marketing"}}).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/a2", {{"team", "marketing"}}).status, 201);
    for (const char* role : {"finance", "approver"}) {
      auto k = admin.Post("/v1/keys", {{"role", role}});
      ASSERT_EQ(k.status, 201);
      keys_[role] = k.json()["key"];
    }
    auto k = admin.Post("/v1/keys", {{"role", "agent"}, {"agent", "a1"}});
    ASSERT_EQ(k.status, 201);
    keys_["agent"] = k.json()["key"];
  }

  static json Spend(const std::string& agent, const std::string& amount, const std::string& key,
                    const std::string& vendor = "api.dataco.com",
                    const std::string& category = "data") {
    return {{"agent", agent},
            {"amount", amount},
            {"vendor", vendor},
            {"category", category},
            {"idempotency_key", key}};
  }

  std::vector<json> Changes(const std::string& action) {
    std::vector<json> out;
    auto j = Client(admin_key_).Get("/v1/journal?limit=1000").json();
    for (const auto& e : j["entries"]) {
      if (e["kind"] == "config" && e["change"]["action"] == action) out.push_back(e["change"]);
    }
    return out;
  }

  void ExpectVerifies() {
    auto v = Client(admin_key_).Get("/v1/verify");
    ASSERT_EQ(v.status, 200);
    EXPECT_EQ(v.json()["ok"], true) << v.body;
  }

  std::string admin_key_;
  std::map<std::string, std::string> keys_;
};

TEST_P(ApiSafetyTest, PoliciesArePutReadAndEnforcedWithExplanations) {
  auto admin = Client(admin_key_);
  auto put = admin.Put("/v1/policies/marketing",
                       {{"max_per_spend", "1.00"},
                        {"windows", {{{"amount", "1.50"}, {"seconds", 3600}}}},
                        {"vendors", {{"allow", {"*.openai.com", "API.dataco.com"}}}},
                        {"categories", {{"block", {"gambling"}}}}});
  ASSERT_EQ(put.status, 200) << put.body;
  EXPECT_EQ(put.json()["policy"]["vendors"]["allow"], json({"*.openai.com", "api.dataco.com"}));
  ASSERT_EQ(admin.Put("/v1/policies/acme", {{"vendors", {{"block", {"evil.example"}}}}}).status,
            200);
  // Readers: admin, finance, approver; not an agent key…
  auto got = Client(keys_["finance"]).Get("/v1/policies/marketing");
  ASSERT_EQ(got.status, 200);
  EXPECT_EQ(got.json()["policy"]["max_per_spend"], "1");
  EXPECT_EQ(Client(keys_["approver"]).Get("/v1/policies/acme").status, 200);
  EXPECT_EQ(Client(keys_["agent"]).Get("/v1/policies/acme").status, 403);
  // …except its own agent's policy (MCP's stub://policy), and no other agent's.
  // It shows the agent's own (none) and every one it inherits, nearest first.
  auto own = Client(keys_["agent"]).Get("/v1/policies/a1");
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.json()["node"], "a1");
  EXPECT_EQ(own.json()["policy"], json::object());
  const json inherited = own.json()["inherited"];
  ASSERT_EQ(inherited.size(), 2u) << own.body;
  EXPECT_EQ(inherited[0]["node"], "marketing");
  EXPECT_EQ(inherited[0]["kind"], "team");
  EXPECT_EQ(inherited[0]["policy"]["max_per_spend"], "1");
  EXPECT_EQ(inherited[1]["node"], "acme");
  EXPECT_EQ(inherited[1]["kind"], "org");
  EXPECT_EQ(inherited[1]["policy"]["vendors"]["block"], json({"evil.example"}));
  EXPECT_EQ(got.json()["inherited"].size(), 1u);  // marketing inherits the org's
  EXPECT_EQ(Client(keys_["agent"]).Get("/v1/policies/a2").status, 403);
  EXPECT_EQ(Client(keys_["agent"]).Get("/v1/policies/marketing").status, 403);
  EXPECT_EQ(admin.Get("/v1/policies/ghost").status, 404);
  // Writers: admin only.
  EXPECT_EQ(Client(keys_["finance"]).Put("/v1/policies/acme", json::object()).status, 403);
  EXPECT_EQ(Client(keys_["approver"]).Put("/v1/policies/acme", json::object()).status, 403);

  auto agent = Client(keys_["agent"]);
  auto r = agent.Post("/v1/spends", Spend("a1", "0.10", "k1", "api.openai.com.evil.net"));
  ASSERT_EQ(r.status, 402);
  EXPECT_EQ(r.json()["reason"], "vendor_not_allowed");
  EXPECT_EQ(r.json()["node"], "marketing");
  r = agent.Post("/v1/spends", Spend("a1", "0.10", "k2", "https://evil.example/"));
  EXPECT_EQ(r.json()["reason"], "vendor_blocked");
  EXPECT_EQ(r.json()["node"], "acme");
  r = agent.Post("/v1/spends", Spend("a1", "0.10", "k3", "api.dataco.com", "gambling"));
  EXPECT_EQ(r.json()["reason"], "category_blocked");
  r = agent.Post("/v1/spends", Spend("a1", "1.01", "k4"));
  ASSERT_EQ(r.status, 402);
  EXPECT_EQ(r.json()["reason"], "per_spend_limit");
  EXPECT_EQ(r.json()["node"], "marketing");
  EXPECT_EQ(r.json()["limit"], "1");
  r = agent.Post("/v1/spends", Spend("a1", "1.00", "k5", "https://API.OpenAI.com:443/v1"));
  ASSERT_EQ(r.status, 201) << r.body;
  r = agent.Post("/v1/spends", Spend("a1", "0.60", "k6"));
  ASSERT_EQ(r.status, 402);
  EXPECT_EQ(r.json()["reason"], "window_limit");
  EXPECT_EQ(r.json()["node"], "marketing");
  EXPECT_EQ(r.json()["limit"], "1.5");
  EXPECT_EQ(r.json()["used"], "1");
  EXPECT_EQ(r.json()["window_seconds"], 3600);
  EXPECT_FALSE(r.json()["message"].get<std::string>().empty());
  // The denial record (GET /v1/spends?status=denied) explains itself too.
  const std::string denial_id = r.json()["id"];
  clock_.Advance(1);  // the listing's default `to` is now, exclusive
  json last;
  const json listed = admin.Get("/v1/spends?status=denied&limit=100").json();
  for (const json& item : listed["items"]) {
    if (item["id"] == denial_id) last = item;
  }
  ASSERT_TRUE(last.is_object()) << denial_id;
  EXPECT_EQ(last["reason"], "window_limit");
  EXPECT_EQ(last["limit"], "1.5");
  EXPECT_EQ(last["used"], "1");
  EXPECT_EQ(last["window_seconds"], 3600);

  // Bad input: 4xx, nothing changes.
  EXPECT_EQ(admin.Put("/v1/policies/acme", {{"max_per_spend", 5}}).code(), "invalid_amount");
  EXPECT_EQ(
      admin.Put("/v1/policies/acme", {{"windows", {{{"amount", "1"}, {"seconds", 0}}}}}).code(),
      "invalid_request");
  EXPECT_EQ(admin.Put("/v1/policies/acme", {{"vendors", {{"allow", {"*"}}}}}).code(),
            "invalid_request");
  EXPECT_EQ(admin.Put("/v1/policies/acme", {{"surprise", true}}).code(), "invalid_request");
  EXPECT_EQ(admin.Send("PUT", "/v1/policies/acme", "{not json").code(), "invalid_json");
  EXPECT_EQ(admin.Get("/v1/policies/acme").json()["policy"],
            json({{"vendors", {{"block", {"evil.example"}}}}}));
  // Every change is in the chain, with who and old → new.
  auto changes = Changes("policy.updated");
  ASSERT_EQ(changes.size(), 2u);
  EXPECT_EQ(changes[0]["node"], "marketing");
  EXPECT_EQ(changes[0]["old"], json::object());
  EXPECT_EQ(changes[0]["new"]["max_per_spend"], "1");
  EXPECT_TRUE(changes[0]["actor"].get<std::string>().starts_with("key_"));
  ExpectVerifies();
}

TEST_P(ApiSafetyTest, FreezeAndKillSwitch) {
  auto admin = Client(admin_key_);
  auto agent = Client(keys_["agent"]);
  EXPECT_EQ(Client(keys_["finance"]).Post("/v1/agents/a1/freeze", json::object()).status, 403);
  EXPECT_EQ(agent.Post("/v1/agents/a1/freeze", json::object()).status, 403);
  EXPECT_EQ(admin.Post("/v1/agents/marketing/freeze", json::object()).status, 404);
  auto frozen = admin.Post("/v1/agents/a1/freeze", {{"reason", "looping"}});
  ASSERT_EQ(frozen.status, 200) << frozen.body;
  EXPECT_EQ(frozen.json()["frozen"], true);
  auto r = agent.Post("/v1/spends", Spend("a1", "0.10", "k1"));
  ASSERT_EQ(r.status, 402);
  EXPECT_EQ(r.json()["reason"], "agent_frozen");
  EXPECT_EQ(r.json()["node"], "a1");
  EXPECT_EQ(admin.Get("/v1/budgets/a1").json()["frozen"], true);
  ASSERT_EQ(admin.Post("/v1/agents/a1/unfreeze", json::object()).status, 200);
  EXPECT_EQ(agent.Post("/v1/spends", Spend("a1", "0.10", "k2")).status, 201);

  EXPECT_EQ(Client(keys_["approver"]).Post("/v1/kill-switch", {{"engaged", true}}).status, 403);
  EXPECT_EQ(admin.Post("/v1/kill-switch", json::object()).code(), "invalid_request");
  EXPECT_EQ(admin.Post("/v1/kill-switch", {{"engaged", "yes"}}).status, 400);
  auto ks = admin.Post("/v1/kill-switch", {{"engaged", true}, {"reason", "incident"}});
  ASSERT_EQ(ks.status, 200) << ks.body;
  EXPECT_EQ(ks.json()["engaged"], true);
  r = agent.Post("/v1/spends", Spend("a1", "0.10", "k3"));
  ASSERT_EQ(r.status, 402);
  EXPECT_EQ(r.json()["reason"], "kill_switch");
  auto h = admin.Post("/v1/holds", Spend("a2", "0.10", "h1"));
  EXPECT_EQ(h.status, 402);
  ASSERT_EQ(admin.Post("/v1/kill-switch", {{"engaged", false}}).status, 200);
  EXPECT_EQ(agent.Post("/v1/spends", Spend("a1", "0.10", "k4")).status, 201);

  auto engaged = Changes("kill_switch.engaged");
  ASSERT_EQ(engaged.size(), 1u);
  EXPECT_EQ(engaged[0]["reason"], "incident");
  EXPECT_EQ(Changes("agent.frozen").size(), 1u);
  EXPECT_EQ(Changes("agent.unfrozen").size(), 1u);
  ExpectVerifies();
}

TEST_P(ApiSafetyTest, VelocityBreakerOverHttp) {
  auto admin = Client(admin_key_);
  ASSERT_EQ(admin
                .Put("/v1/policies/a1",
                     {{"velocity", {{"max_spends", 2}, {"max_amount", "10.00"}, {"seconds", 60}}}})
                .status,
            200);
  auto agent = Client(keys_["agent"]);
  EXPECT_EQ(agent.Post("/v1/spends", Spend("a1", "0.10", "k1")).status, 201);
  EXPECT_EQ(agent.Post("/v1/spends", Spend("a1", "0.10", "k2")).status, 201);
  auto r = agent.Post("/v1/spends", Spend("a1", "0.10", "k3"));
  ASSERT_EQ(r.status, 402);
  EXPECT_EQ(r.json()["reason"], "velocity_tripped");
  EXPECT_EQ(r.json()["limit_spends"], 2);
  EXPECT_EQ(r.json()["used_spends"], 2);
  EXPECT_EQ(r.json()["window_seconds"], 60);
  r = agent.Post("/v1/spends", Spend("a1", "0.10", "k4"));
  EXPECT_EQ(r.json()["reason"], "agent_frozen");
  EXPECT_EQ(admin.Get("/v1/budgets/a1").json()["frozen"], true);
  auto frozen = Changes("agent.frozen");
  ASSERT_EQ(frozen.size(), 1u);
  EXPECT_EQ(frozen[0]["actor"], "system");
  ExpectVerifies();
}

TEST_P(ApiSafetyTest, ApprovalsHoldDecideAndExpire) {
  auto admin = Client(admin_key_);
  ASSERT_EQ(
      admin.Put("/v1/teams/marketing", {{"limits", {{{"amount", "100"}, {"period", "month"}}}}})
          .status,
      200);
  ASSERT_EQ(admin.Put("/v1/policies/acme", {{"approval_over", "5.00"}}).status, 200);
  auto agent = Client(keys_["agent"]);
  auto small = agent.Post("/v1/spends", Spend("a1", "5.00", "k0"));
  EXPECT_EQ(small.status, 201);  // not over
  auto big = agent.Post("/v1/spends", Spend("a1", "20.00", "k1"));
  ASSERT_EQ(big.status, 202) << big.body;
  EXPECT_EQ(big.json()["status"], "pending_approval");
  const std::string id = big.json()["approval_id"];
  EXPECT_EQ(big.json()["id"], id);
  // The replay answers 202 again, with the same approval.
  auto replay = agent.Post("/v1/spends", Spend("a1", "20.00", "k1"));
  EXPECT_EQ(replay.status, 202);
  EXPECT_EQ(replay.json()["approval_id"], id);
  EXPECT_EQ(replay.header("idempotent-replayed"), "true");
  // The amount is reserved while pending.
  auto budget = admin.Get("/v1/budgets/marketing").json();
  EXPECT_EQ(budget["limits"][0]["held"], "20");
  // The agent cannot resolve the hold itself.
  EXPECT_EQ(agent.Post("/v1/holds/" + id + "/capture", {{"amount", "20"}}).code(),
            "hold_not_pending");
  EXPECT_EQ(admin.Post("/v1/holds/" + id + "/void", json::object()).code(), "hold_not_pending");

  auto listed = Client(keys_["finance"]).Get("/v1/approvals?status=pending");
  ASSERT_EQ(listed.status, 200);
  ASSERT_EQ(listed.json()["items"].size(), 1u);
  EXPECT_EQ(listed.json()["items"][0]["id"], id);
  EXPECT_EQ(listed.json()["items"][0]["amount"], "20");
  EXPECT_EQ(listed.json()["items"][0]["approval_over"], "5");
  EXPECT_EQ(admin.Get("/v1/approvals?status=maybe").status, 400);
  // Finance reads but cannot decide; an agent key can do neither.
  EXPECT_EQ(
      Client(keys_["finance"]).Post("/v1/approvals/" + id + "/approve", json::object()).status,
      403);
  EXPECT_EQ(agent.Post("/v1/approvals/" + id + "/approve", json::object()).status, 403);
  EXPECT_EQ(agent.Get("/v1/approvals").status, 403);

  auto approved = Client(keys_["approver"])
                      .Post("/v1/approvals/" + id + "/approve", {{"reason", "quarterly data"}});
  ASSERT_EQ(approved.status, 200) << approved.body;
  EXPECT_EQ(approved.json()["status"], "approved");
  EXPECT_EQ(approved.json()["spend"]["status"], "approved");
  EXPECT_EQ(approved.json()["spend"]["amount"], "20");
  budget = admin.Get("/v1/budgets/marketing").json();
  EXPECT_EQ(budget["limits"][0]["spent"], "25");
  EXPECT_EQ(budget["limits"][0]["held"], "0");
  auto again = admin.Post("/v1/approvals/" + id + "/deny", json::object());
  EXPECT_EQ(again.status, 409);
  EXPECT_EQ(again.code(), "approval_not_pending");
  EXPECT_EQ(admin.Post("/v1/approvals/ap_nope/approve", json::object()).status, 404);

  // Deny releases.
  auto second = agent.Post("/v1/spends", Spend("a1", "30.00", "k2"));
  ASSERT_EQ(second.status, 202);
  const std::string id2 = second.json()["approval_id"];
  auto denied = admin.Post("/v1/approvals/" + id2 + "/deny", {{"reason", "no"}});
  ASSERT_EQ(denied.status, 200) << denied.body;
  EXPECT_EQ(denied.json()["status"], "denied");
  EXPECT_EQ(admin.Get("/v1/budgets/marketing").json()["limits"][0]["held"], "0");

  // Expiry: a day later the pending approval is expired and cannot be approved.
  auto third = agent.Post("/v1/spends", Spend("a1", "6.00", "k3"));
  ASSERT_EQ(third.status, 202);
  const std::string id3 = third.json()["approval_id"];
  clock_.Advance(24LL * 3600 * 1'000'000 + 1);
  auto late = admin.Post("/v1/approvals/" + id3 + "/approve", json::object());
  EXPECT_EQ(late.status, 409);
  EXPECT_EQ(late.code(), "approval_not_pending");
  auto expired = admin.Get("/v1/approvals?status=expired").json()["items"];
  ASSERT_EQ(expired.size(), 1u);
  EXPECT_EQ(expired[0]["id"], id3);
  EXPECT_EQ(admin.Get("/v1/budgets/marketing").json()["limits"][0]["held"], "0");

  auto decided = Changes("approval.decided");
  ASSERT_EQ(decided.size(), 3u);
  EXPECT_EQ(decided[0]["new"], "approved");
  EXPECT_EQ(decided[1]["new"], "denied");
  EXPECT_EQ(decided[2]["new"], "expired");
  EXPECT_EQ(Changes("approval.requested").size(), 3u);
  ExpectVerifies();
}

TEST_P(ApiSafetyTest, SafetyEventsStream) {
  auto admin = Client(admin_key_);
  ASSERT_EQ(admin.Put("/v1/policies/acme", {{"approval_over", "5.00"}}).status, 200);
  std::string approval;
  auto [status, events] = HttpClient::ReadEvents(port(), admin_key_, "", 8, [&] {
    auto c = Client(admin_key_);
    EXPECT_EQ(c.Post("/v1/agents/a1/freeze", {{"reason", "x"}}).status, 200);
    clock_.Advance(1);
    EXPECT_EQ(c.Post("/v1/agents/a1/unfreeze", json::object()).status, 200);
    clock_.Advance(1);
    auto big = c.Post("/v1/spends", Spend("a2", "9.00", "e-1"));
    EXPECT_EQ(big.status, 202);
    approval = big.json().value("approval_id", "");
    clock_.Advance(1);
    EXPECT_EQ(c.Post("/v1/approvals/" + approval + "/deny", json::object()).status, 200);
    clock_.Advance(1);
    EXPECT_EQ(c.Post("/v1/kill-switch", {{"engaged", true}}).status, 200);
    clock_.Advance(1);
    EXPECT_EQ(c.Post("/v1/kill-switch", {{"engaged", false}}).status, 200);
  });
  EXPECT_EQ(status, 200);
  std::vector<std::string> names;
  for (const auto& e : events) names.push_back(e.event);
  EXPECT_EQ(names,
            (std::vector<std::string>{"agent.frozen", "agent.unfrozen", "hold.created",
                                      "approval.requested", "hold.voided", "approval.decided",
                                      "kill_switch.engaged", "kill_switch.released"}));
  for (const auto& e : events) {
    if (e.event == "agent.frozen") {
      EXPECT_EQ(e.data["agent"], "a1");
      EXPECT_EQ(e.data["reason"], "x");
    }
    if (e.event == "approval.requested") {
      EXPECT_EQ(e.data["approval"], approval);
    }
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, ApiSafetyTest, ::testing::Values("memory", "sqlite"),
                         [](const auto& param_info) { return param_info.param; });

}  // namespace
}  // namespace stub::server_testing
