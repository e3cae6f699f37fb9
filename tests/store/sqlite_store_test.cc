// SqliteStore: the Store contract (on real files, one fresh temp dir per
// test) plus what only the SQLite store promises: durability across
// close/reopen with exact round-trips, versioned migrations, WAL snapshots for
// read-only transactions, one serialized writer, error mapping.
#include "store/sqlite/sqlite_store.h"

#include <gtest/gtest.h>
#include <sqlite3.h>
#include <stdlib.h>
#include <sys/types.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cstdint>
#include <cstdio>
#include <filesystem>
#include <functional>
#include <latch>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "forked_child.h"
#include "store_contract.h"

namespace stub {
namespace {

using store_testing::Apply;
using store_testing::kT0;
using store_testing::MakeDenial;
using store_testing::MakeEntry;
using store_testing::MakeHold;
using store_testing::MakeIdempotency;
using store_testing::MakeNode;
using store_testing::MakeOrg;
using store_testing::StoreContractTest;
using store_testing::StoreFactory;
using store_testing::StoreFactoryName;

namespace fs = std::filesystem;

// A fresh directory under the system temp dir, removed with everything in it.
class TempDir {
 public:
  TempDir() {
    std::string tmpl = (fs::temp_directory_path() / "stub-sqlite-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    fs::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;

  const fs::path& path() const { return path_; }
  std::string File(const std::string& name) const { return (path_ / name).string(); }

 private:
  fs::path path_;
};

// A SqliteStore in its own temp dir; the dir goes when the store does.
class TempSqliteStore final : public Store {
 public:
  TempSqliteStore() {
    auto opened = SqliteStore::Open(dir_.File("stub.db"));
    if (!opened.ok()) {
      ADD_FAILURE() << opened.status().ToString();
      return;
    }
    store_ = std::move(opened).value();
  }
  ~TempSqliteStore() override { store_.reset(); }  // before dir_ goes

  Result<std::unique_ptr<Transaction>> Begin(const TxnOptions& options = {}) override {
    return store_->Begin(options);
  }
  std::string_view Kind() const override { return store_->Kind(); }
  bool ok() const { return store_ != nullptr; }

 private:
  TempDir dir_;
  std::unique_ptr<SqliteStore> store_;
};

std::unique_ptr<Store> MakeTempSqliteStore() {
  auto store = std::make_unique<TempSqliteStore>();
  if (!store->ok()) return nullptr;
  return store;
}

INSTANTIATE_TEST_SUITE_P(Sqlite, StoreContractTest,
                         ::testing::Values(StoreFactory{.name = "Sqlite",
                                                        .make = MakeTempSqliteStore,
                                                        .concurrent_writers = false}),
                         StoreFactoryName);

#define OPEN(var, path, ...) \
  STUB_ASSERT_OK_AND_ASSIGN(auto var, SqliteStore::Open((path)__VA_OPT__(, ) __VA_ARGS__))

// Runs one SQL statement on a separate raw connection; returns column `col`
// of the first row as text ("" if none).
std::string RawQuery(const std::string& path, const std::string& sql, int col = 0) {
  sqlite3* db = nullptr;
  std::string out;
  if (sqlite3_open_v2(path.c_str(), &db, SQLITE_OPEN_READWRITE, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << "open " << path << ": " << sqlite3_errmsg(db);
    sqlite3_close_v2(db);
    return out;
  }
  sqlite3_stmt* s = nullptr;
  if (sqlite3_prepare_v2(db, sql.c_str(), -1, &s, nullptr) != SQLITE_OK) {
    ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
  } else {
    const int rc = sqlite3_step(s);
    if (rc == SQLITE_ROW) {
      if (const auto* t = sqlite3_column_text(s, col)) out = reinterpret_cast<const char*>(t);
    } else if (rc != SQLITE_DONE) {
      ADD_FAILURE() << sql << ": " << sqlite3_errmsg(db);
    }
  }
  sqlite3_finalize(s);
  sqlite3_close_v2(db);
  return out;
}

class SqliteStoreTest : public ::testing::Test {
 protected:
  std::string DbPath() const { return dir_.File("stub.db"); }
  TempDir dir_;
};

TEST_F(SqliteStoreTest, KindIsSqlite) {
  OPEN(store, DbPath());
  EXPECT_EQ(store->Kind(), "sqlite");
  EXPECT_EQ(store->path(), DbPath());
}

// Every row kind, with every field set to something unusual, survives a
// close and reopen exactly.
TEST_F(SqliteStoreTest, EveryRowKindRoundTripsExactlyAcrossReopen) {
  OrgRow org = MakeOrg("acme");
  org.currency = "EUR";
  org.head_seq = 42;
  org.head_hash = std::string(64, 'f');
  org.kill_switch = true;
  org.next_hold_expiry = kT0 + 7;
  org.key_epoch = std::numeric_limits<std::uint64_t>::max();  // bit-cast into INTEGER
  OrgRow org2 = MakeOrg("beta");  // defaults: INT64_MAX next_hold_expiry

  NodeRow root = MakeNode("acme", NodeKind::kOrg);
  root.node.limits = {{std::numeric_limits<Micros>::max(), Period::kTotal},
                      {0, Period::kDay},
                      {123, Period::kWeek}};
  NodeRow team = MakeNode("team-1", NodeKind::kTeam, "acme");
  team.node.limits.clear();
  team.node.frozen = true;
  team.node.frozen_reason = "velocity \"tripped\"\n∆";
  team.balances[static_cast<std::size_t>(Period::kDay)] = {kT0, 5, 7};
  team.balances[static_cast<std::size_t>(Period::kTotal)] = {0, std::numeric_limits<Micros>::max(),
                                                             1};
  team.version = std::numeric_limits<std::uint64_t>::max();
  NodeRow agent = MakeNode("agent-a", NodeKind::kAgent, "team-1");
  // Untouched buckets keep kNoBucket = INT64_MIN.
  ASSERT_EQ(agent.balances[0].start, BucketBalance::kNoBucket);
  agent.balances[static_cast<std::size_t>(Period::kMonth)] = {kT0 - 1, 1'000, 0};

  Entry spend = MakeEntry("acme", 1, 1'234'567);
  spend.receipt = R"({"network":"base","tx":"0xabc","nested":{"a":[1,2.5,"x"]}})";
  spend.receipt_hash = std::string(64, 'a');
  spend.session = "sess-1";
  spend.user = "user@example.com";
  spend.intent = "summarize the 'quarterly' report; DROP TABLE entries;--";
  Entry capture = MakeEntry("acme", 2, 700);
  capture.kind = EntryKind::kCapture;
  capture.hold = "hold-9";
  capture.released = 1'000;
  capture.budget_at = kT0 - 100;
  capture.lines = {{"expense:llm:openai.com", 700}, {"holds:acme", -1'000}, {"funding:acme", 300}};
  Entry expire = MakeEntry("acme", 3, 0);
  expire.kind = EntryKind::kExpire;
  expire.path = {};
  expire.lines = {};
  expire.created_at = std::numeric_limits<Timestamp>::min();

  Hold held = MakeHold("acme", "hold-1", kT0 + 100);
  held.session = "s";
  held.user = "u";
  held.intent = "i";
  Hold captured = MakeHold("acme", "hold-2", kT0 + 50, HoldStatus::kCaptured, 9'000);
  captured.captured = 8'999;
  captured.spend_id = "spend-77";
  captured.path = {"agent-a", "team-1", "acme"};

  IdempotencyRecord approved = MakeIdempotency("acme", "key-approved");
  approved.outcome.entry_hash = std::string(64, 'b');
  approved.outcome.effective_remaining = 0;
  approved.outcome.binding = Binding{"team-1", Period::kQuarter};
  IdempotencyRecord unlimited = MakeIdempotency("acme", "key-unlimited");
  unlimited.outcome.effective_remaining = std::nullopt;
  unlimited.outcome.binding = std::nullopt;
  unlimited.outcome.entry_seq = std::numeric_limits<std::uint64_t>::max();
  IdempotencyRecord held_outcome = MakeIdempotency("acme", "key-held");
  held_outcome.outcome.status = OutcomeStatus::kHeld;
  held_outcome.outcome.expires_at = kT0 + 300;
  held_outcome.outcome.effective_remaining = std::numeric_limits<Micros>::min();
  IdempotencyRecord denied = MakeIdempotency("acme", "key-denied", "fp-d");
  denied.outcome = Outcome{};
  denied.outcome.status = OutcomeStatus::kDenied;
  denied.outcome.id = "den-1";
  denied.outcome.amount = 5'000;
  // Every ASCII character (controls, quotes, backslash) and multi-byte UTF-8
  // inside JSON-encoded text.
  std::string every_char;
  for (int c = 0; c < 0x80; ++c) every_char.push_back(static_cast<char>(c));
  every_char += "∆ é 😀 \\u0041";
  denied.outcome.denial = Denial{.reason = DenyReason::kBudgetExceeded,
                                 .node = "team-1",
                                 .period = Period::kMonth,
                                 .limit = 4'000,
                                 .used = 3'999,
                                 .message = every_char};
  denied.outcome.entry_hash = every_char;
  capture.lines.push_back({every_char, 0});
  capture.path = {"agent-a", every_char, "\"quoted\""};

  DenialRecord d1 = MakeDenial("acme", "den-1", kT0 + 5);
  d1.session = "s";
  d1.user = "u";
  d1.intent = "i";
  d1.idempotency_key = "key-denied";
  d1.denial.period = Period::kMonth;
  d1.denial.message = "no";
  DenialRecord d2 = MakeDenial("acme", "den-2", kT0 + 5);
  d2.request_kind = "hold";
  d2.denial = Denial{DenyReason::kKillSwitch, "", std::nullopt, 0, 0, ""};

  {
    OPEN(store, DbPath());
    STUB_ASSERT_OK(Apply(*store, [&](Transaction& t) {
      STUB_RETURN_IF_ERROR(t.PutOrg(org));
      STUB_RETURN_IF_ERROR(t.PutOrg(org2));
      for (const auto& n : {root, team, agent}) STUB_RETURN_IF_ERROR(t.PutNode("acme", n));
      for (const auto& e : {spend, capture, expire}) STUB_RETURN_IF_ERROR(t.AppendEntry(e));
      for (const auto& h : {held, captured}) STUB_RETURN_IF_ERROR(t.PutHold(h));
      for (const auto& r : {approved, unlimited, held_outcome, denied}) {
        STUB_RETURN_IF_ERROR(t.PutIdempotency(r));
      }
      STUB_RETURN_IF_ERROR(t.InsertDenial(d1));
      return t.InsertDenial(d2);
    }));
  }  // closed

  OPEN(store, DbPath());
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto got_org, r->GetOrg("acme"));
  EXPECT_EQ(got_org, org);
  STUB_ASSERT_OK_AND_ASSIGN(auto got_org2, r->GetOrg("beta"));
  EXPECT_EQ(got_org2, org2);
  STUB_ASSERT_OK_AND_ASSIGN(auto nodes, r->ListNodes("acme"));
  EXPECT_EQ(nodes, (std::vector<NodeRow>{root, agent, team}));
  STUB_ASSERT_OK_AND_ASSIGN(auto got_team, r->GetNode("acme", "team-1"));
  EXPECT_EQ(got_team, team);
  STUB_ASSERT_OK_AND_ASSIGN(auto entries, r->ListEntries("acme", 0, 10));
  EXPECT_EQ(entries, (std::vector<Entry>{spend, capture, expire}));
  STUB_ASSERT_OK_AND_ASSIGN(auto got_held, r->GetHold("acme", "hold-1"));
  EXPECT_EQ(got_held, held);
  STUB_ASSERT_OK_AND_ASSIGN(auto got_captured, r->GetHold("acme", "hold-2"));
  EXPECT_EQ(got_captured, captured);
  STUB_ASSERT_OK_AND_ASSIGN(auto due, r->ListDueHolds("acme", kT0 + 1'000, 10));
  EXPECT_EQ(due, std::vector<Hold>{held});
  for (const auto& rec : {approved, unlimited, held_outcome, denied}) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r->GetIdempotency("acme", rec.key));
    EXPECT_EQ(got, rec) << rec.key;
  }
  STUB_ASSERT_OK_AND_ASSIGN(auto denials, r->ListDenials("acme", 10));
  EXPECT_EQ(denials, (std::vector<DenialRecord>{d1, d2}));
  STUB_EXPECT_OK(r->Commit());
}

TEST_F(SqliteStoreTest, MigrationsAreVersionedAndReopenIsIdempotent) {
  ASSERT_GE(SqliteStore::SchemaVersion(), 1);
  const std::string version = std::to_string(SqliteStore::SchemaVersion());
  {
    OPEN(store, DbPath());
    STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  }
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA user_version"), version);
  // Versions may skip numbers (steps of parallel branches): 1 … latest.
  EXPECT_EQ(RawQuery(DbPath(), "SELECT min(version) FROM schema_migrations"), "1");
  EXPECT_EQ(RawQuery(DbPath(), "SELECT max(version) FROM schema_migrations"), version);
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA journal_mode"), "wal");
  const std::string applied_at =
      RawQuery(DbPath(), "SELECT applied_at FROM schema_migrations WHERE version = 1");

  for (int i = 0; i < 3; ++i) {
    OPEN(store, DbPath());
    BEGIN(r, *store, {.read_only = true});
    STUB_ASSERT_OK_AND_ASSIGN(auto orgs, r->ListOrgs());
    EXPECT_EQ(orgs, std::vector<std::string>{"acme"});
  }
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA user_version"), version);
  // Versions may skip numbers (steps of parallel branches): 1 … latest.
  EXPECT_EQ(RawQuery(DbPath(), "SELECT min(version) FROM schema_migrations"), "1");
  // Not re-applied.
  EXPECT_EQ(RawQuery(DbPath(), "SELECT applied_at FROM schema_migrations WHERE version = 1"),
            applied_at);
  // The pending-holds query uses the partial index (the plan's detail column).
  const std::string plan =
      RawQuery(DbPath(),
               "EXPLAIN QUERY PLAN SELECT id FROM holds WHERE org = 'a' AND status = 'held' AND "
               "expires_at <= 5 ORDER BY expires_at, id LIMIT 3",
               3);
  EXPECT_NE(plan.find("USING INDEX holds_pending"), std::string::npos) << plan;
}

// A journal of spends and other entries over several days and two orgs.
std::vector<Entry> RollupJournal() {
  constexpr Timestamp kDay = 86'400LL * 1'000'000;
  std::vector<Entry> out;
  const EntryKind kinds[] = {EntryKind::kSpend, EntryKind::kCapture, EntryKind::kHold,
                             EntryKind::kSpend, EntryKind::kVoid};
  std::uint64_t seq[2] = {1, 1};
  for (int i = 0; i < 120; ++i) {
    const int o = i % 3 == 0 ? 1 : 0;
    Entry e = MakeEntry(o == 0 ? "acme" : "beta", seq[o]++, 1'000 * (i % 17 + 1));
    e.kind = kinds[i % 5];
    e.agent = i % 4 == 0 ? "agent-b" : "agent-a";
    e.vendor = i % 3 == 1 ? "modal.com" : "api.example.com";
    e.created_at = kT0 - (i % 9) * kDay + (i * 7'919'000'000LL) % kDay;
    out.push_back(e);
  }
  return out;
}

// Migration 5 on a database at version 4: the rollup is backfilled from the
// journal (so old databases answer the same) and the wide index replaced.
// The version-4 database is made by rewinding a fresh one: step 5 undone.
TEST_F(SqliteStoreTest, RollupMigrationBackfillsAVersionFourDatabase) {
  const std::vector<Entry> journal = RollupJournal();
  {
    OPEN(store, DbPath());
    STUB_ASSERT_OK(Apply(*store, [&](Transaction& t) -> Status {
      for (const Entry& e : journal) STUB_RETURN_IF_ERROR(t.AppendEntry(e));
      return Status::Ok();
    }));
  }
  RawQuery(DbPath(), "DROP TABLE spend_daily");
  // Migration 7's indexes (its entries_spend_key replaced step 5's
  // entries_spend_at), migration 9's, and migration 11's (which replaced 7's
  // entries_spend_key and entries_spend_ref, and 9's entries_agent_key).
  for (const char* index : {"entries_spend_listing", "entries_legacy_ref", "denials_by_id",
                            "approvals_by_status", "denials_by_agent"}) {
    RawQuery(DbPath(), std::string("DROP INDEX ") + index);
  }
  RawQuery(DbPath(),
           "CREATE INDEX entries_spend_time ON entries (org, created_at, agent, vendor, category, "
           "amount, kind) WHERE kind IN ('spend', 'capture')");
  RawQuery(DbPath(), "DROP TABLE wallets");                               // migration 14
  RawQuery(DbPath(), "ALTER TABLE holds DROP COLUMN capture_on_expiry");  // migration 13
  RawQuery(DbPath(), "DROP TABLE providers");                             // migration 12
  RawQuery(DbPath(), "DROP TABLE sessions");                              // migration 10
  RawQuery(DbPath(), "ALTER TABLE orgs DROP COLUMN max_spend");           // migration 8
  RawQuery(DbPath(), "ALTER TABLE orgs DROP COLUMN head_at");
  RawQuery(DbPath(), "ALTER TABLE orgs DROP COLUMN key_epoch");  // migration 6
  RawQuery(DbPath(), "DELETE FROM schema_migrations WHERE version >= 5");
  RawQuery(DbPath(), "PRAGMA user_version = 4");
  ASSERT_EQ(RawQuery(DbPath(), "SELECT count(*) FROM sqlite_master WHERE name = 'spend_daily'"),
            "0");

  OPEN(store, DbPath());
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA user_version"),
            std::to_string(SqliteStore::SchemaVersion()));
  EXPECT_EQ(
      RawQuery(DbPath(), "SELECT count(*) FROM sqlite_master WHERE name = 'entries_spend_time'"),
      "0");
  BEGIN(r, *store, {.read_only = true});
  for (const std::string org : {"acme", "beta"}) {
    std::vector<Entry> of_org;
    for (const Entry& e : journal) {
      if (e.org == org) of_org.push_back(e);
    }
    STUB_ASSERT_OK_AND_ASSIGN(auto want, SpendDailyFromEntries(of_org));
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r->ListSpendDaily(org));
    ASSERT_FALSE(want.empty());
    EXPECT_EQ(got, want) << org;
    // A question over whole days (read from the backfilled rollup) equals
    // the reference evaluation of the entries.
    QueryPlan plan;
    plan.key = PlanKey::kDay;
    plan.to = kT0 / (86'400LL * 1'000'000) * (86'400LL * 1'000'000);
    STUB_ASSERT_OK_AND_ASSIGN(PlanResult ref, EvaluatePlan(plan, of_org, {}));
    STUB_ASSERT_OK_AND_ASSIGN(PlanResult res, r->RunQuery(org, plan));
    auto by_day = [](std::vector<PlanGroup> g) {
      std::sort(g.begin(), g.end(),
                [](const PlanGroup& a, const PlanGroup& b) { return a.day < b.day; });
      return g;
    };
    EXPECT_EQ(by_day(res.groups), by_day(ref.groups)) << org;
  }
}

// Questions over whole days read the rollup (a tampered rollup row shows in
// the answer); the edge days and the other questions read the entries,
// through the two-column time index.
TEST_F(SqliteStoreTest, QuestionsOverWholeDaysReadTheRollup) {
  constexpr Timestamp kDay = 86'400LL * 1'000'000;
  const Timestamp midnight = kT0 / kDay * kDay;
  OPEN(store, DbPath());
  STUB_ASSERT_OK(Apply(*store, [&](Transaction& t) -> Status {
    for (std::uint64_t seq = 1; seq <= 4; ++seq) {
      Entry e = MakeEntry("acme", seq, 1'000'000);
      e.created_at = midnight - static_cast<Timestamp>(seq) * kDay / 2;  // 2 days, 2 per day
      STUB_RETURN_IF_ERROR(t.AppendEntry(e));
    }
    return Status::Ok();
  }));
  RawQuery(DbPath(), "UPDATE spend_daily SET amount_total = amount_total + 1");
  auto total = [&](Timestamp from, Timestamp to) -> WideMicros {
    QueryPlan plan;
    plan.from = from;
    plan.to = to;
    auto r = store->Begin({.read_only = true});
    EXPECT_TRUE(r.ok());
    auto res = (*r)->RunQuery("acme", plan);
    EXPECT_TRUE(res.ok()) << res.status().ToString();
    return res.ok() && res->groups.size() == 1 ? res->groups[0].total : -1;
  };
  EXPECT_EQ(total(midnight - 2 * kDay, midnight), 4'000'002);             // two rollup days
  EXPECT_EQ(total(midnight - 2 * kDay, midnight - kDay), 2'000'001);      // one rollup day
  EXPECT_EQ(total(midnight - kDay - kDay / 2 - 1, midnight), 3'000'001);  // + an edge
  EXPECT_EQ(total(midnight - kDay + 1, midnight - 1), 1'000'000);         // no whole day: entries
  const std::string plan = RawQuery(DbPath(),
                                    "EXPLAIN QUERY PLAN SELECT amount FROM entries WHERE org = 'a' "
                                    "AND kind IN ('spend', 'capture') AND created_at >= 5 AND "
                                    "created_at < 9",
                                    3);
  EXPECT_NE(plan.find("entries_spend_listing"), std::string::npos) << plan;
  // A filter by agent scans the spend keys from the index alone.
  const std::string keys = RawQuery(DbPath(),
                                    "EXPLAIN QUERY PLAN SELECT created_at, ref, agent FROM entries "
                                    "WHERE org = 'a' AND kind IN ('spend', 'capture') AND "
                                    "created_at >= 5 AND (created_at, ref) < (9, '') ORDER BY "
                                    "created_at DESC, ref DESC LIMIT 100",
                                    3);
  EXPECT_NE(keys.find("COVERING INDEX entries_spend_listing"), std::string::npos) << keys;
}

TEST_F(SqliteStoreTest, ANewerSchemaIsRefused) {
  { OPEN(store, DbPath()); }
  RawQuery(DbPath(), "PRAGMA user_version = 999");
  auto again = SqliteStore::Open(DbPath());
  ASSERT_FALSE(again.ok());
  EXPECT_EQ(again.status().code(), StatusCode::kFailedPrecondition) << again.status().ToString();
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA user_version"), "999");  // untouched
}

// A new file gets the configured page size; a file created with another keeps
// its own and works as before.
TEST_F(SqliteStoreTest, ANewFileGetsThePageSizeAnOldOneKeepsItsOwn) {
  {
    OPEN(store, DbPath());
    STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  }
  EXPECT_EQ(RawQuery(DbPath(), "PRAGMA page_size"), "8192");

  const std::string old_file = dir_.File("old.db");
  SqliteStore::Options four_k;
  four_k.page_size = 4096;
  { OPEN(store, old_file, four_k); }
  EXPECT_EQ(RawQuery(old_file, "PRAGMA page_size"), "4096");
  {
    OPEN(store, old_file);  // the default asks for 8 KiB: ignored
    STUB_ASSERT_OK(Apply(*store, [](Transaction& t) {
      STUB_RETURN_IF_ERROR(t.PutOrg(MakeOrg("acme")));
      return t.AppendEntry(MakeEntry("acme", 1));
    }));
  }
  EXPECT_EQ(RawQuery(old_file, "PRAGMA page_size"), "4096");
  OPEN(again, old_file);
  STUB_ASSERT_OK_AND_ASSIGN(auto t, again->Begin({.read_only = true}));
  STUB_ASSERT_OK_AND_ASSIGN(auto entries, t->ListEntries("acme", 0, 10));
  ASSERT_EQ(entries.size(), 1u);
  EXPECT_EQ(entries[0], MakeEntry("acme", 1));

  for (int bad : {0, 256, 1000, 131072}) {
    SqliteStore::Options options;
    options.page_size = bad;
    auto refused = SqliteStore::Open(dir_.File("bad.db"), options);
    ASSERT_FALSE(refused.ok()) << bad;
    EXPECT_EQ(refused.status().code(), StatusCode::kInvalidArgument) << bad;
  }
  EXPECT_FALSE(fs::exists(dir_.File("bad.db")));
}

TEST_F(SqliteStoreTest, OpenFailsCleanly) {
  auto missing_dir = SqliteStore::Open(dir_.File("no/such/dir/stub.db"));
  ASSERT_FALSE(missing_dir.ok());
  EXPECT_EQ(missing_dir.status().code(), StatusCode::kInternal);

  const std::string junk = dir_.File("junk.db");
  {
    std::FILE* f = std::fopen(junk.c_str(), "wb");
    ASSERT_NE(f, nullptr);
    const std::string text(4096, 'x');
    std::fwrite(text.data(), 1, text.size(), f);
    std::fclose(f);
  }
  auto not_a_db = SqliteStore::Open(junk);
  ASSERT_FALSE(not_a_db.ok());
  EXPECT_EQ(not_a_db.status().code(), StatusCode::kInternal) << not_a_db.status().ToString();
}

// A read-only transaction's snapshot is taken at Begin, even before its first
// read, and holds across later commits.
TEST_F(SqliteStoreTest, ReadOnlySnapshotIsTakenAtBegin) {
  OPEN(store, DbPath());
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutOrg(MakeOrg("beta")));
    return t.AppendEntry(MakeEntry("acme", 1));
  }));
  STUB_ASSERT_OK_AND_ASSIGN(auto orgs, r->ListOrgs());
  EXPECT_EQ(orgs, std::vector<std::string>{"acme"});
  STUB_ASSERT_OK_AND_ASSIGN(auto entries, r->ListEntries("acme", 0, 10));
  EXPECT_TRUE(entries.empty());
  STUB_EXPECT_OK(r->Commit());
  EXPECT_EQ(r->ListOrgs().status().code(), StatusCode::kFailedPrecondition);

  BEGIN(fresh, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto now, fresh->ListOrgs());
  EXPECT_EQ(now, (std::vector<std::string>{"acme", "beta"}));
}

// Many read-only transactions at once, alongside a writer: each its own
// connection and snapshot; connections are pooled afterwards.
TEST_F(SqliteStoreTest, ManyReadersAlongsideTheWriter) {
  OPEN(store, DbPath());
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  BEGIN(w, *store);
  OrgRow changed = MakeOrg("acme");
  changed.head_seq = 1;
  STUB_ASSERT_OK(w->PutOrg(changed));
  std::vector<std::unique_ptr<Transaction>> readers;
  for (int i = 0; i < 10; ++i) {
    BEGIN(r, *store, {.read_only = true});
    STUB_ASSERT_OK_AND_ASSIGN(auto o, r->GetOrg("acme"));
    ASSERT_TRUE(o.has_value());
    EXPECT_EQ(o->head_seq, 0u);
    readers.push_back(std::move(r));
  }
  STUB_ASSERT_OK(w->Commit());
  for (auto& r : readers) {
    STUB_ASSERT_OK_AND_ASSIGN(auto o, r->GetOrg("acme"));
    EXPECT_EQ(o->head_seq, 0u);
    STUB_EXPECT_OK(r->Commit());
  }
  readers.clear();
  for (int i = 0; i < 10; ++i) {
    BEGIN(r, *store, {.read_only = true});
    STUB_ASSERT_OK_AND_ASSIGN(auto o, r->GetOrg("acme"));
    EXPECT_EQ(o->head_seq, 1u);
  }
}

// A second write Begin waits for the first write transaction to finish (on
// another thread) and then sees its writes: writers are serialized.
TEST_F(SqliteStoreTest, SecondWriterWaitsForTheFirst) {
  OPEN(store, DbPath());
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  BEGIN(first, *store);
  OrgRow changed = MakeOrg("acme");
  changed.head_seq = 7;
  STUB_ASSERT_OK(first->PutOrg(changed));

  std::atomic<bool> began{false};
  std::optional<OrgRow> seen;
  std::thread second([&] {
    auto t = store->Begin();
    began = true;
    ASSERT_TRUE(t.ok()) << t.status().ToString();
    auto o = (*t)->GetOrg("acme");
    ASSERT_TRUE(o.ok());
    seen = *o;
    EXPECT_TRUE((*t)->Commit().ok());
  });
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  EXPECT_FALSE(began.load());  // still waiting for the writer
  STUB_ASSERT_OK(first->Commit());
  second.join();
  EXPECT_TRUE(began.load());
  EXPECT_EQ(seen, changed);
}

// A thread holding a write transaction that begins another one does not hang:
// after writer_wait the second Begin fails with kUnavailable.
TEST_F(SqliteStoreTest, WriterWaitIsBounded) {
  OPEN(store, DbPath(), {.writer_wait = std::chrono::milliseconds(50)});
  BEGIN(first, *store);
  auto second = store->Begin();
  ASSERT_FALSE(second.ok());
  EXPECT_EQ(second.status().code(), StatusCode::kUnavailable) << second.status().ToString();
  first->Rollback();  // frees the writer
  BEGIN(third, *store);
  STUB_EXPECT_OK(third->Commit());
}

// Another process (here: another store on the same file) holding the write
// lock past busy_timeout makes Begin fail with kUnavailable, not hang.
TEST_F(SqliteStoreTest, LockHeldByAnotherConnectionIsUnavailable) {
  OPEN(a, DbPath());
  OPEN(b, DbPath(), {.busy_timeout = std::chrono::milliseconds(50)});
  BEGIN(holder, *a);
  STUB_ASSERT_OK(holder->PutOrg(MakeOrg("acme")));
  auto blocked = b->Begin();
  ASSERT_FALSE(blocked.ok());
  EXPECT_EQ(blocked.status().code(), StatusCode::kUnavailable) << blocked.status().ToString();
  // Readers of the other store are not blocked.
  BEGIN(r, *b, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto none, r->GetOrg("acme"));
  EXPECT_FALSE(none.has_value());
  STUB_ASSERT_OK(holder->Commit());
  BEGIN(now, *b);
  STUB_ASSERT_OK_AND_ASSIGN(auto o, now->GetOrg("acme"));
  EXPECT_TRUE(o.has_value());
}

// Eight threads increment a balance on one node row, retrying on any
// retryable error: the final value is exact, in the store and after reopen.
TEST_F(SqliteStoreTest, ConcurrentWritersIncrementExactly) {
  constexpr int kThreads = 8;
  constexpr int kIncrements = 100;
  {
    OPEN(store, DbPath());
    STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutNode("acme", MakeNode("a")); }));
    std::latch start(kThreads);
    std::atomic<int> retries{0};
    std::vector<std::thread> threads;
    for (int i = 0; i < kThreads; ++i) {
      threads.emplace_back([&] {
        start.arrive_and_wait();
        for (int done = 0; done < kIncrements;) {
          Status s = Apply(*store, [](Transaction& t) -> Status {
            STUB_ASSIGN_OR_RETURN(auto node, t.GetNode("acme", "a"));
            if (!node) return Internal("node vanished");
            node->balances[0].spent += 1;
            ++node->version;
            return t.PutNode("acme", *node);
          });
          if (s.ok()) {
            ++done;
          } else if (s.retryable()) {
            ++retries;
          } else {
            ADD_FAILURE() << s.ToString();
            return;
          }
        }
      });
    }
    for (auto& t : threads) t.join();
    EXPECT_EQ(retries.load(), 0);  // one writer: nothing to retry
  }
  OPEN(store, DbPath());
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto node, r->GetNode("acme", "a"));
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(node->balances[0].spent, kThreads * kIncrements);
  EXPECT_EQ(node->version, static_cast<std::uint64_t>(kThreads * kIncrements));
}

