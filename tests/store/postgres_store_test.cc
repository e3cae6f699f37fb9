// PostgresStore: the Store contract on a real PostgreSQL server (a throwaway
// cluster started by the test binary, one fresh database per test) plus what
// only the PostgreSQL store promises: real serialization failures and unique
// violations mapped to kConflict, exact round-trips of every row kind,
// idempotent migrations, recovery from a dropped pooled connection.
#include "store/postgres/postgres_store.h"

#include <gtest/gtest.h>
#include <libpq-fe.h>
#include <signal.h>
#include <sys/types.h>

#include <atomic>
#include <chrono>
#include <cstdint>
#include <latch>
#include <limits>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <utility>
#include <vector>

#include "pg_test_cluster.h"
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

// A PostgresStore on a fresh database; null (with a test failure) if the
// cluster or the store cannot be had.
std::unique_ptr<PostgresStore> MakeFreshStore(std::string* conninfo_out = nullptr,
                                              PostgresStore::Options options = {}) {
  auto db = pg_testing::NewDatabase();
  if (!db.ok()) {
    ADD_FAILURE() << db.status().ToString();
    return nullptr;
  }
  if (conninfo_out != nullptr) *conninfo_out = *db;
  auto store = PostgresStore::Open(*db, std::move(options));
  if (!store.ok()) {
    ADD_FAILURE() << store.status().ToString();
    return nullptr;
  }
  return std::move(store).value();
}

INSTANTIATE_TEST_SUITE_P(Postgres, StoreContractTest,
                         ::testing::Values(StoreFactory{
                             .name = "Postgres",
                             .make = [] { return std::unique_ptr<Store>(MakeFreshStore()); },
                             .concurrent_writers = true}),
                         StoreFactoryName);

#define OPEN_FRESH(var, ...)              \
  auto var = MakeFreshStore(__VA_ARGS__); \
  ASSERT_NE(var, nullptr)

class PostgresStoreTest : public ::testing::Test {};

TEST_F(PostgresStoreTest, KindAndSchemaVersion) {
  OPEN_FRESH(store);
  EXPECT_EQ(store->Kind(), "postgres");
  EXPECT_GE(PostgresStore::SchemaVersion(), 1);
}

