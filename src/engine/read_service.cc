#include "engine/read_service.h"

#include <algorithm>
#include <charconv>
#include <map>
#include <set>
#include <utility>

namespace stub {
namespace {

constexpr std::size_t kMaxChunk = 2048;
constexpr std::size_t kMaxTreeNodes = 1'000'000;

bool IsSpendKind(EntryKind kind) {
  return kind == EntryKind::kSpend || kind == EntryKind::kCapture;
}

// One newest-first source of rows read in growing chunks before a moving key.
template <typename Row>
struct Source {
  std::vector<Row> rows;
  std::size_t next = 0;
  bool done = false;
  ItemKey before;
  std::size_t chunk = 0;

  bool HasHead() const { return next < rows.size(); }
};

// The agents under `team` (itself included when an agent) in the org's tree
// as read now.
std::set<std::string, std::less<>> AgentsUnder(const std::vector<NodeRow>& nodes,
                                               std::string_view team) {
  std::map<std::string_view, std::vector<const Node*>> children;
  for (const NodeRow& row : nodes) children[row.node.parent].push_back(&row.node);
  std::set<std::string, std::less<>> agents;
  std::vector<std::string_view> todo = {team};
  std::set<std::string_view> seen;
  while (!todo.empty()) {
    const std::string_view id = todo.back();
    todo.pop_back();
    if (!seen.insert(id).second) continue;
    auto it = children.find(id);
    if (it == children.end()) continue;
    for (const Node* child : it->second) {
      if (child->kind == NodeKind::kAgent) agents.insert(child->id);
      todo.push_back(child->id);
    }
  }
  return agents;
}

char HexDigit(unsigned v) { return "0123456789abcdef"[v & 0xF]; }

}  // namespace

ItemKey SpendItemKey(const SpendItem& item) {
  if (const Entry* e = std::get_if<Entry>(&item)) return ItemKey{e->created_at, e->ref};
  const DenialRecord& d = std::get<DenialRecord>(item);
  return ItemKey{d.created_at, d.id};
}

ReadService::ReadService(Store& store) : ReadService(store, Options{}) {}
ReadService::ReadService(Store& store, Options options) : store_(store), options_(options) {
  if (options_.scan_budget == 0) options_.scan_budget = 1;
}

Result<std::unique_ptr<Transaction>> ReadService::BeginRead() {
  return store_.Begin({.read_only = true});
}

Result<SpendPage> ReadService::ListSpends(std::string_view org, const SpendFilter& filter,
                                          const std::optional<ItemKey>& cursor, std::size_t limit) {
  if (limit == 0) return InvalidArgument("limit must be at least 1", "invalid_request");
  STUB_ASSIGN_OR_RETURN(auto txn, BeginRead());
  SpendPage page;
  ItemKey upper{filter.to, ""};  // nothing at `to` or later
  if (cursor && *cursor < upper) upper = *cursor;
  if (filter.from >= upper.created_at && !(filter.from == upper.created_at && !upper.id.empty())) {
    STUB_RETURN_IF_ERROR(txn->Commit());
    return page;
  }

  std::set<std::string, std::less<>> team_agents;
  if (!filter.team.empty() && filter.status != SpendFilter::Status::kApproved) {
    STUB_ASSIGN_OR_RETURN(auto nodes, txn->ListNodes(org));
    if (nodes.size() > kMaxTreeNodes) return ResourceExhausted("budget tree too large");
    team_agents = AgentsUnder(nodes, filter.team);
  }
  // In memory, like vendor and category: the rows are read under the scan
  // budget either way.
  auto common = [&](const auto& row) {
    return (filter.agent.empty() || row.agent == filter.agent) &&
           (filter.vendor.empty() || row.vendor == filter.vendor) &&
           (filter.category.empty() || row.category == filter.category) &&
           (filter.user.empty() || row.user == filter.user) &&
           (filter.session.empty() || row.session == filter.session);
  };
  auto entry_matches = [&](const Entry& e) {
    if (!common(e)) return false;
    return filter.team.empty() ||
           std::find(e.path.begin(), e.path.end(), filter.team) != e.path.end();
  };
  auto denial_matches = [&](const DenialRecord& d) {
    if (!common(d)) return false;
    return filter.team.empty() || team_agents.contains(d.agent);
  };

  const std::size_t first_chunk = std::min(limit + 1, kMaxChunk);
  Source<Entry> spends{.before = upper, .chunk = first_chunk};
  Source<DenialRecord> denials{.before = upper, .chunk = first_chunk};
  spends.done = filter.status == SpendFilter::Status::kDenied;
  denials.done = filter.status == SpendFilter::Status::kApproved;

  auto refill = [&](auto& src, auto read) -> Status {
    if (src.HasHead() || src.done) return Status::Ok();
    auto rows = read(src.before, src.chunk);
    if (!rows.ok()) return rows.status();
    src.rows = std::move(*rows);
    src.next = 0;
    src.done = src.rows.size() < src.chunk;
    src.chunk = std::min(src.chunk * 2, kMaxChunk);
    return Status::Ok();
  };
  // One agent's spends: the keys (and agents) come from the spend index
  // alone, and an entry is read whole only when its agent matches
  // (fetch_if_agent below), so journal rows are read only for matches.
  const bool keys_only = !filter.agent.empty();
  auto read_spends = [&](const ItemKey& before, std::size_t n) -> Result<std::vector<Entry>> {
    const KeysetRange range{.before = before, .from = filter.from};
    if (!keys_only) return txn->ListSpendEntriesBefore(org, range, n);
    STUB_ASSIGN_OR_RETURN(std::vector<SpendKey> keys, txn->ListSpendKeysBefore(org, range, n));
    std::vector<Entry> rows(keys.size());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      rows[i].kind = EntryKind::kSpend;
      rows[i].created_at = keys[i].created_at;
      rows[i].ref = std::move(keys[i].ref);
      rows[i].agent = std::move(keys[i].agent);
    }
    return rows;
  };
  // Replaces a key-only row of the agent filtered on by its entry, as a
  // listing row (no receipt, no lines).
  auto fetch_if_agent = [&](Entry& e) -> Status {
    if (!keys_only || e.agent != filter.agent) return Status::Ok();
    STUB_ASSIGN_OR_RETURN(std::optional<Entry> whole, txn->GetSpendEntry(org, e.ref));
    if (!whole) return Internal("spend " + e.ref + " is in the spend index but not the journal");
    e = std::move(*whole);
    e.receipt.clear();
    e.lines.clear();
    return Status::Ok();
  };
  auto read_denials = [&](const ItemKey& before, std::size_t n) {
    return txn->ListDenialsBefore(
        org, KeysetRange{.before = before, .from = filter.from, .agent = filter.agent}, n);
  };

