// Building blocks of the MemoryStore's MVCC model (internal to
// src/store/memory):
//
//   MvccTable<Key, Value>  a map from key to a chain of committed versions
//                          {commit_ts, value or null for a tombstone},
//                          partitioned by org, ordered (or hashed) within;
//   WriteSet<Key, Value>   a transaction's buffered writes to one table;
//   ReadSet<Key>           the point keys and ranges a transaction read, for
//                          serializable validation;
//   ActiveSnapshots        the snapshot timestamps of open transactions.
//
// Keys are std::tuple<...> whose elements are std::string or integers; every
// lookup takes a "view" tuple of std::string_view / integers instead, so no key
// is built (no string is allocated) to look one up. Every key's first element
// is the org (the id, for the orgs table), which bounds org-local scans.
//
// Nothing here locks: MemoryStore guards every MvccTable and ActiveSnapshots
// with its one store-wide mutex; WriteSet and ReadSet belong to one
// transaction, used by one thread at a time.
#pragma once

#include <algorithm>
#include <cassert>
#include <compare>
#include <concepts>
#include <cstddef>
#include <cstdint>
#include <functional>
#include <map>
#include <memory>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <tuple>
#include <type_traits>
#include <unordered_map>
#include <utility>
#include <vector>

namespace stub::mvcc {

// --- keys -------------------------------------------------------------------

inline std::string_view AsView(const std::string& s) { return s; }
inline std::string_view AsView(std::string_view s) { return s; }
template <std::integral T>
T AsView(T v) {
  return v;
}

// A view tuple (or key) as opposed to an index into a WriteSet.
template <typename K>
concept KeyLike = !std::integral<K>;

// The tuple of views of a key or of a view tuple.
template <typename... Ts>
auto ToView(const std::tuple<Ts...>& key) {
  return std::apply([](const auto&... e) { return std::tuple(AsView(e)...); }, key);
}

// Orders keys and view tuples of the same shape together (transparent).
struct KeyLess {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return ToView(a) < ToView(b);
  }
};

template <typename A, typename B>
bool KeyEq(const A& a, const B& b) {
  return ToView(a) == ToView(b);
}

// Builds an owning Key from a view tuple (or copies a Key).
template <typename Key, typename View>
Key MakeKey(const View& view) {
  return std::apply([](const auto&... e) { return Key(e...); }, view);
}

// A range of keys of one table, scanned from `lo` (inclusive) up to `end`
// (inclusive or not) if set; with `same_first`, only keys whose first element
// (the org) equals lo's. Without same_first the range is the whole table
// (lo is then the least key, end unset): ListOrgs.
template <typename Key>
struct ScanRange {
  Key lo;
  std::optional<Key> end;
  bool end_inclusive = false;
  bool same_first = true;

  // True if `key` (any key >= lo) is still inside the range.
  template <typename K>
  bool Contains(const K& key) const {
    if (same_first && std::get<0>(ToView(key)) != std::get<0>(ToView(lo))) return false;
    if (!end) return true;
    return end_inclusive ? !KeyLess()(*end, key) : KeyLess()(key, *end);
  }
};

// --- versions -----------------------------------------------------------------

template <typename Value>
struct Version {
  std::uint64_t ts = 0;                // commit timestamp
  std::shared_ptr<const Value> value;  // null: tombstone (the row is absent)
};

template <typename Value>
struct Chain {
  std::vector<Version<Value>> versions;  // oldest first; never empty in a table

  std::uint64_t NewestTs() const { return versions.back().ts; }

  // The value visible at `snapshot` (null if absent or deleted then).
  const std::shared_ptr<const Value>* VisibleAt(std::uint64_t snapshot) const {
    for (auto it = versions.rbegin(); it != versions.rend(); ++it) {
      if (it->ts <= snapshot) return it->value ? &it->value : nullptr;
    }
    return nullptr;
  }
};

// --- tables ---------------------------------------------------------------------