// Every field of every row kind survives the round trip, including odd but
// valid text, extreme integers and the optional fields.
TEST_F(PostgresStoreTest, EveryRowKindRoundTrips) {
  OPEN_FRESH(store);
  OrgRow org = MakeOrg("acme");
  org.currency = "EUR";
  org.head_seq = std::numeric_limits<std::uint64_t>::max();  // bit-cast into BIGINT
  org.head_hash = std::string(64, 'f');
  org.kill_switch = true;
  org.next_hold_expiry = std::numeric_limits<Timestamp>::min();
  org.key_epoch = std::numeric_limits<std::uint64_t>::max();  // bit-cast into BIGINT

  NodeRow node = MakeNode("team-ü", NodeKind::kTeam, "acme");
  node.node.limits = {
      {std::numeric_limits<Micros>::max(), Period::kTotal}, {-5, Period::kDay}, {7, Period::kWeek}};
  node.node.frozen = true;
  node.node.frozen_reason = "velocity \"breaker\"\n\ttripped \\ 🚨";
  for (std::size_t i = 0; i < node.balances.size(); ++i) {
    node.balances[i].start = static_cast<Timestamp>(i) - 3;
    node.balances[i].spent = std::numeric_limits<Micros>::min() + static_cast<Micros>(i);
    node.balances[i].held = std::numeric_limits<Micros>::max() - static_cast<Micros>(i);
  }
  node.version = std::numeric_limits<std::uint64_t>::max() - 1;

  Entry entry = MakeEntry("acme", 42, -17);
  entry.kind = EntryKind::kSpend;
  entry.hold = "hold-9";
  entry.session = "sess";
  entry.user = "user@example.com";
  entry.intent = "buy 'data'; DROP TABLE entries; --";
  entry.released = 3;
  entry.receipt = R"({"x402":{"tx":"0xabc","amount":"0.02"},"nested":[1,2,{"a":null}]})";
  entry.receipt_hash = std::string(64, 'a');

  IdempotencyRecord idem = MakeIdempotency("acme", "key with spaces ✓", "fp");
  idem.outcome.status = OutcomeStatus::kDenied;
  idem.outcome.effective_remaining = -1;
  idem.outcome.expires_at = kT0 + 9;
  idem.outcome.binding = Binding{"team-ü", Period::kQuarter};
  idem.outcome.denial =
      Denial{DenyReason::kBudgetExceeded, "acme", Period::kYear, 100, 99, "over \"budget\""};
  idem.outcome.entry_hash = std::string(64, 'b');

  Hold hold = MakeHold("acme", "hold-9", kT0 + 100, HoldStatus::kCaptured, 9'000);
  hold.captured = 8'999;
  hold.session = "s";
  hold.user = "u";
  hold.intent = "i";
  hold.spend_id = "spend-9";

  DenialRecord with_period = MakeDenial("acme", "den-1", kT0 + 1);
  with_period.denial.period = Period::kMonth;
  with_period.idempotency_key = "k";
  with_period.denial.message = "no";
  DenialRecord without_period = MakeDenial("acme", "den-2", kT0 + 2);

  STUB_ASSERT_OK(Apply(*store, [&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutOrg(org));
    STUB_RETURN_IF_ERROR(t.PutNode("acme", node));
    STUB_RETURN_IF_ERROR(t.AppendEntry(entry));
    STUB_RETURN_IF_ERROR(t.PutIdempotency(idem));
    STUB_RETURN_IF_ERROR(t.PutHold(hold));
    STUB_RETURN_IF_ERROR(t.InsertDenial(with_period));
    return t.InsertDenial(without_period);
  }));
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto got_org, r->GetOrg("acme"));
  EXPECT_EQ(got_org, org);
  STUB_ASSERT_OK_AND_ASSIGN(auto got_node, r->GetNode("acme", "team-ü"));
  EXPECT_EQ(got_node, node);
  STUB_ASSERT_OK_AND_ASSIGN(auto entries, r->ListEntries("acme", 0, 10));
  EXPECT_EQ(entries, std::vector<Entry>{entry});
  STUB_ASSERT_OK_AND_ASSIGN(auto got_idem, r->GetIdempotency("acme", "key with spaces ✓"));
  EXPECT_EQ(got_idem, idem);
  STUB_ASSERT_OK_AND_ASSIGN(auto got_hold, r->GetHold("acme", "hold-9"));
  EXPECT_EQ(got_hold, hold);
  STUB_ASSERT_OK_AND_ASSIGN(auto denials, r->ListDenials("acme", 10));
  EXPECT_EQ(denials, (std::vector<DenialRecord>{with_period, without_period}));
  STUB_EXPECT_OK(r->Commit());
}

// Two threads update the same node row in two concurrent REPEATABLE READ
// transactions: the server reports a serialization failure (40001) to one of
// them, mapped to kConflict; the other commits.
TEST_F(PostgresStoreTest, ConcurrentUpdateOfOneRowIsARealSerializationFailure) {
  OPEN_FRESH(store);
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutNode("acme", MakeNode("a")); }));
  std::latch both_read(2);
  std::vector<Status> results(2);
  std::vector<std::thread> threads;
  for (int i = 0; i < 2; ++i) {
    threads.emplace_back([&, i] {
      results[static_cast<std::size_t>(i)] = [&]() -> Status {
        STUB_ASSIGN_OR_RETURN(auto t, store->Begin());
        STUB_ASSIGN_OR_RETURN(auto node, t->GetNode("acme", "a"));
        both_read.arrive_and_wait();  // both snapshots taken before either writes
        if (!node) return Internal("node vanished");
        node->balances[0].spent += 1;
        node->version += 1;
        STUB_RETURN_IF_ERROR(t->PutNode("acme", *node));
        return t->Commit();
      }();
    });
  }
  for (auto& t : threads) t.join();
  const int ok = (results[0].ok() ? 1 : 0) + (results[1].ok() ? 1 : 0);
  EXPECT_EQ(ok, 1) << results[0].ToString() << " / " << results[1].ToString();
  for (const Status& s : results) {
    if (!s.ok()) {
      EXPECT_EQ(s.code(), StatusCode::kConflict) << s.ToString();
      EXPECT_NE(s.message().find("40001"), std::string::npos) << s.ToString();
    }
  }
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto node, r->GetNode("acme", "a"));
  ASSERT_TRUE(node.has_value());
  EXPECT_EQ(node->balances[0].spent, 1);
}

