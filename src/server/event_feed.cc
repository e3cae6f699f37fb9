#include "server/event_feed.h"

#include <charconv>
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

EventFeed::EventFeed(ReadService& reads, const CommitSignal& signal, const StreamOptions& options,
                     std::string org, std::string agent)
    : reads_(&reads),
      signal_(&signal),
      options_(options),
      org_(std::move(org)),
      agent_(std::move(agent)),
      last_read_(SteadyClock::now()),
      last_event_(last_read_) {}

Result<EventFeed> EventFeed::Open(ReadService& reads, const CommitSignal& signal,
                                  const StreamOptions& options, std::string org, std::string agent,
                                  std::string_view last_event_id) {
  EventFeed feed(reads, signal, options, std::move(org), std::move(agent));
  feed.seen_version_ = signal.Version();
  if (!last_event_id.empty()) {
    const auto a = last_event_id.find('/');
    const auto b = a == std::string_view::npos ? a : last_event_id.find('/', a + 1);
    if (b == std::string_view::npos || !ParseNumber(last_event_id.substr(0, a), feed.cursor_.seq) ||
        !ParseNumber(last_event_id.substr(a + 1, b - a - 1), feed.cursor_.denial.created_at)) {
      return InvalidArgument("malformed Last-Event-ID", "invalid_request");
    }
    feed.cursor_.denial.id = std::string(last_event_id.substr(b + 1));
    return feed;
  }
  // Start at the present: after the chain head and the newest denial.
  STUB_ASSIGN_OR_RETURN(feed.cursor_, reads.FeedHead(feed.org_));
  feed.more_ = false;
  return feed;
}

std::string EventFeed::Cursor() const {
  return std::to_string(cursor_.seq) + "/" + std::to_string(cursor_.denial.created_at) + "/" +
         cursor_.denial.id;
}

bool EventFeed::Next(std::string& out) {
  const auto now = SteadyClock::now();
  const std::uint64_t version = signal_->Version();
  if (!more_ && version == seen_version_ && now - last_read_ < options_.fallback_poll) {
    return now - last_event_ < options_.idle_limit;
  }
  seen_version_ = version;  // taken before the read: a later commit is read next time
  last_read_ = now;
  ++store_reads_;
  auto batch = reads_->FeedAfter(org_, cursor_, kFeedPage);
  if (!batch.ok()) return false;
  const std::vector<Entry>& entries = batch->entries;
  const std::vector<DenialRecord>& denials = batch->denials;
  more_ = entries.size() == kFeedPage || denials.size() == kFeedPage;
  // Merge both by time, each advancing its own cursor.
  std::size_t i = 0;
  std::size_t k = 0;
  bool delivered = false;
  while (i < entries.size() || k < denials.size()) {
    const bool take_entry = k == denials.size() ||
                            (i < entries.size() && entries[i].created_at <= denials[k].created_at);
    std::string_view event;
    Json data;
    std::string_view agent;
    if (take_entry) {
      const Entry& e = entries[i++];
      cursor_.seq = e.seq;
      event = e.kind == EntryKind::kConfig ? std::string_view(e.intent) : EntryEvent(e.kind);
      agent = e.agent;
      data = EntryEventJson(e);
    } else {
      const DenialRecord& d = denials[k++];
      cursor_.denial = ItemKey{d.created_at, d.id};
      event = "spend.denied";
      agent = d.agent;
      data = DenialItemJson(d);
    }
    if (!agent_.empty() && agent != agent_) continue;
    delivered = true;
    out +=
        "id: " + Cursor() + "\nevent: " + std::string(event) + "\ndata: " + DumpJson(data) + "\n\n";
  }
  if (delivered) last_event_ = now;
  return now - last_event_ < options_.idle_limit;
}

}  // namespace stub
