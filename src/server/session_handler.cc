#include "server/session_handler.h"

#include <chrono>
#include <string>
#include <utility>

#include "server/api.h"
#include "server/api_error.h"
#include "server/json_body.h"
#include "server/session_cookie.h"

namespace stub {
namespace {

ApiResponse SessionBody(const SessionRow& row, const ApiKeyRow& key, const OrgRow& org) {
  return JsonResponse(200, Json{{"org", row.org},
                                {"currency", org.currency},
                                {"kill_switch", org.kill_switch},
                                {"role", std::string(KeyRoleName(key.role))},
                                {"key_id", key.id},
                                {"name", key.name},
                                {"csrf_token", row.csrf_token},
                                {"expires_at", FormatRfc3339(row.expires_at)}});
}

// Session answers are never cached by the browser or a proxy.
void NoStore(ApiResponse& r) { r.headers.emplace_back("Cache-Control", "no-store"); }

}  // namespace

ApiResponse SessionHandler::Create(const ApiRequest& request) {
  if (Status s = CheckOrigin(request, behind_tls_); !s.ok()) return ErrorResponse(s);
  auto body = ParseJsonObject(request.body);
  if (!body.ok()) return ErrorResponse(body.status());
  if (body->contains("link")) {
    if (body->contains("key")) {
      return ErrorResponse(
          InvalidArgument("send either 'key' or 'link', not both", "invalid_request"));
    }
    auto link = RequiredString(*body, "link");
    if (!link.ok()) return ErrorResponse(link.status());
    return Issued(sessions_.RedeemSignInLink(*link));
  }
  auto key = RequiredString(*body, "key");
  if (!key.ok()) return ErrorResponse(key.status());
  if (auth_.IsRootSecret(*key)) {
    return ErrorResponse(
        Forbidden("the root key has no org and cannot sign in to the dashboard; use an org's "
                  "admin, finance or approver key"));
  }
  return Issued(sessions_.Create(*key));
}

ApiResponse SessionHandler::Issued(const Result<IssuedSession>& issued) const {
  if (!issued.ok()) return ErrorResponse(issued.status());
  ApiResponse r = SessionBody(issued->row, issued->key, issued->org);
  NoStore(r);
  r.headers.emplace_back("Set-Cookie",
                         SessionSetCookie(issued->token, sessions_.options().ttl, behind_tls_));
  return r;
}

ApiResponse SessionHandler::Get(const ApiRequest& request) {
  const std::string_view token = CookieValue(request.Header("cookie"), kSessionCookie);
  if (token.empty()) return ErrorResponse(Unauthorized("not signed in: no session cookie"));
  auto grant = sessions_.Authenticate(token);
  if (!grant.ok()) return ErrorResponse(grant.status());
  if (!*grant) {
    return ErrorResponse(Unauthorized(
        "the dashboard session has expired, was signed out, or its key was revoked: sign in "
        "again"));
  }
  ApiResponse r = SessionBody((*grant)->row, (*grant)->key, (*grant)->org);
  NoStore(r);
  return r;
}

ApiResponse SessionHandler::Delete(const ApiRequest& request) {
  const std::string_view token = CookieValue(request.Header("cookie"), kSessionCookie);
  if (!token.empty()) {
    auto grant = sessions_.Authenticate(token);
    if (!grant.ok()) return ErrorResponse(grant.status());
    if (*grant) {
      if (Status s = CheckBrowserWrite(request, (*grant)->row.csrf_token, behind_tls_); !s.ok()) {
        return ErrorResponse(s);
      }
      if (Status s = sessions_.Delete(token); !s.ok()) return ErrorResponse(s);
    }
  }
  ApiResponse r;
  r.status = 204;
  r.headers.emplace_back("Set-Cookie", SessionClearCookie(behind_tls_));
  NoStore(r);
  return r;
}

}  // namespace stub
