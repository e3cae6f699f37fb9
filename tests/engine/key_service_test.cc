// KeyService: keys stored hashed; the cache of verified keys and what a
// revocation guarantees (see key_service.h); an org and its first admin key
// created atomically.
#include "engine/key_service.h"

#include <gtest/gtest.h>

#include <thread>

#include "engine/engine.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"

namespace stub {
namespace {

constexpr Timestamp kNov28 = 1795860000LL * kMicrosPerSecond;  // 2026-11-28T10:00:00Z

class KeyServiceTest : public ::testing::Test {
 protected:
  KeyServiceTest() : clock_(kNov28), engine_(store_, clock_) {
    EXPECT_TRUE(engine_.CreateOrg("acme", "Acme").ok());
  }
  MemoryStore store_;
  ManualClock clock_;
  Engine engine_;
};

TEST_F(KeyServiceTest, RevokingThroughTheServiceTakesEffectAtOnceDespiteTheCache) {
  KeyService keys(store_, clock_, {.cache_ttl = std::chrono::hours(1)});
  auto issued = keys.Create("acme", KeyRole::kFinance, "", "cfo");
  ASSERT_TRUE(issued.ok());
  auto first = keys.Authenticate(issued->secret);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->id, issued->row.id);
  auto cached = keys.Authenticate(issued->secret);  // from the cache
  ASSERT_TRUE(cached.ok() && cached->has_value());
  ASSERT_TRUE(keys.Revoke("acme", issued->row.id).ok());
  auto after = keys.Authenticate(issued->secret);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  // Unknown secrets are never cached or accepted.
  auto unknown = keys.Authenticate(std::string(kKeyPrefix) + std::string(64, '0'));
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
}

TEST_F(KeyServiceTest, ARevocationByAnotherProcessIsSeenWithinTheTtl) {
  // Two services on one store stand for two processes on one database.
  KeyService server(store_, clock_, {.cache_ttl = std::chrono::milliseconds(1)});
  KeyService cli(store_, clock_);
  auto issued = cli.Create("acme", KeyRole::kAdmin, "", "");
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(server.Authenticate(issued->secret)->has_value());
  ASSERT_TRUE(cli.Revoke("acme", issued->row.id).ok());
  std::this_thread::sleep_for(std::chrono::milliseconds(5));  // > ttl: the entry is stale
  EXPECT_FALSE(server.Authenticate(issued->secret)->has_value());
}

TEST_F(KeyServiceTest, WithoutACacheEveryCallReadsTheStore) {
  KeyService server(store_, clock_, {.cache_ttl = std::chrono::milliseconds(0)});
  KeyService cli(store_, clock_);
  auto issued = cli.Create("acme", KeyRole::kAdmin, "", "");
  ASSERT_TRUE(issued.ok());
  ASSERT_TRUE(server.Authenticate(issued->secret)->has_value());
  ASSERT_TRUE(cli.Revoke("acme", issued->row.id).ok());
  EXPECT_FALSE(server.Authenticate(issued->secret)->has_value());
}

TEST_F(KeyServiceTest, AnOrgAndItsAdminKeyCommitTogetherOrNotAtAll) {
  auto key = KeyService::Prepare("beta", KeyRole::kAdmin, "", "admin");
  ASSERT_TRUE(key.ok());
  // The second step fails: the org is not created either.
  auto failed = engine_.CreateOrg("beta", "Beta", "USD", [](Transaction&, Timestamp) {
    return Unavailable("the disk went away");
  });
  EXPECT_EQ(failed.status().code(), StatusCode::kUnavailable);
  auto none = engine_.GetOrg("beta");
  ASSERT_TRUE(none.ok());
  EXPECT_FALSE(none->has_value());
  // Retrying creates both.
  auto made = engine_.CreateOrg("beta", "Beta", "USD", [&](Transaction& txn, Timestamp now) {
    return KeyService::Insert(txn, *key, now);
  });
  ASSERT_TRUE(made.ok()) << made.status().ToString();
  KeyService keys(store_, clock_);
  auto found = keys.Authenticate(key->secret);
  ASSERT_TRUE(found.ok() && found->has_value());
  EXPECT_EQ((*found)->org, "beta");
  EXPECT_EQ((*found)->role, KeyRole::kAdmin);
  EXPECT_EQ((*found)->created_at, kNov28);
  // A second creation of the same org is refused and adds no key.
  auto again = KeyService::Prepare("beta", KeyRole::kAdmin, "", "admin");
  auto dup = engine_.CreateOrg("beta", "Beta", "USD", [&](Transaction& txn, Timestamp now) {
    return KeyService::Insert(txn, *again, now);
  });
  EXPECT_EQ(dup.status().code(), StatusCode::kAlreadyExists);
  EXPECT_EQ(keys.List("beta")->size(), 1u);
}

}  // namespace
}  // namespace stub
