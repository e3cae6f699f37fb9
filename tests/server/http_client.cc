#include "http_client.h"

#include <utility>
//
#include <boost/asio.hpp>
#include <boost/beast/core.hpp>
#include <boost/beast/http.hpp>

namespace stub::server_testing {

namespace asio = boost::asio;
namespace beast = boost::beast;
namespace http = beast::http;
using tcp = asio::ip::tcp;

HttpClient::HttpClient(std::uint16_t port, std::string key)
    : key_(std::move(key)), conn_("127.0.0.1", port, /*keep_headers=*/true) {}

HttpClient::~HttpClient() = default;

HttpResult HttpClient::Send(const std::string& method, const std::string& target,
                            const std::string& body,
                            const std::map<std::string, std::string>& extra) {
  auto answer = conn_.Send(method, target, key_, body, HttpHeaders(extra.begin(), extra.end()));
  if (!answer.ok()) return {};
  HttpResult out;
  out.status = answer->status;
  out.body = std::move(answer->body);
  for (auto& [name, value] : answer->headers) out.headers[name] = std::move(value);
  return out;
}

std::string HttpClient::Raw(std::uint16_t port, const std::string& bytes) {
  asio::io_context io;
  tcp::socket socket(io);
  beast::error_code ec;
  socket.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return "";
  asio::write(socket, asio::buffer(bytes), ec);
  std::string got;
  char buf[4096];
  for (;;) {
    const std::size_t n = socket.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) break;
  }
  return got;
}

std::pair<int, std::vector<HttpClient::Event>> HttpClient::ReadEvents(
    std::uint16_t port, const std::string& key, const std::string& last_event_id, std::size_t count,
    const std::function<void()>& after_open) {
  return ReadEventsWithHeaders(port, "Authorization: Bearer " + key + "\r\n", last_event_id, count,
                               after_open);
}

std::pair<int, std::vector<HttpClient::Event>> HttpClient::ReadEventsWithHeaders(
    std::uint16_t port, const std::string& headers, const std::string& last_event_id,
    std::size_t count, const std::function<void()>& after_open) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return {0, {}};
  std::string request = "GET /v1/events HTTP/1.1\r\nHost: x\r\n" + headers;
  if (!last_event_id.empty()) request += "Last-Event-ID: " + last_event_id + "\r\n";
  request += "\r\n";
  asio::write(stream, asio::buffer(request), ec);
  std::string got;
  char buf[4096];
  std::size_t head_end = std::string::npos;
  std::vector<Event> events;
  bool opened = false;
  while (events.size() < count) {
    stream.expires_after(std::chrono::seconds(10));
    const std::size_t n = stream.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (head_end == std::string::npos) head_end = got.find("\r\n\r\n");
    if (head_end != std::string::npos && !opened) {
      opened = true;
      if (!got.starts_with("HTTP/1.1 200")) break;
      after_open();
    }
    if (head_end != std::string::npos) {
      // Parse complete blocks after the head.
      events.clear();
      std::size_t at = head_end + 4;
      for (;;) {
        const std::size_t end = got.find("\n\n", at);
        if (end == std::string::npos) break;
        const std::string block = got.substr(at, end - at);
        at = end + 2;
        if (block.starts_with(":")) continue;
        Event e;
        std::size_t line_at = 0;
        while (line_at < block.size()) {
          std::size_t nl = block.find('\n', line_at);
          if (nl == std::string::npos) nl = block.size();
          const std::string line = block.substr(line_at, nl - line_at);
          line_at = nl + 1;
          if (line.starts_with("id: ")) e.id = line.substr(4);
          if (line.starts_with("event: ")) e.event = line.substr(7);
          if (line.starts_with("data: ")) e.data = nlohmann::json::parse(line.substr(6));
        }
        // A block without data (the `retry:` prologue) dispatches no event.
        if (e.data.is_null()) continue;
        events.push_back(std::move(e));
      }
    }
    if (ec) break;
  }
  const int status = got.size() >= 12 ? std::atoi(got.substr(9, 3).c_str()) : 0;
  return {status, events};
}

std::string HttpClient::FirstStreamBytes(std::uint16_t port, const std::string& headers,
                                         std::chrono::milliseconds within) {
  asio::io_context io;
  beast::tcp_stream stream(io);
  beast::error_code ec;
  stream.connect(tcp::endpoint(asio::ip::make_address("127.0.0.1"), port), ec);
  if (ec) return "";
  const std::string request = "GET /v1/events HTTP/1.1\r\nHost: x\r\n" + headers + "\r\n";
  asio::write(stream, asio::buffer(request), ec);
  std::string got;
  char buf[4096];
  const auto deadline = std::chrono::steady_clock::now() + within;
  for (;;) {
    const std::size_t head_end = got.find("\r\n\r\n");
    if (head_end != std::string::npos && got.find("\n\n", head_end + 4) != std::string::npos) {
      return got.substr(head_end + 4);
    }
    const auto left = deadline - std::chrono::steady_clock::now();
    if (left <= std::chrono::milliseconds(0)) return "";
    stream.expires_after(std::chrono::duration_cast<std::chrono::milliseconds>(left));
    const std::size_t n = stream.read_some(asio::buffer(buf), ec);
    got.append(buf, n);
    if (ec) return "";
  }
}

}  // namespace stub::server_testing
