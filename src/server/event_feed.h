// The live event stream of one org (GET /v1/events), as Server-Sent Events
// derived from committed state, so every server process sharing the store
// sees every event:
//   journal entries → spend.approved, hold.created, hold.captured,
//                      hold.voided, hold.expired, and config changes
//                      (agent.frozen, kill_switch.engaged, …)
//   denials         → spend.denied
// The feed tails two durable, ordered sequences through indexes: the
// journal's seq and the denials' (created_at, id). Each event's `id:` is the
// feed's cursor after it ("<seq>/<denial time>/<denial id>"); a client that
// reconnects with Last-Event-ID resumes right after the last event it saw.
// Without one, the feed starts at the present.
//
// Cost: a call reads the store only when this process's engine committed a
// write since the last read (CommitSignal), or when StreamOptions::
// fallback_poll passed (writes of other processes); otherwise it returns at
// once, so an idle stream costs about nothing. A feed that delivered no event
// for StreamOptions::idle_limit ends (Next returns false).
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
#include "core/time_util.h"
#include "engine/commit_signal.h"
#include "engine/read_service.h"
#include "server/stream_limiter.h"

namespace stub {

class EventFeed {
 public:
  using SteadyClock = std::chrono::steady_clock;

  // `agent` non-empty: only that agent's events (an agent key's view).
  // `last_event_id`: the Last-Event-ID header, or "" to start now.
  // Errors: kInvalidArgument "invalid_request" for a malformed id;
  // kNotFound for an unknown org; the store's errors.
  static Result<EventFeed> Open(ReadService& reads, const CommitSignal& signal,
                                const StreamOptions& options, std::string org, std::string agent,
                                std::string_view last_event_id);

  // Appends the events committed since the last call (at most a page) to
  // `out` in SSE format. Returns false when the feed ends: the store failed,
  // or the stream was idle for StreamOptions::idle_limit; the client may
  // reconnect and resume.
  bool Next(std::string& out);

  // The number of times the feed read the store (for tests).
  std::uint64_t store_reads() const { return store_reads_; }

 private:
  EventFeed(ReadService& reads, const CommitSignal& signal, const StreamOptions& options,
            std::string org, std::string agent);
  std::string Cursor() const;

  ReadService* reads_;
  const CommitSignal* signal_;
  StreamOptions options_;
  std::string org_;
  std::string agent_;
  FeedCursor cursor_;
  std::uint64_t seen_version_ = 0;  // the signal's version at the last read
  bool more_ = true;                // the last read filled a page: read again
  SteadyClock::time_point last_read_;
  SteadyClock::time_point last_event_;
  std::uint64_t store_reads_ = 0;
};

}  // namespace stub
