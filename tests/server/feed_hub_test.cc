// FeedHub: one store reader per org shared by every stream, a ring that a
// lagging stream falls out of and catches up behind, and the delivery rule
// (every event after a cursor exactly once, in order) on every path.
#include "server/feed_hub.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <string>
#include <vector>

#include "engine/engine_fixture.h"
#include "engine/read_service.h"
#include "server/event_feed.h"
#include "server/feed_frame.h"

namespace stub {
namespace {

using testing::Amt;
using testing::kNov28;
using testing::MakeSpend;
using testing::MakeTree;

struct SseEvent {
  std::string id;
  std::string name;
  std::string data;
};

// The events' data, sorted: what was delivered, whatever the interleaving of
// the journal's and the denials' sequences (which depends on page bounds).
std::vector<std::string> Delivered(const std::vector<SseEvent>& events, std::size_t from = 0) {
  std::vector<std::string> out;
  for (std::size_t i = from; i < events.size(); ++i) out.push_back(events[i].data);
  std::sort(out.begin(), out.end());
  return out;
}

std::vector<SseEvent> ParseSse(const std::string& text) {
  std::vector<SseEvent> events;
  std::size_t at = 0;
  while (at < text.size()) {
    const std::size_t end = text.find("\n\n", at);
    if (end == std::string::npos) break;
    SseEvent e;
    std::size_t line = at;
    while (line < end) {
      const std::size_t eol = text.find('\n', line);
      const std::string_view l(text.data() + line, (eol < end ? eol : end) - line);
      if (l.starts_with("id: ")) e.id = std::string(l.substr(4));
      if (l.starts_with("event: ")) e.name = std::string(l.substr(7));
      if (l.starts_with("data: ")) e.data = std::string(l.substr(6));
      line = (eol < end ? eol : end) + 1;
    }
    events.push_back(std::move(e));
    at = end + 2;
  }
  return events;
}

class FeedHubTest : public ::testing::Test {
 protected:
  FeedHubTest() : clock_(kNov28), engine_(store_, clock_), reads_(store_) {
    // mkt-1 may spend 3 a day: spends past that are denials.
    MakeTree(engine_, {}, {}, {{Amt("3"), Period::kDay}}, {"mkt-1", "mkt-2"});
  }

  // `n` spends alternating agents; every third of mkt-1's past its limit is
  // a denial. Returns the number of events they make.
  int Spend(int n) {
    for (int i = 0; i < n; ++i) {
      auto r = engine_.Spend(
          MakeSpend(i % 2 == 0 ? "mkt-1" : "mkt-2", "1", "k" + std::to_string(next_key_++)));
      EXPECT_TRUE(r.ok()) << r.status().ToString();
      clock_.Advance(kMicrosPerSecond);
    }
    return n;
  }

  // Drains `feed` (bounded) into events.
  static std::vector<SseEvent> Drain(EventFeed& feed) {
    std::string out;
    for (int i = 0; i < 100; ++i) {
      std::string chunk;
      EXPECT_TRUE(feed.Next(chunk));
      if (chunk.empty()) break;
      out += chunk;
    }
    return ParseSse(out);
  }

