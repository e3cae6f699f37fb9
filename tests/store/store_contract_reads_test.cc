// Store contract cases for the keyset reads (see store_contract.h and
// store.h ItemKey): spends (spend and capture entries) newest first by
// (created_at, ref) before a key, a spend by id with its receipt, denials
// before and after a key and by id, approvals after a key by status. Every
// page is exact: each row once, in order, nothing else.
#include <array>
#include <limits>
#include <string>
#include <vector>

#include "core/time_ordered_id.h"
#include "store_contract.h"

namespace stub::store_testing {
namespace {

constexpr Timestamp kNoLaterThan = std::numeric_limits<Timestamp>::max();
constexpr Timestamp kNoEarlierThan = std::numeric_limits<Timestamp>::min();

Entry ReadsEntry(const std::string& org, std::uint64_t seq, EntryKind kind, Timestamp at,
                 const std::string& ref) {
  Entry e = MakeEntry(org, seq);
  e.kind = kind;
  e.created_at = at;
  e.budget_at = at;
  e.ref = ref;
  e.receipt = R"({"n":)" + std::to_string(seq) + "}";
  e.receipt_hash = std::string(64, 'a');
  if (kind == EntryKind::kConfig) e.lines.clear();
  return e;
}

std::vector<std::string> Refs(const std::vector<Entry>& entries) {
  std::vector<std::string> out;
  for (const Entry& e : entries) out.push_back(e.ref);
  return out;
}

std::vector<std::string> Ids(const std::vector<DenialRecord>& denials) {
  std::vector<std::string> out;
  for (const DenialRecord& d : denials) out.push_back(d.id);
  return out;
}

std::vector<std::string> ApprovalIds(const std::vector<ApprovalRow>& rows) {
  std::vector<std::string> out;
  for (const ApprovalRow& a : rows) out.push_back(a.id);
  return out;
}

// seq 1..7: spends s1 (T0), s3 and s2 at the same instant (T0+10, so ref
// order decides), a hold h1 and a config entry (never listed), a capture c1
// (T0+20), and s4 (T0+30); plus one spend of another org.
Status AppendReadsJournal(Transaction& t) {
  STUB_RETURN_IF_ERROR(t.AppendEntry(ReadsEntry("acme", 1, EntryKind::kSpend, kT0, "s1")));
  STUB_RETURN_IF_ERROR(t.AppendEntry(ReadsEntry("acme", 2, EntryKind::kSpend, kT0 + 10, "s3")));
  STUB_RETURN_IF_ERROR(t.AppendEntry(ReadsEntry("acme", 3, EntryKind::kSpend, kT0 + 10, "s2")));
  STUB_RETURN_IF_ERROR(t.AppendEntry(ReadsEntry("acme", 4, EntryKind::kHold, kT0 + 15, "h1")));
  STUB_RETURN_IF_ERROR(t.AppendEntry(ReadsEntry("acme", 5, EntryKind::kConfig, kT0 + 16, "")));
  STUB_RETURN_IF_ERROR(t.AppendEntry(ReadsEntry("acme", 6, EntryKind::kCapture, kT0 + 20, "c1")));
  STUB_RETURN_IF_ERROR(t.AppendEntry(ReadsEntry("acme", 7, EntryKind::kSpend, kT0 + 30, "s4")));
  return t.AppendEntry(ReadsEntry("other", 1, EntryKind::kSpend, kT0 + 5, "o1"));
}

TEST_P(StoreContractTest, SpendEntriesPageNewestFirstBeforeAKey) {
  STUB_ASSERT_OK(Apply(AppendReadsJournal));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(
        auto all, r.ListSpendEntriesBefore(
                      "acme", {.before = {kNoLaterThan, ""}, .from = kNoEarlierThan}, 100));
    EXPECT_EQ(Refs(all), (std::vector<std::string>{"s4", "c1", "s3", "s2", "s1"}));
    for (const Entry& e : all) {
      EXPECT_TRUE(e.receipt.empty()) << e.ref;
      EXPECT_TRUE(e.lines.empty()) << e.ref;
    }
    EXPECT_EQ(all[0].seq, 7u);
    EXPECT_EQ(all[0].agent, "agent-a");
    EXPECT_EQ(all[0].vendor, "api.example.com");
    EXPECT_EQ(all[0].path, (std::vector<std::string>{"agent-a", "team", "acme"}));

    // Pages of two, each before the last key of the previous one.
    std::vector<std::string> paged;
    ItemKey before{kNoLaterThan, ""};
    for (int page = 0; page < 10; ++page) {
      STUB_ASSERT_OK_AND_ASSIGN(
          auto rows,
          r.ListSpendEntriesBefore("acme", {.before = before, .from = kNoEarlierThan}, 2));
      for (const Entry& e : rows) paged.push_back(e.ref);
      if (rows.size() < 2) break;
      before = ItemKey{rows.back().created_at, rows.back().ref};
    }
    EXPECT_EQ(paged, (std::vector<std::string>{"s4", "c1", "s3", "s2", "s1"}));

    // Inside a tie: before (T0+10, "s3") is s2 then s1.
    STUB_ASSERT_OK_AND_ASSIGN(
        auto tie,
        r.ListSpendEntriesBefore("acme", {.before = {kT0 + 10, "s3"}, .from = kNoEarlierThan}, 9));
    EXPECT_EQ(Refs(tie), (std::vector<std::string>{"s2", "s1"}));
    // `from` is inclusive, `before` exclusive.
    STUB_ASSERT_OK_AND_ASSIGN(
        auto window,
        r.ListSpendEntriesBefore("acme", {.before = {kT0 + 30, ""}, .from = kT0 + 10}, 9));
    EXPECT_EQ(Refs(window), (std::vector<std::string>{"c1", "s3", "s2"}));
    STUB_ASSERT_OK_AND_ASSIGN(
        auto other, r.ListSpendEntriesBefore(
                        "other", {.before = {kNoLaterThan, ""}, .from = kNoEarlierThan}, 9));
    EXPECT_EQ(Refs(other), (std::vector<std::string>{"o1"}));
    STUB_ASSERT_OK_AND_ASSIGN(
        auto none, r.ListSpendEntriesBefore(
                       "nobody", {.before = {kNoLaterThan, ""}, .from = kNoEarlierThan}, 9));
    EXPECT_TRUE(none.empty());
  });
}

