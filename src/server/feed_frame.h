// The event feed's frames: committed journal entries and denials rendered as
// Server-Sent Events, and the feed's cursor as clients see it (the `id:` of
// each event, sent back as Last-Event-ID).
//
//   journal entries → spend.approved, hold.created, hold.captured,
//                      hold.voided, hold.expired, and config changes named
//                      after their action (agent.frozen, kill_switch.engaged,
//                      approval.requested, …)
//   denials         → spend.denied
//
// Pure functions; thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "engine/read_service.h"

namespace stub {

// One feed event, rendered: "id: <cursor after it>\nevent: …\ndata: …\n\n".
struct FeedFrame {
  bool denial = false;
  FeedCursor after;   // the feed's cursor once this event is delivered
  std::string agent;  // whose event ("" for org-wide config changes)
  std::string text;
};

// The text of a cursor, "<seq>/<denial time>/<denial id>".
std::string FeedCursorText(const FeedCursor& cursor);
// The cursor of such a text. Errors: kInvalidArgument "invalid_request".
Result<FeedCursor> ParseFeedCursor(std::string_view text);

// Whether `frame` comes after `cursor`: an entry whose seq is above the
// cursor's, a denial whose (created_at, id) is above the cursor's.
bool IsNewTo(const FeedFrame& frame, const FeedCursor& cursor);

// The frames of `batch` merged by time (entries first on a tie), each
// carrying the cursor after it; `cursor` is the one the batch was read
// after, and ends as the cursor after the last frame.
std::vector<FeedFrame> RenderFeedBatch(const FeedBatch& batch, FeedCursor& cursor);

}  // namespace stub
