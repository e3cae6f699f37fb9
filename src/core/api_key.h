// API keys: who may call the HTTP API, in which org, with which role.
//
// A key's secret is shown once, at creation; only hex(SHA-256(secret)) is
// stored, so a copy of the database does not reveal a working key.
//
// Roles (see API.md): root (the platform operator; no org), admin (everything
// in its org), finance (read, query, verify, export), approver (finance plus
// approve/deny), agent (bound to one agent: spend/hold as it, read its own
// budget).
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>

#include "core/time_util.h"

namespace stub {

enum class KeyRole : std::uint8_t { kRoot = 0, kAdmin, kFinance, kApprover, kAgent };

std::string_view KeyRoleName(KeyRole r);  // "root" | "admin" | "finance" | "approver" | "agent"
std::optional<KeyRole> ParseKeyRole(std::string_view name);

struct ApiKeyRow {
  std::string id;    // public id ("key_…"), unique across the store
  std::string org;   // empty for a root key
  std::string hash;  // hex SHA-256 of the secret (64 lowercase hex), unique
  KeyRole role = KeyRole::kAgent;
  std::string agent;  // the agent a kAgent key is bound to; else empty
  std::string name;   // a human label
  Timestamp created_at = 0;
  Timestamp revoked_at = 0;  // 0 while the key works
  bool revoked() const { return revoked_at != 0; }
  bool operator==(const ApiKeyRow&) const = default;
};

}  // namespace stub
