#include "engine/ledger_txn.h"

#include <unordered_set>
#include <utility>

namespace stub {

Result<OrgRow*> LedgerTxn::Org(std::string_view org) {
  auto it = orgs_.find(org);
  if (it == orgs_.end()) {
    STUB_ASSIGN_OR_RETURN(auto row, txn_.GetOrg(org));
    Cached<OrgRow> cached;
    cached.exists = row.has_value();
    if (row) cached.row = std::move(*row);
    it = orgs_.emplace(std::string(org), std::move(cached)).first;
  }
  return it->second.exists ? &it->second.row : nullptr;
}

void LedgerTxn::MarkOrgDirty(std::string_view org) {
  auto it = orgs_.find(org);
  if (it != orgs_.end()) it->second.dirty = it->second.exists = true;
}

Result<NodeRow*> LedgerTxn::Node(std::string_view org, std::string_view node) {
  auto it = nodes_.find(NodeView(org, node));
  if (it == nodes_.end()) {
    STUB_ASSIGN_OR_RETURN(auto row, txn_.GetNode(org, node));
    Cached<NodeRow> cached;
    cached.exists = row.has_value();
    if (row) cached.row = std::move(*row);
    it = nodes_.emplace(NodeKey(org, node), std::move(cached)).first;
  }
  return it->second.exists ? &it->second.row : nullptr;
}

void LedgerTxn::MarkNodeDirty(std::string_view org, std::string_view node) {
  auto it = nodes_.find(NodeView(org, node));
  if (it != nodes_.end()) it->second.dirty = it->second.exists = true;
}

Status LedgerTxn::PrefetchNodes(std::string_view org, const std::vector<std::string_view>& ids) {
  // A batch may name hundreds of agents, each many times.
  std::vector<std::string_view> missing;
  std::unordered_set<std::string_view> seen;
  for (std::string_view id : ids) {
    if (nodes_.find(NodeView(org, id)) != nodes_.end()) continue;
    if (seen.insert(id).second) missing.push_back(id);
  }
  if (missing.empty()) return Status::Ok();
  STUB_ASSIGN_OR_RETURN(auto rows, txn_.GetNodes(org, missing));
  for (std::size_t i = 0; i < missing.size(); ++i) {
    Cached<NodeRow> cached;
    cached.exists = rows[i].has_value();
    if (rows[i]) cached.row = std::move(*rows[i]);
    nodes_.emplace(NodeKey(org, missing[i]), std::move(cached));
  }
  return Status::Ok();
}

Status LedgerTxn::PrefetchIdempotency(std::string_view org,
                                      const std::vector<std::string_view>& keys) {
  std::vector<std::string_view> missing;
  missing.reserve(keys.size());
  for (std::string_view key : keys) {
    if (idempotency_.find(NodeView(org, key)) == idempotency_.end()) missing.push_back(key);
  }
  if (missing.empty()) return Status::Ok();
  idempotency_.reserve(idempotency_.size() + missing.size());
  STUB_ASSIGN_OR_RETURN(auto records, txn_.GetIdempotencies(org, missing));
  for (std::size_t i = 0; i < missing.size(); ++i) {
    idempotency_.emplace(NodeKey(org, missing[i]), std::move(records[i]));
  }
  return Status::Ok();
}

Result<const IdempotencyRecord*> LedgerTxn::Idempotency(std::string_view org,
                                                        std::string_view key) {
  auto it = idempotency_.find(NodeView(org, key));
  if (it == idempotency_.end()) {
    if (assume_new_keys_) {
      it = idempotency_.emplace(NodeKey(org, key), std::nullopt).first;
      assumed_.push_back(&*it);
      return nullptr;
    }
    STUB_ASSIGN_OR_RETURN(auto record, txn_.GetIdempotency(org, key));
    it = idempotency_.emplace(NodeKey(org, key), std::move(record)).first;
  }
  return it->second ? &*it->second : nullptr;
}

Status LedgerTxn::PutIdempotency(IdempotencyRecord record) {
  // The batch's prefetch usually holds the key already (as absent): update
  // that entry in place instead of building a new key.
  auto it = idempotency_.find(NodeView(record.org, record.key));
  if (it == idempotency_.end()) {
    it = idempotency_.emplace(NodeKey(record.org, record.key), std::nullopt).first;
  }
  it->second = record;
  Status status = txn_.PutIdempotency(std::move(record));
  if (!status.ok()) it->second.reset();
  return status;
}

Result<const WindowLogRow*> LedgerTxn::FirstWindowLogAfter(std::string_view org, const NodeRow& row,
                                                           Timestamp after) {
  const std::string_view node = row.node.id;
  auto it = window_firsts_.lower_bound({&row, after});
  if (it == window_firsts_.end() || it->first != std::pair(&row, after)) {
    // Asked before this LedgerTxn appends to the node, the store's answer
    // holds committed rows only; rows appended later all come after them.
    auto answer = txn_.FirstWindowLogAfter(org, node, after);
    if (!answer.ok()) return std::move(answer).status();
    std::optional<WindowLogRow>& first = *answer;
    if (first) {
      for (const WindowLogRow& own : window_appended_) {
        if (own.at == first->at && own.seq == first->seq && own.node == node && own.org == org) {
          first.reset();  // the store read our own write: decide below like any own row
          break;
        }
      }
    }
    it = window_firsts_.emplace_hint(it, std::pair(&row, after), std::move(first));
  }
  if (it->second) return &*it->second;
  for (const WindowLogRow& own : window_appended_) {
    if (own.at > after && own.node == node && own.org == org) return &own;
  }
  return nullptr;
}

Status LedgerTxn::AppendWindowLog(WindowLogRow row) {
  window_appended_.push_back(row);
  return txn_.AppendWindowLog(std::move(row));
}

Status LedgerTxn::CheckAssumedKeys() {
  // Only keys of requests that ended before their insert (a request error
  // after the idempotency check) are left to read; usually none.
  std::map<std::string_view, std::vector<std::string_view>, std::less<>> unwritten;
  for (const IdempotencyCache::value_type* assumed : assumed_) {
    if (!assumed->second) unwritten[assumed->first.first].push_back(assumed->first.second);
  }
  assumed_.clear();
  for (const auto& [org, keys] : unwritten) {
    STUB_ASSIGN_OR_RETURN(auto records, txn_.GetIdempotencies(org, keys));
    for (std::size_t i = 0; i < keys.size(); ++i) {
      if (records[i]) {
        return Conflict("idempotency key '" + std::string(keys[i]) +
                        "' was taken for new but exists");
      }
    }
  }
  return Status::Ok();
}

Status LedgerTxn::Flush() {
  STUB_RETURN_IF_ERROR(CheckAssumedKeys());
  for (auto& [id, cached] : orgs_) {
    if (!cached.dirty) continue;
    STUB_RETURN_IF_ERROR(txn_.PutOrg(std::move(cached.row)));
    cached.dirty = false;
  }
  for (auto& [key, cached] : nodes_) {
    if (!cached.dirty) continue;
    ++cached.row.version;
    STUB_RETURN_IF_ERROR(txn_.PutNode(key.first, std::move(cached.row)));
    cached.dirty = false;
  }
  return Status::Ok();
}

}  // namespace stub
