// Reads of an org's history for the API — spends and denials, one spend, the
// journal, approvals, and the event feed's tail — each in one read-only
// snapshot, through the store's keyset reads (store.h ItemKey), so a page
// costs the same however long the org's history is:
//
//   - ListSpends merges spends (journal entries of kind spend and capture)
//     and denials newest first by (created_at, id). Filters are applied to
//     the rows as they are read, and one page reads at most
//     Options::scan_budget rows: a page of a selective filter may hold fewer
//     than `limit` items (even none) and still carry `next`; only a page
//     without `next` says the listing is over. Every matching item appears
//     exactly once across the pages, in order.
//   - GetSpend is one indexed look-up (spend id, else denial id); it alone
//     returns the receipt.
//
// Thread-safe; the store must outlive the service.
#pragma once

#include <cstddef>
#include <cstdint>
#include <limits>
#include <optional>
#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/approval.h"
#include "core/denial_record.h"
#include "core/journal.h"
#include "core/status.h"
#include "store/store.h"

namespace stub {

// What GET /v1/spends filters on; empty strings match everything.
struct SpendFilter {
  std::string agent;
  // The team's whole subtree: a spend whose path (at the time it was booked)
  // holds the team, a denial whose agent is under the team now.
  std::string team;
  std::string vendor;
  std::string category;
  // Exact matches of the spend's attribution (its `user` and `session`).
  std::string user;
  std::string session;
  enum class Status : std::uint8_t { kAny, kApproved, kDenied } status = Status::kAny;
  Timestamp from = std::numeric_limits<Timestamp>::min();  // inclusive
  Timestamp to = std::numeric_limits<Timestamp>::max();    // exclusive
};

// One listed item: an approved spend (its entry, without receipt and lines
// when listed) or a denial.
using SpendItem = std::variant<Entry, DenialRecord>;

// The (created_at, id) of an item: its position in the listing.
ItemKey SpendItemKey(const SpendItem& item);

struct SpendPage {
  std::vector<SpendItem> items;
  std::optional<ItemKey> next;  // where the next page starts (exclusive)
};

struct ApprovalPage {
  std::vector<ApprovalRow> items;
  std::optional<ItemKey> next;
};

// The event feed's position: the last journal seq and the last denial
// (created_at, id) delivered.
struct FeedCursor {
  std::uint64_t seq = 0;
  ItemKey denial;
  friend bool operator==(const FeedCursor&, const FeedCursor&) = default;
};

// What was committed after a FeedCursor: entries in seq order, denials in
// (created_at, id) order, each at most the limit asked for.
struct FeedBatch {
  std::vector<Entry> entries;
  std::vector<DenialRecord> denials;
};

class ReadService {
 public:
  struct Options {
    // Rows read at most for one page of ListSpends / ListApprovals.
    std::size_t scan_budget = 10'000;
    // Receipt bytes one Journal page carries at most (a page holds at least
    // one entry): 1,000 entries with 64 KiB receipts would be 64 MiB.
    std::size_t journal_page_bytes = 4 << 20;
  };

  explicit ReadService(Store& store);
  ReadService(Store& store, Options options);

  // A page of the org's spends and denials newest first, strictly after
  // `cursor` (nullopt: from the newest), at most `limit` (≥ 1) items.
  Result<SpendPage> ListSpends(std::string_view org, const SpendFilter& filter,
                               const std::optional<ItemKey>& cursor, std::size_t limit);

  // The spend (entry with receipt and lines) or denial `id`.
  // Errors: kNotFound "not_found".
  Result<SpendItem> GetSpend(std::string_view org, std::string_view id);

  // Journal entries with seq > after_seq, in seq order, at most `limit`,
  // and no more after the one whose receipt brings the page's receipt bytes
  // to Options::journal_page_bytes (a short page is not the end: the
  // journal ends at an empty page).
  Result<std::vector<Entry>> Journal(std::string_view org, std::uint64_t after_seq,
                                     std::size_t limit);

  // Approvals oldest first after `cursor`, with `status` as of `now` (a
  // pending approval due by `now` is reported expired), at most `limit`.
  Result<ApprovalPage> ListApprovals(std::string_view org, std::optional<ApprovalStatus> status,
                                     const std::optional<ItemKey>& cursor, std::size_t limit,
                                     Timestamp now);

  // The feed's present position: the org's chain head and newest denial.
  // Errors: kNotFound "not_found" (no such org).
  Result<FeedCursor> FeedHead(std::string_view org);
  // What was committed after `cursor` (two indexed range reads).
  Result<FeedBatch> FeedAfter(std::string_view org, const FeedCursor& cursor, std::size_t limit);

  // Cursors as clients see them: opaque text. Decode errors:
  // kInvalidArgument "invalid_request".
  static std::string EncodeCursor(const ItemKey& key);
  static Result<ItemKey> DecodeCursor(std::string_view text);

 private:
  Result<std::unique_ptr<Transaction>> BeginRead();

  Store& store_;
  Options options_;
};

}  // namespace stub