TEST_P(StoreContractTest, SpendKeysCarryTheAgentAndOneAgentsDenialsPageByTheirOwnIndex) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    const char* agents[] = {"agent-a", "agent-b", "agent-a", "agent-b", "agent-a"};
    for (int i = 0; i < 5; ++i) {
      Entry e = ReadsEntry("acme", static_cast<std::uint64_t>(i + 1), EntryKind::kSpend, kT0 + i,
                           "s" + std::to_string(i));
      e.agent = agents[i];
      STUB_RETURN_IF_ERROR(t.AppendEntry(std::move(e)));
      DenialRecord d = MakeDenial("acme", "d" + std::to_string(i), kT0 + i);
      d.agent = agents[i];
      STUB_RETURN_IF_ERROR(t.InsertDenial(std::move(d)));
    }
    return Status::Ok();
  }));
  Read([&](Transaction& r) {
    // Spends: every key with its agent, newest first, from the index alone.
    STUB_ASSERT_OK_AND_ASSIGN(auto keys, r.ListSpendKeysBefore("acme", {}, 9));
    EXPECT_EQ(keys, (std::vector<SpendKey>{{kT0 + 4, "s4", "agent-a"},
                                           {kT0 + 3, "s3", "agent-b"},
                                           {kT0 + 2, "s2", "agent-a"},
                                           {kT0 + 1, "s1", "agent-b"},
                                           {kT0, "s0", "agent-a"}}));
    STUB_ASSERT_OK_AND_ASSIGN(
        auto page, r.ListSpendKeysBefore("acme", {.before = {kT0 + 3, "s3"}, .from = kT0 + 1}, 9));
    EXPECT_EQ(page,
              (std::vector<SpendKey>{{kT0 + 2, "s2", "agent-a"}, {kT0 + 1, "s1", "agent-b"}}));
    STUB_ASSERT_OK_AND_ASSIGN(auto two, r.ListSpendKeysBefore("acme", {}, 2));
    EXPECT_EQ(two.size(), 2u);
    STUB_ASSERT_OK_AND_ASSIGN(auto none, r.ListSpendKeysBefore("nobody", {}, 9));
    EXPECT_TRUE(none.empty());
    // Spend reads take no agent (there is no index per agent on the journal).
    EXPECT_EQ(r.ListSpendKeysBefore("acme", {.agent = "agent-a"}, 9).status().code(),
              StatusCode::kInvalidArgument);
    STUB_ASSERT_OK_AND_ASSIGN(
        auto a_denials, r.ListDenialsBefore("acme", {.from = kT0 + 1, .agent = "agent-a"}, 9));
    EXPECT_EQ(Ids(a_denials), (std::vector<std::string>{"d4", "d2"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto a_two, r.ListDenialsBefore("acme", {.agent = "agent-a"}, 2));
    EXPECT_EQ(Ids(a_two), (std::vector<std::string>{"d4", "d2"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto nobody, r.ListDenialsBefore("acme", {.agent = "agent-z"}, 9));
    EXPECT_TRUE(nobody.empty());
  });
}

TEST_P(StoreContractTest, ASpendIsFoundByTheMillisecondItsIdNamesOrByAnOlderRandomId) {
  constexpr std::array<unsigned char, kTimeOrderedIdRandomBytes> kBits = {1, 2, 3, 4, 5, 6, 7, 8};
  const Timestamp at = kT0 + 123'456;
  const std::string timed = FormatTimeOrderedId("sp", at, kBits);
  const std::string neighbour = FormatTimeOrderedId("sp", at + 999, {9, 9, 9, 9, 9, 9, 9, 9});
  const std::string legacy = "sp_0123456789abcdef01234567";  // 24 random hex digits
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.AppendEntry(ReadsEntry("acme", 1, EntryKind::kSpend, kT0, legacy)));
    STUB_RETURN_IF_ERROR(t.AppendEntry(ReadsEntry("acme", 2, EntryKind::kSpend, at, timed)));
    STUB_RETURN_IF_ERROR(
        t.AppendEntry(ReadsEntry("acme", 3, EntryKind::kCapture, at + 999, neighbour)));
    return t.AppendEntry(ReadsEntry("other", 1, EntryKind::kSpend, at, timed));
  }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetSpendEntry("acme", timed));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, ReadsEntry("acme", 2, EntryKind::kSpend, at, timed));
    STUB_ASSERT_OK_AND_ASSIGN(auto same_ms, r.GetSpendEntry("acme", neighbour));
    ASSERT_TRUE(same_ms.has_value());
    EXPECT_EQ(same_ms->seq, 3u);
    STUB_ASSERT_OK_AND_ASSIGN(auto old, r.GetSpendEntry("acme", legacy));
    ASSERT_TRUE(old.has_value());
    EXPECT_EQ(old->seq, 1u);
    STUB_ASSERT_OK_AND_ASSIGN(auto theirs, r.GetSpendEntry("other", timed));
    ASSERT_TRUE(theirs.has_value());
    EXPECT_EQ(theirs->org, "other");
    // The same random bits at another millisecond name no spend.
    STUB_ASSERT_OK_AND_ASSIGN(auto elsewhen,
                              r.GetSpendEntry("acme", FormatTimeOrderedId("sp", at + 1000, kBits)));
    EXPECT_FALSE(elsewhen.has_value());
  });
}