  std::size_t scanned = 0;
  for (;;) {
    STUB_RETURN_IF_ERROR(refill(spends, read_spends));
    STUB_RETURN_IF_ERROR(refill(denials, read_denials));
    if (!spends.HasHead() && !denials.HasHead()) break;  // both exhausted
    bool take_spend = spends.HasHead();
    if (take_spend && denials.HasHead()) {
      const Entry& e = spends.rows[spends.next];
      const DenialRecord& d = denials.rows[denials.next];
      take_spend = ItemKey{d.created_at, d.id} < ItemKey{e.created_at, e.ref};
    }
    std::optional<SpendItem> match;
    ItemKey key;
    if (take_spend) {
      Entry& e = spends.rows[spends.next++];
      key = ItemKey{e.created_at, e.ref};
      spends.before = key;
      STUB_RETURN_IF_ERROR(fetch_if_agent(e));
      if (IsSpendKind(e.kind) && entry_matches(e)) match.emplace(std::move(e));
    } else {
      DenialRecord& d = denials.rows[denials.next++];
      key = ItemKey{d.created_at, d.id};
      denials.before = key;
      if (denial_matches(d)) match.emplace(std::move(d));
    }
    ++scanned;
    if (match) {
      if (page.items.size() == limit) {  // one more exists: the page is full
        page.next = SpendItemKey(page.items.back());
        break;
      }
      page.items.push_back(std::move(*match));
    }
    if (scanned >= options_.scan_budget) {
      // Everything newer than `key` was returned or did not match.
      page.next = page.items.size() == limit ? SpendItemKey(page.items.back()) : key;
      break;
    }
  }
  STUB_RETURN_IF_ERROR(txn->Commit());
  return page;
}

Result<SpendItem> ReadService::GetSpend(std::string_view org, std::string_view id) {
  STUB_ASSIGN_OR_RETURN(auto txn, BeginRead());
  STUB_ASSIGN_OR_RETURN(auto entry, txn->GetSpendEntry(org, id));
  if (entry) return SpendItem(std::move(*entry));
  STUB_ASSIGN_OR_RETURN(auto denial, txn->GetDenial(org, id));
  if (denial) return SpendItem(std::move(*denial));
  return NotFound("unknown spend '" + std::string(id) + "'", "not_found");
}

Result<std::vector<Entry>> ReadService::Journal(std::string_view org, std::uint64_t after_seq,
                                                std::size_t limit) {
  STUB_ASSIGN_OR_RETURN(auto txn, BeginRead());
  STUB_ASSIGN_OR_RETURN(std::vector<Entry> entries, txn->ListEntries(org, after_seq, limit));
  std::size_t bytes = 0;
  for (std::size_t i = 0; i < entries.size(); ++i) {
    bytes += entries[i].receipt.size();
    if (bytes >= options_.journal_page_bytes) {
      entries.resize(i + 1);
      break;
    }
  }
  return entries;
}

