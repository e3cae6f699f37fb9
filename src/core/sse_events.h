// Splits a Server-Sent Events stream into its events, in whatever pieces the
// bytes arrive (the WHATWG "event stream" format: lines ending in LF, CRLF or
// CR; "data:" lines joined with LF; a blank line ends an event; ":" lines are
// comments; "event:" names the event).
//
// Bounded: an event whose data outgrows `max_event_bytes` is dropped whole
// and counted in overflowed().
//
// Pure; not thread-safe (one reader per stream).
#pragma once

#include <cstddef>
#include <string>
#include <string_view>
#include <vector>

namespace stub {

struct SseEvent {
  std::string name;  // "event:", or "" (the default, "message")
  std::string data;
};

class SseEventReader {
 public:
  explicit SseEventReader(std::size_t max_event_bytes) : max_event_bytes_(max_event_bytes) {}

  // Reads `bytes` and returns the events they completed.
  std::vector<SseEvent> Feed(std::string_view bytes);

  std::size_t overflowed() const { return overflowed_; }

 private:
  void Line(std::string_view line, std::vector<SseEvent>& out);

  std::size_t max_event_bytes_;
  std::string line_;       // the current line, unfinished
  bool after_cr_ = false;  // the last byte was CR (a following LF is the same line end)
  bool has_data_ = false;  // the current event has a data line
  bool too_big_ = false;   // the current event outgrew the bound
  SseEvent event_;
  std::size_t overflowed_ = 0;
};

}  // namespace stub
