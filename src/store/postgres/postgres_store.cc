#include "store/postgres/postgres_store.h"

#include <libpq-fe.h>
#include <poll.h>

#include <algorithm>
#include <array>
#include <charconv>
#include <chrono>
#include <condition_variable>
#include <cstdint>
#include <cstring>
#include <exception>
#include <functional>
#include <iterator>
#include <limits>
#include <map>
#include <memory>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <unordered_map>
#include <utility>
#include <vector>

#include "core/time_ordered_id.h"
#include "store/group_sync.h"
#include "store/provider_table.h"
#include "store/query_sql.h"
#include "store/row_codec.h"
#include "store/wallet_table.h"

namespace stub {
namespace {

// --- encoding (store/row_codec.h) ---------------------------------------------

using row_codec::DecodeBalances;
using row_codec::DecodeError;
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
using row_codec::PutI64;
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
  return row_codec::Decode("postgres store", what, std::forward<F>(f));
}

template <typename F>
Result<std::string> Encode(std::string_view what, F&& f) {
  return row_codec::Encode("postgres store", what, std::forward<F>(f));
}

// --- schema -----------------------------------------------------------------

// One migration: statements run one per transaction (DSQL allows one DDL
// statement per transaction), each idempotent (IF NOT EXISTS), so a step
// interrupted halfway is simply run again. `dsql` replaces `sql` for a
// statement DSQL does not accept (nullptr: the same text).
struct MigrationStmt {
  const char* sql;
  const char* dsql;
};

struct Migration {
  int version;
  const char* name;
  std::vector<MigrationStmt> stmts;
};

// Ordered, append-only: a released step is never edited; changes are new
// steps. Key columns are COLLATE "C" so ORDER BY is byte order, as in the
// other stores (and DSQL's only collation).
const std::vector<Migration>& Migrations() {
  static const std::vector<Migration> kMigrations = {
      {1,
       "initial schema",
       {
           {R"sql(CREATE TABLE IF NOT EXISTS orgs (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  name TEXT NOT NULL,
  currency TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  head_seq BIGINT NOT NULL,
  head_hash TEXT NOT NULL,
  kill_switch BOOLEAN NOT NULL,
  next_hold_expiry BIGINT NOT NULL))sql",
            nullptr},
           {R"sql(CREATE TABLE IF NOT EXISTS nodes (
  org TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  kind TEXT NOT NULL,
  parent TEXT NOT NULL,
  name TEXT NOT NULL,
  limits TEXT NOT NULL,
  frozen BOOLEAN NOT NULL,
  frozen_reason TEXT NOT NULL,
  balances BYTEA NOT NULL,
  version BIGINT NOT NULL,
  PRIMARY KEY (org, id)))sql",
            nullptr},
           {R"sql(CREATE TABLE IF NOT EXISTS entries (
  org TEXT COLLATE "C" NOT NULL,
  seq BIGINT NOT NULL,
  kind TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  budget_at BIGINT NOT NULL,
  ref TEXT NOT NULL,
  hold_id TEXT NOT NULL,
  agent TEXT NOT NULL,
  path TEXT NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  session TEXT NOT NULL,
  user_id TEXT NOT NULL,
  intent TEXT NOT NULL,
  amount BIGINT NOT NULL,
  released BIGINT NOT NULL,
  receipt TEXT NOT NULL,
  receipt_hash TEXT NOT NULL,
  lines TEXT NOT NULL,
  prev_hash TEXT NOT NULL,
  hash TEXT NOT NULL,
  PRIMARY KEY (org, seq)))sql",
            nullptr},
           {R"sql(CREATE TABLE IF NOT EXISTS idempotency (
  org TEXT COLLATE "C" NOT NULL,
  idem_key TEXT COLLATE "C" NOT NULL,
  fingerprint TEXT NOT NULL,
  outcome TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  PRIMARY KEY (org, idem_key)))sql",
            nullptr},
           {R"sql(CREATE TABLE IF NOT EXISTS holds (
  org TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  agent TEXT NOT NULL,
  path TEXT NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  session TEXT NOT NULL,
  user_id TEXT NOT NULL,
  intent TEXT NOT NULL,
  amount BIGINT NOT NULL,
  captured BIGINT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  resolved_at BIGINT NOT NULL,
  status TEXT NOT NULL,
  spend_id TEXT NOT NULL,
  PRIMARY KEY (org, id)))sql",
            nullptr},
           // Pending holds. DSQL has no partial indexes and builds indexes
           // with CREATE INDEX ASYNC: there the index leads with status.
           {"CREATE INDEX IF NOT EXISTS holds_pending ON holds (org, expires_at, id) "
            "WHERE status = 'held'",
            "CREATE INDEX ASYNC IF NOT EXISTS holds_pending ON holds (org, status, expires_at, "
            "id)"},
           {R"sql(CREATE TABLE IF NOT EXISTS denials (
  org TEXT COLLATE "C" NOT NULL,
  created_at BIGINT NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  request_kind TEXT NOT NULL,
  agent TEXT NOT NULL,
  amount BIGINT NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  session TEXT NOT NULL,
  user_id TEXT NOT NULL,
  intent TEXT NOT NULL,
  idempotency_key TEXT NOT NULL,
  reason TEXT NOT NULL,
  node TEXT NOT NULL,
  period TEXT,
  limit_amount BIGINT NOT NULL,
  used BIGINT NOT NULL,
  message TEXT NOT NULL,
  PRIMARY KEY (org, created_at, id)))sql",
            nullptr},
       }},
      {2,
       "api keys",
       {
           {R"sql(CREATE TABLE IF NOT EXISTS api_keys (
  id TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  org TEXT COLLATE "C" NOT NULL,
  hash TEXT COLLATE "C" NOT NULL UNIQUE,
  role TEXT NOT NULL,
  agent TEXT NOT NULL,
  name TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  revoked_at BIGINT NOT NULL))sql",
            nullptr},
           {"CREATE INDEX IF NOT EXISTS api_keys_org ON api_keys (org, id)",
            "CREATE INDEX ASYNC IF NOT EXISTS api_keys_org ON api_keys (org, id)"},
       }},
      {3,
       "policies, rolling windows",
       {
           // Nullable, no default: DSQL adds columns without constraints.
           {"ALTER TABLE nodes ADD COLUMN IF NOT EXISTS policy TEXT", nullptr},
           {"ALTER TABLE nodes ADD COLUMN IF NOT EXISTS win_state BYTEA", nullptr},
           {"ALTER TABLE denials ADD COLUMN IF NOT EXISTS window_seconds BIGINT", nullptr},
           {"ALTER TABLE denials ADD COLUMN IF NOT EXISTS limit_unit TEXT", nullptr},
           {R"sql(CREATE TABLE IF NOT EXISTS window_log (
  org TEXT COLLATE "C" NOT NULL,
  node TEXT COLLATE "C" NOT NULL,
  at BIGINT NOT NULL,
  seq BIGINT NOT NULL,
  total BIGINT NOT NULL,
  amount BIGINT NOT NULL,
  PRIMARY KEY (org, node, at, seq)))sql",
            nullptr},
           {R"sql(CREATE TABLE IF NOT EXISTS approvals (
  org TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  agent TEXT NOT NULL,
  amount BIGINT NOT NULL,
  vendor TEXT NOT NULL,
  category TEXT NOT NULL,
  session TEXT NOT NULL,
  user_id TEXT NOT NULL,
  intent TEXT NOT NULL,
  node TEXT NOT NULL,
  over_amount BIGINT NOT NULL,
  status TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL,
  decided_at BIGINT NOT NULL,
  decided_by TEXT NOT NULL,
  spend_id TEXT NOT NULL,
  note TEXT NOT NULL,
  PRIMARY KEY (org, id)))sql",
            nullptr},
           {"CREATE INDEX IF NOT EXISTS approvals_by_time ON approvals (org, created_at, id)",
            "CREATE INDEX ASYNC IF NOT EXISTS approvals_by_time ON approvals (org, created_at, "
            "id)"},
       }},
      // Questions (query_sql.h) over spends by time: a covering index of the
      // spend and capture entries (index-only scans for a month's totals by
      // team, agent, vendor or category). DSQL has no partial indexes.
      {4,
       "spend query index",
       {
           {"CREATE INDEX IF NOT EXISTS entries_spend_time ON entries (org, created_at) "
            "INCLUDE (agent, vendor, category, amount) WHERE kind IN ('spend', 'capture')",
            "CREATE INDEX ASYNC IF NOT EXISTS entries_spend_time ON entries (org, created_at, "
            "kind, agent, vendor, category, amount)"},
       }},
      // The daily spend rollup (core/spend_daily.h), kept exact by every write
      // transaction that appends spends (PostgresTransaction::BufferRollup),
      // and backfilled here from the journal (ON CONFLICT DO NOTHING: a
      // backfill that committed before an interrupted step is not added
      // twice). Questions over whole days read it (query_sql.h). The wide
      // covering index of step 4 goes (every spend paid for maintaining it);
      // the questions that still read entries by time (edge days, lists,
      // users, sessions, intent) use a two-column one.
      {5,
       "daily spend rollup",
       {
           {R"sql(CREATE TABLE IF NOT EXISTS spend_daily (
  org TEXT COLLATE "C" NOT NULL,
  day BIGINT NOT NULL,
  agent TEXT COLLATE "C" NOT NULL,
  vendor TEXT COLLATE "C" NOT NULL,
  category TEXT COLLATE "C" NOT NULL,
  amount_total BIGINT NOT NULL,
  spend_count BIGINT NOT NULL,
  amount_max BIGINT NOT NULL,
  PRIMARY KEY (org, day, agent, vendor, category)))sql",
            nullptr},
           {"INSERT INTO spend_daily (org, day, agent, vendor, category, amount_total, "
            "spend_count, amount_max) SELECT org, created_at / 86400000000, agent, vendor, "
            "category, SUM(amount), COUNT(*), MAX(amount) FROM entries "
            "WHERE kind IN ('spend', 'capture') GROUP BY 1, 2, 3, 4, 5 ON CONFLICT DO NOTHING",
            nullptr},
           {"CREATE INDEX IF NOT EXISTS entries_spend_at ON entries (org, created_at) "
            "WHERE kind IN ('spend', 'capture')",
            "CREATE INDEX ASYNC IF NOT EXISTS entries_spend_at ON entries (org, created_at)"},
           {"DROP INDEX IF EXISTS entries_spend_time", nullptr},
       }},
      // Nullable, no default (DSQL adds columns without constraints): NULL
      // reads as epoch 0.
      {6,
       "key revocation epoch",
       {
           {"ALTER TABLE orgs ADD COLUMN IF NOT EXISTS key_epoch BIGINT", nullptr},
       }},
      // Keyset pagination (store.h ItemKey): spends listed newest first by
      // (created_at, ref) — replacing step 5's (org, created_at), a prefix of
      // it —, a spend looked up by its id, a denial by its id, approvals by
      // status. `ref` is not a key column of step 1, so its order is made
      // byte order here (DSQL has only that collation and no partial indexes).
      {7,
       "keyset read indexes",
       {
           {"CREATE INDEX IF NOT EXISTS entries_spend_key ON entries (org, created_at, "
            "ref COLLATE \"C\") WHERE kind IN ('spend', 'capture')",
            "CREATE INDEX ASYNC IF NOT EXISTS entries_spend_key ON entries (org, created_at, ref)"},
           {"DROP INDEX IF EXISTS entries_spend_at", nullptr},
           {"CREATE INDEX IF NOT EXISTS entries_spend_ref ON entries (org, ref) "
            "WHERE kind IN ('spend', 'capture')",
            "CREATE INDEX ASYNC IF NOT EXISTS entries_spend_ref ON entries (org, ref)"},
           {"CREATE INDEX IF NOT EXISTS denials_by_id ON denials (org, id)",
            "CREATE INDEX ASYNC IF NOT EXISTS denials_by_id ON denials (org, id)"},
           {"CREATE INDEX IF NOT EXISTS approvals_by_status ON approvals (org, status, "
            "created_at, id)",
            "CREATE INDEX ASYNC IF NOT EXISTS approvals_by_status ON approvals (org, status, "
            "created_at, id)"},
       }},
      // head_at: the org's entry clock (core/org.h EntryClock), NULL read as
      // 0; max_spend: NULL read as kDefaultMaxSpend.
      {8,
       "entry clock and spend ceiling",
       {
           {"ALTER TABLE orgs ADD COLUMN IF NOT EXISTS head_at BIGINT", nullptr},
           {"ALTER TABLE orgs ADD COLUMN IF NOT EXISTS max_spend BIGINT", nullptr},
       }},
      // One agent's spends and denials listed newest first (GET
      // /v1/spends?agent=): indexes that lead with the agent, so a page costs
      // the same whatever share of the org's history the agent has.
      {9,
       "agent keyset read indexes",
       {
           {"CREATE INDEX IF NOT EXISTS entries_agent_key ON entries (org, agent, created_at, "
            "ref COLLATE \"C\") WHERE kind IN ('spend', 'capture')",
            "CREATE INDEX ASYNC IF NOT EXISTS entries_agent_key ON entries (org, agent, "
            "created_at, ref)"},
           {"CREATE INDEX IF NOT EXISTS denials_by_agent ON denials (org, agent, created_at, id)",
            "CREATE INDEX ASYNC IF NOT EXISTS denials_by_agent ON denials (org, agent, "
            "created_at, id)"},
       }},
      // Dashboard sessions (core/session.h): only the token's hash is
      // stored; expired rows are swept by expires_at.
      {10,
       "dashboard sessions",
       {
           {R"sql(CREATE TABLE IF NOT EXISTS sessions (
  token_hash TEXT COLLATE "C" NOT NULL PRIMARY KEY,
  key_id TEXT NOT NULL,
  key_hash TEXT NOT NULL,
  org TEXT NOT NULL,
  csrf_token TEXT NOT NULL,
  created_at BIGINT NOT NULL,
  expires_at BIGINT NOT NULL))sql",
            nullptr},
           {"CREATE INDEX IF NOT EXISTS sessions_expiry ON sessions (expires_at)",
            "CREATE INDEX ASYNC IF NOT EXISTS sessions_expiry ON sessions (expires_at)"},
       }},
      // Two indexes that cost every spend an insert at a place of its own
      // go: the one that led with the agent (the spend index carries the
      // agent now, and a filter by agent scans its keys alone:
      // ListSpendKeysBefore), and the one on (org, ref) (a spend's id is
      // time-ordered now and names its entry's millisecond, so GetSpendEntry
      // finds it in the spend index; only ids made before, not 31 characters
      // long, keep an index on ref). See the SQLite store's step 11.
      {11,
       "spend indexes without a page per spend",
       {
           {"CREATE INDEX IF NOT EXISTS entries_spend_listing ON entries (org, created_at, "
            "ref COLLATE \"C\") INCLUDE (agent) WHERE kind IN ('spend', 'capture')",
            "CREATE INDEX ASYNC IF NOT EXISTS entries_spend_listing ON entries (org, created_at, "
            "ref, agent)"},
           {"DROP INDEX IF EXISTS entries_spend_key", nullptr},
           {"DROP INDEX IF EXISTS entries_agent_key", nullptr},
           {"CREATE INDEX IF NOT EXISTS entries_legacy_ref ON entries (org, ref) "
            "WHERE kind IN ('spend', 'capture') AND length(ref) <> 31",
            "CREATE INDEX ASYNC IF NOT EXISTS entries_legacy_ref ON entries (org, ref)"},
           {"DROP INDEX IF EXISTS entries_spend_ref", nullptr},
       }},
      // The metering gateway's LLM providers (store/provider_table.h); the
      // upstream key only sealed.
      {12,
       "llm providers",
       {
           {R"sql(CREATE TABLE IF NOT EXISTS providers (
  org TEXT COLLATE "C" NOT NULL,
  name TEXT COLLATE "C" NOT NULL,
  config TEXT NOT NULL,
  sealed_key TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (org, name)))sql",
            nullptr},
       }},
      // A gateway hold is captured in full at its expiry
      // (Hold::capture_on_expiry).
      {13,
       "holds captured at expiry",
       {
           {"ALTER TABLE holds ADD COLUMN IF NOT EXISTS capture_on_expiry BIGINT NOT NULL "
            "DEFAULT 0",
            nullptr},
       }},
      // x402 wallets (store/wallet_table.h): settings only, never a key.
      {14,
       "x402 wallets",
       {
           {R"sql(CREATE TABLE IF NOT EXISTS wallets (
  org TEXT COLLATE "C" NOT NULL,
  id TEXT COLLATE "C" NOT NULL,
  config TEXT NOT NULL,
  updated_at BIGINT NOT NULL,
  PRIMARY KEY (org, id)))sql",
            nullptr},
       }},
  };
  return kMigrations;
}

