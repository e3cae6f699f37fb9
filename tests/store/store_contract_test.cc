// The Store contract cases (see store_contract.h). Instantiated per store by
// that store's own test file.
#include "store_contract.h"

#include <atomic>
#include <functional>
#include <latch>
#include <memory>
#include <optional>
#include <string>
#include <thread>
#include <vector>

namespace stub::store_testing {
namespace {

std::vector<std::string> NodeIds(const std::vector<NodeRow>& rows) {
  std::vector<std::string> ids;
  for (const auto& r : rows) ids.push_back(r.node.id);
  return ids;
}

std::vector<std::uint64_t> Seqs(const std::vector<Entry>& entries) {
  std::vector<std::uint64_t> seqs;
  for (const auto& e : entries) seqs.push_back(e.seq);
  return seqs;
}

std::vector<std::string> HoldIds(const std::vector<Hold>& holds) {
  std::vector<std::string> ids;
  for (const auto& h : holds) ids.push_back(h.id);
  return ids;
}

std::vector<std::string> DenialIds(const std::vector<DenialRecord>& denials) {
  std::vector<std::string> ids;
  for (const auto& d : denials) ids.push_back(d.id);
  return ids;
}

TEST_P(StoreContractTest, ReadYourWrites) {
  STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
  OrgRow org = MakeOrg("acme");
  NodeRow root = MakeNode("acme", NodeKind::kOrg);
  NodeRow agent = MakeNode("agent-a");
  Entry entry = MakeEntry("acme", 1);
  IdempotencyRecord idem = MakeIdempotency("acme", "key-1");
  Hold hold = MakeHold("acme", "hold-1", kT0 + 100);
  hold.capture_on_expiry = true;  // every field round-trips
  DenialRecord denial = MakeDenial("acme", "den-1", kT0 + 5);
  STUB_ASSERT_OK(t->PutOrg(org));
  STUB_ASSERT_OK(t->PutNode("acme", root));
  STUB_ASSERT_OK(t->PutNode("acme", agent));
  STUB_ASSERT_OK(t->AppendEntry(entry));
  STUB_ASSERT_OK(t->PutIdempotency(idem));
  STUB_ASSERT_OK(t->PutHold(hold));
  STUB_ASSERT_OK(t->InsertDenial(denial));

  // A second write of the same row replaces the first, still unseen by others.
  agent.node.frozen = true;
  agent.version = 2;
  STUB_ASSERT_OK(t->PutNode("acme", agent));
  org.head_seq = 1;
  org.head_hash = entry.hash;
  org.head_at = entry.created_at;
  org.max_spend = 42 * kMicrosPerUnit;
  STUB_ASSERT_OK(t->PutOrg(org));

  STUB_ASSERT_OK_AND_ASSIGN(auto got_org, t->GetOrg("acme"));
  EXPECT_EQ(got_org, org);
  STUB_ASSERT_OK_AND_ASSIGN(auto orgs, t->ListOrgs());
  EXPECT_EQ(orgs, std::vector<std::string>{"acme"});
  STUB_ASSERT_OK_AND_ASSIGN(auto got_agent, t->GetNode("acme", "agent-a"));
  EXPECT_EQ(got_agent, agent);
  STUB_ASSERT_OK_AND_ASSIGN(auto nodes, t->ListNodes("acme"));
  EXPECT_EQ(nodes, (std::vector<NodeRow>{root, agent}));
  STUB_ASSERT_OK_AND_ASSIGN(auto entries, t->ListEntries("acme", 0, 10));
  EXPECT_EQ(entries, std::vector<Entry>{entry});
  STUB_ASSERT_OK_AND_ASSIGN(auto got_idem, t->GetIdempotency("acme", "key-1"));
  EXPECT_EQ(got_idem, idem);
  STUB_ASSERT_OK_AND_ASSIGN(auto got_hold, t->GetHold("acme", "hold-1"));
  EXPECT_EQ(got_hold, hold);
  STUB_ASSERT_OK_AND_ASSIGN(auto due, t->ListDueHolds("acme", kT0 + 100, 10));
  EXPECT_EQ(due, std::vector<Hold>{hold});
  STUB_ASSERT_OK_AND_ASSIGN(auto next, t->NextHoldExpiry("acme"));
  EXPECT_EQ(next, kT0 + 100);
  STUB_ASSERT_OK_AND_ASSIGN(auto denials, t->ListDenials("acme", 10));
  EXPECT_EQ(denials, std::vector<DenialRecord>{denial});

  // Nothing is visible outside before Commit.
  Read([&](Transaction& other) {
    STUB_ASSERT_OK_AND_ASSIGN(auto o, other.GetOrg("acme"));
    EXPECT_FALSE(o.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto n, other.ListNodes("acme"));
    EXPECT_TRUE(n.empty());
  });

  STUB_ASSERT_OK(t->Commit());
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto o, r.GetOrg("acme"));
    EXPECT_EQ(o, org);
    STUB_ASSERT_OK_AND_ASSIGN(auto n, r.ListNodes("acme"));
    EXPECT_EQ(n, (std::vector<NodeRow>{root, agent}));
    STUB_ASSERT_OK_AND_ASSIGN(auto e, r.ListEntries("acme", 0, 10));
    EXPECT_EQ(e, std::vector<Entry>{entry});
    STUB_ASSERT_OK_AND_ASSIGN(auto i, r.GetIdempotency("acme", "key-1"));
    EXPECT_EQ(i, idem);
    STUB_ASSERT_OK_AND_ASSIGN(auto h, r.GetHold("acme", "hold-1"));
    EXPECT_EQ(h, hold);
    STUB_ASSERT_OK_AND_ASSIGN(auto d, r.ListDenials("acme", 10));
    EXPECT_EQ(d, std::vector<DenialRecord>{denial});
  });
}