// The key minus its first element (the org): the key within a partition.
template <typename Key>
struct RestOf;
template <typename First, typename... Rest>
struct RestOf<std::tuple<First, Rest...>> {
  using type = std::tuple<Rest...>;
};

// Views of every element of a key (or view tuple) but the first.
template <typename Tuple>
auto RestView(const Tuple& key) {
  return std::apply([](const auto&, const auto&... rest) { return std::tuple(AsView(rest)...); },
                    key);
}

template <typename Tuple>
std::string_view OrgOf(const Tuple& key) {
  return AsView(std::get<0>(key));
}

// Hashes keys and view tuples of the same shape alike (transparent).
struct KeyHash {
  using is_transparent = void;
  template <typename K>
  std::size_t operator()(const K& key) const {
    return std::apply(
        [](const auto&... e) {
          std::size_t h = 0;
          ((h = h * 0x9e3779b97f4a7c15ULL + std::hash<std::decay_t<decltype(e)>>()(e)), ...);
          return h;
        },
        ToView(key));
  }
};

struct KeyEqual {
  using is_transparent = void;
  template <typename A, typename B>
  bool operator()(const A& a, const B& b) const {
    return KeyEq(a, b);
  }
};

// How a table indexes the rows of one org: ordered (range scans) or hashed
// (point lookups only).
struct Ordered {};
struct Hashed {};

// One table: for every key, its chain of committed versions. Rows are
// partitioned by org (the key's first element, an std::string); within an
// org, by the rest of the key. Key is a std::tuple whose first element is
// the org; lookups take the matching tuple of views.
//
// Chain addresses are stable until the chain is erased, so a commit can hold
// them between validation and installation.
template <typename Key, typename Value, typename Index = Ordered>
class MvccTable {
 public:
  using Rest = typename RestOf<Key>::type;
  using ChainT = Chain<Value>;
  static constexpr bool kOrdered = std::is_same_v<Index, Ordered>;
  using Partition = std::conditional_t<kOrdered, std::map<Rest, ChainT, KeyLess>,
                                       std::unordered_map<Rest, ChainT, KeyHash, KeyEqual>>;

  MvccTable() = default;
  MvccTable(const MvccTable&) = delete;
  MvccTable& operator=(const MvccTable&) = delete;

  template <typename K>
  const ChainT* Find(const K& key) const {
    auto p = parts_.find(OrgOf(key));
    if (p == parts_.end()) return nullptr;
    const auto rest = RestView(key);
    if constexpr (kOrdered) {
      // Journal-like tables grow at the end: a key past the last is absent,
      // found without walking the tree.
      if (p->second.empty() || KeyLess()(std::prev(p->second.end())->first, rest)) return nullptr;
    }
    auto it = p->second.find(rest);
    return it == p->second.end() ? nullptr : &it->second;
  }
  template <typename K>
  ChainT* Find(const K& key) {
    return const_cast<ChainT*>(std::as_const(*this).Find(key));
  }

  // The value visible at `snapshot`, or null.
  template <typename K>
  const std::shared_ptr<const Value>* Get(const K& key, std::uint64_t snapshot) const {
    const ChainT* chain = Find(key);
    return chain == nullptr ? nullptr : chain->VisibleAt(snapshot);
  }

  // True if a version of `key` was committed after `snapshot`.
  template <typename K>
  bool ChangedSince(const K& key, std::uint64_t snapshot) const {
    const ChainT* chain = Find(key);
    return chain != nullptr && chain->NewestTs() > snapshot;
  }

