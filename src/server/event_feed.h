// The live event stream of one org (GET /v1/events), as Server-Sent Events
// derived from committed state, so every server process sharing the store
// sees every event:
//   journal entries → spend.approved, hold.created, hold.captured,
//                      hold.voided, hold.expired
//   denials         → spend.denied
// Each event's `id:` is the feed's cursor after it ("<seq>/<denial time>/
// <denial id>"); a client that reconnects with Last-Event-ID resumes right
// after the last event it saw. Without one, the feed starts at the present.
//
// (Freeze, kill-switch and approval events belong to their issues.)
//
// Not thread-safe: one feed per stream (the server never overlaps calls).
#pragma once

#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "core/time_util.h"
#include "store/store.h"

namespace stub {

class EventFeed {
 public:
  // `agent` non-empty: only that agent's events (an agent key's view).
  // `last_event_id`: the Last-Event-ID header, or "" to start now.
  // Errors: kInvalidArgument "invalid_request" for a malformed id;
  // the store's errors.
  static Result<EventFeed> Open(Store& store, std::string org, std::string agent,
                                std::string_view last_event_id);

  // Appends the events committed since the last call (at most a page) to
  // `out` in SSE format. Returns false when the feed cannot go on (the store
  // failed); the client may reconnect and resume.
  bool Next(std::string& out);

 private:
  EventFeed(Store& store, std::string org, std::string agent)
      : store_(&store), org_(std::move(org)), agent_(std::move(agent)) {}
  std::string Cursor() const;

  Store* store_;
  std::string org_;
  std::string agent_;
  std::uint64_t seq_ = 0;    // last journal entry delivered
  Timestamp denial_at_ = 0;  // last denial delivered: (created_at, id)
  std::string denial_id_;
};

}  // namespace stub