// Two transactions insert the same new idempotency key: the second insert
// waits for the first transaction, then fails with unique_violation (23505),
// mapped to kConflict; its retry sees the winner's record.
TEST_F(PostgresStoreTest, ConcurrentFirstInsertOfAKeyIs23505Conflict) {
  OPEN_FRESH(store);
  BEGIN(t1, *store);
  BEGIN(t2, *store);
  STUB_ASSERT_OK(t1->PutIdempotency(MakeIdempotency("acme", "k", "fp-1")));
  STUB_ASSERT_OK(t2->PutIdempotency(MakeIdempotency("acme", "k", "fp-2")));
  // t1's insert reaches the server (and takes the key's index entry) first.
  STUB_ASSERT_OK_AND_ASSIGN(auto own, t1->GetIdempotency("acme", "k"));
  ASSERT_TRUE(own.has_value());
  Status second;
  std::thread racer([&] { second = t2->Commit(); });  // blocks on t1's key
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  STUB_ASSERT_OK(t1->Commit());
  racer.join();
  EXPECT_EQ(second.code(), StatusCode::kConflict) << second.ToString();
  EXPECT_NE(second.message().find("23505"), std::string::npos) << second.ToString();
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto rec, r->GetIdempotency("acme", "k"));
  ASSERT_TRUE(rec.has_value());
  EXPECT_EQ(rec->fingerprint, "fp-1");
}

TEST_F(PostgresStoreTest, InsertOnlyTablesReportDuplicates) {
  OPEN_FRESH(store);
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", 1)));
    STUB_RETURN_IF_ERROR(t.PutIdempotency(MakeIdempotency("acme", "k")));
    return t.InsertDenial(MakeDenial("acme", "d", kT0));
  }));
  EXPECT_EQ(
      Apply(*store, [](Transaction& t) { return t.AppendEntry(MakeEntry("acme", 1)); }).code(),
      StatusCode::kConflict);
  EXPECT_EQ(
      Apply(*store,
            [](Transaction& t) { return t.PutIdempotency(MakeIdempotency("acme", "k", "other")); })
          .code(),
      StatusCode::kConflict);
  EXPECT_EQ(
      Apply(*store, [](Transaction& t) { return t.InsertDenial(MakeDenial("acme", "d", kT0)); })
          .code(),
      StatusCode::kAlreadyExists);
  STUB_EXPECT_OK(Apply(
      *store, [](Transaction& t) { return t.InsertDenial(MakeDenial("acme", "d", kT0 + 1)); }));
  BEGIN(t, *store);
  EXPECT_EQ(t->AppendEntry(MakeEntry("acme", std::numeric_limits<std::uint64_t>::max())).code(),
            StatusCode::kOutOfRange);
}

// Text the server cannot store (not UTF-8) is kInvalidArgument, and the
// transaction is over.
TEST_F(PostgresStoreTest, TextThatIsNotUtf8IsInvalidArgument) {
  OPEN_FRESH(store);
  BEGIN(t, *store);
  Entry e = MakeEntry("acme", 1);
  e.lines[0].account = "expense:\xff";
  EXPECT_EQ(t->AppendEntry(e).code(), StatusCode::kInvalidArgument);
  Hold h = MakeHold("acme", "h", kT0);
  h.intent = "bytes \xff";
  STUB_ASSERT_OK(t->PutHold(h));  // buffered
  EXPECT_EQ(t->Commit().code(), StatusCode::kInvalidArgument);
  EXPECT_EQ(t->GetHold("acme", "h").status().code(), StatusCode::kFailedPrecondition);
}