// Two stores on one file (as two processes would be) write the same row
// from four threads each: SQLite's file lock serializes them (busy_timeout),
// any kUnavailable is retried, and no update is lost.
TEST_F(SqliteStoreTest, TwoStoresOnOneFileLoseNoUpdate) {
  constexpr int kThreadsPerStore = 4;
  constexpr int kIncrements = 25;
  OPEN(a, DbPath());
  OPEN(b, DbPath());
  STUB_ASSERT_OK(Apply(*a, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  std::latch start(2 * kThreadsPerStore);
  std::vector<std::thread> threads;
  for (Store* store : {static_cast<Store*>(a.get()), static_cast<Store*>(b.get())}) {
    for (int i = 0; i < kThreadsPerStore; ++i) {
      threads.emplace_back([&start, store] {
        start.arrive_and_wait();
        for (int done = 0; done < kIncrements;) {
          Status s = Apply(*store, [](Transaction& t) -> Status {
            STUB_ASSIGN_OR_RETURN(auto org, t.GetOrg("acme"));
            if (!org) return Internal("org vanished");
            ++org->head_seq;
            return t.PutOrg(*org);
          });
          if (s.ok()) {
            ++done;
          } else if (!s.retryable()) {
            ADD_FAILURE() << s.ToString();
            return;
          }
        }
      });
    }
  }
  for (auto& t : threads) t.join();
  BEGIN(r, *b, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto org, r->GetOrg("acme"));
  ASSERT_TRUE(org.has_value());
  EXPECT_EQ(org->head_seq, static_cast<std::uint64_t>(2 * kThreadsPerStore * kIncrements));
}

// kill -9 of a writing process: every commit it acknowledged is there after
// reopen, and nothing is half-written (each transaction appends entry n and
// sets the org's head_seq to n together).
TEST_F(SqliteStoreTest, AcknowledgedCommitsSurviveKill9) {
  { OPEN(store, DbPath()); }  // schema in place before the child starts
  testing_support::ForkedChild child([&](int fd) {
    auto store = SqliteStore::Open(DbPath());
    if (!store.ok()) return 2;
    for (std::uint64_t seq = 1;; ++seq) {
      Status s = Apply(**store, [&](Transaction& t) {
        OrgRow org = MakeOrg("acme");
        org.head_seq = seq;
        STUB_RETURN_IF_ERROR(t.PutOrg(org));
        return t.AppendEntry(MakeEntry("acme", seq));
      });
      if (!s.ok()) return 3;
      // Acknowledge only after Commit returned.
      if (write(fd, &seq, sizeof seq) != sizeof seq) return 4;
    }
  });
  ASSERT_TRUE(child.started());
  std::uint64_t acked = 0;
  std::uint64_t seq = 0;
  while (acked < 200 && child.Read(&seq, sizeof seq)) acked = seq;
  EXPECT_TRUE(child.Kill()) << "child exited early with " << child.exit_code();
  while (child.Read(&seq, sizeof seq)) acked = seq;  // acks in flight
  ASSERT_GE(acked, 200u);

  OPEN(store, DbPath());
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto org, r->GetOrg("acme"));
  ASSERT_TRUE(org.has_value());
  EXPECT_GE(org->head_seq, acked);
  EXPECT_LE(org->head_seq, acked + 1);  // at most the one committed, not yet acked
  STUB_ASSERT_OK_AND_ASSIGN(auto entries, r->ListEntries("acme", 0, 1'000'000));
  ASSERT_EQ(entries.size(), org->head_seq);
  for (std::uint64_t i = 0; i < entries.size(); ++i) {
    ASSERT_EQ(entries[i], MakeEntry("acme", i + 1));
  }
}

TEST_F(SqliteStoreTest, BigJournalPagesInOrder) {
  constexpr std::uint64_t kEntries = 5'000;
  OPEN(store, DbPath());
  const std::string receipt = R"({"payload":")" + std::string(2'000, 'r') + R"("})";
  for (std::uint64_t base = 0; base < kEntries; base += 1'000) {
    STUB_ASSERT_OK(Apply(*store, [&](Transaction& t) {
      for (std::uint64_t seq = base + 1; seq <= base + 1'000; ++seq) {
        Entry e = MakeEntry("acme", seq);
        e.receipt = receipt;
        STUB_RETURN_IF_ERROR(t.AppendEntry(std::move(e)));
      }
      return Status::Ok();
    }));
  }
  BEGIN(r, *store, {.read_only = true});
  std::uint64_t after = 0;
  std::uint64_t pages = 0;
  for (;;) {
    STUB_ASSERT_OK_AND_ASSIGN(auto page, r->ListEntries("acme", after, 777));
    if (page.empty()) break;
    ++pages;
    for (const auto& e : page) {
      ASSERT_EQ(e.seq, after + 1);
      Entry want = MakeEntry("acme", e.seq);
      want.receipt = receipt;
      ASSERT_EQ(e, want);
      after = e.seq;
    }
  }
  EXPECT_EQ(after, kEntries);
  EXPECT_EQ(pages, (kEntries + 776) / 777);
  STUB_ASSERT_OK_AND_ASSIGN(
      auto huge_limit,
      r->ListEntries("acme", kEntries - 2, std::numeric_limits<std::size_t>::max()));
  EXPECT_EQ(huge_limit.size(), 2u);
  STUB_ASSERT_OK_AND_ASSIGN(auto past_end,
                            r->ListEntries("acme", std::numeric_limits<std::uint64_t>::max(), 10));
  EXPECT_TRUE(past_end.empty());
}

// Pipelined durability keeps the WAL bounded without the writer waiting for
// checkpoints: the background checkpointer copies it into the database, and
// past the writer's limit the WAL restarts from the beginning. Every row is
// there afterwards, read back through a fresh store.
TEST_F(SqliteStoreTest, CheckpointsKeepTheWalBounded) {
  constexpr std::uint64_t kEntries = 10'000;
  const std::string receipt = R"({"payload":")" + std::string(1'500, 'r') + R"("})";
  {
    OPEN(store, DbPath(), {.checkpoint_bytes = 16 * 8192, .writer_checkpoint_bytes = 128 * 8192});
    EXPECT_FALSE(store->CommitIsDurable());
    for (std::uint64_t base = 0; base < kEntries; base += 100) {
      const std::uint64_t mark = store->DurabilityMark();
      STUB_ASSERT_OK(Apply(*store, [&](Transaction& t) {
        for (std::uint64_t seq = base + 1; seq <= base + 100; ++seq) {
          Entry e = MakeEntry("acme", seq);
          e.receipt = receipt;
          STUB_RETURN_IF_ERROR(t.AppendEntry(std::move(e)));
        }
        return Status::Ok();
      }));
      STUB_ASSERT_OK(store->MakeDurable(mark));
    }
    // ~17 MB of journal (~2,100 frames) went through a WAL that stays within
    // a few transactions of the writer's limit (128 frames): its own
    // checkpoint can find the background one running and try again at the
    // next commit, and how long the background one runs depends on the
    // machine's load — hence the slack (6x), still a third of what was
    // written. 8 KiB pages plus a 24-byte header per frame.
    ASSERT_EQ(RawQuery(DbPath(), "PRAGMA page_size"), "8192");
    const auto wal = std::filesystem::file_size(DbPath() + "-wal");
    EXPECT_LT(wal, static_cast<std::uintmax_t>(6 * 128 * (8192 + 24) + 32));
    EXPECT_GT(std::filesystem::file_size(DbPath()), 10'000'000u);  // checkpointed
  }
  OPEN(again, DbPath());
  BEGIN(r, *again, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto all, r->ListEntries("acme", 0, kEntries + 1));
  ASSERT_EQ(all.size(), kEntries);
  EXPECT_EQ(all.back().seq, kEntries);
  EXPECT_EQ(all.back().receipt, receipt);
}

TEST_F(SqliteStoreTest, FullDurabilityCommitsAreDurableAtOnce) {
  OPEN(store, DbPath(), {.durability = SqliteStore::Options::Durability::kFull});
  EXPECT_TRUE(store->CommitIsDurable());
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.AppendEntry(MakeEntry("acme", 1)); }));
  STUB_ASSERT_OK(store->MakeDurable(0));  // nothing left to do
  OPEN(again, DbPath());
  BEGIN(r, *again, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto all, r->ListEntries("acme", 0, 10));
  EXPECT_EQ(all.size(), 1u);
}

