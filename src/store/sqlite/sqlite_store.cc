#include "store/sqlite/sqlite_store.h"

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <array>
#include <cerrno>
#include <charconv>
#include <chrono>
#include <climits>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <iterator>
#include <limits>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <thread>
#include <utility>
#include <vector>

#include "core/time_ordered_id.h"
#include "store/group_sync.h"
#include "store/provider_table.h"
#include "store/query_sql.h"
#include "store/row_codec.h"
#include "store/thread_name.h"
#include "store/wallet_table.h"
#include "store/write_behind.h"

namespace stub {
namespace {

// --- schema -----------------------------------------------------------------

struct Migration {
  int version;
  const char* name;
  const char* sql;
};

// Ordered, append-only: a released step is never edited; changes are new
// steps. Each step runs inside the one migration transaction of Open.
constexpr Migration kMigrations[] = {
    {1, "initial schema", R"sql(
CREATE TABLE schema_migrations (
  version INTEGER PRIMARY KEY,
  name TEXT NOT NULL,
  applied_at INTEGER NOT NULL
) STRICT;
CREATE TABLE orgs (
  id TEXT NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  currency TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  head_seq INTEGER NOT NULL,
  head_hash TEXT NOT NULL,
  kill_switch INTEGER NOT NULL,
  next_hold_expiry INTEGER NOT NULL
) WITHOUT ROWID, STRICT;
CREATE TABLE nodes (
  org TEXT NOT NULL,
  id TEXT NOT NULL,
  kind TEXT NOT NULL,
  parent TEXT NOT NULL,
  name TEXT NOT NULL,
  limits TEXT NOT NULL,
  frozen INTEGER NOT NULL,
  frozen_reason TEXT NOT NULL,
  balances BLOB NOT NULL,
  version INTEGER NOT NULL,
  PRIMARY KEY (org, id)
) WITHOUT ROWID, STRICT;
CREATE TABLE entries (
  org TEXT NOT NULL,
  seq INTEGER NOT NULL,
  kind TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  budget_at INTEGER NOT NULL,
  ref TEXT NOT NULL,
  hold_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  path TEXT NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  session TEXT NOT NULL,
  user_id TEXT NOT NULL,
  intent TEXT NOT NULL,
  amount INTEGER NOT NULL,
  released INTEGER NOT NULL,
  receipt TEXT NOT NULL,
  receipt_hash TEXT NOT NULL,
  lines TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (org, seq)
) STRICT;
CREATE TABLE idempotency (
  org TEXT NOT NULL,
  idem_key TEXT NOT NULL,
  fingerprint TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  PRIMARY KEY (org, idem_key)
) WITHOUT ROWID, STRICT;
CREATE TABLE holds (
  org TEXT NOT NULL,
  id TEXT NOT NULL,
  agent TEXT NOT NULL,
  path TEXT NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  session TEXT NOT NULL,
  user_id TEXT NOT NULL,
  intent TEXT NOT NULL,
  amount INTEGER NOT NULL,
  captured INTEGER NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  resolved_at INTEGER NOT NULL,
  status TEXT NOT NULL,
  spend_id TEXT NOT NULL,
  PRIMARY KEY (org, id)
) WITHOUT ROWID, STRICT;
CREATE INDEX holds_pending ON holds (org, expires_at, id) WHERE status = 'held';
CREATE TABLE denials (
  org TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  id TEXT NOT NULL,
  request_kind TEXT NOT NULL,
  agent TEXT NOT NULL,
  amount INTEGER NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  session TEXT NOT NULL,
  user_id TEXT NOT NULL,
  intent TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  reason TEXT NOT NULL,
  node TEXT NOT NULL,
  period TEXT,
  limit_amount INTEGER NOT NULL,
  used INTEGER NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (org, created_at, id)
) WITHOUT ROWID, STRICT;
)sql"},
    {2, "api keys", R"sql(
CREATE TABLE api_keys (
  id TEXT NOT NULL PRIMARY KEY,
  org TEXT NOT NULL,
  hash TEXT NOT NULL UNIQUE,
  role TEXT NOT NULL,
  agent TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  revoked_at INTEGER NOT NULL
) STRICT;
CREATE INDEX api_keys_org ON api_keys (org, id);
)sql"},
    {3, "policies, rolling windows", R"sql(
ALTER TABLE nodes ADD COLUMN policy TEXT;
ALTER TABLE nodes ADD COLUMN win_state BLOB;
ALTER TABLE denials ADD COLUMN window_seconds INTEGER;
ALTER TABLE denials ADD COLUMN limit_unit TEXT;
CREATE TABLE window_log (
  org TEXT NOT NULL,
  node TEXT NOT NULL,
  at INTEGER NOT NULL,
  seq INTEGER NOT NULL,
  total INTEGER NOT NULL,
  amount INTEGER NOT NULL,
  PRIMARY KEY (org, node, at, seq)
) WITHOUT ROWID, STRICT;
CREATE TABLE approvals (
  org TEXT NOT NULL,
  id TEXT NOT NULL,
  agent TEXT NOT NULL,
  amount INTEGER NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  session TEXT NOT NULL,
  user_id TEXT NOT NULL,
  intent TEXT NOT NULL,
  node TEXT NOT NULL,
  over_amount INTEGER NOT NULL,
  status TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL,
  decided_at INTEGER NOT NULL,
  decided_by TEXT NOT NULL,
  spend_id TEXT NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (org, id)
) WITHOUT ROWID, STRICT;
CREATE INDEX approvals_by_time ON approvals (org, created_at, id);
)sql"},
    // Questions (query_sql.h) over spends by time: a covering index of the
    // spend and capture entries, so a month's totals by team, agent, vendor
    // or category read the index range only, never the wide rows (kind is in
    // it too: without it SQLite reads each row to re-check the predicate).
    {4, "spend query index", R"sql(
CREATE INDEX entries_spend_time ON entries (org, created_at, agent, vendor, category, amount,
  kind) WHERE kind IN ('spend', 'capture');
)sql"},
    // The daily spend rollup (core/spend_daily.h), kept exact by every write
    // transaction that appends spends (SqliteTransaction::FlushRollup), and
    // backfilled here from the journal. Questions over whole days read it
    // instead of the entries (query_sql.h). The wide covering index of step
    // 4 goes (every spend paid for maintaining it); the questions that still
    // read entries by time (edge days, lists, users, sessions, intent) use a
    // two-column one.
    {5, "daily spend rollup", R"sql(
CREATE TABLE spend_daily (
  org TEXT NOT NULL,
  day INTEGER NOT NULL,
  agent TEXT NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  amount_total INTEGER NOT NULL,
  spend_count INTEGER NOT NULL,
  amount_max INTEGER NOT NULL,
  PRIMARY KEY (org, day, agent, vendor, category)
) WITHOUT ROWID, STRICT;
INSERT INTO spend_daily (org, day, agent, vendor, category, amount_total, spend_count, amount_max)
  SELECT org, created_at / 86400000000, agent, vendor, category, SUM(amount), COUNT(*),
    MAX(amount) FROM entries WHERE kind IN ('spend', 'capture') GROUP BY 1, 2, 3, 4, 5;
CREATE INDEX entries_spend_at ON entries (org, created_at) WHERE kind IN ('spend', 'capture');
DROP INDEX entries_spend_time;
)sql"},
    {6, "key revocation epoch", R"sql(
ALTER TABLE orgs ADD COLUMN key_epoch INTEGER NOT NULL DEFAULT 0;
)sql"},
    // Keyset pagination (store.h ItemKey): spends listed newest first by
    // (created_at, ref) — the index replaces step 5's (org, created_at), of
    // which it is an extension, so a spend pays for no extra index there —,
    // a spend looked up by its id, a denial by its id, approvals by status.
    {7, "keyset read indexes", R"sql(
CREATE INDEX entries_spend_key ON entries (org, created_at, ref) WHERE kind IN ('spend', 'capture');
DROP INDEX entries_spend_at;
CREATE INDEX entries_spend_ref ON entries (org, ref) WHERE kind IN ('spend', 'capture');
CREATE INDEX denials_by_id ON denials (org, id);
CREATE INDEX approvals_by_status ON approvals (org, status, created_at, id);
)sql"},
    // head_at: the org's entry clock (core/org.h EntryClock); 0 reads as "no
    // entry yet". max_spend: NULL reads as kDefaultMaxSpend.
    {8, "entry clock and spend ceiling", R"sql(
ALTER TABLE orgs ADD COLUMN head_at INTEGER NOT NULL DEFAULT 0;
ALTER TABLE orgs ADD COLUMN max_spend INTEGER;
)sql"},
    // One agent's spends and denials listed newest first (GET /v1/spends?agent=):
    // read through indexes that lead with the agent, so a page costs the same
    // whatever share of the org's history the agent has.
    {9, "agent keyset read indexes", R"sql(
CREATE INDEX entries_agent_key ON entries (org, agent, created_at, ref)
  WHERE kind IN ('spend', 'capture');
CREATE INDEX denials_by_agent ON denials (org, agent, created_at, id);
)sql"},
    // Dashboard sessions (core/session.h): only the token's hash is stored;
    // expired rows are swept by expires_at.
    {10, "dashboard sessions", R"sql(
CREATE TABLE sessions (
  token_hash TEXT NOT NULL PRIMARY KEY,
  key_id TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  org TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at INTEGER NOT NULL,
  expires_at INTEGER NOT NULL
) WITHOUT ROWID, STRICT;
CREATE INDEX sessions_expiry ON sessions (expires_at);
)sql"},
    // Two indexes that cost every spend a page write of its own go (each
    // about a quarter of the hot path's throughput):
    //   - the one that led with the agent (a page per agent in a batch): the
    //     spend index now carries the agent, and a filter by agent scans its
    //     keys alone and fetches only its matches (ListSpendKeysBefore);
    //   - the one on (org, ref): a spend's id is time-ordered now
    //     (core/time_ordered_id.h) and names the millisecond of its entry, so
    //     GetSpendEntry finds it in the spend index; only the ids made before
    //     (24 hex digits, so not 31 characters long) keep an index on ref.
    {11, "spend indexes without a page per spend", R"sql(
CREATE INDEX entries_spend_listing ON entries (org, created_at, ref, agent, kind)
  WHERE kind IN ('spend', 'capture');
DROP INDEX entries_spend_key;
DROP INDEX entries_agent_key;
CREATE INDEX entries_legacy_ref ON entries (org, ref)
  WHERE kind IN ('spend', 'capture') AND length(ref) <> 31;
DROP INDEX entries_spend_ref;
)sql"},
    // The metering gateway's LLM providers (store/provider_table.h); the
    // upstream key only sealed.
    {12, "llm providers", R"sql(
CREATE TABLE providers (
  org TEXT NOT NULL,
  name TEXT NOT NULL,
  config TEXT NOT NULL,
  sealed_key TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (org, name)
) WITHOUT ROWID, STRICT;
)sql"},
    // A gateway hold is captured in full at its expiry (Hold::capture_on_expiry).
    {13, "holds captured at expiry", R"sql(
ALTER TABLE holds ADD COLUMN capture_on_expiry INTEGER NOT NULL DEFAULT 0;
)sql"},
    // x402 wallets (store/wallet_table.h): settings only, never a key.
    {14, "x402 wallets", R"sql(
CREATE TABLE wallets (
  org TEXT NOT NULL,
  id TEXT NOT NULL,
  config TEXT NOT NULL,
  updated_at INTEGER NOT NULL,
  PRIMARY KEY (org, id)
) WITHOUT ROWID, STRICT;
)sql"},
};

constexpr int kLatestVersion = kMigrations[std::size(kMigrations) - 1].version;

// --- statements -------------------------------------------------------------

enum StmtId : std::size_t {
  kBegin = 0,
  kBeginImmediate,
  kCommit,
  kRollback,
  kTakeSnapshot,
  kGetOrg,
  kPutOrg,
  kListOrgs,
  kGetNode,
  kPutNode,
  kListNodes,
  kAppendEntry,
  kListEntries,
  kGetIdempotency,
  kPutIdempotency,
  kGetHold,
  kPutHold,
  kListDueHolds,
  kNextHoldExpiry,
  kInsertDenial,
  kListDenials,
  kInsertKey,
  kGetKeyByHash,
  kListKeys,
  kRevokeKey,
  kAppendWindowLog,
  kFirstWindowLogAfter,
  kPutApproval,
  kGetApproval,
  kListApprovals,
  kListApprovalsByStatus,
  kUpsertSpendDaily,
  kListSpendDaily,
  kListSpendEntriesBefore,
  kGetSpendEntry,
  kListDenialsBefore,
  kListDenialsAfter,
  kGetDenial,
  kListApprovalsAfter,
  kListApprovalsAfterByStatus,
  kListSpendKeysBefore,
  kListAgentDenialsBefore,
  kInsertSession,
  kGetSession,
  kDeleteSession,
  kDeleteExpiredSessions,
  kGetTimedSpendEntry,
  kPutProvider,
  kGetProvider,
  kListProviders,
  kPutWallet,
  kGetWallet,
  kListWallets,
  kStmtCount,
};

#define STUB_NODE_COLS \
  "id, kind, parent, name, limits, frozen, frozen_reason, balances, version, policy, win_state"
#define STUB_ENTRY_COLS                                                                  \
  "org, seq, kind, created_at, budget_at, ref, hold_id, agent, path, vendor, category, " \
  "session, user_id, intent, amount, released, receipt, receipt_hash, lines, prev_hash, hash"
#define STUB_HOLD_COLS                                                                   \
  "org, id, agent, path, vendor, category, session, user_id, intent, amount, captured, " \
  "created_at, expires_at, resolved_at, status, spend_id, capture_on_expiry"
#define STUB_KEY_COLS "id, org, hash, role, agent, name, created_at, revoked_at"
#define STUB_SESSION_COLS "token_hash, key_id, key_hash, org, csrf_token, created_at, expires_at"
#define STUB_APPROVAL_COLS                                                                  \
  "org, id, agent, amount, vendor, category, session, user_id, intent, node, over_amount, " \
  "status, created_at, expires_at, decided_at, decided_by, spend_id, note"
#define STUB_DENIAL_COLS                                                                         \
  "org, created_at, id, request_kind, agent, amount, vendor, category, session, user_id, "       \
  "intent, idempotency_key, reason, node, period, limit_amount, used, message, window_seconds, " \
  "limit_unit"

constexpr std::array<const char*, kStmtCount> kSql = {
    "BEGIN",
    "BEGIN IMMEDIATE",
    "COMMIT",
    "ROLLBACK",
    "SELECT version FROM schema_migrations LIMIT 1",
    "SELECT name, currency, created_at, head_seq, head_hash, kill_switch, next_hold_expiry, "
    "key_epoch, head_at, max_spend FROM orgs WHERE id = ?1",
    "INSERT OR REPLACE INTO orgs (id, name, currency, created_at, head_seq, head_hash, "
    "kill_switch, next_hold_expiry, key_epoch, head_at, max_spend) "
    "VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11)",
    "SELECT id FROM orgs ORDER BY id",
    "SELECT " STUB_NODE_COLS " FROM nodes WHERE org = ?1 AND id = ?2",
    "INSERT OR REPLACE INTO nodes (org, " STUB_NODE_COLS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12)",
    "SELECT " STUB_NODE_COLS " FROM nodes WHERE org = ?1 ORDER BY id",
    "INSERT INTO entries (" STUB_ENTRY_COLS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20, ?21)",
    "SELECT " STUB_ENTRY_COLS " FROM entries WHERE org = ?1 AND seq > ?2 ORDER BY seq LIMIT ?3",
    "SELECT fingerprint, outcome, created_at FROM idempotency WHERE org = ?1 AND idem_key = ?2",
    "INSERT INTO idempotency (org, idem_key, fingerprint, outcome, created_at) "
    "VALUES (?1, ?2, ?3, ?4, ?5)",
    "SELECT " STUB_HOLD_COLS " FROM holds WHERE org = ?1 AND id = ?2",
    "INSERT OR REPLACE INTO holds (" STUB_HOLD_COLS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17)",
    "SELECT " STUB_HOLD_COLS
    " FROM holds WHERE org = ?1 AND status = 'held' AND expires_at <= ?2 "
    "ORDER BY expires_at, id LIMIT ?3",
    "SELECT expires_at FROM holds WHERE org = ?1 AND status = 'held' "
    "ORDER BY expires_at, id LIMIT 1",
    "INSERT INTO denials (" STUB_DENIAL_COLS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18, "
    "?19, ?20)",
    "SELECT " STUB_DENIAL_COLS " FROM denials WHERE org = ?1 ORDER BY created_at, id LIMIT ?2",
    "INSERT INTO api_keys (" STUB_KEY_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8)",
    "SELECT " STUB_KEY_COLS " FROM api_keys WHERE hash = ?1",
    "SELECT " STUB_KEY_COLS " FROM api_keys WHERE org = ?1 ORDER BY id",
    "UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN ?3 ELSE revoked_at END "
    "WHERE org = ?1 AND id = ?2",
    "INSERT INTO window_log (org, node, at, seq, total, amount) VALUES (?1, ?2, ?3, ?4, ?5, ?6)",
    "SELECT at, seq, total, amount FROM window_log WHERE org = ?1 AND node = ?2 AND at > ?3 "
    "ORDER BY at, seq LIMIT 1",
    "INSERT OR REPLACE INTO approvals (" STUB_APPROVAL_COLS
    ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8, ?9, ?10, ?11, ?12, ?13, ?14, ?15, ?16, ?17, ?18)",
    "SELECT " STUB_APPROVAL_COLS " FROM approvals WHERE org = ?1 AND id = ?2",
    "SELECT " STUB_APPROVAL_COLS " FROM approvals WHERE org = ?1 ORDER BY created_at, id LIMIT ?2",
    "SELECT " STUB_APPROVAL_COLS
    " FROM approvals WHERE org = ?1 AND status = ?3 ORDER BY created_at, id LIMIT ?2",
    "INSERT INTO spend_daily (org, day, agent, vendor, category, amount_total, spend_count, "
    "amount_max) VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7, ?8) "
    "ON CONFLICT (org, day, agent, vendor, category) DO UPDATE SET "
    "amount_total = amount_total + excluded.amount_total, "
    "spend_count = spend_count + excluded.spend_count, "
    "amount_max = max(amount_max, excluded.amount_max)",
    "SELECT org, day, agent, vendor, category, amount_total, spend_count, amount_max "
    "FROM spend_daily WHERE org = ?1 ORDER BY day, agent, vendor, category",
    // Listing rows leave the receipt and the lines out (store.h).
    "SELECT org, seq, kind, created_at, budget_at, ref, hold_id, agent, path, vendor, category, "
    "session, user_id, intent, amount, released, '', receipt_hash, '[]', prev_hash, hash "
    "FROM entries WHERE org = ?1 AND kind IN ('spend', 'capture') AND created_at >= ?2 AND "
    "(created_at, ref) < (?3, ?4) ORDER BY created_at DESC, ref DESC LIMIT ?5",
    // A spend made before ids were time-ordered (entries_legacy_ref).
    "SELECT " STUB_ENTRY_COLS
    " FROM entries INDEXED BY entries_legacy_ref WHERE org = ?1 AND ref = ?2 AND "
    "kind IN ('spend', 'capture') AND length(ref) <> 31 LIMIT 1",
    "SELECT " STUB_DENIAL_COLS
    " FROM denials WHERE org = ?1 AND created_at >= ?2 AND (created_at, id) < (?3, ?4) "
    "ORDER BY created_at DESC, id DESC LIMIT ?5",
    "SELECT " STUB_DENIAL_COLS
    " FROM denials WHERE org = ?1 AND (created_at, id) > (?2, ?3) ORDER BY created_at, id "
    "LIMIT ?4",
    // Pinned: without statistics SQLite takes the primary key's org prefix
    // (every denial of the org) over (org, id).
    "SELECT " STUB_DENIAL_COLS
    " FROM denials INDEXED BY denials_by_id WHERE org = ?1 AND id = ?2 LIMIT 1",
    "SELECT " STUB_APPROVAL_COLS
    " FROM approvals WHERE org = ?1 AND (created_at, id) > (?2, ?3) ORDER BY created_at, id "
    "LIMIT ?4",
    "SELECT " STUB_APPROVAL_COLS
    " FROM approvals WHERE org = ?1 AND status = ?5 AND (created_at, id) > (?2, ?3) "
    "ORDER BY created_at, id LIMIT ?4",
    // Covered by entries_spend_listing (org, created_at, ref, agent, kind):
    // kind is in it so that SQLite need not read the row to re-check it.
    "SELECT created_at, ref, agent FROM entries WHERE org = ?1 AND kind IN ('spend', 'capture') "
    "AND created_at >= ?2 AND (created_at, ref) < (?3, ?4) ORDER BY created_at DESC, ref DESC "
    "LIMIT ?5",
    "SELECT " STUB_DENIAL_COLS
    " FROM denials INDEXED BY denials_by_agent WHERE org = ?1 AND agent = ?6 AND "
    "created_at >= ?2 AND "
    "(created_at, id) < (?3, ?4) ORDER BY created_at DESC, id DESC LIMIT ?5",
    "INSERT INTO sessions (" STUB_SESSION_COLS ") VALUES (?1, ?2, ?3, ?4, ?5, ?6, ?7)",
    "SELECT " STUB_SESSION_COLS " FROM sessions WHERE token_hash = ?1",
    "DELETE FROM sessions WHERE token_hash = ?1",
    "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions "
    "WHERE expires_at <= ?1 ORDER BY expires_at LIMIT ?2)",
    // A time-ordered spend id's millisecond, in entries_spend_listing.
    "SELECT " STUB_ENTRY_COLS
    " FROM entries INDEXED BY entries_spend_listing WHERE org = ?1 AND "
    "kind IN ('spend', 'capture') AND created_at >= ?2 AND created_at < ?3 AND ref = ?4 LIMIT 1",
    "INSERT INTO providers (" STUB_PROVIDER_COLS
    ") VALUES (?1, ?2, ?3, ?4, ?5) "
    "ON CONFLICT (org, name) DO UPDATE SET config = excluded.config, "
    "sealed_key = excluded.sealed_key, updated_at = excluded.updated_at",
    "SELECT " STUB_PROVIDER_COLS " FROM providers WHERE org = ?1 AND name = ?2",
    "SELECT " STUB_PROVIDER_COLS " FROM providers WHERE org = ?1 ORDER BY name",
    "INSERT INTO wallets (" STUB_WALLET_COLS
    ") VALUES (?1, ?2, ?3, ?4) "
    "ON CONFLICT (org, id) DO UPDATE SET config = excluded.config, updated_at = "
    "excluded.updated_at",
    "SELECT " STUB_WALLET_COLS " FROM wallets WHERE org = ?1 AND id = ?2",
    "SELECT " STUB_WALLET_COLS " FROM wallets WHERE org = ?1 ORDER BY id",
};
static_assert(kTimeOrderedSpendIdLength == 31, "kGetSpendEntry's and entries_legacy_ref's 31");

