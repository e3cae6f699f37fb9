// The shared tail of each org's event feed: one store reader per org in this
// process, whatever the number of streams (GET /v1/events) open on it.
//
// A tail reads what was committed after its head (ReadService::FeedAfter)
// when this process's engine committed a write since its last read
// (CommitSignal), or when StreamOptions::fallback_poll passed (writes of
// other processes); it renders each event to its SSE frame once and keeps
// the newest ones in a ring (Options::ring_events, Options::ring_bytes). A
// stream whose cursor the ring covers copies frames from the ring; a stream
// behind the ring (a reconnect with an old Last-Event-ID) reads the store
// itself until it catches up. So 100 streams tailing one org cost one store
// read and one rendering per event, plus a copy per stream.
//
// Delivery rule, the same from the ring and from the store: an entry event is
// new to a cursor when its seq is above the cursor's, a denial event when its
// (created_at, id) is above the cursor's denial key (see event_feed.h). Every
// event after a cursor is delivered once, in the order the tail read it.
//
// Thread-safe. The hub must outlive every Subscription it issued.
#pragma once

#include <atomic>
#include <chrono>
#include <cstddef>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>

#include "core/status.h"
#include "engine/commit_signal.h"
#include "engine/read_service.h"
#include "server/feed_frame.h"
#include "server/stream_limiter.h"

namespace stub {

class FeedHub {
 public:
  using SteadyClock = std::chrono::steady_clock;

  struct Options {
    std::size_t page = 200;               // events read per store read
    std::size_t ring_events = 4'096;      // frames kept per org
    std::size_t ring_bytes = 8 << 20;     // bytes of frames kept per org
    std::size_t max_out_bytes = 1 << 20;  // bytes one Pull appends at most
  };

  class Tail;

  // A stream's place in its org's feed. Move-only; leaving it (destruction)
  // releases the org's tail when it was the last one.
  class Subscription {
   public:
    Subscription(Subscription&&) noexcept;
    Subscription& operator=(Subscription&&) noexcept;
    Subscription(const Subscription&) = delete;
    Subscription& operator=(const Subscription&) = delete;
    ~Subscription();

    const FeedCursor& cursor() const { return cursor_; }
    // Store reads this stream made itself (catching up behind the ring).
    std::uint64_t own_reads() const { return own_reads_; }

   private:
    friend class FeedHub;
    Subscription(FeedHub* hub, std::shared_ptr<Tail> tail, FeedCursor cursor, std::string agent);

    FeedHub* hub_ = nullptr;
    std::shared_ptr<Tail> tail_;
    FeedCursor cursor_;
    std::string agent_;                 // non-empty: only this agent's events
    std::optional<std::uint64_t> pos_;  // aligned: the next ring position to copy
    std::uint64_t own_reads_ = 0;
  };

  FeedHub(ReadService& reads, const CommitSignal& signal, StreamOptions stream_options);
  FeedHub(ReadService& reads, const CommitSignal& signal, StreamOptions stream_options,
          Options options);

  // A subscription to `org`'s feed after `cursor` (nullopt: from the
  // present, after the org's chain head and newest denial); `agent`
  // non-empty keeps only that agent's events. Errors: kNotFound (no such
  // org); the store's.
  Result<Subscription> Subscribe(std::string org, std::string agent,
                                 const std::optional<FeedCursor>& cursor);

  // Appends to `out` the frames committed after the subscription's cursor
  // (those of its agent), reading the store when due, and advances the
  // cursor. Returns the number of frames appended. Errors: the store's (the
  // stream should end; its client may resume).
  Result<std::size_t> Pull(Subscription& sub, std::string& out);

  // Store reads by org tails (for tests and benchmarks).
  std::uint64_t tail_reads() const;
  // Orgs with a live tail.
  std::size_t tails() const;

 private:
  void Release(const std::shared_ptr<Tail>& tail);
  Status RefreshLocked(Tail& tail);
  std::size_t CopyFromRing(Tail& tail, Subscription& sub, std::string& out);

  ReadService& reads_;
  const CommitSignal& signal_;
  const StreamOptions stream_options_;
  const Options options_;
  mutable std::mutex mu_;
  std::map<std::string, std::shared_ptr<Tail>, std::less<>> tails_;
  std::atomic<std::uint64_t> tail_reads_{0};
};

}  // namespace stub