TEST_F(SqliteStoreTest, InsertOnlyTablesReportDuplicates) {
  // Without write-behind each insert reports its own duplicate at once.
  OPEN(store, DbPath(), {.write_behind = false});
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", 1)));
    STUB_RETURN_IF_ERROR(t.PutIdempotency(MakeIdempotency("acme", "k")));
    return t.InsertDenial(MakeDenial("acme", "d", kT0));
  }));
  BEGIN(t, *store);
  EXPECT_EQ(t->AppendEntry(MakeEntry("acme", 1)).code(), StatusCode::kConflict);
  EXPECT_EQ(t->PutIdempotency(MakeIdempotency("acme", "k", "other")).code(), StatusCode::kConflict);
  EXPECT_EQ(t->InsertDenial(MakeDenial("acme", "d", kT0)).code(), StatusCode::kAlreadyExists);
  // The same denial id at another instant is another key.
  STUB_EXPECT_OK(t->InsertDenial(MakeDenial("acme", "d", kT0 + 1)));
  EXPECT_EQ(t->AppendEntry(MakeEntry("acme", std::numeric_limits<std::uint64_t>::max())).code(),
            StatusCode::kOutOfRange);
}

// With write-behind (the default) the inserts run on the store's worker: a
// duplicate surfaces at the next call that is not a deferred insert, or at
// Commit, and fails every later call; nothing of the transaction is kept.
TEST_F(SqliteStoreTest, DeferredInsertsReportDuplicatesLaterAndFailTheTransaction) {
  OPEN(store, DbPath());
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", 1)));
    STUB_RETURN_IF_ERROR(t.PutIdempotency(MakeIdempotency("acme", "k")));
    return t.InsertDenial(MakeDenial("acme", "d", kT0));
  }));
  {
    BEGIN(t, *store);
    // The first 64 inserts of a transaction run inline; later ones are deferred.
    for (int i = 0; i < 64; ++i) {
      STUB_EXPECT_OK(t->PutIdempotency(MakeIdempotency("acme", "inline-" + std::to_string(i))));
    }
    STUB_EXPECT_OK(t->AppendEntry(MakeEntry("acme", 2)));
    STUB_EXPECT_OK(t->AppendEntry(MakeEntry("acme", 1)));  // deferred
    STUB_EXPECT_OK(t->PutIdempotency(MakeIdempotency("acme", "k2")));
    // The next read reports it, and so does everything after.
    EXPECT_EQ(t->GetOrg("acme").status().code(), StatusCode::kConflict);
    EXPECT_EQ(t->PutOrg(MakeOrg("acme")).code(), StatusCode::kConflict);
    EXPECT_EQ(t->AppendEntry(MakeEntry("acme", 3)).code(), StatusCode::kConflict);
    EXPECT_EQ(t->Commit().code(), StatusCode::kConflict);
  }
  EXPECT_EQ(
      Apply(*store,
            [](Transaction& t) { return t.PutIdempotency(MakeIdempotency("acme", "k", "other")); })
          .code(),
      StatusCode::kConflict);
  EXPECT_EQ(
      Apply(*store, [](Transaction& t) { return t.InsertDenial(MakeDenial("acme", "d", kT0)); })
          .code(),
      StatusCode::kAlreadyExists);
  // A rollback with inserts still queued drops them, and the store goes on.
  {
    BEGIN(t, *store);
    for (std::uint64_t seq = 10; seq < 500; ++seq)
      STUB_EXPECT_OK(t->AppendEntry(MakeEntry("acme", seq)));
    t->Rollback();
  }
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.AppendEntry(MakeEntry("acme", 2)); }));
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto all, r->ListEntries("acme", 0, 1'000));
  ASSERT_EQ(all.size(), 2u);
  EXPECT_EQ(all[1], MakeEntry("acme", 2));
  STUB_ASSERT_OK_AND_ASSIGN(auto k2, r->GetIdempotency("acme", "k2"));
  EXPECT_FALSE(k2.has_value());
}