#undef STUB_NODE_COLS
#undef STUB_ENTRY_COLS
#undef STUB_HOLD_COLS
#undef STUB_DENIAL_COLS
#undef STUB_KEY_COLS
#undef STUB_SESSION_COLS
#undef STUB_APPROVAL_COLS
#undef STUB_PROVIDER_COLS
#undef STUB_WALLET_COLS

// --- errors -----------------------------------------------------------------

bool IsBusy(int rc) {
  const int primary = rc & 0xff;
  return primary == SQLITE_BUSY || primary == SQLITE_LOCKED;
}

bool IsConstraint(int rc) { return (rc & 0xff) == SQLITE_CONSTRAINT; }

Status SqliteError(sqlite3* db, int rc, std::string_view what) {
  std::string message = "sqlite store: " + std::string(what) + ": " + sqlite3_errstr(rc);
  if (db != nullptr && sqlite3_errcode(db) == rc) {
    message += " (";
    message += sqlite3_errmsg(db);
    message += ")";
  }
  if (IsBusy(rc)) return Unavailable(std::move(message));
  return Internal(std::move(message));
}

// --- connections ------------------------------------------------------------

// One SQLite connection and its cached statements. Used by one thread at a
// time (the store hands it to one transaction at a time).
class Connection {
 public:
  Connection() = default;
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;
  ~Connection() {
    for (sqlite3_stmt* s : stmts_) sqlite3_finalize(s);
    sqlite3_close_v2(db_);
  }

