// The dashboard session cookie and the browser-write checks (issue 20).
//
// Cookie: `stub_session=<token>; HttpOnly; SameSite=Strict; Path=/;
// Max-Age=<seconds>` (plus `; Secure` when the server sits behind TLS).
// Sign-out sends the same with an empty value and Max-Age=0.
//
// A state-changing request (any method but GET, HEAD, OPTIONS) authenticated
// by the cookie must carry `X-CSRF-Token` equal to the session's token, and
// an `Origin` header, when present, must be the server's own origin:
// "http://" + Host (or "https://" + Host behind TLS). Otherwise 403 forbidden.
//
// Pure functions; thread-safe.
#pragma once

#include <chrono>
#include <string>
#include <string_view>

#include "core/status.h"
#include "server/api_types.h"

namespace stub {

inline constexpr std::string_view kSessionCookie = "stub_session";

// The value of cookie `name` in a Cookie header ("a=1; b=2"), or "" when
// absent (the first one wins when repeated).
std::string_view CookieValue(std::string_view cookie_header, std::string_view name);

// The Set-Cookie value that stores `token` for `max_age`.
std::string SessionSetCookie(std::string_view token, std::chrono::seconds max_age, bool secure);
// The Set-Cookie value that deletes the cookie.
std::string SessionClearCookie(bool secure);

// True for GET, HEAD and OPTIONS: the methods that change nothing.
bool IsSafeMethod(std::string_view method);

// OK when the request's Origin header is absent or names this server
// (see above); else 403 forbidden with the reason.
Status CheckOrigin(const ApiRequest& request, bool behind_tls);

// CheckOrigin, then the CSRF token (compared in constant time).
Status CheckBrowserWrite(const ApiRequest& request, std::string_view csrf_token, bool behind_tls);

}  // namespace stub
