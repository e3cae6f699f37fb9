// GET / and the dashboard's files (issue 20), without authentication: the
// sign-in page is public, and the API behind it checks every call.
//
// Where the files come from: the set embedded at build time
// (server/ui_assets.h), or, with `stub serve --ui-dir DIR`, a development
// build read from DIR on every request (only regular files under DIR: the
// path is percent-decoded and a "." or ".." segment, a backslash or a NUL is
// refused with 400 invalid_request; symbolic links leading out of DIR are not
// followed).
//
// What it answers, for a request the router has no route for:
//   - API paths (/v1, /healthz, /readyz, /metrics, /openapi.json, /llm, /mcp
//     and below): 404 not_found, as the router would.
//   - a method other than GET: 405 method_not_allowed (Allow: GET).
//   - /assets/<file>: the file, Cache-Control "public, max-age=31536000,
//     immutable" (Vite hashes these names); unknown → 404 not_found.
//   - another existing file (favicon.svg, index.html, …): the file,
//     Cache-Control "no-cache".
//   - anything else (client-side routes: /budgets, /spends/…): index.html,
//     "no-cache" — or, when no dashboard was built, a short page that says
//     how to build it.
// Every answer carries the Content-Security-Policy (no inline script),
// X-Content-Type-Options, Referrer-Policy and X-Frame-Options headers.
//
// Thread-safe (immutable after construction).
#pragma once

#include <span>
#include <string>
#include <string_view>
#include <unordered_map>

#include "server/api_types.h"
#include "server/ui_assets.h"

namespace stub {

struct UiOptions {
  // A development build to serve from disk; "" serves `assets`.
  std::string dir;
  std::span<const UiAsset> assets = EmbeddedUiAssets();
};

class UiHandler {
 public:
  explicit UiHandler(UiOptions options);

  ApiResponse Serve(const ApiRequest& request) const;

  // The routes that never fall back to the dashboard.
  static bool IsApiPath(std::string_view path);
  // The Content-Type for a file name, by its extension.
  static std::string_view ContentTypeFor(std::string_view path);

 private:
  // The bytes of `rel` (a checked relative path), or false when absent.
  bool Find(const std::string& rel, std::string& out) const;
  ApiResponse File(std::string_view rel, std::string body, bool immutable) const;

  UiOptions options_;
  std::unordered_map<std::string_view, std::string_view> embedded_;
};

}  // namespace stub
