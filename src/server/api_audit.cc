// Reading spends, the journal, and verification.
//
// GET /v1/spends reads the org's journal and denials and filters them here:
// a linear scan per request, fine for the embedded store's sizes; an indexed
// query belongs to the query issue.
#include <algorithm>
#include <charconv>
#include <utility>

#include "server/api.h"
#include "server/api_error.h"
#include "server/json_views.h"

namespace stub {
namespace {

constexpr std::size_t kAuditPage = 1000;
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

// Every entry of the org, in seq order.
Result<std::vector<Entry>> AllEntries(Transaction& txn, std::string_view org) {
  std::vector<Entry> out;
  std::uint64_t after = 0;
  for (;;) {
    STUB_ASSIGN_OR_RETURN(auto page, txn.ListEntries(org, after, kAuditPage));
    for (auto& e : page) out.push_back(std::move(e));
    if (page.size() < kAuditPage) return out;
    after = out.back().seq;
  }
}

bool IsSpendEntry(const Entry& e) {
  return e.kind == EntryKind::kSpend || e.kind == EntryKind::kCapture;
}

struct Item {
  Timestamp created_at;
  std::string id;
  Json json;
};

}  // namespace

ApiResponse Api::ListSpends(const ApiRequest& request, const PathParams&, const Principal& p) {
  if (Status s = RequireReader(p); !s.ok()) return ErrorResponse(s);
  auto limit = ParseLimit(request);
  if (!limit.ok()) return ErrorResponse(limit.status());
  const std::string_view status = request.Query("status");
  if (!status.empty() && status != "approved" && status != "denied") {
    return ErrorResponse(InvalidArgument("'status' must be approved or denied", "invalid_request"));
  }
  Timestamp from = std::numeric_limits<Timestamp>::min();
  Timestamp to = std::numeric_limits<Timestamp>::max();
  for (auto [name, bound] : {std::pair{"from", &from}, std::pair{"to", &to}}) {
    if (request.Query(name).empty()) continue;
    auto t = ParseRfc3339(request.Query(name));
    if (!t.ok()) return ErrorResponse(t.status());
    *bound = *t;
  }
  // Cursor: "<created_at>:<id>" of the last item returned; items are newest
  // first, so the next page holds what sorts after it.
  std::optional<std::pair<Timestamp, std::string>> cursor;
  if (auto c = request.Query("cursor"); !c.empty()) {
    const auto colon = c.find(':');
    Timestamp at = 0;
    const auto [end, ec] = std::from_chars(c.data(), c.data() + (colon == c.npos ? 0 : colon), at);
    if (colon == c.npos || ec != std::errc() || end != c.data() + colon) {
      return ErrorResponse(InvalidArgument("malformed cursor", "invalid_request"));
    }
    cursor.emplace(at, std::string(c.substr(colon + 1)));
  }
  const std::string_view agent = request.Query("agent");
  const std::string_view team = request.Query("team");
  const std::string_view vendor = request.Query("vendor");
  const std::string_view category = request.Query("category");

  auto txn = store_.Begin({.read_only = true});
  if (!txn.ok()) return ErrorResponse(txn.status());
  std::vector<Item> items;
  auto keep = [&](Timestamp at, std::string_view item_agent, const std::vector<std::string>* path,
                  std::string_view item_vendor, std::string_view item_category) {
    if (at < from || at >= to) return false;
    if (!agent.empty() && item_agent != agent) return false;
    if (!vendor.empty() && item_vendor != vendor) return false;
    if (!category.empty() && item_category != category) return false;
    if (!team.empty() &&
        (path == nullptr || std::find(path->begin(), path->end(), team) == path->end())) {
      return false;
    }
    return true;
  };
  std::vector<std::string> chain;  // for denials: the agent's path now
  if (status.empty() || status == "approved") {
    auto entries = AllEntries(**txn, p.org);
    if (!entries.ok()) return ErrorResponse(entries.status());
    for (const Entry& e : *entries) {
      if (!IsSpendEntry(e) || !keep(e.created_at, e.agent, &e.path, e.vendor, e.category)) {
        continue;
      }
      items.push_back({e.created_at, e.ref, SpendItemJson(e, false)});
    }
  }
  if (status.empty() || status == "denied") {
    auto denials = (*txn)->ListDenials(p.org, std::numeric_limits<std::size_t>::max());
    if (!denials.ok()) return ErrorResponse(denials.status());
    std::map<std::string, std::vector<std::string>> paths;  // agent → its path now
    for (const DenialRecord& d : *denials) {
      const std::vector<std::string>* path = nullptr;
      if (!team.empty()) {
        auto [it, fresh] = paths.try_emplace(d.agent);
        if (fresh) {
          std::string cursor_id = d.agent;
          for (std::size_t depth = 0; depth < kMaxTreeDepth && !cursor_id.empty(); ++depth) {
            it->second.push_back(cursor_id);
            auto node = (*txn)->GetNode(p.org, cursor_id);
            if (!node.ok() || !*node) break;
            cursor_id = (*node)->node.parent;
          }
        }
        path = &it->second;
      }
      if (!keep(d.created_at, d.agent, path, d.vendor, d.category)) continue;
      items.push_back({d.created_at, d.id, DenialItemJson(d)});
    }
  }
  std::sort(items.begin(), items.end(), [](const Item& a, const Item& b) {
    return std::tie(b.created_at, b.id) < std::tie(a.created_at, a.id);
  });
  Json out_items = Json::array();
  std::optional<std::string> next;
  for (auto& item : items) {
    if (cursor && !(std::tie(item.created_at, item.id) < std::tie(cursor->first, cursor->second))) {
      continue;
    }
    if (out_items.size() == *limit) {
      next = std::to_string(out_items.back()["created_at_us"].get<Timestamp>()) + ":" +
             out_items.back()["id"].get<std::string>();
      break;
    }
    item.json["created_at_us"] = item.created_at;
    out_items.push_back(std::move(item.json));
  }
  for (auto& j : out_items) j.erase("created_at_us");
  Json out = {{"items", std::move(out_items)}};
  if (next) out["next_cursor"] = *next;
  return JsonResponse(200, out);
}

ApiResponse Api::GetSpend(const ApiRequest&, const PathParams& params, const Principal& p) {
  if (Status s = RequireReader(p); !s.ok()) return ErrorResponse(s);
  const std::string& id = params.at("id");
  auto txn = store_.Begin({.read_only = true});
  if (!txn.ok()) return ErrorResponse(txn.status());
  auto entries = AllEntries(**txn, p.org);
  if (!entries.ok()) return ErrorResponse(entries.status());
  for (const Entry& e : *entries) {
    if (IsSpendEntry(e) && e.ref == id) return JsonResponse(200, SpendItemJson(e, true));
  }
  auto denials = (*txn)->ListDenials(p.org, std::numeric_limits<std::size_t>::max());
  if (!denials.ok()) return ErrorResponse(denials.status());
  for (const DenialRecord& d : *denials) {
    if (d.id == id) return JsonResponse(200, DenialItemJson(d));
  }
  return ErrorResponse(NotFound("unknown spend '" + id + "'", "not_found"));
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
  auto txn = store_.Begin({.read_only = true});
  if (!txn.ok()) return ErrorResponse(txn.status());
  auto entries = (*txn)->ListEntries(p.org, after, *limit);
  if (!entries.ok()) return ErrorResponse(entries.status());
  Json out = Json::array();
  for (const Entry& e : *entries) out.push_back(EntryJson(e));
  return JsonResponse(200, {{"entries", std::move(out)}});
}

ApiResponse Api::VerifyOrg(const ApiRequest&, const PathParams&, const Principal& p) {
  if (Status s = RequireReader(p); !s.ok()) return ErrorResponse(s);
  auto report = engine_.Verify(p.org);
  if (!report.ok()) return ErrorResponse(report.status());
  return JsonResponse(200, VerifyJson(*report));
}

}  // namespace stub
