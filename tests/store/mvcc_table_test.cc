#include "store/memory/mvcc_table.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <memory>
#include <string>
#include <string_view>
#include <tuple>
#include <vector>

namespace stub::mvcc {
namespace {

using Key = std::tuple<std::string, std::string>;
using View = std::tuple<std::string_view, std::string_view>;
using Table = MvccTable<Key, int>;

std::shared_ptr<const int> Val(int v) { return std::make_shared<const int>(v); }

std::vector<std::uint64_t> Timestamps(const Table& t, const View& key) {
  std::vector<std::uint64_t> out;
  if (const auto* chain = t.Find(key)) {
    for (const auto& v : chain->versions) out.push_back(v.ts);
  }
  return out;
}

TEST(KeyLessTest, OrdersKeysAndViewsTogether) {
  KeyLess less;
  EXPECT_TRUE(less(Key("a", "b"), View("a", "c")));
  EXPECT_TRUE(less(View("a", "z"), Key("b", "a")));
  EXPECT_FALSE(less(Key("a", "b"), View("a", "b")));
  EXPECT_TRUE(KeyEq(Key("acme", "x"), View("acme", "x")));
  // Org-major order: "acm" < "acme" < "acme2" whatever the second element.
  EXPECT_TRUE(less(View("acm", "z"), View("acme", "a")));
  EXPECT_TRUE(less(View("acme", "z"), View("acme2", "a")));
}

TEST(ActiveSnapshotsTest, TracksOpenSnapshotsAsAMultiset) {
  ActiveSnapshots a;
  EXPECT_FALSE(a.Oldest().has_value());
  a.Add(1);
  a.Add(1);
  a.Add(4);
  a.Add(9);
  EXPECT_EQ(a.Oldest(), 1u);
  EXPECT_TRUE(a.AnyIn(2, 5));
  EXPECT_FALSE(a.AnyIn(5, 9));
  EXPECT_TRUE(a.AnyIn(5, 10));
  a.Remove(1);
  EXPECT_EQ(a.Oldest(), 1u);  // counted: one left
  a.Remove(4);                // out of order
  EXPECT_FALSE(a.AnyIn(2, 5));
  a.Remove(1);
  EXPECT_EQ(a.Oldest(), 9u);
  a.Remove(9);
  EXPECT_TRUE(a.empty());
}

TEST(MvccTableTest, ReadsTheNewestVersionAtTheSnapshot) {
  Table t;
  auto& chain = t.Emplace(Key("acme", "a"));
  t.Install(chain, 2, Val(20));
  t.Install(chain, 5, Val(50));
  t.Install(chain, 7, nullptr);  // deleted at 7
  EXPECT_EQ(t.Get(View("acme", "a"), 1), nullptr);
  EXPECT_EQ(**t.Get(View("acme", "a"), 2), 20);
  EXPECT_EQ(**t.Get(View("acme", "a"), 6), 50);
  EXPECT_EQ(t.Get(View("acme", "a"), 7), nullptr);
  EXPECT_EQ(t.Get(View("acme", "b"), 7), nullptr);
  EXPECT_EQ(t.Get(View("beta", "a"), 7), nullptr);
  EXPECT_TRUE(t.ChangedSince(View("acme", "a"), 6));
  EXPECT_FALSE(t.ChangedSince(View("acme", "a"), 7));
  EXPECT_FALSE(t.ChangedSince(View("acme", "b"), 0));
  EXPECT_EQ(t.version_count(), 3u);
}

TEST(MvccTableTest, EmplaceMovesTheKeyButLeavesTheOrg) {
  Table t;
  Key key("acme-with-a-long-org-name", "a-long-node-id-past-small-strings");
  auto& chain = t.EmplaceFrom(key);
  EXPECT_EQ(std::get<0>(key), "acme-with-a-long-org-name");
  EXPECT_EQ(t.Find(View("acme-with-a-long-org-name", "a-long-node-id-past-small-strings")), &chain);
  Key again("acme-with-a-long-org-name", "a-long-node-id-past-small-strings");
  EXPECT_EQ(&t.EmplaceFrom(again), &chain);  // found, not created
}

TEST(MvccTableTest, HashedTablesFindWhatOrderedOnesDo) {
  MvccTable<Key, int, Hashed> t;
  for (int i = 0; i < 100; ++i) {
    t.Install(t.Emplace(Key("acme", "k" + std::to_string(i))), 1, Val(i));
  }
  t.Install(t.Emplace(Key("beta", "k1")), 2, Val(-1));
  EXPECT_EQ(**t.Get(View("acme", "k42"), 1), 42);
  EXPECT_EQ(**t.Get(View("beta", "k1"), 2), -1);
  EXPECT_EQ(t.Get(View("beta", "k1"), 1), nullptr);
  EXPECT_EQ(t.Get(View("beta", "k2"), 2), nullptr);
  EXPECT_EQ(t.version_count(), 101u);
}

TEST(MvccTableTest, PruneKeepsExactlyWhatOpenSnapshotsCanSee) {
  Table t;
  auto& chain = t.Emplace(Key("acme", "a"));
  for (std::uint64_t ts = 1; ts <= 6; ++ts) t.Install(chain, ts, Val(static_cast<int>(ts)));
  ActiveSnapshots open;
  open.Add(2);  // sees ts 2
  open.Add(4);  // sees ts 4
  EXPECT_FALSE(t.Prune(chain, open));
  EXPECT_EQ(Timestamps(t, View("acme", "a")), (std::vector<std::uint64_t>{2, 4, 6}));
  EXPECT_EQ(t.version_count(), 3u);
  open.Remove(2);
  open.Remove(4);
  EXPECT_FALSE(t.Prune(chain, open));
  EXPECT_EQ(Timestamps(t, View("acme", "a")), std::vector<std::uint64_t>{6});
}

TEST(MvccTableTest, PruneDropsTombstonesNothingOlderNeeds) {
  Table t;
  auto& chain = t.Emplace(Key("acme", "a"));
  t.Install(chain, 1, Val(1));
  t.Install(chain, 3, nullptr);
  ActiveSnapshots open;
  open.Add(2);  // still sees the value
  t.Prune(View("acme", "a"), open);
  EXPECT_EQ(Timestamps(t, View("acme", "a")), (std::vector<std::uint64_t>{1, 3}));
  open.Remove(2);
  t.Prune(View("acme", "a"), open);
  EXPECT_EQ(t.Find(View("acme", "a")), nullptr);  // deleted and invisible to all: gone
  EXPECT_EQ(t.version_count(), 0u);
}

TEST(MvccTableTest, RangesStayInsideOneOrg) {
  Table t;
  t.Install(t.Emplace(Key("acme", "a")), 1, Val(1));
  t.Install(t.Emplace(Key("acme", "m")), 5, Val(1));
  t.Install(t.Emplace(Key("acme2", "a")), 9, Val(1));
  t.Install(t.Emplace(Key("acm", "z")), 9, Val(1));
  ScanRange<Key> whole_org{Key("acme", ""), std::nullopt, false, true};
  EXPECT_TRUE(whole_org.Contains(View("acme", "zzz")));
  EXPECT_FALSE(whole_org.Contains(View("acme2", "a")));
  EXPECT_TRUE(t.RangeChangedSince(whole_org, 4));
  EXPECT_FALSE(t.RangeChangedSince(whole_org, 5));
  ScanRange<Key> up_to_a{Key("acme", ""), Key("acme", "a"), true, true};
  EXPECT_FALSE(t.RangeChangedSince(up_to_a, 1));
  ScanRange<Key> before_m{Key("acme", ""), Key("acme", "m"), false, true};
  EXPECT_FALSE(before_m.Contains(View("acme", "m")));
  EXPECT_FALSE(t.RangeChangedSince(before_m, 1));
  ScanRange<Key> from_b{Key("acme", "b"), std::nullopt, false, true};
  std::vector<std::string> seen;
  t.ForEach(from_b, [&](std::string_view org, const auto& rest, const auto&) {
    seen.push_back(std::string(org) + "/" + std::get<0>(rest));
    return true;
  });
  EXPECT_EQ(seen, std::vector<std::string>{"acme/m"});
  ScanRange<Key> everything{Key("", ""), std::nullopt, false, false};
  seen.clear();
  t.ForEach(everything, [&](std::string_view org, const auto& rest, const auto&) {
    seen.push_back(std::string(org) + "/" + std::get<0>(rest));
    return true;
  });
  EXPECT_EQ(seen, (std::vector<std::string>{"acm/z", "acme/a", "acme/m", "acme2/a"}));
}

TEST(WriteSetTest, FindsPutsAndCollectsInKeyOrderBeforeAndAfterIndexing) {
  WriteSet<Key, int> ws;
  const std::vector<std::string> ids = {"m", "c", "x", "a", "q"};
  auto check = [&](std::size_t n) {
    for (std::size_t i = 0; i < n; ++i) {
      const std::string id = ids[i % ids.size()] + std::to_string(i);
      ASSERT_NE(ws.Find(View("acme", id)), nullptr) << id;
      EXPECT_EQ(*ws.Find(View("acme", id)), static_cast<int>(i));
    }
    EXPECT_EQ(ws.Find(View("acme", "nope")), nullptr);
    ScanRange<Key> org{Key("acme", ""), std::nullopt, false, true};
    auto got = ws.Collect(org);
    ASSERT_EQ(got.size(), n);
    ScanRange<Key> all{Key("", ""), std::nullopt, false, false};
    EXPECT_EQ(ws.Collect(all).size(), n + 1);
  };
  ws.Put(View("beta", "z"), -1);
  for (std::size_t i = 0; i < 40; ++i) {
    ws.Put(View("acme", ids[i % ids.size()] + std::to_string(i)), static_cast<int>(i));
    if (i == 5 || i == 39) check(i + 1);
  }
  ws.Put(View("acme", "m0"), 100);  // replace
  EXPECT_EQ(*ws.Find(View("acme", "m0")), 100);
  EXPECT_EQ(ws.size(), 41u);
  ScanRange<Key> org{Key("acme", ""), std::nullopt, false, true};
  auto got = ws.Collect(org);
  std::vector<int> values;
  for (const int* v : got) values.push_back(*v);
  EXPECT_EQ(values.front(), 13);  // "a13" sorts first
}

}  // namespace
}  // namespace stub::mvcc
