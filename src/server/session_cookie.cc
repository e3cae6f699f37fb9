#include "server/session_cookie.h"

#include <openssl/crypto.h>

#include "server/api_error.h"

namespace stub {
namespace {

std::string_view TrimSpaces(std::string_view s) {
  while (!s.empty() && (s.front() == ' ' || s.front() == '\t')) s.remove_prefix(1);
  while (!s.empty() && (s.back() == ' ' || s.back() == '\t')) s.remove_suffix(1);
  return s;
}

std::string CookieAttributes(std::chrono::seconds max_age, bool secure) {
  std::string out =
      "; HttpOnly; SameSite=Strict; Path=/; Max-Age=" + std::to_string(max_age.count());
  if (secure) out += "; Secure";
  return out;
}

}  // namespace

std::string_view CookieValue(std::string_view cookie_header, std::string_view name) {
  while (!cookie_header.empty()) {
    const auto semi = cookie_header.find(';');
    const std::string_view pair = TrimSpaces(cookie_header.substr(0, semi));
    const auto eq = pair.find('=');
    if (eq != std::string_view::npos && TrimSpaces(pair.substr(0, eq)) == name) {
      std::string_view value = TrimSpaces(pair.substr(eq + 1));
      if (value.size() >= 2 && value.front() == '"' && value.back() == '"') {
        value = value.substr(1, value.size() - 2);
      }
      return value;
    }
    if (semi == std::string_view::npos) break;
    cookie_header.remove_prefix(semi + 1);
  }
  return {};
}

std::string SessionSetCookie(std::string_view token, std::chrono::seconds max_age, bool secure) {
  return std::string(kSessionCookie) + "=" + std::string(token) + CookieAttributes(max_age, secure);
}

std::string SessionClearCookie(bool secure) {
  return std::string(kSessionCookie) + "=" + CookieAttributes(std::chrono::seconds{0}, secure);
}

bool IsSafeMethod(std::string_view method) {
  return method == "GET" || method == "HEAD" || method == "OPTIONS";
}

Status CheckOrigin(const ApiRequest& request, bool behind_tls) {
  const std::string_view origin = request.Header("origin");
  if (origin.empty()) return Status::Ok();
  const std::string_view host = request.Header("host");
  const std::string own = std::string(behind_tls ? "https://" : "http://") + std::string(host);
  if (host.empty() || origin != own) {
    return Forbidden("the request comes from another origin (Origin: " + std::string(origin) +
                     "); the dashboard may only be used from " +
                     (host.empty() ? std::string("this server") : own));
  }
  return Status::Ok();
}

Status CheckBrowserWrite(const ApiRequest& request, std::string_view csrf_token, bool behind_tls) {
  STUB_RETURN_IF_ERROR(CheckOrigin(request, behind_tls));
  const std::string_view sent = request.Header("x-csrf-token");
  if (sent.empty()) {
    return Forbidden(
        "a request that changes state with the session cookie needs the X-CSRF-Token header (GET "
        "/v1/session returns the token)");
  }
  if (sent.size() != csrf_token.size() ||
      CRYPTO_memcmp(sent.data(), csrf_token.data(), sent.size()) != 0) {
    return Forbidden("the X-CSRF-Token header does not match this session's token");
  }
  return Status::Ok();
}

}  // namespace stub