// A transaction far past one pipeline chunk commits all its writes.
TEST_F(PostgresStoreTest, ManyBufferedWritesCommitInPipelines) {
  OPEN_FRESH(store);
  constexpr std::uint64_t kEntries = 1'500;
  STUB_ASSERT_OK(Apply(*store, [&](Transaction& t) {
    for (std::uint64_t seq = 1; seq <= kEntries; ++seq) {
      STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", seq)));
    }
    return Status::Ok();
  }));
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto entries, r->ListEntries("acme", 0, 10'000));
  ASSERT_EQ(entries.size(), kEntries);
  for (std::uint64_t i = 0; i < kEntries; ++i) ASSERT_EQ(entries[i], MakeEntry("acme", i + 1));
}

// Reopening migrates nothing twice; several stores opening the same database
// at once all succeed; a newer schema is refused.
TEST_F(PostgresStoreTest, MigrationsAreIdempotentAndConcurrentOpensAreSafe) {
  auto db = pg_testing::NewDatabase();
  ASSERT_TRUE(db.ok()) << db.status().ToString();
  const std::string conninfo = *db;
  {
    std::vector<std::thread> openers;
    std::atomic<int> failures{0};
    for (int i = 0; i < 4; ++i) {
      openers.emplace_back([&] {
        auto s = PostgresStore::Open(conninfo);
        if (!s.ok()) {
          ++failures;
          ADD_FAILURE() << s.status().ToString();
        }
      });
    }
    for (auto& t : openers) t.join();
    EXPECT_EQ(failures.load(), 0);
  }
  {
    auto s = PostgresStore::Open(conninfo);
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    STUB_ASSERT_OK(Apply(**s, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  }
  auto again = PostgresStore::Open(conninfo);
  ASSERT_TRUE(again.ok()) << again.status().ToString();
  BEGIN(r, **again, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto orgs, r->ListOrgs());
  EXPECT_EQ(orgs, std::vector<std::string>{"acme"});
  const std::string dbname = pg_testing::DatabaseOf(conninfo);
  auto versions =
      pg_testing::AdminQuery(dbname, "SELECT version FROM schema_migrations ORDER BY version");
  ASSERT_TRUE(versions.ok()) << versions.status().ToString();
  // One row per migration step, increasing from 1 to the latest (versions
  // may skip numbers: steps of parallel branches).
  ASSERT_FALSE(versions->empty());
  EXPECT_EQ(versions->front(), "1");
  EXPECT_EQ(versions->back(), std::to_string(PostgresStore::SchemaVersion()));
  for (std::size_t i = 1; i < versions->size(); ++i) {
    EXPECT_LT(std::stoi((*versions)[i - 1]), std::stoi((*versions)[i]));
  }

  ASSERT_TRUE(
      pg_testing::AdminQuery(dbname, "INSERT INTO schema_migrations VALUES (999, 'future', 0)")
          .ok());
  auto newer = PostgresStore::Open(conninfo);
  ASSERT_FALSE(newer.ok());
  EXPECT_EQ(newer.status().code(), StatusCode::kFailedPrecondition) << newer.status().ToString();
}

// Migration 5 on a database at version 4: the rollup is backfilled from the
// journal and the wide index replaced. The version-4 database is made by
// rewinding a fresh one: step 5 undone.
TEST_F(PostgresStoreTest, RollupMigrationBackfillsAVersionFourDatabase) {
  constexpr Timestamp kDay = 86'400LL * 1'000'000;
  std::vector<Entry> journal;
  for (std::uint64_t seq = 1; seq <= 90; ++seq) {
    Entry e = MakeEntry("acme", seq, static_cast<Micros>(1'000 * (seq % 13 + 1)));
    const EntryKind kinds[] = {EntryKind::kSpend, EntryKind::kCapture, EntryKind::kHold};
    e.kind = kinds[seq % 3];
    e.agent = seq % 4 == 0 ? "agent-b" : "agent-a";
    e.created_at = kT0 - static_cast<Timestamp>(seq % 7) * kDay +
                   static_cast<Timestamp>(seq) * 3'600'000'000LL;
    journal.push_back(e);
  }
  std::string conninfo;
  {
    OPEN_FRESH(store, &conninfo);
    STUB_ASSERT_OK(Apply(*store, [&](Transaction& t) -> Status {
      for (const Entry& e : journal) STUB_RETURN_IF_ERROR(t.AppendEntry(e));
      return Status::Ok();
    }));
  }
  const std::string dbname = pg_testing::DatabaseOf(conninfo);
  for (const char* sql :
       {"DROP TABLE spend_daily", "DROP INDEX entries_spend_listing",
        "DROP INDEX entries_legacy_ref",
        "CREATE INDEX entries_spend_time ON entries (org, created_at) INCLUDE (agent, vendor, "
        "category, amount) WHERE kind IN ('spend', 'capture')",
        "ALTER TABLE orgs DROP COLUMN key_epoch",
        "DELETE FROM schema_migrations WHERE version >= 5"}) {
    auto r = pg_testing::AdminQuery(dbname, sql);
    ASSERT_TRUE(r.ok()) << sql << ": " << r.status().ToString();
  }
  auto reopened = PostgresStore::Open(conninfo);
  ASSERT_TRUE(reopened.ok()) << reopened.status().ToString();
  BEGIN(r, **reopened, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto got, r->ListSpendDaily("acme"));
  STUB_ASSERT_OK_AND_ASSIGN(auto want, SpendDailyFromEntries(journal));
  ASSERT_FALSE(want.empty());
  EXPECT_EQ(got, want);
  auto idx = pg_testing::AdminQuery(
      dbname,
      "SELECT indexname FROM pg_indexes WHERE tablename = 'entries' AND indexname <> "
      "'entries_pkey' ORDER BY indexname");
  ASSERT_TRUE(idx.ok()) << idx.status().ToString();
  // Step 5's entries_spend_at, then step 7's key and ref indexes in its
  // place, then step 11's listing and legacy ref indexes in theirs.
  EXPECT_EQ(*idx, (std::vector<std::string>{"entries_legacy_ref", "entries_spend_listing"}));
}

// The pending-holds query uses the partial index.
TEST_F(PostgresStoreTest, PendingHoldsIndexExists) {
  std::string conninfo;
  OPEN_FRESH(store, &conninfo);
  auto idx = pg_testing::AdminQuery(pg_testing::DatabaseOf(conninfo),
                                    "SELECT indexdef FROM pg_indexes WHERE indexname = "
                                    "'holds_pending'");
  ASSERT_TRUE(idx.ok()) << idx.status().ToString();
  ASSERT_EQ(idx->size(), 1u);
  EXPECT_NE((*idx)[0].find("WHERE (status = 'held'::text)"), std::string::npos) << (*idx)[0];
}

// The server drops a pooled connection (pg_terminate_backend): the next
// Begin notices, discards it and works on a new connection.
TEST_F(PostgresStoreTest, ATerminatedPooledConnectionIsReplaced) {
  std::string conninfo;
  OPEN_FRESH(store, &conninfo, {.max_connections = 2});
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  auto killed = pg_testing::AdminQuery(
      "postgres", "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = '" +
                      pg_testing::DatabaseOf(conninfo) + "' AND pid <> pg_backend_pid()");
  ASSERT_TRUE(killed.ok()) << killed.status().ToString();
  ASSERT_FALSE(killed->empty());
  std::this_thread::sleep_for(std::chrono::milliseconds(100));
  for (int i = 0; i < 3; ++i) {
    BEGIN(r, *store, {.read_only = true});
    STUB_ASSERT_OK_AND_ASSIGN(auto org, r->GetOrg("acme"));
    EXPECT_TRUE(org.has_value());
    STUB_EXPECT_OK(r->Commit());
  }
}

// A statement stuck behind a lock ends at statement_timeout, as kUnavailable
// (retry), and leaves the store usable.
TEST_F(PostgresStoreTest, AStatementThatStallsTimesOut) {
  std::string conninfo;
  OPEN_FRESH(store, &conninfo, {.statement_timeout = std::chrono::milliseconds(300)});
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  PGconn* locker = PQconnectdb(conninfo.c_str());
  ASSERT_EQ(PQstatus(locker), CONNECTION_OK) << PQerrorMessage(locker);
  PGresult* locked = PQexec(locker, "BEGIN; LOCK TABLE orgs IN ACCESS EXCLUSIVE MODE");
  ASSERT_EQ(PQresultStatus(locked), PGRES_COMMAND_OK) << PQresultErrorMessage(locked);
  PQclear(locked);
  const auto start = std::chrono::steady_clock::now();
  {
    BEGIN(r, *store, {.read_only = true});
    auto org = r->GetOrg("acme");
    ASSERT_FALSE(org.ok());
    EXPECT_EQ(org.status().code(), StatusCode::kUnavailable) << org.status().ToString();
  }
  EXPECT_LT(std::chrono::steady_clock::now() - start, std::chrono::seconds(3));
  PQfinish(locker);  // ends its transaction and the lock
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto org, r->GetOrg("acme"));
  EXPECT_TRUE(org.has_value());
}

// A server that stops answering (SIGSTOP of the backend MakeDurable
// flushes on; a flush is not cancelled by statement_timeout) does not hang
// MakeDurable: it fails after statement_timeout. The commit it was to prove
// is then in doubt (that connection is gone), and a later commit is proven
// on a new connection.
TEST_F(PostgresStoreTest, AStalledFlushTimesOut) {
  std::string conninfo;
  OPEN_FRESH(store, &conninfo, {.statement_timeout = std::chrono::milliseconds(300)});
  // Right after Open, the sync connection is the database's only one.
  auto pids =
      pg_testing::AdminQuery("postgres", "SELECT pid FROM pg_stat_activity WHERE datname = '" +
                                             pg_testing::DatabaseOf(conninfo) + "'");
  ASSERT_TRUE(pids.ok()) << pids.status().ToString();
  ASSERT_EQ(pids->size(), 1u);
  const pid_t sync_backend = static_cast<pid_t>(std::stoi((*pids)[0]));
  const std::uint64_t before = store->DurabilityMark();
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  ASSERT_EQ(kill(sync_backend, SIGSTOP), 0);
  const auto start = std::chrono::steady_clock::now();
  Status stalled = store->MakeDurable(before);
  const auto elapsed = std::chrono::steady_clock::now() - start;
  ASSERT_EQ(kill(sync_backend, SIGCONT), 0);
  EXPECT_EQ(stalled.code(), StatusCode::kUnavailable) << stalled.ToString();
  EXPECT_GE(elapsed, std::chrono::milliseconds(250));
  EXPECT_LT(elapsed, std::chrono::seconds(3));
  EXPECT_EQ(store->MakeDurable(before).reason(), "durability_in_doubt");
  const std::uint64_t after = store->DurabilityMark();
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("beta")); }));
  STUB_EXPECT_OK(store->MakeDurable(after));
}

