// PUT /v1/org's org-wide settings over loopback HTTP: the ceiling for one
// spend (max_spend), and what a request over it gets: a 400 that changes
// nothing, however large the amount, in an org without any limit.
#include <gtest/gtest.h>

#include "server_fixture.h"

namespace stub::server_testing {
namespace {

using nlohmann::json;

class ApiOrgTest : public ServerTest {
 protected:
  void SetUp() override {
    ServerTest::SetUp();
    admin_key_ = CreateOrg("acme");
    ASSERT_FALSE(admin_key_.empty());
    auto admin = Client(admin_key_);
    ASSERT_EQ(admin.Put("/v1/teams/ops", json::object()).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/a1", {{"team", "ops"}}).status, 201);
    auto key = admin.Post("/v1/keys", {{"role", "agent"}, {"agent", "a1"}});
    ASSERT_EQ(key.status, 201) << key.body;
    agent_key_ = key.json()["key"];
  }

  HttpResult Spend(const std::string& amount, const std::string& key) {
    return Client(agent_key_)
        .Post("/v1/spends", {{"agent", "a1"},
                             {"amount", amount},
                             {"vendor", "api.dataco.com"},
                             {"idempotency_key", key}});
  }

  std::string admin_key_;
  std::string agent_key_;
};

TEST_F(ApiOrgTest, OneHugeSpendIsRefusedAndTheOrgKeepsWorking) {
  auto huge = Spend("9223372036854.775807", "huge");
  EXPECT_EQ(huge.status, 400) << huge.body;
  EXPECT_EQ(huge.json()["error"]["code"], "invalid_amount");
  auto again = Spend("9223372036854.775807", "huge-2");
  EXPECT_EQ(again.status, 400);
  auto normal = Spend("0.25", "normal");
  EXPECT_EQ(normal.status, 201) << normal.body;
  auto spends = Client(admin_key_).Get("/v1/spends?limit=10");
  ASSERT_EQ(spends.status, 200);
  EXPECT_EQ(spends.json()["items"].size(), 1u);  // no denial was recorded either
  auto question =
      Client(admin_key_).Post("/v1/query", {{"question", "how much did we spend this month"}});
  EXPECT_EQ(question.status, 200) << question.body;
}

TEST_F(ApiOrgTest, MaxSpendIsSetByAnAdminAndBoundsEveryRequest) {
  auto admin = Client(admin_key_);
  auto set = admin.Put("/v1/org", {{"max_spend", "20"}});
  ASSERT_EQ(set.status, 200) << set.body;
  EXPECT_EQ(set.json()["max_spend"], "20");
  EXPECT_EQ(Spend("20.000001", "over").status, 400);
  EXPECT_EQ(Spend("20", "at").status, 201);

  for (const json& bad : {json("0"), json("-1"), json(5), json("1000000000.000001")}) {
    auto r = admin.Put("/v1/org", {{"max_spend", bad}});
    EXPECT_EQ(r.status, 400) << bad.dump() << " " << r.body;
    EXPECT_EQ(r.json()["error"]["code"], "invalid_amount") << bad.dump();
  }
  // A refused body changes nothing, the limits in it included.
  auto mixed = admin.Put("/v1/org",
                         {{"max_spend", "0"}, {"limits", {{{"amount", "1"}, {"period", "day"}}}}});
  EXPECT_EQ(mixed.status, 400);
  auto org = admin.Get("/v1/budgets/acme");
  ASSERT_EQ(org.status, 200);
  EXPECT_EQ(org.json()["limits"], json::array());
  EXPECT_EQ(Spend("20.000001", "over-again").status, 400);
}

TEST_F(ApiOrgTest, GetOrgAnswersItsSettingsToEveryRoleButAgents) {
  auto admin = Client(admin_key_);
  ASSERT_EQ(admin.Put("/v1/org", {{"max_spend", "250.5"}}).status, 200);
  const json expected = {{"id", "acme"},         {"name", "acme inc"},
                         {"currency", "USD"},    {"kill_switch", false},
                         {"max_spend", "250.5"}, {"created_at", "2026-11-28T10:00:00Z"}};
  auto org = admin.Get("/v1/org");
  ASSERT_EQ(org.status, 200) << org.body;
  EXPECT_EQ(org.json(), expected);
  for (const std::string role : {"finance", "approver"}) {
    auto key = admin.Post("/v1/keys", {{"role", role}});
    ASSERT_EQ(key.status, 201) << key.body;
    auto r = Client(key.json()["key"]).Get("/v1/org");
    EXPECT_EQ(r.status, 200) << role << ": " << r.body;
    EXPECT_EQ(r.json(), expected) << role;
  }
  ASSERT_EQ(admin.Post("/v1/kill-switch", {{"engaged", true}, {"reason", "test"}}).status, 200);
  EXPECT_EQ(admin.Get("/v1/org").json()["kill_switch"], true);

  auto agent = Client(agent_key_).Get("/v1/org");
  EXPECT_EQ(agent.status, 403) << agent.body;
  EXPECT_EQ(agent.json()["error"]["code"], "forbidden");
  auto root = Client(kRootKey).Get("/v1/org");
  EXPECT_EQ(root.status, 403) << root.body;
  EXPECT_EQ(Client().Get("/v1/org").status, 401);
  EXPECT_EQ(Client("stub_live_unknown").Get("/v1/org").status, 401);
}

}  // namespace
}  // namespace stub::server_testing
