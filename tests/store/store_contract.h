// The Store contract suite: behaviour every store (memory, SQLite,
// PostgreSQL, …) must show, written against the Store/Transaction interface
// only.
//
// The cases live in store_contract_test.cc (compiled once into the store test
// binary). A store joins the suite by instantiating it with a factory that
// returns a fresh, empty store for every test:
//
//   INSTANTIATE_TEST_SUITE_P(
//       Sqlite, StoreContractTest,
//       ::testing::Values(StoreFactory{"Sqlite", [] { return MakeTempSqliteStore(); }}),
//       StoreFactoryName);
//
// The cases only assume what store.h promises. In particular a conflict may be
// reported by any call of the losing transaction up to and including Commit
// (PostgreSQL reports a write-write conflict at the UPDATE, the memory store at
// Commit), and no case makes one thread wait for a row lock held by a
// transaction it has not finished itself. A single-writer store (SQLite)
// says so with StoreFactory::concurrent_writers = false; the cases that
// overlap write transactions then run them serially.
#pragma once

#include <gtest/gtest.h>

#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <ostream>
#include <string>
#include <utility>
#include <vector>

#include "core/status.h"
#include "store/store.h"

#define STUB_ASSERT_OK(expr)                                                 \
  do {                                                                       \
    const ::stub::Status stub_assert_status_ = (expr);                       \
    ASSERT_TRUE(stub_assert_status_.ok()) << stub_assert_status_.ToString(); \
  } while (0)

#define STUB_EXPECT_OK(expr)                                                 \
  do {                                                                       \
    const ::stub::Status stub_expect_status_ = (expr);                       \
    EXPECT_TRUE(stub_expect_status_.ok()) << stub_expect_status_.ToString(); \
  } while (0)

// Asserts that the Result `rexpr` is OK and moves its value into `lhs`.
#define STUB_ASSERT_OK_AND_ASSIGN(lhs, rexpr) \
  STUB_ASSERT_OK_AND_ASSIGN_IMPL(STUB_CONCAT(stub_assert_result_, __LINE__), lhs, rexpr)
#define STUB_ASSERT_OK_AND_ASSIGN_IMPL(tmp, lhs, rexpr) \
  auto tmp = (rexpr);                                   \
  ASSERT_TRUE(tmp.ok()) << tmp.status().ToString();     \
  lhs = std::move(tmp).value()

// Begins a transaction of `store` into `var` (further arguments go to Begin), or fails the test.
#define BEGIN(var, store, ...) STUB_ASSERT_OK_AND_ASSIGN(auto var, (store).Begin(__VA_ARGS__))