  static Result<std::unique_ptr<Connection>> Open(const std::string& path,
                                                  const SqliteStoreOptions& options, bool reader) {
    auto c = std::make_unique<Connection>();
    const int flags = SQLITE_OPEN_READWRITE | SQLITE_OPEN_CREATE | SQLITE_OPEN_NOMUTEX;
    int rc = sqlite3_open_v2(path.c_str(), &c->db_, flags, nullptr);
    if (rc != SQLITE_OK) return SqliteError(c->db_, rc, "open " + path);
    sqlite3_extended_result_codes(c->db_, 1);
    const auto timeout = options.busy_timeout.count();
    sqlite3_busy_timeout(c->db_, timeout > INT_MAX ? INT_MAX : static_cast<int>(timeout));
    if (reader) {
      STUB_RETURN_IF_ERROR(c->Exec("PRAGMA query_only = 1"));
    } else {
      // Takes effect only on a file with no pages yet, so before the switch to
      // WAL (which writes the first); ignored on an existing file. The value
      // is checked by SqliteStore::Open (PRAGMA takes no parameters).
      STUB_RETURN_IF_ERROR(
          c->Exec(("PRAGMA page_size = " + std::to_string(options.page_size)).c_str()));
      // Persistent in the file; needs no transaction open.
      STUB_RETURN_IF_ERROR(c->ExpectText("PRAGMA journal_mode = WAL", "wal"));
      STUB_RETURN_IF_ERROR(c->Exec(options.durability == SqliteStoreOptions::Durability::kFull
                                       ? "PRAGMA synchronous = FULL"
                                       : "PRAGMA synchronous = NORMAL"));
      // The writer re-reads the hot rows and index pages of every batch: keep
      // them in its page cache rather than pread them from the OS. Not much
      // more than that: every commit walks the whole page-cache hash table
      // (pager_end_transaction → sqlite3PcacheTruncate, one bucket per cached
      // page): of the server's CPU per spend on a database with history
      // (perf, `stub serve --demo`), 11% with 64 MiB cached, 3.3% with
      // 8 MiB, 0.9% with 2 MiB (512 pages of 4 KiB then, which held that hot
      // set; the same bytes are 256 of the 8 KiB pages a new file has now).
      STUB_RETURN_IF_ERROR(c->Exec("PRAGMA cache_size = -2048"));
    }
    return c;
  }

  sqlite3* db() const { return db_; }

  Status Exec(const char* sql) {
    const int rc = sqlite3_exec(db_, sql, nullptr, nullptr, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    return Status::Ok();
  }

  // Runs a one-row statement and checks its text result (case-insensitive).
  Status ExpectText(const char* sql, std::string_view want) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &s, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    rc = sqlite3_step(s);
    std::string got;
    if (rc == SQLITE_ROW) {
      const auto* text = sqlite3_column_text(s, 0);
      if (text != nullptr) got = reinterpret_cast<const char*>(text);
    }
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, sql);
    for (auto& ch : got) ch = static_cast<char>(ch >= 'A' && ch <= 'Z' ? ch - 'A' + 'a' : ch);
    if (got != want) {
      return Internal("sqlite store: " + std::string(sql) + " returned '" + got + "', want '" +
                      std::string(want) + "'");
    }
    return Status::Ok();
  }

  Result<std::int64_t> QueryInt(const char* sql) {
    sqlite3_stmt* s = nullptr;
    int rc = sqlite3_prepare_v2(db_, sql, -1, &s, nullptr);
    if (rc != SQLITE_OK) return SqliteError(db_, rc, sql);
    rc = sqlite3_step(s);
    const std::int64_t v = rc == SQLITE_ROW ? sqlite3_column_int64(s, 0) : 0;
    sqlite3_finalize(s);
    if (rc != SQLITE_ROW) return SqliteError(db_, rc, sql);
    return v;
  }

  // The cached statement `id`, prepared on first use.
  Result<sqlite3_stmt*> Prepare(StmtId id) {
    sqlite3_stmt*& s = stmts_[id];
    if (s == nullptr) {
      const int rc = sqlite3_prepare_v3(db_, kSql[id], -1, SQLITE_PREPARE_PERSISTENT, &s, nullptr);
      if (rc != SQLITE_OK) {
        s = nullptr;
        return SqliteError(db_, rc, kSql[id]);
      }
    }
    return s;
  }

  // Runs a cached statement that returns no rows (BEGIN, COMMIT, …).
  Status Run(StmtId id) {
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, Prepare(id));
    int rc = sqlite3_step(s);
    while (rc == SQLITE_ROW) rc = sqlite3_step(s);
    sqlite3_reset(s);
    if (rc != SQLITE_DONE) return SqliteError(db_, rc, kSql[id]);
    return Status::Ok();
  }

  bool InTransaction() const { return sqlite3_get_autocommit(db_) == 0; }

 private:
  sqlite3* db_ = nullptr;
  std::array<sqlite3_stmt*, kStmtCount> stmts_{};
};

