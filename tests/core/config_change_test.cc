#include "core/config_change.h"

#include <gtest/gtest.h>

#include "core/verify.h"

namespace stub {
namespace {

Entry Config(std::string_view action, std::uint64_t seq, const std::string& prev) {
  ConfigChange c;
  c.actor = "key_1";
  c.action = std::string(action);
  c.node = "acme";
  c.old_value = false;
  c.new_value = true;
  c.reason = "incident";
  auto e = MakeConfigEntry(c, 1'795'860'000'000'000 + static_cast<Timestamp>(seq));
  EXPECT_TRUE(e.ok());
  e->org = "acme";
  e->seq = seq;
  EXPECT_TRUE(BuildLines(*e).ok());
  SealEntry(*e, prev);
  return *e;
}

TEST(ConfigChangeTest, EntryIsCanonicalAndMovesNoMoney) {
  const Entry e = Config(kActionKillSwitchEngaged, 1, kGenesisHash);
  EXPECT_EQ(e.kind, EntryKind::kConfig);
  EXPECT_EQ(EntryKindName(e.kind), "config");
  EXPECT_EQ(ParseEntryKind("config"), EntryKind::kConfig);
  EXPECT_EQ(e.receipt,
            R"({"action":"kill_switch.engaged","actor":"key_1","new":true,"node":"acme",)"
            R"("old":false,"reason":"incident"})");
  EXPECT_EQ(e.receipt_hash, ReceiptHash(e.receipt));
  EXPECT_TRUE(e.lines.empty());
  EXPECT_EQ(e.intent, "kill_switch.engaged");
  EXPECT_EQ(e.ref, "acme");
  // The kind byte 05 is in the canonical encoding (byte 4 + org + seq).
  const std::string bytes = CanonicalEncoding(e);
  EXPECT_EQ(static_cast<unsigned char>(bytes[4 + 1 + 4 + 8]), 0x05);
}

TEST(ConfigChangeTest, VerifierAcceptsConfigEntriesAndCatchesTampering) {
  NodeRow root;
  root.node.id = "acme";
  root.node.kind = NodeKind::kOrg;
  const Entry a = Config(kActionPolicyUpdated, 1, kGenesisHash);
  const Entry b = Config(kActionKillSwitchEngaged, 2, a.hash);
  {
    Verifier v("acme", {root}, 2, b.hash);
    v.Add(a);
    v.Add(b);
    const VerifyReport r = v.Finish();
    EXPECT_TRUE(r.ok);
    EXPECT_TRUE(r.problems.empty());
  }
  // An edited receipt (someone rewriting who did it) is caught.
  Entry edited = b;
  edited.receipt = R"({"action":"kill_switch.engaged","actor":"someone_else"})";
  {
    Verifier v("acme", {root}, 2, b.hash);
    v.Add(a);
    v.Add(edited);
    const VerifyReport r = v.Finish();
    EXPECT_FALSE(r.ok);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_EQ(r.problems[0].code, "receipt_mismatch");
  }
  // A config entry that moves money is not a config entry.
  Entry money = Config(kActionPolicyUpdated, 1, kGenesisHash);
  money.amount = 5;
  SealEntry(money, kGenesisHash);
  {
    Verifier v("acme", {root}, 1, money.hash);
    v.Add(money);
    const VerifyReport r = v.Finish();
    EXPECT_FALSE(r.ok);
    ASSERT_FALSE(r.problems.empty());
    EXPECT_EQ(r.problems[0].code, "lines_disagree");
  }
}

}  // namespace
}  // namespace stub
