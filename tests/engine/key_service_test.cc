// KeyService: keys stored hashed; the cache of verified keys and what a
// revocation guarantees (see key_service.h) — at once, in every process,
// including for spends made with a cached key; an org and its first admin
// key created atomically.
#include "engine/key_service.h"

#include <gtest/gtest.h>

#include <atomic>
#include <latch>
#include <thread>
#include <vector>

#include "engine/engine.h"
#include "engine_fixture.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"
#include "store_under_test.h"

namespace stub {
namespace {

using testing::kNov28;

class KeyServiceTest : public ::testing::Test {
 protected:
  KeyServiceTest() : clock_(kNov28), engine_(store_, clock_) {
    testing::MakeTree(engine_, {{testing::Amt("100"), Period::kMonth}}, {}, {});
  }
  // A spend by mkt-1 made with `grant`'s key check.
  Result<SpendResult> SpendWith(const KeyGrant& grant, const std::string& idempotency_key) {
    SpendRequest r = testing::MakeSpend("mkt-1", "1.00", idempotency_key);
    r.key_check = grant.check;
    return engine_.Spend(r);
  }
  MemoryStore store_;
  ManualClock clock_;
  Engine engine_;
};

TEST_F(KeyServiceTest, RevokingThroughTheServiceTakesEffectAtOnceDespiteTheCache) {
  KeyService keys(store_, clock_, {.cache_ttl = std::chrono::hours(1)});
  auto issued = keys.Create("acme", KeyRole::kFinance, "", "cfo");
  ASSERT_TRUE(issued.ok());
  auto first = keys.Authenticate(issued->secret, KeyFreshness::kCached);
  ASSERT_TRUE(first.ok() && first->has_value());
  EXPECT_EQ((*first)->row.id, issued->row.id);
  auto cached = keys.Authenticate(issued->secret, KeyFreshness::kCached);  // from the cache
  ASSERT_TRUE(cached.ok() && cached->has_value());
  ASSERT_TRUE(keys.Revoke("acme", issued->row.id).ok());
  auto after = keys.Authenticate(issued->secret, KeyFreshness::kCached);
  ASSERT_TRUE(after.ok());
  EXPECT_FALSE(after->has_value());
  // Unknown secrets are never cached or accepted.
  auto unknown = keys.Authenticate(std::string(kKeyPrefix) + std::string(64, '0'));
  ASSERT_TRUE(unknown.ok());
  EXPECT_FALSE(unknown->has_value());
}

// The server hashes a secret once when a root key is configured, and hands
// the hash on: the answers are Authenticate's, for live, revoked, unknown and
// malformed secrets alike.
TEST_F(KeyServiceTest, AuthenticateHashedAnswersAsAuthenticate) {
  KeyService keys(store_, clock_);
  auto live = keys.Create("acme", KeyRole::kAgent, "mkt-1", "");
  auto revoked = keys.Create("acme", KeyRole::kFinance, "", "");
  ASSERT_TRUE(live.ok() && revoked.ok());
  ASSERT_TRUE(keys.Revoke("acme", revoked->row.id).ok());
  auto hashed = [&](const std::string& secret) {
    return keys.AuthenticateHashed(secret, KeyService::HashSecret(secret), KeyFreshness::kFresh);
  };
  auto grant = hashed(live->secret);
  ASSERT_TRUE(grant.ok() && grant->has_value());
  EXPECT_EQ((*grant)->row.id, live->row.id);
  EXPECT_EQ((*grant)->row.agent, "mkt-1");
  EXPECT_EQ((*grant)->check.key_hash, live->row.hash);
  for (const std::string& refused :
       {revoked->secret, std::string(kKeyPrefix) + std::string(64, '0'),
        std::string("not-a-stub-key")}) {
    auto answer = hashed(refused);
    ASSERT_TRUE(answer.ok()) << refused;
    EXPECT_FALSE(answer->has_value()) << refused;
    auto plain = keys.Authenticate(refused);
    ASSERT_TRUE(plain.ok());
    EXPECT_FALSE(plain->has_value());
  }
}

// Two services on one store stand for two processes on one database: the
// server's cache (an hour) still holds the key when the CLI revokes it.
TEST_F(KeyServiceTest, ARevocationByAnotherProcessTakesEffectAtOnce) {
  KeyService server(store_, clock_, {.cache_ttl = std::chrono::hours(1)});
  KeyService cli(store_, clock_);
  auto revoked = cli.Create("acme", KeyRole::kAgent, "mkt-1", "");
  auto kept = cli.Create("acme", KeyRole::kAgent, "mkt-1", "");
  ASSERT_TRUE(revoked.ok() && kept.ok());
  auto revoked_grant = server.Authenticate(revoked->secret, KeyFreshness::kCached);
  auto kept_grant = server.Authenticate(kept->secret, KeyFreshness::kCached);
  ASSERT_TRUE(revoked_grant.ok() && revoked_grant->has_value());
  ASSERT_TRUE(kept_grant.ok() && kept_grant->has_value());
  EXPECT_EQ((*revoked_grant)->check.epoch, 0u);
  auto before = SpendWith(**revoked_grant, "k-before");
  ASSERT_TRUE(before.ok()) << before.status().ToString();
  EXPECT_EQ(before->outcome.status, OutcomeStatus::kApproved);

  ASSERT_TRUE(cli.Revoke("acme", revoked->row.id).ok());
  EXPECT_EQ((*engine_.GetOrg("acme"))->key_epoch, 1u);
  // The server's cache still has the key (by design)...
  auto stale = server.Authenticate(revoked->secret, KeyFreshness::kCached);
  ASSERT_TRUE(stale.ok() && stale->has_value());
  // ...but a spend with its check is refused in its own transaction, and
  // writes nothing, a replay of an earlier spend included.
  const std::uint64_t head = testing::HeadSeq(engine_);
  auto after = SpendWith(**stale, "k-after");
  EXPECT_EQ(after.status().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(after.status().reason(), "unauthorized");
  auto replay = SpendWith(**stale, "k-before");
  EXPECT_EQ(replay.status().reason(), "unauthorized");
  EXPECT_EQ(testing::HeadSeq(engine_), head);
  // A fresh read refuses the key, and drops it from the cache.
  EXPECT_FALSE(server.Authenticate(revoked->secret)->has_value());
  EXPECT_FALSE(server.Authenticate(revoked->secret, KeyFreshness::kCached)->has_value());
  // The org's other key, checked under the old epoch, is re-read and passes.
  auto other = SpendWith(**kept_grant, "k-other");
  ASSERT_TRUE(other.ok()) << other.status().ToString();
  EXPECT_EQ(other->outcome.status, OutcomeStatus::kApproved);
  // A fresh authentication carries the new epoch.
  auto renewed = server.Authenticate(kept->secret);
  ASSERT_TRUE(renewed.ok() && renewed->has_value());
  EXPECT_EQ((*renewed)->check.epoch, 1u);
}

// kCacheOnly (the event loop's way) never reads the store: it answers from
// the cache or says it would have to read.
TEST_F(KeyServiceTest, CacheOnlyAnswersFromTheCacheOrSaysItWouldReadTheStore) {
  KeyService keys(store_, clock_, {.cache_ttl = std::chrono::hours(1)});
  auto issued = keys.Create("acme", KeyRole::kAgent, "mkt-1", "");
  ASSERT_TRUE(issued.ok());
  auto cold = keys.Authenticate(issued->secret, KeyFreshness::kCacheOnly);
  EXPECT_EQ(cold.status().code(), StatusCode::kUnavailable);
  EXPECT_EQ(cold.status().reason(), "key_not_cached");
  ASSERT_TRUE(keys.Authenticate(issued->secret, KeyFreshness::kCached)->has_value());
  auto warm = keys.Authenticate(issued->secret, KeyFreshness::kCacheOnly);
  ASSERT_TRUE(warm.ok() && warm->has_value());
  EXPECT_EQ((*warm)->row.id, issued->row.id);
  EXPECT_EQ((*warm)->check.epoch, 0u);
  // What is not a key at all is refused without the store.
  auto junk = keys.Authenticate("not-a-key", KeyFreshness::kCacheOnly);
  ASSERT_TRUE(junk.ok());
  EXPECT_FALSE(junk->has_value());
  // A revoked key leaves the cache: the event loop must ask the store, which
  // refuses it.
  ASSERT_TRUE(keys.Revoke("acme", issued->row.id).ok());
  EXPECT_EQ(keys.Authenticate(issued->secret, KeyFreshness::kCacheOnly).status().reason(),
            "key_not_cached");
  EXPECT_FALSE(keys.Authenticate(issued->secret, KeyFreshness::kCached)->has_value());
  EXPECT_EQ(keys.Authenticate(issued->secret, KeyFreshness::kCacheOnly).status().reason(),
            "key_not_cached");
  // Without a cache nothing is ever answered from it.
  KeyService uncached(store_, clock_, {.cache_ttl = std::chrono::milliseconds(0)});
  auto other = uncached.Create("acme", KeyRole::kAgent, "mkt-1", "");
  ASSERT_TRUE(other.ok());
  ASSERT_TRUE(uncached.Authenticate(other->secret, KeyFreshness::kCached)->has_value());
  EXPECT_EQ(uncached.Authenticate(other->secret, KeyFreshness::kCacheOnly).status().reason(),
            "key_not_cached");
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
  EXPECT_EQ((*found)->row.org, "beta");
  EXPECT_EQ((*found)->row.role, KeyRole::kAdmin);
  EXPECT_EQ((*found)->row.created_at, kNov28);
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

namespace stub {
namespace {

using testing::StoreUnderTest;
using testing::TestStore;

class RootKeyRaceTest : public ::testing::TestWithParam<TestStore> {};

// Racing first starts (`stub init` and `stub serve` in several processes,
// here a KeyService per thread) create exactly one root key; after it is
// revoked, the next start creates exactly one more.
TEST_P(RootKeyRaceTest, RacingFirstStartsCreateExactlyOneRootKey) {
  StoreUnderTest sut(GetParam());
  ASSERT_TRUE(sut.ok());
  SystemClock clock;
  constexpr int kRacers = 8;
  for (int round = 1; round <= 2; ++round) {
    std::atomic<int> created{0};
    std::latch start(kRacers);
    std::vector<std::thread> threads;
    for (int t = 0; t < kRacers; ++t) {
      threads.emplace_back([&] {
        KeyService keys(sut.store(), clock);
        start.arrive_and_wait();
        auto ensured = keys.EnsureRootKey();
        ASSERT_TRUE(ensured.ok()) << ensured.status().ToString();
        if (ensured->has_value()) created.fetch_add(1);
      });
    }
    for (auto& th : threads) th.join();
    EXPECT_EQ(created.load(), 1) << "round " << round;
    KeyService keys(sut.store(), clock);
    auto roots = keys.List("");
    ASSERT_TRUE(roots.ok());
    ASSERT_EQ(roots->size(), static_cast<std::size_t>(round));
    const ApiKeyRow& newest = roots->back();
    EXPECT_EQ(newest.id, "key_root_" + std::to_string(round));
    EXPECT_FALSE(newest.revoked());
    ASSERT_TRUE(keys.Revoke("", newest.id).ok());
  }
}

INSTANTIATE_TEST_SUITE_P(Stores, RootKeyRaceTest,
                         ::testing::Values(TestStore::kMemory, TestStore::kSqlite,
                                           TestStore::kPostgres),
                         testing::TestStoreName);

}  // namespace
}  // namespace stub
