// Routes a request to its endpoint by method and path. Patterns are literal
// segments and "{name}" placeholders ("/v1/holds/{id}/capture"); a matched
// placeholder's segment is passed to the handler by name.
//
// No route for the path → the fallback handler when one is set (the
// dashboard), else 404 not_found; a route for the path but not the method →
// 405 method_not_allowed (with an Allow header).
//
// A route may also have a loop handler: a version of its handler that never
// blocks (no store access, no waiting), or says it would by returning
// nullopt. TryOnLoop runs it on the server's event loop, sparing the request
// two thread hand-offs; requests it does not answer go to Handle on a worker.
//
// Thread-safety: Add during setup only; Handle and TryOnLoop are then safe
// from any thread.
#pragma once

#include <functional>
#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "server/api_types.h"

namespace stub {

using PathParams = std::map<std::string, std::string, std::less<>>;
using RouteHandler = std::function<ApiResponse(const ApiRequest&, const PathParams&)>;
using LoopHandler = std::function<std::optional<ApiResponse>(const ApiRequest&, const PathParams&)>;

class Router {
 public:
  // `on_loop`, if given, must never block (see above).
  void Add(std::string method, std::string_view pattern, RouteHandler handler,
           LoopHandler on_loop = nullptr);
  // Answers the requests whose path no route has (runs on a worker).
  void SetFallback(RouteHandler fallback) { fallback_ = std::move(fallback); }
  ApiResponse Handle(const ApiRequest& request) const;
  // The loop handler's answer, or nullopt: no route, no loop handler, or it
  // would block. Never blocks.
  std::optional<ApiResponse> TryOnLoop(const ApiRequest& request) const;

  // The method and pattern of each route, in the order added.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" for a placeholder
    RouteHandler handler;
    LoopHandler on_loop;
  };
  // The route for the request's path and method (params filled), or nullptr
  // with `allow` listing the methods the path has (empty: no such path).
  const Route* Match(const ApiRequest& request, PathParams& params, std::string& allow) const;
  std::vector<Route> routes_;
  RouteHandler fallback_;
};

// Splits "/a/b/c" into {"a", "b", "c"} ("/" → {}). Empty segments ("//")
// are kept, so they match nothing.
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace stub
