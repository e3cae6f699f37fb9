#include "server/event_feed.h"

#include <optional>
#include <utility>

#include "server/feed_frame.h"

namespace stub {

EventFeed::EventFeed(FeedHub& hub, const StreamOptions& options, FeedHub::Subscription sub)
    : hub_(&hub), options_(options), sub_(std::move(sub)), last_event_(SteadyClock::now()) {}

Result<EventFeed> EventFeed::Open(FeedHub& hub, const StreamOptions& options, std::string org,
                                  std::string agent, std::string_view last_event_id) {
  std::optional<FeedCursor> cursor;
  if (!last_event_id.empty()) {
    STUB_ASSIGN_OR_RETURN(cursor, ParseFeedCursor(last_event_id));
  }
  STUB_ASSIGN_OR_RETURN(FeedHub::Subscription sub,
                        hub.Subscribe(std::move(org), std::move(agent), cursor));
  return EventFeed(hub, options, std::move(sub));
}

bool EventFeed::Next(std::string& out) {
  auto delivered = hub_->Pull(sub_, out);
  if (!delivered.ok()) return false;
  const auto now = SteadyClock::now();
  if (*delivered > 0) last_event_ = now;
  return now - last_event_ < options_.idle_limit;
}

}  // namespace stub
