// Reading spends (SpendsHandler), the journal (a keyset page by seq), and
// verification.
#include <algorithm>
#include <charconv>
#include <utility>

#include "server/api.h"
#include "server/api_error.h"
#include "server/json_views.h"

namespace stub {
namespace {

constexpr std::size_t kDefaultLimit = 100;
constexpr std::size_t kMaxLimit = 1000;

Status RequireReader(const Principal& p) {
  STUB_RETURN_IF_ERROR(RequireRole(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover}));
  if (p.org.empty()) return Forbidden("this endpoint needs a key of an org");
  return Status::Ok();
}

Result<std::uint64_t> ParseCount(std::string_view text, std::string_view name) {
  std::uint64_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size()) {
    return InvalidArgument("'" + std::string(name) + "' must be a non-negative integer",
                           "invalid_request");
  }
  return v;
}

Result<std::size_t> ParseLimit(const ApiRequest& request) {
  if (request.Query("limit").empty()) return kDefaultLimit;
  STUB_ASSIGN_OR_RETURN(auto v, ParseCount(request.Query("limit"), "limit"));
  if (v == 0 || v > kMaxLimit) {
    return InvalidArgument("'limit' must be from 1 to " + std::to_string(kMaxLimit),
                           "invalid_request");
  }
  return static_cast<std::size_t>(v);
}

}  // namespace

ApiResponse Api::ListSpends(const ApiRequest& request, const PathParams&, const Principal& p) {
  return spends_.List(request, p);
}

ApiResponse Api::GetSpend(const ApiRequest&, const PathParams& params, const Principal& p) {
  return spends_.Get(params.at("id"), p);
}

ApiResponse Api::Journal(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireReader(p); !s.ok()) return ErrorResponse(s);
  auto limit = ParseLimit(request);
  if (!limit.ok()) return ErrorResponse(limit.status());
  std::uint64_t after = 0;
  if (!request.Query("after_seq").empty()) {
    auto v = ParseCount(request.Query("after_seq"), "after_seq");
    if (!v.ok()) return ErrorResponse(v.status());
    after = *v;
  }
  auto entries = reads_.Journal(p.org, after, *limit);
  if (!entries.ok()) return ErrorResponse(entries.status());
  Json out = Json::array();
  for (const Entry& e : *entries) out.push_back(EntryJson(e));
  Json body = {{"entries", std::move(out)}};
  // Where the next page starts; the journal ends at an empty page.
  body["next_after_seq"] = entries->empty() ? after : entries->back().seq;
  return JsonResponse(200, body);
}

ApiResponse Api::VerifyOrg(const ApiRequest&, const PathParams&, const Principal& p) {
  if (Status s = RequireReader(p); !s.ok()) return ErrorResponse(s);
  auto report = engine_.Verify(p.org);
  if (!report.ok()) return ErrorResponse(report.status());
  return JsonResponse(200, VerifyJson(*report));
}

}  // namespace stub
