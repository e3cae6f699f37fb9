#include "server/fetch_target.h"

namespace stub {
namespace {

Status BadUrl(std::string why) {
  return InvalidArgument("'url' " + std::move(why), "invalid_request");
}

std::string AsciiLower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

}  // namespace

Result<FetchTarget> FetchTarget::Parse(std::string_view url) {
  if (url.size() > kMaxFetchUrlBytes) {
    return BadUrl("is longer than " + std::to_string(kMaxFetchUrlBytes) + " bytes");
  }
  for (const char c : url) {
    const auto u = static_cast<unsigned char>(c);
    if (u <= 0x20 || u == 0x7f) return BadUrl("holds a space or a control character");
  }
  if (const auto hash = url.find('#'); hash != std::string_view::npos) url = url.substr(0, hash);
  const auto sep = url.find("://");
  if (sep == std::string_view::npos) return BadUrl("must be an absolute http(s) URL");
  const std::string scheme = AsciiLower(url.substr(0, sep));
  if (scheme != "http" && scheme != "https") return BadUrl("must be an http or https URL");
  const std::string_view rest = url.substr(sep + 3);
  const auto end = rest.find_first_of("/?");
  const std::string_view authority = rest.substr(0, end);
  if (authority.empty()) return BadUrl("has no host");
  if (authority.find('@') != std::string_view::npos)
    return BadUrl("must not carry user information");
  FetchTarget t;
  auto origin = UpstreamTarget::Parse(scheme + "://" + std::string(authority));
  if (!origin.ok()) return BadUrl("has an invalid host or port");
  t.origin = std::move(*origin);
  std::string target(end == std::string_view::npos ? std::string_view() : rest.substr(end));
  if (target.empty() || target[0] == '?') target.insert(0, "/");
  t.target = std::move(target);
  t.url = scheme + "://" + std::string(authority) + t.target;
  return t;
}

Result<FetchTarget> FetchTarget::Resolve(std::string_view location) const {
  if (location.find("://") != std::string_view::npos) return Parse(location);
  const std::string scheme = origin.tls ? "https:" : "http:";
  if (location.starts_with("//")) return Parse(scheme + std::string(location));
  const std::string base = url.substr(0, url.size() - target.size());  // scheme://authority
  if (location.starts_with("/")) return Parse(base + std::string(location));
  std::string dir = target.substr(0, target.find('?'));
  dir = dir.substr(0, dir.rfind('/') + 1);
  return Parse(base + dir + std::string(location));
}

}  // namespace stub
