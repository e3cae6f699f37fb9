#include "cli/loadgen_command.h"

// Boost 1.74's awaitable.hpp uses std::exchange without including <utility>.
#include <utility>
//
#include <algorithm>
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>
#include <charconv>
#include <chrono>
#include <cmath>
#include <nlohmann/json.hpp>
#include <sstream>
#include <vector>

#include "cli/exit_codes.h"
#include "engine/ids.h"

namespace stub {
namespace {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;
using SteadyClock = std::chrono::steady_clock;

const auto kAwait = asio::use_awaitable;

// "http://host:port[/]" → host, port.
Status ParseHttpUrl(std::string_view url, std::string& host, std::uint16_t& port) {
  constexpr std::string_view kScheme = "http://";
  if (!url.starts_with(kScheme)) return UsageError("--url must be http://host:port");
  url.remove_prefix(kScheme.size());
  while (url.ends_with('/')) url.remove_suffix(1);
  const auto colon = url.rfind(':');
  if (colon == std::string_view::npos || colon == 0 || url.find('/') != std::string_view::npos) {
    return UsageError("--url must be http://host:port");
  }
  unsigned value = 0;
  const std::string_view p = url.substr(colon + 1);
  const auto [end, ec] = std::from_chars(p.data(), p.data() + p.size(), value);
  if (ec != std::errc() || end != p.data() + p.size() || value == 0 || value > 65535) {
    return UsageError("--url has a bad port '" + std::string(p) + "'");
  }
  host = std::string(url.substr(0, colon));
  if (host.size() >= 2 && host.front() == '[' && host.back() == ']') {
    host = host.substr(1, host.size() - 2);
  }
  port = static_cast<std::uint16_t>(value);
  return Status::Ok();
}

// Nearest-rank percentile of sorted microseconds, in ms.
double PercentileMs(const std::vector<std::int64_t>& sorted_us, double q) {
  if (sorted_us.empty()) return 0;
  auto rank = static_cast<std::size_t>(std::ceil(q * static_cast<double>(sorted_us.size())));
  rank = std::clamp<std::size_t>(rank, 1, sorted_us.size());
  return static_cast<double>(sorted_us[rank - 1]) / 1000.0;
}

class LoadRun {
 public:
  LoadRun(const LoadgenConfig& config, tcp::endpoint endpoint, std::uint64_t total)
      : config_(config), endpoint_(endpoint), total_(total), run_id_(NewId("lg")) {
    latencies_us_.reserve(total);
  }

  void Execute() {
    // Connections open first; the schedule starts once they had time to.
    t0_ = SteadyClock::now() + std::chrono::milliseconds(100);
    for (int c = 0; c < config_.connections; ++c) {
      asio::co_spawn(io_, Connection(), asio::detached);
    }
    io_.run();
  }

  void Fill(LoadgenReport& report) {
    std::sort(latencies_us_.begin(), latencies_us_.end());
    report.scheduled = total_;
    report.answered = latencies_us_.size();
    report.by_status = by_status_;
    for (const auto& [status, n] : by_status_) {
      if (status >= 200 && status < 300) report.ok += n;
    }
    report.elapsed = report.answered == 0
                         ? config_.seconds
                         : std::chrono::duration<double>(last_answer_ - t0_).count();
    report.achieved_rate =
        report.elapsed > 0 ? static_cast<double>(report.answered) / report.elapsed : 0;
    report.p50_ms = PercentileMs(latencies_us_, 0.50);
    report.p90_ms = PercentileMs(latencies_us_, 0.90);
    report.p99_ms = PercentileMs(latencies_us_, 0.99);
    report.p999_ms = PercentileMs(latencies_us_, 0.999);
    report.max_ms = latencies_us_.empty() ? 0 : static_cast<double>(latencies_us_.back()) / 1000.0;
    std::int64_t sum = 0;
    for (std::int64_t us : latencies_us_) sum += us;
    report.mean_ms = latencies_us_.empty() ? 0
                                           : static_cast<double>(sum) / 1000.0 /
                                                 static_cast<double>(latencies_us_.size());
    report.max_send_lag_ms = static_cast<double>(max_lag_us_) / 1000.0;
  }

