// Store contract cases for the daily spend rollup (see store_contract.h):
// after any mix of committed and rolled-back transactions the rollup equals
// a recomputation from the journal; a transaction sees its own spends in it;
// questions answered over whole days (from the rollup on the SQL stores)
// equal the reference evaluation of the entries.
#include <cstdint>
#include <cstdio>
#include <random>
#include <string>
#include <vector>

#include "core/civil.h"
#include "core/spend_daily.h"
#include "store_contract.h"
#include "test_seed.h"

namespace stub::store_testing {
namespace {

// Midnight UTC of kT0's day.
constexpr Timestamp kMidnight = kT0 / kDay * kDay;

std::vector<SpendDailyRow> Expected(const std::vector<Entry>& entries, const std::string& org) {
  std::vector<Entry> of_org;
  for (const Entry& e : entries) {
    if (e.org == org) of_org.push_back(e);
  }
  auto rows = SpendDailyFromEntries(of_org);
  EXPECT_TRUE(rows.ok()) << rows.status().ToString();
  return rows.ok() ? *rows : std::vector<SpendDailyRow>{};
}

// A random entry: any kind, one of 3 agents × 3 vendors × 2 categories, at a
// random instant over 6 days (a few exactly at midnight).
Entry RandomEntry(std::mt19937_64& rng, const std::string& org, std::uint64_t seq) {
  static const std::vector<EntryKind> kinds = {
      EntryKind::kSpend, EntryKind::kSpend,  EntryKind::kCapture, EntryKind::kHold,
      EntryKind::kVoid,  EntryKind::kExpire, EntryKind::kConfig};
  static const std::vector<std::string> agents = {"a-1", "a-2", "a-3"};
  static const std::vector<std::string> vendors = {"api.openai.com", "modal.com", "serpapi.com"};
  static const std::vector<std::string> categories = {"llm", "data"};
  const Micros amount = static_cast<Micros>(rng() % 5'000'000 + 1);
  Entry e = MakeEntry(org, seq, amount);
  e.kind = kinds[rng() % kinds.size()];
  e.agent = agents[rng() % agents.size()];
  e.path = {e.agent, org};
  e.vendor = vendors[rng() % vendors.size()];
  e.category = categories[rng() % categories.size()];
  e.created_at = kMidnight - 3 * kDay +
                 (rng() % 8 == 0 ? static_cast<Timestamp>(rng() % 6) * kDay
                                 : static_cast<Timestamp>(rng() % (6 * kDay)));
  e.budget_at = e.created_at;
  e.lines = {{"expense:" + e.category + ":" + e.vendor, amount}, {"funding:" + org, -amount}};
  return e;
}

TEST_P(StoreContractTest, SpendRollupEqualsTheJournalAfterARandomizedMix) {
  const std::uint64_t seed = testing_support::TestSeed();
  std::printf("[ seed     ] STUB_TEST_SEED=%llu\n", static_cast<unsigned long long>(seed));
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<Entry> committed;
  std::uint64_t next_seq[2] = {1, 1};
  const std::string orgs[2] = {"acme", "globex"};
  for (int t = 0; t < 40; ++t) {
    STUB_ASSERT_OK_AND_ASSIGN(auto txn, store().Begin());
    std::vector<Entry> mine;
    const int n = static_cast<int>(rng() % 40) + 1;
    for (int i = 0; i < n; ++i) {
      const std::size_t o = rng() % 2;
      Entry e = RandomEntry(rng, orgs[o], next_seq[o]++);
      mine.push_back(e);
      STUB_ASSERT_OK(txn->AppendEntry(std::move(e)));
    }
    const int fate = static_cast<int>(rng() % 5);
    if (fate == 0) {
      // Rolled back: leaves nothing, and its seqs are free again.
      txn->Rollback();
      for (const Entry& e : mine) {
        next_seq[e.org == orgs[0] ? 0 : 1] = std::min(next_seq[e.org == orgs[0] ? 0 : 1], e.seq);
      }
      continue;
    }
    if (fate == 1) {
      // Reads its own spends mid-transaction, then appends more.
      std::vector<Entry> so_far = committed;
      so_far.insert(so_far.end(), mine.begin(), mine.end());
      STUB_ASSERT_OK_AND_ASSIGN(auto own, txn->ListSpendDaily("acme"));
      EXPECT_EQ(own, Expected(so_far, "acme")) << "transaction " << t;
      Entry e = RandomEntry(rng, "acme", next_seq[0]++);
      e.kind = EntryKind::kSpend;
      mine.push_back(e);
      STUB_ASSERT_OK(txn->AppendEntry(std::move(e)));
    }
    STUB_ASSERT_OK(txn->Commit());
    committed.insert(committed.end(), mine.begin(), mine.end());
  }
  for (const std::string& org : orgs) {
    Read([&](Transaction& r) {
      auto rows = r.ListSpendDaily(org);
      ASSERT_TRUE(rows.ok()) << rows.status().ToString();
      EXPECT_EQ(*rows, Expected(committed, org)) << org;
      // The same as recomputed from what the store itself lists.
      auto entries = r.ListEntries(org, 0, 100'000);
      ASSERT_TRUE(entries.ok()) << entries.status().ToString();
      auto recomputed = SpendDailyFromEntries(*entries);
      ASSERT_TRUE(recomputed.ok());
      EXPECT_EQ(*rows, *recomputed) << org;
    });
  }
}

TEST_P(StoreContractTest, SpendRollupSumsEachKeyExactly) {
  std::vector<Entry> entries;
  auto add = [&](EntryKind kind, const std::string& agent, Micros amount, Timestamp at) {
    Entry e = MakeEntry("acme", entries.size() + 1, amount);
    e.kind = kind;
    e.agent = agent;
    e.created_at = at;
    entries.push_back(e);
  };
  add(EntryKind::kSpend, "a-1", 1'000'000, kMidnight);             // day D
  add(EntryKind::kCapture, "a-1", 250'000, kMidnight + kDay - 1);  // day D
  add(EntryKind::kHold, "a-1", 9'000'000, kMidnight + 5);          // not money spent
  add(EntryKind::kSpend, "a-1", 3'000'000, kMidnight + kDay);      // day D + 1
  add(EntryKind::kSpend, "a-2", 500'000, kMidnight + 10);          // another key
  add(EntryKind::kVoid, "a-2", 0, kMidnight + 11);
  STUB_ASSERT_OK(Apply([&](Transaction& t) -> Status {
    for (std::size_t i = 0; i < 3; ++i) STUB_RETURN_IF_ERROR(t.AppendEntry(entries[i]));
    return Status::Ok();
  }));
  STUB_ASSERT_OK(Apply([&](Transaction& t) -> Status {
    for (std::size_t i = 3; i < entries.size(); ++i)
      STUB_RETURN_IF_ERROR(t.AppendEntry(entries[i]));
    return Status::Ok();
  }));
  const std::int64_t d = kMidnight / kDay;
  const std::vector<SpendDailyRow> want = {
      {"acme", d, "a-1", "api.example.com", "data", 1'250'000, 2, 1'000'000},
      {"acme", d, "a-2", "api.example.com", "data", 500'000, 1, 500'000},
      {"acme", d + 1, "a-1", "api.example.com", "data", 3'000'000, 1, 3'000'000},
  };
  Read([&](Transaction& r) {
    auto rows = r.ListSpendDaily("acme");
    ASSERT_TRUE(rows.ok()) << rows.status().ToString();
    EXPECT_EQ(*rows, want);
    auto none = r.ListSpendDaily("globex");
    ASSERT_TRUE(none.ok());
    EXPECT_TRUE(none->empty());
  });
}

// Questions whose range is on, or off, UTC day boundaries (whole days from
// the rollup, edge days from the entries on the SQL stores) equal the
// reference evaluation, in a write transaction that added spends of its own.
TEST_P(StoreContractTest, QuestionsOverDaysEqualTheReferenceIncludingOwnWrites) {
  const unsigned seed = 20261129;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  std::vector<Entry> entries;
  for (std::uint64_t seq = 1; seq <= 300; ++seq) entries.push_back(RandomEntry(rng, "acme", seq));
  STUB_ASSERT_OK(Apply([&](Transaction& t) -> Status {
    for (std::size_t i = 0; i < 200; ++i) STUB_RETURN_IF_ERROR(t.AppendEntry(entries[i]));
    return Status::Ok();
  }));
  STUB_ASSERT_OK_AND_ASSIGN(auto txn, store().Begin());
  for (std::size_t i = 200; i < entries.size(); ++i) STUB_ASSERT_OK(txn->AppendEntry(entries[i]));
  auto node = [](std::string id, NodeKind kind, std::string parent) {
    Node n;
    n.id = std::move(id);
    n.kind = kind;
    n.parent = std::move(parent);
    return n;
  };
  const std::vector<Node> tree = {
      node("acme", NodeKind::kOrg, ""), node("t", NodeKind::kTeam, "acme"),
      node("a-1", NodeKind::kAgent, "t"), node("a-2", NodeKind::kAgent, "t"),
      node("a-3", NodeKind::kAgent, "acme")};
  const Timestamp d0 = kMidnight - 2 * kDay;
  const std::vector<QuerySpec> specs = {
      {},
      {.group_by = QueryGroup::kTeam},
      {.group_by = QueryGroup::kDay},
      {.measure = QueryMeasure::kMax, .group_by = QueryGroup::kVendor},
      {.from = d0, .to = d0 + 3 * kDay, .group_by = QueryGroup::kTeam},
      {.from = d0, .to = d0 + 3 * kDay, .group_by = QueryGroup::kDay},
      {.from = d0 + 7, .to = d0 + 3 * kDay - 7, .group_by = QueryGroup::kDay},
      {.from = d0 + kDay / 2, .group_by = QueryGroup::kCategory},
      {.to = d0 + kDay + 1, .group_by = QueryGroup::kAgent},
      {.from = d0 + 1, .to = d0 + kDay - 1},  // within one day: entries only
      {.agents = {"a-3"}, .vendors = {"modal.com"}, .from = d0, .to = d0 + 2 * kDay},
      {.teams = {"t"}, .categories = {"llm"}, .from = d0 - 5, .group_by = QueryGroup::kWeek},
      {.measure = QueryMeasure::kAverage, .vendors = {"nobody.example"}},
      {.from = d0 + 90 * kDay},  // nothing
  };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    SCOPED_TRACE("spec " + std::to_string(i) + ": " + QuerySpecToJson(specs[i]).dump());
    STUB_ASSERT_OK(ValidateQuerySpec(specs[i]));
    STUB_ASSERT_OK_AND_ASSIGN(QueryPlan plan, PlanQuery(specs[i], tree));
    STUB_ASSERT_OK_AND_ASSIGN(PlanResult want, EvaluatePlan(plan, entries, {}));
    STUB_ASSERT_OK_AND_ASSIGN(PlanResult got, txn->RunQuery("acme", plan));
    STUB_ASSERT_OK_AND_ASSIGN(QueryResult got_answer, FinishQuery(specs[i], plan, got, tree));
    STUB_ASSERT_OK_AND_ASSIGN(QueryResult want_answer, FinishQuery(specs[i], plan, want, tree));
    EXPECT_EQ(got_answer, want_answer);
    EXPECT_EQ(got.groups.size(), want.groups.size());
  }
  STUB_ASSERT_OK(txn->Commit());
}

}  // namespace
}  // namespace stub::store_testing
