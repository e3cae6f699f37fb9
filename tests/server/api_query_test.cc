// POST /v1/query over loopback HTTP, on the memory and SQLite stores: plain
// English and specs answered exactly, roles, 422 unanswerable with
// suggestions, strict bodies, and SQL-looking questions changing nothing.
#include <gtest/gtest.h>

#include <string>

#include "server_fixture.h"

namespace stub::server_testing {
namespace {

using json = nlohmann::json;

class QueryApiTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::unique_ptr<Store> MakeStore() override {
    return GetParam() == "sqlite" ? MakeSqliteStore() : ServerTest::MakeStore();
  }

  void SetUp() override {
    ServerTest::SetUp();
    // History is made in time order: entry time never goes backwards within
    // an org (core/org.h EntryClock), so a spend cannot be backdated.
    clock_.Set(kStart - 7 * 86'400LL * kMicrosPerSecond);
    admin_key_ = CreateOrg("acme");
    ASSERT_FALSE(admin_key_.empty());
    auto admin = Client(admin_key_);
    ASSERT_EQ(admin.Put("/v1/teams/marketing", {{"name", "Marketing"}}).status, 201);
    ASSERT_EQ(admin.Put("/v1/teams/research", {{"name", "Research"}}).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/mkt-1", {{"team", "marketing"}, {"name", "Writer"}}).status,
              201);
    ASSERT_EQ(admin.Put("/v1/agents/res-1", {{"team", "research"}, {"name", "Scout"}}).status, 201);
    // One spend a week ago, three now (Saturday 2026-11-28).
    Spend(admin, "mkt-1", "4.00", "api.dataco.com", "data", "k4");
    clock_.Set(kStart);
    Spend(admin, "mkt-1", "1.25", "api.dataco.com", "data", "k1");
    Spend(admin, "mkt-1", "0.000125", "api.openai.com", "llm", "k2");
    Spend(admin, "res-1", "2.50", "api.dataco.com", "data", "k3");
    for (const char* role : {"finance", "approver", "agent"}) {
      json body = {{"role", role}};
      if (std::string(role) == "agent") body["agent"] = "mkt-1";
      auto key = admin.Post("/v1/keys", body);
      ASSERT_EQ(key.status, 201) << key.body;
      keys_[role] = key.json()["key"];
    }
  }

  void Spend(HttpClient& c, const std::string& agent, const std::string& amount,
             const std::string& vendor, const std::string& category, const std::string& key) {
    auto r = c.Post("/v1/spends", {{"agent", agent},
                                   {"amount", amount},
                                   {"vendor", vendor},
                                   {"category", category},
                                   {"user", "alice@acme.com"},
                                   {"idempotency_key", key}});
    ASSERT_EQ(r.status, 201) << r.body;
  }

  std::string admin_key_;
  std::map<std::string, std::string> keys_;
};

INSTANTIATE_TEST_SUITE_P(Stores, QueryApiTest, ::testing::Values("memory", "sqlite"));

TEST_P(QueryApiTest, AQuestionIsAnsweredExactlyWithItsInterpretation) {
  auto finance = Client(keys_["finance"]);
  auto r = finance.Post("/v1/query", {{"question",
                                       "How much did marketing's agents spend on "
                                       "data APIs this week?"}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = r.json();
  EXPECT_EQ(j["answer"],
            "Marketing's agents spent $1.25 on data APIs in the week of 23 November 2026 across "
            "1 spend.");
  EXPECT_EQ(j["total"], "1.25");
  EXPECT_EQ(j["count"], 1);
  EXPECT_EQ(j["spec"]["teams"], json::array({"marketing"}));
  EXPECT_EQ(j["spec"]["categories"], json::array({"data"}));
  EXPECT_EQ(j["spec"]["from"], "2026-11-23T00:00:00Z");
  EXPECT_EQ(j["spec"]["to"], "2026-11-30T00:00:00Z");
  EXPECT_EQ(j["interpreted_by"], "parser");
  ASSERT_EQ(j["rows"].size(), 1u);
  EXPECT_EQ(j["rows"][0]["total"], "1.25");
}

TEST_P(QueryApiTest, ASpecIsAnsweredWithRowsPerGroup) {
  auto approver = Client(keys_["approver"]);
  auto r = approver.Post("/v1/query", {{"spec", {{"group_by", "team"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  const json j = r.json();
  EXPECT_EQ(j["total"], "7.750125");
  EXPECT_EQ(j["count"], 4);
  ASSERT_EQ(j["rows"].size(), 2u);
  EXPECT_EQ(j["rows"][0], (json{{"key", "marketing"},
                                {"name", "Marketing"},
                                {"total", "5.250125"},
                                {"count", 3},
                                {"average", "1.750041"},
                                {"max", "4"}}));
  EXPECT_EQ(j["rows"][1]["key"], "research");
  EXPECT_EQ(j["answer"],
            "acme inc's agents spent $7.750125 across 4 spends. By team: Marketing $5.250125 and "
            "Research $2.50.");
  // The biggest single spend, as a list.
  r = approver.Post("/v1/query", {{"question", "what was the biggest spend?"}});
  ASSERT_EQ(r.status, 200) << r.body;
  ASSERT_EQ(r.json()["rows"].size(), 1u);
  EXPECT_EQ(r.json()["rows"][0]["amount"], "4");
  EXPECT_EQ(r.json()["rows"][0]["agent"], "mkt-1");
  EXPECT_EQ(r.json()["rows"][0]["created_at"], "2026-11-21T10:00:00Z");
}

TEST_P(QueryApiTest, OnlyReadersMayAsk) {
  auto agent = Client(keys_["agent"]);
  auto r = agent.Post("/v1/query", {{"question", "how much did we spend?"}});
  EXPECT_EQ(r.status, 403);
  EXPECT_EQ(r.code(), "forbidden");
  auto anonymous = Client();
  EXPECT_EQ(anonymous.Post("/v1/query", {{"question", "how much?"}}).status, 401);
  auto admin = Client(admin_key_);
  EXPECT_EQ(admin.Post("/v1/query", {{"question", "how much did we spend?"}}).status, 200);
}

TEST_P(QueryApiTest, UnanswerableQuestionsAre422WithSuggestions) {
  auto finance = Client(keys_["finance"]);
  auto r = finance.Post("/v1/query", {{"question", "how much did sales spend last month?"}});
  ASSERT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.code(), "unanswerable");
  EXPECT_NE(r.json()["error"]["message"].get<std::string>().find("\"sales\""), std::string::npos);
  EXPECT_FALSE(r.json()["error"]["suggestions"].empty());
  // A spec naming a team the org does not have.
  r = finance.Post("/v1/query", {{"spec", {{"teams", {"sales"}}}}});
  EXPECT_EQ(r.status, 422) << r.body;
  EXPECT_EQ(r.code(), "unanswerable");
}

TEST_P(QueryApiTest, BadBodiesAre400) {
  auto finance = Client(keys_["finance"]);
  EXPECT_EQ(finance.Send("POST", "/v1/query", "{").status, 400);
  EXPECT_EQ(finance.Post("/v1/query", json::object()).code(), "invalid_request");
  EXPECT_EQ(finance.Post("/v1/query", {{"question", "x"}, {"spec", json::object()}}).code(),
            "invalid_request");
  EXPECT_EQ(finance.Post("/v1/query", {{"question", 5}}).status, 400);
  EXPECT_EQ(finance.Post("/v1/query", {{"sql", "SELECT 1"}}).code(), "invalid_request");
  EXPECT_EQ(finance.Post("/v1/query", {{"spec", {{"measure", "sum"}}}}).code(), "invalid_request");
  EXPECT_EQ(finance.Post("/v1/query", {{"spec", {{"limit", 100000}}}}).code(), "invalid_request");
  EXPECT_EQ(finance.Post("/v1/query", {{"question", std::string(1001, 'a')}}).status, 400);
}

TEST_P(QueryApiTest, SqlLookingTextIsJustWords) {
  auto finance = Client(keys_["finance"]);
  auto admin = Client(admin_key_);
  const std::string before = admin.Get("/v1/journal?limit=1000").body;
  for (const char* q : {"'; DROP TABLE entries; --", "1 OR 1=1",
                        "how much did marketing'); DELETE FROM entries; -- spend"}) {
    auto r = finance.Post("/v1/query", {{"question", q}});
    EXPECT_EQ(r.status, 422) << q << ": " << r.body;
  }
  // Quoted text is an intent value, nothing more: it matches no spend.
  auto quoted = finance.Post("/v1/query", {{"question", "total\" OR 1=1 --"}});
  ASSERT_EQ(quoted.status, 200) << quoted.body;
  EXPECT_EQ(quoted.json()["spec"]["intent"], "OR 1=1 --");
  EXPECT_EQ(quoted.json()["count"], 0);
  // In a spec, such text is a value: it matches nothing.
  auto r = finance.Post(
      "/v1/query",
      {{"spec", {{"vendors", {"x' OR '1'='1"}}, {"intent", "%'; DROP TABLE entries; --"}}}});
  ASSERT_EQ(r.status, 200) << r.body;
  EXPECT_EQ(r.json()["count"], 0);
  EXPECT_EQ(r.json()["total"], "0");
  EXPECT_EQ(admin.Get("/v1/journal?limit=1000").body, before);
}

}  // namespace
}  // namespace stub::server_testing
