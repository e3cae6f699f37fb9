// The demo seed: its tree, its history, idempotency, and that its books
// verify. On the memory store (each test of a suite runs in its own process
// under ctest, so the suite's seed is repeated; seeding the SQLite file twice
// is tested through the real binary in operator_commands_test.cc).
#include "cli/demo_seed.h"

#include <gtest/gtest.h>

#include <map>
#include <memory>
#include <nlohmann/json.hpp>
#include <set>
#include <string>
#include <utility>
#include <vector>

#include "cli/demo_history.h"
#include "cli/demo_org.h"
#include "core/period.h"
#include "store/memory/memory_store.h"

namespace stub {
namespace {

constexpr Timestamp kDay = 86'400 * kMicrosPerSecond;
// A fixed end of history: the data issue 6's question corpus is written
// against. 31 days back is 2026-10-28, so the history crosses 1 November.
const Timestamp kHistoryEnd = MakeTimestamp(2026, 11, 28, 15, 0, 0);

// Everything a seeded store holds about the demo org, read in one snapshot.
struct Books {
  OrgRow org;
  std::vector<NodeRow> nodes;
  std::vector<Entry> entries;
  std::vector<DenialRecord> denials;
};

Books ReadBooks(Store& store) {
  Books books;
  auto txn = store.Begin(TxnOptions{.read_only = true});
  EXPECT_TRUE(txn.ok()) << txn.status().ToString();
  if (!txn.ok()) return books;
  auto org = (*txn)->GetOrg(kDemoOrgId);
  EXPECT_TRUE(org.ok() && org->has_value());
  if (!org.ok() || !org->has_value()) return books;
  books.org = **org;
  auto nodes = (*txn)->ListNodes(kDemoOrgId);
  EXPECT_TRUE(nodes.ok());
  if (nodes.ok()) books.nodes = std::move(*nodes);
  for (std::uint64_t after = 0;;) {
    auto page = (*txn)->ListEntries(kDemoOrgId, after, 1000);
    EXPECT_TRUE(page.ok());
    if (!page.ok() || page->empty()) break;
    after = page->back().seq;
    for (Entry& e : *page) books.entries.push_back(std::move(e));
  }
  auto denials = (*txn)->ListDenials(kDemoOrgId, 1'000'000);
  EXPECT_TRUE(denials.ok());
  if (denials.ok()) books.denials = std::move(*denials);
  return books;
}

// One seeded store shared by the tests of this suite.
class DemoSeedTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    store_ = new MemoryStore();
    auto report = SeedDemo(*store_, kHistoryEnd);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    report_ = new DemoSeedReport(*report);
    books_ = new Books(ReadBooks(*store_));
  }
  static void TearDownTestSuite() {
    delete books_;
    delete report_;
    delete store_;
  }
  void SetUp() override { ASSERT_NE(books_, nullptr); }

  static const NodeRow* FindNode(std::string_view id) {
    for (const NodeRow& row : books_->nodes) {
      if (row.node.id == id) return &row;
    }
    return nullptr;
  }

  static inline Store* store_ = nullptr;
  static inline DemoSeedReport* report_ = nullptr;
  static inline Books* books_ = nullptr;
};

TEST_F(DemoSeedTest, CreatesTheOrgTeamsAndAgentsPromised) {
  EXPECT_TRUE(report_->org_created);
  EXPECT_EQ(report_->nodes_created, 16u);
  EXPECT_EQ(books_->org.name, "Acme Corp");
  EXPECT_EQ(books_->org.currency, "USD");
  EXPECT_EQ(books_->org.created_at, kHistoryEnd - kDemoHistoryLength);

  std::map<std::string, std::string> teams;  // id → parent
  std::map<std::string, std::string> agents;
  for (const NodeRow& row : books_->nodes) {
    if (row.node.kind == NodeKind::kTeam) teams[row.node.id] = row.node.parent;
    if (row.node.kind == NodeKind::kAgent) agents[row.node.id] = row.node.parent;
  }
  EXPECT_EQ(teams, (std::map<std::string, std::string>{{"engineering", "acme"},
                                                       {"marketing", "acme"},
                                                       {"platform", "engineering"},
                                                       {"research", "acme"}}));
  EXPECT_EQ(agents.size(), 12u);
  EXPECT_EQ(agents["mkt-researcher-1"], "marketing");
  EXPECT_EQ(agents["eng-copilot-2"], "engineering");
  EXPECT_EQ(agents["plat-ci-bot-1"], "platform");
  std::map<std::string, int> agents_per_team;
  for (const auto& [agent, team] : agents) ++agents_per_team[team];
  EXPECT_EQ(agents_per_team,
            (std::map<std::string, int>{
                {"engineering", 3}, {"marketing", 4}, {"platform", 2}, {"research", 3}}));
}

