#include "server/http_server.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
//
#include <spdlog/spdlog.h>

#include <algorithm>
#include <atomic>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <cctype>
#include <set>
#include <string_view>
#include <vector>

#include "engine/ids.h"
#include "server/api_error.h"
#include "server/pending_answer.h"

namespace stub {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

const auto kAwait = asio::use_awaitable;

std::string_view Sv(beast::string_view s) { return std::string_view(s.data(), s.size()); }

int HexValue(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// Decodes %XX and '+' (a space) of one query component; a malformed escape
// stays as it is.
std::string PercentDecode(std::string_view in) {
  std::string out;
  out.reserve(in.size());
  for (std::size_t i = 0; i < in.size(); ++i) {
    const char c = in[i];
    if (c == '+') {
      out.push_back(' ');
    } else if (c == '%' && i + 2 < in.size() && HexValue(in[i + 1]) >= 0 &&
               HexValue(in[i + 2]) >= 0) {
      out.push_back(static_cast<char>(HexValue(in[i + 1]) * 16 + HexValue(in[i + 2])));
      i += 2;
    } else {
      out.push_back(c);
    }
  }
  return out;
}

void ParseTarget(std::string_view target, ApiRequest& out) {
  const auto q = target.find('?');
  out.path = std::string(target.substr(0, q));
  if (q == std::string_view::npos) return;
  std::string_view query = target.substr(q + 1);
  while (!query.empty()) {
    const auto amp = query.find('&');
    const std::string_view pair = query.substr(0, amp);
    if (!pair.empty()) {
      const auto eq = pair.find('=');
      std::string name = PercentDecode(pair.substr(0, eq));
      std::string value = eq == std::string_view::npos ? "" : PercentDecode(pair.substr(eq + 1));
      out.query[std::move(name)] = std::move(value);
    }
    if (amp == std::string_view::npos) break;
    query.remove_prefix(amp + 1);
  }
}

bool IsGoodRequestId(std::string_view id) {
  if (id.empty() || id.size() > 64) return false;
  for (char c : id) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '-' && c != '_' && c != '.') {
      return false;
    }
  }
  return true;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

// A slot of the slow lane, taken by counting in `*count` and given back
// when the slot goes.
class LaneSlot {
 public:
  LaneSlot() = default;
  explicit LaneSlot(std::atomic<std::uint64_t>& count) : count_(&count) { ++count; }
  LaneSlot(LaneSlot&& other) noexcept : count_(std::exchange(other.count_, nullptr)) {}
  LaneSlot& operator=(LaneSlot&& other) noexcept {
    if (this != &other) {
      Release();
      count_ = std::exchange(other.count_, nullptr);
    }
    return *this;
  }
  LaneSlot(const LaneSlot&) = delete;
  LaneSlot& operator=(const LaneSlot&) = delete;
  ~LaneSlot() { Release(); }

 private:
  void Release() {
    if (count_ != nullptr) --*count_;
    count_ = nullptr;
  }
  std::atomic<std::uint64_t>* count_ = nullptr;
};

struct Conn {
  explicit Conn(tcp::socket socket) : stream(std::move(socket)) {}
  beast::tcp_stream stream;
  bool reading = false;  // waiting for a request (may be cancelled by Stop)
};

}  // namespace

class HttpServer::Impl {
 public:
  Impl(HttpServerOptions options, Handler handler, LoopHandler on_loop)
      : options_(std::move(options)),
        handler_(std::move(handler)),
        on_loop_(std::move(on_loop)),
        io_(1),
        acceptor_(io_),
        pool_(options_.worker_threads == 0 ? 1 : options_.worker_threads),
        slow_pool_(options_.slow_lane_prefixes.empty() || options_.slow_lane_threads == 0
                       ? 1
                       : options_.slow_lane_threads),
        signals_(io_) {}

  ~Impl() {
    pool_.join();
    slow_pool_.join();
  }