TEST_P(StoreContractTest, SnapshotIsolation) {
  NodeRow a1 = MakeNode("a");
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutOrg(MakeOrg("acme")));
    return t.PutNode("acme", a1);
  }));

  // T1 only reads; on a single-writer store it must not hold the writer
  // while T2 writes, so it reads in a read-only transaction there.
  STUB_ASSERT_OK_AND_ASSIGN(auto t1, store().Begin({.read_only = !concurrent_writers()}));
  STUB_ASSERT_OK_AND_ASSIGN(auto before, t1->GetNode("acme", "a"));
  EXPECT_EQ(before, a1);

  NodeRow a2 = a1;
  a2.version = 2;
  a2.balances[0].spent = 7;
  OrgRow org2 = MakeOrg("acme");
  org2.head_seq = 1;
  STUB_ASSERT_OK(Apply([&](Transaction& t2) {
    STUB_RETURN_IF_ERROR(t2.PutNode("acme", a2));
    STUB_RETURN_IF_ERROR(t2.PutNode("acme", MakeNode("b")));
    STUB_RETURN_IF_ERROR(t2.PutOrg(org2));
    STUB_RETURN_IF_ERROR(t2.AppendEntry(MakeEntry("acme", 1)));
    STUB_RETURN_IF_ERROR(t2.PutHold(MakeHold("acme", "h", kT0 + 10)));
    STUB_RETURN_IF_ERROR(t2.PutIdempotency(MakeIdempotency("acme", "k")));
    STUB_RETURN_IF_ERROR(t2.InsertDenial(MakeDenial("acme", "d", kT0)));
    return t2.PutOrg(MakeOrg("beta"));
  }));

  // T1 still sees its snapshot, in every table.
  STUB_ASSERT_OK_AND_ASSIGN(auto a_again, t1->GetNode("acme", "a"));
  EXPECT_EQ(a_again, a1);
  STUB_ASSERT_OK_AND_ASSIGN(auto b, t1->GetNode("acme", "b"));
  EXPECT_FALSE(b.has_value());
  STUB_ASSERT_OK_AND_ASSIGN(auto nodes, t1->ListNodes("acme"));
  EXPECT_EQ(nodes, std::vector<NodeRow>{a1});
  STUB_ASSERT_OK_AND_ASSIGN(auto org, t1->GetOrg("acme"));
  ASSERT_TRUE(org.has_value());
  EXPECT_EQ(org->head_seq, 0u);
  STUB_ASSERT_OK_AND_ASSIGN(auto orgs, t1->ListOrgs());
  EXPECT_EQ(orgs, std::vector<std::string>{"acme"});
  STUB_ASSERT_OK_AND_ASSIGN(auto entries, t1->ListEntries("acme", 0, 10));
  EXPECT_TRUE(entries.empty());
  STUB_ASSERT_OK_AND_ASSIGN(auto hold, t1->GetHold("acme", "h"));
  EXPECT_FALSE(hold.has_value());
  STUB_ASSERT_OK_AND_ASSIGN(auto next, t1->NextHoldExpiry("acme"));
  EXPECT_FALSE(next.has_value());
  STUB_ASSERT_OK_AND_ASSIGN(auto idem, t1->GetIdempotency("acme", "k"));
  EXPECT_FALSE(idem.has_value());
  STUB_ASSERT_OK_AND_ASSIGN(auto denials, t1->ListDenials("acme", 10));
  EXPECT_TRUE(denials.empty());
  STUB_EXPECT_OK(t1->Commit());  // no writes: nothing to conflict

  // A new transaction sees the new state.
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto a, r.GetNode("acme", "a"));
    EXPECT_EQ(a, a2);
    STUB_ASSERT_OK_AND_ASSIGN(auto n, r.ListNodes("acme"));
    EXPECT_EQ(NodeIds(n), (std::vector<std::string>{"a", "b"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto e, r.ListEntries("acme", 0, 10));
    EXPECT_EQ(Seqs(e), std::vector<std::uint64_t>{1});
    STUB_ASSERT_OK_AND_ASSIGN(auto o, r.ListOrgs());
    EXPECT_EQ(o, (std::vector<std::string>{"acme", "beta"}));
  });
}