constexpr const char* kCreateMigrationsTable =
    "CREATE TABLE IF NOT EXISTS schema_migrations (version BIGINT NOT NULL PRIMARY KEY, "
    "name TEXT NOT NULL, applied_at BIGINT NOT NULL)";

// An arbitrary constant: the advisory lock key of Open's migrations.
constexpr const char* kMigrationLock = "SELECT pg_advisory_lock(7250412391)";
constexpr const char* kMigrationUnlock = "SELECT pg_advisory_unlock(7250412391)";

// --- statements -------------------------------------------------------------

constexpr Oid kBoolOid = 16;
constexpr Oid kByteaOid = 17;
constexpr Oid kInt8Oid = 20;
constexpr Oid kTextOid = 25;
constexpr Oid kTextArrayOid = 1009;
constexpr Oid kInt8ArrayOid = 1016;

enum StmtId : std::size_t {
  kGetOrg = 0,
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
  // Multi-row forms of the insert-only writes (one statement per batch) and
  // of the idempotency read.
  kAppendEntries,
  kPutIdempotencies,
  kInsertDenials,
  kGetIdempotencies,
  kGetNodes,  // the multi-row form of kGetNode
  kAppendWindowLog,
  kAppendWindowLogs,  // the multi-row form of kAppendWindowLog
  kFirstWindowLogAfter,
  kPutApproval,
  kGetApproval,
  kListApprovals,
  kListApprovalsByStatus,
  // The daily spend rollup: one multi-row upsert per flush, and its rows.
  kUpsertSpendDaily,
  kListSpendDaily,
  // Keyset reads (store.h ItemKey).
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

struct StmtDef {
  const char* name;
  const char* sql;
  std::vector<Oid> types;
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

const std::array<StmtDef, kStmtCount>& Stmts() {
  constexpr Oid T = kTextOid;
  constexpr Oid I = kInt8Oid;
  constexpr Oid B = kBoolOid;
  constexpr Oid Y = kByteaOid;
  constexpr Oid TA = kTextArrayOid;
  constexpr Oid IA = kInt8ArrayOid;
  static const std::array<StmtDef, kStmtCount> kStmts = {{
      {"get_org",
       "SELECT name, currency, created_at, head_seq, head_hash, kill_switch, next_hold_expiry, "
       "COALESCE(key_epoch, 0), COALESCE(head_at, 0), max_spend FROM orgs WHERE id = $1",
       {T}},
      {"put_org",
       "INSERT INTO orgs (id, name, currency, created_at, head_seq, head_hash, kill_switch, "
       "next_hold_expiry, key_epoch, head_at, max_spend) "
       "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) ON CONFLICT (id) "
       "DO UPDATE SET name = EXCLUDED.name, currency = EXCLUDED.currency, "
       "created_at = EXCLUDED.created_at, head_seq = EXCLUDED.head_seq, "
       "head_hash = EXCLUDED.head_hash, kill_switch = EXCLUDED.kill_switch, "
       "next_hold_expiry = EXCLUDED.next_hold_expiry, key_epoch = EXCLUDED.key_epoch, "
       "head_at = EXCLUDED.head_at, max_spend = EXCLUDED.max_spend",
       {T, T, T, I, I, T, B, I, I, I, I}},
      {"list_orgs", "SELECT id FROM orgs ORDER BY id", {}},
      {"get_node", "SELECT " STUB_NODE_COLS " FROM nodes WHERE org = $1 AND id = $2", {T, T}},
      {"put_node",
       "INSERT INTO nodes (org, " STUB_NODE_COLS
       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12) ON CONFLICT (org, id) DO "
       "UPDATE SET kind = EXCLUDED.kind, parent = EXCLUDED.parent, name = EXCLUDED.name, "
       "limits = EXCLUDED.limits, frozen = EXCLUDED.frozen, "
       "frozen_reason = EXCLUDED.frozen_reason, balances = EXCLUDED.balances, "
       "version = EXCLUDED.version, policy = EXCLUDED.policy, win_state = EXCLUDED.win_state",
       {T, T, T, T, T, T, B, T, Y, I, T, Y}},
      {"list_nodes", "SELECT " STUB_NODE_COLS " FROM nodes WHERE org = $1 ORDER BY id", {T}},
      {"append_entry",
       "INSERT INTO entries (" STUB_ENTRY_COLS
       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
       "$18, $19, $20, $21)",
       {T, I, T, I, I, T, T, T, T, T, T, T, T, T, I, I, T, T, T, T, T}},
      {"list_entries",
       "SELECT " STUB_ENTRY_COLS " FROM entries WHERE org = $1 AND seq > $2 ORDER BY seq LIMIT $3",
       {T, I, I}},
      {"get_idempotency",
       "SELECT fingerprint, outcome, created_at FROM idempotency WHERE org = $1 AND idem_key = $2",
       {T, T}},
      {"put_idempotency",
       "INSERT INTO idempotency (org, idem_key, fingerprint, outcome, created_at) "
       "VALUES ($1, $2, $3, $4, $5)",
       {T, T, T, T, I}},
      {"get_hold", "SELECT " STUB_HOLD_COLS " FROM holds WHERE org = $1 AND id = $2", {T, T}},
      {"put_hold",
       "INSERT INTO holds (" STUB_HOLD_COLS
       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17) "
       "ON CONFLICT (org, id) DO UPDATE SET agent = EXCLUDED.agent, path = EXCLUDED.path, "
       "vendor = EXCLUDED.vendor, category = EXCLUDED.category, session = EXCLUDED.session, "
       "user_id = EXCLUDED.user_id, intent = EXCLUDED.intent, amount = EXCLUDED.amount, "
       "captured = EXCLUDED.captured, created_at = EXCLUDED.created_at, "
       "expires_at = EXCLUDED.expires_at, resolved_at = EXCLUDED.resolved_at, "
       "status = EXCLUDED.status, spend_id = EXCLUDED.spend_id, "
       "capture_on_expiry = EXCLUDED.capture_on_expiry",
       {T, T, T, T, T, T, T, T, T, I, I, I, I, I, T, T, I}},
      {"list_due_holds",
       "SELECT " STUB_HOLD_COLS
       " FROM holds WHERE org = $1 AND status = 'held' AND expires_at <= $2 "
       "ORDER BY expires_at, id LIMIT $3",
       {T, I, I}},
      {"next_hold_expiry",
       "SELECT expires_at FROM holds WHERE org = $1 AND status = 'held' "
       "ORDER BY expires_at, id LIMIT 1",
       {T}},
      {"insert_denial",
       "INSERT INTO denials (" STUB_DENIAL_COLS
       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
       "$18, $19, $20)",
       {T, I, T, T, T, I, T, T, T, T, T, T, T, T, T, I, I, T, I, T}},
      {"list_denials",
       "SELECT " STUB_DENIAL_COLS " FROM denials WHERE org = $1 ORDER BY created_at, id LIMIT $2",
       {T, I}},
      {"insert_key",
       "INSERT INTO api_keys (" STUB_KEY_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8)",
       {T, T, T, T, T, T, I, I}},
      {"get_key_by_hash", "SELECT " STUB_KEY_COLS " FROM api_keys WHERE hash = $1", {T}},
      {"list_keys", "SELECT " STUB_KEY_COLS " FROM api_keys WHERE org = $1 ORDER BY id", {T}},
      {"revoke_key",
       "UPDATE api_keys SET revoked_at = CASE WHEN revoked_at = 0 THEN $3 ELSE revoked_at END "
       "WHERE org = $1 AND id = $2 RETURNING id",
       {T, T, I}},
      // The multi-row inserts unnest their array parameters in the select
      // list (a ProjectSet node, rows streamed as they are made), not in FROM:
      // FROM unnest($1, …, $n) first copies every array into a tuplestore of
      // its own. Measured on PostgreSQL 15, 128-row inserts into entries:
      // 9.5 µs per row instead of 12.3. The arrays always have equal lengths
      // (one element per buffered row), so both forms give the same rows.
      {"append_entries",
       "INSERT INTO entries (" STUB_ENTRY_COLS
       ") SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), unnest($6), "
       "unnest($7), unnest($8), unnest($9), unnest($10), unnest($11), unnest($12), "
       "unnest($13), unnest($14), unnest($15), unnest($16), unnest($17), unnest($18), "
       "unnest($19), unnest($20), unnest($21)",
       {TA, IA, TA, IA, IA, TA, TA, TA, TA, TA, TA, TA, TA, TA, IA, IA, TA, TA, TA, TA, TA}},
      {"put_idempotencies",
       "INSERT INTO idempotency (org, idem_key, fingerprint, outcome, created_at) "
       "SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5)",
       {TA, TA, TA, TA, IA}},
      {"insert_denials",
       "INSERT INTO denials (" STUB_DENIAL_COLS
       ") SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), unnest($6), "
       "unnest($7), unnest($8), unnest($9), unnest($10), unnest($11), unnest($12), "
       "unnest($13), unnest($14), unnest($15), unnest($16), unnest($17), unnest($18), "
       "unnest($19), unnest($20)",
       {TA, IA, TA, TA, TA, IA, TA, TA, TA, TA, TA, TA, TA, TA, TA, IA, IA, TA, IA, TA}},
      {"get_idempotencies",
       "SELECT idem_key, fingerprint, outcome, created_at FROM idempotency "
       "WHERE org = $1 AND idem_key = ANY($2)",
       {T, TA}},
      {"get_nodes",
       "SELECT " STUB_NODE_COLS " FROM nodes WHERE org = $1 AND id = ANY($2)",
       {T, TA}},
      {"append_window_log",
       "INSERT INTO window_log (org, node, at, seq, total, amount) VALUES ($1, $2, $3, $4, $5, $6)",
       {T, T, I, I, I, I}},
      {"append_window_logs",
       "INSERT INTO window_log (org, node, at, seq, total, amount) "
       "SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), unnest($6)",
       {TA, TA, IA, IA, IA, IA}},
      {"first_window_log_after",
       "SELECT at, seq, total, amount FROM window_log WHERE org = $1 AND node = $2 AND at > $3 "
       "ORDER BY at, seq LIMIT 1",
       {T, T, I}},
      {"put_approval",
       "INSERT INTO approvals (" STUB_APPROVAL_COLS
       ") VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17, "
       "$18) ON CONFLICT (org, id) DO UPDATE SET status = EXCLUDED.status, "
       "expires_at = EXCLUDED.expires_at, decided_at = EXCLUDED.decided_at, "
       "decided_by = EXCLUDED.decided_by, spend_id = EXCLUDED.spend_id, note = EXCLUDED.note",
       {T, T, T, I, T, T, T, T, T, T, I, T, I, I, I, T, T, T}},
      {"get_approval",
       "SELECT " STUB_APPROVAL_COLS " FROM approvals WHERE org = $1 AND id = $2",
       {T, T}},
      {"list_approvals",
       "SELECT " STUB_APPROVAL_COLS
       " FROM approvals WHERE org = $1 ORDER BY created_at, id LIMIT $2",
       {T, I}},
      {"list_approvals_by_status",
       "SELECT " STUB_APPROVAL_COLS
       " FROM approvals WHERE org = $1 AND status = $3 ORDER BY created_at, id LIMIT $2",
       {T, I, T}},
      {"upsert_spend_daily",
       "INSERT INTO spend_daily (org, day, agent, vendor, category, amount_total, spend_count, "
       "amount_max) SELECT unnest($1), unnest($2), unnest($3), unnest($4), unnest($5), "
       "unnest($6), unnest($7), unnest($8) "
       "ON CONFLICT (org, day, agent, vendor, category) DO UPDATE SET "
       "amount_total = spend_daily.amount_total + EXCLUDED.amount_total, "
       "spend_count = spend_daily.spend_count + EXCLUDED.spend_count, "
       "amount_max = GREATEST(spend_daily.amount_max, EXCLUDED.amount_max)",
       {TA, IA, TA, TA, TA, IA, IA, IA}},
      {"list_spend_daily",
       "SELECT org, day, agent, vendor, category, amount_total, spend_count, amount_max "
       "FROM spend_daily WHERE org = $1 ORDER BY day, agent, vendor, category",
       {T}},
      // Listing rows leave the receipt and the lines out (store.h).
      {"list_spend_entries_before",
       "SELECT org, seq, kind, created_at, budget_at, ref, hold_id, agent, path, vendor, "
       "category, session, user_id, intent, amount, released, '', receipt_hash, '[]', "
       "prev_hash, hash FROM entries WHERE org = $1 AND kind IN ('spend', 'capture') AND "
       "created_at >= $2 AND (created_at, ref COLLATE \"C\") < ($3, $4) "
       "ORDER BY created_at DESC, ref COLLATE \"C\" DESC LIMIT $5",
       {T, I, I, T, I}},
      // A spend made before ids were time-ordered (entries_legacy_ref).
      {"get_spend_entry",
       "SELECT " STUB_ENTRY_COLS
       " FROM entries WHERE org = $1 AND ref = $2 AND kind IN ('spend', 'capture') AND "
       "length(ref) <> 31 LIMIT 1",
       {T, T}},
      {"list_denials_before",
       "SELECT " STUB_DENIAL_COLS
       " FROM denials WHERE org = $1 AND created_at >= $2 AND (created_at, id) < ($3, $4) "
       "ORDER BY created_at DESC, id DESC LIMIT $5",
       {T, I, I, T, I}},
      {"list_denials_after",
       "SELECT " STUB_DENIAL_COLS
       " FROM denials WHERE org = $1 AND (created_at, id) > ($2, $3) ORDER BY created_at, id "
       "LIMIT $4",
       {T, I, T, I}},
      {"get_denial",
       "SELECT " STUB_DENIAL_COLS " FROM denials WHERE org = $1 AND id = $2 LIMIT 1",
       {T, T}},
      {"list_approvals_after",
       "SELECT " STUB_APPROVAL_COLS
       " FROM approvals WHERE org = $1 AND (created_at, id) > ($2, $3) ORDER BY created_at, id "
       "LIMIT $4",
       {T, I, T, I}},
      {"list_approvals_after_by_status",
       "SELECT " STUB_APPROVAL_COLS
       " FROM approvals WHERE org = $1 AND status = $5 AND (created_at, id) > ($2, $3) "
       "ORDER BY created_at, id LIMIT $4",
       {T, I, T, I, T}},
      // Covered by entries_spend_listing (org, created_at, ref) INCLUDE (agent).
      {"list_spend_keys_before",
       "SELECT created_at, ref, agent FROM entries WHERE org = $1 AND "
       "kind IN ('spend', 'capture') AND created_at >= $2 AND "
       "(created_at, ref COLLATE \"C\") < ($3, $4) "
       "ORDER BY created_at DESC, ref COLLATE \"C\" DESC LIMIT $5",
       {T, I, I, T, I}},
      {"list_agent_denials_before",
       "SELECT " STUB_DENIAL_COLS
       " FROM denials WHERE org = $1 AND agent = $6 AND created_at >= $2 AND "
       "(created_at, id) < ($3, $4) ORDER BY created_at DESC, id DESC LIMIT $5",
       {T, I, I, T, I, T}},
      {"insert_session",
       "INSERT INTO sessions (" STUB_SESSION_COLS ") VALUES ($1, $2, $3, $4, $5, $6, $7)",
       {T, T, T, T, T, I, I}},
      {"get_session", "SELECT " STUB_SESSION_COLS " FROM sessions WHERE token_hash = $1", {T}},
      {"delete_session", "DELETE FROM sessions WHERE token_hash = $1", {T}},
      {"delete_expired_sessions",
       "DELETE FROM sessions WHERE token_hash IN (SELECT token_hash FROM sessions "
       "WHERE expires_at <= $1 ORDER BY expires_at LIMIT $2) RETURNING token_hash",
       {I, I}},
      // A time-ordered spend id's millisecond, in entries_spend_listing.
      {"get_timed_spend_entry",
       "SELECT " STUB_ENTRY_COLS
       " FROM entries WHERE org = $1 AND kind IN ('spend', 'capture') AND created_at >= $2 AND "
       "created_at < $3 AND ref = $4 LIMIT 1",
       {T, I, I, T}},
      {"put_provider",
       "INSERT INTO providers (" STUB_PROVIDER_COLS ") VALUES ($1, $2, $3, $4, $5) "
       "ON CONFLICT (org, name) DO UPDATE SET config = excluded.config, "
       "sealed_key = excluded.sealed_key, updated_at = excluded.updated_at",
       {T, T, T, T, I}},
      {"get_provider",
       "SELECT " STUB_PROVIDER_COLS " FROM providers WHERE org = $1 AND name = $2",
       {T, T}},
      {"list_providers",
       "SELECT " STUB_PROVIDER_COLS " FROM providers WHERE org = $1 ORDER BY name",
       {T}},
      {"put_wallet",
       "INSERT INTO wallets (" STUB_WALLET_COLS ") VALUES ($1, $2, $3, $4) "
       "ON CONFLICT (org, id) DO UPDATE SET config = excluded.config, "
       "updated_at = excluded.updated_at",
       {T, T, T, I}},
      {"get_wallet", "SELECT " STUB_WALLET_COLS " FROM wallets WHERE org = $1 AND id = $2", {T, T}},
      {"list_wallets", "SELECT " STUB_WALLET_COLS " FROM wallets WHERE org = $1 ORDER BY id", {T}},
  }};
  static_assert(kTimeOrderedSpendIdLength == 31, "get_spend_entry's and entries_legacy_ref's 31");
  return kStmts;
}

