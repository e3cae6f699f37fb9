// Hostile input over loopback HTTP (issue 19): nesting 100,000 deep, duplicate
// keys, every text field at its cap and one byte over, NUL in every text
// field. Each is refused with its exact status and code, the server stays up,
// and nothing is booked.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "server_fixture.h"

namespace stub::server_testing {
namespace {

using nlohmann::json;

class HostileInputTest : public ServerTest, public ::testing::WithParamInterface<std::string> {
 protected:
  std::unique_ptr<Store> MakeStore() override {
    return GetParam() == "sqlite" ? MakeSqliteStore() : ServerTest::MakeStore();
  }

  void SetUp() override {
    ServerTest::SetUp();
    admin_key_ = CreateOrg("acme");
    ASSERT_FALSE(admin_key_.empty());
    auto admin = Client(admin_key_);
    ASSERT_EQ(admin.Put("/v1/teams/ops", json::object()).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/a1", {{"team", "ops"}}).status, 201);
  }

  // A valid spend body of 0.01 by a1 with idempotency key `key`.
  static json Spend(const std::string& key) {
    return {{"agent", "a1"},
            {"amount", "0.01"},
            {"vendor", "api.dataco.com"},
            {"idempotency_key", key}};
  }

  std::string Books() {
    auto admin = Client(admin_key_);
    return admin.Get("/v1/journal?limit=1000").body + admin.Get("/v1/budgets").body +
           admin.Get("/v1/spends?limit=1000").body;
  }

  void ExpectRefused(const std::string& what, const std::string& target, const std::string& body,
                     int status, const std::string& code, const std::string& method = "POST") {
    auto admin = Client(admin_key_);
    auto r = admin.Send(method, target, body);
    EXPECT_EQ(r.status, status) << what << ": " << r.body.substr(0, 300);
    EXPECT_EQ(r.code(), code) << what << ": " << r.body.substr(0, 300);
  }

  void ExpectServerUp() {
    EXPECT_EQ(Client().Get("/healthz").status, 200);
    auto admin = Client(admin_key_);
    auto r = admin.Post("/v1/spends", Spend("still-up-" + std::to_string(up_checks_++)));
    EXPECT_EQ(r.status, 201) << r.body;
  }

  std::string admin_key_;
  int up_checks_ = 0;
};

INSTANTIATE_TEST_SUITE_P(Stores, HostileInputTest, ::testing::Values("memory", "sqlite"));

TEST_P(HostileInputTest, NestingDeepInAReceiptOrAtTopLevelIsRefusedAndTheServerStaysUp) {
  const std::string before = Books();
  constexpr int kDeep = 100'000;
  const std::string arrays = std::string(kDeep, '[') + std::string(kDeep, ']');
  std::string objects;
  for (int i = 0; i < kDeep / 5; ++i) objects += "{\"a\":";
  objects += "1" + std::string(kDeep / 5, '}');
  std::string spend = Spend("deep").dump();
  spend.pop_back();
  for (const std::string& deep : {arrays, objects}) {
    ExpectRefused("deep receipt", "/v1/spends", spend + ",\"receipt\":{\"r\":" + deep + "}}", 400,
                  "invalid_json");
    ExpectRefused("deep receipt (hold)", "/v1/holds", spend + ",\"receipt\":{\"r\":" + deep + "}}",
                  400, "invalid_json");
    ExpectRefused("deep top level", "/v1/spends", deep, 400, "invalid_json");
    ExpectRefused("deep team body", "/v1/teams/t2", "{\"name\":" + deep + "}", 400, "invalid_json",
                  "PUT");
    ExpectRefused("deep query spec", "/v1/query", "{\"spec\":" + deep + "}", 400, "invalid_json");
  }
  // 64 levels (the receipt's object is level 2) are fine; 65 are not.
  const std::string at_cap = std::string(62, '[') + std::string(62, ']');
  auto admin = Client(admin_key_);
  auto ok = admin.Send("POST", "/v1/spends", spend + ",\"receipt\":{\"r\":" + at_cap + "}}");
  EXPECT_EQ(ok.status, 201) << ok.body;
  ExpectRefused(
      "65 levels", "/v1/spends",
      R"({"agent":"a1","amount":"0.01","vendor":"x.com","idempotency_key":"d65","receipt":{"r":)" +
          std::string(63, '[') + std::string(63, ']') + "}}",
      400, "invalid_json");
  ExpectServerUp();
  EXPECT_NE(Books(), before);  // the two spends above, nothing else
}

TEST_P(HostileInputTest, DuplicateKeysAnywhereAreInvalidJsonAndBookNothing) {
  const std::string before = Books();
  ExpectRefused(
      "duplicate amount", "/v1/spends",
      R"({"agent":"a1","amount":"1","amount":"9.5","vendor":"x.com","idempotency_key":"dup1"})",
      400, "invalid_json");
  ExpectRefused(
      "duplicate amount (hold)", "/v1/holds",
      R"({"agent":"a1","amount":"1","amount":"9.5","vendor":"x.com","idempotency_key":"dup2"})",
      400, "invalid_json");
  ExpectRefused(
      "duplicate in receipt", "/v1/spends",
      R"({"agent":"a1","amount":"1","vendor":"x.com","idempotency_key":"dup3","receipt":{"tx":"a","tx":"b"}})",
      400, "invalid_json");
  ExpectRefused(
      "duplicate agent", "/v1/spends",
      R"({"agent":"a1","agent":"a2","amount":"1","vendor":"x.com","idempotency_key":"dup4"})", 400,
      "invalid_json");
  ExpectRefused("duplicate team", "/v1/agents/a9", R"({"team":"ops","team":"x"})", 400,
                "invalid_json", "PUT");
  ExpectRefused("duplicate role", "/v1/keys", R"({"role":"finance","role":"admin"})", 400,
                "invalid_json");
  ExpectRefused("duplicate in a limit", "/v1/org",
                R"({"limits":[{"amount":"1","amount":"100","period":"day"}]})", 400, "invalid_json",
                "PUT");
  EXPECT_EQ(Books(), before);
}

struct Cap {
  std::string field;
  std::size_t cap;
};

// A value of exactly `n` bytes that is valid for `field`.
std::string ValueOf(const std::string& field, std::size_t n) {
  if (field == "vendor") {  // a host: labels of at most 63
    std::string host;
    while (host.size() < n) {
      if (!host.empty()) host += '.';
      host += std::string(std::min<std::size_t>(63, n - host.size()), 'v');
    }
    if (host.back() == '.') host.back() = 'v';
    return host;
  }
  return std::string(n, field == "agent" ? 'a' : 'x');
}

TEST_P(HostileInputTest, EachTextFieldIsAcceptedAtItsCapAndRefusedOneByteOver) {
  auto admin = Client(admin_key_);
  const std::vector<Cap> caps = {{"agent", 64},    {"vendor", 253}, {"category", 64},
                                 {"session", 256}, {"user", 256},   {"intent", 1024}};
  // The agents at and over the id cap.
  ASSERT_EQ(admin.Put("/v1/agents/" + ValueOf("agent", 64), {{"team", "ops"}}).status, 201);
  int n = 0;
  for (const Cap& c : caps) {
    json at = Spend("cap-at-" + std::to_string(n));
    at[c.field] = ValueOf(c.field, c.cap);
    auto ok = admin.Post("/v1/spends", at);
    EXPECT_EQ(ok.status, 201) << c.field << " at " << c.cap << ": " << ok.body;
    const std::string before = Books();
    json over = Spend("cap-over-" + std::to_string(n++));
    over[c.field] = ValueOf(c.field, c.cap + 1);
    for (const char* target : {"/v1/spends", "/v1/holds"}) {
      auto r = admin.Post(target, over);
      EXPECT_EQ(r.status, 400) << c.field << " over: " << r.body;
      EXPECT_EQ(r.code(), "invalid_request") << c.field << " over: " << r.body;
      EXPECT_NE(r.json()["error"]["message"].get<std::string>().find(
                    "'" + c.field + "' is longer than " + std::to_string(c.cap) + " bytes"),
                std::string::npos)
          << r.body;
    }
    EXPECT_EQ(Books(), before) << c.field;
  }
  // The receipt: 64 KiB of canonical JSON.
  const std::string head = "{\"p\":\"";
  const std::string tail = "\"}";
  const std::string at_cap = head + std::string(65536 - head.size() - tail.size(), 'r') + tail;
  json at = Spend("receipt-at");
  at["receipt"] = json::parse(at_cap);
  auto ok = admin.Post("/v1/spends", at);
  EXPECT_EQ(ok.status, 201) << ok.body.substr(0, 300);
  const std::string before = Books();
  json over = Spend("receipt-over");
  over["receipt"] = json::parse(head + "r" + at_cap.substr(head.size()));
  auto r = admin.Post("/v1/spends", over);
  EXPECT_EQ(r.status, 400) << r.body;
  EXPECT_EQ(r.code(), "invalid_request") << r.body;
  EXPECT_NE(r.body.find("'receipt' is larger than 65536 bytes"), std::string::npos) << r.body;
  // Capture: the same cap.
  json hold = Spend("receipt-hold");
  auto h = admin.Post("/v1/holds", hold);
  ASSERT_EQ(h.status, 201) << h.body;
  auto c = admin.Post("/v1/holds/" + h.json()["id"].get<std::string>() + "/capture",
                      {{"amount", "0.01"}, {"receipt", over["receipt"]}});
  EXPECT_EQ(c.status, 400) << c.body;
  EXPECT_EQ(c.code(), "invalid_request");
  // Names and reasons.
  auto long_name = admin.Put("/v1/teams/t3", {{"name", std::string(257, 'n')}});
  EXPECT_EQ(long_name.status, 400);
  EXPECT_EQ(long_name.code(), "invalid_request");
  EXPECT_EQ(admin.Put("/v1/teams/t3", {{"name", std::string(256, 'n')}}).status, 201);
  ExpectServerUp();
}

TEST_P(HostileInputTest, NulInAnyTextFieldIsRefusedAndBooksNothing) {
  const std::string before = Books();
  const std::string nul = "a\\u0000b";
  for (const std::string field :
       {"agent", "vendor", "category", "session", "user", "intent", "idempotency_key"}) {
    // The field's value replaced by (or set to) one holding an escaped NUL.
    json body = Spend("nul-" + field);
    body.erase(field);
    std::string text = body.dump();
    text.pop_back();
    text += ",\"" + field + "\":\"" + nul + "\"}";
    ExpectRefused("NUL in " + field, "/v1/spends", text, 400, "invalid_request");
    ExpectRefused("NUL in " + field + " (hold)", "/v1/holds", text, 400, "invalid_request");
  }
  ExpectRefused(
      "NUL in a receipt", "/v1/spends",
      R"({"agent":"a1","amount":"1","vendor":"x.com","idempotency_key":"nr","receipt":{"k":")" +
          nul + "\"}}",
      400, "invalid_request");
  ExpectRefused(
      "NUL in a key", "/v1/spends",
      R"({"agent":"a1","amount":"1","vendor":"x.com","idempotency_key":"nk","a)" + nul + "\":1}",
      400, "invalid_request");
  ExpectRefused("NUL in a team name", "/v1/teams/t4", "{\"name\":\"" + nul + "\"}", 400,
                "invalid_request", "PUT");
  ExpectRefused("NUL in a key name", "/v1/keys", "{\"role\":\"finance\",\"name\":\"" + nul + "\"}",
                400, "invalid_request");
  ExpectRefused("NUL in a freeze reason", "/v1/agents/a1/freeze", "{\"reason\":\"" + nul + "\"}",
                400, "invalid_request");
  ExpectRefused("NUL in a kill-switch reason", "/v1/kill-switch",
                "{\"engaged\":true,\"reason\":\"" + nul + "\"}", 400, "invalid_request");
  ExpectRefused("NUL in a policy list", "/v1/policies/acme",
                "{\"categories\":{\"block\":[\"" + nul + "\"]}}", 400, "invalid_request", "PUT");
  ExpectRefused("NUL in a question", "/v1/query", "{\"question\":\"" + nul + "\"}", 400,
                "invalid_request");
  EXPECT_EQ(Books(), before);
  ExpectServerUp();
}

}  // namespace
}  // namespace stub::server_testing
