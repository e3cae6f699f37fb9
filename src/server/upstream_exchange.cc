#include "server/upstream_exchange.h"

#include <algorithm>
#include <cctype>
#include <iterator>

namespace stub {

std::string_view UpstreamAnswer::Header(std::string_view name) const {
  for (const auto& [n, v] : headers) {
    if (n.size() == name.size() && std::equal(n.begin(), n.end(), name.begin(), [](char a, char b) {
          return a == std::tolower(static_cast<unsigned char>(b));
        })) {
      return v;
    }
  }
  return {};
}

Result<UpstreamAnswer> ExchangeWhole(UpstreamPool& pool, const FetchTarget& target,
                                     std::string_view method, const HeaderList& headers,
                                     std::string_view body, UpstreamTimeouts timeouts,
                                     std::size_t max_bytes, UpstreamCall::Resend resend) {
  STUB_ASSIGN_OR_RETURN(auto call, UpstreamCall::Start(pool, target.origin, method, target.target,
                                                       headers, body, timeouts, resend));
  UpstreamAnswer a;
  a.status = call->status();
  a.headers = call->headers();
  auto text = call->ReadAll(max_bytes);
  if (!text.ok()) {
    const std::string_view reason = text.status().reason();
    return Status(text.status().code(), text.status().message(),
                  reason == "upstream_too_large" ? std::string(reason) : "upstream_no_answer");
  }
  a.body = std::move(*text);
  return a;
}

HeaderList AgentHeaders(const HeaderList& from,
                        std::initializer_list<std::string_view> also_dropped) {
  static constexpr std::string_view kHopByHop[] = {
      "host", "content-length", "transfer-encoding",   "connection",      "keep-alive", "upgrade",
      "te",   "trailer",        "proxy-authorization", "proxy-connection"};
  const auto dropped = [&](std::string_view name) {
    return std::find(std::begin(kHopByHop), std::end(kHopByHop), name) != std::end(kHopByHop) ||
           std::find(also_dropped.begin(), also_dropped.end(), name) != also_dropped.end();
  };
  HeaderList out;
  for (const auto& [name, value] : from) {
    if (!dropped(name)) out.emplace_back(name, value);
  }
  out.emplace_back("user-agent", "stub-x402");
  return out;
}

bool NeverSent(const Status& status) {
  return status.reason() == "upstream_unavailable" || status.reason() == "target_not_public";
}

}  // namespace stub