#undef STUB_NODE_COLS
#undef STUB_ENTRY_COLS
#undef STUB_HOLD_COLS
#undef STUB_DENIAL_COLS
#undef STUB_KEY_COLS
#undef STUB_SESSION_COLS
#undef STUB_APPROVAL_COLS
#undef STUB_PROVIDER_COLS
#undef STUB_WALLET_COLS

// Statements per pipeline sync: bounds what either side buffers unread.
constexpr std::size_t kPipelineChunk = 256;
// Rows of one insert-only table buffered before they are streamed to the
// server as one multi-row statement, ahead of Commit (see Buffer).
constexpr std::size_t kStreamRows = 128;

// The multi-row form of an insert-only write, if it has one. Insert-only
// rows never overwrite each other, so a transaction may send them grouped by
// table, after its other writes, in one statement per table.
std::optional<StmtId> ManyOf(StmtId single) {
  switch (single) {
    case kAppendEntry:
      return kAppendEntries;
    case kPutIdempotency:
      return kPutIdempotencies;
    case kInsertDenial:
      return kInsertDenials;
    case kAppendWindowLog:
      return kAppendWindowLogs;
    default:
      return std::nullopt;
  }
}

// --- parameters and results ---------------------------------------------------

// Parameters of one statement, owned (a buffered write outlives the call),
// in binary format: text as its bytes, int8 big-endian, bool one byte.
void PutI32(std::string& out, std::int32_t v) {
  const auto u = static_cast<std::uint32_t>(v);
  const char bytes[] = {static_cast<char>(u >> 24), static_cast<char>(u >> 16),
                        static_cast<char>(u >> 8), static_cast<char>(u)};
  out.append(bytes, sizeof bytes);
}