// T1 and T2 both read a row; T1 writes it and commits; T2 writes several
// tables and then the same row: T2 must fail with kConflict (at that write or
// at Commit) and leave nothing behind in any table.
//
// Single-writer stores: T2 begins only after T1 committed, so it reads T1's
// row (no lost update) and its writes, made on top of it, all commit.
TEST_P(StoreContractTest, FirstCommitterWinsOnTheSameRow) {
  enum class Contended { kOrg, kNode, kHold };
  for (Contended which : {Contended::kOrg, Contended::kNode, Contended::kHold}) {
    const std::string org = "org" + std::to_string(static_cast<int>(which));
    SCOPED_TRACE(org);
    NodeRow agent = MakeNode("agent-a");
    Hold hold = MakeHold(org, "hold-1", kT0 + 50);
    STUB_ASSERT_OK(Apply([&](Transaction& t) {
      STUB_RETURN_IF_ERROR(t.PutOrg(MakeOrg(org)));
      STUB_RETURN_IF_ERROR(t.PutNode(org, agent));
      return t.PutHold(hold);
    }));

    STUB_ASSERT_OK_AND_ASSIGN(auto t1, store().Begin());
    std::unique_ptr<Transaction> t2;
    std::optional<OrgRow> o2;
    if (concurrent_writers()) {
      STUB_ASSERT_OK_AND_ASSIGN(t2, store().Begin());
      STUB_ASSERT_OK_AND_ASSIGN(o2, t2->GetOrg(org));
    }
    STUB_ASSERT_OK_AND_ASSIGN(auto o1, t1->GetOrg(org));
    ASSERT_TRUE(o1.has_value());

    OrgRow winner_org = *o1;
    winner_org.head_seq = 1;
    NodeRow winner_node = agent;
    winner_node.version = 1;
    Hold winner_hold = hold;
    winner_hold.status = HoldStatus::kVoided;
    switch (which) {
      case Contended::kOrg:
        STUB_ASSERT_OK(t1->PutOrg(winner_org));
        break;
      case Contended::kNode:
        STUB_ASSERT_OK(t1->PutNode(org, winner_node));
        break;
      case Contended::kHold:
        STUB_ASSERT_OK(t1->PutHold(winner_hold));
        break;
    }
    STUB_ASSERT_OK(t1->Commit());
    if (!concurrent_writers()) {
      STUB_ASSERT_OK_AND_ASSIGN(t2, store().Begin());
      STUB_ASSERT_OK_AND_ASSIGN(o2, t2->GetOrg(org));
      STUB_ASSERT_OK_AND_ASSIGN(auto seen_node, t2->GetNode(org, "agent-a"));
      STUB_ASSERT_OK_AND_ASSIGN(auto seen_hold, t2->GetHold(org, "hold-1"));
      EXPECT_EQ(o2, which == Contended::kOrg ? winner_org : MakeOrg(org));
      EXPECT_EQ(seen_node, which == Contended::kNode ? winner_node : agent);
      EXPECT_EQ(seen_hold, which == Contended::kHold ? winner_hold : hold);
    }
    ASSERT_TRUE(o2.has_value());

    OrgRow loser_org = *o2;
    loser_org.head_seq = 1;
    loser_org.name = "loser";
    NodeRow loser_node = agent;
    loser_node.version = 99;
    Hold loser_hold = hold;
    loser_hold.status = HoldStatus::kCaptured;
    Status loser = [&]() -> Status {
      NodeRow new_node = MakeNode("agent-new");
      STUB_RETURN_IF_ERROR(t2->PutNode(org, new_node));
      STUB_RETURN_IF_ERROR(t2->AppendEntry(MakeEntry(org, 1)));
      STUB_RETURN_IF_ERROR(t2->PutIdempotency(MakeIdempotency(org, "key-2")));
      STUB_RETURN_IF_ERROR(t2->PutHold(MakeHold(org, "hold-2", kT0 + 10)));
      STUB_RETURN_IF_ERROR(t2->InsertDenial(MakeDenial(org, "den-2", kT0)));
      switch (which) {
        case Contended::kOrg:
          STUB_RETURN_IF_ERROR(t2->PutOrg(loser_org));
          break;
        case Contended::kNode:
          STUB_RETURN_IF_ERROR(t2->PutNode(org, loser_node));
          break;
        case Contended::kHold:
          STUB_RETURN_IF_ERROR(t2->PutHold(loser_hold));
          break;
      }
      return t2->Commit();
    }();
    if (!concurrent_writers()) {
      // The serial outcome: both committed, T2 on top of T1.
      STUB_EXPECT_OK(loser);
      Read([&](Transaction& r) {
        STUB_ASSERT_OK_AND_ASSIGN(auto o, r.GetOrg(org));
        EXPECT_EQ(o, which == Contended::kOrg ? loser_org : MakeOrg(org));
        STUB_ASSERT_OK_AND_ASSIGN(auto nodes, r.ListNodes(org));
        EXPECT_EQ(NodeIds(nodes), (std::vector<std::string>{"agent-a", "agent-new"}));
        STUB_ASSERT_OK_AND_ASSIGN(auto a, r.GetNode(org, "agent-a"));
        EXPECT_EQ(a, which == Contended::kNode ? loser_node : agent);
        STUB_ASSERT_OK_AND_ASSIGN(auto h1, r.GetHold(org, "hold-1"));
        EXPECT_EQ(h1, which == Contended::kHold ? loser_hold : hold);
        STUB_ASSERT_OK_AND_ASSIGN(auto entries, r.ListEntries(org, 0, 10));
        EXPECT_EQ(Seqs(entries), std::vector<std::uint64_t>{1});
        STUB_ASSERT_OK_AND_ASSIGN(auto idem, r.GetIdempotency(org, "key-2"));
        EXPECT_TRUE(idem.has_value());
        STUB_ASSERT_OK_AND_ASSIGN(auto denials, r.ListDenials(org, 10));
        EXPECT_EQ(DenialIds(denials), std::vector<std::string>{"den-2"});
      });
      continue;
    }
    EXPECT_EQ(loser.code(), StatusCode::kConflict) << loser.ToString();
    t2->Rollback();

    Read([&](Transaction& r) {
      STUB_ASSERT_OK_AND_ASSIGN(auto o, r.GetOrg(org));
      EXPECT_EQ(o, which == Contended::kOrg ? winner_org : MakeOrg(org));
      STUB_ASSERT_OK_AND_ASSIGN(auto nodes, r.ListNodes(org));
      EXPECT_EQ(nodes, std::vector<NodeRow>{which == Contended::kNode ? winner_node : agent});
      STUB_ASSERT_OK_AND_ASSIGN(auto entries, r.ListEntries(org, 0, 10));
      EXPECT_TRUE(entries.empty());
      STUB_ASSERT_OK_AND_ASSIGN(auto idem, r.GetIdempotency(org, "key-2"));
      EXPECT_FALSE(idem.has_value());
      STUB_ASSERT_OK_AND_ASSIGN(auto h1, r.GetHold(org, "hold-1"));
      EXPECT_EQ(h1, which == Contended::kHold ? winner_hold : hold);
      STUB_ASSERT_OK_AND_ASSIGN(auto h2, r.GetHold(org, "hold-2"));
      EXPECT_FALSE(h2.has_value());
      STUB_ASSERT_OK_AND_ASSIGN(auto due, r.ListDueHolds(org, kT0 + 1'000, 10));
      EXPECT_EQ(HoldIds(due), which == Contended::kHold ? std::vector<std::string>{}
                                                        : std::vector<std::string>{"hold-1"});
      STUB_ASSERT_OK_AND_ASSIGN(auto denials, r.ListDenials(org, 10));
      EXPECT_TRUE(denials.empty());
    });
  }
}

TEST_P(StoreContractTest, ConcurrentInsertOfTheSameIdempotencyKeyConflicts) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  STUB_ASSERT_OK_AND_ASSIGN(auto t1, store().Begin());
  std::unique_ptr<Transaction> t2;
  if (concurrent_writers()) {
    STUB_ASSERT_OK_AND_ASSIGN(t2, store().Begin());
    STUB_ASSERT_OK_AND_ASSIGN(auto seen2, t2->GetIdempotency("acme", "k"));
    EXPECT_FALSE(seen2.has_value());
  }
  STUB_ASSERT_OK_AND_ASSIGN(auto seen1, t1->GetIdempotency("acme", "k"));
  EXPECT_FALSE(seen1.has_value());

  const IdempotencyRecord first = MakeIdempotency("acme", "k", "fp-first");
  STUB_ASSERT_OK(t1->PutIdempotency(first));
  STUB_ASSERT_OK(t1->Commit());
  if (!concurrent_writers()) {
    // Serial: T2 begins after T1 and sees its key; inserting it still
    // conflicts.
    STUB_ASSERT_OK_AND_ASSIGN(t2, store().Begin());
    STUB_ASSERT_OK_AND_ASSIGN(auto seen2, t2->GetIdempotency("acme", "k"));
    EXPECT_EQ(seen2, first);
  }

  Status second = [&]() -> Status {
    STUB_RETURN_IF_ERROR(t2->PutIdempotency(MakeIdempotency("acme", "k", "fp-second")));
    return t2->Commit();
  }();
  EXPECT_EQ(second.code(), StatusCode::kConflict) << second.ToString();
  t2->Rollback();

  // The retry sees the winner's record.
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto rec, r.GetIdempotency("acme", "k"));
    EXPECT_EQ(rec, first);
  });
}

