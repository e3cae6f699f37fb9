// A route handler that authenticates first: the request's key (or session)
// becomes a Principal handed to `endpoint`, and a request that does not
// authenticate is answered with its error and goes no further.
//
// `endpoint` is called as endpoint(request, params, principal) and returns
// an ApiResponse. `auth` must outlive the route.
#pragma once

#include <utility>

#include "server/api_error.h"
#include "server/auth.h"
#include "server/router.h"

namespace stub {

template <typename Endpoint>
auto Authed(const Authenticator& auth, Endpoint endpoint) {
  return
      [&auth, endpoint = std::move(endpoint)](const ApiRequest& request, const PathParams& params) {
        auto principal = auth.Authenticate(request);
        if (!principal.ok()) return ErrorResponse(principal.status());
        return endpoint(request, params, *principal);
      };
}

}  // namespace stub
