// The daily spend rollup stays exact through the engine on every store: a
// randomized mix of spends, holds, captures, voids and denials over several
// days leaves a rollup equal to the journal's (Engine::Verify checks it, and
// so does a direct recomputation here).
#include <gtest/gtest.h>

#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/spend_daily.h"
#include "engine/engine.h"
#include "engine_fixture.h"
#include "store_under_test.h"
#include "test_seed.h"

namespace stub::testing {
namespace {

constexpr Timestamp kStart = 1795860000LL * kMicrosPerSecond;  // 2026-11-28T10:00:00Z
constexpr Timestamp kMicrosPerDay = 86400LL * kMicrosPerSecond;

class SpendRollupTest : public ::testing::TestWithParam<TestStore> {};

TEST_P(SpendRollupTest, RollupEqualsTheJournalAfterARandomizedMix) {
  StoreUnderTest sut(GetParam());
  ASSERT_TRUE(sut.ok());
  const std::uint64_t seed = testing_support::TestSeed();
  std::printf("[ seed     ] STUB_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  ManualClock clock(kStart);
  Engine engine(sut.store(), clock);
  // The team's limit is low enough that some spends are denied.
  MakeTree(engine, {}, {{Amt("40"), Period::kDay}}, {}, {"mkt-1", "mkt-2"});
  const char* vendors[] = {"api.dataco.com", "api.openai.com", "modal.com"};
  const char* categories[] = {"data", "llm", "compute"};
  std::vector<std::string> holds;
  int approved = 0;
  for (int i = 0; i < 150; ++i) {
    clock.Advance(static_cast<Timestamp>(rng() % (3 * 3'600)) * kMicrosPerSecond);
    const std::string key = "k" + std::to_string(i);
    SpendRequest s =
        MakeSpend(rng() % 2 == 0 ? "mkt-1" : "mkt-2", std::to_string(rng() % 3 + 1).c_str(), key);
    const std::size_t v = rng() % 3;
    s.vendor = vendors[v];
    s.category = categories[v];
    switch (rng() % 4) {
      case 0: {
        auto h = engine.Hold({.spend = s, .ttl = 30 * kMicrosPerDay});
        ASSERT_TRUE(h.ok()) << h.status().ToString();
        if (h->outcome.status == OutcomeStatus::kHeld) holds.push_back(h->outcome.id);
        break;
      }
      case 1:
        if (!holds.empty()) {
          const std::string id = holds.back();
          holds.pop_back();
          if (rng() % 3 == 0) {
            ASSERT_TRUE(engine.Void("acme", id).ok());
          } else {
            auto c = engine.Capture(
                {.org = "acme", .hold_id = id, .amount = static_cast<Micros>(rng() % 900'000 + 1)});
            ASSERT_TRUE(c.ok()) << c.status().ToString();
            approved += c->outcome.status == OutcomeStatus::kApproved ? 1 : 0;
          }
          break;
        }
        [[fallthrough]];
      default: {
        auto r = engine.Spend(s);
        ASSERT_TRUE(r.ok()) << r.status().ToString();
        approved += r->outcome.status == OutcomeStatus::kApproved ? 1 : 0;
      }
    }
  }
  ASSERT_GT(approved, 10);
  auto report = engine.Verify("acme");
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok);
  for (const Problem& p : report->problems) ADD_FAILURE() << p.code << ": " << p.message;

  auto txn = sut.store().Begin({.read_only = true});
  ASSERT_TRUE(txn.ok());
  auto entries = (*txn)->ListEntries("acme", 0, 100'000);
  ASSERT_TRUE(entries.ok());
  auto want = SpendDailyFromEntries(*entries);
  ASSERT_TRUE(want.ok());
  auto got = (*txn)->ListSpendDaily("acme");
  ASSERT_TRUE(got.ok()) << got.status().ToString();
  EXPECT_EQ(*got, *want);
  EXPECT_GT(want->size(), 3u);
}

INSTANTIATE_TEST_SUITE_P(Stores, SpendRollupTest,
                         ::testing::Values(TestStore::kMemory, TestStore::kSqlite,
                                           TestStore::kPostgres),
                         TestStoreName);

}  // namespace
}  // namespace stub::testing
