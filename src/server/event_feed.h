// The live event stream of one org (GET /v1/events), as Server-Sent Events
// derived from committed state, so every server process sharing the store
// sees every event (the events: server/feed_frame.h). The feed tails two
// durable, ordered sequences through indexes, the journal's seq and the
// denials' (created_at, id), through the process's FeedHub: one store reader
// per org however many streams are open. Each event's `id:` is the feed's
// cursor after it; a client that reconnects with Last-Event-ID resumes right
// after the last event it saw. Without one, the feed starts at the present.
//
// Cost: an idle stream costs about nothing (FeedHub reads the store only
// after a commit of this process, or every StreamOptions::fallback_poll for
// writes of other processes). A feed that delivered no event for
// StreamOptions::idle_limit ends (Next returns false).
//
// Known limit: a denial committed after a later-stamped one (clock skew
// between processes, or a slow transaction) sorts before the cursor and is
// not delivered live (GET /v1/spends lists it).
//
// Not thread-safe: one feed per stream (the server never overlaps calls).
#pragma once

#include <chrono>
#include <cstdint>
#include <string>
#include <string_view>

#include "core/status.h"
#include "server/feed_hub.h"
#include "server/stream_limiter.h"

namespace stub {

// The first bytes of every event stream, sent right after the head: the
// reconnection delay EventSource should use (ms) and a comment. It is one SSE
// block without data, so it dispatches no event.
inline constexpr std::string_view kEventStreamPrologue = "retry: 3000\n: connected\n\n";

class EventFeed {
 public:
  using SteadyClock = std::chrono::steady_clock;

  // `agent` non-empty: only that agent's events (an agent key's view).
  // `last_event_id`: the Last-Event-ID header, or "" to start now.
  // Errors: kInvalidArgument "invalid_request" for a malformed id;
  // kNotFound for an unknown org; the store's errors.
  static Result<EventFeed> Open(FeedHub& hub, const StreamOptions& options, std::string org,
                                std::string agent, std::string_view last_event_id);

  // Appends the events committed since the last call (a bounded amount) to
  // `out` in SSE format. Returns false when the feed ends: the store failed,
  // or the stream was idle for StreamOptions::idle_limit; the client may
  // reconnect and resume.
  bool Next(std::string& out);

  // The store reads this stream made itself, catching up behind the hub's
  // ring (for tests and benchmarks; the hub counts its own).
  std::uint64_t own_reads() const { return sub_.own_reads(); }

 private:
  EventFeed(FeedHub& hub, const StreamOptions& options, FeedHub::Subscription sub);

  FeedHub* hub_;
  StreamOptions options_;
  FeedHub::Subscription sub_;
  SteadyClock::time_point last_event_;
};

}  // namespace stub
