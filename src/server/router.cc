#include "server/router.h"

#include <utility>

#include "server/api_error.h"

namespace stub {

std::vector<std::string_view> SplitPath(std::string_view path) {
  std::vector<std::string_view> out;
  if (path.empty() || path == "/") return out;
  if (path.front() == '/') path.remove_prefix(1);
  for (;;) {
    const auto slash = path.find('/');
    out.push_back(path.substr(0, slash));
    if (slash == std::string_view::npos) break;
    path.remove_prefix(slash + 1);
  }
  return out;
}

void Router::Add(std::string method, std::string_view pattern, RouteHandler handler,
                 LoopHandler on_loop) {
  Route r;
  r.method = std::move(method);
  r.pattern = std::string(pattern);
  for (auto seg : SplitPath(pattern)) r.segments.emplace_back(seg);
  r.handler = std::move(handler);
  r.on_loop = std::move(on_loop);
  routes_.push_back(std::move(r));
}

const Router::Route* Router::Match(const ApiRequest& request, PathParams& params,
                                   std::string& allow) const {
  const auto segments = SplitPath(request.path);
  for (const Route& r : routes_) {
    if (r.segments.size() != segments.size()) continue;
    params.clear();
    bool match = true;
    for (std::size_t i = 0; i < segments.size() && match; ++i) {
      const std::string& want = r.segments[i];
      if (want.size() > 2 && want.front() == '{' && want.back() == '}') {
        if (segments[i].empty()) match = false;
        params.emplace(want.substr(1, want.size() - 2), segments[i]);
      } else {
        match = want == segments[i];
      }
    }
    if (!match) continue;
    if (r.method == request.method) return &r;
    if (!allow.empty()) allow += ", ";
    allow += r.method;
  }
  return nullptr;
}

ApiResponse Router::Handle(const ApiRequest& request) const {
  PathParams params;
  std::string allow;
  if (const Route* r = Match(request, params, allow)) return r->handler(request, params);
  if (!allow.empty()) {
    ApiResponse res = ErrorResponse(Status(StatusCode::kInvalidArgument,
                                           "method " + request.method + " is not allowed here",
                                           "method_not_allowed"));
    res.headers.emplace_back("Allow", allow);
    return res;
  }
  if (fallback_) return fallback_(request, params);
  return ErrorResponse(NotFound("no such endpoint", "not_found"));
}

std::optional<ApiResponse> Router::TryOnLoop(const ApiRequest& request) const {
  PathParams params;
  std::string allow;
  const Route* r = Match(request, params, allow);
  if (r == nullptr || !r->on_loop) return std::nullopt;
  return r->on_loop(request, params);
}

std::vector<std::pair<std::string, std::string>> Router::Routes() const {
  std::vector<std::pair<std::string, std::string>> out;
  for (const Route& r : routes_) out.emplace_back(r.method, r.pattern);
  return out;
}

}  // namespace stub
