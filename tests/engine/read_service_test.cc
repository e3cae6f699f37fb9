// ReadService::Journal: pages by seq, bounded by the receipts' bytes as well
// as by the count asked for, so a page of large receipts stays small.
#include "engine/read_service.h"

#include <gtest/gtest.h>

#include <string>

#include "engine_fixture.h"

namespace stub {
namespace {

using testing::HeadSeq;
using testing::kNov28;
using testing::MakeSpend;
using testing::MakeTree;

TEST(ReadServiceJournalTest, APageStopsAtTheReceiptByteBudget) {
  MemoryStore store;
  ManualClock clock(kNov28);
  Engine engine(store, clock);
  MakeTree(engine, {}, {}, {});
  const std::uint64_t first = HeadSeq(engine) + 1;
  const std::string receipt = R"({"blob":")" + std::string(1000, 'x') + R"("})";
  for (int i = 0; i < 10; ++i) {
    SpendRequest r = MakeSpend("mkt-1", "0.01", "k" + std::to_string(i));
    r.receipt = receipt;
    auto spent = engine.Spend(r);
    ASSERT_TRUE(spent.ok()) << spent.status().ToString();
  }
  ReadService reads(store, ReadService::Options{.journal_page_bytes = 2500});
  // 1,000-odd bytes a receipt: the third brings the page to the budget.
  auto page = reads.Journal("acme", first - 1, 100);
  ASSERT_TRUE(page.ok()) << page.status().ToString();
  ASSERT_EQ(page->size(), 3u);
  EXPECT_EQ(page->front().seq, first);
  EXPECT_EQ(page->back().seq, first + 2);
  // Paging on from the last seq reaches every entry once.
  std::uint64_t after = first - 1;
  int entries = 0;
  for (int pages = 0; pages < 20; ++pages) {
    auto next = reads.Journal("acme", after, 100);
    ASSERT_TRUE(next.ok());
    if (next->empty()) break;
    entries += static_cast<int>(next->size());
    after = next->back().seq;
  }
  EXPECT_EQ(entries, 10);
  // The count still bounds a page of small receipts; one entry always fits.
  ReadService tiny(store, ReadService::Options{.journal_page_bytes = 1});
  auto one = tiny.Journal("acme", first - 1, 100);
  ASSERT_TRUE(one.ok());
  EXPECT_EQ(one->size(), 1u);
  auto counted = ReadService(store).Journal("acme", first - 1, 4);
  ASSERT_TRUE(counted.ok());
  EXPECT_EQ(counted->size(), 4u);
}

}  // namespace
}  // namespace stub
