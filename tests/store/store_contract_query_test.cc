// Store contract cases for questions (see store_contract.h): RunQuery gives
// the same, exact answers on every store — checked against literal figures on
// a small hand-made journal, and against the reference evaluation
// (EvaluatePlan) for a table of plans over a larger generated journal.
#include <algorithm>
#include <cstdint>
#include <limits>
#include <random>
#include <string>
#include <tuple>
#include <vector>

#include "store_contract.h"

namespace stub::store_testing {
namespace {

Entry QEntry(const std::string& org, std::uint64_t seq, EntryKind kind, const std::string& agent,
             const std::string& vendor, const std::string& category, Micros amount, Timestamp at,
             const std::string& user = "", const std::string& session = "",
             const std::string& intent = "") {
  Entry e = MakeEntry(org, seq, amount);
  e.kind = kind;
  e.agent = agent;
  e.path = {agent, org};
  e.vendor = vendor;
  e.category = category;
  e.user = user;
  e.session = session;
  e.intent = intent;
  e.created_at = at;
  e.budget_at = at;
  e.lines = {{"expense:" + category + ":" + vendor, amount}, {"funding:" + org, -amount}};
  return e;
}

DenialRecord QDenial(const std::string& org, const std::string& id, const std::string& agent,
                     DenyReason reason, Micros amount, Timestamp at,
                     const std::string& vendor = "api.example.com",
                     const std::string& intent = "") {
  DenialRecord d = MakeDenial(org, id, at);
  d.agent = agent;
  d.denial.reason = reason;
  d.amount = amount;
  d.vendor = vendor;
  d.intent = intent;
  return d;
}

std::vector<Node> Tree() {
  auto node = [](std::string id, NodeKind kind, std::string parent) {
    Node n;
    n.id = std::move(id);
    n.kind = kind;
    n.parent = std::move(parent);
    n.name = "Node " + n.id;
    return n;
  };
  return {node("acme", NodeKind::kOrg, ""),       node("eng", NodeKind::kTeam, "acme"),
          node("plat", NodeKind::kTeam, "eng"),   node("mkt", NodeKind::kTeam, "acme"),
          node("a-eng", NodeKind::kAgent, "eng"), node("a-plat", NodeKind::kAgent, "plat"),
          node("a-mkt", NodeKind::kAgent, "mkt"), node("a-mkt2", NodeKind::kAgent, "mkt")};
}

void SortGroups(std::vector<PlanGroup>& g) {
  std::sort(g.begin(), g.end(), [](const PlanGroup& a, const PlanGroup& b) {
    return std::tie(a.key, a.day) < std::tie(b.key, b.day);
  });
}

TEST_P(StoreContractTest, QueryAnswersExactFiguresOnAHandMadeJournal) {
  const Timestamp t = kT0;  // 2026-11-28T10:00:00Z
  std::vector<Entry> entries = {
      QEntry("acme", 1, EntryKind::kSpend, "a-eng", "api.openai.com", "llm", 1'250'000, t),
      QEntry("acme", 2, EntryKind::kHold, "a-eng", "api.openai.com", "llm", 9'000'000, t + 1),
      QEntry("acme", 3, EntryKind::kCapture, "a-plat", "modal.com", "compute", 3'000'001, t + 2),
      QEntry("acme", 4, EntryKind::kSpend, "a-mkt", "api.dataco.com", "data", 50'000, t - kDay,
             "alice@acme.com", "sess-1", "Weekly Competitor report"),
      QEntry("acme", 5, EntryKind::kVoid, "a-plat", "modal.com", "compute", 0, t + 3),
      QEntry("acme", 6, EntryKind::kSpend, "a-mkt2", "api.dataco.com", "data", 50'000, t + 4),
      QEntry("beta", 1, EntryKind::kSpend, "a-eng", "api.openai.com", "llm", 7'000'000, t),
  };
  std::vector<DenialRecord> denials = {
      QDenial("acme", "d-1", "a-mkt", DenyReason::kBudgetExceeded, 2'000'000, t),
      QDenial("acme", "d-2", "a-mkt", DenyReason::kVendorBlocked, 10'000, t + 1),
      QDenial("acme", "d-3", "a-plat", DenyReason::kBudgetExceeded, 500'000, t + 2),
      QDenial("beta", "d-1", "a-eng", DenyReason::kBudgetExceeded, 1, t),
  };
  STUB_ASSERT_OK(Apply([&](Transaction& txn) -> Status {
    for (const Entry& e : entries) STUB_RETURN_IF_ERROR(txn.AppendEntry(e));
    for (const DenialRecord& d : denials) STUB_RETURN_IF_ERROR(txn.InsertDenial(d));
    return Status::Ok();
  }));
  auto run = [&](const QuerySpec& spec) -> PlanResult {
    auto plan = PlanQuery(spec, Tree());
    EXPECT_TRUE(plan.ok()) << plan.status().ToString();
    auto txn = store().Begin({.read_only = true});
    EXPECT_TRUE(txn.ok());
    auto r = (*txn)->RunQuery("acme", *plan);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    (void)(*txn)->Commit();
    PlanResult out = r.ok() ? *r : PlanResult{};
    SortGroups(out.groups);
    return out;
  };
  // Everything approved: spends and captures, never holds or voids.
  EXPECT_EQ(run({}).groups,
            (std::vector<PlanGroup>{
                {.key = "", .day = 0, .total = 4'350'001, .count = 4, .max = 3'000'001}}));
  // Team subtree: eng includes plat.
  EXPECT_EQ(run({.teams = {"eng"}}).groups,
            (std::vector<PlanGroup>{
                {.key = "", .day = 0, .total = 4'250'001, .count = 2, .max = 3'000'001}}));
  // By category.
  EXPECT_EQ(run({.group_by = QueryGroup::kCategory}).groups,
            (std::vector<PlanGroup>{
                {.key = "compute", .day = 0, .total = 3'000'001, .count = 1, .max = 3'000'001},
                {.key = "data", .day = 0, .total = 100'000, .count = 2, .max = 50'000},
                {.key = "llm", .day = 0, .total = 1'250'000, .count = 1, .max = 1'250'000}}));
  // By day: the day numbers of t - 1 day and t.
  const std::int64_t day = t / kDay;
  EXPECT_EQ(run({.group_by = QueryGroup::kDay}).groups,
            (std::vector<PlanGroup>{
                {.key = "", .day = day - 1, .total = 50'000, .count = 1, .max = 50'000},
                {.key = "", .day = day, .total = 4'300'001, .count = 3, .max = 3'000'001}}));
  // Intent, case-insensitively; user; session.
  EXPECT_EQ(run({.intent = "competitor REPORT"}).groups.size(), 1u);
  EXPECT_EQ(run({.intent = "competitor REPORT"}).groups[0].total, 50'000);
  EXPECT_EQ(run({.users = {"alice@acme.com"}, .sessions = {"sess-1"}}).groups[0].count, 1);
  EXPECT_TRUE(run({.intent = "nothing like this"}).groups.empty());
  // Time range [from, to).
  EXPECT_EQ(run({.from = t, .to = t + 3}).groups[0].total, 4'250'001);
  // Denials by reason, with a team filter.
  EXPECT_EQ(
      run({.status = QueryStatus::kDenied, .group_by = QueryGroup::kReason}).groups,
      (std::vector<PlanGroup>{
          {.key = "budget_exceeded", .day = 0, .total = 2'500'000, .count = 2, .max = 2'000'000},
          {.key = "vendor_blocked", .day = 0, .total = 10'000, .count = 1, .max = 10'000}}));
  EXPECT_EQ(run({.status = QueryStatus::kDenied, .teams = {"mkt"}}).groups[0].count, 2);
  // The biggest spend, and a tie on amount broken by seq (newest first).
  PlanResult top = run({.measure = QueryMeasure::kList, .limit = 1});
  ASSERT_EQ(top.items.size(), 1u);
  EXPECT_EQ(top.items[0].seq, 3u);
  EXPECT_EQ(top.items[0].amount, 3'000'001);
  EXPECT_EQ(top.items[0].agent, "a-plat");
  PlanResult data = run({.measure = QueryMeasure::kList, .categories = {"data"}});
  ASSERT_EQ(data.items.size(), 2u);
  EXPECT_EQ(data.items[0].seq, 6u);
  EXPECT_EQ(data.items[1].seq, 4u);
  EXPECT_EQ(data.items[1].intent, "Weekly Competitor report");
  EXPECT_EQ(data.items[1].user, "alice@acme.com");
  // Newest denials first.
  PlanResult recent = run({.measure = QueryMeasure::kList,
                           .status = QueryStatus::kDenied,
                           .order_by = QueryOrderBy::kKey});
  ASSERT_EQ(recent.items.size(), 3u);
  EXPECT_EQ(recent.items[0].id, "d-3");
  EXPECT_EQ(recent.items[0].reason, "budget_exceeded");
  EXPECT_EQ(recent.items[2].id, "d-1");
  // An agent outside the team: nothing, not everything.
  EXPECT_TRUE(run({.teams = {"mkt"}, .agents = {"a-eng"}}).groups.empty());
  // Another org sees only its own.
  {
    auto plan = PlanQuery({}, Tree());
    STUB_ASSERT_OK_AND_ASSIGN(auto txn, store().Begin({.read_only = true}));
    STUB_ASSERT_OK_AND_ASSIGN(PlanResult beta, txn->RunQuery("beta", *plan));
    ASSERT_EQ(beta.groups.size(), 1u);
    EXPECT_EQ(beta.groups[0].total, 7'000'000);
  }
  // Too many groups is an error, not a silent cut.
  {
    auto plan = PlanQuery({.group_by = QueryGroup::kVendor}, Tree());
    plan->max_groups = 2;
    STUB_ASSERT_OK_AND_ASSIGN(auto txn, store().Begin({.read_only = true}));
    auto r = txn->RunQuery("acme", *plan);
    ASSERT_FALSE(r.ok());
    EXPECT_EQ(r.status().code(), StatusCode::kResourceExhausted);
    EXPECT_EQ(r.status().reason(), "too_many_groups");
  }
}

// Sums past int64 do not fail the store: a group's total is 128-bit, so only
// a question whose own figure cannot be shown refuses (FinishQuery), never
// every question of the org (the catalogue of names groups every column).
TEST_P(StoreContractTest, QueryTotalsPastInt64AreExact) {
  constexpr Micros kMax = std::numeric_limits<Micros>::max();
  const Timestamp t = kT0;
  STUB_ASSERT_OK(Apply([&](Transaction& txn) -> Status {
    STUB_RETURN_IF_ERROR(txn.InsertDenial(
        QDenial("acme", "d-1", "a-mkt", DenyReason::kBudgetExceeded, kMax, t, "a.example")));
    STUB_RETURN_IF_ERROR(txn.InsertDenial(
        QDenial("acme", "d-2", "a-mkt", DenyReason::kBudgetExceeded, kMax, t + 1, "b.example")));
    STUB_RETURN_IF_ERROR(txn.InsertDenial(
        QDenial("acme", "d-3", "a-eng", DenyReason::kBudgetExceeded, 3, t + 2, "b.example")));
    // Spends a day apart: whole days come from the rollup, the sum of
    // whose daily totals is past int64 too.
    STUB_RETURN_IF_ERROR(txn.AppendEntry(
        QEntry("acme", 1, EntryKind::kSpend, "a-eng", "x.example", "llm", kMax, t - 3 * kDay)));
    return txn.AppendEntry(
        QEntry("acme", 2, EntryKind::kSpend, "a-eng", "x.example", "llm", kMax, t - 2 * kDay));
  }));
  auto run = [&](QueryPlan plan) -> PlanResult {
    auto txn = store().Begin({.read_only = true});
    EXPECT_TRUE(txn.ok());
    auto r = (*txn)->RunQuery("acme", plan);
    EXPECT_TRUE(r.ok()) << r.status().ToString();
    (void)(*txn)->Commit();
    PlanResult out = r.ok() ? *r : PlanResult{};
    SortGroups(out.groups);
    return out;
  };
  const WideMicros two_max = WideMicros{kMax} * 2;
  QueryPlan by_vendor{.status = QueryStatus::kDenied, .key = PlanKey::kVendor};
  EXPECT_EQ(run(by_vendor).groups,
            (std::vector<PlanGroup>{
                {.key = "a.example", .total = kMax, .count = 1, .max = kMax},
                {.key = "b.example", .total = WideMicros{kMax} + 3, .count = 2, .max = kMax}}));
  QueryPlan all_denied{.status = QueryStatus::kDenied};
  EXPECT_EQ(run(all_denied).groups,
            (std::vector<PlanGroup>{{.total = two_max + 3, .count = 3, .max = kMax}}));
  QueryPlan all_spent;
  all_spent.from = t - 4 * kDay;
  all_spent.to = t;
  EXPECT_EQ(run(all_spent).groups,
            (std::vector<PlanGroup>{{.total = two_max, .count = 2, .max = kMax}}));
}

TEST_P(StoreContractTest, QueryMatchesTheReferenceEvaluationOnAGeneratedJournal) {
  const unsigned seed = 20261128;
  SCOPED_TRACE("seed " + std::to_string(seed));
  std::mt19937_64 rng(seed);
  auto pick = [&](const std::vector<std::string>& v) { return v[rng() % v.size()]; };
  const std::vector<std::string> agents = {"a-eng", "a-plat", "a-mkt", "a-mkt2"};
  const std::vector<std::string> vendors = {"api.openai.com", "api.dataco.com", "modal.com",
                                            "serpapi.com"};
  const std::vector<std::string> categories = {"llm", "data", "compute"};
  const std::vector<std::string> users = {"", "alice@acme.com", "bob@acme.com"};
  const std::vector<std::string> intents = {"", "Weekly report", "nightly BATCH", "fix test"};
  const std::vector<EntryKind> kinds = {EntryKind::kSpend, EntryKind::kSpend, EntryKind::kCapture,
                                        EntryKind::kHold,  EntryKind::kVoid,  EntryKind::kExpire};
  std::vector<Entry> entries;
  std::vector<DenialRecord> denials;
  for (std::uint64_t seq = 1; seq <= 400; ++seq) {
    const Timestamp at = kT0 - 40 * kDay + static_cast<Timestamp>(rng() % (40 * kDay));
    // Few distinct amounts, so list orders need their tie-breaks.
    const Micros amount = static_cast<Micros>((rng() % 8 + 1) * 125'000);
    entries.push_back(QEntry("acme", seq, kinds[rng() % kinds.size()], pick(agents), pick(vendors),
                             pick(categories), amount, at, pick(users),
                             "sess-" + std::to_string(rng() % 5), pick(intents)));
  }
  const std::vector<DenyReason> reasons = {DenyReason::kBudgetExceeded, DenyReason::kVendorBlocked,
                                           DenyReason::kAgentFrozen};
  for (int i = 0; i < 80; ++i) {
    const Timestamp at = kT0 - 40 * kDay + static_cast<Timestamp>(rng() % (40 * kDay));
    DenialRecord d =
        QDenial("acme", "den-" + std::to_string(i), pick(agents), reasons[rng() % reasons.size()],
                static_cast<Micros>((rng() % 4 + 1) * 500'000), at, pick(vendors), pick(intents));
    d.user = pick(users);
    d.category = pick(categories);
    denials.push_back(d);
  }
  STUB_ASSERT_OK(Apply([&](Transaction& txn) -> Status {
    for (const Entry& e : entries) STUB_RETURN_IF_ERROR(txn.AppendEntry(e));
    for (const DenialRecord& d : denials) STUB_RETURN_IF_ERROR(txn.InsertDenial(d));
    return Status::Ok();
  }));
  const Timestamp mid = kT0 - 20 * kDay;
  const std::vector<QuerySpec> specs = {
      {},
      {.group_by = QueryGroup::kTeam},
      {.group_by = QueryGroup::kAgent},
      {.group_by = QueryGroup::kVendor},
      {.group_by = QueryGroup::kCategory},
      {.group_by = QueryGroup::kUser},
      {.group_by = QueryGroup::kDay},
      {.group_by = QueryGroup::kWeek},
      {.group_by = QueryGroup::kMonth},
      {.teams = {"eng"}, .group_by = QueryGroup::kVendor},
      {.teams = {"plat", "mkt"}, .categories = {"data", "llm"}},
      {.agents = {"a-mkt2"}, .vendors = {"serpapi.com"}},
      {.users = {"alice@acme.com", "bob@acme.com"}, .group_by = QueryGroup::kCategory},
      {.sessions = {"sess-1", "sess-3"}, .group_by = QueryGroup::kAgent},
      {.intent = "batch", .group_by = QueryGroup::kDay},
      {.from = mid, .group_by = QueryGroup::kTeam},
      {.to = mid, .group_by = QueryGroup::kVendor},
      {.from = mid - 3 * kDay, .to = mid + 3 * kDay},
      {.measure = QueryMeasure::kList},
      {.measure = QueryMeasure::kList, .limit = 50},
      {.measure = QueryMeasure::kList, .direction = QueryDirection::kAsc, .limit = 37},
      {.measure = QueryMeasure::kList, .order_by = QueryOrderBy::kKey, .limit = 25},
      {.measure = QueryMeasure::kList,
       .teams = {"mkt"},
       .order_by = QueryOrderBy::kKey,
       .direction = QueryDirection::kAsc,
       .limit = 1000},
      {.status = QueryStatus::kDenied},
      {.status = QueryStatus::kDenied, .group_by = QueryGroup::kReason},
      {.status = QueryStatus::kDenied, .teams = {"eng"}, .group_by = QueryGroup::kAgent},
      {.status = QueryStatus::kDenied, .intent = "REPORT", .group_by = QueryGroup::kVendor},
      {.measure = QueryMeasure::kList, .status = QueryStatus::kDenied, .limit = 30},
      {.measure = QueryMeasure::kList,
       .status = QueryStatus::kDenied,
       .order_by = QueryOrderBy::kKey,
       .direction = QueryDirection::kAsc,
       .limit = 1000},
  };
  for (std::size_t i = 0; i < specs.size(); ++i) {
    SCOPED_TRACE("spec " + std::to_string(i) + ": " + QuerySpecToJson(specs[i]).dump());
    STUB_ASSERT_OK(ValidateQuerySpec(specs[i]));
    STUB_ASSERT_OK_AND_ASSIGN(QueryPlan plan, PlanQuery(specs[i], Tree()));
    STUB_ASSERT_OK_AND_ASSIGN(PlanResult want, EvaluatePlan(plan, entries, denials));
    STUB_ASSERT_OK_AND_ASSIGN(auto txn, store().Begin({.read_only = true}));
    STUB_ASSERT_OK_AND_ASSIGN(PlanResult got, txn->RunQuery("acme", plan));
    STUB_EXPECT_OK(txn->Commit());
    SortGroups(want.groups);
    SortGroups(got.groups);
    EXPECT_EQ(got, want);
    // The finished answers agree too (folded, ordered, limited).
    STUB_ASSERT_OK_AND_ASSIGN(QueryResult got_answer, FinishQuery(specs[i], plan, got, Tree()));
    STUB_ASSERT_OK_AND_ASSIGN(QueryResult want_answer, FinishQuery(specs[i], plan, want, Tree()));
    EXPECT_EQ(got_answer, want_answer);
    if (!plan.list) {
      EXPECT_FALSE(got.groups.empty());
    }
  }
}

}  // namespace
}  // namespace stub::store_testing