// One use of a cached statement: binds parameters in order, steps, reads
// columns; resets the statement and clears its bindings when destroyed.
// Text and blobs are bound without copying: they must outlive the steps.
class Query {
 public:
  Query(Connection& conn, sqlite3_stmt* stmt) : conn_(conn), s_(stmt) {}
  Query(const Query&) = delete;
  Query& operator=(const Query&) = delete;
  ~Query() {
    sqlite3_reset(s_);
    sqlite3_clear_bindings(s_);
  }

  Query& Text(std::string_view v) {
    if (v.size() > static_cast<std::size_t>(INT_MAX)) return Fail(SQLITE_TOOBIG);
    // A null pointer would bind SQL NULL: an empty view binds "".
    return Check(sqlite3_bind_text(s_, ++index_, v.data() != nullptr ? v.data() : "",
                                   static_cast<int>(v.size()), SQLITE_STATIC));
  }
  Query& Blob(std::string_view v) {
    if (v.size() > static_cast<std::size_t>(INT_MAX)) return Fail(SQLITE_TOOBIG);
    return Check(sqlite3_bind_blob(s_, ++index_, v.data() != nullptr ? v.data() : "",
                                   static_cast<int>(v.size()), SQLITE_STATIC));
  }
  Query& Int(std::int64_t v) { return Check(sqlite3_bind_int64(s_, ++index_, v)); }
  Query& Null() { return Check(sqlite3_bind_null(s_, ++index_)); }

  // SQLITE_ROW, SQLITE_DONE, or an error code (a binding error included).
  int Step() { return bind_rc_ != SQLITE_OK ? bind_rc_ : sqlite3_step(s_); }

  Status Error(int rc, std::string_view what) const { return SqliteError(conn_.db(), rc, what); }

  std::int64_t ColInt(int col) const { return sqlite3_column_int64(s_, col); }
  bool ColIsNull(int col) const { return sqlite3_column_type(s_, col) == SQLITE_NULL; }
  std::string ColText(int col) const {
    const auto* p = sqlite3_column_text(s_, col);
    const int n = sqlite3_column_bytes(s_, col);
    if (p == nullptr || n <= 0) return std::string();
    return std::string(reinterpret_cast<const char*>(p), static_cast<std::size_t>(n));
  }
  std::string ColBlob(int col) const {
    const void* p = sqlite3_column_blob(s_, col);
    const int n = sqlite3_column_bytes(s_, col);
    if (p == nullptr || n <= 0) return std::string();
    return std::string(static_cast<const char*>(p), static_cast<std::size_t>(n));
  }

 private:
  Query& Check(int rc) {
    if (rc != SQLITE_OK && bind_rc_ == SQLITE_OK) bind_rc_ = rc;
    return *this;
  }
  Query& Fail(int rc) {
    ++index_;
    return Check(rc);
  }

  Connection& conn_;
  sqlite3_stmt* s_;
  int index_ = 0;
  int bind_rc_ = SQLITE_OK;
};

// --- encoding (store/row_codec.h) ---------------------------------------------

using row_codec::DecodeBalances;
using row_codec::DecodeLimits;
using row_codec::DecodeLines;
using row_codec::DecodeOutcome;
using row_codec::DecodeStrings;
using row_codec::EncodeBalances;
using row_codec::EncodeLimits;
using row_codec::EncodeLines;
using row_codec::EncodeOutcome;
using row_codec::EncodePolicy;
using row_codec::EncodeStrings;
using row_codec::EncodeWindow;
using row_codec::Parse;
using row_codec::ParseName;
using row_codec::ReadApiKey;
using row_codec::ReadApproval;
using row_codec::ReadDenial;
using row_codec::ReadEntry;
using row_codec::ReadHold;
using row_codec::ReadNode;
using row_codec::ReadOrg;
using row_codec::ReadSession;
using row_codec::ReadSpendDaily;
using row_codec::ReadSpendKey;
using row_codec::SqlLimit;
using row_codec::ToI64;
using row_codec::ToU64;

template <typename F>
auto Decode(std::string_view what, F&& f) {
  return row_codec::Decode("sqlite store", what, std::forward<F>(f));
}

template <typename F>
Result<std::string> Encode(std::string_view what, F&& f) {
  return row_codec::Encode("sqlite store", what, std::forward<F>(f));
}

// A result row of a Query as the shared row readers (row_codec) read it.
class QueryRow {
 public:
  explicit QueryRow(const Query& q) : q_(q) {}
  std::string Text(int col) const { return q_.ColText(col); }
  std::int64_t Int(int col) const { return q_.ColInt(col); }
  bool Bool(int col) const { return q_.ColInt(col) != 0; }
  bool IsNull(int col) const { return q_.ColIsNull(col); }
  std::string Bytes(int col) const { return q_.ColBlob(col); }

 private:
  const Query& q_;
};

// A shared row reader applied to the current row of a Query.
template <auto Read>
auto FromQuery(const Query& q) {
  return Read(QueryRow(q));
}

}  // namespace

// --- the store ----------------------------------------------------------------

class SqliteStore::Impl {
 public:
  Impl(std::string p, SqliteStoreOptions o) : path(std::move(p)), options(o) {}
  ~Impl() {
    if (checkpointer.joinable()) {
      {
        std::lock_guard lock(checkpoint_mu);
        checkpoint_stop = true;
      }
      checkpoint_wake.notify_one();
      checkpointer.join();
    }
    if (wal_fd >= 0) ::close(wal_fd);
  }

  // kPipelined checkpoints. The writer does not checkpoint after its commits
  // (that would put two fsyncs and a copy of the WAL on the critical path);
  // its WAL hook wakes a background thread that runs PASSIVE checkpoints on
  // a connection of its own once the WAL holds checkpoint_frames, without
  // blocking the writer. Under steady load such a checkpoint never quite
  // catches up (the writer appends meanwhile), so the WAL could not restart;
  // past writer_checkpoint_frames the writer checkpoints itself once — by
  // then little is left to copy — and its next transaction restarts the WAL.

  static int OnWalCommit(void* arg, sqlite3* db, const char* schema, int frames) {
    auto* self = static_cast<Impl*>(arg);
    if (frames >= self->writer_checkpoint_frames) {
      (void)sqlite3_wal_checkpoint_v2(db, schema, SQLITE_CHECKPOINT_PASSIVE, nullptr, nullptr);
    } else if (frames >= self->checkpoint_frames) {
      {
        std::lock_guard lock(self->checkpoint_mu);
        self->checkpoint_wanted = true;
      }
      self->checkpoint_wake.notify_one();
    }
    return SQLITE_OK;
  }

  void CheckpointLoop() {
    for (;;) {
      {
        std::unique_lock lock(checkpoint_mu);
        checkpoint_wake.wait(lock, [&] { return checkpoint_stop || checkpoint_wanted; });
        if (checkpoint_stop) return;
        checkpoint_wanted = false;
      }
      // SQLITE_BUSY (another checkpoint runs) or an error: the WAL stays
      // bigger for a while; the writer's own checkpoint bounds it.
      (void)sqlite3_wal_checkpoint_v2(checkpoint_conn->db(), nullptr, SQLITE_CHECKPOINT_PASSIVE,
                                      nullptr, nullptr);
    }
  }

  std::mutex checkpoint_mu;
  std::condition_variable checkpoint_wake;
  bool checkpoint_wanted = false;
  bool checkpoint_stop = false;
  std::unique_ptr<Connection> checkpoint_conn;
  std::thread checkpointer;

  const std::string path;
  const SqliteStoreOptions options;
  // kPipelined: options.checkpoint_bytes and writer_checkpoint_bytes in
  // frames of the file's page size (set by Open before the WAL hook).
  int checkpoint_frames = 0;
  int writer_checkpoint_frames = 0;

  // kPipelined durability: commits noted by the writer, synced by MakeDurable.
  GroupSync group_sync;
  int wal_fd = -1;  // touched only inside a GroupSync sync (one at a time)

  // fdatasyncs the WAL file; opens it (and fsyncs its directory, since the
  // file may be new) the first time.
  Status SyncWal() {
    if (wal_fd < 0) {
      const std::string wal = path + "-wal";
      const int fd = ::open(wal.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) return Internal("sqlite store: open " + wal + ": " + std::strerror(errno));
      const std::string::size_type slash = path.rfind('/');
      const std::string dir = slash == std::string::npos ? "." : path.substr(0, slash + 1);
      const int dir_fd = ::open(dir.c_str(), O_RDONLY | O_DIRECTORY | O_CLOEXEC);
      const bool dir_ok = dir_fd >= 0 && ::fsync(dir_fd) == 0;
      const int saved = errno;
      if (dir_fd >= 0) ::close(dir_fd);
      if (!dir_ok) {
        ::close(fd);
        return Internal("sqlite store: fsync directory " + dir + ": " + std::strerror(saved));
      }
      wal_fd = fd;
    }
    if (::fdatasync(wal_fd) != 0) {
      return Internal(std::string("sqlite store: fdatasync of the WAL failed: ") +
                      std::strerror(errno));
    }
    return Status::Ok();
  }

  std::mutex mu;  // guards writer_busy and idle_readers
  std::condition_variable writer_free;
  bool writer_busy = false;
  std::unique_ptr<Connection> writer;  // set once by Open
  // Runs the write transaction's deferred writes on the writer connection
  // (options.write_behind; null otherwise). Used by one write transaction
  // at a time, as the writer is.
  std::unique_ptr<WriteBehind> write_behind;
  std::vector<std::unique_ptr<Connection>> idle_readers;

  // Waits for the writer connection, at most options.writer_wait.
  Status AcquireWriter() {
    std::unique_lock lock(mu);
    if (!writer_free.wait_for(lock, options.writer_wait, [&] { return !writer_busy; })) {
      return Unavailable("sqlite store: the writer connection stayed busy for " +
                         std::to_string(options.writer_wait.count()) +
                         " ms (a thread holding two write transactions at once?)");
    }
    writer_busy = true;
    return Status::Ok();
  }

  void ReleaseWriter() {
    {
      std::lock_guard lock(mu);
      writer_busy = false;
    }
    writer_free.notify_one();
  }