  MemoryStore store_;
  ManualClock clock_;
  Engine engine_;
  ReadService reads_;
  StreamOptions options_;
  int next_key_ = 0;
};

TEST_F(FeedHubTest, ManyStreamsShareOneStoreReadPerCommit) {
  FeedHub hub(reads_, engine_.commit_signal(), options_);
  std::vector<EventFeed> feeds;
  for (int i = 0; i < 20; ++i) {
    auto feed = EventFeed::Open(hub, options_, "acme", "", "");
    ASSERT_TRUE(feed.ok()) << feed.status().ToString();
    feeds.push_back(std::move(*feed));
  }
  EXPECT_EQ(hub.tails(), 1u);
  Spend(1);
  const std::uint64_t before = hub.tail_reads();
  for (EventFeed& feed : feeds) {
    const auto events = Drain(feed);
    ASSERT_EQ(events.size(), 1u);
    EXPECT_EQ(events[0].name, "spend.approved");
  }
  // One commit: one read by the tail (the first stream's), then none.
  EXPECT_EQ(hub.tail_reads() - before, 1u);
  for (const EventFeed& feed : feeds) EXPECT_EQ(feed.own_reads(), 0u);
  feeds.clear();
  EXPECT_EQ(hub.tails(), 0u);
}

TEST_F(FeedHubTest, ALaggingStreamCatchesUpBehindTheRingWithoutGapsOrDuplicates) {
  FeedHub hub(reads_, engine_.commit_signal(), options_,
              FeedHub::Options{.page = 4, .ring_events = 5});
  auto fast = EventFeed::Open(hub, options_, "acme", "", "");
  auto slow = EventFeed::Open(hub, options_, "acme", "", "");
  ASSERT_TRUE(fast.ok() && slow.ok());
  const int made = Spend(14);  // each agent: 3 approved, 4 denied
  // The fast stream keeps the tail moving: the ring (5 events) leaves the
  // slow one behind.
  const auto fast_events = Drain(*fast);
  ASSERT_EQ(static_cast<int>(fast_events.size()), made);
  const auto slow_events = Drain(*slow);
  EXPECT_EQ(Delivered(slow_events), Delivered(fast_events));
  int denied = 0;
  for (const SseEvent& e : fast_events) denied += e.name == "spend.denied" ? 1 : 0;
  EXPECT_EQ(denied, 8);
  EXPECT_GT(slow->own_reads(), 0u);
  // Once caught up, it reads from the ring again.
  const std::uint64_t own = slow->own_reads();
  Spend(2);
  EXPECT_EQ(Drain(*fast).size(), 2u);
  EXPECT_EQ(Drain(*slow).size(), 2u);
  EXPECT_EQ(slow->own_reads(), own);
}

TEST_F(FeedHubTest, ResumingFromEveryEventIdGivesExactlyTheRest) {
  FeedHub hub(reads_, engine_.commit_signal(), options_,
              FeedHub::Options{.page = 3, .ring_events = 4});
  auto first = EventFeed::Open(hub, options_, "acme", "", "");
  ASSERT_TRUE(first.ok());
  Spend(12);
  const auto all = Drain(*first);
  ASSERT_EQ(all.size(), 12u);
  for (std::size_t i = 0; i < all.size(); ++i) {
    auto resumed = EventFeed::Open(hub, options_, "acme", "", all[i].id);
    ASSERT_TRUE(resumed.ok());
    // Exactly the events after it: none twice, none missing.
    EXPECT_EQ(Delivered(Drain(*resumed)), Delivered(all, i + 1)) << "after " << all[i].id;
  }
}

TEST_F(FeedHubTest, AnAgentStreamSeesOnlyItsAgentsEvents) {
  FeedHub hub(reads_, engine_.commit_signal(), options_);
  auto everyone = EventFeed::Open(hub, options_, "acme", "", "");
  auto mine = EventFeed::Open(hub, options_, "acme", "mkt-2", "");
  ASSERT_TRUE(everyone.ok() && mine.ok());
  Spend(6);
  EXPECT_EQ(Drain(*everyone).size(), 6u);
  const auto events = Drain(*mine);
  EXPECT_EQ(events.size(), 3u);
  for (const auto& e : events) EXPECT_EQ(e.name, "spend.approved");
}

TEST_F(FeedHubTest, UnknownOrgAndMalformedIdAreRefused) {
  FeedHub hub(reads_, engine_.commit_signal(), options_);
  auto unknown = EventFeed::Open(hub, options_, "nope", "", "");
  ASSERT_FALSE(unknown.ok());
  EXPECT_EQ(unknown.status().code(), StatusCode::kNotFound);
  auto garbage = EventFeed::Open(hub, options_, "acme", "", "garbage");
  ASSERT_FALSE(garbage.ok());
  EXPECT_EQ(garbage.status().reason(), "invalid_request");
  EXPECT_EQ(hub.tails(), 0u);
}

TEST(FeedFrameTest, CursorTextRoundTrips) {
  const FeedCursor cursor{.seq = 42, .denial = ItemKey{1795860000000000, "dn_x/y"}};
  auto parsed = ParseFeedCursor(FeedCursorText(cursor));
  ASSERT_TRUE(parsed.ok());
  EXPECT_EQ(*parsed, cursor);
  EXPECT_FALSE(ParseFeedCursor("12").ok());
  EXPECT_FALSE(ParseFeedCursor("a/1/x").ok());
}

}  // namespace
}  // namespace stub
