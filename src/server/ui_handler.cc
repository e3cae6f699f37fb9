#include "server/ui_handler.h"

#include <filesystem>
#include <fstream>
#include <iterator>
#include <system_error>
#include <utility>

#include "server/api_error.h"

namespace stub {
namespace {

constexpr std::string_view kContentSecurityPolicy =
    "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; "
    "connect-src 'self'; font-src 'self'; object-src 'none'; base-uri 'none'; "
    "form-action 'self'; frame-ancestors 'none'";

// Beyond this a file under --ui-dir is not served (a dev build's largest
// bundle with its source map is a few MiB).
constexpr std::uintmax_t kMaxUiFileBytes = 64u << 20;

constexpr std::string_view kNotBuiltPage = R"html(<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Stub: the dashboard was not built</title></head>
<body>
<h1>The Stub dashboard was not built into this binary</h1>
<p>The API works as usual (see <a href="/openapi.json">/openapi.json</a>).</p>
<p>To build the dashboard, run <code>bash scripts/run.sh</code> (it builds <code>ui/</code> with
Node and npm, then this binary with the dashboard embedded), or build it yourself:
<code>cd ui &amp;&amp; npm ci &amp;&amp; npm run build</code>, then rebuild <code>stub</code>
(CMake embeds <code>ui/dist</code>). To serve a build from disk instead, start
<code>stub serve --ui-dir ui/dist</code>.</p>
</body>
</html>
)html";

void AddUiHeaders(ApiResponse& r) {
  r.headers.emplace_back("Content-Security-Policy", std::string(kContentSecurityPolicy));
  r.headers.emplace_back("X-Content-Type-Options", "nosniff");
  r.headers.emplace_back("Referrer-Policy", "same-origin");
  r.headers.emplace_back("X-Frame-Options", "DENY");
}

int UiHexDigit(char c) {
  if (c >= '0' && c <= '9') return c - '0';
  if (c >= 'a' && c <= 'f') return c - 'a' + 10;
  if (c >= 'A' && c <= 'F') return c - 'A' + 10;
  return -1;
}

// The path without its leading '/', percent-decoded and checked: no "." or
// ".." segment, no empty segment, no backslash, no NUL. false: refused.
bool CheckedRelativePath(std::string_view path, std::string& out) {
  out.clear();
  if (path.empty() || path.front() != '/') return false;
  path.remove_prefix(1);
  for (std::size_t i = 0; i < path.size(); ++i) {
    char c = path[i];
    if (c == '%') {
      if (i + 2 >= path.size()) return false;
      const int hi = UiHexDigit(path[i + 1]);
      const int lo = UiHexDigit(path[i + 2]);
      if (hi < 0 || lo < 0) return false;
      c = static_cast<char>(hi * 16 + lo);
      i += 2;
    }
    if (c == '\0' || c == '\\') return false;
    out.push_back(c);
  }
  std::string_view rest = out;
  while (!rest.empty()) {
    const auto slash = rest.find('/');
    const std::string_view segment = rest.substr(0, slash);
    if (segment == "." || segment == ".." || (segment.empty() && slash != std::string_view::npos)) {
      return false;
    }
    if (slash == std::string_view::npos) break;
    rest.remove_prefix(slash + 1);
  }
  return true;
}

bool UnderDirectory(const std::filesystem::path& root, const std::filesystem::path& file) {
  auto r = root.begin();
  auto f = file.begin();
  for (; r != root.end(); ++r, ++f) {
    if (f == file.end() || *r != *f) return false;
  }
  return true;
}

}  // namespace

UiHandler::UiHandler(UiOptions options) : options_(std::move(options)) {
  for (const UiAsset& a : options_.assets) embedded_.emplace(a.path, a.bytes);
}

