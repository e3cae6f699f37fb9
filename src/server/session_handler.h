// /v1/session: the dashboard's sign-in, its reload and its sign-out
// (issue 20; server/session_cookie.h has the cookie and the CSRF rules).
//
//   POST /v1/session {"key": "<API key>"} (no Authorization needed) → 200
//     {"org","currency","kill_switch","role","key_id","name","csrf_token",
//     "expires_at"} and Set-Cookie stub_session=…; admin, finance and
//     approver keys only: an agent or root key → 403 forbidden, an unknown
//     or revoked key → 401 unauthorized. A cross-origin Origin header → 403
//     forbidden.
//   POST /v1/session {"link": "<sign-in link token>"} (`stub serve --demo`'s
//     single-use link) → the same answer and cookie as with the link's key;
//     a used, unknown or expired link → 401 unauthorized with a sentence
//     saying to ask for a new link or paste a key. Both fields → 400.
//   GET /v1/session with the cookie → 200, the same body (the page gets its
//     CSRF token back after a reload); no live session → 401 unauthorized.
//   DELETE /v1/session → 204 and a cookie cleared with Max-Age=0; a live
//     session is deleted in the store (its request must pass the CSRF and
//     Origin checks); with no live session it only clears the cookie.
//
// Thread-safe; the SessionService must outlive the handler.
#pragma once

#include "engine/session_service.h"
#include "server/api_types.h"
#include "server/auth.h"

namespace stub {

class SessionHandler {
 public:
  // `auth` recognises the configured root key (refused like a stored one).
  SessionHandler(SessionService& sessions, const Authenticator& auth)
      : sessions_(sessions), auth_(auth), behind_tls_(auth.behind_tls()) {}

  ApiResponse Create(const ApiRequest& request);
  ApiResponse Get(const ApiRequest& request);
  ApiResponse Delete(const ApiRequest& request);

 private:
  // The answer (and cookie) for a newly created session, or its error.
  ApiResponse Issued(const Result<IssuedSession>& issued) const;

  SessionService& sessions_;
  const Authenticator& auth_;
  const bool behind_tls_;
};

}  // namespace stub