class Params {
 public:
  Params() = default;
  // Room for `count` parameters without reallocating.
  explicit Params(std::size_t count) { values_.reserve(count); }
  Params& Text(std::string_view v) {
    values_.emplace_back(std::string(v));
    return *this;
  }
  Params& Bytes(std::string v) {
    values_.emplace_back(std::move(v));
    return *this;
  }
  Params& Int(std::int64_t v) {
    std::string s;
    PutI64(s, v);
    values_.emplace_back(std::move(s));
    return *this;
  }
  Params& Bool(bool v) {
    values_.emplace_back(std::string(1, v ? '\1' : '\0'));
    return *this;
  }
  Params& Null() {
    values_.emplace_back(std::nullopt);
    return *this;
  }
  // A one-dimensional array of `element`-typed values in PostgreSQL's binary
  // array format (array_send): ndim, has-nulls flag, element type, then the
  // dimension's length and lower bound, then each value as length + bytes
  // (-1 for NULL).
  Params& Array(Oid element, std::size_t count,
                const std::function<const std::optional<std::string>&(std::size_t)>& at) {
    std::string out;
    bool nulls = false;
    std::size_t bytes = 20;
    for (std::size_t i = 0; i < count; ++i) {
      const auto& v = at(i);
      nulls = nulls || !v;
      bytes += 4 + (v ? v->size() : 0);
    }
    out.reserve(bytes);
    PutI32(out, 1);
    PutI32(out, nulls ? 1 : 0);
    PutI32(out, static_cast<std::int32_t>(element));
    PutI32(out, static_cast<std::int32_t>(count));
    PutI32(out, 1);
    for (std::size_t i = 0; i < count; ++i) {
      const auto& v = at(i);
      PutI32(out, v ? static_cast<std::int32_t>(v->size()) : -1);
      if (v) out.append(*v);
    }
    values_.emplace_back(std::move(out));
    return *this;
  }
  std::size_t size() const { return values_.size(); }
  const std::optional<std::string>& value(std::size_t i) const { return values_[i]; }

  // Pointer arrays for libpq; valid while this object is unchanged.
  struct View {
    std::vector<const char*> values;
    std::vector<int> lengths;
    std::vector<int> formats;
    int count() const { return static_cast<int>(values.size()); }
  };
  View Build() const {
    View v;
    for (const auto& p : values_) {
      v.values.push_back(p ? p->data() : nullptr);
      v.lengths.push_back(p ? static_cast<int>(p->size()) : 0);
      v.formats.push_back(1);
    }
    return v;
  }

 private:
  std::vector<std::optional<std::string>> values_;
};

// A PGresult, cleared on destruction.
struct ResultDeleter {
  void operator()(PGresult* r) const { PQclear(r); }
};
using PgResult = std::unique_ptr<PGresult, ResultDeleter>;

// A row of a binary-format result.
class Row {
 public:
  Row(const PGresult* r, int row) : r_(r), row_(row) {}
  bool IsNull(int col) const { return PQgetisnull(r_, row_, col) != 0; }
  std::string Text(int col) const {
    return std::string(PQgetvalue(r_, row_, col),
                       static_cast<std::size_t>(PQgetlength(r_, row_, col)));
  }
  std::int64_t Int(int col) const {
    if (PQgetlength(r_, row_, col) != 8) throw DecodeError("expected an int8");
    const auto* p = reinterpret_cast<const unsigned char*>(PQgetvalue(r_, row_, col));
    std::uint64_t u = 0;
    for (int i = 0; i < 8; ++i) u = (u << 8) | p[i];
    return static_cast<std::int64_t>(u);
  }
  bool Bool(int col) const {
    if (PQgetlength(r_, row_, col) != 1) throw DecodeError("expected a bool");
    return PQgetvalue(r_, row_, col)[0] != 0;
  }
  // bytea in binary result format: the raw bytes.
  std::string Bytes(int col) const { return Text(col); }

 private:
  const PGresult* r_;
  int row_;
};

// --- errors -----------------------------------------------------------------

// What a failed statement was doing, for the 23505 mapping.
// 23505 is a conflict (a lazily inserted row raced or exists: retry), except
// on the denial table, whose keys are random (a duplicate is a caller bug).
enum class OnDuplicate { kConflict, kAlreadyExists };

bool IsConnectionState(std::string_view state) {
  return state.starts_with("08") || state == "57P01" || state == "57P02" || state == "57P03" ||
         state == "53300";
}

Status MapError(PGconn* conn, const PGresult* res, std::string_view what,
                OnDuplicate on_duplicate) {
  const char* state_c = res != nullptr ? PQresultErrorField(res, PG_DIAG_SQLSTATE) : nullptr;
  const std::string_view state = state_c != nullptr ? state_c : "";
  std::string message = "postgres store: " + std::string(what) + ": ";
  const char* detail = res != nullptr ? PQresultErrorMessage(res) : "";
  if (detail == nullptr || *detail == '\0') detail = PQerrorMessage(conn);
  message += detail;
  while (!message.empty() && (message.back() == '\n' || message.back() == ' ')) {
    message.pop_back();
  }
  if (!state.empty()) message += " [SQLSTATE " + std::string(state) + "]";
  if (state == "40001" || state == "40P01" || state == "OC000" || state == "OC001") {
    return Conflict(std::move(message));
  }
  if (state == "23505") {
    if (on_duplicate == OnDuplicate::kAlreadyExists) return AlreadyExists(std::move(message));
    return Conflict(std::move(message));
  }
  if (state == "22021" || state == "22P05") return InvalidArgument(std::move(message));
  // 57014: statement_timeout (a stalled server) or a cancel: transient.
  if (PQstatus(conn) != CONNECTION_OK || IsConnectionState(state) || state.empty() ||
      state == "57014") {
    return Unavailable(std::move(message));
  }
  return Internal(std::move(message));
}

// --- connections ------------------------------------------------------------

bool PipelinesDurability(const PostgresStoreOptions& options) {
  return options.async_commit && !options.bare_begin;
}

class Connection {
 public:
  explicit Connection(PGconn* c) : conn_(c) {}
  ~Connection() { PQfinish(conn_); }
  Connection(const Connection&) = delete;
  Connection& operator=(const Connection&) = delete;

  static Result<std::unique_ptr<Connection>> Open(const std::string& conninfo,
                                                  const PostgresStoreOptions& options) {
    std::string password;
    // The time bounds first: settings in `conninfo` (processed after them)
    // override them.
    std::vector<const char*> keys;
    std::vector<const char*> values;
    const std::vector<std::pair<const char*, std::string>> bounds = ClientBounds(options);
    for (const auto& [key, value] : bounds) {
      keys.push_back(key);
      values.push_back(value.c_str());
    }
    keys.insert(keys.end(), {"dbname", "client_encoding"});
    values.insert(values.end(), {conninfo.c_str(), "UTF8"});
    if (options.password) {
      STUB_ASSIGN_OR_RETURN(password, options.password());
      keys.push_back("password");
      values.push_back(password.c_str());
    }
    keys.push_back(nullptr);
    values.push_back(nullptr);
    auto c = std::make_unique<Connection>(
        PQconnectdbParams(keys.data(), values.data(), /*expand_dbname=*/1));
    if (c->conn_ == nullptr) return Unavailable("postgres store: out of memory connecting");
    if (PQstatus(c->conn_) != CONNECTION_OK) {
      std::string msg = PQerrorMessage(c->conn_);
      while (!msg.empty() && msg.back() == '\n') msg.pop_back();
      return Unavailable("postgres store: connect: " + msg);
    }
    // Server NOTICEs (e.g. "already exists, skipping") are not errors.
    PQsetNoticeProcessor(
        c->conn_, [](void*, const char*) {}, nullptr);
    if (!options.bare_begin) {
      // One round trip for every session setting.
      std::string set;
      if (PipelinesDurability(options)) {
        // Commits return before the WAL flush; MakeDurable flushes it.
        set += "SET synchronous_commit = off; ";
      }
      // Every statement here is a key lookup or a key-range scan, which the
      // generic plan serves by the primary key. A custom plan for a new
      // org (not in the statistics yet, so estimated tiny) would instead
      // read all of the org's idempotency rows for each batch's
      // idem_key = ANY($2): quadratic as the org grows.
      set += "SET plan_cache_mode = force_generic_plan; ";
      set += SessionTimeouts(options);
      STUB_RETURN_IF_ERROR(c->Exec(set.c_str()));
    }
    return c;
  }

  // The libpq time bounds of PostgresStoreOptions, as (key, value).
  static std::vector<std::pair<const char*, std::string>> ClientBounds(
      const PostgresStoreOptions& o) {
    std::vector<std::pair<const char*, std::string>> out;
    if (o.connect_timeout.count() > 0) {
      out.emplace_back("connect_timeout", std::to_string(o.connect_timeout.count()));
    }
    if (o.keepalives_idle.count() > 0) {
      out.emplace_back("keepalives", "1");
      out.emplace_back("keepalives_idle", std::to_string(o.keepalives_idle.count()));
      if (o.keepalives_interval.count() > 0) {
        out.emplace_back("keepalives_interval", std::to_string(o.keepalives_interval.count()));
      }
      if (o.keepalives_count > 0) {
        out.emplace_back("keepalives_count", std::to_string(o.keepalives_count));
      }
    }
    if (o.tcp_user_timeout.count() > 0) {
      out.emplace_back("tcp_user_timeout", std::to_string(o.tcp_user_timeout.count()));
    }
    return out;
  }

  // The server time bounds of PostgresStoreOptions, as SET statements
  // (integers only: no text from outside goes into the SQL).
  static std::string SessionTimeouts(const PostgresStoreOptions& o) {
    return "SET statement_timeout = " +
           std::to_string(std::max<std::int64_t>(0, o.statement_timeout.count())) +
           "; SET idle_in_transaction_session_timeout = " +
           std::to_string(std::max<std::int64_t>(0, o.idle_in_transaction_timeout.count()));
  }

  PGconn* get() const { return conn_; }
  bool ok() const { return !broken_ && PQstatus(conn_) == CONNECTION_OK; }
  bool idle() const { return ok() && PQtransactionStatus(conn_) == PQTRANS_IDLE; }
  void MarkBroken() { broken_ = true; }
  bool reused = false;  // handed out before

  // Prepares every statement once (first use of this connection).
  Status Prepare() {
    if (prepared_) return Status::Ok();
    for (const StmtDef& s : Stmts()) {
      PgResult r(PQprepare(conn_, s.name, s.sql, static_cast<int>(s.types.size()),
                           s.types.empty() ? nullptr : s.types.data()));
      if (r == nullptr || PQresultStatus(r.get()) != PGRES_COMMAND_OK) {
        return MapError(conn_, r.get(), std::string("prepare ") + s.name, OnDuplicate::kConflict);
      }
    }
    prepared_ = true;
    return Status::Ok();
  }

  // Flushes the WAL up to every commit the server executed so far: a
  // transaction that writes WAL, committed with synchronous_commit on, flushes
  // the WAL up to its commit record. It must write WAL: PostgreSQL commits a
  // transaction that wrote none (one that only took an xid, as
  // pg_current_xact_id() does) asynchronously whatever synchronous_commit
  // says — no flush at all. A transactional logical message (any wal_level,
  // no privilege, no table) writes one record. OK only once the server
  // confirmed that COMMIT itself: PQexec of several statements is not
  // enough, as when the connection breaks after the SELECT's result arrived
  // it returns that result, and the COMMIT never ran.
  //
  // `deadline` (> 0) bounds the wait on this side too: a server that stalls
  // (a flush that never ends is not cancelled by statement_timeout; a
  // stopped server still acknowledges TCP) makes it kUnavailable, and the
  // connection unusable, after that long.
  Status FlushWal(std::chrono::milliseconds deadline) {
    if (PQsendQuery(conn_,
                    "BEGIN; SET LOCAL synchronous_commit = on; "
                    "SELECT pg_logical_emit_message(true, 'stub.flush', ''); COMMIT") != 1) {
      return MapError(conn_, nullptr, "WAL flush", OnDuplicate::kConflict);
    }
    if (deadline.count() > 0) {
      const auto until = std::chrono::steady_clock::now() + deadline;
      for (;;) {
        if (PQconsumeInput(conn_) != 1 || !PQisBusy(conn_)) break;  // an error: read it below
        const auto left = std::chrono::duration_cast<std::chrono::milliseconds>(
            until - std::chrono::steady_clock::now());
        pollfd fd{.fd = PQsocket(conn_), .events = POLLIN, .revents = 0};
        if (left.count() <= 0 || poll(&fd, 1, static_cast<int>(left.count())) == 0) {
          broken_ = true;
          return Unavailable("postgres store: WAL flush: no answer within " +
                             std::to_string(deadline.count()) + " ms");
        }
      }
    }
    Status first;
    bool committed = false;
    while (PgResult r{PQgetResult(conn_)}) {
      const ExecStatusType st = PQresultStatus(r.get());
      if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
        if (first.ok()) first = MapError(conn_, r.get(), "WAL flush", OnDuplicate::kConflict);
      } else if (st == PGRES_COMMAND_OK && std::strcmp(PQcmdStatus(r.get()), "COMMIT") == 0) {
        committed = true;
      }
    }
    if (!first.ok()) return first;
    if (!committed || PQstatus(conn_) != CONNECTION_OK) {
      return Unavailable("postgres store: WAL flush: the server did not confirm the COMMIT");
    }
    return Status::Ok();
  }

  // Runs fixed SQL text (no data in it) that returns nothing we need.
  Status Exec(const char* sql) {
    PgResult r(PQexec(conn_, sql));
    const ExecStatusType st = r ? PQresultStatus(r.get()) : PGRES_FATAL_ERROR;
    if (st != PGRES_COMMAND_OK && st != PGRES_TUPLES_OK) {
      return MapError(conn_, r.get(), sql, OnDuplicate::kConflict);
    }
    return Status::Ok();
  }

  // Runs a prepared read statement.
  Result<PgResult> Query(StmtId id, const Params& params) {
    const StmtDef& def = Stmts()[id];
    const Params::View v = params.Build();
    PgResult r(PQexecPrepared(conn_, def.name, v.count(), v.values.data(), v.lengths.data(),
                              v.formats.data(), /*resultFormat=*/1));
    if (r == nullptr || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
      return MapError(conn_, r.get(), def.name, OnDuplicate::kConflict);
    }
    return r;
  }

 private:
  PGconn* conn_;
  bool broken_ = false;
  bool prepared_ = false;
};

}  // namespace