// An `ask` query keeps its own time bound (QueryPlan::timeout_ms), not the
// connection's statement_timeout: blocked behind a lock, it runs until its
// own bound and ends as "query_timeout".
TEST_F(PostgresStoreTest, AQueryKeepsItsOwnTimeBound) {
  std::string conninfo;
  OPEN_FRESH(store, &conninfo, {.statement_timeout = std::chrono::milliseconds(100)});
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  PGconn* locker = PQconnectdb(conninfo.c_str());
  ASSERT_EQ(PQstatus(locker), CONNECTION_OK) << PQerrorMessage(locker);
  PGresult* locked =
      PQexec(locker, "BEGIN; LOCK TABLE entries, spend_daily, denials IN ACCESS EXCLUSIVE MODE");
  ASSERT_EQ(PQresultStatus(locked), PGRES_COMMAND_OK) << PQresultErrorMessage(locked);
  PQclear(locked);
  QueryPlan plan;
  plan.timeout_ms = 700;
  const auto start = std::chrono::steady_clock::now();
  {
    BEGIN(r, *store, {.read_only = true});
    auto result = r->RunQuery("acme", plan);
    ASSERT_FALSE(result.ok());
    EXPECT_EQ(result.status().code(), StatusCode::kResourceExhausted) << result.status().ToString();
    EXPECT_EQ(result.status().reason(), "query_timeout");
  }
  const auto elapsed = std::chrono::steady_clock::now() - start;
  EXPECT_GE(elapsed, std::chrono::milliseconds(650));
  EXPECT_LT(elapsed, std::chrono::seconds(5));
  PQfinish(locker);
}