  Status Start() {
    beast::error_code ec;
    const auto address = asio::ip::make_address(options_.host, ec);
    if (ec) return InvalidArgument("bad listen host '" + options_.host + "'", "invalid_request");
    const tcp::endpoint endpoint(address, options_.port);
    acceptor_.open(endpoint.protocol(), ec);
    if (!ec) acceptor_.set_option(asio::socket_base::reuse_address(true), ec);
    if (!ec) acceptor_.bind(endpoint, ec);
    if (!ec) acceptor_.listen(asio::socket_base::max_listen_connections, ec);
    if (ec) {
      return Unavailable("cannot listen on " + options_.host + ":" + std::to_string(options_.port) +
                         ": " + ec.message());
    }
    port_ = acceptor_.local_endpoint().port();
    asio::co_spawn(io_, Accept(), asio::detached);
    return Status::Ok();
  }

  std::uint16_t port() const { return port_; }

  void Run() { io_.run(); }

  void Stop() {
    asio::post(io_, [this] { DoStop(); });
  }

  void Every(std::chrono::milliseconds period, std::function<void()> f) {
    auto timer = std::make_shared<asio::steady_timer>(io_);
    timers_.push_back(timer);
    asio::co_spawn(io_, Periodic(timer, period, std::move(f)), asio::detached);
  }

  void StopOnSignals(std::function<void(int)> f) {
    signals_.add(SIGINT);
    signals_.add(SIGTERM);
    signals_.async_wait([this, f = std::move(f)](const beast::error_code& ec, int signal) {
      if (ec) return;
      f(signal);
      DoStop();
    });
  }

  Stats GetStats() const {
    Stats s;
    s.accepted = accepted_.load();
    s.rejected = rejected_.load();
    s.open = open_.load();
    s.slow_in_flight = slow_in_flight_.load();
    s.slow_refused = slow_refused_.load();
    return s;
  }

 private:
  void DoStop() {
    if (stopping_) return;
    stopping_ = true;
    beast::error_code ec;
    acceptor_.close(ec);
    signals_.cancel(ec);
    for (auto& t : timers_) t->cancel();
    for (const auto& c : conns_) {
      if (c->reading) c->stream.cancel();
    }
  }

  // Runs f() on `pool`; resumes the caller on the event loop with its
  // result. Keeps the loop alive meanwhile.
  //
  // g++ 12 may destroy a temporary with a non-trivial destructor inside a
  // co_await expression twice: such values are named locals here.
  template <typename R, typename F>
  asio::awaitable<R> OnPool(asio::thread_pool& pool, F f) {
    auto initiation = [this, &pool, f = std::move(f)](auto handler) mutable {
      auto guard = asio::make_work_guard(io_);
      asio::post(pool, [this, f = std::move(f), handler = std::move(handler),
                        guard = std::move(guard)]() mutable {
        R result = f();
        auto ex = asio::get_associated_executor(handler, io_.get_executor());
        asio::post(ex, [handler = std::move(handler), result = std::move(result)]() mutable {
          std::move(handler)(std::move(result));
        });
      });
    };
    co_return co_await asio::async_initiate<decltype(kAwait), void(R)>(std::move(initiation),
                                                                       kAwait);
  }

  // Waits (without blocking the loop or a worker) for a deferred answer;
  // resumes on the event loop. Keeps the loop alive meanwhile.
  asio::awaitable<ApiResponse> AwaitPending(std::shared_ptr<PendingAnswer> pending) {
    auto initiation = [this, pending = std::move(pending)](auto handler) mutable {
      using Handler = decltype(handler);
      auto shared = std::make_shared<Handler>(std::move(handler));
      auto guard = asio::make_work_guard(io_);
      pending->OnReady([this, shared, guard](ApiResponse response) mutable {
        auto ex = asio::get_associated_executor(*shared, io_.get_executor());
        asio::post(ex, [shared, response = std::move(response)]() mutable {
          std::move (*shared)(std::move(response));
        });
        guard.reset();
      });
    };
    co_return co_await asio::async_initiate<decltype(kAwait), void(ApiResponse)>(
        std::move(initiation), kAwait);
  }

