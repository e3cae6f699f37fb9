// The metering gateway's HTTP/1.1 client to LLM providers (Boost.Beast,
// http or https with the system's CA store and host-name verification).
//
// An UpstreamCall sends one request and reads the answer's head; the body is
// then read piece by piece as it arrives (streams pass through without being
// buffered) or whole, up to a bound. Every network operation has a deadline:
// the call's `timeout` from Start bounds connect, send and the head, and
// each Read waits at most `idle_timeout` for the next bytes.
//
// Connections are kept alive and reused (UpstreamPool): one goes back to the
// pool only when its answer was read to the end and both sides allow it.
//
// Thread-safety: UpstreamPool is thread-safe; an UpstreamCall is used by one
// thread at a time.
#pragma once

#include <chrono>
#include <cstdint>
#include <map>
#include <memory>
#include <mutex>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"

namespace stub {

// scheme://host[:port][/path] split up.
struct UpstreamTarget {
  bool tls = false;
  std::string host;
  std::uint16_t port = 0;
  std::string path;  // "" or "/v1": the prefix of every request's path

  // Parses an http(s) URL without query, fragment or userinfo.
  // Errors: kInvalidArgument "invalid_request".
  static Result<UpstreamTarget> Parse(std::string_view url);
};

struct UpstreamTimeouts {
  std::chrono::milliseconds connect_and_head{120'000};
  std::chrono::milliseconds idle{120'000};
};

class UpstreamPool;

class UpstreamCall {
 public:
  // Sends `method path` with `headers` and `body` to `target`, on a pooled
  // connection when one is idle (a stale one is retried once on a fresh
  // connection, only when nothing of the answer arrived), and reads the
  // answer's head. Errors: kFailedPrecondition "target_not_public" (the
  // pool reaches public addresses only, and the host resolves to another:
  // nothing was sent); kUnavailable "upstream_unavailable" when nothing was
  // sent (cannot resolve, connect or set up TLS), "upstream_no_answer" when
  // the request went out, or partly, and no answer's head came back in time
  // (the upstream may have acted on it).
  //
  // `resend`: kOnStaleConnection (the default) takes a pooled connection and
  // sends once more on a fresh one if the pooled one turns out closed; kNever
  // always opens a fresh connection and sends exactly once — for a request
  // that must not reach the upstream twice (a signed payment), since a
  // connection that fails before the answer may still have delivered it.
  enum class Resend { kOnStaleConnection, kNever };
  static Result<std::unique_ptr<UpstreamCall>> Start(
      UpstreamPool& pool, const UpstreamTarget& target, std::string_view method,
      std::string_view path, const std::vector<std::pair<std::string, std::string>>& headers,
      std::string_view body, UpstreamTimeouts timeouts = {},
      Resend resend = Resend::kOnStaleConnection);

  ~UpstreamCall();
  UpstreamCall(const UpstreamCall&) = delete;
  UpstreamCall& operator=(const UpstreamCall&) = delete;

  int status() const { return status_; }
  // The answer's header value, or "" (name in lowercase).
  std::string_view Header(std::string_view name) const;
  const std::vector<std::pair<std::string, std::string>>& headers() const { return headers_; }

  // Appends the next piece of the body to `out`, waiting at most `wait` for
  // it: true with nothing appended when none came in that time (the body
  // goes on); false once the body has ended. Errors: kUnavailable
  // (connection lost, or nothing for the idle timeout in a row).
  Result<bool> Read(std::string& out,
                    std::chrono::milliseconds wait = std::chrono::milliseconds::max());
  // The rest of the body. Errors: Read's, and kResourceExhausted
  // "upstream_too_large" past `max_bytes`.
  Result<std::string> ReadAll(std::size_t max_bytes);

 private:
  struct Conn;
  UpstreamCall(UpstreamPool& pool, std::unique_ptr<Conn> conn);

  UpstreamPool& pool_;
  std::unique_ptr<Conn> conn_;
  int status_ = 0;
  std::vector<std::pair<std::string, std::string>> headers_;
  bool done_ = false;
  UpstreamTimeouts timeouts_;
  std::chrono::steady_clock::time_point last_data_;  // when bytes last came
  friend class UpstreamPool;
};

// What a pool's connections may reach. kPublicOnly is for targets a client
// chose (server/outbound_address.h): every address the host resolves to
// must be public, and the connection goes to one of those very addresses.
enum class UpstreamReach { kAny, kPublicOnly };

class UpstreamPool {
 public:
  explicit UpstreamPool(std::size_t max_idle_per_host = 64,
                        UpstreamReach reach = UpstreamReach::kAny);
  ~UpstreamPool();
  UpstreamPool(const UpstreamPool&) = delete;
  UpstreamPool& operator=(const UpstreamPool&) = delete;

 private:
  friend class UpstreamCall;
  std::unique_ptr<UpstreamCall::Conn> Take(const std::string& key);
  void Give(const std::string& key, std::unique_ptr<UpstreamCall::Conn> conn);
  void* TlsContext();  // boost::asio::ssl::context*, made on first use

  std::size_t max_idle_;
  UpstreamReach reach_;
  std::mutex mu_;
  std::map<std::string, std::vector<std::unique_ptr<UpstreamCall::Conn>>> idle_;  // guarded
  std::shared_ptr<void> tls_;                                                     // guarded
};

}  // namespace stub