Result<ApprovalPage> ReadService::ListApprovals(std::string_view org,
                                                std::optional<ApprovalStatus> status,
                                                const std::optional<ItemKey>& cursor,
                                                std::size_t limit, Timestamp now) {
  if (limit == 0) return InvalidArgument("limit must be at least 1", "invalid_request");
  STUB_ASSIGN_OR_RETURN(auto txn, BeginRead());
  // A due-but-unswept pending approval is stored pending and reported
  // expired: "pending" reads the pending ones and drops the due, "expired"
  // reads every status (pending and expired ones are both candidates).
  const std::optional<ApprovalStatus> stored =
      status == ApprovalStatus::kExpired ? std::nullopt : status;
  ApprovalPage page;
  ItemKey after = cursor.value_or(ItemKey{std::numeric_limits<Timestamp>::min(), ""});
  std::size_t scanned = 0;
  std::size_t chunk = std::min(limit + 1, kMaxChunk);
  for (;;) {
    STUB_ASSIGN_OR_RETURN(auto rows, txn->ListApprovalsAfter(org, stored, after, chunk));
    for (ApprovalRow& row : rows) {
      after = ItemKey{row.created_at, row.id};
      ++scanned;
      if (row.status == ApprovalStatus::kPending && row.expires_at <= now) {
        row.status = ApprovalStatus::kExpired;
      }
      if (!status || row.status == *status) {
        if (page.items.size() == limit) {
          page.next = ItemKey{page.items.back().created_at, page.items.back().id};
          return page;
        }
        page.items.push_back(std::move(row));
      }
      if (scanned >= options_.scan_budget) {
        page.next = page.items.size() == limit
                        ? ItemKey{page.items.back().created_at, page.items.back().id}
                        : after;
        return page;
      }
    }
    if (rows.size() < chunk) return page;
    chunk = std::min(chunk * 2, kMaxChunk);
  }
}

Result<FeedCursor> ReadService::FeedHead(std::string_view org) {
  STUB_ASSIGN_OR_RETURN(auto txn, BeginRead());
  STUB_ASSIGN_OR_RETURN(auto org_row, txn->GetOrg(org));
  if (!org_row) return NotFound("unknown org", "not_found");
  FeedCursor cursor;
  cursor.seq = org_row->head_seq;
  STUB_ASSIGN_OR_RETURN(auto newest, txn->ListDenialsBefore(org, KeysetRange{}, 1));
  if (!newest.empty()) cursor.denial = ItemKey{newest[0].created_at, newest[0].id};
  return cursor;
}

Result<FeedBatch> ReadService::FeedAfter(std::string_view org, const FeedCursor& cursor,
                                         std::size_t limit) {
  STUB_ASSIGN_OR_RETURN(auto txn, BeginRead());
  FeedBatch batch;
  STUB_ASSIGN_OR_RETURN(batch.entries, txn->ListEntries(org, cursor.seq, limit));
  STUB_ASSIGN_OR_RETURN(batch.denials, txn->ListDenialsAfter(org, cursor.denial, limit));
  return batch;
}

// "c1" + hex of "<created_at>:<id>": opaque to clients, checked on the way
// back in.
std::string ReadService::EncodeCursor(const ItemKey& key) {
  const std::string raw = std::to_string(key.created_at) + ":" + key.id;
  std::string out = "c1";
  out.reserve(2 + raw.size() * 2);
  for (unsigned char c : raw) {
    out.push_back(HexDigit(c >> 4));
    out.push_back(HexDigit(c));
  }
  return out;
}

Result<ItemKey> ReadService::DecodeCursor(std::string_view text) {
  const Status bad = InvalidArgument("malformed cursor", "invalid_request");
  if (text.size() < 2 || text.size() > 2 + 2 * 128 || text.substr(0, 2) != "c1" ||
      text.size() % 2 != 0) {
    return bad;
  }
  std::string raw;
  for (std::size_t i = 2; i < text.size(); i += 2) {
    unsigned v = 0;
    const auto [end, ec] = std::from_chars(text.data() + i, text.data() + i + 2, v, 16);
    if (ec != std::errc() || end != text.data() + i + 2) return bad;
    raw.push_back(static_cast<char>(v));
  }
  const auto colon = raw.find(':');
  if (colon == std::string::npos) return bad;
  ItemKey key;
  const auto [end, ec] = std::from_chars(raw.data(), raw.data() + colon, key.created_at);
  if (ec != std::errc() || end != raw.data() + colon) return bad;
  key.id = raw.substr(colon + 1);
  if (key.id.empty()) return bad;
  for (unsigned char c : key.id) {
    if (c < 0x21 || c > 0x7e) return bad;
  }
  return key;
}

}  // namespace stub