TEST_P(StoreContractTest, AnExistingIdempotencyKeyIsNeverReplaced) {
  const IdempotencyRecord first = MakeIdempotency("acme", "k", "fp-first");
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.PutIdempotency(first); }));
  Status again =
      Apply([&](Transaction& t) { return t.PutIdempotency(MakeIdempotency("acme", "k", "x")); });
  EXPECT_EQ(again.code(), StatusCode::kConflict) << again.ToString();
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto rec, r.GetIdempotency("acme", "k"));
    EXPECT_EQ(rec, first);
  });
}

TEST_P(StoreContractTest, AppendEntryOnAnExistingSeqConflicts) {
  const Entry first = MakeEntry("acme", 1, 100);
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.AppendEntry(first); }));

  Status again = Apply([&](Transaction& t) { return t.AppendEntry(MakeEntry("acme", 1, 999)); });
  EXPECT_EQ(again.code(), StatusCode::kConflict) << again.ToString();

  // The same seq in another org is a different key.
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.AppendEntry(MakeEntry("beta", 1)); }));
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.AppendEntry(MakeEntry("acme", 2)); }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto entries, r.ListEntries("acme", 0, 10));
    ASSERT_EQ(Seqs(entries), (std::vector<std::uint64_t>{1, 2}));
    EXPECT_EQ(entries[0], first);
  });
}

// A batch reads its agents' budget paths up front with GetNodes: several
// nodes of one org in one call, in the order asked (repeats included),
// absent ones empty, the transaction's own writes seen, other orgs' not.
TEST_P(StoreContractTest, GetNodesReadsSeveralNodesInTheOrderAsked) {
  NodeRow root = MakeNode("acme", NodeKind::kOrg);
  NodeRow a = MakeNode("a");
  NodeRow b = MakeNode("b");
  NodeRow beta_a = MakeNode("a", NodeKind::kAgent, "team-beta");
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutNode("acme", root));
    STUB_RETURN_IF_ERROR(t.PutNode("acme", a));
    STUB_RETURN_IF_ERROR(t.PutNode("acme", b));
    return t.PutNode("beta", beta_a);
  }));
  STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
  b.node.frozen = true;
  b.version = 7;
  STUB_ASSERT_OK(t->PutNode("acme", b));
  STUB_ASSERT_OK_AND_ASSIGN(auto got, t->GetNodes("acme", {"b", "nope", "acme", "a", "b"}));
  ASSERT_EQ(got.size(), 5u);
  EXPECT_EQ(got[0], b);
  EXPECT_FALSE(got[1].has_value());
  EXPECT_EQ(got[2], root);
  EXPECT_EQ(got[3], a);
  EXPECT_EQ(got[4], b);
  STUB_ASSERT_OK_AND_ASSIGN(auto beta, t->GetNodes("beta", {"a", "acme"}));
  ASSERT_EQ(beta.size(), 2u);
  EXPECT_EQ(beta[0], beta_a);
  EXPECT_FALSE(beta[1].has_value());
  STUB_ASSERT_OK_AND_ASSIGN(auto none, t->GetNodes("acme", {}));
  EXPECT_TRUE(none.empty());
  t->Rollback();
}

// What a group-committed batch writes: hundreds of entries, idempotency
// records and denials in one transaction (the SQL stores send each table's
// rows as one multi-row statement), read back exactly; the batch's keys are
// read in one GetIdempotencies call, in the order asked, absent ones empty.
TEST_P(StoreContractTest, ABatchOfRowsInOneTransactionRoundTrips) {
  constexpr std::uint64_t kRows = 300;
  std::vector<IdempotencyRecord> records;
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    for (std::uint64_t seq = 1; seq <= kRows; ++seq) {
      STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", seq, static_cast<Micros>(seq))));
      IdempotencyRecord r =
          MakeIdempotency("acme", "key-" + std::to_string(seq), "fp-" + std::to_string(seq * 7));
      r.outcome.entry_seq = seq;
      if (seq % 3 == 0) {
        r.outcome.status = OutcomeStatus::kDenied;
        r.outcome.denial = MakeDenial("acme", "d", kT0).denial;
      }
      records.push_back(r);
      STUB_RETURN_IF_ERROR(t.PutIdempotency(std::move(r)));
    }
    DenialRecord bare = MakeDenial("acme", "d-2", kT0 + 2);
    bare.denial.node.clear();
    bare.session = "s\"quoted'";
    STUB_RETURN_IF_ERROR(t.InsertDenial(bare));
    return t.InsertDenial(MakeDenial("acme", "d-1", kT0 + 1));
  }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto entries, r.ListEntries("acme", 0, 1'000));
    ASSERT_EQ(entries.size(), kRows);
    for (const Entry& e : entries)
      EXPECT_EQ(e, MakeEntry("acme", e.seq, static_cast<Micros>(e.seq)));
    STUB_ASSERT_OK_AND_ASSIGN(
        auto got, r.GetIdempotencies("acme", {"key-300", "nope", "key-1", "key-150", "key-1"}));
    ASSERT_EQ(got.size(), 5u);
    ASSERT_TRUE(got[0] && got[2] && got[3] && got[4]);
    EXPECT_FALSE(got[1].has_value());
    EXPECT_EQ(*got[0], records[299]);
    EXPECT_EQ(*got[2], records[0]);
    EXPECT_EQ(*got[3], records[149]);
    EXPECT_EQ(*got[4], records[0]);
    STUB_ASSERT_OK_AND_ASSIGN(auto none, r.GetIdempotencies("beta", {"key-1"}));
    ASSERT_EQ(none.size(), 1u);
    EXPECT_FALSE(none[0].has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto denials, r.ListDenials("acme", 10));
    ASSERT_EQ(denials.size(), 2u);
    EXPECT_EQ(denials[0], MakeDenial("acme", "d-1", kT0 + 1));
    EXPECT_EQ(denials[1].session, "s\"quoted'");
    EXPECT_EQ(denials[1].denial.node, "");
  });
  // One duplicate among many rows fails the whole transaction.
  Status dup = Apply([&](Transaction& t) {
    for (std::uint64_t seq = kRows + 1; seq <= kRows + 50; ++seq) {
      STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", seq)));
      STUB_RETURN_IF_ERROR(t.PutIdempotency(MakeIdempotency("acme", "new-" + std::to_string(seq))));
    }
    return t.PutIdempotency(MakeIdempotency("acme", "key-42"));
  });
  EXPECT_EQ(dup.code(), StatusCode::kConflict) << dup.ToString();
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto entries, r.ListEntries("acme", 0, 1'000));
    EXPECT_EQ(entries.size(), kRows);
    STUB_ASSERT_OK_AND_ASSIGN(auto fresh, r.GetIdempotencies("acme", {"new-301"}));
    EXPECT_FALSE(fresh[0].has_value());
  });
}

