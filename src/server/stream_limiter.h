// Caps on concurrent event streams (GET /v1/events): at most max_per_key open
// streams per API key and max_per_org per org, counted in this process. A
// stream holds a Lease for its whole life; dropping the Lease frees its place.
//
// Thread-safe; the limiter must outlive every Lease it issued.
#pragma once

#include <chrono>
#include <cstddef>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>

#include "core/status.h"

namespace stub {

struct StreamOptions {
  std::size_t max_per_key = 8;
  std::size_t max_per_org = 64;
  // A stream that delivered no event for this long is closed (the client may
  // reconnect with Last-Event-ID). Keep-alive comments do not count.
  std::chrono::milliseconds idle_limit{std::chrono::minutes(10)};
  // How long a stream may go without reading the store while no commit of
  // this process signalled a change: the bound on the delay of an event
  // written by another process sharing the store.
  std::chrono::milliseconds fallback_poll{2'000};
};

class StreamLimiter {
 public:
  // A place taken by one stream; frees it when destroyed.
  class Lease {
   public:
    Lease(const Lease&) = delete;
    Lease& operator=(const Lease&) = delete;
    ~Lease();

   private:
    friend class StreamLimiter;
    Lease(StreamLimiter* limiter, std::string key, std::string org)
        : limiter_(limiter), key_(std::move(key)), org_(std::move(org)) {}
    StreamLimiter* limiter_;
    std::string key_;
    std::string org_;
  };

  explicit StreamLimiter(StreamOptions options) : options_(options) {}

  // Takes a place for a stream of `key_id` in `org`. Errors:
  // kResourceExhausted "too_many_streams" when the key or the org is at its
  // cap (nothing taken).
  Result<std::unique_ptr<Lease>> Acquire(std::string_view key_id, std::string_view org);

  // Streams open now (for tests and metrics).
  std::size_t OpenForKey(std::string_view key_id) const;
  std::size_t OpenForOrg(std::string_view org) const;

  const StreamOptions& options() const { return options_; }

 private:
  void Release(const std::string& key, const std::string& org);

  const StreamOptions options_;
  mutable std::mutex mu_;
  std::map<std::string, std::size_t, std::less<>> by_key_;
  std::map<std::string, std::size_t, std::less<>> by_org_;
};

}  // namespace stub
