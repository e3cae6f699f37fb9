// API keys: creation (a random 256-bit secret with a recognisable prefix,
// returned once; only its SHA-256 is stored), authentication, listing and
// revocation.
//
// A revocation takes effect at once, in every process on the database:
//   - Authenticate(secret, kFresh) reads the store (what every request but a
//     spend or hold uses): once a Revoke has committed, it refuses the key.
//   - Authenticate(secret, kCached) may answer from a cache of live keys read
//     at most `cache_ttl` ago (never unknown or revoked ones), so a busy
//     server does not read the store for every spend. Its answer carries the
//     org's key epoch read with the key (KeyGrant::check); Revoke bumps that
//     epoch in the revoking transaction, and a spend made with the check
//     (SpendRequest::key_check) re-reads the key inside its own transaction
//     when the epoch has moved — so a spend whose transaction begins after a
//     revocation committed is refused, whoever revoked the key.
//   - Authenticate(secret, kCacheOnly) is kCached that never reads the store
//     (for a caller that must not block, such as an event loop): a key not
//     in the cache, or read longer than `cache_ttl` ago, gives kUnavailable
//     with reason "key_not_cached", and the caller asks again with kCached
//     where it may block.
//   - Through this KeyService, Revoke also drops the key from the cache: no
//     later Authenticate of this service accepts it, not even one that was
//     already reading the store when Revoke ran.
//
// Thread-safe; any number of threads may call it.
#pragma once

#include <chrono>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <vector>

#include "core/api_key.h"
#include "core/status.h"
#include "engine/clock.h"
#include "engine/requests.h"
#include "store/store.h"

namespace stub {

// Every secret starts with this, so a leaked key is recognisable (e.g. by a
// secret scanner).
inline constexpr std::string_view kKeyPrefix = "stub_live_";

struct IssuedKey {
  ApiKeyRow row;
  std::string secret;  // shown once; never stored
};

// An authenticated key: its row and what a spend re-checks it by.
struct KeyGrant {
  ApiKeyRow row;
  KeyCheck check;  // row.hash and the org's key epoch read with it
};

// kFresh reads the store; kCached may answer from the cache; kCacheOnly
// answers from the cache or not at all (see above).
enum class KeyFreshness { kFresh, kCached, kCacheOnly };
// The reason of kCacheOnly's kUnavailable: the answer needs a store read.
inline constexpr std::string_view kKeyNotCached = "key_not_cached";

struct KeyServiceOptions {
  // How long a kCached answer may be reused without reading the store again.
  // 0: every call reads the store.
  std::chrono::milliseconds cache_ttl{1000};
  std::size_t max_cached = 100'000;  // beyond it the cache starts over
};

class KeyService {
 public:
  // `store` and `clock` must outlive the service.
  KeyService(Store& store, const Clock& clock, KeyServiceOptions options = {});

  // hex(SHA-256(secret)), lowercase.
  static std::string HashSecret(std::string_view secret);
  // A fresh secret: kKeyPrefix + 64 hex digits from the OS CSPRNG.
  static Result<std::string> NewSecret();

  // Creates a key of `org` (which must exist; "" only for kRoot). An agent
  // key names an existing agent of the org; other roles name none.
  // Errors: kInvalidArgument "invalid_request", kNotFound "not_found".
  Result<IssuedKey> Create(std::string_view org, KeyRole role, std::string_view agent,
                           std::string_view name);
  // The two halves of Create, for a key that must be stored inside another
  // transaction (an org and its first admin key, atomically): Prepare checks
  // the arguments and makes the secret (no store access); Insert stores it in
  // `txn` with created_at = `now` (it checks nothing against the store).
  static Result<IssuedKey> Prepare(std::string_view org, KeyRole role, std::string_view agent,
                                   std::string_view name);
  static Status Insert(Transaction& txn, IssuedKey& key, Timestamp now);
  // The live (not revoked) key whose secret this is; nullopt otherwise. See
  // the class comment for how fresh the answer is.
  Result<std::optional<KeyGrant>> Authenticate(std::string_view secret,
                                               KeyFreshness freshness = KeyFreshness::kFresh);
  // Authenticate for a caller that has already hashed the secret (the server,
  // which compares the hash with a configured root key's too): the same
  // answer, one SHA-256 less per request. Requires hash == HashSecret(secret).
  Result<std::optional<KeyGrant>> AuthenticateHashed(std::string_view secret, std::string hash,
                                                     KeyFreshness freshness);
  Result<std::vector<ApiKeyRow>> List(std::string_view org);
  // Revokes the key and bumps the org's key epoch in one transaction.
  // Errors: kNotFound when `org` has no key `id`. On return this service no
  // longer accepts the key.
  Status Revoke(std::string_view org, std::string_view id);
  // Creates a root key when the store has no live one (first start of an
  // empty database, or every root key revoked); nullopt when one exists.
  // Atomic across processes: of several racing callers on one database,
  // exactly one creates a key (the n-th root key's id is "key_root_<n>", so
  // racing inserts collide and the losers find the winner's key).
  Result<std::optional<IssuedKey>> EnsureRootKey();

 private:
  struct Cached {
    KeyGrant grant;
    std::chrono::steady_clock::time_point read_at;
  };
  Store& store_;
  const Clock& clock_;
  const KeyServiceOptions options_;
  std::mutex mu_;
  std::unordered_map<std::string, Cached> cache_;  // by hash
  // Bumped by every Revoke: an Authenticate whose store read began before a
  // revocation does not cache what it read.
  std::uint64_t revocations_ = 0;
};

}  // namespace stub