TEST_P(StoreContractTest, SpendEntryByIdIsWholeWithItsReceipt) {
  STUB_ASSERT_OK(Apply(AppendReadsJournal));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetSpendEntry("acme", "c1"));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, ReadsEntry("acme", 6, EntryKind::kCapture, kT0 + 20, "c1"));
    STUB_ASSERT_OK_AND_ASSIGN(auto hold, r.GetSpendEntry("acme", "h1"));
    EXPECT_FALSE(hold.has_value());  // a hold is not a spend
    STUB_ASSERT_OK_AND_ASSIGN(auto elsewhere, r.GetSpendEntry("acme", "o1"));
    EXPECT_FALSE(elsewhere.has_value());
    STUB_ASSERT_OK_AND_ASSIGN(auto missing, r.GetSpendEntry("acme", "nope"));
    EXPECT_FALSE(missing.has_value());
  });
}

TEST_P(StoreContractTest, DenialsPageBothWaysAndByIdThroughKeys) {
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.InsertDenial(MakeDenial("acme", "d2", kT0 + 1)));
    STUB_RETURN_IF_ERROR(t.InsertDenial(MakeDenial("acme", "d1", kT0 + 1)));
    STUB_RETURN_IF_ERROR(t.InsertDenial(MakeDenial("acme", "d0", kT0)));
    STUB_RETURN_IF_ERROR(t.InsertDenial(MakeDenial("acme", "d3", kT0 + 2)));
    return t.InsertDenial(MakeDenial("other", "x1", kT0 + 1));
  }));
  Read([&](Transaction& r) {
    STUB_ASSERT_OK_AND_ASSIGN(
        auto newest,
        r.ListDenialsBefore("acme", {.before = {kNoLaterThan, ""}, .from = kNoEarlierThan}, 9));
    EXPECT_EQ(Ids(newest), (std::vector<std::string>{"d3", "d2", "d1", "d0"}));
    STUB_ASSERT_OK_AND_ASSIGN(
        auto before,
        r.ListDenialsBefore("acme", {.before = {kT0 + 1, "d2"}, .from = kNoEarlierThan}, 1));
    EXPECT_EQ(Ids(before), (std::vector<std::string>{"d1"}));
    STUB_ASSERT_OK_AND_ASSIGN(
        auto from, r.ListDenialsBefore("acme", {.before = {kNoLaterThan, ""}, .from = kT0 + 1}, 9));
    EXPECT_EQ(Ids(from), (std::vector<std::string>{"d3", "d2", "d1"}));

    STUB_ASSERT_OK_AND_ASSIGN(auto all, r.ListDenialsAfter("acme", {kNoEarlierThan, ""}, 9));
    EXPECT_EQ(Ids(all), (std::vector<std::string>{"d0", "d1", "d2", "d3"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto after, r.ListDenialsAfter("acme", {kT0 + 1, "d1"}, 1));
    EXPECT_EQ(Ids(after), (std::vector<std::string>{"d2"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto tail, r.ListDenialsAfter("acme", {kT0 + 2, "d3"}, 9));
    EXPECT_TRUE(tail.empty());

    STUB_ASSERT_OK_AND_ASSIGN(auto got, r.GetDenial("acme", "d1"));
    ASSERT_TRUE(got.has_value());
    EXPECT_EQ(*got, MakeDenial("acme", "d1", kT0 + 1));
    STUB_ASSERT_OK_AND_ASSIGN(auto elsewhere, r.GetDenial("acme", "x1"));
    EXPECT_FALSE(elsewhere.has_value());
  });
}

TEST_P(StoreContractTest, ApprovalsPageAfterAKeyByStatus) {
  auto approval = [](const std::string& id, Timestamp at, ApprovalStatus status) {
    ApprovalRow a;
    a.org = "acme";
    a.id = id;
    a.agent = "agent-a";
    a.amount = 1'000;
    a.vendor = "api.example.com";
    a.category = "data";
    a.node = "acme";
    a.status = status;
    a.created_at = at;
    a.expires_at = at + kDay;
    return a;
  };
  STUB_ASSERT_OK(Apply([&](Transaction& t) {
    STUB_RETURN_IF_ERROR(t.PutApproval(approval("a3", kT0 + 1, ApprovalStatus::kPending)));
    STUB_RETURN_IF_ERROR(t.PutApproval(approval("a1", kT0, ApprovalStatus::kPending)));
    STUB_RETURN_IF_ERROR(t.PutApproval(approval("a2", kT0 + 1, ApprovalStatus::kApproved)));
    return t.PutApproval(approval("a4", kT0 + 2, ApprovalStatus::kPending));
  }));
  Read([&](Transaction& r) {
    const ItemKey start{kNoEarlierThan, ""};
    STUB_ASSERT_OK_AND_ASSIGN(auto all, r.ListApprovalsAfter("acme", std::nullopt, start, 9));
    EXPECT_EQ(ApprovalIds(all), (std::vector<std::string>{"a1", "a2", "a3", "a4"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto pending,
                              r.ListApprovalsAfter("acme", ApprovalStatus::kPending, start, 2));
    EXPECT_EQ(ApprovalIds(pending), (std::vector<std::string>{"a1", "a3"}));
    STUB_ASSERT_OK_AND_ASSIGN(
        auto next, r.ListApprovalsAfter("acme", ApprovalStatus::kPending, {kT0 + 1, "a3"}, 2));
    EXPECT_EQ(ApprovalIds(next), (std::vector<std::string>{"a4"}));
    STUB_ASSERT_OK_AND_ASSIGN(auto after_tie,
                              r.ListApprovalsAfter("acme", std::nullopt, {kT0 + 1, "a2"}, 9));
    EXPECT_EQ(ApprovalIds(after_tie), (std::vector<std::string>{"a3", "a4"}));
    EXPECT_EQ(all[1], approval("a2", kT0 + 1, ApprovalStatus::kApproved));
  });
}

}  // namespace
}  // namespace stub::store_testing