  asio::awaitable<void> Accept() {
    asio::steady_timer backoff(io_);
    for (;;) {
      beast::error_code ec;
      tcp::socket socket = co_await acceptor_.async_accept(asio::redirect_error(kAwait, ec));
      if (stopping_) co_return;
      if (ec) {
        // E.g. out of file descriptors: wait a little instead of spinning.
        spdlog::warn("accept failed: {}", ec.message());
        backoff.expires_after(std::chrono::milliseconds(50));
        co_await backoff.async_wait(asio::redirect_error(kAwait, ec));
        continue;
      }
      if (conns_.size() >= options_.max_connections) {
        ++rejected_;
        socket.close(ec);
        continue;
      }
      ++accepted_;
      auto conn = std::make_shared<Conn>(std::move(socket));
      conns_.insert(conn);
      open_ = conns_.size();
      asio::co_spawn(io_, Session(conn), asio::detached);
    }
  }

  asio::awaitable<void> Periodic(std::shared_ptr<asio::steady_timer> timer,
                                 std::chrono::milliseconds period, std::function<void()> f) {
    for (;;) {
      timer->expires_after(period);
      beast::error_code ec;
      co_await timer->async_wait(asio::redirect_error(kAwait, ec));
      if (ec || stopping_) co_return;
      auto call = [&f] {
        f();
        return true;
      };
      co_await OnPool<bool>(pool_, std::move(call));
    }
  }

  // Writes `res` as the answer to a request of HTTP version `version`.
  asio::awaitable<void> Write(Conn& c, const ApiResponse& res, unsigned version, bool keep_alive,
                              const std::string& request_id, beast::error_code& ec) {
    http::response<http::string_body> out{static_cast<http::status>(res.status), version};
    out.set(http::field::server, "stub");
    out.set("X-Content-Type-Options", "nosniff");
    if (!res.body.empty()) out.set(http::field::content_type, res.content_type);
    if (!request_id.empty()) out.set("X-Request-Id", request_id);
    for (const auto& [name, value] : res.headers) out.set(name, value);
    out.body() = res.body;
    out.keep_alive(keep_alive);
    out.prepare_payload();
    c.stream.expires_after(options_.write_timeout);
    co_await http::async_write(c.stream, out, asio::redirect_error(kAwait, ec));
  }

  // Sends the head of a streaming response, then what res.stream produces,
  // until it ends, the client goes away, or the server stops.
  asio::awaitable<void> Stream(Conn& c, ApiResponse& res, unsigned version,
                               const std::string& request_id, asio::thread_pool& pool) {
    http::response<http::empty_body> head{static_cast<http::status>(res.status), version};
    head.set(http::field::server, "stub");
    head.set(http::field::content_type, res.content_type);
    head.set(http::field::cache_control, "no-cache");
    head.set("X-Content-Type-Options", "nosniff");
    if (!request_id.empty()) head.set("X-Request-Id", request_id);
    for (const auto& [name, value] : res.headers) head.set(name, value);
    head.keep_alive(false);  // the body ends when the connection closes
    http::response_serializer<http::empty_body> serializer{head};
    beast::error_code ec;
    c.stream.expires_after(options_.write_timeout);
    co_await http::async_write_header(c.stream, serializer, asio::redirect_error(kAwait, ec));
    if (!ec && !res.stream_prologue.empty()) {
      // One write, not waiting for the first call of res.stream.
      c.stream.expires_after(options_.write_timeout);
      co_await asio::async_write(c.stream, asio::buffer(res.stream_prologue),
                                 asio::redirect_error(kAwait, ec));
    }
    asio::steady_timer pause(io_);
    auto last_write = std::chrono::steady_clock::now();
    bool completed = false;
    while (!ec && !stopping_) {
      auto next = [&res] {
        std::pair<bool, std::string> out;
        out.first = res.stream(out.second);
        return out;
      };
      std::pair<bool, std::string> chunk =
          co_await OnPool<std::pair<bool, std::string>>(pool, std::move(next));
      const auto now = std::chrono::steady_clock::now();
      if (chunk.second.empty() && now - last_write >= options_.stream_heartbeat) {
        chunk.second = ": keep-alive\n\n";
      }
      if (!chunk.second.empty()) {
        c.stream.expires_after(options_.write_timeout);
        co_await asio::async_write(c.stream, asio::buffer(chunk.second),
                                   asio::redirect_error(kAwait, ec));
        last_write = now;
      }
      completed = !chunk.first && !ec;
      if (!chunk.first || ec || stopping_) break;
      if (res.stream_waits) {
        if (chunk.second.empty() && ClientGone(c)) break;
        continue;
      }
      if (chunk.second.empty() || chunk.second.starts_with(':')) {
        pause.expires_after(options_.stream_poll);
        co_await pause.async_wait(asio::redirect_error(kAwait, ec));
      }
    }
    if (res.stream_done) {
      auto done = [&res, completed] {
        res.stream_done(completed);
        return true;
      };
      co_await OnPool<bool>(pool, std::move(done));
    }
  }

