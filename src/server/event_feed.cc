#include "server/event_feed.h"

#include <charconv>
#include <limits>
#include <tuple>
#include <utility>
#include <vector>

#include "core/denial_record.h"
#include "core/journal.h"
#include "server/json_body.h"
#include "server/json_views.h"

namespace stub {
namespace {

constexpr std::size_t kFeedPage = 200;

std::string_view EntryEvent(EntryKind kind) {
  switch (kind) {
    case EntryKind::kSpend:
      return "spend.approved";
    case EntryKind::kHold:
      return "hold.created";
    case EntryKind::kCapture:
      return "hold.captured";
    case EntryKind::kVoid:
      return "hold.voided";
    case EntryKind::kExpire:
      return "hold.expired";
    case EntryKind::kConfig:
      return "config";
  }
  return "entry";
}

// A config entry's event is named after its action ("agent.frozen",
// "kill_switch.engaged", "approval.requested", …); its data is the change
// as recorded (actor, node, old, new, reason) plus the entry.
Json ConfigEventJson(const Entry& e) {
  Json j = Json::parse(e.receipt, nullptr, /*allow_exceptions=*/false);
  if (!j.is_object()) j = Json::object();
  if (!e.agent.empty()) j["agent"] = e.agent;
  j["created_at"] = FormatRfc3339(e.created_at);
  j["entry"] = {{"seq", e.seq}, {"hash", e.hash}};
  return j;
}

Json EntryEventJson(const Entry& e) {
  if (e.kind == EntryKind::kConfig) return ConfigEventJson(e);
  Json j = {{"id", e.ref},
            {"agent", e.agent},
            {"amount", FormatAmount(e.amount)},
            {"vendor", e.vendor},
            {"category", e.category},
            {"created_at", FormatRfc3339(e.created_at)},
            {"entry", {{"seq", e.seq}, {"hash", e.hash}}}};
  if (!e.hold.empty()) j["hold"] = e.hold;
  if (e.released != 0) j["released"] = FormatAmount(e.released);
  return j;
}

template <typename T>
bool ParseNumber(std::string_view text, T& out) {
  const auto [end, ec] = std::from_chars(text.data(), text.data() + text.size(), out);
  return ec == std::errc() && end == text.data() + text.size();
}

}  // namespace

Result<EventFeed> EventFeed::Open(Store& store, std::string org, std::string agent,
                                  std::string_view last_event_id) {
  EventFeed feed(store, std::move(org), std::move(agent));
  if (!last_event_id.empty()) {
    const auto a = last_event_id.find('/');
    const auto b = a == std::string_view::npos ? a : last_event_id.find('/', a + 1);
    if (b == std::string_view::npos || !ParseNumber(last_event_id.substr(0, a), feed.seq_) ||
        !ParseNumber(last_event_id.substr(a + 1, b - a - 1), feed.denial_at_)) {
      return InvalidArgument("malformed Last-Event-ID", "invalid_request");
    }
    feed.denial_id_ = std::string(last_event_id.substr(b + 1));
    return feed;
  }
  // Start at the present: after the chain head and the newest denial.
  STUB_ASSIGN_OR_RETURN(auto txn, store.Begin({.read_only = true}));
  STUB_ASSIGN_OR_RETURN(auto org_row, txn->GetOrg(feed.org_));
  if (!org_row) return NotFound("unknown org", "not_found");
  feed.seq_ = org_row->head_seq;
  STUB_ASSIGN_OR_RETURN(auto denials,
                        txn->ListDenials(feed.org_, std::numeric_limits<std::size_t>::max()));
  if (!denials.empty()) {
    feed.denial_at_ = denials.back().created_at;
    feed.denial_id_ = denials.back().id;
  }
  return feed;
}

std::string EventFeed::Cursor() const {
  return std::to_string(seq_) + "/" + std::to_string(denial_at_) + "/" + denial_id_;
}

bool EventFeed::Next(std::string& out) {
  auto txn = store_->Begin({.read_only = true});
  if (!txn.ok()) return false;
  auto entries = (*txn)->ListEntries(org_, seq_, kFeedPage);
  if (!entries.ok()) return false;
  // Denials: a scan of the org's denials (insert-only, ordered by time).
  auto denials = (*txn)->ListDenials(org_, std::numeric_limits<std::size_t>::max());
  if (!denials.ok()) return false;
  std::vector<const DenialRecord*> new_denials;
  for (const DenialRecord& d : *denials) {
    if (std::tie(d.created_at, d.id) > std::tie(denial_at_, denial_id_)) new_denials.push_back(&d);
    if (new_denials.size() == kFeedPage) break;
  }
  // Merge both by time, each advancing its own cursor.
  std::size_t i = 0;
  std::size_t k = 0;
  while (i < entries->size() || k < new_denials.size()) {
    const bool take_entry =
        k == new_denials.size() ||
        (i < entries->size() && (*entries)[i].created_at <= new_denials[k]->created_at);
    std::string_view event;
    Json data;
    std::string_view agent;
    if (take_entry) {
      const Entry& e = (*entries)[i++];
      seq_ = e.seq;
      event = e.kind == EntryKind::kConfig ? std::string_view(e.intent) : EntryEvent(e.kind);
      agent = e.agent;
      data = EntryEventJson(e);
    } else {
      const DenialRecord& d = *new_denials[k++];
      denial_at_ = d.created_at;
      denial_id_ = d.id;
      event = "spend.denied";
      agent = d.agent;
      data = DenialItemJson(d);
    }
    if (!agent_.empty() && agent != agent_) continue;
    out +=
        "id: " + Cursor() + "\nevent: " + std::string(event) + "\ndata: " + DumpJson(data) + "\n\n";
  }
  return true;
}

}  // namespace stub
