#include "server/spends_handler.h"

#include <charconv>
#include <limits>
#include <utility>

#include "server/api.h"
#include "server/api_error.h"
#include "server/json_views.h"

namespace stub {
namespace {

constexpr std::size_t kSpendsDefaultLimit = 100;
constexpr std::size_t kSpendsMaxLimit = 1000;

Status RequireSpendsReader(const Principal& p) {
  STUB_RETURN_IF_ERROR(
      RequireRole(p, {KeyRole::kAdmin, KeyRole::kFinance, KeyRole::kApprover, KeyRole::kAgent}));
  if (p.org.empty()) return Forbidden("this endpoint needs a key of an org");
  return Status::Ok();
}

Result<std::size_t> SpendsLimit(std::string_view text) {
  if (text.empty()) return kSpendsDefaultLimit;
  std::size_t v = 0;
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), v);
  if (ec != std::errc() || end != text.data() + text.size() || v == 0 || v > kSpendsMaxLimit) {
    return InvalidArgument("'limit' must be from 1 to " + std::to_string(kSpendsMaxLimit),
                           "invalid_request");
  }
  return v;
}

Result<SpendFilter> SpendsFilter(const ApiRequest& request) {
  SpendFilter f;
  f.agent = std::string(request.Query("agent"));
  f.team = std::string(request.Query("team"));
  f.vendor = std::string(request.Query("vendor"));
  f.category = std::string(request.Query("category"));
  f.user = std::string(request.Query("user"));
  f.session = std::string(request.Query("session"));
  const std::string_view status = request.Query("status");
  if (status == "approved") {
    f.status = SpendFilter::Status::kApproved;
  } else if (status == "denied") {
    f.status = SpendFilter::Status::kDenied;
  } else if (!status.empty()) {
    return InvalidArgument("'status' must be approved or denied", "invalid_request");
  }
  for (auto [name, bound] : {std::pair{"from", &f.from}, std::pair{"to", &f.to}}) {
    if (request.Query(name).empty()) continue;
    STUB_ASSIGN_OR_RETURN(*bound, ParseRfc3339(request.Query(name)));
  }
  return f;
}

}  // namespace

ApiResponse SpendsHandler::List(const ApiRequest& request, const Principal& p) {
  if (Status s = RequireSpendsReader(p); !s.ok()) return ErrorResponse(s);
  auto limit = SpendsLimit(request.Query("limit"));
  if (!limit.ok()) return ErrorResponse(limit.status());
  auto filter = SpendsFilter(request);
  if (!filter.ok()) return ErrorResponse(filter.status());
  if (p.role == KeyRole::kAgent) {
    // An agent key reads its own agent's items only.
    if (!filter->agent.empty() && filter->agent != p.agent) {
      return ErrorResponse(Forbidden("an agent key reads only its own agent's spends"));
    }
    filter->agent = p.agent;
  }
  std::optional<ItemKey> cursor;
  if (std::string_view c = request.Query("cursor"); !c.empty()) {
    auto key = ReadService::DecodeCursor(c);
    if (!key.ok()) return ErrorResponse(key.status());
    cursor = std::move(*key);
  }
  auto page = reads_.ListSpends(p.org, *filter, cursor, *limit);
  if (!page.ok()) return ErrorResponse(page.status());
  Json items = Json::array();
  for (const SpendItem& item : page->items) {
    if (const Entry* e = std::get_if<Entry>(&item)) {
      items.push_back(SpendItemJson(*e, /*with_receipt=*/false));
    } else {
      items.push_back(DenialItemJson(std::get<DenialRecord>(item)));
    }
  }
  Json out = {{"items", std::move(items)}};
  if (page->next) out["next_cursor"] = ReadService::EncodeCursor(*page->next);
  return JsonResponse(200, out);
}

ApiResponse SpendsHandler::Get(std::string_view id, const Principal& p) {
  if (Status s = RequireSpendsReader(p); !s.ok()) return ErrorResponse(s);
  auto item = reads_.GetSpend(p.org, id);
  if (!item.ok()) return ErrorResponse(item.status());
  if (p.role == KeyRole::kAgent) {
    // Another agent's item is, to an agent key, as if absent.
    const Entry* e = std::get_if<Entry>(&*item);
    const std::string& agent = e ? e->agent : std::get<DenialRecord>(*item).agent;
    if (agent != p.agent) {
      return ErrorResponse(NotFound("unknown spend '" + std::string(id) + "'", "not_found"));
    }
  }
  if (const Entry* e = std::get_if<Entry>(&*item)) {
    return JsonResponse(200, SpendItemJson(*e, /*with_receipt=*/true));
  }
  return JsonResponse(200, DenialItemJson(std::get<DenialRecord>(*item)));
}

}  // namespace stub
