#include "server/feed_frame.h"

#include <charconv>
#include <utility>

#include "core/denial_record.h"
#include "core/journal.h"
#include "server/json_body.h"
#include "server/json_views.h"

namespace stub {
namespace {

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

std::string Frame(const FeedCursor& after, std::string_view event, const Json& data) {
  std::string text = "id: " + FeedCursorText(after) + "\nevent: ";
  text += event;
  text += "\ndata: ";
  text += DumpJson(data);
  text += "\n\n";
  return text;
}

}  // namespace

std::string FeedCursorText(const FeedCursor& cursor) {
  return std::to_string(cursor.seq) + "/" + std::to_string(cursor.denial.created_at) + "/" +
         cursor.denial.id;
}

Result<FeedCursor> ParseFeedCursor(std::string_view text) {
  FeedCursor cursor;
  const auto a = text.find('/');
  const auto b = a == std::string_view::npos ? a : text.find('/', a + 1);
  if (b == std::string_view::npos || !ParseNumber(text.substr(0, a), cursor.seq) ||
      !ParseNumber(text.substr(a + 1, b - a - 1), cursor.denial.created_at)) {
    return InvalidArgument("malformed Last-Event-ID", "invalid_request");
  }
  cursor.denial.id = std::string(text.substr(b + 1));
  return cursor;
}

bool IsNewTo(const FeedFrame& frame, const FeedCursor& cursor) {
  return frame.denial ? frame.after.denial > cursor.denial : frame.after.seq > cursor.seq;
}

std::vector<FeedFrame> RenderFeedBatch(const FeedBatch& batch, FeedCursor& cursor) {
  const std::vector<Entry>& entries = batch.entries;
  const std::vector<DenialRecord>& denials = batch.denials;
  std::vector<FeedFrame> frames;
  frames.reserve(entries.size() + denials.size());
  std::size_t i = 0;
  std::size_t k = 0;
  while (i < entries.size() || k < denials.size()) {
    const bool take_entry = k == denials.size() ||
                            (i < entries.size() && entries[i].created_at <= denials[k].created_at);
    FeedFrame frame;
    if (take_entry) {
      const Entry& e = entries[i++];
      cursor.seq = e.seq;
      frame.agent = e.agent;
      frame.text = Frame(
          cursor, e.kind == EntryKind::kConfig ? std::string_view(e.intent) : EntryEvent(e.kind),
          EntryEventJson(e));
    } else {
      const DenialRecord& d = denials[k++];
      cursor.denial = ItemKey{d.created_at, d.id};
      frame.denial = true;
      frame.agent = d.agent;
      frame.text = Frame(cursor, "spend.denied", DenialItemJson(d));
    }
    frame.after = cursor;
    frames.push_back(std::move(frame));
  }
  return frames;
}

}  // namespace stub