bool UiHandler::IsApiPath(std::string_view path) {
  for (std::string_view prefix : {"/v1", "/llm", "/mcp"}) {
    if (path == prefix ||
        (path.starts_with(prefix) && path.size() > prefix.size() && path[prefix.size()] == '/')) {
      return true;
    }
  }
  return path == "/healthz" || path == "/readyz" || path == "/metrics" || path == "/openapi.json";
}

std::string_view UiHandler::ContentTypeFor(std::string_view path) {
  const auto dot = path.rfind('.');
  const std::string_view ext = dot == std::string_view::npos ? "" : path.substr(dot + 1);
  if (ext == "html") return "text/html; charset=utf-8";
  if (ext == "js" || ext == "mjs") return "text/javascript; charset=utf-8";
  if (ext == "css") return "text/css; charset=utf-8";
  if (ext == "svg") return "image/svg+xml";
  if (ext == "png") return "image/png";
  if (ext == "ico") return "image/x-icon";
  if (ext == "json" || ext == "map") return "application/json";
  if (ext == "webmanifest") return "application/manifest+json";
  if (ext == "woff2") return "font/woff2";
  if (ext == "woff") return "font/woff";
  if (ext == "txt") return "text/plain; charset=utf-8";
  if (ext == "webp") return "image/webp";
  return "application/octet-stream";
}

bool UiHandler::Find(const std::string& rel, std::string& out) const {
  if (options_.dir.empty()) {
    auto it = embedded_.find(rel);
    if (it == embedded_.end()) return false;
    out.assign(it->second);
    return true;
  }
  namespace fs = std::filesystem;
  std::error_code ec;
  const fs::path root = fs::canonical(options_.dir, ec);
  if (ec) return false;
  const fs::path file = fs::canonical(root / fs::path(rel), ec);
  if (ec || !UnderDirectory(root, file) || !fs::is_regular_file(file, ec) || ec) return false;
  const std::uintmax_t size = fs::file_size(file, ec);
  if (ec || size > kMaxUiFileBytes) return false;
  std::ifstream in(file, std::ios::binary);
  if (!in) return false;
  out.assign(std::istreambuf_iterator<char>(in), std::istreambuf_iterator<char>());
  return !in.bad();
}

ApiResponse UiHandler::File(std::string_view rel, std::string body, bool immutable) const {
  ApiResponse r;
  r.status = 200;
  r.content_type = std::string(ContentTypeFor(rel));
  r.body = std::move(body);
  r.headers.emplace_back("Cache-Control",
                         immutable ? "public, max-age=31536000, immutable" : "no-cache");
  AddUiHeaders(r);
  return r;
}

ApiResponse UiHandler::Serve(const ApiRequest& request) const {
  if (IsApiPath(request.path)) return ErrorResponse(NotFound("no such endpoint", "not_found"));
  if (request.method != "GET") {
    ApiResponse r = ErrorResponse(Status(StatusCode::kInvalidArgument,
                                         "method " + request.method + " is not allowed here",
                                         "method_not_allowed"));
    r.headers.emplace_back("Allow", "GET");
    return r;
  }
  std::string rel;
  if (!CheckedRelativePath(request.path, rel)) {
    ApiResponse r = ErrorResponse(InvalidArgument(
        "the path may not contain '.' or '..' segments, backslashes or NUL", "invalid_request"));
    AddUiHeaders(r);
    return r;
  }
  std::string body;
  if (rel.starts_with("assets/")) {
    if (!Find(rel, body)) {
      ApiResponse r = ErrorResponse(NotFound("no such dashboard asset", "not_found"));
      AddUiHeaders(r);
      return r;
    }
    return File(rel, std::move(body), /*immutable=*/true);
  }
  if (!rel.empty() && Find(rel, body)) return File(rel, std::move(body), /*immutable=*/false);
  // The app's own routes: the page loads and routes on the client.
  if (Find("index.html", body)) return File("index.html", std::move(body), /*immutable=*/false);
  return File("index.html", std::string(kNotBuiltPage), /*immutable=*/false);
}

}  // namespace stub
