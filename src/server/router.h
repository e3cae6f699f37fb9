// Routes a request to its endpoint by method and path. Patterns are literal
// segments and "{name}" placeholders ("/v1/holds/{id}/capture"); a matched
// placeholder's segment is passed to the handler by name.
//
// No route for the path → 404 not_found; a route for the path but not the
// method → 405 method_not_allowed (with an Allow header).
//
// Thread-safety: Add during setup only; Handle is then safe from any thread.
#pragma once

#include <functional>
#include <map>
#include <string>
#include <string_view>
#include <vector>

#include "server/api_types.h"

namespace stub {

using PathParams = std::map<std::string, std::string, std::less<>>;
using RouteHandler = std::function<ApiResponse(const ApiRequest&, const PathParams&)>;

class Router {
 public:
  void Add(std::string method, std::string_view pattern, RouteHandler handler);
  ApiResponse Handle(const ApiRequest& request) const;

  // The method and pattern of each route, in the order added.
  std::vector<std::pair<std::string, std::string>> Routes() const;

 private:
  struct Route {
    std::string method;
    std::string pattern;
    std::vector<std::string> segments;  // "{name}" for a placeholder
    RouteHandler handler;
  };
  std::vector<Route> routes_;
};

// Splits "/a/b/c" into {"a", "b", "c"} ("/" → {}). Empty segments ("//")
// are kept, so they match nothing.
std::vector<std::string_view> SplitPath(std::string_view path);

}  // namespace stub