// --- the store ----------------------------------------------------------------

class PostgresStore::Impl {
 public:
  Impl(std::string c, PostgresStoreOptions o) : conninfo(std::move(c)), options(std::move(o)) {}

  const std::string conninfo;
  const PostgresStoreOptions options;
  GroupSync group_sync;  // async_commit: commits noted, flushed by MakeDurable

  // PipelinesDurability: the connection MakeDurable flushes the WAL on, and
  // its birth (group_sync.Mark() right after it connected). Touched only
  // inside a GroupSync round (one at a time), and by Open.
  std::unique_ptr<Connection> sync_conn;
  std::uint64_t sync_birth = 0;

  // One GroupSync round: a synchronous commit of a transaction that wrote
  // WAL flushes the WAL up to its commit record, so every commit the server
  // executed before it (asynchronous ones included) is then on disk — if the
  // server is the one `sync_conn` has been connected to since its birth,
  // which a successful statement on it proves. Returns that birth. Any
  // failure drops the connection (it can no longer vouch for anything; the
  // next round opens a new one) and is kUnavailable: a server that cannot
  // flush its WAL panics and restarts, it does not poison this store.
  Result<std::uint64_t> Sync() {
    if (sync_conn == nullptr || !sync_conn->ok()) {
      sync_conn.reset();
      auto c = Connection::Open(conninfo, options);
      if (!c.ok()) return Unavailable(c.status().message());
      sync_conn = std::move(*c);
      sync_birth = group_sync.Mark();
    }
    Status status = sync_conn->FlushWal(options.statement_timeout);
    if (!status.ok()) {
      sync_conn.reset();
      return Unavailable("postgres store: WAL flush: " + status.message());
    }
    return sync_birth;
  }

  std::mutex mu;  // guards idle and open
  std::condition_variable freed;
  std::vector<std::unique_ptr<Connection>> idle;
  std::size_t open = 0;  // busy + idle

  // An idle connection, or a new one while fewer than max_connections are
  // open; otherwise waits up to pool_wait.
  Result<std::unique_ptr<Connection>> Take() {
    {
      std::unique_lock lock(mu);
      const std::size_t max = std::max<std::size_t>(options.max_connections, 1);
      if (!freed.wait_for(lock, options.pool_wait, [&] { return !idle.empty() || open < max; })) {
        return Unavailable("postgres store: no free connection within " +
                           std::to_string(options.pool_wait.count()) + " ms");
      }
      if (!idle.empty()) {
        auto c = std::move(idle.back());
        idle.pop_back();
        c->reused = true;
        return c;
      }
      ++open;
    }
    auto c = Connection::Open(conninfo, options);
    Status status = c.ok() ? (*c)->Prepare() : c.status();
    if (!status.ok()) {
      Drop();
      return status;
    }
    return c;
  }

  // Back to the pool if healthy and outside a transaction; closed otherwise.
  void Return(std::unique_ptr<Connection> c) {
    if (c == nullptr) return;
    if (!c->idle()) {
      c.reset();
      Drop();
      return;
    }
    {
      std::lock_guard lock(mu);
      idle.push_back(std::move(c));
    }
    freed.notify_one();
  }

  void Drop() {
    {
      std::lock_guard lock(mu);
      --open;
    }
    freed.notify_one();
  }
};

namespace {

// A buffered write: a prepared statement and its parameters.
struct PendingWrite {
  StmtId stmt;
  Params params;
  OnDuplicate on_duplicate;
};

// The writes as they go to the server: the upserts (org, nodes, holds) in
// the order they were made, then each insert-only table's rows as one
// multi-row statement (a single row keeps its one-row statement). The end
// state is the same: insert-only rows never overwrite anything, so a
// duplicate among them fails the transaction in any order.
std::vector<PendingWrite> Grouped(std::vector<PendingWrite> writes) {
  std::vector<PendingWrite> out;
  std::array<std::vector<PendingWrite*>, kStmtCount> by_stmt;
  for (PendingWrite& w : writes) {
    if (ManyOf(w.stmt)) {
      by_stmt[w.stmt].push_back(&w);
    } else {
      out.push_back(std::move(w));
    }
  }
  for (std::size_t stmt = 0; stmt < kStmtCount; ++stmt) {
    std::vector<PendingWrite*>& rows = by_stmt[stmt];
    if (rows.empty()) continue;
    if (rows.size() == 1) {
      out.push_back(std::move(*rows[0]));
      continue;
    }
    const auto single = static_cast<StmtId>(stmt);
    const StmtDef& def = Stmts()[single];
    Params arrays(def.types.size());
    for (std::size_t col = 0; col < def.types.size(); ++col) {
      arrays.Array(def.types[col], rows.size(),
                   [&](std::size_t i) -> const std::optional<std::string>& {
                     return rows[i]->params.value(col);
                   });
    }
    out.push_back({*ManyOf(single), std::move(arrays), rows[0]->on_duplicate});
  }
  return out;
}

class PostgresTransaction final : public Transaction {
 public:
  PostgresTransaction(PostgresStore::Impl* store, std::unique_ptr<Connection> conn, bool read_only)
      : store_(store), conn_(std::move(conn)), read_only_(read_only) {}
  ~PostgresTransaction() override { Rollback(); }
  PostgresTransaction(const PostgresTransaction&) = delete;
  PostgresTransaction& operator=(const PostgresTransaction&) = delete;

  // --- orgs ---

  Result<std::optional<OrgRow>> GetOrg(std::string_view org) override {
    Params p;
    p.Text(org);
    return One<OrgRow>(kGetOrg, p, "org", [&](const Row& r) { return ReadOrg(r, org); });
  }

  Status PutOrg(OrgRow row) override {
    Params p;
    p.Text(row.id)
        .Text(row.name)
        .Text(row.currency)
        .Int(row.created_at)
        .Int(ToI64(row.head_seq))
        .Text(row.head_hash)
        .Bool(row.kill_switch)
        .Int(row.next_hold_expiry)
        .Int(ToI64(row.key_epoch))
        .Int(row.head_at)
        .Int(row.max_spend);
    return Buffer(kPutOrg, std::move(p), OnDuplicate::kConflict);
  }

  Result<std::vector<std::string>> ListOrgs() override {
    return Collect<std::string>(kListOrgs, Params(), "org", [](const Row& r) { return r.Text(0); });
  }

  // --- nodes ---

  Result<std::optional<NodeRow>> GetNode(std::string_view org, std::string_view node) override {
    Params p;
    p.Text(org).Text(node);
    return One<NodeRow>(kGetNode, p, "node", ReadNode<Row>);
  }

  Result<std::vector<std::optional<NodeRow>>> GetNodes(
      std::string_view org, const std::vector<std::string_view>& ids) override {
    std::vector<std::optional<NodeRow>> out(ids.size());
    if (ids.empty()) return out;
    std::vector<std::optional<std::string>> values(ids.begin(), ids.end());
    Params p(2);
    p.Text(org).Array(
        kTextOid, values.size(),
        [&](std::size_t i) -> const std::optional<std::string>& { return values[i]; });
    STUB_ASSIGN_OR_RETURN(std::vector<NodeRow> rows,
                          Collect<NodeRow>(kGetNodes, p, "node", ReadNode<Row>));
    std::unordered_map<std::string_view, NodeRow*> by_id;
    by_id.reserve(rows.size());
    for (NodeRow& row : rows) by_id.emplace(row.node.id, &row);
    for (std::size_t i = 0; i < ids.size(); ++i) {
      auto it = by_id.find(ids[i]);
      if (it != by_id.end()) out[i] = *it->second;  // ids may repeat
    }
    return out;
  }

  Status PutNode(std::string_view org, NodeRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(std::string limits,
                          Encode("node limits", [&] { return EncodeLimits(row.node.limits); }));
    STUB_ASSIGN_OR_RETURN(std::string policy,
                          Encode("node policy", [&] { return EncodePolicy(*row.policy); }));
    Params p;
    p.Text(org)
        .Text(row.node.id)
        .Text(NodeKindName(row.node.kind))
        .Text(row.node.parent)
        .Text(row.node.name)
        .Bytes(std::move(limits))
        .Bool(row.node.frozen)
        .Text(row.node.frozen_reason)
        .Bytes(EncodeBalances(row.balances))
        .Int(ToI64(row.version));
    if (row.policy.empty()) {
      p.Null();
    } else {
      p.Bytes(std::move(policy));
    }
    if (row.window == WindowCounter{}) {
      p.Null();
    } else {
      p.Bytes(EncodeWindow(row.window));
    }
    return Buffer(kPutNode, std::move(p), OnDuplicate::kConflict);
  }

  Result<std::vector<NodeRow>> ListNodes(std::string_view org) override {
    Params p;
    p.Text(org);
    return Collect<NodeRow>(kListNodes, p, "node", ReadNode<Row>);
  }

  // --- journal ---

  Status AppendEntry(Entry entry) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    if (entry.seq > static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return OutOfRange("postgres store: entry seq beyond int64");
    }
    STUB_ASSIGN_OR_RETURN(std::string path,
                          Encode("entry path", [&] { return EncodeStrings(entry.path); }));
    STUB_ASSIGN_OR_RETURN(std::string lines,
                          Encode("entry lines", [&] { return EncodeLines(entry.lines); }));
    // Summed here, written at the next flush: one upsert per distinct key.
    if (Status s = rollup_.Add(entry); !s.ok()) return s;
    Params p(21);
    p.Bytes(std::move(entry.org))
        .Int(ToI64(entry.seq))
        .Text(EntryKindName(entry.kind))
        .Int(entry.created_at)
        .Int(entry.budget_at)
        .Bytes(std::move(entry.ref))
        .Bytes(std::move(entry.hold))
        .Bytes(std::move(entry.agent))
        .Bytes(std::move(path))
        .Bytes(std::move(entry.vendor))
        .Bytes(std::move(entry.category))
        .Bytes(std::move(entry.session))
        .Bytes(std::move(entry.user))
        .Bytes(std::move(entry.intent))
        .Int(entry.amount)
        .Int(entry.released)
        .Bytes(std::move(entry.receipt))
        .Bytes(std::move(entry.receipt_hash))
        .Bytes(std::move(lines))
        .Bytes(std::move(entry.prev_hash))
        .Bytes(std::move(entry.hash));
    return Buffer(kAppendEntry, std::move(p), OnDuplicate::kConflict);
  }

  Result<std::vector<SpendDailyRow>> ListSpendDaily(std::string_view org) override {
    Params p;
    p.Text(org);
    return Collect<SpendDailyRow>(kListSpendDaily, p, "spend rollup row", ReadSpendDaily<Row>);
  }

  Result<std::vector<Entry>> ListSpendEntriesBefore(std::string_view org, const KeysetRange& range,
                                                    std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<Entry>();
    if (!range.agent.empty()) return InvalidArgument("ListSpendEntriesBefore takes no agent");
    Params p;
    p.Text(org).Int(range.from).Int(range.before.created_at).Text(range.before.id);
    p.Int(SqlLimit(limit));
    return Collect<Entry>(kListSpendEntriesBefore, p, "journal entry", ReadEntry<Row>);
  }