namespace stub::store_testing {

// Runs `body` in a new transaction of `store` and commits it. Returns the
// first error of Begin, `body` or Commit.
inline Status Apply(Store& store, const std::function<Status(Transaction&)>& body) {
  STUB_ASSIGN_OR_RETURN(auto txn, store.Begin());
  STUB_RETURN_IF_ERROR(body(*txn));
  return txn->Commit();
}

struct StoreFactory {
  std::string name;  // the instantiation's name: letters, digits, '_'
  std::function<std::unique_ptr<Store>()> make;
  // False for a store with one writer (SQLite): a write Begin waits until the
  // current write transaction finishes, so one thread must never hold two
  // write transactions at once, and two writes never race. Cases that overlap
  // two write transactions run them one after the other there and assert the
  // serial outcome instead.
  bool concurrent_writers = true;
};

inline std::string StoreFactoryName(const ::testing::TestParamInfo<StoreFactory>& info) {
  return info.param.name;
}

inline void PrintTo(const StoreFactory& factory, std::ostream* os) { *os << factory.name; }

// Row builders: small, valid-looking rows with every key field set.
inline constexpr Timestamp kT0 = 1'795'860'000'000'000;  // 2026-11-28T10:00:00Z
inline constexpr Timestamp kDay = 86'400LL * 1'000'000;

inline OrgRow MakeOrg(const std::string& id) {
  OrgRow row;
  row.id = id;
  row.name = id + " Inc.";
  row.created_at = kT0;
  return row;
}

inline NodeRow MakeNode(const std::string& id, NodeKind kind = NodeKind::kAgent,
                        const std::string& parent = "root") {
  NodeRow row;
  row.node.id = id;
  row.node.kind = kind;
  row.node.parent = kind == NodeKind::kOrg ? std::string() : parent;
  row.node.name = "node " + id;
  row.node.limits = {{1'000'000, Period::kMonth}};
  return row;
}

inline Entry MakeEntry(const std::string& org, std::uint64_t seq, Micros amount = 1'000) {
  Entry e;
  e.org = org;
  e.seq = seq;
  e.kind = EntryKind::kSpend;
  e.created_at = kT0 + static_cast<Timestamp>(seq);
  e.budget_at = e.created_at;
  e.ref = "spend-" + std::to_string(seq);
  e.agent = "agent-a";
  e.path = {"agent-a", "team", org};
  e.vendor = "api.example.com";
  e.category = "data";
  e.amount = amount;
  e.lines = {{"expense:data:api.example.com", amount}, {"funding:" + org, -amount}};
  e.prev_hash = std::string(64, '0');
  e.hash = std::string(63, '0') + std::to_string(seq % 10);
  return e;
}

inline Hold MakeHold(const std::string& org, const std::string& id, Timestamp expires_at,
                     HoldStatus status = HoldStatus::kHeld, Micros amount = 5'000) {
  Hold h;
  h.org = org;
  h.id = id;
  h.agent = "agent-a";
  h.path = {"agent-a", org};
  h.vendor = "api.example.com";
  h.category = "data";
  h.amount = amount;
  h.created_at = kT0;
  h.expires_at = expires_at;
  h.status = status;
  if (status != HoldStatus::kHeld) h.resolved_at = kT0 + 1;
  return h;
}

inline IdempotencyRecord MakeIdempotency(const std::string& org, const std::string& key,
                                         const std::string& fingerprint = "fp-1") {
  IdempotencyRecord r;
  r.org = org;
  r.key = key;
  r.fingerprint = fingerprint;
  r.outcome.status = OutcomeStatus::kApproved;
  r.outcome.id = "spend-" + key;
  r.outcome.amount = 1'000;
  r.outcome.entry_seq = 1;
  r.created_at = kT0;
  return r;
}

inline DenialRecord MakeDenial(const std::string& org, const std::string& id,
                               Timestamp created_at) {
  DenialRecord d;
  d.org = org;
  d.id = id;
  d.request_kind = "spend";
  d.agent = "agent-a";
  d.amount = 2'000;
  d.vendor = "api.example.com";
  d.category = "data";
  d.denial.reason = DenyReason::kBudgetExceeded;
  d.denial.node = org;
  d.denial.limit = 1'000;
  d.created_at = created_at;
  return d;
}

class StoreContractTest : public ::testing::TestWithParam<StoreFactory> {
 protected:
  void SetUp() override {
    store_ = GetParam().make();
    ASSERT_NE(store_, nullptr);
  }

  Store& store() { return *store_; }

  // See StoreFactory::concurrent_writers.
  bool concurrent_writers() const { return GetParam().concurrent_writers; }

  // Runs `body` in a new transaction and commits it; the first error wins.
  Status Apply(const std::function<Status(Transaction&)>& body) {
    return store_testing::Apply(*store_, body);
  }

  // Runs `body` in a fresh read-only transaction (the committed state now).
  void Read(const std::function<void(Transaction&)>& body) {
    auto txn = store_->Begin({.read_only = true});
    ASSERT_TRUE(txn.ok()) << txn.status().ToString();
    body(**txn);
    EXPECT_TRUE((*txn)->Commit().ok());
  }

 private:
  std::unique_ptr<Store> store_;
};

}  // namespace stub::store_testing
