#include "core/sse_events.h"

namespace stub {
namespace {

constexpr std::size_t kFieldRoom = 16;  // "data: ", "event: "

}  // namespace

std::vector<SseEvent> SseEventReader::Feed(std::string_view bytes) {
  std::vector<SseEvent> out;
  for (char c : bytes) {
    if (c == '\n' && after_cr_) {
      after_cr_ = false;
      continue;
    }
    after_cr_ = c == '\r';
    if (c == '\n' || c == '\r') {
      Line(line_, out);
      line_.clear();
      continue;
    }
    // A line longer than an event may be (with room for its field's name) is
    // not kept: its event is dropped.
    if (line_.size() < max_event_bytes_ + kFieldRoom) {
      line_.push_back(c);
    } else {
      too_big_ = true;
    }
  }
  return out;
}

void SseEventReader::Line(std::string_view line, std::vector<SseEvent>& out) {
  if (line.empty()) {
    if (has_data_ && !too_big_) out.push_back(std::move(event_));
    if (too_big_) ++overflowed_;
    event_ = {};
    has_data_ = too_big_ = false;
    return;
  }
  if (line.front() == ':') return;
  const std::size_t colon = line.find(':');
  const std::string_view field = line.substr(0, colon);
  std::string_view value = colon == std::string_view::npos ? "" : line.substr(colon + 1);
  if (value.starts_with(' ')) value.remove_prefix(1);
  if (field == "data") {
    if (has_data_) event_.data.push_back('\n');
    has_data_ = true;
    if (event_.data.size() + value.size() > max_event_bytes_) {
      too_big_ = true;
      event_.data.clear();
    } else if (!too_big_) {
      event_.data.append(value);
    }
  } else if (field == "event") {
    event_.name = std::string(value.substr(0, 256));
  }
}

}  // namespace stub
