// Row encoding shared by the SQL stores (SQLite, PostgreSQL): how the nested
// fields of a row become column values and back.
//
//   limits   [[amount, "period"], …]           compact JSON text
//   lines    [["account", amount], …]          compact JSON text
//   path     ["node", …]                       compact JSON text
//   outcome  [2, "status", "id", amount, …]     compact JSON text (see EncodeOutcome)
//   balances kPeriodCount × (start, spent, held), each int64 big-endian:
//            a fixed kBalancesBytes-byte blob (the hot path of every spend)
//
// int64 amounts are exact JSON integers; enums are written as their names.
// Encoders throw DecodeError for a string that is not valid UTF-8 (never
// altering it); decoders throw DecodeError (or an nlohmann exception) for a
// value that does not parse. Callers turn exceptions into Status with Encode
// and Decode below, so none escapes a store.
#pragma once

#include <cstddef>
#include <cstdint>
#include <exception>
#include <limits>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/api_key.h"
#include "core/approval.h"
#include "core/budget.h"
#include "core/denial_record.h"
#include "core/hold.h"
#include "core/journal.h"
#include "core/org.h"
#include "core/outcome.h"
#include "core/session.h"
#include "core/spend_daily.h"
#include "core/status.h"
#include "store/store.h"

namespace stub::row_codec {

using Json = nlohmann::json;

// Thrown by the encoders and decoders for a value that does not fit.
struct DecodeError : std::exception {
  explicit DecodeError(const char* w) : what_(w) {}
  const char* what() const noexcept override { return what_; }
  const char* what_;
};

// uint64 fields (seq, head_seq, version) are stored bit-cast into int64.
inline std::int64_t ToI64(std::uint64_t v) { return static_cast<std::int64_t>(v); }
inline std::uint64_t ToU64(std::int64_t v) { return static_cast<std::uint64_t>(v); }

// Parses JSON text; throws DecodeError if it is not JSON.
Json Parse(const std::string& text);

// The enum value named `name`, by the core's Parse* function; throws
// DecodeError for an unknown name.
template <typename T, typename P>
T ParseName(const std::string& name, P parse) {
  std::optional<T> v = parse(name);
  if (!v) throw DecodeError("unknown enum name");
  return *v;
}

std::string EncodeStrings(const std::vector<std::string>& v);
std::vector<std::string> DecodeStrings(const Json& j);

std::string EncodeLimits(const std::vector<Limit>& limits);
std::vector<Limit> DecodeLimits(const Json& j);

std::string EncodeLines(const std::vector<Line>& lines);
std::vector<Line> DecodeLines(const Json& j);

inline constexpr std::size_t kBalancesBytes = kPeriodCount * 3 * 8;
// Appends v as 8 bytes, big-endian.
void PutI64(std::string& out, std::int64_t v);
// The 8 big-endian bytes of `in` at `at` (the caller checks the size).
std::int64_t GetI64(const std::string& in, std::size_t at);
std::string EncodeBalances(const NodeBalances& b);
NodeBalances DecodeBalances(const std::string& in);

// policy: the JSON of core/policy_json.h, or "" for no policy (the common
// case costs nothing to read back).
std::string EncodePolicy(const Policy& p);
Policy DecodePolicy(const std::string& text);

// window: the node's WindowCounter as 3 × int64 big-endian (amount, count,
// last_at); an empty string is all zero.
inline constexpr std::size_t kWindowBytes = 3 * 8;
std::string EncodeWindow(const WindowCounter& w);
WindowCounter DecodeWindow(const std::string& in);

// outcome (an idempotency record's answer, replayed byte for byte): JSON,
// version 2 positional —
//   [2, status, id, amount, entry_seq, entry_hash, effective_remaining|null,
//    expires_at, [binding node, period]|null, denial object|null]
// DecodeOutcome also reads version 1, the object with those names as keys
// (rows written before version 2 stay as they are).
std::string EncodeOutcome(const Outcome& o);
Outcome DecodeOutcome(const Json& j);

// Runs a decoder; a thrown error becomes kInternal "<store>: a stored <what>
// does not decode: …".
template <typename F>
auto Decode(std::string_view store, std::string_view what, F&& f) -> Result<decltype(f())> {
  try {
    return f();
  } catch (const std::exception& e) {
    return Internal(std::string(store) + ": a stored " + std::string(what) +
                    " does not decode: " + e.what());
  }
}

// Runs an encoder; a thrown error (a string that is not valid UTF-8) becomes
// kInvalidArgument.
template <typename F>
Result<std::string> Encode(std::string_view store, std::string_view what, F&& f) {
  try {
    return f();
  } catch (const std::exception& e) {
    return InvalidArgument(std::string(store) + ": cannot encode " + std::string(what) + ": " +
                           e.what());
  }
}

// SQL LIMIT takes an int64; a larger size_t means "no limit".
inline std::int64_t SqlLimit(std::size_t limit) {
  constexpr auto kMax = static_cast<std::size_t>(std::numeric_limits<std::int64_t>::max());
  return static_cast<std::int64_t>(limit > kMax ? kMax : limit);
}

// --- row readers ----------------------------------------------------------------
//
// One reader per row kind, shared by the SQL stores: both select the columns
// in the order below. `Row` is a store's view of one result row providing
// Text(col), Int(col), Bool(col), IsNull(col) and Bytes(col) (the balances
// blob). Decoders may throw; call them inside Decode.

template <typename Row>
OrgRow ReadOrg(const Row& q, std::string_view id) {
  OrgRow r;
  r.id = std::string(id);
  r.name = q.Text(0);
  r.currency = q.Text(1);
  r.created_at = q.Int(2);
  r.head_seq = ToU64(q.Int(3));
  r.head_hash = q.Text(4);
  r.kill_switch = q.Bool(5);
  r.next_hold_expiry = q.Int(6);
  r.key_epoch = ToU64(q.Int(7));
  r.head_at = q.Int(8);
  if (!q.IsNull(9)) r.max_spend = q.Int(9);  // NULL: the default
  return r;
}

template <typename Row>
NodeRow ReadNode(const Row& q) {
  NodeRow r;
  r.node.id = q.Text(0);
  r.node.kind = ParseName<NodeKind>(q.Text(1), ParseNodeKind);
  r.node.parent = q.Text(2);
  r.node.name = q.Text(3);
  r.node.limits = DecodeLimits(Parse(q.Text(4)));
  r.node.frozen = q.Bool(5);
  r.node.frozen_reason = q.Text(6);
  r.balances = DecodeBalances(q.Bytes(7));
  r.version = ToU64(q.Int(8));
  if (!q.IsNull(9)) r.policy = DecodePolicy(q.Text(9));
  if (!q.IsNull(10)) r.window = DecodeWindow(q.Bytes(10));
  return r;
}

template <typename Row>
Entry ReadEntry(const Row& q) {
  Entry e;
  e.org = q.Text(0);
  e.seq = ToU64(q.Int(1));
  e.kind = ParseName<EntryKind>(q.Text(2), ParseEntryKind);
  e.created_at = q.Int(3);
  e.budget_at = q.Int(4);
  e.ref = q.Text(5);
  e.hold = q.Text(6);
  e.agent = q.Text(7);
  e.path = DecodeStrings(Parse(q.Text(8)));
  e.vendor = q.Text(9);
  e.category = q.Text(10);
  e.session = q.Text(11);
  e.user = q.Text(12);
  e.intent = q.Text(13);
  e.amount = q.Int(14);
  e.released = q.Int(15);
  e.receipt = q.Text(16);
  e.receipt_hash = q.Text(17);
  e.lines = DecodeLines(Parse(q.Text(18)));
  e.prev_hash = q.Text(19);
  e.hash = q.Text(20);
  return e;
}

template <typename Row>
Hold ReadHold(const Row& q) {
  Hold h;
  h.org = q.Text(0);
  h.id = q.Text(1);
  h.agent = q.Text(2);
  h.path = DecodeStrings(Parse(q.Text(3)));
  h.vendor = q.Text(4);
  h.category = q.Text(5);
  h.session = q.Text(6);
  h.user = q.Text(7);
  h.intent = q.Text(8);
  h.amount = q.Int(9);
  h.captured = q.Int(10);
  h.created_at = q.Int(11);
  h.expires_at = q.Int(12);
  h.resolved_at = q.Int(13);
  h.status = ParseName<HoldStatus>(q.Text(14), ParseHoldStatus);
  h.spend_id = q.Text(15);
  h.capture_on_expiry = q.Int(16) != 0;
  return h;
}

template <typename Row>
DenialRecord ReadDenial(const Row& q) {
  DenialRecord d;
  d.org = q.Text(0);
  d.created_at = q.Int(1);
  d.id = q.Text(2);
  d.request_kind = q.Text(3);
  d.agent = q.Text(4);
  d.amount = q.Int(5);
  d.vendor = q.Text(6);
  d.category = q.Text(7);
  d.session = q.Text(8);
  d.user = q.Text(9);
  d.intent = q.Text(10);
  d.idempotency_key = q.Text(11);
  d.denial.reason = ParseName<DenyReason>(q.Text(12), ParseDenyReason);
  d.denial.node = q.Text(13);
  if (!q.IsNull(14)) d.denial.period = ParseName<Period>(q.Text(14), ParsePeriod);
  d.denial.limit = q.Int(15);
  d.denial.used = q.Int(16);
  d.denial.message = q.Text(17);
  if (!q.IsNull(18)) d.denial.window_seconds = q.Int(18);
  if (!q.IsNull(19)) d.denial.counts_spends = q.Text(19) == "spends";
  return d;
}

template <typename Row>
ApprovalRow ReadApproval(const Row& q) {
  ApprovalRow a;
  a.org = q.Text(0);
  a.id = q.Text(1);
  a.agent = q.Text(2);
  a.amount = q.Int(3);
  a.vendor = q.Text(4);
  a.category = q.Text(5);
  a.session = q.Text(6);
  a.user = q.Text(7);
  a.intent = q.Text(8);
  a.node = q.Text(9);
  a.over = q.Int(10);
  a.status = ParseName<ApprovalStatus>(q.Text(11), ParseApprovalStatus);
  a.created_at = q.Int(12);
  a.expires_at = q.Int(13);
  a.decided_at = q.Int(14);
  a.decided_by = q.Text(15);
  a.spend_id = q.Text(16);
  a.note = q.Text(17);
  return a;
}

template <typename Row>
ApiKeyRow ReadApiKey(const Row& q) {
  ApiKeyRow k;
  k.id = q.Text(0);
  k.org = q.Text(1);
  k.hash = q.Text(2);
  k.role = ParseName<KeyRole>(q.Text(3), ParseKeyRole);
  k.agent = q.Text(4);
  k.name = q.Text(5);
  k.created_at = q.Int(6);
  k.revoked_at = q.Int(7);
  return k;
}

// Columns: token_hash, key_id, key_hash, org, csrf_token, created_at,
// expires_at.
template <typename Row>
SessionRow ReadSession(const Row& q) {
  SessionRow r;
  r.token_hash = q.Text(0);
  r.key_id = q.Text(1);
  r.key_hash = q.Text(2);
  r.org = q.Text(3);
  r.csrf_token = q.Text(4);
  r.created_at = q.Int(5);
  r.expires_at = q.Int(6);
  return r;
}

template <typename Row>
SpendDailyRow ReadSpendDaily(const Row& q) {
  return SpendDailyRow{.org = q.Text(0),
                       .day = q.Int(1),
                       .agent = q.Text(2),
                       .vendor = q.Text(3),
                       .category = q.Text(4),
                       .total = q.Int(5),
                       .count = q.Int(6),
                       .max = q.Int(7)};
}

// Columns: created_at, ref, agent (ListSpendKeysBefore).
template <typename Row>
SpendKey ReadSpendKey(const Row& q) {
  return SpendKey{.created_at = q.Int(0), .ref = q.Text(1), .agent = q.Text(2)};
}

}  // namespace stub::row_codec