  Result<std::unique_ptr<Connection>> TakeReader() {
    {
      std::lock_guard lock(mu);
      if (!idle_readers.empty()) {
        auto c = std::move(idle_readers.back());
        idle_readers.pop_back();
        return c;
      }
    }
    return Connection::Open(path, options, /*reader=*/true);
  }

  void ReturnReader(std::unique_ptr<Connection> c) {
    if (c->InTransaction()) return;  // could not end its snapshot: drop it
    std::lock_guard lock(mu);
    if (idle_readers.size() < options.max_idle_readers) idle_readers.push_back(std::move(c));
  }
};

namespace {

class SqliteTransaction final : public Transaction {
 public:
  // A write transaction on the store's writer connection (already acquired
  // and inside BEGIN IMMEDIATE).
  SqliteTransaction(SqliteStore::Impl* store, Connection* writer)
      : store_(store), conn_(writer), read_only_(false) {}
  // A read-only transaction on its own pooled connection (inside BEGIN, with
  // its snapshot taken).
  SqliteTransaction(SqliteStore::Impl* store, std::unique_ptr<Connection> reader)
      : store_(store), conn_(reader.get()), reader_(std::move(reader)), read_only_(true) {}

  ~SqliteTransaction() override { Rollback(); }
  SqliteTransaction(const SqliteTransaction&) = delete;
  SqliteTransaction& operator=(const SqliteTransaction&) = delete;

  // --- orgs ---