// The server crashes (pg_ctl stop -m immediate) after a commit returned but
// before MakeDurable proved it flushed: the commit may be lost, so
// MakeDurable never says OK for it — first the flush fails (the sync
// connection died with the server), then, on a new sync connection that
// cannot vouch for it, the commit is in doubt for good. A commit made after
// the restart is proven durable as usual.
TEST_F(PostgresStoreTest, ACommitBeforeACrashIsInDoubtNeverDurable) {
  OPEN_FRESH(store);
  ASSERT_FALSE(store->CommitIsDurable());
  const std::uint64_t before = store->DurabilityMark();
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  EXPECT_EQ(store->DurabilityMark(), before + 1);
  Status crashed = pg_testing::CrashCluster();
  Status restarted = crashed.ok() ? pg_testing::RestartCluster() : crashed;
  ASSERT_TRUE(restarted.ok()) << restarted.ToString();

  Status first = store->MakeDurable(before);
  EXPECT_EQ(first.code(), StatusCode::kUnavailable) << first.ToString();
  Status second = store->MakeDurable(before);
  EXPECT_EQ(second.code(), StatusCode::kUnavailable) << second.ToString();
  EXPECT_EQ(second.reason(), "durability_in_doubt") << second.ToString();

  const std::uint64_t after = store->DurabilityMark();
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("beta")); }));
  STUB_EXPECT_OK(store->MakeDurable(after));
  EXPECT_EQ(store->MakeDurable(before).reason(), "durability_in_doubt");
}

