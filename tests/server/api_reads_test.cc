// Reads over HTTP through the ReadService: GET /v1/spends keyset pages (every
// item once, in order, across pages; filters; a team's whole subtree; a bad
// cursor), GET /v1/spends/{id} (receipt only there), approvals' cursor, and
// the event stream's caps (the N+1th stream refused 429) and idle limit.
#include <gtest/gtest.h>

#include <array>
#include <string>
#include <vector>

#include "server_fixture.h"

namespace stub::server_testing {
namespace {

using nlohmann::json;

class ReadsApiTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::unique_ptr<Store> MakeStore() override {
    return GetParam() == "sqlite" ? MakeSqliteStore() : ServerTest::MakeStore();
  }

  // acme: marketing (m1, m2), research > lab (r1); m2 has a tiny daily
  // limit, so its spends past it are denied.
  void SetUp() override {
    ServerTest::SetUp();
    admin_key_ = CreateOrg("acme");
    ASSERT_FALSE(admin_key_.empty());
    auto admin = Client(admin_key_);
    ASSERT_EQ(admin.Put("/v1/teams/marketing", json::object()).status, 201);
    ASSERT_EQ(admin.Put("/v1/teams/research", json::object()).status, 201);
    ASSERT_EQ(admin.Put("/v1/teams/lab", {{"parent", "research"}}).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/m1", {{"team", "marketing"}}).status, 201);
    ASSERT_EQ(admin
                  .Put("/v1/agents/m2", {{"team", "marketing"},
                                         {"limits", {{{"amount", "0.05"}, {"period", "day"}}}}})
                  .status,
              201);
    ASSERT_EQ(admin.Put("/v1/agents/r1", {{"team", "lab"}}).status, 201);
  }

  // Spends one: `agent` at `vendor`; returns its id (spend or denial).
  std::string SpendAs(const std::string& agent, const std::string& vendor, int n) {
    clock_.Advance(1'000);
    auto r = Client(admin_key_)
                 .Post("/v1/spends", {{"agent", agent},
                                      {"amount", "0.04"},
                                      {"vendor", vendor},
                                      {"idempotency_key", "k" + std::to_string(n)},
                                      {"receipt", {{"n", n}}}});
    EXPECT_TRUE(r.status == 201 || r.status == 402) << r.body;
    return r.json().value("id", "");
  }

  // Every id of GET `path` followed page by page (limit `limit`).
  std::vector<std::string> Follow(const std::string& path, int limit) {
    auto admin = Client(admin_key_);
    std::vector<std::string> ids;
    std::string cursor;
    for (int page = 0; page < 1000; ++page) {
      std::string url = path + (path.find('?') == std::string::npos ? "?" : "&") +
                        "limit=" + std::to_string(limit);
      if (!cursor.empty()) url += "&cursor=" + cursor;
      auto r = admin.Get(url);
      EXPECT_EQ(r.status, 200) << r.body;
      if (r.status != 200) break;
      const json j = r.json();
      EXPECT_LE(j["items"].size(), static_cast<std::size_t>(limit));
      for (const json& item : j["items"]) {
        EXPECT_FALSE(item.contains("receipt"));
        ids.push_back(item["id"]);
      }
      if (!j.contains("next_cursor")) break;
      cursor = j["next_cursor"];
    }
    return ids;
  }

  std::string admin_key_;
};

TEST_P(ReadsApiTest, SpendsPageNewestFirstEveryItemOnceWithFilters) {
  // m1 ×3 at two vendors, m2 ×3 (the 2nd and 3rd denied), r1 ×2.
  std::vector<std::string> made;  // in time order
  made.push_back(SpendAs("m1", "api.one.com", 1));
  made.push_back(SpendAs("m2", "api.one.com", 2));
  made.push_back(SpendAs("r1", "api.two.com", 3));
  made.push_back(SpendAs("m2", "api.two.com", 4));  // denied: 0.08 > 0.05
  made.push_back(SpendAs("m1", "api.two.com", 5));
  made.push_back(SpendAs("m2", "api.one.com", 6));  // denied
  made.push_back(SpendAs("r1", "api.one.com", 7));
  made.push_back(SpendAs("m1", "api.one.com", 8));
  const std::vector<std::string> newest(made.rbegin(), made.rend());
  auto pick = [&](std::vector<int> indexes) {  // 1-based positions in `made`, newest first
    std::vector<std::string> out;
    for (auto it = indexes.rbegin(); it != indexes.rend(); ++it) out.push_back(made[*it - 1]);
    return out;
  };

  for (int limit : {1, 2, 3, 100}) {
    EXPECT_EQ(Follow("/v1/spends", limit), newest) << "limit " << limit;
  }
  EXPECT_EQ(Follow("/v1/spends?status=denied", 1), pick({4, 6}));
  EXPECT_EQ(Follow("/v1/spends?status=approved", 2), pick({1, 2, 3, 5, 7, 8}));
  EXPECT_EQ(Follow("/v1/spends?agent=m1", 2), pick({1, 5, 8}));
  EXPECT_EQ(Follow("/v1/spends?vendor=api.two.com", 1), pick({3, 4, 5}));
  // A team is its whole subtree: research holds lab, which holds r1.
  EXPECT_EQ(Follow("/v1/spends?team=research", 1), pick({3, 7}));
  EXPECT_EQ(Follow("/v1/spends?team=marketing", 2), pick({1, 2, 4, 5, 6, 8}));
  EXPECT_EQ(Follow("/v1/spends?team=marketing&status=denied", 5), pick({4, 6}));
  EXPECT_TRUE(Follow("/v1/spends?team=nobody", 5).empty());
  // from inclusive, to exclusive: spend i was made at kStart + 1000·i µs.
  EXPECT_EQ(Follow("/v1/spends?from=2026-11-28T10:00:00.003Z&to=2026-11-28T10:00:00.006Z", 1),
            pick({3, 4, 5}));

  // An exact last page carries no cursor.
  auto admin = Client(admin_key_);
  auto all = admin.Get("/v1/spends?limit=8");
  ASSERT_EQ(all.status, 200);
  EXPECT_EQ(all.json()["items"].size(), 8u);
  EXPECT_FALSE(all.json().contains("next_cursor"));
  auto seven = admin.Get("/v1/spends?limit=7");
  EXPECT_TRUE(seven.json().contains("next_cursor"));

  for (const char* bad : {"nonsense", "c1", "c1zz", "c13a", "c1313233"}) {
    auto r = admin.Get(std::string("/v1/spends?cursor=") + bad);
    EXPECT_EQ(r.status, 400) << bad;
    EXPECT_EQ(r.code(), "invalid_request") << bad;
  }
  EXPECT_EQ(admin.Get("/v1/spends?status=held").status, 400);
  EXPECT_EQ(admin.Get("/v1/spends?limit=0").status, 400);
  EXPECT_EQ(admin.Get("/v1/spends?limit=1001").status, 400);

  // One spend: with its receipt; one denial; an unknown id.
  auto spend = admin.Get("/v1/spends/" + made[0]);
  ASSERT_EQ(spend.status, 200) << spend.body;
  EXPECT_EQ(spend.json()["status"], "approved");
  EXPECT_EQ(spend.json()["receipt"], json({{"n", 1}}));
  auto denial = admin.Get("/v1/spends/" + made[3]);
  ASSERT_EQ(denial.status, 200) << denial.body;
  EXPECT_EQ(denial.json()["status"], "denied");
  EXPECT_EQ(denial.json()["reason"], "budget_exceeded");
  EXPECT_EQ(admin.Get("/v1/spends/sp_nope").status, 404);
}

TEST_P(ReadsApiTest, AnAgentKeyReadsOnlyItsOwnAgentsSpends) {
  std::vector<std::string> made;
  made.push_back(SpendAs("m1", "api.one.com", 1));
  made.push_back(SpendAs("m2", "api.one.com", 2));
  made.push_back(SpendAs("m1", "api.two.com", 3));
  made.push_back(SpendAs("m2", "api.one.com", 4));  // denied (m2's limit)
  auto k = Client(admin_key_).Post("/v1/keys", {{"role", "agent"}, {"agent", "m1"}});
  ASSERT_EQ(k.status, 201) << k.body;
  auto m1 = Client(k.json()["key"]);

  // The list is forced to m1, with or without ?agent=m1; another agent is 403.
  for (const char* target : {"/v1/spends", "/v1/spends?agent=m1", "/v1/spends?team=marketing"}) {
    auto page = m1.Get(target);
    ASSERT_EQ(page.status, 200) << target << " " << page.body;
    std::vector<std::string> ids;
    const json body = page.json();
    for (const auto& item : body["items"]) {
      EXPECT_EQ(item["agent"], "m1") << target;
      ids.push_back(item["id"]);
    }
    EXPECT_EQ(ids, std::vector<std::string>({made[2], made[0]})) << target;
  }
  auto other = m1.Get("/v1/spends?agent=m2");
  EXPECT_EQ(other.status, 403);
  EXPECT_EQ(other.code(), "forbidden");

  // One item: its own; another agent's spend or denial is 404 as if absent.
  auto own = m1.Get("/v1/spends/" + made[0]);
  ASSERT_EQ(own.status, 200) << own.body;
  EXPECT_EQ(own.json()["agent"], "m1");
  for (const std::string& id : {made[1], made[3], std::string("sp_nope")}) {
    auto r = m1.Get("/v1/spends/" + id);
    EXPECT_EQ(r.status, 404) << id;
    EXPECT_EQ(r.code(), "not_found") << id;
  }
}

TEST_P(ReadsApiTest, SpendsFilterByUserAndSession) {
  // (agent, user, session) of each spend; m2's 2nd spend is denied.
  const std::vector<std::array<std::string, 3>> made = {{"m1", "alice@acme.com", "s-1"},
                                                        {"m2", "bob@acme.com", "s-1"},
                                                        {"m2", "alice@acme.com", "s-2"},
                                                        {"r1", "alice@acme.com", "s-2"},
                                                        {"m1", "", ""}};
  std::vector<std::string> ids;
  for (std::size_t i = 0; i < made.size(); ++i) {
    clock_.Advance(1'000);
    json body = {{"agent", made[i][0]},
                 {"amount", "0.04"},
                 {"vendor", "api.one.com"},
                 {"idempotency_key", "attr-" + std::to_string(i)}};
    if (!made[i][1].empty()) body["user"] = made[i][1];
    if (!made[i][2].empty()) body["session"] = made[i][2];
    auto r = Client(admin_key_).Post("/v1/spends", body);
    ASSERT_EQ(r.status, i == 2 ? 402 : 201) << i << ": " << r.body;
    ids.push_back(r.json()["id"]);
  }
  auto newest = [&](std::vector<int> picks) {  // 0-based, given oldest first
    std::vector<std::string> out;
    for (auto it = picks.rbegin(); it != picks.rend(); ++it) out.push_back(ids[*it]);
    return out;
  };
  EXPECT_EQ(Follow("/v1/spends?user=alice@acme.com", 1), newest({0, 2, 3}));
  EXPECT_EQ(Follow("/v1/spends?user=alice%40acme.com", 5), newest({0, 2, 3}));
  EXPECT_EQ(Follow("/v1/spends?session=s-1", 1), newest({0, 1}));
  EXPECT_EQ(Follow("/v1/spends?session=s-2&status=denied", 2), newest({2}));
  EXPECT_EQ(Follow("/v1/spends?user=alice@acme.com&session=s-2", 1), newest({2, 3}));
  EXPECT_EQ(Follow("/v1/spends?user=alice@acme.com&session=s-2&team=research", 1), newest({3}));
  EXPECT_EQ(Follow("/v1/spends?user=bob@acme.com&agent=m1", 3), std::vector<std::string>{});
  EXPECT_EQ(Follow("/v1/spends?user=ALICE@acme.com", 3), std::vector<std::string>{});
  // Each item carries what it was filtered by.
  auto page = Client(admin_key_).Get("/v1/spends?session=s-1");
  ASSERT_EQ(page.status, 200) << page.body;
  const json body = page.json();  // a local: the loop must not outlive a temporary
  ASSERT_FALSE(body["items"].empty());
  for (const json& item : body["items"]) EXPECT_EQ(item["session"], "s-1");
}

TEST_P(ReadsApiTest, JournalPagesBySeq) {
  SpendAs("m1", "api.one.com", 1);
  SpendAs("m1", "api.one.com", 2);
  auto admin = Client(admin_key_);
  auto first = admin.Get("/v1/journal?limit=1");
  ASSERT_EQ(first.status, 200);
  ASSERT_EQ(first.json()["entries"].size(), 1u);
  const int seq = first.json()["entries"][0]["seq"];
  auto rest = admin.Get("/v1/journal?after_seq=" + std::to_string(seq) + "&limit=1000");
  ASSERT_EQ(rest.status, 200);
  // The first entry is m2's limit (a config entry); the two spends follow.
  ASSERT_EQ(rest.json()["entries"].size(), 2u);
  EXPECT_EQ(rest.json()["entries"][0]["seq"], seq + 1);
  EXPECT_EQ(rest.json()["next_after_seq"], seq + 2);
  auto end = admin.Get("/v1/journal?after_seq=" + std::to_string(seq + 2));
  ASSERT_EQ(end.status, 200);
  EXPECT_TRUE(end.json()["entries"].empty());
  EXPECT_EQ(end.json()["next_after_seq"], seq + 2);
  EXPECT_EQ(admin.Get("/v1/journal?after_seq=-1").status, 400);
}

TEST_P(ReadsApiTest, StreamsAreCappedPerKeyAndTheNextIsRefused) {
  StopServer();
  ServerOptions options;
  options.streams.max_per_key = 2;
  options.streams.max_per_org = 3;
  StartServer(std::move(store_), options);
  auto admin = Client(admin_key_);
  auto other = admin.Post("/v1/keys", {{"role", "finance"}});
  ASSERT_EQ(other.status, 201);
  const std::string other_key = other.json()["key"];

  // Two streams of the admin key stay open while a third is asked for.
  std::vector<std::thread> open;
  std::atomic<int> opened{0};
  std::atomic<bool> release{false};
  for (int i = 0; i < 2; ++i) {
    open.emplace_back([&] {
      HttpClient::ReadEvents(port(), admin_key_, "", 1, [&] {
        ++opened;
        while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
        SpendAs("m1", "api.one.com", 100 + opened.load());  // ends the read with one event
      });
    });
  }
  for (int i = 0; i < 1000 && opened < 2; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_EQ(opened.load(), 2);
  auto refused = admin.Get("/v1/events");
  EXPECT_EQ(refused.status, 429) << refused.body;
  EXPECT_EQ(refused.code(), "too_many_streams");
  EXPECT_EQ(refused.header("retry-after"), "1");
  // Another key of the org gets the org's third place, then the org is full.
  std::atomic<bool> third_open{false};
  std::thread third([&] {
    HttpClient::ReadEvents(port(), other_key, "", 1, [&] {
      third_open = true;
      while (!release) std::this_thread::sleep_for(std::chrono::milliseconds(5));
    });
  });
  for (int i = 0; i < 1000 && !third_open; ++i) {
    std::this_thread::sleep_for(std::chrono::milliseconds(5));
  }
  ASSERT_TRUE(third_open);
  auto org_full = Client(other_key).Get("/v1/events");
  EXPECT_EQ(org_full.status, 429) << org_full.body;
  release = true;
  for (auto& t : open) t.join();
  third.join();
  // (A closed client's place is given back once the server notices the
  // disconnect: at its next write, a keep-alive at the latest.)
}

TEST_P(ReadsApiTest, TheEventStreamOpensAtOnceBeforeAnyEvent) {
  // No event is committed: the first bytes still arrive at once (the
  // heartbeat is 15 s away), as one SSE block without data.
  const auto start = std::chrono::steady_clock::now();
  const std::string first = HttpClient::FirstStreamBytes(
      port(), "Authorization: Bearer " + admin_key_ + "\r\n", std::chrono::seconds(2));
  EXPECT_EQ(first, "retry: 3000\n: connected\n\n");
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(2));
  // And the events follow it as before.
  auto [status, events] =
      HttpClient::ReadEvents(port(), admin_key_, "", 1, [&] { SpendAs("m1", "api.one.com", 1); });
  EXPECT_EQ(status, 200);
  ASSERT_EQ(events.size(), 1u);
  EXPECT_EQ(events[0].event, "spend.approved");
}

TEST_P(ReadsApiTest, AnIdleStreamIsClosedAfterTheIdleLimit) {
  StopServer();
  ServerOptions options;
  options.streams.idle_limit = std::chrono::milliseconds(300);
  StartServer(std::move(store_), options);
  const auto start = std::chrono::steady_clock::now();
  // Asks for one event that never comes: the server ends the stream.
  auto [status, events] = HttpClient::ReadEvents(port(), admin_key_, "", 1);
  const auto took = std::chrono::steady_clock::now() - start;
  EXPECT_EQ(status, 200);
  EXPECT_TRUE(events.empty());
  EXPECT_LT(took, std::chrono::seconds(5));
}

INSTANTIATE_TEST_SUITE_P(Stores, ReadsApiTest, ::testing::Values("memory", "sqlite"),
                         [](const ::testing::TestParamInfo<std::string>& param_info) {
                           return param_info.param;
                         });

}  // namespace
}  // namespace stub::server_testing