  Result<std::optional<OrgRow>> GetOrg(std::string_view org) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetOrg));
    Query q(*conn_, s);
    q.Text(org);
    const int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<OrgRow>();
    if (rc != SQLITE_ROW) return q.Error(rc, "GetOrg");
    return std::optional<OrgRow>(ReadOrg(QueryRow(q), org));
  }

  Status PutOrg(OrgRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kPutOrg));
    Query q(*conn_, s);
    q.Text(row.id)
        .Text(row.name)
        .Text(row.currency)
        .Int(row.created_at)
        .Int(ToI64(row.head_seq))
        .Text(row.head_hash)
        .Int(row.kill_switch ? 1 : 0)
        .Int(row.next_hold_expiry)
        .Int(ToI64(row.key_epoch))
        .Int(row.head_at)
        .Int(row.max_spend);
    return Done(q, "PutOrg");
  }

  Result<std::vector<std::string>> ListOrgs() override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListOrgs));
    Query q(*conn_, s);
    return Collect<std::string>(q, "ListOrgs", "org", [](const Query& r) { return r.ColText(0); });
  }

  // --- nodes ---

  Result<std::optional<NodeRow>> GetNode(std::string_view org, std::string_view node) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetNode));
    Query q(*conn_, s);
    q.Text(org).Text(node);
    return One<NodeRow>(q, "GetNode", "node", FromQuery<ReadNode<QueryRow>>);
  }

  Status PutNode(std::string_view org, NodeRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(std::string limits,
                          Encode("node limits", [&] { return EncodeLimits(row.node.limits); }));
    const std::string balances = EncodeBalances(row.balances);
    STUB_ASSIGN_OR_RETURN(std::string policy,
                          Encode("node policy", [&] { return EncodePolicy(*row.policy); }));
    const std::string window = EncodeWindow(row.window);
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kPutNode));
    Query q(*conn_, s);
    q.Text(org)
        .Text(row.node.id)
        .Text(NodeKindName(row.node.kind))
        .Text(row.node.parent)
        .Text(row.node.name)
        .Text(limits)
        .Int(row.node.frozen ? 1 : 0)
        .Text(row.node.frozen_reason)
        .Blob(balances)
        .Int(ToI64(row.version));
    if (row.policy.empty()) {
      q.Null();
    } else {
      q.Text(policy);
    }
    if (row.window == WindowCounter{}) {
      q.Null();
    } else {
      q.Blob(window);
    }
    return Done(q, "PutNode");
  }

  Result<std::vector<NodeRow>> ListNodes(std::string_view org) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListNodes));
    Query q(*conn_, s);
    q.Text(org);
    return Collect<NodeRow>(q, "ListNodes", "node", FromQuery<ReadNode<QueryRow>>);
  }

  // --- journal ---

  Status AppendEntry(Entry entry) override {
    STUB_RETURN_IF_ERROR(CheckDeferrable());
    if (entry.seq > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return OutOfRange("sqlite store: entry seq beyond int64");
    }
    // Encoded here, so a value that cannot be stored is refused at once.
    STUB_ASSIGN_OR_RETURN(std::string path,
                          Encode("entry path", [&] { return EncodeStrings(entry.path); }));
    STUB_ASSIGN_OR_RETURN(std::string lines,
                          Encode("entry lines", [&] { return EncodeLines(entry.lines); }));
    // Summed here, written at FlushRollup: one upsert per distinct key.
    STUB_RETURN_IF_ERROR(rollup_.Add(entry));
    return Defer([this, e = std::move(entry), p = std::move(path), l = std::move(lines)] {
      return WriteEntry(e, p, l);
    });
  }

  Status WriteEntry(const Entry& entry, const std::string& path, const std::string& lines) {
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kAppendEntry));
    Query q(*conn_, s);
    q.Text(entry.org)
        .Int(ToI64(entry.seq))
        .Text(EntryKindName(entry.kind))
        .Int(entry.created_at)
        .Int(entry.budget_at)
        .Text(entry.ref)
        .Text(entry.hold)
        .Text(entry.agent)
        .Text(path)
        .Text(entry.vendor)
        .Text(entry.category)
        .Text(entry.session)
        .Text(entry.user)
        .Text(entry.intent)
        .Int(entry.amount)
        .Int(entry.released)
        .Text(entry.receipt)
        .Text(entry.receipt_hash)
        .Text(lines)
        .Text(entry.prev_hash)
        .Text(entry.hash);
    const int rc = q.Step();
    if (IsConstraint(rc)) {
      return Conflict("sqlite store: journal entry " + entry.org + "/" + std::to_string(entry.seq) +
                      " already exists");
    }
    if (rc != SQLITE_DONE) return q.Error(rc, "AppendEntry");
    return Status::Ok();
  }

  Result<std::vector<SpendDailyRow>> ListSpendDaily(std::string_view org) override {
    STUB_RETURN_IF_ERROR(FlushRollup());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListSpendDaily));
    Query q(*conn_, s);
    q.Text(org);
    return Collect<SpendDailyRow>(q, "ListSpendDaily", "spend rollup row",
                                  FromQuery<ReadSpendDaily<QueryRow>>);
  }

  Result<std::vector<Entry>> ListEntries(std::string_view org, std::uint64_t after_seq,
                                         std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    // Stored seqs fit in int64 (AppendEntry refuses others): nothing is after.
    if (limit == 0 ||
        after_seq >= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::vector<Entry>();
    }
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListEntries));
    Query q(*conn_, s);
    q.Text(org).Int(ToI64(after_seq)).Int(SqlLimit(limit));
    return Collect<Entry>(q, "ListEntries", "journal entry", FromQuery<ReadEntry<QueryRow>>);
  }

  Result<std::vector<Entry>> ListSpendEntriesBefore(std::string_view org, const KeysetRange& range,
                                                    std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<Entry>();
    if (!range.agent.empty()) return InvalidArgument("ListSpendEntriesBefore takes no agent");
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListSpendEntriesBefore));
    Query q(*conn_, s);
    q.Text(org).Int(range.from).Int(range.before.created_at).Text(range.before.id);
    q.Int(SqlLimit(limit));
    return Collect<Entry>(q, "ListSpendEntriesBefore", "journal entry",
                          FromQuery<ReadEntry<QueryRow>>);
  }

  Result<std::vector<SpendKey>> ListSpendKeysBefore(std::string_view org, const KeysetRange& range,
                                                    std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<SpendKey>();
    if (!range.agent.empty()) return InvalidArgument("ListSpendKeysBefore takes no agent");
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListSpendKeysBefore));
    Query q(*conn_, s);
    q.Text(org).Int(range.from).Int(range.before.created_at).Text(range.before.id);
    q.Int(SqlLimit(limit));
    return Collect<SpendKey>(q, "ListSpendKeysBefore", "spend key",
                             FromQuery<ReadSpendKey<QueryRow>>);
  }

  Result<std::optional<Entry>> GetSpendEntry(std::string_view org,
                                             std::string_view spend_id) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    const std::optional<Timestamp> at = TimeOrderedSpendIdStart(spend_id);
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                          conn_->Prepare(at ? kGetTimedSpendEntry : kGetSpendEntry));
    Query q(*conn_, s);
    q.Text(org);
    if (at) q.Int(*at).Int(*at + 1000);
    q.Text(spend_id);
    return One<Entry>(q, "GetSpendEntry", "journal entry", FromQuery<ReadEntry<QueryRow>>);
  }

  // --- idempotency ---

  Result<std::optional<IdempotencyRecord>> GetIdempotency(std::string_view org,
                                                          std::string_view key) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetIdempotency));
    Query q(*conn_, s);
    q.Text(org).Text(key);
    return One<IdempotencyRecord>(q, "GetIdempotency", "idempotency record", [&](const Query& r) {
      IdempotencyRecord rec;
      rec.org = std::string(org);
      rec.key = std::string(key);
      rec.fingerprint = r.ColText(0);
      rec.outcome = DecodeOutcome(Parse(r.ColText(1)));
      rec.created_at = r.ColInt(2);
      return rec;
    });
  }

  Status PutIdempotency(IdempotencyRecord record) override {
    STUB_RETURN_IF_ERROR(CheckDeferrable());
    // The outcome is encoded by the worker: it is the engine's own text
    // (ids, hashes, amounts, messages), so unlike a request's values it has
    // no bytes to refuse; if it ever did, the transaction would fail.
    return Defer([this, r = std::move(record)]() -> Status {
      STUB_ASSIGN_OR_RETURN(std::string outcome, Encode("idempotency outcome",
                                                        [&] { return EncodeOutcome(r.outcome); }));
      return WriteIdempotency(r, outcome);
    });
  }

  Status WriteIdempotency(const IdempotencyRecord& record, const std::string& outcome) {
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kPutIdempotency));
    Query q(*conn_, s);
    q.Text(record.org)
        .Text(record.key)
        .Text(record.fingerprint)
        .Text(outcome)
        .Int(record.created_at);
    const int rc = q.Step();
    if (IsConstraint(rc)) return Conflict("sqlite store: idempotency key already exists");
    if (rc != SQLITE_DONE) return q.Error(rc, "PutIdempotency");
    return Status::Ok();
  }

  // --- holds ---

  Result<std::optional<Hold>> GetHold(std::string_view org, std::string_view id) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetHold));
    Query q(*conn_, s);
    q.Text(org).Text(id);
    return One<Hold>(q, "GetHold", "hold", FromQuery<ReadHold<QueryRow>>);
  }

  Status PutHold(Hold hold) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(std::string path,
                          Encode("hold path", [&] { return EncodeStrings(hold.path); }));
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kPutHold));
    Query q(*conn_, s);
    q.Text(hold.org)
        .Text(hold.id)
        .Text(hold.agent)
        .Text(path)
        .Text(hold.vendor)
        .Text(hold.category)
        .Text(hold.session)
        .Text(hold.user)
        .Text(hold.intent)
        .Int(hold.amount)
        .Int(hold.captured)
        .Int(hold.created_at)
        .Int(hold.expires_at)
        .Int(hold.resolved_at)
        .Text(HoldStatusName(hold.status))
        .Text(hold.spend_id)
        .Int(hold.capture_on_expiry ? 1 : 0);
    return Done(q, "PutHold");
  }

  Result<std::vector<Hold>> ListDueHolds(std::string_view org, Timestamp by,
                                         std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<Hold>();
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListDueHolds));
    Query q(*conn_, s);
    q.Text(org).Int(by).Int(SqlLimit(limit));
    return Collect<Hold>(q, "ListDueHolds", "hold", FromQuery<ReadHold<QueryRow>>);
  }

  Result<std::optional<Timestamp>> NextHoldExpiry(std::string_view org) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kNextHoldExpiry));
    Query q(*conn_, s);
    q.Text(org);
    return One<Timestamp>(q, "NextHoldExpiry", "hold", [](const Query& r) { return r.ColInt(0); });
  }

  // --- denials ---

  Status InsertDenial(DenialRecord record) override {
    STUB_RETURN_IF_ERROR(CheckDeferrable());
    return Defer([this, r = std::move(record)] { return WriteDenial(r); });
  }

  Status WriteDenial(const DenialRecord& record) {
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kInsertDenial));
    Query q(*conn_, s);
    q.Text(record.org)
        .Int(record.created_at)
        .Text(record.id)
        .Text(record.request_kind)
        .Text(record.agent)
        .Int(record.amount)
        .Text(record.vendor)
        .Text(record.category)
        .Text(record.session)
        .Text(record.user)
        .Text(record.intent)
        .Text(record.idempotency_key)
        .Text(DenyReasonName(record.denial.reason))
        .Text(record.denial.node);
    if (record.denial.period) {
      q.Text(PeriodName(*record.denial.period));
    } else {
      q.Null();
    }
    q.Int(record.denial.limit).Int(record.denial.used).Text(record.denial.message);
    q.Int(record.denial.window_seconds).Text(record.denial.counts_spends ? "spends" : "money");
    const int rc = q.Step();
    if (IsConstraint(rc)) {
      return AlreadyExists("sqlite store: denial " + record.org + "/" + record.id +
                           " already exists");
    }
    if (rc != SQLITE_DONE) return q.Error(rc, "InsertDenial");
    return Status::Ok();
  }

  Result<std::vector<DenialRecord>> ListDenials(std::string_view org, std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<DenialRecord>();
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListDenials));
    Query q(*conn_, s);
    q.Text(org).Int(SqlLimit(limit));
    return Collect<DenialRecord>(q, "ListDenials", "denial", FromQuery<ReadDenial<QueryRow>>);
  }

  Result<std::vector<DenialRecord>> ListDenialsBefore(std::string_view org,
                                                      const KeysetRange& range,
                                                      std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<DenialRecord>();
    STUB_ASSIGN_OR_RETURN(
        sqlite3_stmt * s,
        conn_->Prepare(range.agent.empty() ? kListDenialsBefore : kListAgentDenialsBefore));
    Query q(*conn_, s);
    q.Text(org).Int(range.from).Int(range.before.created_at).Text(range.before.id);
    q.Int(SqlLimit(limit));
    if (!range.agent.empty()) q.Text(range.agent);
    return Collect<DenialRecord>(q, "ListDenialsBefore", "denial", FromQuery<ReadDenial<QueryRow>>);
  }

  Result<std::vector<DenialRecord>> ListDenialsAfter(std::string_view org, const ItemKey& after,
                                                     std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<DenialRecord>();
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListDenialsAfter));
    Query q(*conn_, s);
    q.Text(org).Int(after.created_at).Text(after.id).Int(SqlLimit(limit));
    return Collect<DenialRecord>(q, "ListDenialsAfter", "denial", FromQuery<ReadDenial<QueryRow>>);
  }

  Result<std::optional<DenialRecord>> GetDenial(std::string_view org,
                                                std::string_view id) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetDenial));
    Query q(*conn_, s);
    q.Text(org).Text(id);
    return One<DenialRecord>(q, "GetDenial", "denial", FromQuery<ReadDenial<QueryRow>>);
  }

  // --- questions ---

  Result<PlanResult> RunQuery(std::string_view org, const QueryPlan& plan) override {
    STUB_RETURN_IF_ERROR(FlushRollup());
    const QuerySql sql = BuildQuerySql(org, plan, SqlDialect::kSqlite);
    sqlite3_stmt* raw = nullptr;
    int rc = sqlite3_prepare_v2(conn_->db(), sql.text.c_str(), -1, &raw, nullptr);
    if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "RunQuery prepare");
    std::unique_ptr<sqlite3_stmt, int (*)(sqlite3_stmt*)> stmt(raw, sqlite3_finalize);
    int index = 0;
    for (const SqlParam& p : sql.params) {
      ++index;
      rc = p.is_int ? sqlite3_bind_int64(raw, index, p.int_value)
                    : sqlite3_bind_text(raw, index, p.text.data(), static_cast<int>(p.text.size()),
                                        SQLITE_STATIC);
      if (rc != SQLITE_OK) return SqliteError(conn_->db(), rc, "RunQuery bind");
    }
    // The time limit: SQLite calls the handler every 10,000 VM steps.
    struct Deadline {
      std::chrono::steady_clock::time_point at;
      bool hit = false;
    } deadline{std::chrono::steady_clock::now() + std::chrono::milliseconds(plan.timeout_ms)};
    sqlite3_progress_handler(
        conn_->db(), 10'000,
        [](void* arg) -> int {
          auto* d = static_cast<Deadline*>(arg);
          d->hit = std::chrono::steady_clock::now() >= d->at;
          return d->hit ? 1 : 0;
        },
        &deadline);
    PlanResult out;
    const std::size_t max_rows = plan.list ? plan.limit : plan.max_groups;
    for (;;) {
      rc = sqlite3_step(raw);
      if (rc != SQLITE_ROW) break;
      auto text = [&](int col) {
        const auto* t = sqlite3_column_text(raw, col);
        const int n = sqlite3_column_bytes(raw, col);
        return t == nullptr
                   ? std::string()
                   : std::string(reinterpret_cast<const char*>(t), static_cast<std::size_t>(n));
      };
      const std::size_t have = plan.list ? out.items.size() : out.groups.size();
      if (have >= max_rows) {
        if (plan.list) break;
        rc = SQLITE_FULL;  // marker: too many groups
        break;
      }
      if (plan.list) {
        out.items.push_back(PlanItem{.id = text(0),
                                     .seq = ToU64(sqlite3_column_int64(raw, 1)),
                                     .at = sqlite3_column_int64(raw, 2),
                                     .agent = text(3),
                                     .vendor = text(4),
                                     .category = text(5),
                                     .user = text(6),
                                     .session = text(7),
                                     .intent = text(8),
                                     .reason = text(9),
                                     .amount = sqlite3_column_int64(raw, 10)});
      } else {
        out.groups.push_back(PlanGroup{
            .key = text(0),
            .day = sqlite3_column_int64(raw, 1),
            .total = JoinTotal(sqlite3_column_int64(raw, 2), sqlite3_column_int64(raw, 3)),
            .count = sqlite3_column_int64(raw, 4),
            .max = sqlite3_column_int64(raw, 5)});
      }
    }
    sqlite3_progress_handler(conn_->db(), 0, nullptr, nullptr);
    if (rc == SQLITE_FULL) {
      return ResourceExhausted("sqlite store: more than " + std::to_string(plan.max_groups) +
                                   " groups; narrow the question",
                               "too_many_groups");
    }
    if (deadline.hit) {
      return ResourceExhausted(
          "sqlite store: the query ran longer than " + std::to_string(plan.timeout_ms) + " ms",
          "query_timeout");
    }
    if (rc != SQLITE_ROW && rc != SQLITE_DONE) {
      if ((rc & 0xff) == SQLITE_ERROR &&
          std::string_view(sqlite3_errmsg(conn_->db())) == "integer overflow") {
        return OutOfRange("sqlite store: a total overflows", "amount_overflow");
      }
      return SqliteError(conn_->db(), rc, "RunQuery");
    }
    return out;
  }

  // --- rolling-window log ---

  // Insert-only like the journal: deferred (see Defer), so a batch of spends
  // with windows does not wait for the worker at every spend.
  Status AppendWindowLog(WindowLogRow row) override {
    STUB_RETURN_IF_ERROR(CheckDeferrable());
    return Defer([this, r = std::move(row)] { return WriteWindowLog(r); });
  }

  Status WriteWindowLog(const WindowLogRow& row) {
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kAppendWindowLog));
    Query q(*conn_, s);
    q.Text(row.org).Text(row.node).Int(row.at).Int(row.seq).Int(row.total).Int(row.amount);
    const int rc = q.Step();
    if (IsConstraint(rc)) {
      return Conflict("sqlite store: window log row " + row.org + "/" + row.node + "/" +
                      std::to_string(row.seq) + " already exists");
    }
    if (rc != SQLITE_DONE) return q.Error(rc, "AppendWindowLog");
    return Status::Ok();
  }

  Result<std::optional<WindowLogRow>> FirstWindowLogAfter(std::string_view org,
                                                          std::string_view node,
                                                          Timestamp after) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kFirstWindowLogAfter));
    Query q(*conn_, s);
    q.Text(org).Text(node).Int(after);
    return One<WindowLogRow>(q, "FirstWindowLogAfter", "window log row", [&](const Query& r) {
      return WindowLogRow{std::string(org), std::string(node), r.ColInt(0),
                          r.ColInt(1),      r.ColInt(2),       r.ColInt(3)};
    });
  }

  // --- approvals ---

  Status PutApproval(ApprovalRow a) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kPutApproval));
    Query q(*conn_, s);
    q.Text(a.org)
        .Text(a.id)
        .Text(a.agent)
        .Int(a.amount)
        .Text(a.vendor)
        .Text(a.category)
        .Text(a.session)
        .Text(a.user)
        .Text(a.intent)
        .Text(a.node)
        .Int(a.over)
        .Text(ApprovalStatusName(a.status))
        .Int(a.created_at)
        .Int(a.expires_at)
        .Int(a.decided_at)
        .Text(a.decided_by)
        .Text(a.spend_id)
        .Text(a.note);
    return Done(q, "PutApproval");
  }

  Result<std::optional<ApprovalRow>> GetApproval(std::string_view org,
                                                 std::string_view id) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetApproval));
    Query q(*conn_, s);
    q.Text(org).Text(id);
    return One<ApprovalRow>(q, "GetApproval", "approval", FromQuery<ReadApproval<QueryRow>>);
  }

  Result<std::vector<ApprovalRow>> ListApprovals(std::string_view org,
                                                 std::optional<ApprovalStatus> status,
                                                 std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<ApprovalRow>();
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s,
                          conn_->Prepare(status ? kListApprovalsByStatus : kListApprovals));
    Query q(*conn_, s);
    q.Text(org).Int(SqlLimit(limit));
    if (status) q.Text(ApprovalStatusName(*status));
    return Collect<ApprovalRow>(q, "ListApprovals", "approval", FromQuery<ReadApproval<QueryRow>>);
  }

  Result<std::vector<ApprovalRow>> ListApprovalsAfter(std::string_view org,
                                                      std::optional<ApprovalStatus> status,
                                                      const ItemKey& after,
                                                      std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<ApprovalRow>();
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(status ? kListApprovalsAfterByStatus
                                                                  : kListApprovalsAfter));
    Query q(*conn_, s);
    q.Text(org).Int(after.created_at).Text(after.id).Int(SqlLimit(limit));
    if (status) q.Text(ApprovalStatusName(*status));
    return Collect<ApprovalRow>(q, "ListApprovalsAfter", "approval",
                                FromQuery<ReadApproval<QueryRow>>);
  }

  // --- API keys ---

  Status InsertKey(ApiKeyRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kInsertKey));
    Query q(*conn_, s);
    q.Text(row.id)
        .Text(row.org)
        .Text(row.hash)
        .Text(KeyRoleName(row.role))
        .Text(row.agent)
        .Text(row.name)
        .Int(row.created_at)
        .Int(row.revoked_at);
    const int rc = q.Step();
    if (IsConstraint(rc)) return AlreadyExists("sqlite store: key " + row.id + " already exists");
    if (rc != SQLITE_DONE) return q.Error(rc, "InsertKey");
    return Status::Ok();
  }

  Result<std::optional<ApiKeyRow>> GetKeyByHash(std::string_view hash) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetKeyByHash));
    Query q(*conn_, s);
    q.Text(hash);
    return One<ApiKeyRow>(q, "GetKeyByHash", "key", FromQuery<ReadApiKey<QueryRow>>);
  }

  Result<std::vector<ApiKeyRow>> ListKeys(std::string_view org) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListKeys));
    Query q(*conn_, s);
    q.Text(org);
    return Collect<ApiKeyRow>(q, "ListKeys", "key", FromQuery<ReadApiKey<QueryRow>>);
  }

  Status RevokeKey(std::string_view org, std::string_view id, Timestamp at) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kRevokeKey));
    Query q(*conn_, s);
    q.Text(org).Text(id).Int(at);
    STUB_RETURN_IF_ERROR(Done(q, "RevokeKey"));
    if (sqlite3_changes(conn_->db()) == 0) {
      return NotFound("sqlite store: no key " + std::string(id), "not_found");
    }
    return Status::Ok();
  }

  // --- dashboard sessions ---

  Status InsertSession(SessionRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kInsertSession));
    Query q(*conn_, s);
    q.Text(row.token_hash)
        .Text(row.key_id)
        .Text(row.key_hash)
        .Text(row.org)
        .Text(row.csrf_token)
        .Int(row.created_at)
        .Int(row.expires_at);
    const int rc = q.Step();
    if (IsConstraint(rc)) return AlreadyExists("sqlite store: the session already exists");
    if (rc != SQLITE_DONE) return q.Error(rc, "InsertSession");
    return Status::Ok();
  }

  Result<std::optional<SessionRow>> GetSession(std::string_view token_hash) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetSession));
    Query q(*conn_, s);
    q.Text(token_hash);
    return One<SessionRow>(q, "GetSession", "session", FromQuery<ReadSession<QueryRow>>);
  }

  Status DeleteSession(std::string_view token_hash) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kDeleteSession));
    Query q(*conn_, s);
    q.Text(token_hash);
    return Done(q, "DeleteSession");
  }

  Result<std::size_t> DeleteExpiredSessions(Timestamp now, std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kDeleteExpiredSessions));
    Query q(*conn_, s);
    q.Int(now).Int(static_cast<std::int64_t>(limit));
    STUB_RETURN_IF_ERROR(Done(q, "DeleteExpiredSessions"));
    return static_cast<std::size_t>(sqlite3_changes(conn_->db()));
  }

  // --- LLM providers ---

  Status PutProvider(ProviderRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kPutProvider));
    Query q(*conn_, s);
    provider_table::BindProvider(q, row);
    return Done(q, "PutProvider");
  }

  Result<std::optional<ProviderRow>> GetProvider(std::string_view org,
                                                 std::string_view name) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetProvider));
    Query q(*conn_, s);
    q.Text(org).Text(name);
    return One<ProviderRow>(q, "GetProvider", "provider",
                            FromQuery<provider_table::ReadProvider<QueryRow>>);
  }

  Result<std::vector<ProviderRow>> ListProviders(std::string_view org) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListProviders));
    Query q(*conn_, s);
    q.Text(org);
    return Collect<ProviderRow>(q, "ListProviders", "provider",
                                FromQuery<provider_table::ReadProvider<QueryRow>>);
  }

  // --- x402 wallets ---

  Status PutWallet(WalletRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kPutWallet));
    Query q(*conn_, s);
    wallet_table::BindWallet(q, row);
    return Done(q, "PutWallet");
  }

  Result<std::optional<WalletRow>> GetWallet(std::string_view org, std::string_view id) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kGetWallet));
    Query q(*conn_, s);
    q.Text(org).Text(id);
    return One<WalletRow>(q, "GetWallet", "wallet", FromQuery<wallet_table::ReadWallet<QueryRow>>);
  }

  Result<std::vector<WalletRow>> ListWallets(std::string_view org) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kListWallets));
    Query q(*conn_, s);
    q.Text(org);
    return Collect<WalletRow>(q, "ListWallets", "wallet",
                              FromQuery<wallet_table::ReadWallet<QueryRow>>);
  }

  // --- end ---

  Status Commit() override {
    if (Status s = CheckOpen(); !s.ok()) {
      Rollback();
      return s;
    }
    if (Status s = FlushRollup(); !s.ok()) {
      Rollback();
      return s;
    }
    // Pipelined durability: the ticket is taken before the commit (see
    // group_sync.h), and the commit noted for MakeDurable once it returned.
    const bool note =
        !read_only_ && store_->options.durability == SqliteStoreOptions::Durability::kPipelined;
    const std::uint64_t ticket = note ? store_->group_sync.Ticket() : 0;
    Status status = conn_->Run(read_only_ ? kRollback : kCommit);
    Finish();
    if (status.ok() && note) store_->group_sync.NoteCommit(ticket);
    return status;
  }

  void Rollback() override {
    if (finished_) return;
    if (deferred_) {
      store_->write_behind->Reset();
      deferred_ = false;
    }
    Finish();
  }

 private:
  // Every call but the deferred writes starts here: the transaction must be
  // open, and the deferred writes must have run (the connection is this
  // thread's again, and reads see them). A deferred write's failure fails
  // every later call and the commit.
  Status CheckOpen() {
    if (finished_) {
      return FailedPrecondition("sqlite store: the transaction is already finished",
                                "transaction_finished");
    }
    if (deferred_) {
      deferred_ = false;
      if (Status s = store_->write_behind->Wait(); !s.ok()) failed_ = std::move(s);
    }
    return failed_;
  }

  // The insert-only writes (journal, idempotency, denials, window log) are deferred: run
  // by the store's WriteBehind worker while the caller goes on. Their errors
  // (a duplicate key: kConflict) surface at the next call that is not
  // deferred, or at Commit — the contract lets any call report them.
  Status CheckDeferrable() const {
    if (finished_) {
      return FailedPrecondition("sqlite store: the transaction is already finished",
                                "transaction_finished");
    }
    if (read_only_) {
      return FailedPrecondition("sqlite store: write in a read-only transaction",
                                "read_only_transaction");
    }
    return failed_;
  }

  // The first kInlineWrites inserts of a transaction run inline: handing a
  // small transaction's few inserts to the worker only adds a thread
  // hand-off to its latency (a single spend, a small batch); a big batch's
  // later inserts overlap with its computation.
  static constexpr std::size_t kInlineWrites = 64;

  template <typename F>
  Status Defer(F&& write) {
    if (store_->write_behind == nullptr || ++writes_ <= kInlineWrites) return write();
    store_->write_behind->Push(std::forward<F>(write));
    deferred_ = true;
    return Status::Ok();
  }

  // Writes the rollup deltas summed since the last flush (one upsert per
  // key), after the deferred writes: before a read of the rollup (so the
  // transaction sees its own spends) and at Commit. Also checks the
  // transaction is open.
  Status FlushRollup() {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (rollup_.empty()) return Status::Ok();
    STUB_ASSIGN_OR_RETURN(sqlite3_stmt * s, conn_->Prepare(kUpsertSpendDaily));
    for (const SpendDailyRow& r : rollup_.Take()) {
      Query q(*conn_, s);
      q.Text(r.org)
          .Int(r.day)
          .Text(r.agent)
          .Text(r.vendor)
          .Text(r.category)
          .Int(r.total)
          .Int(r.count)
          .Int(r.max);
      const int rc = q.Step();
      if (rc == SQLITE_DONE) continue;
      if ((rc & 0xff) == SQLITE_ERROR &&
          std::string_view(sqlite3_errmsg(conn_->db())) == "integer overflow") {
        failed_ = OutOfRange("sqlite store: a daily spend total overflows", "amount_overflow");
      } else {
        failed_ = q.Error(rc, "spend rollup");
      }
      return failed_;
    }
    return Status::Ok();
  }

  Status CheckWritable() {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (read_only_) {
      return FailedPrecondition("sqlite store: write in a read-only transaction",
                                "read_only_transaction");
    }
    return Status::Ok();
  }

  // Steps a statement that returns no rows.
  static Status Done(Query& q, std::string_view what) {
    const int rc = q.Step();
    if (rc != SQLITE_DONE) return q.Error(rc, what);
    return Status::Ok();
  }

  // At most one row, decoded by `read`.
  template <typename T, typename F>
  static Result<std::optional<T>> One(Query& q, std::string_view what, std::string_view row,
                                      F&& read) {
    const int rc = q.Step();
    if (rc == SQLITE_DONE) return std::optional<T>();
    if (rc != SQLITE_ROW) return q.Error(rc, what);
    return Decode(row, [&] { return std::optional<T>(read(q)); });
  }

  // Every row, decoded by `read`.
  template <typename T, typename F>
  static Result<std::vector<T>> Collect(Query& q, std::string_view what, std::string_view row,
                                        F&& read) {
    std::vector<T> out;
    for (;;) {
      const int rc = q.Step();
      if (rc == SQLITE_DONE) return out;
      if (rc != SQLITE_ROW) return q.Error(rc, what);
      STUB_ASSIGN_OR_RETURN(T value, Decode(row, [&] { return read(q); }));
      out.push_back(std::move(value));
    }
  }

  // Ends the SQLite transaction if still open and hands the connection back.
  void Finish() {
    finished_ = true;
    // ROLLBACK can only fail if SQLite already ended the transaction (it
    // does on some I/O errors) or on a broken connection: a reader still
    // inside a transaction is dropped, the writer is healed at the next Begin.
    if (conn_->InTransaction()) (void)conn_->Run(kRollback);
    if (read_only_) {
      store_->ReturnReader(std::move(reader_));
    } else {
      store_->ReleaseWriter();
    }
    conn_ = nullptr;
  }

  SqliteStore::Impl* const store_;
  Connection* conn_;                    // null once finished
  std::unique_ptr<Connection> reader_;  // owned while a read-only txn runs
  const bool read_only_;
  bool finished_ = false;
  std::size_t writes_ = 0;        // inserts so far (see Defer)
  bool deferred_ = false;         // writes pushed to write_behind since the last Wait
  Status failed_;                 // a deferred write's failure: fails the transaction
  SpendDailyAccumulator rollup_;  // spends appended since the last FlushRollup
};

}  // namespace