  Result<std::vector<SpendKey>> ListSpendKeysBefore(std::string_view org, const KeysetRange& range,
                                                    std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<SpendKey>();
    if (!range.agent.empty()) return InvalidArgument("ListSpendKeysBefore takes no agent");
    Params p;
    p.Text(org).Int(range.from).Int(range.before.created_at).Text(range.before.id);
    p.Int(SqlLimit(limit));
    return Collect<SpendKey>(kListSpendKeysBefore, p, "spend key", ReadSpendKey<Row>);
  }

  Result<std::optional<Entry>> GetSpendEntry(std::string_view org,
                                             std::string_view spend_id) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    Params p;
    p.Text(org);
    const std::optional<Timestamp> at = TimeOrderedSpendIdStart(spend_id);
    if (at) p.Int(*at).Int(*at + 1000);
    p.Text(spend_id);
    return One<Entry>(at ? kGetTimedSpendEntry : kGetSpendEntry, p, "journal entry",
                      ReadEntry<Row>);
  }

  Result<std::vector<Entry>> ListEntries(std::string_view org, std::uint64_t after_seq,
                                         std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0 ||
        after_seq >= static_cast<std::uint64_t>(std::numeric_limits<std::int64_t>::max())) {
      return std::vector<Entry>();
    }
    Params p;
    p.Text(org).Int(ToI64(after_seq)).Int(SqlLimit(limit));
    return Collect<Entry>(kListEntries, p, "journal entry", ReadEntry<Row>);
  }

  // --- idempotency ---

  Result<std::optional<IdempotencyRecord>> GetIdempotency(std::string_view org,
                                                          std::string_view key) override {
    Params p;
    p.Text(org).Text(key);
    return One<IdempotencyRecord>(kGetIdempotency, p, "idempotency record", [&](const Row& r) {
      IdempotencyRecord rec;
      rec.org = std::string(org);
      rec.key = std::string(key);
      rec.fingerprint = r.Text(0);
      rec.outcome = DecodeOutcome(Parse(r.Text(1)));
      rec.created_at = r.Int(2);
      return rec;
    });
  }

  Result<std::vector<std::optional<IdempotencyRecord>>> GetIdempotencies(
      std::string_view org, const std::vector<std::string_view>& keys) override {
    std::vector<std::optional<IdempotencyRecord>> out(keys.size());
    if (keys.empty()) return out;
    std::vector<std::optional<std::string>> values(keys.begin(), keys.end());
    Params p;
    p.Text(org).Array(
        kTextOid, values.size(),
        [&](std::size_t i) -> const std::optional<std::string>& { return values[i]; });
    STUB_ASSIGN_OR_RETURN(PgResult r, Read(kGetIdempotencies, p));
    std::map<std::string, IdempotencyRecord, std::less<>> found;
    STUB_RETURN_IF_ERROR(Decode("idempotency record", [&] {
                           for (int i = 0, n = PQntuples(r.get()); i < n; ++i) {
                             const Row row(r.get(), i);
                             IdempotencyRecord rec;
                             rec.org = std::string(org);
                             rec.key = row.Text(0);
                             rec.fingerprint = row.Text(1);
                             rec.outcome = DecodeOutcome(Parse(row.Text(2)));
                             rec.created_at = row.Int(3);
                             std::string key = rec.key;
                             found.emplace(std::move(key), std::move(rec));
                           }
                           return true;
                         }).status());
    for (std::size_t i = 0; i < keys.size(); ++i) {
      auto it = found.find(keys[i]);
      if (it != found.end()) out[i] = it->second;
    }
    return out;
  }

  Status PutIdempotency(IdempotencyRecord record) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(std::string outcome, Encode("idempotency outcome", [&] {
                            return EncodeOutcome(record.outcome);
                          }));
    Params p(5);
    p.Bytes(std::move(record.org))
        .Bytes(std::move(record.key))
        .Bytes(std::move(record.fingerprint))
        .Bytes(std::move(outcome))
        .Int(record.created_at);
    return Buffer(kPutIdempotency, std::move(p), OnDuplicate::kConflict);
  }

  // --- holds ---

  Result<std::optional<Hold>> GetHold(std::string_view org, std::string_view id) override {
    Params p;
    p.Text(org).Text(id);
    return One<Hold>(kGetHold, p, "hold", ReadHold<Row>);
  }

  Status PutHold(Hold hold) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    STUB_ASSIGN_OR_RETURN(std::string path,
                          Encode("hold path", [&] { return EncodeStrings(hold.path); }));
    Params p;
    p.Bytes(std::move(hold.org))
        .Bytes(std::move(hold.id))
        .Bytes(std::move(hold.agent))
        .Bytes(std::move(path))
        .Bytes(std::move(hold.vendor))
        .Bytes(std::move(hold.category))
        .Bytes(std::move(hold.session))
        .Bytes(std::move(hold.user))
        .Bytes(std::move(hold.intent))
        .Int(hold.amount)
        .Int(hold.captured)
        .Int(hold.created_at)
        .Int(hold.expires_at)
        .Int(hold.resolved_at)
        .Text(HoldStatusName(hold.status))
        .Bytes(std::move(hold.spend_id))
        .Int(hold.capture_on_expiry ? 1 : 0);
    return Buffer(kPutHold, std::move(p), OnDuplicate::kConflict);
  }

  Result<std::vector<Hold>> ListDueHolds(std::string_view org, Timestamp by,
                                         std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<Hold>();
    Params p;
    p.Text(org).Int(by).Int(SqlLimit(limit));
    return Collect<Hold>(kListDueHolds, p, "hold", ReadHold<Row>);
  }

  Result<std::optional<Timestamp>> NextHoldExpiry(std::string_view org) override {
    Params p;
    p.Text(org);
    return One<Timestamp>(kNextHoldExpiry, p, "hold", [](const Row& r) { return r.Int(0); });
  }

  // --- denials ---

  Status InsertDenial(DenialRecord record) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    Params p;
    p.Bytes(std::move(record.org))
        .Int(record.created_at)
        .Bytes(std::move(record.id))
        .Bytes(std::move(record.request_kind))
        .Bytes(std::move(record.agent))
        .Int(record.amount)
        .Bytes(std::move(record.vendor))
        .Bytes(std::move(record.category))
        .Bytes(std::move(record.session))
        .Bytes(std::move(record.user))
        .Bytes(std::move(record.intent))
        .Bytes(std::move(record.idempotency_key))
        .Text(DenyReasonName(record.denial.reason))
        .Bytes(std::move(record.denial.node));
    if (record.denial.period) {
      p.Text(PeriodName(*record.denial.period));
    } else {
      p.Null();
    }
    p.Int(record.denial.limit).Int(record.denial.used).Bytes(std::move(record.denial.message));
    p.Int(record.denial.window_seconds).Text(record.denial.counts_spends ? "spends" : "money");
    return Buffer(kInsertDenial, std::move(p), OnDuplicate::kAlreadyExists);
  }

  Result<std::vector<DenialRecord>> ListDenialsBefore(std::string_view org,
                                                      const KeysetRange& range,
                                                      std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<DenialRecord>();
    Params p;
    p.Text(org).Int(range.from).Int(range.before.created_at).Text(range.before.id);
    p.Int(SqlLimit(limit));
    if (range.agent.empty()) {
      return Collect<DenialRecord>(kListDenialsBefore, p, "denial", ReadDenial<Row>);
    }
    p.Text(range.agent);
    return Collect<DenialRecord>(kListAgentDenialsBefore, p, "denial", ReadDenial<Row>);
  }

  Result<std::vector<DenialRecord>> ListDenialsAfter(std::string_view org, const ItemKey& after,
                                                     std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<DenialRecord>();
    Params p;
    p.Text(org).Int(after.created_at).Text(after.id).Int(SqlLimit(limit));
    return Collect<DenialRecord>(kListDenialsAfter, p, "denial", ReadDenial<Row>);
  }

  Result<std::optional<DenialRecord>> GetDenial(std::string_view org,
                                                std::string_view id) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    Params p;
    p.Text(org).Text(id);
    return One<DenialRecord>(kGetDenial, p, "denial", ReadDenial<Row>);
  }

  Result<std::vector<DenialRecord>> ListDenials(std::string_view org, std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<DenialRecord>();
    Params p;
    p.Text(org).Int(SqlLimit(limit));
    return Collect<DenialRecord>(kListDenials, p, "denial", ReadDenial<Row>);
  }

  // --- questions ---

  Result<PlanResult> RunQuery(std::string_view org, const QueryPlan& plan) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (Status s = Flush(/*commit=*/false); !s.ok()) return Fail(std::move(s));
    PGconn* c = conn_->get();
    // The time limit, for this statement only: the previous value is put back.
    std::string saved;
    {
      const std::string ms = std::to_string(plan.timeout_ms);
      const char* values[] = {ms.c_str()};
      PgResult r(PQexecParams(c,
                              "SELECT current_setting('statement_timeout'), "
                              "set_config('statement_timeout', $1, true)",
                              1, nullptr, values, nullptr, nullptr, 0));
      if (r == nullptr || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
        return Fail(MapError(c, r.get(), "RunQuery timeout", OnDuplicate::kConflict));
      }
      saved = PQgetvalue(r.get(), 0, 0);
    }
    const QuerySql sql = BuildQuerySql(org, plan, SqlDialect::kPostgres);
    Params p;
    std::vector<Oid> types;
    for (const SqlParam& v : sql.params) {
      if (v.is_int) {
        p.Int(v.int_value);
        types.push_back(kInt8Oid);
      } else {
        p.Text(v.text);
        types.push_back(kTextOid);
      }
    }
    const Params::View view = p.Build();
    PgResult r(PQexecParams(c, sql.text.c_str(), view.count(), types.data(), view.values.data(),
                            view.lengths.data(), view.formats.data(), /*resultFormat=*/1));
    if (r == nullptr || PQresultStatus(r.get()) != PGRES_TUPLES_OK) {
      const char* state = r ? PQresultErrorField(r.get(), PG_DIAG_SQLSTATE) : nullptr;
      const std::string_view st = state != nullptr ? state : "";
      if (st == "57014") {
        return Fail(ResourceExhausted(
            "postgres store: the query ran longer than " + std::to_string(plan.timeout_ms) + " ms",
            "query_timeout"));
      }
      if (st == "22003") {
        return Fail(OutOfRange("postgres store: a total overflows", "amount_overflow"));
      }
      return Fail(MapError(c, r.get(), "RunQuery", OnDuplicate::kConflict));
    }
    {
      const char* values[] = {saved.c_str()};
      PgResult back(PQexecParams(c, "SELECT set_config('statement_timeout', $1, true)", 1, nullptr,
                                 values, nullptr, nullptr, 0));
      if (back == nullptr || PQresultStatus(back.get()) != PGRES_TUPLES_OK) {
        return Fail(MapError(c, back.get(), "RunQuery timeout", OnDuplicate::kConflict));
      }
    }
    const int n = PQntuples(r.get());
    if (!plan.list && static_cast<std::size_t>(n) > plan.max_groups) {
      return ResourceExhausted("postgres store: more than " + std::to_string(plan.max_groups) +
                                   " groups; narrow the question",
                               "too_many_groups");
    }
    return Decode("query row", [&] {
      PlanResult out;
      for (int i = 0; i < n; ++i) {
        const Row row(r.get(), i);
        if (plan.list) {
          out.items.push_back(PlanItem{.id = row.Text(0),
                                       .seq = ToU64(row.Int(1)),
                                       .at = row.Int(2),
                                       .agent = row.Text(3),
                                       .vendor = row.Text(4),
                                       .category = row.Text(5),
                                       .user = row.Text(6),
                                       .session = row.Text(7),
                                       .intent = row.Text(8),
                                       .reason = row.Text(9),
                                       .amount = row.Int(10)});
        } else {
          out.groups.push_back(PlanGroup{.key = row.Text(0),
                                         .day = row.Int(1),
                                         .total = JoinTotal(row.Int(2), row.Int(3)),
                                         .count = row.Int(4),
                                         .max = row.Int(5)});
        }
      }
      return out;
    });
  }

  // --- API keys ---

  Status InsertKey(ApiKeyRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    Params p;
    p.Bytes(std::move(row.id))
        .Bytes(std::move(row.org))
        .Bytes(std::move(row.hash))
        .Text(KeyRoleName(row.role))
        .Bytes(std::move(row.agent))
        .Bytes(std::move(row.name))
        .Int(row.created_at)
        .Int(row.revoked_at);
    return Buffer(kInsertKey, std::move(p), OnDuplicate::kAlreadyExists);
  }

  Result<std::optional<ApiKeyRow>> GetKeyByHash(std::string_view hash) override {
    Params p;
    p.Text(hash);
    return One<ApiKeyRow>(kGetKeyByHash, p, "key", ReadApiKey<Row>);
  }

  Result<std::vector<ApiKeyRow>> ListKeys(std::string_view org) override {
    Params p;
    p.Text(org);
    return Collect<ApiKeyRow>(kListKeys, p, "key", ReadApiKey<Row>);
  }

  Status RevokeKey(std::string_view org, std::string_view id, Timestamp at) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    Params p;
    p.Text(org).Text(id).Int(at);
    STUB_ASSIGN_OR_RETURN(PgResult r, Read(kRevokeKey, p));
    if (PQntuples(r.get()) == 0) {
      return NotFound("postgres store: no key " + std::string(id), "not_found");
    }
    return Status::Ok();
  }

  // --- LLM providers ---

  Status PutProvider(ProviderRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    Params p;
    provider_table::BindProvider(p, row);
    return Buffer(kPutProvider, std::move(p), OnDuplicate::kConflict);
  }

  Result<std::optional<ProviderRow>> GetProvider(std::string_view org,
                                                 std::string_view name) override {
    Params p;
    p.Text(org).Text(name);
    return One<ProviderRow>(kGetProvider, p, "provider", provider_table::ReadProvider<Row>);
  }

  Result<std::vector<ProviderRow>> ListProviders(std::string_view org) override {
    Params p;
    p.Text(org);
    return Collect<ProviderRow>(kListProviders, p, "provider", provider_table::ReadProvider<Row>);
  }

  // --- x402 wallets ---

  Status PutWallet(WalletRow row) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    Params p;
    wallet_table::BindWallet(p, row);
    return Buffer(kPutWallet, std::move(p), OnDuplicate::kConflict);
  }

  Result<std::optional<WalletRow>> GetWallet(std::string_view org, std::string_view id) override {
    Params p;
    p.Text(org).Text(id);
    return One<WalletRow>(kGetWallet, p, "wallet", wallet_table::ReadWallet<Row>);
  }

  Result<std::vector<WalletRow>> ListWallets(std::string_view org) override {
    Params p;
    p.Text(org);
    return Collect<WalletRow>(kListWallets, p, "wallet", wallet_table::ReadWallet<Row>);
  }

  // --- dashboard sessions ---

  Status InsertSession(SessionRow row) override {
    Params p;
    p.Bytes(std::move(row.token_hash))
        .Bytes(std::move(row.key_id))
        .Bytes(std::move(row.key_hash))
        .Bytes(std::move(row.org))
        .Bytes(std::move(row.csrf_token))
        .Int(row.created_at)
        .Int(row.expires_at);
    return Buffer(kInsertSession, std::move(p), OnDuplicate::kAlreadyExists);
  }

  Result<std::optional<SessionRow>> GetSession(std::string_view token_hash) override {
    Params p;
    p.Text(token_hash);
    return One<SessionRow>(kGetSession, p, "session", ReadSession<Row>);
  }

  Status DeleteSession(std::string_view token_hash) override {
    Params p;
    p.Text(token_hash);
    return Buffer(kDeleteSession, std::move(p), OnDuplicate::kConflict);
  }

  Result<std::size_t> DeleteExpiredSessions(Timestamp now, std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckWritable());
    Params p;
    p.Int(now).Int(static_cast<std::int64_t>(limit));
    STUB_ASSIGN_OR_RETURN(PgResult r, Read(kDeleteExpiredSessions, p));
    return static_cast<std::size_t>(PQntuples(r.get()));
  }

  // --- approvals ---

  Status PutApproval(ApprovalRow a) override {
    Params p;
    p.Bytes(std::move(a.org))
        .Bytes(std::move(a.id))
        .Bytes(std::move(a.agent))
        .Int(a.amount)
        .Bytes(std::move(a.vendor))
        .Bytes(std::move(a.category))
        .Bytes(std::move(a.session))
        .Bytes(std::move(a.user))
        .Bytes(std::move(a.intent))
        .Bytes(std::move(a.node))
        .Int(a.over)
        .Text(ApprovalStatusName(a.status))
        .Int(a.created_at)
        .Int(a.expires_at)
        .Int(a.decided_at)
        .Bytes(std::move(a.decided_by))
        .Bytes(std::move(a.spend_id))
        .Bytes(std::move(a.note));
    return Buffer(kPutApproval, std::move(p), OnDuplicate::kConflict);
  }

  Result<std::optional<ApprovalRow>> GetApproval(std::string_view org,
                                                 std::string_view id) override {
    Params p;
    p.Text(org).Text(id);
    return One<ApprovalRow>(kGetApproval, p, "approval", ReadApproval<Row>);
  }

  Result<std::vector<ApprovalRow>> ListApprovalsAfter(std::string_view org,
                                                      std::optional<ApprovalStatus> status,
                                                      const ItemKey& after,
                                                      std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<ApprovalRow>();
    Params p;
    p.Text(org).Int(after.created_at).Text(after.id).Int(SqlLimit(limit));
    if (status) p.Text(ApprovalStatusName(*status));
    return Collect<ApprovalRow>(status ? kListApprovalsAfterByStatus : kListApprovalsAfter, p,
                                "approval", ReadApproval<Row>);
  }

  Result<std::vector<ApprovalRow>> ListApprovals(std::string_view org,
                                                 std::optional<ApprovalStatus> status,
                                                 std::size_t limit) override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (limit == 0) return std::vector<ApprovalRow>();
    Params p;
    p.Text(org).Int(SqlLimit(limit));
    if (status) p.Text(ApprovalStatusName(*status));
    return Collect<ApprovalRow>(status ? kListApprovalsByStatus : kListApprovals, p, "approval",
                                ReadApproval<Row>);
  }

  // --- rolling-window log ---

  Status AppendWindowLog(WindowLogRow row) override {
    Params p;
    p.Bytes(std::move(row.org))
        .Bytes(std::move(row.node))
        .Int(row.at)
        .Int(row.seq)
        .Int(row.total)
        .Int(row.amount);
    return Buffer(kAppendWindowLog, std::move(p), OnDuplicate::kConflict);
  }

  Result<std::optional<WindowLogRow>> FirstWindowLogAfter(std::string_view org,
                                                          std::string_view node,
                                                          Timestamp after) override {
    Params p;
    p.Text(org).Text(node).Int(after);
    return One<WindowLogRow>(kFirstWindowLogAfter, p, "window log row", [&](const Row& r) {
      return WindowLogRow{std::string(org), std::string(node), r.Int(0),
                          r.Int(1),         r.Int(2),          r.Int(3)};
    });
  }

  // --- end ---

  Status Commit() override {
    STUB_RETURN_IF_ERROR(CheckOpen());
    Status status;
    // Pipelined durability: the ticket is taken before the COMMIT goes out
    // (see group_sync.h), the commit noted for MakeDurable once it returned.
    const bool note = !read_only_ && PipelinesDurability(store_->options);
    const std::uint64_t ticket = note ? store_->group_sync.Ticket() : 0;
    if (read_only_) {
      status = conn_->Exec("COMMIT");
    } else {
      status = Flush(/*commit=*/true);
    }
    if (!status.ok()) return Fail(std::move(status));
    finished_ = true;
    store_->Return(std::move(conn_));
    if (note) store_->group_sync.NoteCommit(ticket);
    return Status::Ok();
  }

  void Rollback() override {
    if (finished_) return;
    finished_ = true;
    pending_.clear();
    if (conn_ != nullptr && conn_->ok() && pipeline_) {
      // Read the streamed statements' results and leave pipeline mode.
      Status ignored;
      if (!Sync(in_flight_, ignored).ok() || PQexitPipelineMode(conn_->get()) != 1) {
        conn_->MarkBroken();
      }
      in_flight_.clear();
      pipeline_ = false;
    }
    if (conn_ != nullptr && conn_->ok()) {
      if (!conn_->Exec("ROLLBACK").ok()) conn_->MarkBroken();
    }
    store_->Return(std::move(conn_));
  }

 private:
  Status CheckOpen() const {
    if (finished_) {
      return FailedPrecondition("postgres store: the transaction is already finished",
                                "transaction_finished");
    }
    return Status::Ok();
  }

  Status CheckWritable() const {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (read_only_) {
      return FailedPrecondition("postgres store: write in a read-only transaction",
                                "read_only_transaction");
    }
    return Status::Ok();
  }

  // Buffers a write. Once kStreamRows rows of one insert-only table are
  // buffered, they are sent at once as one multi-row statement in pipeline
  // mode, without waiting for its result: the server inserts them while the
  // caller computes the rest of the transaction (a batch of spends), instead
  // of everything waiting for Commit. Their results are read at the next
  // sync (a read, Commit or Rollback), where the first error wins — so an
  // insert's duplicate key is reported there, as a conflict like any other.
  Status Buffer(StmtId stmt, Params params, OnDuplicate on_duplicate) {
    STUB_RETURN_IF_ERROR(CheckWritable());
    pending_.push_back({stmt, std::move(params), on_duplicate});
    if (ManyOf(stmt) && ++pending_rows_[stmt] >= kStreamRows) {
      if (Status s = Stream(stmt); !s.ok()) return Fail(std::move(s));
    }
    return Status::Ok();
  }

  // A statement sent in pipeline mode whose result is not read yet; a null
  // name is the COMMIT.
  struct Sent {
    const char* name = nullptr;
    OnDuplicate on_duplicate = OnDuplicate::kConflict;
  };

  Status EnterPipeline() {
    if (pipeline_) return Status::Ok();
    PGconn* c = conn_->get();
    if (PQenterPipelineMode(c) != 1) {
      return MapError(c, nullptr, "enter pipeline mode", OnDuplicate::kConflict);
    }
    pipeline_ = true;
    return Status::Ok();
  }

  // Sends one buffered write in pipeline mode.
  Status Send(const PendingWrite& w) {
    const Params::View v = w.params.Build();
    if (PQsendQueryPrepared(conn_->get(), Stmts()[w.stmt].name, v.count(), v.values.data(),
                            v.lengths.data(), v.formats.data(), 1) != 1) {
      conn_->MarkBroken();
      return MapError(conn_->get(), nullptr, "send", OnDuplicate::kConflict);
    }
    return Status::Ok();
  }

  // Sends the buffered rows of insert-only `stmt` as one statement now.
  Status Stream(StmtId stmt) {
    std::vector<PendingWrite> rows;
    rows.reserve(pending_rows_[stmt]);
    std::vector<PendingWrite> rest;
    rest.reserve(pending_.size() - pending_rows_[stmt]);
    for (PendingWrite& w : pending_) (w.stmt == stmt ? rows : rest).push_back(std::move(w));
    pending_ = std::move(rest);
    pending_rows_[stmt] = 0;
    std::vector<PendingWrite> grouped = Grouped(std::move(rows));
    STUB_RETURN_IF_ERROR(EnterPipeline());
    for (const PendingWrite& w : grouped) {
      STUB_RETURN_IF_ERROR(Send(w));
      in_flight_.push_back({Stmts()[w.stmt].name, w.on_duplicate});
    }
    if (PQflush(conn_->get()) != 0) {
      conn_->MarkBroken();
      return MapError(conn_->get(), nullptr, "flush", OnDuplicate::kConflict);
    }
    // Bound what either side holds unread.
    if (in_flight_.size() >= kPipelineChunk) return Flush(/*commit=*/false);
    return Status::Ok();
  }

  // Buffers the rollup deltas summed since the last flush as one multi-row
  // upsert (one row per distinct key), so the next flush writes them: before
  // a read (the transaction sees its own spends) and at Commit.
  void BufferRollup() {
    if (rollup_.empty()) return;
    std::vector<SpendDailyRow> rows = rollup_.Take();
    std::array<std::vector<std::optional<std::string>>, 8> cols;
    auto i64 = [](std::int64_t v) {
      std::string out;
      PutI64(out, v);
      return std::optional<std::string>(std::move(out));
    };
    for (SpendDailyRow& r : rows) {
      cols[0].emplace_back(std::move(r.org));
      cols[1].push_back(i64(r.day));
      cols[2].emplace_back(std::move(r.agent));
      cols[3].emplace_back(std::move(r.vendor));
      cols[4].emplace_back(std::move(r.category));
      cols[5].push_back(i64(r.total));
      cols[6].push_back(i64(r.count));
      cols[7].push_back(i64(r.max));
    }
    constexpr std::array<Oid, 8> kElement = {kTextOid, kInt8Oid, kTextOid, kTextOid,
                                             kTextOid, kInt8Oid, kInt8Oid, kInt8Oid};
    Params p;
    for (std::size_t col = 0; col < cols.size(); ++col) {
      p.Array(kElement[col], rows.size(),
              [&](std::size_t i) -> const std::optional<std::string>& { return cols[col][i]; });
    }
    pending_.push_back({kUpsertSpendDaily, std::move(p), OnDuplicate::kConflict});
  }

  // Ends the transaction after an error: rolls back, hands back the
  // connection, and returns `status`.
  Status Fail(Status status) {
    Rollback();
    return status;
  }

  // Sends the buffered writes (and COMMIT if `commit`) in pipelines of at
  // most kPipelineChunk statements each, reads the results of those and of
  // every streamed statement, and leaves pipeline mode; the first error wins.
  Status Flush(bool commit) {
    BufferRollup();
    if (pending_.empty() && in_flight_.empty() && !commit) return Status::Ok();
    PGconn* c = conn_->get();
    STUB_RETURN_IF_ERROR(EnterPipeline());
    std::vector<PendingWrite> writes = Grouped(std::move(pending_));
    pending_.clear();
    pending_rows_.fill(0);
    std::vector<Sent> sent = std::move(in_flight_);
    in_flight_.clear();
    Status first;
    std::size_t at = 0;
    bool commit_sent = false;
    bool synced = false;  // nothing sent since the last sync
    while (first.ok() && (!synced || at < writes.size() || (commit && !commit_sent))) {
      const std::size_t end = std::min(writes.size(), at + kPipelineChunk);
      for (; at < end; ++at) {
        STUB_RETURN_IF_ERROR(Send(writes[at]));
        sent.push_back({Stmts()[writes[at].stmt].name, writes[at].on_duplicate});
      }
      if (commit && at == writes.size()) {
        if (PQsendQueryParams(c, "COMMIT", 0, nullptr, nullptr, nullptr, nullptr, 1) != 1) {
          conn_->MarkBroken();
          return MapError(c, nullptr, "send COMMIT", OnDuplicate::kConflict);
        }
        commit_sent = true;
        sent.push_back({});
      }
      STUB_RETURN_IF_ERROR(Sync(sent, first));
      sent.clear();
      synced = true;
    }
    pipeline_ = false;
    if (PQexitPipelineMode(c) != 1) conn_->MarkBroken();
    if (first.ok() && !conn_->ok()) {
      return MapError(c, nullptr, "pipeline", OnDuplicate::kConflict);
    }
    return first;
  }

  // Ends the pipeline's current segment and reads the results of `sent`, in
  // order, recording the first failure in `first`. A non-OK return means the
  // connection is unusable (marked broken).
  Status Sync(const std::vector<Sent>& sent, Status& first) {
    PGconn* c = conn_->get();
    if (PQpipelineSync(c) != 1) {
      conn_->MarkBroken();
      return MapError(c, nullptr, "pipeline sync", OnDuplicate::kConflict);
    }
    for (const Sent& w : sent) {
      PgResult r(PQgetResult(c));
      if (r == nullptr) {
        conn_->MarkBroken();
        return MapError(c, nullptr, "pipeline result", OnDuplicate::kConflict);
      }
      const ExecStatusType st = PQresultStatus(r.get());
      if (st != PGRES_COMMAND_OK && st != PGRES_PIPELINE_ABORTED && first.ok()) {
        first = MapError(c, r.get(), w.name != nullptr ? w.name : "COMMIT", w.on_duplicate);
      }
      // Each statement's results end with a null.
      while (PgResult extra{PQgetResult(c)}) {
      }
    }
    PgResult sync(PQgetResult(c));
    if (sync == nullptr || PQresultStatus(sync.get()) != PGRES_PIPELINE_SYNC) {
      conn_->MarkBroken();
      return first.ok() ? MapError(c, sync.get(), "pipeline sync", OnDuplicate::kConflict) : first;
    }
    return Status::Ok();
  }

  // Runs a read (after flushing buffered writes); an error ends the txn.
  Result<PgResult> Read(StmtId id, const Params& params) {
    STUB_RETURN_IF_ERROR(CheckOpen());
    if (Status s = Flush(/*commit=*/false); !s.ok()) return Fail(std::move(s));
    auto r = conn_->Query(id, params);
    if (!r.ok()) return Fail(r.status());
    return r;
  }

  template <typename T, typename F>
  Result<std::optional<T>> One(StmtId id, const Params& params, std::string_view row, F&& read) {
    STUB_ASSIGN_OR_RETURN(PgResult r, Read(id, params));
    if (PQntuples(r.get()) == 0) return std::optional<T>();
    return Decode(row, [&] { return std::optional<T>(read(Row(r.get(), 0))); });
  }

  template <typename T, typename F>
  Result<std::vector<T>> Collect(StmtId id, const Params& params, std::string_view row, F&& read) {
    STUB_ASSIGN_OR_RETURN(PgResult r, Read(id, params));
    return Decode(row, [&] {
      std::vector<T> out;
      const int n = PQntuples(r.get());
      out.reserve(static_cast<std::size_t>(n));
      for (int i = 0; i < n; ++i) out.push_back(read(Row(r.get(), i)));
      return out;
    });
  }

  PostgresStore::Impl* const store_;
  std::unique_ptr<Connection> conn_;  // null once finished
  const bool read_only_;
  bool finished_ = false;
  std::vector<PendingWrite> pending_;
  std::array<std::size_t, kStmtCount> pending_rows_{};  // insert-only rows in pending_
  std::vector<Sent> in_flight_;                         // streamed, results unread
  bool pipeline_ = false;                               // the connection is in pipeline mode
  SpendDailyAccumulator rollup_;                        // spends since the last flush
};