// Rows past the SQL stores' streaming threshold are on their way to the
// database before Commit: the transaction still reads its own writes, a
// rollback leaves nothing behind and the store stays usable, and a duplicate
// in an early, already-sent part fails the transaction with a conflict.
TEST_P(StoreContractTest, ManyRowsAreReadBackRolledBackAndFailTogether) {
  constexpr std::uint64_t kRows = 700;
  {
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    for (std::uint64_t seq = 1; seq <= kRows; ++seq) {
      STUB_ASSERT_OK(t->AppendEntry(MakeEntry("acme", seq)));
      STUB_ASSERT_OK(t->PutIdempotency(MakeIdempotency("acme", "k-" + std::to_string(seq))));
    }
    STUB_ASSERT_OK_AND_ASSIGN(auto own, t->ListEntries("acme", 0, 10'000));
    EXPECT_EQ(own.size(), kRows);
    STUB_ASSERT_OK_AND_ASSIGN(auto key, t->GetIdempotency("acme", "k-1"));
    EXPECT_TRUE(key.has_value());
    // More rows after the read, then abandon it all.
    for (std::uint64_t seq = kRows + 1; seq <= kRows + 300; ++seq) {
      STUB_ASSERT_OK(t->AppendEntry(MakeEntry("acme", seq)));
    }
    t->Rollback();
  }
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto entries, r.ListEntries("acme", 0, 10'000));
    EXPECT_TRUE(entries.empty());
  });
  Status dup = Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutIdempotency(MakeIdempotency("acme", "twice")));
    STUB_RETURN_IF_ERROR(t.PutIdempotency(MakeIdempotency("acme", "twice")));
    for (std::uint64_t seq = 1; seq <= kRows; ++seq) {
      STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", seq)));
      STUB_RETURN_IF_ERROR(t.PutIdempotency(MakeIdempotency("acme", "k-" + std::to_string(seq))));
    }
    return Status::Ok();
  });
  EXPECT_EQ(dup.code(), StatusCode::kConflict) << dup.ToString();
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    for (std::uint64_t seq = 1; seq <= kRows; ++seq) {
      STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", seq)));
    }
    return Status::Ok();
  }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto entries, r.ListEntries("acme", 0, 10'000));
    EXPECT_EQ(entries.size(), kRows);
    STUB_ASSERT_OK_AND_ASSIGN(auto twice, r.GetIdempotency("acme", "twice"));
    EXPECT_FALSE(twice.has_value());
  });
}

TEST_P(StoreContractTest, ConcurrentAppendOfTheSameSeqConflicts) {
  STUB_ASSERT_OK_AND_ASSIGN(auto t1, store().Begin());
  std::unique_ptr<Transaction> t2;
  if (concurrent_writers()) {
    STUB_ASSERT_OK_AND_ASSIGN(t2, store().Begin());
    STUB_ASSERT_OK_AND_ASSIGN(auto l2, t2->ListEntries("acme", 0, 10));
    EXPECT_TRUE(l2.empty());
  }
  STUB_ASSERT_OK_AND_ASSIGN(auto l1, t1->ListEntries("acme", 0, 10));
  EXPECT_TRUE(l1.empty());
  STUB_ASSERT_OK(t1->AppendEntry(MakeEntry("acme", 1, 100)));
  STUB_ASSERT_OK(t1->Commit());
  if (!concurrent_writers()) {
    // Serial: T2 begins after T1; appending the same seq still conflicts.
    STUB_ASSERT_OK_AND_ASSIGN(t2, store().Begin());
  }
  Status second = [&]() -> Status {
    STUB_RETURN_IF_ERROR(t2->AppendEntry(MakeEntry("acme", 1, 200)));
    return t2->Commit();
  }();
  EXPECT_EQ(second.code(), StatusCode::kConflict) << second.ToString();
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto entries, r.ListEntries("acme", 0, 10));
    ASSERT_EQ(entries.size(), 1u);
    EXPECT_EQ(entries[0].amount, 100);
  });
}

TEST_P(StoreContractTest, RollbackLeavesNothing) {
  auto write_everything = [](Transaction& t) {
    STUB_EXPECT_OK(t.PutOrg(MakeOrg("acme")));
    STUB_EXPECT_OK(t.PutNode("acme", MakeNode("a")));
    STUB_EXPECT_OK(t.AppendEntry(MakeEntry("acme", 1)));
    STUB_EXPECT_OK(t.PutIdempotency(MakeIdempotency("acme", "k")));
    STUB_EXPECT_OK(t.PutHold(MakeHold("acme", "h", kT0 + 1)));
    STUB_EXPECT_OK(t.InsertDenial(MakeDenial("acme", "d", kT0)));
  };
  {
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    write_everything(*t);
    t->Rollback();
    t->Rollback();  // idempotent
    EXPECT_FALSE(t->GetOrg("acme").ok());
    EXPECT_FALSE(t->PutOrg(MakeOrg("acme")).ok());
    EXPECT_FALSE(t->Commit().ok());
  }
  {
    // Destroyed without Commit: rolled back.
    STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
    write_everything(*t);
  }
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto orgs, r.ListOrgs());
    EXPECT_TRUE(orgs.empty());
    STUB_ASSERT_OK_AND_ASSIGN(auto org, r.GetOrg("acme"));
    EXPECT_FALSE(org.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto nodes, r.ListNodes("acme"));
    EXPECT_TRUE(nodes.empty());
    STUB_ASSERT_OK_AND_ASSIGN(auto entries, r.ListEntries("acme", 0, 10));
    EXPECT_TRUE(entries.empty());
    STUB_ASSERT_OK_AND_ASSIGN(auto idem, r.GetIdempotency("acme", "k"));
    EXPECT_FALSE(idem.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto hold, r.GetHold("acme", "h"));
    EXPECT_FALSE(hold.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto next, r.NextHoldExpiry("acme"));
    EXPECT_FALSE(next.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto denials, r.ListDenials("acme", 10));
    EXPECT_TRUE(denials.empty());
  });
  // The same keys are still free.
  STUB_EXPECT_OK(Apply([&](Transaction& t) {
    write_everything(t);
    return Status::Ok();
  }));
}