  // Whether the client of a streaming answer has closed its side (or reset
  // the connection): a non-blocking read, which a client that only listens
  // never has anything for.
  static bool ClientGone(Conn& c) {
    beast::error_code ec;
    auto& socket = c.stream.socket();
    socket.non_blocking(true, ec);
    if (ec) return false;
    char probe[1];
    socket.read_some(asio::buffer(probe), ec);
    beast::error_code ignored;
    socket.non_blocking(false, ignored);
    return ec && ec != asio::error::would_block && ec != asio::error::try_again;
  }

  // After refusing a request whose body the client may still be sending:
  // stop sending, then read and discard (bounded by the read deadline and a
  // byte budget) so that closing does not reset the connection before the
  // client has read the answer.
  asio::awaitable<void> Linger(Conn& c) {
    beast::error_code ec;
    c.stream.socket().shutdown(tcp::socket::shutdown_send, ec);
    c.stream.expires_after(options_.read_timeout);
    std::vector<char> sink(64 * 1024);
    std::size_t budget = 4 * options_.max_body_bytes + sink.size();
    while (!ec && budget > 0 && !stopping_) {
      const std::size_t n =
          co_await c.stream.async_read_some(asio::buffer(sink), asio::redirect_error(kAwait, ec));
      budget = n >= budget ? 0 : budget - n;
    }
  }

