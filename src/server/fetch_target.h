// URLs of the requests Stub makes for a client (the x402 paying fetch): an
// http(s) URL split into the origin the connection goes to and the request
// target (path and query), and a redirect's Location resolved against it.
//
// Pure; thread-safe.
#pragma once

#include <string>
#include <string_view>

#include "core/status.h"
#include "server/upstream_client.h"

namespace stub {

inline constexpr std::size_t kMaxFetchUrlBytes = 8 * 1024;

struct FetchTarget {
  UpstreamTarget origin;  // scheme, host, port (origin.path empty)
  std::string target;     // "/path?query", never empty; no fragment
  std::string url;        // the whole URL, without its fragment

  // Parses an absolute http(s) URL: no userinfo, no whitespace or control
  // characters, at most kMaxFetchUrlBytes. Errors: kInvalidArgument
  // "invalid_request" naming what is wrong.
  static Result<FetchTarget> Parse(std::string_view url);

  // The target of a redirect from here to `location` (absolute, scheme-
  // relative "//host/…", absolute-path "/…" or relative "x/y"). Errors: as
  // Parse.
  Result<FetchTarget> Resolve(std::string_view location) const;
};

}  // namespace stub