  // Calls f(org, rest, chain) for the chains of `range` in key order while it
  // returns true. A range without same_first is the whole table (its bounds
  // are ignored).
  template <typename F>
  void ForEach(const ScanRange<Key>& range, F&& f) const {
    static_assert(kOrdered, "range scans need an ordered table");
    if (!range.same_first) {
      for (const auto& [org, part] : parts_) {
        for (const auto& [rest, chain] : part) {
          if (!f(std::string_view(org), rest, chain)) return;
        }
      }
      return;
    }
    auto p = parts_.find(OrgOf(range.lo));
    if (p == parts_.end()) return;
    const std::string_view org = p->first;
    for (auto it = p->second.lower_bound(RestView(range.lo)); it != p->second.end(); ++it) {
      if (range.end) {
        const auto end = RestView(*range.end);
        if (range.end_inclusive ? KeyLess()(end, it->first) : !KeyLess()(it->first, end)) return;
      }
      if (!f(org, it->first, it->second)) return;
    }
  }

  // Calls f(rest, chain) for the chains of lo's org from the first key at or
  // after `lo` (a view tuple or key) in key order while it returns true: a
  // point-started scan that builds no owning key.
  template <typename View, typename F>
  void ForEachFrom(const View& lo, F&& f) const {
    static_assert(kOrdered, "range scans need an ordered table");
    auto p = parts_.find(OrgOf(lo));
    if (p == parts_.end()) return;
    for (auto it = p->second.lower_bound(RestView(lo)); it != p->second.end(); ++it) {
      if (!f(it->first, it->second)) return;
    }
  }

  // True if any key of `range` has a version committed after `snapshot`.
  bool RangeChangedSince(const ScanRange<Key>& range, std::uint64_t snapshot) const {
    bool changed = false;
    ForEach(range, [&](std::string_view, const Rest&, const ChainT& chain) {
      changed = chain.NewestTs() > snapshot;
      return !changed;
    });
    return changed;
  }

  // Finds or creates the chain of `key`, moving the key's non-org elements
  // into the table when it creates one (the org element is left intact).
  ChainT& EmplaceFrom(Key& key) {
    auto p = parts_.find(OrgOf(key));
    if (p == parts_.end()) p = parts_.try_emplace(std::get<0>(key)).first;
    auto it = p->second.find(RestView(key));
    if (it != p->second.end()) return it->second;
    Rest rest = std::apply([](auto&, auto&... r) { return Rest(std::move(r)...); }, key);
    return p->second.try_emplace(std::move(rest)).first->second;
  }
  ChainT& Emplace(Key key) { return EmplaceFrom(key); }

  // As EmplaceFrom for a key known to be absent: one lookup fewer.
  ChainT& InsertFrom(Key& key) {
    auto p = parts_.find(OrgOf(key));
    if (p == parts_.end()) p = parts_.try_emplace(std::get<0>(key)).first;
    Rest rest = std::apply([](auto&, auto&... r) { return Rest(std::move(r)...); }, key);
    if constexpr (kOrdered) {
      // Appends (the journal) go at the end: hint there, no tree walk.
      if (p->second.empty() || KeyLess()(std::prev(p->second.end())->first, rest)) {
        return p->second.try_emplace(p->second.end(), std::move(rest))->second;
      }
    }
    auto [it, inserted] = p->second.try_emplace(std::move(rest));
    assert(inserted);
    return it->second;
  }

  // Appends a version (ts must exceed every version's).
  void Install(ChainT& chain, std::uint64_t ts, std::shared_ptr<const Value> value) {
    assert(chain.versions.empty() || chain.NewestTs() < ts);
    chain.versions.push_back(Version<Value>{ts, std::move(value)});
    ++version_count_;
  }

  // Drops the versions of `chain` that no snapshot can see any more. A
  // version is visible to the snapshots in [its ts, the next version's ts);
  // the newest one to every snapshot from its ts on, future ones included, so
  // it always stays unless it is a tombstone with nothing older left (which
  // means the same as no version at all). Returns true if the chain is now
  // empty: the caller must then erase it. `active` must not contain the
  // committing transaction's own snapshot.
  template <typename Active>
  bool Prune(ChainT& chain, const Active& active) {
    auto& v = chain.versions;
    std::size_t kept = 0;
    for (std::size_t i = 0; i < v.size(); ++i) {
      bool keep = i + 1 == v.size() || active.AnyIn(v[i].ts, v[i + 1].ts);
      if (keep && kept == 0 && !v[i].value) keep = false;
      if (!keep) continue;
      if (kept != i) v[kept] = std::move(v[i]);
      ++kept;
    }
    version_count_ -= v.size() - kept;
    v.erase(v.begin() + static_cast<std::ptrdiff_t>(kept), v.end());
    return v.empty();
  }

