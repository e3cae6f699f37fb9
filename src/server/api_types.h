// The server's transport-neutral view of one HTTP exchange: what the router
// and the endpoints see (no Beast types), and what they answer.
#pragma once

#include <functional>
#include <map>
#include <memory>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

namespace stub {

struct ApiRequest {
  std::string method;                        // "GET", "POST", …
  std::string path;                          // without the query string
  std::map<std::string, std::string> query;  // percent-decoded; the last value of a name wins
  // Lowercase header names. Holds the Authorization header: never log it.
  std::map<std::string, std::string> headers;
  std::string body;
  std::string request_id;  // for logs and the X-Request-Id response header

  // The header's value, or "" when absent. `name` in lowercase.
  std::string_view Header(std::string_view name) const {
    auto it = headers.find(std::string(name));
    return it == headers.end() ? std::string_view() : std::string_view(it->second);
  }
  // The query parameter's value, or "" when absent.
  std::string_view Query(std::string_view name) const {
    auto it = query.find(std::string(name));
    return it == query.end() ? std::string_view() : std::string_view(it->second);
  }
};

class PendingAnswer;  // server/pending_answer.h

struct ApiResponse {
  int status = 200;
  std::string body;  // empty for 204
  std::string content_type = "application/json";
  std::vector<std::pair<std::string, std::string>> headers;  // extra headers
  // A streaming answer (Server-Sent Events) when set: the status and headers
  // are sent (no Content-Length; the body ends when the connection closes),
  // then `stream` is called on a worker thread again and again; it appends
  // what is new to `out` (nothing: the server waits a little and asks again)
  // and returns false to end the stream. Calls never overlap.
  std::function<bool(std::string& out)> stream;
  // With `stream`: written right after the head, before `stream` is first
  // called, so the client sees the stream open at once (SSE: a `retry:`
  // line and a comment; EventSource fires `open` on the first bytes).
  std::string stream_prologue;
  // With `stream`: the callback itself waits (a bounded time) for something
  // new, so the server asks again at once rather than pausing, and checks
  // between calls whether the client has gone away (ending the stream).
  bool stream_waits = false;
  // With `stream`: called once, on a worker, after the stream has ended for
  // any reason; `completed` is true when `stream` itself ended it (returned
  // false), false when the client went away, a write failed or the server
  // is stopping. Not called when the stream never started (the head could
  // not be written) — then it is called with false as well.
  std::function<void(bool completed)> stream_done;
  // A deferred answer when set: the real response arrives through it later
  // (on another thread); every other field of this one is ignored.
  std::shared_ptr<PendingAnswer> pending;
};

}  // namespace stub