TEST_P(StoreContractTest, FinishedTransactionRefusesCalls) {
  STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
  STUB_ASSERT_OK(t->PutOrg(MakeOrg("acme")));
  STUB_ASSERT_OK(t->Commit());
  EXPECT_FALSE(t->GetOrg("acme").ok());
  EXPECT_FALSE(t->ListNodes("acme").ok());
  EXPECT_FALSE(t->PutNode("acme", MakeNode("a")).ok());
  EXPECT_FALSE(t->Commit().ok());
  t->Rollback();  // harmless
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto nodes, r.ListNodes("acme"));
    EXPECT_TRUE(nodes.empty());
  });
}

TEST_P(StoreContractTest, ListEntriesPagesInSeqOrderWithinOneOrg) {
  // 25 entries of "acme" over three transactions, interleaved with entries of
  // orgs whose ids sort next to it.
  for (std::uint64_t batch = 0; batch < 3; ++batch) {
    STUB_ASSERT_OK(Apply([&](Transaction& t) {
      for (std::uint64_t seq = batch * 10 + 1; seq <= std::min<std::uint64_t>(25, batch * 10 + 10);
           ++seq) {
        STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme", seq)));
      }
      STUB_RETURN_IF_ERROR(t.AppendEntry(MakeEntry("acme2", batch + 1)));
      return t.AppendEntry(MakeEntry("acm", batch + 1));
    }));
  }
  auto seq_range = [](std::uint64_t from, std::uint64_t to) {
    std::vector<std::uint64_t> v;
    for (std::uint64_t s = from; s <= to; ++s) v.push_back(s);
    return v;
  };
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto p1, r.ListEntries("acme", 0, 10));
    EXPECT_EQ(Seqs(p1), seq_range(1, 10));
    STUB_ASSERT_OK_AND_ASSIGN(auto p2, r.ListEntries("acme", 10, 10));
    EXPECT_EQ(Seqs(p2), seq_range(11, 20));
    STUB_ASSERT_OK_AND_ASSIGN(auto p3, r.ListEntries("acme", 20, 10));
    EXPECT_EQ(Seqs(p3), seq_range(21, 25));
    STUB_ASSERT_OK_AND_ASSIGN(auto p4, r.ListEntries("acme", 25, 10));
    EXPECT_TRUE(p4.empty());
    STUB_ASSERT_OK_AND_ASSIGN(auto mid, r.ListEntries("acme", 7, 3));
    EXPECT_EQ(Seqs(mid), seq_range(8, 10));
    STUB_ASSERT_OK_AND_ASSIGN(auto all, r.ListEntries("acme", 0, 1'000));
    EXPECT_EQ(Seqs(all), seq_range(1, 25));
    for (const auto& e : all) EXPECT_EQ(e, MakeEntry("acme", e.seq));
    STUB_ASSERT_OK_AND_ASSIGN(auto other, r.ListEntries("acme2", 0, 1'000));
    EXPECT_EQ(Seqs(other), seq_range(1, 3));
    STUB_ASSERT_OK_AND_ASSIGN(auto none, r.ListEntries("nobody", 0, 10));
    EXPECT_TRUE(none.empty());
  });
  // Own appends page together with committed ones.
  STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
  STUB_ASSERT_OK(t->AppendEntry(MakeEntry("acme", 26)));
  STUB_ASSERT_OK(t->AppendEntry(MakeEntry("acme", 27)));
  STUB_ASSERT_OK_AND_ASSIGN(auto tail, t->ListEntries("acme", 23, 3));
  EXPECT_EQ(Seqs(tail), seq_range(24, 26));
  STUB_ASSERT_OK_AND_ASSIGN(auto rest, t->ListEntries("acme", 26, 10));
  EXPECT_EQ(Seqs(rest), seq_range(27, 27));
}

TEST_P(StoreContractTest, ListNodesIsOrderedByIdWithinOneOrg) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    for (const char* id : {"m", "b", "z"}) STUB_RETURN_IF_ERROR(t.PutNode("acme", MakeNode(id)));
    STUB_RETURN_IF_ERROR(t.PutNode("acme2", MakeNode("c")));
    return t.PutNode("acm", MakeNode("d"));
  }));
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    for (const char* id : {"k", "a", "agent-10", "agent-9"}) {
      STUB_RETURN_IF_ERROR(t.PutNode("acme", MakeNode(id)));
    }
    return Status::Ok();
  }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto nodes, r.ListNodes("acme"));
    EXPECT_EQ(NodeIds(nodes),
              (std::vector<std::string>{"a", "agent-10", "agent-9", "b", "k", "m", "z"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto other, r.ListNodes("acme2"));
    EXPECT_EQ(NodeIds(other), std::vector<std::string>{"c"});
  });
  // Own writes merge into the order; a rewritten node shows its new value.
  STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
  NodeRow k = MakeNode("k");
  k.version = 5;
  STUB_ASSERT_OK(t->PutNode("acme", k));
  STUB_ASSERT_OK(t->PutNode("acme", MakeNode("c")));
  STUB_ASSERT_OK(t->PutNode("acme", MakeNode("zz")));
  STUB_ASSERT_OK_AND_ASSIGN(auto nodes, t->ListNodes("acme"));
  EXPECT_EQ(NodeIds(nodes),
            (std::vector<std::string>{"a", "agent-10", "agent-9", "b", "c", "k", "m", "z", "zz"}));
  EXPECT_EQ(nodes[5], k);
}