// A server that is not there is kUnavailable.
TEST_F(PostgresStoreTest, UnreachableServerIsUnavailable) {
  auto s = PostgresStore::Open("host=127.0.0.1 port=1 connect_timeout=2 dbname=x user=x");
  ASSERT_FALSE(s.ok());
  EXPECT_EQ(s.status().code(), StatusCode::kUnavailable) << s.status().ToString();
}

// Eight threads increment one counter on the server: serialization failures
// happen and are retried, and no update is lost.
TEST_F(PostgresStoreTest, ConcurrentIncrementsRetryOnRealConflicts) {
  OPEN_FRESH(store);
  STUB_ASSERT_OK(Apply(*store, [](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  constexpr int kThreads = 8;
  constexpr int kIncrements = 40;
  std::atomic<int> conflicts{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
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
        } else if (s.code() == StatusCode::kConflict) {
          ++conflicts;
        } else {
          ADD_FAILURE() << s.ToString();
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_GT(conflicts.load(), 0);
  BEGIN(r, *store, {.read_only = true});
  STUB_ASSERT_OK_AND_ASSIGN(auto org, r->GetOrg("acme"));
  ASSERT_TRUE(org.has_value());
  EXPECT_EQ(org->head_seq, static_cast<std::uint64_t>(kThreads * kIncrements));
}

}  // namespace
}  // namespace stub
