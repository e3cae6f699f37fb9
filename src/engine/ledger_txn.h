// LedgerTxn: a transaction plus a write-back cache of the rows every ledger
// operation reads and rewrites — the org row and the budget nodes. A batch of
// operations applied through one LedgerTxn reads each hot row from the store
// once, updates it in place as often as it likes, and writes it back once
// (Flush) before commit, so a batch of N spends costs the store a handful of
// row writes, not 4·N.
//
// Everything else (journal, holds, idempotency, denials) passes straight
// through to the transaction, which already reads its own writes.
//
// Not thread-safe; lives inside one transaction attempt.
#pragma once

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/budget.h"
#include "core/idempotency.h"
#include "core/org.h"
#include "store/store.h"

namespace stub {

class LedgerTxn {
 public:
  explicit LedgerTxn(Transaction& txn) : txn_(txn) {}

  Transaction& txn() { return txn_; }

  // The org row as of this transaction (cached). nullptr if it does not exist.
  // The pointer stays valid for the LedgerTxn's life; changes through it must
  // be announced with MarkOrgDirty.
  Result<OrgRow*> Org(std::string_view org);
  void MarkOrgDirty(std::string_view org);

  // A node row as of this transaction (cached); nullptr if it does not exist.
  // Same rules as Org, with MarkNodeDirty.
  Result<NodeRow*> Node(std::string_view org, std::string_view node);
  void MarkNodeDirty(std::string_view org, std::string_view node);
  // Loads the nodes among `ids` not cached yet in one store call
  // (Transaction::GetNodes), so later Node calls for them read no store.
  Status PrefetchNodes(std::string_view org, const std::vector<std::string_view>& ids);

  // Idempotency records, read through a cache: PrefetchIdempotency loads the
  // keys of a whole batch in one store call, and PutIdempotency keeps the
  // cache current, so a key used twice in one batch sees its first use.
  // Idempotency returns nullptr for an absent key; the pointer is valid until
  // the next call on this LedgerTxn.
  Status PrefetchIdempotency(std::string_view org, const std::vector<std::string_view>& keys);
  Result<const IdempotencyRecord*> Idempotency(std::string_view org, std::string_view key);
  Status PutIdempotency(IdempotencyRecord record);
  // From now on, Idempotency answers "absent" for a key it has not cached,
  // without reading the store: a batch of new keys (the usual case) then
  // costs no read before its writes. Still exact, because such a key is
  // either inserted by PutIdempotency, which the store refuses with kConflict
  // if the key exists (Transaction::PutIdempotency), or never inserted and
  // then read by Flush, which fails with kConflict if it exists. Either way a
  // transaction that took an existing key for new cannot commit; the caller
  // retries it without this assumption.
  void AssumeNewIdempotencyKeys() { assume_new_keys_ = true; }

  // The rolling-window log (core/window.h): the first row of `row`'s node
  // with at > `after`, as of this transaction, including rows this LedgerTxn
  // appended; nullptr when there is none. `row` must be a row this LedgerTxn
  // returned from Node(org, …): the store's answer is cached per (row,
  // after), keyed by the row's address, so a repeated question (every spend
  // of a batch asks the same ones) costs no string compare and no store call.
  // The pointer is valid until the next call on this LedgerTxn.
  // AppendWindowLog passes the row to the transaction and remembers it.
  Result<const WindowLogRow*> FirstWindowLogAfter(std::string_view org, const NodeRow& row,
                                                  Timestamp after);
  Status AppendWindowLog(WindowLogRow row);

  // Checks the keys assumed new and never inserted (see
  // AssumeNewIdempotencyKeys), then moves every dirty cached row into the
  // transaction. Call once, last, before Commit: the cache is spent
  // afterwards.
  Status Flush();

 private:
  // Flush's first step: fails with kConflict if a key Idempotency took for
  // absent without reading, and that was never inserted, exists.
  Status CheckAssumedKeys();

  template <typename Row>
  struct Cached {
    bool exists = false;
    bool dirty = false;
    Row row;
  };
  using NodeKey = std::pair<std::string, std::string>;
  // Compares NodeKeys with (org, node) view pairs, so lookups allocate nothing.
  struct NodeKeyLess {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::pair<std::string_view, std::string_view>(a.first, a.second) <
             std::pair<std::string_view, std::string_view>(b.first, b.second);
    }
  };
  using NodeView = std::pair<std::string_view, std::string_view>;
  // Hashes and compares NodeKeys and NodeViews alike (heterogeneous lookup).
  struct NodeKeyHash {
    using is_transparent = void;
    template <typename K>
    std::size_t operator()(const K& k) const {
      const std::size_t a = std::hash<std::string_view>()(k.first);
      const std::size_t b = std::hash<std::string_view>()(k.second);
      return a ^ (b + 0x9e3779b97f4a7c15ULL + (a << 6) + (a >> 2));
    }
  };
  struct NodeKeyEqual {
    using is_transparent = void;
    template <typename A, typename B>
    bool operator()(const A& a, const B& b) const {
      return std::string_view(a.first) == std::string_view(b.first) &&
             std::string_view(a.second) == std::string_view(b.second);
    }
  };

  Transaction& txn_;
  std::map<std::string, Cached<OrgRow>, std::less<>> orgs_;
  std::map<NodeKey, Cached<NodeRow>, NodeKeyLess> nodes_;
  // Hashed: a batch looks up each of its keys two or three times (check and
  // record, after a prefetch if it reads them first), among a thousand others
  // of the same org.
  using IdempotencyCache =
      std::unordered_map<NodeKey, std::optional<IdempotencyRecord>, NodeKeyHash, NodeKeyEqual>;
  IdempotencyCache idempotency_;
  bool assume_new_keys_ = false;
  // The keys Idempotency took for absent without reading (elements of
  // idempotency_, whose addresses survive rehashing).
  std::vector<const IdempotencyCache::value_type*> assumed_;
  // The store's answers to FirstWindowLogAfter (committed rows only), by
  // (the node's cached row, after).
  std::map<std::pair<const NodeRow*, Timestamp>, std::optional<WindowLogRow>> window_firsts_;
  std::vector<WindowLogRow> window_appended_;  // in append order (at, seq ascending per node)
};

}  // namespace stub
