#include "core/verify.h"

#include <gmock/gmock.h>
#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>
#include <string>
#include <tuple>
#include <vector>

#include "core/canonical_json.h"
#include "core/time_util.h"
#include "core_test_values.h"

namespace stub {
namespace {

using ::testing::UnorderedElementsAreArray;

using core_testing::kUnit;

// (code, seq, node) of a problem, for exact comparisons.
using Key = std::tuple<std::string, std::uint64_t, std::string>;

std::vector<Key> Keys(const VerifyReport& r) {
  std::vector<Key> out;
  for (const Problem& p : r.problems) out.emplace_back(p.code, p.seq, p.node);
  return out;
}

using core_testing::I;

// A valid org: acme → marketing → bot (plus an idle agent), a journal of six
// entries built with BuildLines + SealEntry, and node rows built with
// ApplyDelta exactly as the engine would.
class VerifierTest : public ::testing::Test {
 protected:
  void SetUp() override {
    AddNode("acme", NodeKind::kOrg, "");
    AddNode("marketing", NodeKind::kTeam, "acme");
    AddNode("bot", NodeKind::kAgent, "marketing");
    AddNode("idle", NodeKind::kAgent, "marketing");

    const Timestamp t = MakeTimestamp(2026, 11, 28, 10);
    const Timestamp minute = 60 * kMicrosPerSecond;
    Append(EntryKind::kSpend, t, t, "sp_1", "", kUnit, 0, "");
    Append(EntryKind::kHold, t + minute, t + minute, "hd_1", "", 2 * kUnit, 0, "");
    Append(EntryKind::kCapture, t + 2 * minute, t + minute, "sp_2", "hd_1", 1'500'000, 2 * kUnit,
           R"({"b":1,"a":{"tx":"0xabc"}})");
    Append(EntryKind::kHold, t + 3 * minute, t + 3 * minute, "hd_2", "", 500'000, 0, "");
    Append(EntryKind::kVoid, t + 4 * minute, t + 3 * minute, "hd_2", "", 0, 500'000, "");
    // Next month (and next ISO week): the day, week and month buckets roll.
    const Timestamp dec = MakeTimestamp(2026, 12, 1, 0, 0, 1);
    Append(EntryKind::kSpend, dec, dec, "sp_3", "", 250'000, 0, R"({"x402":true})");
  }

  void AddNode(const std::string& id, NodeKind kind, const std::string& parent) {
    NodeRow row;
    row.node.id = id;
    row.node.kind = kind;
    row.node.parent = parent;
    rows_[id] = row;
  }

  void Append(EntryKind kind, Timestamp created_at, Timestamp budget_at, std::string ref,
              std::string hold, Micros amount, Micros released, std::string receipt) {
    Entry e;
    e.org = "acme";
    e.seq = entries_.size() + 1;
    e.kind = kind;
    e.created_at = created_at;
    e.budget_at = budget_at;
    e.ref = std::move(ref);
    e.hold = std::move(hold);
    e.agent = "bot";
    e.path = {"bot", "marketing", "acme"};
    e.vendor = "api.dataco.com";
    e.category = "data";
    e.session = "s1";
    e.amount = amount;
    e.released = released;
    if (!receipt.empty()) {
      Result<std::string> canonical = CanonicalizeReceipt(receipt);
      ASSERT_TRUE(canonical.ok());
      e.receipt = *canonical;
    }
    e.receipt_hash = ReceiptHash(e.receipt);
    ASSERT_TRUE(BuildLines(e).ok());
    SealEntry(e, entries_.empty() ? kGenesisHash : entries_.back().hash);
    Charge(rows_, e);
    entries_.push_back(std::move(e));
  }

  // Applies an entry's budget effect to the rows of its path, as the engine does.
  static void Charge(std::map<std::string, NodeRow>& rows, const Entry& e) {
    Micros spent = 0, held = 0;
    switch (e.kind) {
      case EntryKind::kSpend:
        spent = e.amount;
        break;
      case EntryKind::kHold:
        held = e.amount;
        break;
      case EntryKind::kCapture:
        spent = e.amount;
        held = -e.released;
        break;
      case EntryKind::kVoid:
      case EntryKind::kExpire:
        held = -e.released;
        break;
      case EntryKind::kConfig:
        break;
    }
    for (const std::string& id : e.path) {
      ASSERT_TRUE(ApplyDelta(rows[id].balances, e.budget_at, spent, held).ok());
    }
  }

  std::vector<NodeRow> Rows() const {
    std::vector<NodeRow> out;
    for (const auto& [id, row] : rows_) out.push_back(row);
    return out;
  }

  VerifyReport Run(const std::vector<Entry>& entries) {
    return Run(entries, entries.empty() ? 0 : entries_.back().seq,
               entries.empty() ? kGenesisHash : entries_.back().hash);
  }

  VerifyReport Run(const std::vector<Entry>& entries, std::uint64_t head_seq,
                   const std::string& head_hash) {
    Verifier v("acme", Rows(), head_seq, head_hash);
    for (const Entry& e : entries) v.Add(e);
    return v.Finish();
  }

  // balance_mismatch for the three charged nodes in the given periods.
  static std::vector<Key> BalanceMismatches(std::initializer_list<Period> periods) {
    std::vector<Key> out;
    for (const char* node : {"acme", "bot", "marketing"}) {
      for (std::size_t k = 0; k < periods.size(); ++k)
        out.emplace_back("balance_mismatch", 0, node);
    }
    return out;
  }

  std::map<std::string, NodeRow> rows_;
  std::vector<Entry> entries_;
};

TEST_F(VerifierTest, FixtureIsWhatWeThinkItIs) {
  const NodeBalances& bot = rows_["bot"].balances;
  EXPECT_EQ(bot[I(Period::kMonth)], (BucketBalance{MakeTimestamp(2026, 12, 1), 250'000, 0}));
  EXPECT_EQ(bot[I(Period::kWeek)], (BucketBalance{MakeTimestamp(2026, 11, 30), 250'000, 0}));
  EXPECT_EQ(bot[I(Period::kQuarter)], (BucketBalance{MakeTimestamp(2026, 10, 1), 2'750'000, 0}));
  EXPECT_EQ(bot[I(Period::kTotal)], (BucketBalance{0, 2'750'000, 0}));
  for (const BucketBalance& b : rows_["idle"].balances) EXPECT_EQ(b, BucketBalance{});
  EXPECT_EQ(entries_.size(), 6u);
  EXPECT_EQ(entries_[2].lines.size(), 3u);
}

TEST_F(VerifierTest, UntouchedChainVerifies) {
  const VerifyReport r = Run(entries_);
  EXPECT_TRUE(r.ok);
  EXPECT_THAT(Keys(r), ::testing::IsEmpty());
  EXPECT_EQ(r.entries, 6u);
  EXPECT_EQ(r.head, entries_.back().hash);
  EXPECT_EQ(r.problems_omitted, 0u);
}

TEST_F(VerifierTest, EmptyJournal) {
  rows_.clear();
  AddNode("acme", NodeKind::kOrg, "");
  VerifyReport r = Run({}, 0, kGenesisHash);
  EXPECT_TRUE(r.ok);
  EXPECT_EQ(r.entries, 0u);
  EXPECT_EQ(r.head, kGenesisHash);
  r = Run({}, 1, kGenesisHash);
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(Keys(r), (std::vector<Key>{{"head_mismatch", 0, ""}}));
  r = Run({}, 0, entries_[0].hash);
  EXPECT_EQ(Keys(r), (std::vector<Key>{{"head_mismatch", 0, ""}}));
}

TEST_F(VerifierTest, EditedLineAmount) {
  std::vector<Entry> entries = entries_;
  entries[2].lines[0].amount += 1;
  const VerifyReport r = Run(entries);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Keys(r),
              UnorderedElementsAreArray(std::vector<Key>{
                  {"hash_mismatch", 3, ""}, {"unbalanced", 3, ""}, {"lines_disagree", 3, ""}}));
}

TEST_F(VerifierTest, EditedEntryAmount) {
  std::vector<Entry> entries = entries_;
  entries[0].amount = 1'100'000;  // the first spend, in November
  const VerifyReport r = Run(entries);
  EXPECT_FALSE(r.ok);
  std::vector<Key> want = {{"hash_mismatch", 1, ""}, {"lines_disagree", 1, ""}};
  // November is closed history for the day/week/month rows, so only the
  // quarter, year and total buckets disagree, on every charged node.
  for (const Key& k : BalanceMismatches({Period::kQuarter, Period::kYear, Period::kTotal})) {
    want.push_back(k);
  }
  EXPECT_THAT(Keys(r), UnorderedElementsAreArray(want));
  const auto it = std::find_if(r.problems.begin(), r.problems.end(), [](const Problem& p) {
    return p.code == "balance_mismatch" && p.node == "bot";
  });
  ASSERT_NE(it, r.problems.end());
  EXPECT_EQ(it->message,
            "node bot quarter 2026-Q4: stored spent 2.75 held 0, journal spent 2.85 held 0");
}

TEST_F(VerifierTest, EditedAmountWithConsistentLines) {
  // An attacker who rewrites amount and lines together still breaks the hash.
  std::vector<Entry> entries = entries_;
  entries[5].amount = 100'000;
  ASSERT_TRUE(BuildLines(entries[5]).ok());
  const VerifyReport r = Run(entries);
  std::vector<Key> want = {{"hash_mismatch", 6, ""}};
  for (const Key& k : BalanceMismatches(
           std::initializer_list<Period>({Period::kDay, Period::kWeek, Period::kMonth,
                                          Period::kQuarter, Period::kYear, Period::kTotal}))) {
    want.push_back(k);
  }
  EXPECT_THAT(Keys(r), UnorderedElementsAreArray(want));
}

TEST_F(VerifierTest, ResealedHistoryIsCaughtByTheHead) {
  // Rewriting an entry and re-sealing every later one yields a self-consistent
  // chain, but not the head recorded on the org row (nor the balances).
  std::vector<Entry> entries = entries_;
  entries[3].amount = 400'000;
  ASSERT_TRUE(BuildLines(entries[3]).ok());
  for (std::size_t i = 3; i < entries.size(); ++i) SealEntry(entries[i], entries[i - 1].hash);
  const VerifyReport r = Run(entries, entries_.back().seq, entries_.back().hash);
  EXPECT_FALSE(r.ok);
  ASSERT_FALSE(r.problems.empty());
  EXPECT_EQ(Keys(r).front(), (Key{"head_mismatch", 0, ""}));
  EXPECT_EQ(r.head, entries.back().hash);
}

TEST_F(VerifierTest, DeletedMiddleEntry) {
  std::vector<Entry> entries = entries_;
  entries.erase(entries.begin() + 2);  // the capture, seq 3
  const VerifyReport r = Run(entries);
  EXPECT_FALSE(r.ok);
  std::vector<Key> want = {{"seq_gap", 4, ""}, {"prev_hash_mismatch", 4, ""}};
  for (const Key& k : BalanceMismatches({Period::kQuarter, Period::kYear, Period::kTotal})) {
    want.push_back(k);
  }
  EXPECT_THAT(Keys(r), UnorderedElementsAreArray(want));
  EXPECT_EQ(r.entries, 5u);
}

TEST_F(VerifierTest, DeletedLastEntry) {
  std::vector<Entry> entries = entries_;
  entries.pop_back();
  const VerifyReport r = Run(entries, entries_.back().seq, entries_.back().hash);
  EXPECT_FALSE(r.ok);
  std::vector<Key> want = {{"head_mismatch", 0, ""}};
  for (const Key& k : BalanceMismatches({Period::kDay, Period::kWeek, Period::kMonth,
                                         Period::kQuarter, Period::kYear, Period::kTotal})) {
    want.push_back(k);
  }
  EXPECT_THAT(Keys(r), UnorderedElementsAreArray(want));
  EXPECT_EQ(r.head, entries_[4].hash);
}

TEST_F(VerifierTest, SwappedEntries) {
  std::vector<Entry> entries = entries_;
  std::swap(entries[1], entries[2]);  // seq order 1, 3, 2, 4, 5, 6
  const VerifyReport r = Run(entries);
  EXPECT_FALSE(r.ok);
  EXPECT_THAT(Keys(r), UnorderedElementsAreArray(std::vector<Key>{
                           {"seq_gap", 3, ""},
                           {"prev_hash_mismatch", 3, ""},
                           {"seq_gap", 2, ""},
                           {"prev_hash_mismatch", 2, ""},
                           {"seq_gap", 4, ""},
                           {"prev_hash_mismatch", 4, ""},
                       }));
  EXPECT_EQ(r.problems[0].message, "expected seq 2, found 3");
}

TEST_F(VerifierTest, EditedReceiptByte) {
  // The receipt is outside the hashed encoding, so the entry's hash still
  // matches; its digest, inside the encoding, does not.
  std::vector<Entry> entries = entries_;
  ASSERT_EQ(entries[2].receipt, R"({"a":{"tx":"0xabc"},"b":1})");
  ASSERT_EQ(entries[2].receipt_hash, ReceiptHash(entries[2].receipt));
  entries[2].receipt[14] = 'd';  // 0xabc → 0xdbc
  const VerifyReport r = Run(entries);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(Keys(r), (std::vector<Key>{{"receipt_mismatch", 3, ""}}));
  EXPECT_EQ(r.problems[0].message,
            "the receipt hashes to " + ReceiptHash(entries[2].receipt).substr(0, 16) +
                "... but receipt_hash is " + entries_[2].receipt_hash.substr(0, 16) + "...");
}

TEST_F(VerifierTest, EditedReceiptHash) {
  std::vector<Entry> entries = entries_;
  entries[2].receipt_hash[0] = entries[2].receipt_hash[0] == '0' ? '1' : '0';
  const VerifyReport r = Run(entries);
  EXPECT_THAT(Keys(r), UnorderedElementsAreArray(std::vector<Key>{{"hash_mismatch", 3, ""},
                                                                  {"receipt_mismatch", 3, ""}}));
}

TEST_F(VerifierTest, ReceiptAndReceiptHashEditedTogether) {
  // A forger who rewrites the receipt and its digest consistently still
  // changes the hashed bytes.
  std::vector<Entry> entries = entries_;
  entries[2].receipt = R"({"a":{"tx":"0xdbc"},"b":1})";
  entries[2].receipt_hash = ReceiptHash(entries[2].receipt);
  VerifyReport r = Run(entries);
  EXPECT_EQ(Keys(r), (std::vector<Key>{{"hash_mismatch", 3, ""}}));
  // Likewise for removing a receipt altogether.
  entries = entries_;
  entries[5].receipt.clear();
  entries[5].receipt_hash.clear();
  r = Run(entries);
  EXPECT_EQ(Keys(r), (std::vector<Key>{{"hash_mismatch", 6, ""}}));
}

TEST_F(VerifierTest, AddedOrRemovedReceipt) {
  std::vector<Entry> entries = entries_;
  ASSERT_TRUE(entries[0].receipt.empty());
  ASSERT_TRUE(entries[0].receipt_hash.empty());
  entries[0].receipt = R"({"forged":true})";  // a receipt where there was none
  entries[5].receipt.clear();                 // a receipt dropped
  const VerifyReport r = Run(entries);
  ASSERT_EQ(Keys(r), (std::vector<Key>{{"receipt_mismatch", 1, ""}, {"receipt_mismatch", 6, ""}}));
  EXPECT_NE(r.problems[0].message.find("but receipt_hash is (none)"), std::string::npos)
      << r.problems[0].message;
  EXPECT_NE(r.problems[1].message.find("the receipt hashes to (none) but"), std::string::npos)
      << r.problems[1].message;
}

TEST_F(VerifierTest, EditedSeqAndPrevHash) {
  std::vector<Entry> entries = entries_;
  entries[3].prev_hash = entries[1].hash;
  const VerifyReport r = Run(entries);
  EXPECT_THAT(Keys(r), UnorderedElementsAreArray(std::vector<Key>{{"prev_hash_mismatch", 4, ""},
                                                                  {"hash_mismatch", 4, ""}}));
}

TEST_F(VerifierTest, TamperedBalanceRow) {
  rows_["marketing"].balances[I(Period::kMonth)].spent += 1;
  const VerifyReport r = Run(entries_);
  EXPECT_FALSE(r.ok);
  ASSERT_EQ(Keys(r), (std::vector<Key>{{"balance_mismatch", 0, "marketing"}}));
  EXPECT_EQ(
      r.problems[0].message,
      "node marketing month 2026-12: stored spent 0.250001 held 0, journal spent 0.25 held 0");
}

TEST_F(VerifierTest, FiguresInAnUnusedBucketAreAMismatch) {
  rows_["idle"].balances[I(Period::kDay)].held = 5;
  const VerifyReport r = Run(entries_);
  ASSERT_EQ(Keys(r), (std::vector<Key>{{"balance_mismatch", 0, "idle"}}));
  EXPECT_EQ(r.problems[0].message,
            "node idle unused day: stored spent 0 held 0.000005, journal spent 0 held 0");
}

TEST_F(VerifierTest, WipedBalanceRow) {
  rows_["bot"].balances = NodeBalances{};  // as if the row were re-created empty
  const VerifyReport r = Run(entries_);
  EXPECT_EQ(Keys(r), std::vector<Key>(kPeriodCount, Key{"balance_mismatch", 0, "bot"}));
  EXPECT_EQ(r.problems[2].message,
            "node bot unused month: the journal charges the later bucket 2026-12 (the stored row "
            "is stale)");
}

TEST_F(VerifierTest, RowRestoredFromAnOlderState) {
  // marketing and acme as they were after entry 5 (November), with the
  // December entry still in the journal: every November figure is right, but
  // December's spend is missing from those rows.
  std::map<std::string, NodeRow> old;
  for (const char* id : {"acme", "marketing"}) old[id].node = rows_[id].node;
  for (std::size_t i = 0; i < 5; ++i) Charge(old, entries_[i]);
  rows_["acme"] = old["acme"];
  rows_["marketing"] = old["marketing"];
  const VerifyReport r = Run(entries_);
  std::vector<Key> want;
  for (const char* node : {"acme", "marketing"}) {
    // day, week and month are stale buckets; quarter, year and total lack 0.25.
    for (std::size_t k = 0; k < kPeriodCount; ++k) want.emplace_back("balance_mismatch", 0, node);
  }
  EXPECT_EQ(Keys(r), want);
  EXPECT_EQ(r.problems[2].message,
            "node acme month 2026-11: the journal charges the later bucket 2026-12 (the stored "
            "row is stale)");
  EXPECT_EQ(r.problems[3].message,
            "node acme quarter 2026-Q4: stored spent 2.5 held 0, journal spent 2.75 held 0");
}

TEST_F(VerifierTest, WrongOrgAndUnknownNode) {
  std::vector<Entry> entries = entries_;
  entries[0].org = "evil";
  entries[1].path = {"bot", "ghost", "marketing", "acme"};
  const VerifyReport r = Run(entries);
  EXPECT_THAT(Keys(r), UnorderedElementsAreArray(std::vector<Key>{
                           {"wrong_org", 1, ""},
                           {"hash_mismatch", 1, ""},
                           {"lines_disagree", 1, ""},
                           {"hash_mismatch", 2, ""},
                           {"unknown_node", 2, "ghost"},
                       }));
}

TEST_F(VerifierTest, AllProblemsAreReported) {
  std::vector<Entry> entries = entries_;
  entries[0].lines[1].amount -= 1;                      // seq 1: hash, unbalanced, lines
  entries[3].receipt = R"({"forged":true})";            // seq 4: receipt
  entries.pop_back();                                   // head, balances
  rows_["idle"].balances[I(Period::kTotal)].spent = 1;  // idle: balance
  const VerifyReport r = Run(entries, entries_.back().seq, entries_.back().hash);
  EXPECT_FALSE(r.ok);
  std::set<std::string> codes;
  std::set<std::string> nodes;
  for (const Problem& p : r.problems) {
    codes.insert(p.code);
    if (!p.node.empty()) nodes.insert(p.node);
  }
  EXPECT_EQ(codes, (std::set<std::string>{"hash_mismatch", "receipt_mismatch", "unbalanced",
                                          "lines_disagree", "head_mismatch", "balance_mismatch"}));
  EXPECT_EQ(nodes, (std::set<std::string>{"acme", "bot", "idle", "marketing"}));
  EXPECT_EQ(r.problems.size(), 3u + 1u + 1u + 18u + 1u);
}

TEST_F(VerifierTest, ProblemsAreCapped) {
  Verifier v("acme", Rows(), 0, kGenesisHash);
  Entry bogus = entries_[0];
  for (int i = 0; i < 600; ++i) v.Add(bogus);  // seq_gap + prev_hash_mismatch each (mostly)
  const VerifyReport r = v.Finish();
  EXPECT_FALSE(r.ok);
  EXPECT_EQ(r.problems.size(), kMaxProblems);
  EXPECT_GT(r.problems_omitted, 0u);
  EXPECT_EQ(r.entries, 600u);
}

}  // namespace
}  // namespace stub

namespace stub {
namespace {

// The stored daily spend rollup must equal the journal's: a matching one
// verifies; a changed figure, a missing row and an extra row are each one
// rollup_mismatch.
TEST_F(VerifierTest, StoredRollupMustEqualTheJournals) {
  auto run = [&](std::vector<SpendDailyRow> stored) {
    Verifier v("acme", Rows(), entries_.back().seq, entries_.back().hash);
    for (const Entry& e : entries_) v.Add(e);
    v.ExpectSpendDaily(std::move(stored));
    return v.Finish();
  };
  auto journal = SpendDailyFromEntries(entries_);
  ASSERT_TRUE(journal.ok());
  // 28 Nov: sp_1 (1.00) and the capture sp_2 (1.50); 1 Dec: sp_3 (0.25).
  ASSERT_EQ(journal->size(), 2u);
  EXPECT_EQ((*journal)[0].total, 2'500'000);
  EXPECT_EQ((*journal)[0].count, 2);
  EXPECT_EQ((*journal)[0].max, 1'500'000);
  std::vector<SpendDailyRow> reversed(journal->rbegin(), journal->rend());
  const VerifyReport good = run(reversed);  // any order
  EXPECT_TRUE(good.ok);
  EXPECT_THAT(Keys(good), ::testing::IsEmpty());

  std::vector<SpendDailyRow> changed = *journal;
  changed[1].total += 1;
  std::vector<SpendDailyRow> missing = {(*journal)[0]};
  std::vector<SpendDailyRow> extra = *journal;
  extra.push_back({"acme", (*journal)[1].day + 1, "bot", "api.dataco.com", "data", 5, 1, 5});
  for (const auto& stored : {changed, missing, extra}) {
    const VerifyReport r = run(stored);
    EXPECT_FALSE(r.ok);
    EXPECT_THAT(Keys(r), ::testing::ElementsAre(Key("rollup_mismatch", 0, "bot")));
  }
}

}  // namespace
}  // namespace stub