TEST_P(StoreContractTest, DueHoldsFollowStatusChangesAndTheSnapshot) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h1", kT0 + 300)));
    STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h2", kT0 + 100)));
    STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h3", kT0 + 200)));
    STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h4", kT0 + 100)));
    STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h5", kT0 + 50, HoldStatus::kCaptured)));
    return t.PutHold(MakeHold("acme2", "h0", kT0 + 10));
  }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto due, r.ListDueHolds("acme", kT0 + 150, 10));
    EXPECT_EQ(HoldIds(due), (std::vector<std::string>{"h2", "h4"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto due200, r.ListDueHolds("acme", kT0 + 200, 10));
    EXPECT_EQ(HoldIds(due200), (std::vector<std::string>{"h2", "h4", "h3"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto limited, r.ListDueHolds("acme", kT0 + 1'000, 2));
    EXPECT_EQ(HoldIds(limited), (std::vector<std::string>{"h2", "h4"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto none, r.ListDueHolds("acme", kT0 + 99, 10));
    EXPECT_TRUE(none.empty());
    STUB_ASSERT_OK_AND_ASSIGN(auto next, r.NextHoldExpiry("acme"));
    EXPECT_EQ(next, kT0 + 100);
    STUB_ASSERT_OK_AND_ASSIGN(auto next_other, r.NextHoldExpiry("acme2"));
    EXPECT_EQ(next_other, kT0 + 10);
    STUB_ASSERT_OK_AND_ASSIGN(auto h2, r.GetHold("acme", "h2"));
    ASSERT_TRUE(h2.has_value());
    EXPECT_EQ(*h2, due[0]);
  });

  STUB_ASSERT_OK_AND_ASSIGN(auto old_reader, store().Begin({.read_only = true}));
  STUB_ASSERT_OK_AND_ASSIGN(auto old_next, old_reader->NextHoldExpiry("acme"));
  EXPECT_EQ(old_next, kT0 + 100);

  // h2 captured, h4 voided, h3 extended past h1.
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h2", kT0 + 100, HoldStatus::kCaptured)));
    STUB_RETURN_IF_ERROR(t.PutHold(MakeHold("acme", "h4", kT0 + 100, HoldStatus::kVoided)));
    return t.PutHold(MakeHold("acme", "h3", kT0 + 400));
  }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto due, r.ListDueHolds("acme", kT0 + 1'000, 10));
    EXPECT_EQ(HoldIds(due), (std::vector<std::string>{"h1", "h3"}));
    EXPECT_EQ(due[1].expires_at, kT0 + 400);
    STUB_ASSERT_OK_AND_ASSIGN(auto next, r.NextHoldExpiry("acme"));
    EXPECT_EQ(next, kT0 + 300);
  });
  // The old snapshot is unchanged.
  STUB_ASSERT_OK_AND_ASSIGN(auto old_due, old_reader->ListDueHolds("acme", kT0 + 150, 10));
  EXPECT_EQ(HoldIds(old_due), (std::vector<std::string>{"h2", "h4"}));
  STUB_ASSERT_OK_AND_ASSIGN(auto old_next2, old_reader->NextHoldExpiry("acme"));
  EXPECT_EQ(old_next2, kT0 + 100);
  STUB_EXPECT_OK(old_reader->Commit());

  // Own writes count inside the transaction.
  STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
  STUB_ASSERT_OK(t->PutHold(MakeHold("acme", "h6", kT0 + 10)));
  STUB_ASSERT_OK(t->PutHold(MakeHold("acme", "h1", kT0 + 300, HoldStatus::kExpired)));
  STUB_ASSERT_OK_AND_ASSIGN(auto next, t->NextHoldExpiry("acme"));
  EXPECT_EQ(next, kT0 + 10);
  STUB_ASSERT_OK_AND_ASSIGN(auto due, t->ListDueHolds("acme", kT0 + 1'000, 10));
  EXPECT_EQ(HoldIds(due), (std::vector<std::string>{"h6", "h3"}));
  STUB_ASSERT_OK_AND_ASSIGN(auto due1, t->ListDueHolds("acme", kT0 + 1'000, 1));
  EXPECT_EQ(HoldIds(due1), std::vector<std::string>{"h6"});
  STUB_ASSERT_OK(t->PutHold(MakeHold("acme", "h6", kT0 + 10, HoldStatus::kVoided)));
  STUB_ASSERT_OK(t->PutHold(MakeHold("acme", "h3", kT0 + 400, HoldStatus::kExpired)));
  STUB_ASSERT_OK_AND_ASSIGN(auto none, t->NextHoldExpiry("acme"));
  EXPECT_FALSE(none.has_value());
  STUB_ASSERT_OK(t->Commit());
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto n, r.NextHoldExpiry("acme"));
    EXPECT_FALSE(n.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto d, r.ListDueHolds("acme", kT0 + 1'000, 10));
    EXPECT_TRUE(d.empty());
    STUB_ASSERT_OK_AND_ASSIGN(auto h6, r.GetHold("acme", "h6"));
    ASSERT_TRUE(h6.has_value());
    EXPECT_EQ(h6->status, HoldStatus::kVoided);
  });
}

TEST_P(StoreContractTest, DenialsDoNotConflict) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  auto spend_body = [](Transaction& spend) {
    // A spend updates the hot org row meanwhile.
    STUB_ASSERT_OK_AND_ASSIGN(auto org, spend.GetOrg("acme"));
    ASSERT_TRUE(org.has_value());
    org->head_seq = 1;
    STUB_ASSERT_OK(spend.PutOrg(*org));
  };
  auto t1_body = [](Transaction& t1) {
    STUB_ASSERT_OK(t1.InsertDenial(MakeDenial("acme", "d-b", kT0 + 5)));
  };
  auto t2_body = [](Transaction& t2) {
    STUB_ASSERT_OK(t2.InsertDenial(MakeDenial("acme", "d-a", kT0 + 5)));
    STUB_ASSERT_OK(t2.InsertDenial(MakeDenial("acme", "d-c", kT0 + 1)));
  };
  if (concurrent_writers()) {
    STUB_ASSERT_OK_AND_ASSIGN(auto t1, store().Begin());
    STUB_ASSERT_OK_AND_ASSIGN(auto t2, store().Begin());
    STUB_ASSERT_OK_AND_ASSIGN(auto spend, store().Begin());
    spend_body(*spend);
    t1_body(*t1);
    t2_body(*t2);
    STUB_ASSERT_OK(spend->Commit());
    STUB_EXPECT_OK(t1->Commit());
    STUB_EXPECT_OK(t2->Commit());
  } else {
    // Serial: the same writes, one transaction after the other.
    for (const auto& body :
         {std::function<void(Transaction&)>(spend_body), std::function<void(Transaction&)>(t1_body),
          std::function<void(Transaction&)>(t2_body)}) {
      STUB_ASSERT_OK_AND_ASSIGN(auto t, store().Begin());
      body(*t);
      STUB_EXPECT_OK(t->Commit());
    }
  }
  if (HasFatalFailure()) return;
  STUB_EXPECT_OK(
      Apply([&](Transaction& t) { return t.InsertDenial(MakeDenial("acme2", "d-z", kT0)); }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto all, r.ListDenials("acme", 10));
    EXPECT_EQ(DenialIds(all), (std::vector<std::string>{"d-c", "d-a", "d-b"}));
    EXPECT_EQ(all[1], MakeDenial("acme", "d-a", kT0 + 5));
    STUB_ASSERT_OK_AND_ASSIGN(auto two, r.ListDenials("acme", 2));
    EXPECT_EQ(DenialIds(two), (std::vector<std::string>{"d-c", "d-a"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto other, r.ListDenials("acme2", 10));
    EXPECT_EQ(DenialIds(other), std::vector<std::string>{"d-z"});
  });
}

TEST_P(StoreContractTest, DisjointRowsDoNotConflict) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutOrg(MakeOrg("acme")));
    STUB_RETURN_IF_ERROR(t.PutOrg(MakeOrg("beta")));
    STUB_RETURN_IF_ERROR(t.PutNode("acme", MakeNode("a")));
    return t.PutNode("acme", MakeNode("b"));
  }));
  // T1: node a, org acme, key k1, hold h1, entry acme/1.
  auto t1_body = [](Transaction& t1) {
    STUB_ASSERT_OK_AND_ASSIGN(auto a, t1.GetNode("acme", "a"));
    STUB_ASSERT_OK_AND_ASSIGN(auto acme, t1.GetOrg("acme"));
    ASSERT_TRUE(a.has_value() && acme.has_value());
    a->version = 1;
    acme->head_seq = 1;
    STUB_ASSERT_OK(t1.PutNode("acme", *a));
    STUB_ASSERT_OK(t1.PutOrg(*acme));
    STUB_ASSERT_OK(t1.PutIdempotency(MakeIdempotency("acme", "k1")));
    STUB_ASSERT_OK(t1.PutHold(MakeHold("acme", "h1", kT0 + 5)));
    STUB_ASSERT_OK(t1.AppendEntry(MakeEntry("acme", 1)));
  };
  // T2: node b, org beta, key k2, hold h2, entry beta/1.
  auto t2_body = [](Transaction& t2) {
    STUB_ASSERT_OK_AND_ASSIGN(auto b, t2.GetNode("acme", "b"));
    STUB_ASSERT_OK_AND_ASSIGN(auto beta, t2.GetOrg("beta"));
    ASSERT_TRUE(b.has_value() && beta.has_value());
    b->version = 1;
    beta->head_seq = 1;
    STUB_ASSERT_OK(t2.PutNode("acme", *b));
    STUB_ASSERT_OK(t2.PutOrg(*beta));
    STUB_ASSERT_OK(t2.PutIdempotency(MakeIdempotency("acme", "k2")));
    STUB_ASSERT_OK(t2.PutHold(MakeHold("acme", "h2", kT0 + 6)));
    STUB_ASSERT_OK(t2.AppendEntry(MakeEntry("beta", 1)));
  };
  if (concurrent_writers()) {
    STUB_ASSERT_OK_AND_ASSIGN(auto t1, store().Begin());
    STUB_ASSERT_OK_AND_ASSIGN(auto t2, store().Begin());
    t1_body(*t1);
    t2_body(*t2);
    STUB_EXPECT_OK(t1->Commit());
    STUB_EXPECT_OK(t2->Commit());
  } else {
    // Serial: T1, then T2.
    STUB_ASSERT_OK_AND_ASSIGN(auto t1, store().Begin());
    t1_body(*t1);
    STUB_EXPECT_OK(t1->Commit());
    STUB_ASSERT_OK_AND_ASSIGN(auto t2, store().Begin());
    t2_body(*t2);
    STUB_EXPECT_OK(t2->Commit());
  }
  if (HasFatalFailure()) return;
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto nodes, r.ListNodes("acme"));
    ASSERT_EQ(nodes.size(), 2u);
    EXPECT_EQ(nodes[0].version, 1u);
    EXPECT_EQ(nodes[1].version, 1u);
    STUB_ASSERT_OK_AND_ASSIGN(auto due, r.ListDueHolds("acme", kT0 + 10, 10));
    EXPECT_EQ(HoldIds(due), (std::vector<std::string>{"h1", "h2"}));
  });
}