TEST_F(DemoSeedTest, HasLimitsOnEveryLevelAndSeveralPeriods) {
  const NodeRow* org = FindNode("acme");
  ASSERT_NE(org, nullptr);
  EXPECT_EQ(org->node.limits, (std::vector<Limit>{{600 * kMicrosPerUnit, Period::kMonth},
                                                  {2'400 * kMicrosPerUnit, Period::kYear}}));
  const NodeRow* platform = FindNode("platform");
  ASSERT_NE(platform, nullptr);
  EXPECT_EQ(platform->node.limits, (std::vector<Limit>{{260 * kMicrosPerUnit, Period::kMonth},
                                                       {70 * kMicrosPerUnit, Period::kWeek}}));
  const NodeRow* ci = FindNode("plat-ci-bot-1");
  ASSERT_NE(ci, nullptr);
  EXPECT_EQ(ci->node.limits, (std::vector<Limit>{{2 * kMicrosPerUnit, Period::kDay},
                                                 {18 * kMicrosPerUnit, Period::kTotal}}));
  std::set<Period> periods;
  std::set<NodeKind> limited_kinds;
  for (const NodeRow& row : books_->nodes) {
    for (const Limit& limit : row.node.limits) {
      periods.insert(limit.period);
      limited_kinds.insert(row.node.kind);
    }
  }
  EXPECT_EQ(periods, (std::set<Period>{Period::kDay, Period::kWeek, Period::kMonth, Period::kYear,
                                       Period::kTotal}));
  EXPECT_EQ(limited_kinds.size(), 3u);  // org, team and agent
}

TEST_F(DemoSeedTest, BooksVerify) {
  ManualClock clock(kHistoryEnd);
  Engine engine(*store_, clock);
  auto report = engine.Verify(kDemoOrgId);
  ASSERT_TRUE(report.ok()) << report.status().ToString();
  EXPECT_TRUE(report->ok) << (report->problems.empty() ? "" : report->problems[0].message);
  EXPECT_EQ(report->entries, books_->entries.size());
  EXPECT_EQ(report->head, books_->org.head_hash);
  EXPECT_EQ(report_->entries, books_->entries.size());
  EXPECT_EQ(report_->head_hash, books_->org.head_hash);
}

TEST_F(DemoSeedTest, HistorySpansFourWeeksAndAMonthBoundaryUpToNow) {
  ASSERT_FALSE(books_->entries.empty());
  const Timestamp first = books_->entries.front().created_at;
  const Timestamp last = books_->entries.back().created_at;
  EXPECT_GE(last - first, 28 * kDay);
  EXPECT_GE(first, kHistoryEnd - kDemoHistoryLength);
  EXPECT_LE(last, kHistoryEnd);
  EXPECT_GE(last, kHistoryEnd - kDay);  // it runs up to now
  EXPECT_LT(first, MakeTimestamp(2026, 11, 1));
  for (std::size_t i = 1; i < books_->entries.size(); ++i) {
    ASSERT_LE(books_->entries[i - 1].created_at, books_->entries[i].created_at) << i;
  }
  EXPECT_EQ(report_->from, kHistoryEnd - kDemoHistoryLength);
  EXPECT_EQ(report_->to, kHistoryEnd);
}

TEST_F(DemoSeedTest, HistoryIsVariedAcrossVendorsCategoriesUsersAndSessions) {
  std::map<std::string, std::set<std::string>> vendors_by_category;
  std::set<std::string> users;
  std::set<std::string> sessions;
  std::set<std::string> intents;
  std::set<std::string> agents;
  std::map<EntryKind, int> kinds;
  for (const Entry& e : books_->entries) {
    ++kinds[e.kind];
    if (e.kind != EntryKind::kSpend && e.kind != EntryKind::kCapture) continue;
    vendors_by_category[e.category].insert(e.vendor);
    users.insert(e.user);
    sessions.insert(e.session);
    intents.insert(e.intent);
    agents.insert(e.agent);
    EXPECT_FALSE(e.receipt.empty()) << e.seq;
    EXPECT_FALSE(e.user.empty()) << e.seq;
  }
  ASSERT_EQ(vendors_by_category.size(), 4u);
  EXPECT_TRUE(vendors_by_category["llm"].contains("api.openai.com"));
  EXPECT_TRUE(vendors_by_category["llm"].contains("api.anthropic.com"));
  EXPECT_TRUE(vendors_by_category["llm"].contains("generativelanguage.googleapis.com"));
  EXPECT_TRUE(vendors_by_category["data"].contains("api.dataco.com"));
  EXPECT_TRUE(vendors_by_category["compute"].contains("modal.com"));
  EXPECT_TRUE(vendors_by_category["compute"].contains("replicate.com"));
  EXPECT_GE(vendors_by_category["data"].size(), 5u);
  EXPECT_GE(vendors_by_category["saas"].size(), 2u);
  EXPECT_EQ(agents.size(), 12u);
  EXPECT_GE(users.size(), 8u);
  EXPECT_GE(sessions.size(), 300u);
  EXPECT_GE(intents.size(), 30u);
  EXPECT_GE(kinds[EntryKind::kSpend], 500);
  EXPECT_GE(kinds[EntryKind::kHold], 100);
  EXPECT_GE(kinds[EntryKind::kCapture], 80);
  EXPECT_GE(kinds[EntryKind::kVoid], 5);
  EXPECT_GE(kinds[EntryKind::kExpire], 1);
  const std::size_t requests = report_->requests;
  EXPECT_GE(requests, 300u);
  EXPECT_LE(requests, 2500u);
}

TEST_F(DemoSeedTest, ReceiptsAreCanonicalJsonWithModelsTokensAndPaymentRefs) {
  int llm = 0;
  int x402 = 0;
  for (const Entry& e : books_->entries) {
    if (e.receipt.empty()) continue;
    const auto j = nlohmann::json::parse(e.receipt);
    EXPECT_EQ(j.dump(), e.receipt) << "not canonical: " << e.receipt;
    if (e.category == "llm") {
      ++llm;
      const bool has_model = j.contains("model") || j.contains("modelVersion");
      const bool has_tokens = j.contains("usage") || j.contains("usageMetadata");
      EXPECT_TRUE(has_model && has_tokens) << e.receipt;
      ASSERT_TRUE(j.contains("price_usd")) << e.receipt;
      EXPECT_EQ(j["price_usd"], FormatAmount(e.amount)) << e.receipt;
    }
    if (e.category == "data") {
      ++x402;
      ASSERT_TRUE(j.contains("x402")) << e.receipt;
      EXPECT_EQ(j["x402"]["amount"], std::to_string(e.amount)) << e.receipt;
      EXPECT_EQ(j["x402"]["transaction"].get<std::string>().size(), 66u);
    }
  }
  EXPECT_GE(llm, 300);
  EXPECT_GE(x402, 100);
}

TEST_F(DemoSeedTest, SomeAgentsHitTheirLimits) {
  EXPECT_EQ(report_->denied, books_->denials.size());
  EXPECT_GE(books_->denials.size(), 10u);
  std::set<std::string> denied_agents;
  std::set<std::pair<std::string, Period>> binding;  // (node, period) that refused
  for (const DenialRecord& d : books_->denials) {
    EXPECT_EQ(d.denial.reason, DenyReason::kBudgetExceeded) << d.agent;
    EXPECT_TRUE(d.denial.period.has_value());
    denied_agents.insert(d.agent);
    if (d.denial.period) binding.insert({d.denial.node, *d.denial.period});
  }
  // The runaway social scheduler, the CI bot that used up its total, and
  // marketing's launch week.
  EXPECT_TRUE(denied_agents.contains("mkt-social-1"));
  EXPECT_TRUE(denied_agents.contains("plat-ci-bot-1"));
  EXPECT_TRUE(binding.contains({"mkt-social-1", Period::kDay}));
  EXPECT_TRUE(binding.contains({"plat-ci-bot-1", Period::kTotal}));
  EXPECT_TRUE(binding.contains({"res-scout-1", Period::kWeek}));
  EXPECT_TRUE(binding.contains({"marketing", Period::kWeek}));
  const NodeRow* ci = FindNode("plat-ci-bot-1");
  ASSERT_NE(ci, nullptr);
  const BucketBalance total = CurrentBalance(ci->balances, Period::kTotal, kHistoryEnd);
  EXPECT_LE(total.spent + total.held, 18 * kMicrosPerUnit);
  EXPECT_GT(total.spent, 17 * kMicrosPerUnit);
}

TEST_F(DemoSeedTest, BudgetsArePartlyUsedAtNow) {
  for (const char* id : {"acme", "marketing", "research", "engineering", "platform"}) {
    const NodeRow* row = FindNode(id);
    ASSERT_NE(row, nullptr) << id;
    for (const Limit& limit : row->node.limits) {
      const BucketBalance b = CurrentBalance(row->balances, limit.period, kHistoryEnd);
      EXPECT_GT(b.spent, limit.amount / 10) << id << " " << PeriodName(limit.period);
      EXPECT_LT(b.spent + b.held, limit.amount) << id << " " << PeriodName(limit.period);
    }
  }
}

// Last of the suite (gtest runs a suite's tests in order of definition):
// seeding the suite's store again.
TEST_F(DemoSeedTest, SeedingTwiceChangesNothing) {
  auto second = SeedDemo(*store_, kHistoryEnd);
  ASSERT_TRUE(second.ok()) << second.status().ToString();
  const Books after = ReadBooks(*store_);
  const DemoSeedReport& first = *report_;
  EXPECT_GT(first.writes, 0u);
  EXPECT_EQ(first.replayed, 0u);
  EXPECT_EQ(second->writes, 0u);
  EXPECT_FALSE(second->org_created);
  EXPECT_EQ(second->nodes_created, 0u);
  EXPECT_EQ(second->replayed, first.requests);
  EXPECT_EQ(second->requests, first.requests);
  EXPECT_EQ(second->approved, first.approved);
  EXPECT_EQ(second->denied, first.denied);
  EXPECT_EQ(second->holds, first.holds);
  EXPECT_EQ(second->captured, first.captured);
  EXPECT_EQ(second->voided, first.voided);
  EXPECT_EQ(after.org, books_->org);  // the same head seq and hash
  EXPECT_EQ(after.nodes, books_->nodes);
  EXPECT_EQ(after.entries, books_->entries);
  EXPECT_EQ(after.denials, books_->denials);
  EXPECT_EQ(second->head_hash, first.head_hash);
  EXPECT_EQ(second->entries, first.entries);
}

TEST(DemoHistoryTest, IsDeterministicOrderedAndConsistent) {
  auto a = DemoHistory();
  auto b = DemoHistory();
  ASSERT_TRUE(a.ok() && b.ok());
  ASSERT_EQ(a->size(), b->size());
  std::set<std::string> keys;
  for (std::size_t i = 0; i < a->size(); ++i) {
    const DemoStep& x = (*a)[i];
    const DemoStep& y = (*b)[i];
    ASSERT_EQ(x.kind, y.kind) << i;
    ASSERT_EQ(x.at, y.at) << i;
    ASSERT_EQ(x.request.idempotency_key, y.request.idempotency_key) << i;
    ASSERT_EQ(x.request.amount, y.request.amount) << i;
    ASSERT_EQ(x.request.receipt, y.request.receipt) << i;
    ASSERT_EQ(x.capture_receipt, y.capture_receipt) << i;
    ASSERT_GE(x.at, 0);
    ASSERT_LT(x.at, kDemoHistoryLength);
    if (i > 0) {
      ASSERT_LE((*a)[i - 1].at, x.at) << i;
    }
    if (x.kind == DemoStepKind::kSpend || x.kind == DemoStepKind::kHold) {
      ASSERT_TRUE(keys.insert(x.request.idempotency_key).second) << x.request.idempotency_key;
      ASSERT_GT(x.request.amount, 0);
      ASSERT_TRUE(x.request.org.empty());
    } else {
      ASSERT_LT(x.hold_step, i);
      const DemoStep& hold = (*a)[x.hold_step];
      ASSERT_EQ(hold.kind, DemoStepKind::kHold);
      if (x.kind == DemoStepKind::kCapture) {
        ASSERT_GT(x.capture_amount, 0);
        ASSERT_LE(x.capture_amount, hold.request.amount);
      }
    }
  }
}

TEST(DemoSeedIdempotencyTest, SeedingAgainDaysLaterChangesNothing) {
  MemoryStore store;
  auto first = SeedDemo(store, kHistoryEnd);
  ASSERT_TRUE(first.ok()) << first.status().ToString();
  const Books before = ReadBooks(store);
  auto later = SeedDemo(store, kHistoryEnd + 3 * kDay);
  ASSERT_TRUE(later.ok()) << later.status().ToString();
  const Books after = ReadBooks(store);
  EXPECT_EQ(later->writes, 0u);
  EXPECT_EQ(after.org, before.org);
  EXPECT_EQ(after.nodes, before.nodes);
  EXPECT_EQ(after.entries.size(), before.entries.size());
}

TEST(DemoSeedIdempotencyTest, KeepsAnOperatorsChangesToTheTree) {
  MemoryStore store;
  ASSERT_TRUE(SeedDemo(store, kHistoryEnd).ok());
  ManualClock clock(kHistoryEnd);
  Engine engine(store, clock);
  auto node = engine.GetNode(kDemoOrgId, "marketing");
  ASSERT_TRUE(node.ok() && node->has_value());
  Node changed = (*node)->node;
  changed.limits = {{123 * kMicrosPerUnit, Period::kQuarter}};
  ASSERT_TRUE(engine.PutNode(kDemoOrgId, changed).ok());
  auto again = SeedDemo(store, kHistoryEnd);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  EXPECT_EQ(again->writes, 0u);
  auto after = engine.GetNode(kDemoOrgId, "marketing");
  ASSERT_TRUE(after.ok() && after->has_value());
  EXPECT_EQ((*after)->node.limits, changed.limits);
}

TEST(DemoSeedIdempotencyTest, RefusesAnOrgOfTheSameIdThatIsNotTheDemo) {
  MemoryStore store;
  ManualClock clock(kHistoryEnd);
  Engine engine(store, clock);
  ASSERT_TRUE(engine.CreateOrg(kDemoOrgId, "Acme Rockets").ok());
  auto report = SeedDemo(store, kHistoryEnd);
  ASSERT_FALSE(report.ok());
  EXPECT_EQ(report.status().code(), StatusCode::kFailedPrecondition);
  auto org = engine.GetOrg(kDemoOrgId);
  ASSERT_TRUE(org.ok() && org->has_value());
  EXPECT_EQ((*org)->head_seq, 0u);
  auto nodes = engine.GetNode(kDemoOrgId, "marketing");
  ASSERT_TRUE(nodes.ok());
  EXPECT_FALSE(nodes->has_value());
}

}  // namespace
}  // namespace stub
