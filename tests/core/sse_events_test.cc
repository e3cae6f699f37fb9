#include "core/sse_events.h"

#include <gtest/gtest.h>

#include <string>

namespace stub {
namespace {

std::vector<SseEvent> FeedWhole(std::string_view text, std::size_t max = 1024) {
  SseEventReader r(max);
  return r.Feed(text);
}

TEST(SseEventsTest, ReadsEventsWithEveryLineEnding) {
  const std::string text =
      ": a comment\n"
      "event: message\n"
      "id: 7\n"
      "data: {\"a\":\n"
      "data:1}\r\n"
      "\r\n"
      "data: second\r"
      "\r"
      "event: ping\n"
      "\n"
      "data\n"
      "\n";
  const auto events = FeedWhole(text);
  ASSERT_EQ(events.size(), 3u);
  EXPECT_EQ(events[0].name, "message");
  EXPECT_EQ(events[0].data, "{\"a\":\n1}");
  EXPECT_EQ(events[1].name, "");
  EXPECT_EQ(events[1].data, "second");
  // "event:" alone carries no data: no event. A bare "data" is an empty one.
  EXPECT_EQ(events[2].data, "");
}

TEST(SseEventsTest, PiecesOfAnySizeGiveTheSameEvents) {
  const std::string text = "event: message\r\ndata: {\"id\":1}\r\n\r\ndata: x\rdata: y\r\r";
  const auto whole = FeedWhole(text);
  ASSERT_EQ(whole.size(), 2u);
  EXPECT_EQ(whole[1].data, "x\ny");
  for (std::size_t cut = 0; cut <= text.size(); ++cut) {
    SseEventReader r(1024);
    auto events = r.Feed(std::string_view(text).substr(0, cut));
    for (auto& e : r.Feed(std::string_view(text).substr(cut))) events.push_back(std::move(e));
    ASSERT_EQ(events.size(), whole.size()) << "cut at " << cut;
    for (std::size_t i = 0; i < events.size(); ++i) {
      EXPECT_EQ(events[i].data, whole[i].data) << "cut at " << cut;
      EXPECT_EQ(events[i].name, whole[i].name) << "cut at " << cut;
    }
  }
}

TEST(SseEventsTest, AnEventOverTheBoundIsDroppedWholeAndCounted) {
  SseEventReader r(8);
  auto events = r.Feed("data: 12345\ndata: 6789\n\ndata: ok\n\ndata: " + std::string(100, 'z') +
                       "\n\ndata: fine\n\n");
  ASSERT_EQ(events.size(), 2u);
  EXPECT_EQ(events[0].data, "ok");
  EXPECT_EQ(events[1].data, "fine");
  EXPECT_EQ(r.overflowed(), 2u);
}

}  // namespace
}  // namespace stub