  asio::awaitable<void> Session(std::shared_ptr<Conn> c) {
    beast::flat_buffer buffer;
    beast::error_code ec;
    while (!stopping_) {
      http::request_parser<http::string_body> parser;
      std::size_t body_limit = options_.max_body_bytes;
      parser.body_limit(body_limit);
      parser.header_limit(static_cast<std::uint32_t>(options_.max_header_bytes));
      c->stream.expires_after(options_.read_timeout);
      c->reading = true;
      co_await http::async_read_header(c->stream, buffer, parser, asio::redirect_error(kAwait, ec));
      // Only a request that names a key may send a large body (an anonymous
      // one is refused anyway, and must not make the server buffer it).
      if (!ec && !options_.large_body_prefix.empty() &&
          Sv(parser.get().target()).starts_with(options_.large_body_prefix) &&
          (parser.get().count(http::field::authorization) > 0 ||
           parser.get().count("x-api-key") > 0)) {
        body_limit = options_.max_large_body_bytes;
        parser.body_limit(body_limit);
      }
      if (!ec && !parser.is_done()) {
        auto expect = parser.get()[http::field::expect];
        if (beast::iequals(expect, "100-continue")) {
          http::response<http::empty_body> cont{http::status::continue_, parser.get().version()};
          co_await http::async_write(c->stream, cont, asio::redirect_error(kAwait, ec));
        }
        // The body usually arrived with the head: parse what the buffer
        // holds first, sparing a read operation (and its trip through the
        // loop's queue) on every POST.
        if (!ec && buffer.size() > 0) {
          buffer.consume(parser.put(buffer.data(), ec));
          if (ec == http::error::need_more) ec = {};
        }
        if (!ec && !parser.is_done()) {
          co_await http::async_read(c->stream, buffer, parser, asio::redirect_error(kAwait, ec));
        }
      }
      c->reading = false;
      if (ec) {
        Status refusal;
        if (ec == http::error::body_limit) {
          refusal =
              Status(StatusCode::kResourceExhausted,
                     "the request body is larger than " + std::to_string(body_limit) + " bytes",
                     "payload_too_large");
        } else if (ec == http::error::header_limit) {
          refusal = InvalidArgument("the request headers are too large", "invalid_request");
        } else if (ec.category() == http::make_error_code(http::error::bad_target).category() &&
                   ec != http::error::end_of_stream && ec != http::error::partial_message) {
          refusal = InvalidArgument("malformed HTTP request", "invalid_request");
        }
        if (!refusal.ok()) {
          const std::string id = NewId("req");
          spdlog::info("request_id={} status={} error={}", id, HttpErrorFor(refusal).status,
                       HttpErrorFor(refusal).code);
          beast::error_code ignored;
          const ApiResponse answer = ErrorResponse(refusal);
          co_await Write(*c, answer, 11, false, id, ignored);
          co_await Linger(*c);
        }
        break;
      }
      auto& req = parser.get();
      ApiRequest api;
      api.method = std::string(req.method_string());
      ParseTarget(Sv(req.target()), api);
      for (const auto& field : req) {
        api.headers[Lower(Sv(field.name_string()))] = std::string(Sv(field.value()));
      }
      api.body = std::move(req.body());
      const std::string_view given = api.Header("x-request-id");
      api.request_id = IsGoodRequestId(given) ? std::string(given) : NewId("req");
      const std::string request_id = api.request_id;
      const unsigned version = req.version();
      bool keep_alive = req.keep_alive();
      const bool slow =
          std::any_of(options_.slow_lane_prefixes.begin(), options_.slow_lane_prefixes.end(),
                      [&](const std::string& prefix) { return api.path.starts_with(prefix); });
      asio::thread_pool& pool = slow ? slow_pool_ : pool_;
      LaneSlot slot;  // a slow-lane request's, until it is answered
      ApiResponse res;
      if (std::optional<ApiResponse> quick = OnLoop(api)) {
        res = std::move(*quick);
      } else if (slow && slow_in_flight_.load() >= options_.slow_lane_threads) {
        ++slow_refused_;
        res = Logged(api,
                     ErrorResponse(Status(StatusCode::kUnavailable,
                                          "the server is at its limit of " +
                                              std::to_string(options_.slow_lane_threads) +
                                              " such calls in flight; retry shortly",
                                          "overloaded")),
                     std::chrono::steady_clock::now());
      } else {
        if (slow) slot = LaneSlot(slow_in_flight_);
        auto work = [this, api = std::move(api)]() mutable { return Dispatch(api); };
        res = co_await OnPool<ApiResponse>(pool, std::move(work));
      }
      if (res.pending) {
        std::shared_ptr<PendingAnswer> pending = std::move(res.pending);
        res = co_await AwaitPending(std::move(pending));
      }
      if (res.stream) {
        co_await Stream(*c, res, version, request_id, pool);
        break;
      }
      keep_alive = keep_alive && !stopping_;
      co_await Write(*c, res, version, keep_alive, request_id, ec);
      if (ec || !keep_alive) break;
    }
    beast::error_code ignored;
    c->stream.socket().shutdown(tcp::socket::shutdown_send, ignored);
    c->stream.close();
    conns_.erase(c);
    open_ = conns_.size();
  }