  // Prune by key, erasing the chain if it becomes empty.
  template <typename K, typename Active>
  void Prune(const K& key, const Active& active) {
    if (ChainT* chain = Find(key); chain != nullptr && Prune(*chain, active)) Erase(key);
  }

  // Removes the chain of `key` and all its versions.
  template <typename K>
  void Erase(const K& key) {
    auto p = parts_.find(OrgOf(key));
    if (p == parts_.end()) return;
    auto it = p->second.find(RestView(key));
    if (it == p->second.end()) return;
    version_count_ -= it->second.versions.size();
    p->second.erase(it);
    if (p->second.empty()) parts_.erase(p);
  }

  // Removes every chain of `org`.
  void ErasePartition(std::string_view org) {
    auto p = parts_.find(org);
    if (p == parts_.end()) return;
    for (const auto& [rest, chain] : p->second) version_count_ -= chain.versions.size();
    parts_.erase(p);
  }

  std::size_t version_count() const { return version_count_; }

 private:
  std::map<std::string, Partition, std::less<>> parts_;
  std::size_t version_count_ = 0;
};

// --- write sets -------------------------------------------------------------

// A transaction's buffered writes to one table, in first-write order. Small
// sets are searched linearly; from kIndexThreshold writes on, a sorted index
// makes lookups logarithmic. Values are held by shared_ptr so that Commit
// installs them without copying.
template <typename Key, typename Value>
class WriteSet {
 public:
  struct Write {
    Key key;
    std::shared_ptr<Value> value;
    // Set by Commit, under the store lock: the key's chain, if any.
    Chain<Value>* chain = nullptr;
  };

  static constexpr std::size_t kIndexThreshold = 16;

  WriteSet() : index_(IndexLess{this}) {}
  WriteSet(const WriteSet&) = delete;
  WriteSet& operator=(const WriteSet&) = delete;

  bool empty() const { return writes_.empty(); }
  std::size_t size() const { return writes_.size(); }
  std::vector<Write>& writes() { return writes_; }
  const std::vector<Write>& writes() const { return writes_; }

  template <typename K>
  Value* Find(const K& key) {
    if (index_.empty()) {
      for (auto& w : writes_) {
        if (KeyEq(w.key, key)) return w.value.get();
      }
      return nullptr;
    }
    auto it = index_.find(key);
    return it == index_.end() ? nullptr : writes_[*it].value.get();
  }

  // Inserts or replaces the write of `key` with `value` (moved in).
  template <typename K>
  void Put(const K& key, Value value) {
    if (Value* existing = Find(key)) {
      *existing = std::move(value);
      return;
    }
    if (writes_.empty()) writes_.reserve(4);
    writes_.emplace_back(MakeKey<Key>(key), std::make_shared<Value>(std::move(value)), nullptr);
    if (!index_.empty()) {
      index_.insert(static_cast<std::uint32_t>(writes_.size() - 1));
    } else if (writes_.size() > kIndexThreshold) {
      for (std::size_t i = 0; i < writes_.size(); ++i) {
        index_.insert(static_cast<std::uint32_t>(i));
      }
    }
  }

  // The written values whose keys lie in `range`, in key order.
  std::vector<const Value*> Collect(const ScanRange<Key>& range) const {
    std::vector<const Value*> out;
    if (writes_.empty()) return out;
    if (!index_.empty()) {
      for (auto it = index_.lower_bound(range.lo);
           it != index_.end() && range.Contains(writes_[*it].key); ++it) {
        out.push_back(writes_[*it].value.get());
      }
      return out;
    }
    std::vector<const Write*> hits;
    for (const auto& w : writes_) {
      if (!KeyLess()(w.key, range.lo) && range.Contains(w.key)) hits.push_back(&w);
    }
    std::sort(hits.begin(), hits.end(),
              [](const Write* a, const Write* b) { return KeyLess()(a->key, b->key); });
    out.reserve(hits.size());
    for (const Write* w : hits) out.push_back(w->value.get());
    return out;
  }

