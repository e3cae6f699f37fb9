// Exact rolling windows over a node's subtree, and the per-agent velocity
// count, from a cumulative counter plus an append-only log.
//
// A node that counts (its policy has windows, or it is an agent under a
// velocity rule) keeps in its row a WindowCounter: the running totals of
// every event it has counted. Each counted event also appends one
// WindowLogRow holding the totals *after* it. Then, for a window of
// `seconds` at `now`, with F the first log row whose `at` > now − seconds:
//
//   used = counter − (F.totals − F's own event)      (zero when there is no F)
//
// — one indexed lookup, exact to the microsecond, whatever the window's
// length. `at` is forced non-decreasing per node (max(now, last_at)), so log
// order by (at, seq) is count order even when servers' clocks disagree.
//
// What counts: every spend and every hold (approval holds included) at its
// amount, when it is booked. A capture is not counted again, and a void or
// expiry does not give room back: the window bounds what was authorised, so
// it can never undercount (a released hold keeps its room until it leaves the
// window). Events before a node started counting (before its policy had a
// window) are not in its log.
//
// Pure; thread-safe.
#pragma once

#include <cstdint>
#include <optional>
#include <string>

#include "core/money.h"
#include "core/status.h"
#include "core/time_util.h"

namespace stub {

struct WindowCounter {
  Micros amount = 0;       // total amount counted, ever
  std::int64_t count = 0;  // number of events counted, ever
  Timestamp last_at = 0;   // `at` of the last counted event
  bool operator==(const WindowCounter&) const = default;
};

// One counted event. Key: (org, node, at, seq); seq = count after it (1, 2, …).
struct WindowLogRow {
  std::string org;
  std::string node;
  Timestamp at = 0;
  std::int64_t seq = 0;
  Micros total = 0;   // counter.amount after this event
  Micros amount = 0;  // this event's amount
  bool operator==(const WindowLogRow&) const = default;
};

struct WindowUse {
  Micros amount = 0;
  std::int64_t count = 0;
};

// What `counter` counted in the window whose first log row is `first` (the
// first row with at > now − seconds), nullopt meaning none: nothing counted.
WindowUse UsedInWindow(const WindowCounter& counter, const std::optional<WindowLogRow>& first);
// The same with `first` by pointer, nullptr meaning none.
WindowUse UsedInWindow(const WindowCounter& counter, const WindowLogRow* first);

// Counts an event of `amount` at `now` on `counter` (org/node name the row):
// advances the counter and returns its log row. Errors: kOutOfRange on
// overflow (`counter` is unchanged then).
Result<WindowLogRow> CountEvent(WindowCounter& counter, std::string org, std::string node,
                                Micros amount, Timestamp now);

// The cut-off of a window of `seconds` at `now`: rows with at > this are in it.
Timestamp WindowStart(Timestamp now, std::int64_t seconds);

}  // namespace stub