int SqliteStore::SchemaVersion() { return kLatestVersion; }

Result<std::unique_ptr<SqliteStore>> SqliteStore::Open(const std::string& path, Options options) {
  if (options.page_size < 512 || options.page_size > 65536 ||
      (options.page_size & (options.page_size - 1)) != 0) {
    return InvalidArgument("sqlite store: page_size " + std::to_string(options.page_size) +
                           " is not a power of two from 512 to 65536");
  }
  auto impl = std::make_unique<Impl>(path, options);
  STUB_ASSIGN_OR_RETURN(impl->writer, Connection::Open(path, options, /*reader=*/false));
  Connection& c = *impl->writer;

  // Migrate, all steps in one transaction: a crash leaves the old version.
  STUB_RETURN_IF_ERROR(c.Run(kBeginImmediate));
  Status status = [&]() -> Status {
    STUB_ASSIGN_OR_RETURN(const std::int64_t current, c.QueryInt("PRAGMA user_version"));
    if (current > kLatestVersion) {
      return FailedPrecondition("sqlite store: " + path + " has schema version " +
                                    std::to_string(current) + ", newer than this binary's " +
                                    std::to_string(kLatestVersion),
                                "schema_too_new");
    }
    const auto now = std::chrono::duration_cast<std::chrono::microseconds>(
                         std::chrono::system_clock::now().time_since_epoch())
                         .count();
    for (const Migration& m : kMigrations) {
      if (m.version <= current) continue;
      STUB_RETURN_IF_ERROR(c.Exec(m.sql));
      sqlite3_stmt* s = nullptr;
      const char* sql =
          "INSERT INTO schema_migrations (version, name, applied_at) VALUES (?, ?, ?)";
      int rc = sqlite3_prepare_v2(c.db(), sql, -1, &s, nullptr);
      if (rc != SQLITE_OK) return SqliteError(c.db(), rc, sql);
      {
        Query q(c, s);
        q.Int(m.version).Text(m.name).Int(static_cast<std::int64_t>(now));
        rc = q.Step();
      }
      sqlite3_finalize(s);
      if (rc != SQLITE_DONE) return SqliteError(c.db(), rc, sql);
      // PRAGMA takes no parameters; the version is our own constant.
      STUB_RETURN_IF_ERROR(c.Exec(("PRAGMA user_version = " + std::to_string(m.version)).c_str()));
    }
    return c.Run(kCommit);
  }();
  if (!status.ok()) {
    if (c.InTransaction()) (void)c.Run(kRollback);
    return status;
  }
  if (options.durability == Options::Durability::kPipelined) {
    STUB_ASSIGN_OR_RETURN(impl->checkpoint_conn, Connection::Open(path, options, /*reader=*/false));
    // The thresholds in frames of this file's page size.
    STUB_ASSIGN_OR_RETURN(const std::int64_t page, c.QueryInt("PRAGMA page_size"));
    const auto frames = [page](std::int64_t bytes) {
      return static_cast<int>(std::clamp<std::int64_t>(bytes / page, 1, INT_MAX));
    };
    impl->checkpoint_frames = frames(options.checkpoint_bytes);
    impl->writer_checkpoint_frames = frames(options.writer_checkpoint_bytes);
    Impl* raw = impl.get();
    sqlite3_wal_hook(c.db(), &Impl::OnWalCommit, raw);
    impl->checkpointer = std::thread([raw] {
      NameThisThread("stub-checkpoint");
      raw->CheckpointLoop();
    });
  }
  if (options.write_behind) impl->write_behind = std::make_unique<WriteBehind>();
  return std::unique_ptr<SqliteStore>(new SqliteStore(std::move(impl)));
}