  // On a worker: the handler, timed and logged (never a header value).
  ApiResponse Dispatch(ApiRequest& api) {
    const auto start = std::chrono::steady_clock::now();
    ApiResponse res;
    try {
      res = handler_(api);
    } catch (const std::exception& e) {
      spdlog::error("request_id={} handler threw: {}", api.request_id, e.what());
      res = ErrorResponse(Internal(e.what()));
    }
    return Logged(api, std::move(res), start);
  }

  // On the event loop: the loop handler's answer, timed and logged, or
  // nullopt when there is none (or it would block).
  std::optional<ApiResponse> OnLoop(ApiRequest& api) {
    if (!on_loop_) return std::nullopt;
    const auto start = std::chrono::steady_clock::now();
    std::optional<ApiResponse> res;
    try {
      res = on_loop_(api);
    } catch (const std::exception& e) {
      spdlog::error("request_id={} loop handler threw: {}", api.request_id, e.what());
      res = ErrorResponse(Internal(e.what()));
    }
    if (!res) return std::nullopt;
    return Logged(api, std::move(*res), start);
  }

  // Logs an answer now, or a deferred one when it arrives (on the thread that
  // resolves it, not on the event loop).
  static ApiResponse Logged(const ApiRequest& api, ApiResponse res,
                            std::chrono::steady_clock::time_point start) {
    if (!res.pending) {
      LogAnswer(api.request_id, api.method, api.path, res.status, start);
      return res;
    }
    res.pending->AddTap([start, id = api.request_id, method = api.method,
                         path = api.path](const ApiResponse& answer) {
      LogAnswer(id, method, path, answer.status, start);
    });
    return res;
  }

  // The request's log line (never a header value).
  static void LogAnswer(const std::string& request_id, const std::string& method,
                        const std::string& path, int status,
                        std::chrono::steady_clock::time_point start) {
    const auto us = std::chrono::duration_cast<std::chrono::microseconds>(
                        std::chrono::steady_clock::now() - start)
                        .count();
    spdlog::info("request_id={} method={} path={} status={} duration_us={}", request_id, method,
                 path, status, us);
  }

  const HttpServerOptions options_;
  const Handler handler_;
  const LoopHandler on_loop_;
  asio::io_context io_;
  tcp::acceptor acceptor_;
  asio::thread_pool pool_;
  asio::thread_pool slow_pool_;  // the slow lane's (one idle thread without one)
  asio::signal_set signals_;
  std::uint16_t port_ = 0;
  // Event-loop state (touched only on the loop thread).
  bool stopping_ = false;
  std::set<std::shared_ptr<Conn>> conns_;
  std::vector<std::shared_ptr<asio::steady_timer>> timers_;
  std::atomic<std::uint64_t> accepted_{0};
  std::atomic<std::uint64_t> rejected_{0};
  std::atomic<std::uint64_t> open_{0};
  // Changed on the loop only; atomic for GetStats.
  std::atomic<std::uint64_t> slow_in_flight_{0};  // slow-lane requests not yet answered
  std::atomic<std::uint64_t> slow_refused_{0};
};

HttpServer::HttpServer(HttpServerOptions options, Handler handler, LoopHandler on_loop)
    : impl_(std::make_unique<Impl>(std::move(options), std::move(handler), std::move(on_loop))) {}
HttpServer::~HttpServer() = default;
Status HttpServer::Start() { return impl_->Start(); }
std::uint16_t HttpServer::port() const { return impl_->port(); }
void HttpServer::Run() { impl_->Run(); }
void HttpServer::Stop() { impl_->Stop(); }
void HttpServer::Every(std::chrono::milliseconds period, std::function<void()> f) {
  impl_->Every(period, std::move(f));
}
void HttpServer::StopOnSignals(std::function<void(int)> f) { impl_->StopOnSignals(std::move(f)); }
HttpServer::Stats HttpServer::GetStats() const { return impl_->GetStats(); }

}  // namespace stub