TEST_P(StoreContractTest, ReadOnlyTransactionReadsItsSnapshotAndCannotWrite) {
  NodeRow a = MakeNode("a");
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutOrg(MakeOrg("acme")));
    return t.PutNode("acme", a);
  }));
  STUB_ASSERT_OK_AND_ASSIGN(auto r, store().Begin({.read_only = true}));
  STUB_ASSERT_OK_AND_ASSIGN(auto before, r->GetNode("acme", "a"));
  EXPECT_EQ(before, a);
  NodeRow a2 = a;
  a2.version = 2;
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.PutNode("acme", a2); }));
  STUB_ASSERT_OK_AND_ASSIGN(auto after, r->GetNode("acme", "a"));
  EXPECT_EQ(after, a);  // still its snapshot
  // Commit cannot conflict, though a row it read changed.
  STUB_EXPECT_OK(r->Commit());

  STUB_ASSERT_OK_AND_ASSIGN(auto w, store().Begin({.read_only = true}));
  EXPECT_FALSE(w->PutNode("acme", MakeNode("b")).ok());
  w->Rollback();
  Read([&](Transaction& check) {
    STUB_ASSERT_OK_AND_ASSIGN(auto b, check.GetNode("acme", "b"));
    EXPECT_FALSE(b.has_value());
  });
}

// Eight threads increment one counter (the org row's head_seq), retrying on
// conflict: the final value equals the number of successful commits.
TEST_P(StoreContractTest, ConcurrentIncrementsLoseNoUpdate) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) { return t.PutOrg(MakeOrg("acme")); }));
  constexpr int kThreads = 8;
  constexpr int kIncrementsPerThread = 50;
  std::atomic<int> commits{0};
  std::atomic<int> conflicts{0};
  std::atomic<int> errors{0};
  std::latch start(kThreads);
  std::vector<std::thread> threads;
  for (int i = 0; i < kThreads; ++i) {
    threads.emplace_back([&] {
      start.arrive_and_wait();
      for (int done = 0; done < kIncrementsPerThread;) {
        Status s = [&]() -> Status {
          STUB_ASSIGN_OR_RETURN(auto txn, store().Begin());
          STUB_ASSIGN_OR_RETURN(auto org, txn->GetOrg("acme"));
          if (!org) return Internal("org vanished");
          ++org->head_seq;
          STUB_RETURN_IF_ERROR(txn->PutOrg(*org));
          return txn->Commit();
        }();
        if (s.ok()) {
          ++done;
          ++commits;
        } else if (s.code() == StatusCode::kConflict) {
          ++conflicts;
        } else {
          ADD_FAILURE() << s.ToString();
          ++errors;
          return;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(errors.load(), 0);
  EXPECT_EQ(commits.load(), kThreads * kIncrementsPerThread);
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto org, r.GetOrg("acme"));
    ASSERT_TRUE(org.has_value());
    EXPECT_EQ(org->head_seq, static_cast<std::uint64_t>(commits.load()));
  });
}

}  // namespace
}  // namespace stub::store_testing