SqliteStore::SqliteStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

SqliteStore::~SqliteStore() = default;

const std::string& SqliteStore::path() const { return impl_->path; }

bool SqliteStore::CommitIsDurable() const {
  return impl_->options.durability == Options::Durability::kFull;
}

std::uint64_t SqliteStore::DurabilityMark() const { return impl_->group_sync.Mark(); }

Status SqliteStore::MakeDurable(std::uint64_t mark) {
  if (CommitIsDurable()) return Status::Ok();
  // One file, no server incarnations: every sync proves every commit before
  // it (birth 0).
  return impl_->group_sync.Wait(mark, [this]() -> Result<std::uint64_t> {
    STUB_RETURN_IF_ERROR(impl_->SyncWal());
    return std::uint64_t{0};
  });
}

Result<std::unique_ptr<Transaction>> SqliteStore::Begin(const TxnOptions& options) {
  Impl& s = *impl_;
  if (options.read_only) {
    STUB_ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, s.TakeReader());
    // A deferred BEGIN takes its WAL snapshot at the first read: read now, so
    // the snapshot is as of Begin.
    Status status = c->Run(kBegin);
    if (status.ok()) status = c->Run(kTakeSnapshot);
    if (!status.ok()) {
      if (c->InTransaction()) (void)c->Run(kRollback);
      s.ReturnReader(std::move(c));
      return status;
    }
    return std::unique_ptr<Transaction>(std::make_unique<SqliteTransaction>(&s, std::move(c)));
  }
  STUB_RETURN_IF_ERROR(s.AcquireWriter());
  // Left inside a transaction by a failed ROLLBACK (see Finish): end it.
  if (s.writer->InTransaction()) (void)s.writer->Run(kRollback);
  Status status = s.writer->Run(kBeginImmediate);
  if (!status.ok()) {
    if (s.writer->InTransaction()) (void)s.writer->Run(kRollback);
    s.ReleaseWriter();
    return status;
  }
  return std::unique_ptr<Transaction>(std::make_unique<SqliteTransaction>(&s, s.writer.get()));
}

}  // namespace stub