 private:
  SteadyClock::time_point Due(std::uint64_t i) const {
    return t0_ + std::chrono::duration_cast<SteadyClock::duration>(
                     std::chrono::duration<double>(static_cast<double>(i) / config_.rate));
  }

  http::request<http::string_body> Request(std::uint64_t i) const {
    const bool spend = config_.target == "spend";
    http::request<http::string_body> req{spend ? http::verb::post : http::verb::get,
                                         spend ? "/v1/spends" : "/healthz", 11};
    req.set(http::field::host, endpoint_.address().to_string());
    if (!config_.key.empty()) req.set(http::field::authorization, "Bearer " + config_.key);
    if (spend) {
      const nlohmann::json body = {{"agent", config_.agent},
                                   {"amount", config_.amount},
                                   {"vendor", config_.vendor},
                                   {"category", config_.category},
                                   {"idempotency_key", run_id_ + "-" + std::to_string(i)}};
      req.set(http::field::content_type, "application/json");
      req.body() = body.dump();
    }
    req.keep_alive(true);
    req.prepare_payload();
    return req;
  }

  void Record(int status, SteadyClock::time_point due, SteadyClock::time_point answered) {
    ++by_status_[status];
    if (status == 0) return;
    latencies_us_.push_back(
        std::chrono::duration_cast<std::chrono::microseconds>(answered - due).count());
    last_answer_ = std::max(last_answer_, answered);
  }

  // Opens `stream` (a fresh connection, `buffer` emptied); false on failure.
  asio::awaitable<bool> Connect(beast::tcp_stream& stream, beast::flat_buffer& buffer) {
    beast::error_code ec;
    buffer.clear();
    stream.expires_after(std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(config_.timeout_seconds)));
    co_await stream.async_connect(endpoint_, asio::redirect_error(kAwait, ec));
    if (ec) co_return false;
    stream.socket().set_option(tcp::no_delay(true), ec);
    co_return true;
  }

  asio::awaitable<void> Connection() {
    beast::tcp_stream stream(io_);
    beast::flat_buffer buffer;
    asio::steady_timer timer(io_);
    const auto timeout = std::chrono::duration_cast<SteadyClock::duration>(
        std::chrono::duration<double>(config_.timeout_seconds));
    beast::error_code ec;
    bool open = co_await Connect(stream, buffer);
    for (;;) {
      const std::uint64_t i = next_++;
      if (i >= total_) break;
      const SteadyClock::time_point due = Due(i);
      if (SteadyClock::now() < due) {
        timer.expires_at(due);
        co_await timer.async_wait(asio::redirect_error(kAwait, ec));
      }
      const auto lag =
          std::chrono::duration_cast<std::chrono::microseconds>(SteadyClock::now() - due);
      max_lag_us_ = std::max<std::int64_t>(max_lag_us_, lag.count());
      if (!open) open = co_await Connect(stream, buffer);
      if (!open) {
        Record(0, due, SteadyClock::now());
        continue;
      }
      http::request<http::string_body> req = Request(i);
      stream.expires_after(timeout);
      co_await http::async_write(stream, req, asio::redirect_error(kAwait, ec));
      http::response<http::string_body> res;
      if (!ec) co_await http::async_read(stream, buffer, res, asio::redirect_error(kAwait, ec));
      const SteadyClock::time_point answered = SteadyClock::now();
      if (ec) {
        Record(0, due, answered);
        stream.close();
        open = false;
        continue;
      }
      Record(static_cast<int>(res.result_int()), due, answered);
      if (!res.keep_alive()) {
        stream.close();
        open = false;
      }
    }
    if (open) {
      stream.socket().shutdown(tcp::socket::shutdown_both, ec);
      stream.close();
    }
  }

  const LoadgenConfig& config_;
  const tcp::endpoint endpoint_;
  const std::uint64_t total_;
  const std::string run_id_;
  asio::io_context io_{1};
  SteadyClock::time_point t0_;
  SteadyClock::time_point last_answer_{};
  std::uint64_t next_ = 0;
  std::vector<std::int64_t> latencies_us_;
  std::map<int, std::uint64_t> by_status_;
  std::int64_t max_lag_us_ = 0;
};

}  // namespace