TEST_F(SqliteStoreTest, ACorruptRowIsInternalNotACrash) {
  OPEN(store, DbPath());
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutNode("acme", MakeNode("a")));
    return t.PutIdempotency(MakeIdempotency("acme", "k"));
  }));
  RawQuery(DbPath(), "UPDATE nodes SET limits = '[[1.5, \"month\"]]'");
  RawQuery(DbPath(), "UPDATE idempotency SET outcome = '{\"status\": \"approved\"'");
  BEGIN(r, *store, {.read_only = true});
  auto node = r->GetNode("acme", "a");
  EXPECT_EQ(node.status().code(), StatusCode::kInternal) << node.status().ToString();
  auto nodes = r->ListNodes("acme");
  EXPECT_EQ(nodes.status().code(), StatusCode::kInternal);
  auto idem = r->GetIdempotency("acme", "k");
  EXPECT_EQ(idem.status().code(), StatusCode::kInternal) << idem.status().ToString();
}

TEST_F(SqliteStoreTest, TextThatIsNotUtf8IsRefusedWithoutThrowing) {
  OPEN(store, DbPath());
  BEGIN(t, *store);
  Entry e = MakeEntry("acme", 1);
  e.lines[0].account = "expense:data:\xff\xfe";
  EXPECT_EQ(t->AppendEntry(e).code(), StatusCode::kInvalidArgument);
  // Scalar columns keep bytes as they are.
  Hold h = MakeHold("acme", "h", kT0);
  h.intent = "bytes \xff\x00 kept";
  h.intent.push_back('\0');
  STUB_ASSERT_OK(t->PutHold(h));
  STUB_ASSERT_OK_AND_ASSIGN(auto got, t->GetHold("acme", "h"));
  EXPECT_EQ(got, h);
}

TEST_F(SqliteStoreTest, CommitOfAReadOnlyTransactionCannotFail) {
  OPEN(store, DbPath());
  BEGIN(r, *store, {.read_only = true});
  EXPECT_EQ(r->PutOrg(MakeOrg("acme")).code(), StatusCode::kFailedPrecondition);
  EXPECT_EQ(r->AppendEntry(MakeEntry("acme", 1)).code(), StatusCode::kFailedPrecondition);
  STUB_EXPECT_OK(r->Commit());
  EXPECT_EQ(r->Commit().code(), StatusCode::kFailedPrecondition);
}

}  // namespace
}  // namespace stub
