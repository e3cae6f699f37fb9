#include "server/feed_hub.h"

#include <algorithm>
#include <deque>
#include <utility>

namespace stub {

class FeedHub::Tail {
 public:
  explicit Tail(std::string org_id) : org(std::move(org_id)) {}

  const std::string org;
  std::size_t subscribers = 0;  // guarded by the hub's mu_

  std::mutex mu;  // guards everything below
  std::deque<FeedFrame> ring;
  std::uint64_t first_pos = 0;  // ring position of ring.front()
  std::size_t bytes = 0;        // text bytes in the ring
  FeedCursor start;             // the ring holds every event after this cursor
  FeedCursor head;              // the cursor after ring.back()
  std::uint64_t seen_version = 0;
  SteadyClock::time_point last_read;
  bool more = false;  // the last read filled a page: read again at once
};

namespace {

// Whether the events after `start` include every event after `cursor`.
bool Covers(const FeedCursor& start, const FeedCursor& cursor) {
  return start.seq <= cursor.seq && start.denial <= cursor.denial;
}

// Appends `frame` if it is new to `cursor` and of `agent`'s, advancing
// `cursor` past it either way. Where `cursor` was ahead of the frame's own
// cursor in the other sequence, the frame goes out with the merged cursor as
// its id, so a client resuming from it never sees an event twice.
bool Deliver(const FeedFrame& frame, FeedCursor& cursor, std::string_view agent, std::string& out) {
  if (!IsNewTo(frame, cursor)) return false;
  if (frame.denial) {
    cursor.denial = frame.after.denial;
  } else {
    cursor.seq = frame.after.seq;
  }
  if (!agent.empty() && frame.agent != agent) return false;
  if (cursor == frame.after) {
    out += frame.text;
  } else {
    out += "id: " + FeedCursorText(cursor);
    out += std::string_view(frame.text).substr(frame.text.find('\n'));
  }
  return true;
}

}  // namespace

FeedHub::Subscription::Subscription(FeedHub* hub, std::shared_ptr<Tail> tail, FeedCursor cursor,
                                    std::string agent)
    : hub_(hub), tail_(std::move(tail)), cursor_(std::move(cursor)), agent_(std::move(agent)) {}

FeedHub::Subscription::Subscription(Subscription&& other) noexcept
    : hub_(std::exchange(other.hub_, nullptr)),
      tail_(std::move(other.tail_)),
      cursor_(std::move(other.cursor_)),
      agent_(std::move(other.agent_)),
      pos_(other.pos_),
      own_reads_(other.own_reads_) {}

FeedHub::Subscription& FeedHub::Subscription::operator=(Subscription&& other) noexcept {
  if (this != &other) {
    if (hub_ != nullptr) hub_->Release(tail_);
    hub_ = std::exchange(other.hub_, nullptr);
    tail_ = std::move(other.tail_);
    cursor_ = std::move(other.cursor_);
    agent_ = std::move(other.agent_);
    pos_ = other.pos_;
    own_reads_ = other.own_reads_;
  }
  return *this;
}

FeedHub::Subscription::~Subscription() {
  if (hub_ != nullptr) hub_->Release(tail_);
}

FeedHub::FeedHub(ReadService& reads, const CommitSignal& signal, StreamOptions stream_options)
    : FeedHub(reads, signal, stream_options, Options{}) {}

FeedHub::FeedHub(ReadService& reads, const CommitSignal& signal, StreamOptions stream_options,
                 Options options)
    : reads_(reads), signal_(signal), stream_options_(stream_options), options_(options) {}

Result<FeedHub::Subscription> FeedHub::Subscribe(std::string org, std::string agent,
                                                 const std::optional<FeedCursor>& cursor) {
  std::shared_ptr<Tail> tail;
  {
    std::lock_guard lock(mu_);
    if (auto it = tails_.find(org); it != tails_.end()) {
      tail = it->second;
      ++tail->subscribers;
    }
  }
  std::optional<FeedCursor> present;
  if (!tail || !cursor) {
    // The version is taken before the read: a commit after it is read later.
    const std::uint64_t version = signal_.Version();
    auto head = reads_.FeedHead(org);
    if (!head.ok()) {
      if (tail) Release(tail);
      return head.status();
    }
    present = std::move(*head);
    if (!tail) {
      auto fresh = std::make_shared<Tail>(org);
      fresh->start = fresh->head = *present;
      fresh->seen_version = version;
      fresh->last_read = SteadyClock::now();
      std::lock_guard lock(mu_);
      auto [it, inserted] = tails_.try_emplace(org, fresh);
      tail = it->second;
      ++tail->subscribers;
    }
  }
  return Subscription(this, std::move(tail), cursor ? *cursor : *present, std::move(agent));
}

void FeedHub::Release(const std::shared_ptr<Tail>& tail) {
  if (!tail) return;
  std::lock_guard lock(mu_);
  if (--tail->subscribers > 0) return;
  if (auto it = tails_.find(tail->org); it != tails_.end() && it->second == tail) tails_.erase(it);
}

Status FeedHub::RefreshLocked(Tail& tail) {
  const auto now = SteadyClock::now();
  const std::uint64_t version = signal_.Version();
  if (!tail.more && version == tail.seen_version &&
      now - tail.last_read < stream_options_.fallback_poll) {
    return Status::Ok();
  }
  tail.seen_version = version;  // taken before the read: a later commit is read next time
  tail.last_read = now;
  tail_reads_.fetch_add(1, std::memory_order_relaxed);
  STUB_ASSIGN_OR_RETURN(FeedBatch batch, reads_.FeedAfter(tail.org, tail.head, options_.page));
  tail.more = batch.entries.size() == options_.page || batch.denials.size() == options_.page;
  for (FeedFrame& frame : RenderFeedBatch(batch, tail.head)) {
    tail.bytes += frame.text.size();
    tail.ring.push_back(std::move(frame));
  }
  while (!tail.ring.empty() &&
         (tail.ring.size() > options_.ring_events || tail.bytes > options_.ring_bytes)) {
    tail.start = tail.ring.front().after;
    tail.bytes -= tail.ring.front().text.size();
    tail.ring.pop_front();
    ++tail.first_pos;
  }
  return Status::Ok();
}

std::size_t FeedHub::CopyFromRing(Tail& tail, Subscription& sub, std::string& out) {
  std::uint64_t pos = sub.pos_.value_or(tail.first_pos);
  const std::uint64_t end = tail.first_pos + tail.ring.size();
  const std::size_t budget = out.size() + options_.max_out_bytes;
  std::size_t delivered = 0;
  for (; pos < end && out.size() < budget; ++pos) {
    const FeedFrame& frame = tail.ring[static_cast<std::size_t>(pos - tail.first_pos)];
    if (Deliver(frame, sub.cursor_, sub.agent_, out)) ++delivered;
  }
  sub.pos_ = pos;
  return delivered;
}

Result<std::size_t> FeedHub::Pull(Subscription& sub, std::string& out) {
  Tail& tail = *sub.tail_;
  {
    std::lock_guard lock(tail.mu);
    STUB_RETURN_IF_ERROR(RefreshLocked(tail));
    if (sub.pos_ && *sub.pos_ < tail.first_pos) sub.pos_.reset();  // the ring moved past it
    if (sub.pos_ || Covers(tail.start, sub.cursor_)) return CopyFromRing(tail, sub, out);
  }
  // Behind the ring: read the store from the stream's own cursor, without
  // holding the tail, until the ring covers it.
  ++sub.own_reads_;
  STUB_ASSIGN_OR_RETURN(FeedBatch batch, reads_.FeedAfter(tail.org, sub.cursor_, options_.page));
  FeedCursor read_cursor = sub.cursor_;
  std::size_t delivered = 0;
  for (const FeedFrame& frame : RenderFeedBatch(batch, read_cursor)) {
    if (Deliver(frame, sub.cursor_, sub.agent_, out)) ++delivered;
  }
  return delivered;
}

std::uint64_t FeedHub::tail_reads() const { return tail_reads_.load(std::memory_order_relaxed); }

std::size_t FeedHub::tails() const {
  std::lock_guard lock(mu_);
  return tails_.size();
}

}  // namespace stub
