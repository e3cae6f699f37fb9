// The server tests' HTTP client: HttpConnection (one keep-alive connection to
// 127.0.0.1:port) with a key, JSON helpers and answers that tests can read;
// plus raw bytes and Server-Sent Events, which HttpConnection does not do.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <nlohmann/json.hpp>
#include <string>
#include <utility>
#include <vector>

#include "server/http_connection.h"

namespace stub::server_testing {

struct HttpResult {
  int status = 0;  // 0: the connection failed or was closed
  std::string body;
  std::map<std::string, std::string> headers;  // lowercase names
  nlohmann::json json() const {
    return nlohmann::json::parse(body, nullptr, /*allow_exceptions=*/false);
  }
  std::string header(const std::string& name) const {
    auto it = headers.find(name);
    return it == headers.end() ? "" : it->second;
  }
  // The contract error code, or "".
  std::string code() const {
    auto j = json();
    if (!j.is_object() || !j.contains("error")) return "";
    return j["error"].value("code", "");
  }
};

class HttpClient {
 public:
  explicit HttpClient(std::uint16_t port, std::string key = "");
  ~HttpClient();

  void set_key(std::string key) { key_ = std::move(key); }

  // Sends one request (reconnecting if the connection was closed) and reads
  // the answer. `extra` headers are added as given.
  HttpResult Send(const std::string& method, const std::string& target,
                  const std::string& body = "",
                  const std::map<std::string, std::string>& extra = {});
  HttpResult Get(const std::string& target) { return Send("GET", target); }
  HttpResult Post(const std::string& target, const nlohmann::json& body) {
    return Send("POST", target, body.dump());
  }
  HttpResult Put(const std::string& target, const nlohmann::json& body) {
    return Send("PUT", target, body.dump());
  }

  // Writes raw bytes on a fresh connection and reads until the server closes
  // it (or answers one response); returns what came back.
  static std::string Raw(std::uint16_t port, const std::string& bytes);

  struct Event {
    std::string id;
    std::string event;
    nlohmann::json data;
  };
  // Opens GET /v1/events (with Last-Event-ID when non-empty), calls
  // `after_open` once the response head has arrived, and reads until `count`
  // events came (heartbeat comments skipped) or 10 s passed without data.
  // Returns the status and the events read.
  static std::pair<int, std::vector<Event>> ReadEvents(
      std::uint16_t port, const std::string& key, const std::string& last_event_id,
      std::size_t count, const std::function<void()>& after_open = [] {});
  // ReadEvents with `headers` ("Name: value\r\n" lines) instead of the
  // Authorization header: a dashboard session's Cookie.
  static std::pair<int, std::vector<Event>> ReadEventsWithHeaders(
      std::uint16_t port, const std::string& headers, const std::string& last_event_id,
      std::size_t count, const std::function<void()>& after_open = [] {});
  // Opens GET /v1/events with `headers` and answers the body's bytes up to
  // and including its first blank line ("\n\n"), or "" when they do not
  // arrive `within`.
  static std::string FirstStreamBytes(std::uint16_t port, const std::string& headers,
                                      std::chrono::milliseconds within);

 private:
  std::string key_;
  HttpConnection conn_;
};

}  // namespace stub::server_testing