Result<LoadgenReport> RunLoadgen(const LoadgenConfig& config) {
  if (!(config.rate > 0 && config.rate <= 1e6)) return UsageError("--rate must be in (0, 1000000]");
  if (!(config.seconds > 0 && config.seconds <= 3600)) {
    return UsageError("--seconds must be in (0, 3600]");
  }
  if (config.connections < 1 || config.connections > 10'000) {
    return UsageError("--connections must be 1..10000");
  }
  if (config.target != "spend" && config.target != "healthz") {
    return UsageError("--target must be spend or healthz");
  }
  if (config.target == "spend" && config.key.empty()) {
    return UsageError("--key is required for spends");
  }
  if (!(config.timeout_seconds > 0)) return UsageError("--timeout must be positive");
  std::string host;
  std::uint16_t port = 0;
  STUB_RETURN_IF_ERROR(ParseHttpUrl(config.url, host, port));
  beast::error_code ec;
  const auto address = asio::ip::make_address(host, ec);
  if (ec) return UsageError("--url needs a numeric host (e.g. 127.0.0.1), not '" + host + "'");
  const auto total = static_cast<std::uint64_t>(std::llround(config.rate * config.seconds));
  if (total == 0) return UsageError("--rate × --seconds schedules no request");

  LoadRun run(config, tcp::endpoint(address, port), total);
  run.Execute();
  LoadgenReport report;
  report.config = config;
  run.Fill(report);
  if (report.answered == 0) {
    return Unavailable("no request was answered by " + config.url + " (is stub serve running?)");
  }
  return report;
}

std::string LoadgenReportJson(const LoadgenReport& r) {
  nlohmann::ordered_json j;
  j["url"] = r.config.url;
  j["target"] = r.config.target;
  j["rate"] = r.config.rate;
  j["seconds"] = r.config.seconds;
  j["connections"] = r.config.connections;
  j["scheduled"] = r.scheduled;
  j["answered"] = r.answered;
  j["ok"] = r.ok;
  nlohmann::ordered_json statuses = nlohmann::ordered_json::object();
  for (const auto& [status, n] : r.by_status) {
    statuses[status == 0 ? std::string("no_answer") : std::to_string(status)] = n;
  }
  j["statuses"] = statuses;
  j["elapsed"] = r.elapsed;
  j["achieved_rate"] = r.achieved_rate;
  j["latency_ms"] = {{"p50", r.p50_ms},    {"p90", r.p90_ms}, {"p99", r.p99_ms},
                     {"p99.9", r.p999_ms}, {"max", r.max_ms}, {"mean", r.mean_ms}};
  j["latency_from"] = "scheduled send time";
  j["max_send_lag_ms"] = r.max_send_lag_ms;
  return j.dump();
}

std::string LoadgenReportText(const LoadgenReport& r) {
  std::ostringstream out;
  out << "Stub loadgen: " << r.config.target << " at " << r.config.rate << "/s for "
      << r.config.seconds << " s on " << r.config.connections << " connection(s) to "
      << r.config.url << " (open loop)\n"
      << "  requests    " << r.scheduled << " scheduled, " << r.answered << " answered, " << r.ok
      << " 2xx; achieved " << static_cast<std::uint64_t>(r.achieved_rate) << "/s\n"
      << "  statuses   ";
  for (const auto& [status, n] : r.by_status) {
    out << " " << (status == 0 ? std::string("no-answer") : std::to_string(status)) << "×" << n;
  }
  out << "\n"
      << "  latency     p50 " << r.p50_ms << " ms, p90 " << r.p90_ms << " ms, p99 " << r.p99_ms
      << " ms, p99.9 " << r.p999_ms << " ms, max " << r.max_ms << " ms (from the scheduled send)\n"
      << "  client lag  max " << r.max_send_lag_ms << " ms behind schedule\n";
  return out.str();
}

}  // namespace stub
