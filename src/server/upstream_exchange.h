// One request to a server Stub calls for an agent (an x402 resource, a paid
// MCP server), its answer read whole, within a bound.
//
// Thread-safe as UpstreamPool is; blocks on the upstream within `timeouts`.
#pragma once

#include <initializer_list>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/status.h"
#include "server/fetch_target.h"
#include "server/upstream_client.h"

namespace stub {

using HeaderList = std::vector<std::pair<std::string, std::string>>;

struct UpstreamAnswer {
  int status = 0;
  HeaderList headers;  // names lowercase
  std::string body;

  // The header's value, or "" (`name` in any case).
  std::string_view Header(std::string_view name) const;
};

// Sends the request and reads the answer whole, at most `max_bytes` of body.
// `resend` as UpstreamCall::Start's: a request that must not be repeated (a
// signed payment) goes exactly once, on a fresh connection.
// Errors: UpstreamCall::Start's before anything was sent (reasons
// upstream_unavailable, target_not_public); once the answer began, a broken or
// overlong one is reported as upstream_no_answer / upstream_too_large: the
// upstream may have acted on the request by then.
Result<UpstreamAnswer> ExchangeWhole(
    UpstreamPool& pool, const FetchTarget& target, std::string_view method,
    const HeaderList& headers, std::string_view body, UpstreamTimeouts timeouts,
    std::size_t max_bytes, UpstreamCall::Resend resend = UpstreamCall::Resend::kOnStaleConnection);

// The agent's headers to send upstream on its behalf: without the ones that
// belong to one connection (host, content-length, connection, …, proxy
// credentials), without `also_dropped` (names the caller sets itself;
// lowercase), and with Stub's user agent.
HeaderList AgentHeaders(const HeaderList& from,
                        std::initializer_list<std::string_view> also_dropped);

// True if the request never reached the upstream (`status` from
// ExchangeWhole): nothing it carried can have been acted on.
bool NeverSent(const Status& status);

}  // namespace stub