std::int64_t NowMicros() {
  return std::chrono::duration_cast<std::chrono::microseconds>(
             std::chrono::system_clock::now().time_since_epoch())
      .count();
}

// Applies the missing migrations on `c` (see the header).
Status Migrate(Connection& c, const PostgresStoreOptions& options) {
  const int latest = Migrations().back().version;
  STUB_RETURN_IF_ERROR(c.Exec(kCreateMigrationsTable));
  PgResult r(PQexecParams(c.get(), "SELECT coalesce(max(version), 0) FROM schema_migrations", 0,
                          nullptr, nullptr, nullptr, nullptr, 1));
  if (r == nullptr || PQresultStatus(r.get()) != PGRES_TUPLES_OK || PQntuples(r.get()) != 1) {
    return MapError(c.get(), r.get(), "read schema version", OnDuplicate::kConflict);
  }
  STUB_ASSIGN_OR_RETURN(const std::int64_t current,
                        Decode("schema version", [&] { return Row(r.get(), 0).Int(0); }));
  if (current > latest) {
    return FailedPrecondition("postgres store: the database has schema version " +
                                  std::to_string(current) + ", newer than this binary's " +
                                  std::to_string(latest),
                              "schema_too_new");
  }
  for (const Migration& m : Migrations()) {
    if (m.version <= current) continue;
    for (const MigrationStmt& s : m.stmts) {
      STUB_RETURN_IF_ERROR(c.Exec(options.bare_begin && s.dsql != nullptr ? s.dsql : s.sql));
    }
    Params p;
    p.Int(m.version).Text(m.name).Int(NowMicros());
    const Params::View v = p.Build();
    const Oid types[] = {kInt8Oid, kTextOid, kInt8Oid};
    PgResult ins(PQexecParams(c.get(),
                              "INSERT INTO schema_migrations (version, name, applied_at) "
                              "VALUES ($1, $2, $3) ON CONFLICT (version) DO NOTHING",
                              3, types, v.values.data(), v.lengths.data(), v.formats.data(), 1));
    if (ins == nullptr || PQresultStatus(ins.get()) != PGRES_COMMAND_OK) {
      return MapError(c.get(), ins.get(), "record migration", OnDuplicate::kConflict);
    }
  }
  return Status::Ok();
}

}  // namespace

