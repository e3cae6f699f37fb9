#include "engine/ledger_txn.h"

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

Status LedgerTxn::Flush() {
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
