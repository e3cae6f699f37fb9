#include "engine/key_service.h"

#include <openssl/rand.h>

#include <array>
#include <utility>

#include "core/budget.h"
#include "core/sha256.h"
#include "engine/ids.h"

namespace stub {
namespace {

constexpr int kMaxAttempts = 5;

// Runs `body` in a transaction and commits it, retrying on kConflict and
// kUnavailable.
template <typename T, typename Body>
Result<T> InTxn(Store& store, bool read_only, Body&& body) {
  Status last;
  for (int attempt = 0; attempt < kMaxAttempts; ++attempt) {
    auto txn = store.Begin({.read_only = read_only});
    if (!txn.ok()) {
      last = txn.status();
      if (last.retryable()) continue;
      return last;
    }
    Result<T> result = body(**txn);
    Status status = result.status();
    if (status.ok()) status = (*txn)->Commit();
    if (status.ok()) return result;
    (*txn)->Rollback();
    if (!status.retryable()) return status;
    last = std::move(status);
  }
  return last;
}

}  // namespace

KeyService::KeyService(Store& store, const Clock& clock) : store_(store), clock_(clock) {}

std::string KeyService::HashSecret(std::string_view secret) { return ToHex(Sha256(secret)); }

Result<std::string> KeyService::NewSecret() {
  std::array<unsigned char, 32> bytes{};
  if (RAND_bytes(bytes.data(), static_cast<int>(bytes.size())) != 1) {
    return Internal("the OS random generator failed");
  }
  return std::string(kKeyPrefix) +
         ToHex(std::string_view(reinterpret_cast<const char*>(bytes.data()), bytes.size()));
}

Result<IssuedKey> KeyService::Create(std::string_view org, KeyRole role, std::string_view agent,
                                     std::string_view name) {
  if ((role == KeyRole::kRoot) != org.empty()) {
    return InvalidArgument("a root key has no org; every other key has one", "invalid_request");
  }
  if ((role == KeyRole::kAgent) == agent.empty()) {
    return InvalidArgument(
        role == KeyRole::kAgent ? "an agent key needs 'agent'" : "only an agent key names an agent",
        "invalid_request");
  }
  if (name.size() > 200) {
    return InvalidArgument("a key name is at most 200 bytes", "invalid_request");
  }
  STUB_ASSIGN_OR_RETURN(std::string secret, NewSecret());
  IssuedKey issued;
  issued.row.id = NewId("key");
  issued.row.org = std::string(org);
  issued.row.hash = HashSecret(secret);
  issued.row.role = role;
  issued.row.agent = std::string(agent);
  issued.row.name = std::string(name);
  issued.secret = std::move(secret);
  auto inserted = InTxn<bool>(store_, false, [&](Transaction& txn) -> Result<bool> {
    if (!org.empty()) {
      STUB_ASSIGN_OR_RETURN(auto org_row, txn.GetOrg(org));
      if (!org_row) return NotFound("unknown org '" + std::string(org) + "'", "not_found");
    }
    if (!agent.empty()) {
      STUB_ASSIGN_OR_RETURN(auto node, txn.GetNode(org, agent));
      if (!node || node->node.kind != NodeKind::kAgent) {
        return NotFound("unknown agent '" + std::string(agent) + "'", "not_found");
      }
    }
    ApiKeyRow row = issued.row;
    row.created_at = clock_.Now();
    issued.row.created_at = row.created_at;
    STUB_RETURN_IF_ERROR(txn.InsertKey(std::move(row)));
    return true;
  });
  if (!inserted.ok()) return inserted.status();
  return issued;
}

Result<std::optional<ApiKeyRow>> KeyService::Authenticate(std::string_view secret) {
  if (!secret.starts_with(kKeyPrefix)) return std::optional<ApiKeyRow>();
  const std::string hash = HashSecret(secret);
  return InTxn<std::optional<ApiKeyRow>>(store_, true,
                                         [&](Transaction& txn) -> Result<std::optional<ApiKeyRow>> {
                                           STUB_ASSIGN_OR_RETURN(auto row, txn.GetKeyByHash(hash));
                                           if (row && row->revoked())
                                             return std::optional<ApiKeyRow>();
                                           return row;
                                         });
}

Result<std::vector<ApiKeyRow>> KeyService::List(std::string_view org) {
  return InTxn<std::vector<ApiKeyRow>>(store_, true,
                                       [&](Transaction& txn) { return txn.ListKeys(org); });
}

Status KeyService::Revoke(std::string_view org, std::string_view id) {
  return InTxn<bool>(store_, false,
                     [&](Transaction& txn) -> Result<bool> {
                       STUB_RETURN_IF_ERROR(txn.RevokeKey(org, id, clock_.Now()));
                       return true;
                     })
      .status();
}

Result<std::optional<IssuedKey>> KeyService::EnsureRootKey() {
  STUB_ASSIGN_OR_RETURN(auto roots, List(""));
  for (const auto& k : roots) {
    if (!k.revoked()) return std::optional<IssuedKey>();
  }
  STUB_ASSIGN_OR_RETURN(auto issued, Create("", KeyRole::kRoot, "", "root"));
  return std::optional<IssuedKey>(std::move(issued));
}

}  // namespace stub