  void Clear() {
    index_.clear();
    writes_.clear();
  }

 private:
  // Orders indices into writes_ by key; transparent to view tuples.
  struct IndexLess {
    using is_transparent = void;
    const WriteSet* set;
    const Key& KeyOf(std::uint32_t i) const { return set->writes_[i].key; }
    bool operator()(std::uint32_t a, std::uint32_t b) const {
      return KeyLess()(KeyOf(a), KeyOf(b));
    }
    template <KeyLike K>
    bool operator()(std::uint32_t a, const K& b) const {
      return KeyLess()(KeyOf(a), b);
    }
    template <KeyLike K>
    bool operator()(const K& a, std::uint32_t b) const {
      return KeyLess()(a, KeyOf(b));
    }
  };

  std::vector<Write> writes_;
  std::set<std::uint32_t, IndexLess> index_;
};

// --- read sets ---------------------------------------------------------------

// What a transaction read from one table (serializable mode only).
template <typename Key>
struct ReadSet {
  std::vector<Key> points;  // found or absent
  std::vector<ScanRange<Key>> ranges;

  template <typename Value, typename Index>
  bool ChangedSince(const MvccTable<Key, Value, Index>& table, std::uint64_t snapshot) const {
    for (const auto& k : points) {
      if (table.ChangedSince(k, snapshot)) return true;
    }
    if constexpr (MvccTable<Key, Value, Index>::kOrdered) {
      for (const auto& r : ranges) {
        if (table.RangeChangedSince(r, snapshot)) return true;
      }
    }
    return false;
  }
};

// --- active snapshots -----------------------------------------------------------

// A multiset of the snapshot timestamps of open transactions: a sorted
// vector of (ts, count). Snapshots are added in non-decreasing order (a new
// transaction's snapshot is the current clock), so adding is a push_back or an
// increment; the vector holds one slot per distinct open snapshot, few in
// practice, and does not allocate in steady state.
class ActiveSnapshots {
 public:
  void Add(std::uint64_t ts) {
    if (!slots_.empty() && slots_.back().ts == ts) {
      ++slots_.back().count;
      return;
    }
    assert(slots_.empty() || slots_.back().ts < ts);
    slots_.push_back(Slot{ts, 1});
  }

  // Requires a matching Add.
  void Remove(std::uint64_t ts) {
    auto it = LowerBound(ts);
    assert(it != slots_.end() && it->ts == ts && it->count > 0);
    if (--it->count == 0) slots_.erase(it);
  }

  // True if some open snapshot s has lo <= s < hi.
  bool AnyIn(std::uint64_t lo, std::uint64_t hi) const {
    auto it = LowerBound(lo);
    return it != slots_.end() && it->ts < hi;
  }

  std::optional<std::uint64_t> Oldest() const {
    if (slots_.empty()) return std::nullopt;
    return slots_.front().ts;
  }

  bool empty() const { return slots_.empty(); }

 private:
  struct Slot {
    std::uint64_t ts;
    std::uint64_t count;
  };

  std::vector<Slot>::iterator LowerBound(std::uint64_t ts) {
    return std::lower_bound(slots_.begin(), slots_.end(), ts,
                            [](const Slot& s, std::uint64_t t) { return s.ts < t; });
  }
  std::vector<Slot>::const_iterator LowerBound(std::uint64_t ts) const {
    return std::lower_bound(slots_.begin(), slots_.end(), ts,
                            [](const Slot& s, std::uint64_t t) { return s.ts < t; });
  }

  std::vector<Slot> slots_;
};

}  // namespace stub::mvcc