int PostgresStore::SchemaVersion() { return Migrations().back().version; }

Result<std::unique_ptr<PostgresStore>> PostgresStore::Open(std::string conninfo, Options options) {
  auto impl = std::make_unique<Impl>(std::move(conninfo), std::move(options));
  STUB_ASSIGN_OR_RETURN(std::unique_ptr<Connection> c,
                        Connection::Open(impl->conninfo, impl->options));
  const bool lock = !impl->options.bare_begin;
  // Migrations (and waiting for another process's) may take longer than a
  // statement's usual bound. They commit synchronously: nobody waits for a
  // MakeDurable after them, and a server crash must not lose half a schema.
  if (lock) {
    STUB_RETURN_IF_ERROR(c->Exec("SET statement_timeout = 0; SET synchronous_commit = on"));
    STUB_RETURN_IF_ERROR(c->Exec(kMigrationLock));
  }
  Status status = Migrate(*c, impl->options);
  if (lock && c->ok()) {
    Status unlocked = c->Exec(kMigrationUnlock);
    if (status.ok()) status = unlocked;
  }
  STUB_RETURN_IF_ERROR(status);
  if (lock) {
    std::string restore = Connection::SessionTimeouts(impl->options);
    if (PipelinesDurability(impl->options)) restore += "; SET synchronous_commit = off";
    STUB_RETURN_IF_ERROR(c->Exec(restore.c_str()));
  }
  if (PipelinesDurability(impl->options)) {
    // The sync connection, born before any commit (birth 0).
    impl->sync_birth = impl->group_sync.Mark();
    impl->sync_conn = std::move(c);
  } else {
    STUB_RETURN_IF_ERROR(c->Prepare());
    {
      std::lock_guard guard(impl->mu);
      ++impl->open;
    }
    impl->Return(std::move(c));
  }
  return std::unique_ptr<PostgresStore>(new PostgresStore(std::move(impl)));
}

PostgresStore::PostgresStore(std::unique_ptr<Impl> impl) : impl_(std::move(impl)) {}

PostgresStore::~PostgresStore() = default;

bool PostgresStore::CommitIsDurable() const { return !PipelinesDurability(impl_->options); }

std::uint64_t PostgresStore::DurabilityMark() const { return impl_->group_sync.Mark(); }

Status PostgresStore::MakeDurable(std::uint64_t mark) {
  if (CommitIsDurable()) return Status::Ok();
  Impl& s = *impl_;
  return s.group_sync.Wait(mark, [&s] { return s.Sync(); });
}

Result<std::unique_ptr<Transaction>> PostgresStore::Begin(const TxnOptions& options) {
  Impl& s = *impl_;
  // `SELECT 1` takes the snapshot now (PostgreSQL takes it at the first
  // query, not at BEGIN); one round trip for both.
  const char* begin =
      options.read_only
          ? (s.options.bare_begin ? "BEGIN READ ONLY; SELECT 1"
                                  : "BEGIN ISOLATION LEVEL REPEATABLE READ READ ONLY; SELECT 1")
          : (s.options.bare_begin ? "BEGIN; SELECT 1"
                                  : "BEGIN ISOLATION LEVEL REPEATABLE READ; SELECT 1");
  // A pooled connection the server has closed meanwhile fails here: it is
  // dropped and the next one (at last a new one) is tried.
  for (std::size_t attempt = 0;; ++attempt) {
    STUB_ASSIGN_OR_RETURN(std::unique_ptr<Connection> c, s.Take());
    Status status = c->Exec(begin);
    if (status.ok()) {
      return std::unique_ptr<Transaction>(
          std::make_unique<PostgresTransaction>(&s, std::move(c), options.read_only));
    }
    const bool stale = c->reused && !c->ok();
    if (c->ok() && PQtransactionStatus(c->get()) != PQTRANS_IDLE) (void)c->Exec("ROLLBACK");
    s.Return(std::move(c));
    if (!stale || attempt > s.options.max_connections) return status;
  }
}

}  // namespace stub
