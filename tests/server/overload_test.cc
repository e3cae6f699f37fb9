// The HTTP server over a store that stops answering: a spend is answered
// 503 "overloaded" with Retry-After at its deadline (never a hang), /readyz
// fails, and once the store answers again spends succeed without a restart —
// the timed-out one replayed by its idempotency key.
#include <gtest/gtest.h>

#include <chrono>
#include <memory>
#include <string>

#include "server_fixture.h"
#include "store/fault_injection_store.h"
#include "store/memory/memory_store.h"

namespace stub::server_testing {
namespace {

class StalledStoreServerTest : public ServerTest {
 protected:
  void SetUp() override {
    auto owned = std::make_unique<FaultInjectionStore>(std::make_unique<MemoryStore>(), 1);
    faults_ = owned.get();
    ServerOptions options;
    options.batcher.answer_timeout = std::chrono::milliseconds(300);
    options.batcher.stall_after = std::chrono::milliseconds(100);
    options.ready_timeout = std::chrono::milliseconds(2000);
    options.keys.cache_ttl = std::chrono::hours(1);  // spends authenticate without the store
    StartServer(std::move(owned), options);
    admin_key_ = CreateOrg("acme");
    auto admin = Client(admin_key_);
    ASSERT_EQ(admin.Put("/v1/teams/marketing", {{"name", "Marketing"}}).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/a1", {{"team", "marketing"}}).status, 201);
  }
  void TearDown() override {
    faults_->ClearFaults();
    ServerTest::TearDown();
  }

  static nlohmann::json SpendBody(const std::string& key) {
    return {{"agent", "a1"},
            {"amount", "0.25"},
            {"vendor", "api.dataco.com"},
            {"idempotency_key", key}};
  }

  FaultInjectionStore* faults_ = nullptr;
  std::string admin_key_;
};

TEST_F(StalledStoreServerTest, SpendsAre503OverloadedAndReadyzFailsUntilTheStoreAnswers) {
  auto admin = Client(admin_key_);
  auto warm = admin.Post("/v1/spends", SpendBody("warm"));  // caches the key
  ASSERT_EQ(warm.status, 201) << warm.body;
  EXPECT_EQ(Client().Get("/readyz").status, 200);

  faults_->Stall(FaultPoint::kBegin, std::chrono::hours(1));
  auto stalled = admin.Post("/v1/spends", SpendBody("k1"));
  EXPECT_EQ(stalled.status, 503) << stalled.body;
  EXPECT_EQ(stalled.code(), "overloaded");
  EXPECT_EQ(stalled.header("retry-after"), "1");
  // An operator sees it in /metrics.
  EXPECT_NE(Client().Get("/metrics").body.find("\nstub_spends_timed_out_total 1\n"),
            std::string::npos);
  auto ready = Client().Get("/readyz");
  EXPECT_EQ(ready.status, 503) << ready.body;
  EXPECT_EQ(ready.json().value("store_answers", true), false);
  EXPECT_EQ(ready.json().value("batcher_stalled", false), true);

  faults_->ReleaseStalls();
  auto retried = admin.Post("/v1/spends", SpendBody("k1"));
  EXPECT_EQ(retried.status, 201) << retried.body;
  EXPECT_EQ(retried.header("idempotent-replayed"), "true");  // it committed after all
  auto fresh = admin.Post("/v1/spends", SpendBody("k2"));
  EXPECT_EQ(fresh.status, 201) << fresh.body;
  EXPECT_EQ(fresh.header("idempotent-replayed"), "");
  EXPECT_EQ(Client().Get("/readyz").status, 200);
  auto verify = admin.Get("/v1/verify");
  ASSERT_EQ(verify.status, 200);
  EXPECT_EQ(verify.json().value("ok", false), true) << verify.body;
}

}  // namespace
}  // namespace stub::server_testing
