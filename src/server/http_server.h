// The HTTP/1.1 transport (Boost.Beast on Asio coroutines): keep-alive
// connections, a body size limit (413 payload_too_large), a deadline for
// reading each request (a slowloris client is cut off), a bound on open
// connections, and graceful shutdown.
//
// The event loop runs on the thread that calls Run() and never blocks: each
// request is offered to the LoopHandler first (answers that need no waiting,
// such as a spend handed to the batcher), else handed to the Handler on a
// worker pool (the slow lane's own pool for its paths), and the connection
// resumes on the event loop when the answer is ready.
//
// Thread-safety: Start, then Run on one thread; Stop may be called from any
// thread (or a signal handler running on the loop) at any time.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <memory>
#include <optional>
#include <string>
#include <vector>

#include "core/status.h"
#include "server/api_types.h"

namespace stub {

struct HttpServerOptions {
  std::string host = "127.0.0.1";
  std::uint16_t port = 8402;  // 0: any free port (see HttpServer::port)
  std::size_t max_body_bytes = 1 << 20;
  // Requests to paths starting with `large_body_prefix` (when not empty)
  // that carry an Authorization or x-api-key header may send up to
  // max_large_body_bytes: the LLM gateway's prompts (documents, images).
  std::string large_body_prefix;
  std::size_t max_large_body_bytes = 1 << 20;
  std::size_t max_header_bytes = 16 * 1024;
  // Deadline for receiving one whole request, from the moment the server
  // starts waiting for it (covers keep-alive idling, headers and body).
  std::chrono::milliseconds read_timeout{15'000};
  std::chrono::milliseconds write_timeout{15'000};
  std::size_t max_connections = 1024;  // connections beyond it are closed at once
  std::size_t worker_threads = 64;     // handler calls that may block at once
  // The slow lane: requests to paths starting with one of
  // `slow_lane_prefixes`, which wait long on someone else (the LLM gateway's
  // calls to providers, x402 fetches of paid resources: seconds), run on their own pool of
  // slow_lane_threads, so that however many of them wait, the other routes keep their workers. A
  // request holds its lane slot until it is answered (a stream: until it
  // ends); when every slot is taken, the next one is answered 503
  // "overloaded" (Retry-After: 1) at once rather than queued.
  std::vector<std::string> slow_lane_prefixes;
  std::size_t slow_lane_threads = 256;
  // Streams (ApiResponse::stream): how often to ask for more when there was
  // nothing new, and how often to send a heartbeat comment when idle.
  std::chrono::milliseconds stream_poll{200};
  std::chrono::milliseconds stream_heartbeat{15'000};
};

class HttpServer {
 public:
  // Called on a worker thread, concurrently; must not throw. An answer with
  // `pending` set is waited for without holding the worker.
  using Handler = std::function<ApiResponse(ApiRequest&)>;
  // Called on the event loop; must never block and must not throw. nullopt:
  // the request goes to the Handler. An answer may be `pending`.
  using LoopHandler = std::function<std::optional<ApiResponse>(ApiRequest&)>;

  HttpServer(HttpServerOptions options, Handler handler, LoopHandler on_loop = nullptr);
  ~HttpServer();
  HttpServer(const HttpServer&) = delete;
  HttpServer& operator=(const HttpServer&) = delete;

  // Binds and listens. Errors: kUnavailable (address in use, …),
  // kInvalidArgument (bad host).
  Status Start();
  // The bound port (after Start).
  std::uint16_t port() const;

  // Runs the event loop until Stop() has completed: returns once no
  // connection is left and no handler is running.
  void Run();

  // Stops accepting, lets in-flight requests finish and answers them with
  // "Connection: close", and closes idle connections. Idempotent.
  void Stop();

  // Runs `f` on the event loop every `period` until Stop (the first call one
  // period after Run starts). `f` runs on the worker pool, never overlapping
  // itself. Call before Run.
  void Every(std::chrono::milliseconds period, std::function<void()> f);

  // Calls `f` (on the event loop) when the process gets SIGINT or SIGTERM,
  // then stops. Call before Run.
  void StopOnSignals(std::function<void(int)> f);

  struct Stats {
    std::uint64_t accepted = 0;
    std::uint64_t rejected = 0;  // closed at once: over max_connections
    std::uint64_t open = 0;
    std::uint64_t slow_in_flight = 0;  // slow-lane requests not yet answered
    std::uint64_t slow_refused = 0;    // slow-lane requests answered 503: no slot
  };
  // Thread-safe.

  Stats GetStats() const;

  class Impl;

 private:
  std::unique_ptr<Impl> impl_;
};

}  // namespace stub
