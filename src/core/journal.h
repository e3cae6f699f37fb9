// Journal entries: the immutable, double-entry, hash-chained record of every
// state change of an org's money. History is append-only; corrections are new
// entries.
//
// Accounts:
//   "funding:<org>"               the org's budget funding (credit side)
//   "holds:<org>"                 money reserved by pending holds
//   "expense:<category>:<vendor>" what was bought, and from whom
//
// Lines by kind (amounts signed, summing to zero):
//   spend   expense +A, funding −A
//   hold    holds +H,   funding −H
//   capture expense +A, holds −H, funding +(H−A)   (zero lines are omitted)
//   void    holds −H,   funding +H
//   expire  holds −H,   funding +H
//   config  no lines (amount 0): a change of configuration — a policy, a
//           node's limits, a freeze, the kill-switch, an approval's request
//           or decision. Its receipt is the change, canonical JSON
//           {"action", "actor", "node", "old", "new", "reason"?, …}, bound to
//           the chain by receipt_hash like any receipt, so every change is
//           hash-chained, ordered with the money, and verifiable. `ref` is the
//           node changed, `agent` the agent concerned (if any), `intent` the
//           action, `path` empty.
//
// Hash chain. Each entry's `hash` is hex(SHA-256(E)), where E is the entry's
// canonical encoding below; E contains prev_hash, the previous entry's hash
// (kGenesisHash for seq 1), which chains the entries. An org's chain head is
// the hash of its last entry.
//
// Why binary, and why the receipt is not inside: every spend seals an entry
// inside its serialized transaction, and without SHA hardware SHA-256 costs
// ~0.15–0.2 µs per 64-byte block. The previous encoding (canonical JSON with
// the receipt embedded: 500–1000 bytes, 8–16 blocks) alone cost more than the
// whole per-spend budget. This encoding is compact (a typical spend is ~290
// bytes: 5 blocks) and binds the receipt, up to 64 KiB, by its digest:
// receipt_hash = ReceiptHash(receipt) is computed once, outside the
// serialized path, and is inside the encoding; the verifier checks it against
// the stored receipt (problem "receipt_mismatch").
//
// ---------------------------------------------------------------------------
// Canonical entry encoding, format SE1. This is the contract for auditors: E
// can be rebuilt from a journal export with nothing but this description.
//
// Primitive types:
//   u8      1 byte.
//   u64     8 bytes, unsigned, big-endian.
//   i64     8 bytes, two's complement, big-endian.
//   uvar    unsigned LEB128, minimal: 7 bits per byte, least significant group
//           first, high bit (0x80) set on every byte except the last; the
//           shortest form (0 is 00, 127 is 7f, 128 is 80 01, 300 is ac 02).
//   str     uvar byte length, then the bytes exactly as stored: no escaping,
//           no normalization, no terminator (UTF-8 in practice, not checked).
//   digest  a field holding a hex SHA-256 (prev_hash, receipt_hash), as a
//           u8 form tag, then:
//             00  the field is empty; nothing follows.
//             01  the field is exactly 64 lowercase hex digits [0-9a-f]; the
//                 32 bytes they spell follow.
//             02  anything else (malformed: wrong length, uppercase, not hex);
//                 a str of the field's text follows. A stored entry with such
//                 a field can only fail verification; the form exists so that
//                 the verifier reports a mismatch instead of failing.
//
// E, the fields in this order, nothing between or after them:
//   magic         4 bytes  53 45 31 00 ("SE1" and a zero byte). A future
//                          format gets another magic, so no byte string is an
//                          encoding under two formats. (Entries do not record
//                          their format: every entry today is SE1; a future
//                          format must be recorded per entry or per org.)
//   org           str
//   seq           u64
//   kind          u8       00 spend, 01 hold, 02 capture, 03 void, 04 expire,
//                          05 config
//   created_at    i64      microseconds since the Unix epoch, UTC
//   budget_at     i64      microseconds since the Unix epoch, UTC
//   ref           str
//   hold          str
//   agent         str
//   path          uvar node count, then each node id as a str, agent first
//   vendor        str
//   category      str
//   session       str
//   user          str
//   intent        str
//   amount        i64      micro-units (1 unit = 1'000'000)
//   released      i64      micro-units
//   receipt_hash  digest   00 when the entry has no receipt
//   lines         uvar line count, then per line, in stored order:
//                   account str, amount i64 (micro-units, signed)
//   prev_hash     digest
//
// receipt_hash = lowercase hex(SHA-256(R)), R the receipt's canonical JSON
// text as stored in `receipt` (sorted keys, no insignificant whitespace; see
// canonical_json.h), or empty when there is no receipt.
// hash = lowercase hex(SHA-256(E)).
//
// Every field is length-delimited or fixed-size, so E is unambiguous: it
// decodes back to exactly one entry (all fields but `receipt` and `hash`).
// E's end is the end of prev_hash; there is no overall length or terminator.
// A worked example, every byte annotated, is pinned in
// tests/core/journal_test.cc (GoldenBytesAndHash), with a decoder.
// ---------------------------------------------------------------------------
#pragma once

#include <cstdint>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/money.h"
#include "core/status.h"
#include "core/time_util.h"

namespace stub {

enum class EntryKind : std::uint8_t { kSpend = 0, kHold, kCapture, kVoid, kExpire, kConfig };

// "spend" | "hold" | "capture" | "void" | "expire" | "config"
std::string_view EntryKindName(EntryKind k);
std::optional<EntryKind> ParseEntryKind(std::string_view name);

struct Line {
  std::string account;
  Micros amount = 0;  // signed
  bool operator==(const Line&) const = default;
};

struct Entry {
  std::string org;
  std::uint64_t seq = 0;  // 1, 2, 3, … per org, in commit order
  EntryKind kind = EntryKind::kSpend;
  Timestamp created_at = 0;
  // The instant whose period buckets this entry's budget effect belongs to:
  // created_at for spends and holds; the hold's created_at for capture, void
  // and expire (a capture counts in the periods its hold reserved).
  Timestamp budget_at = 0;
  std::string ref;   // spend id (spend, capture) or hold id (hold, void, expire)
  std::string hold;  // capture: the captured hold's id; else empty
  std::string agent;
  std::vector<std::string> path;  // the nodes charged: agent first, org last
  std::string vendor;
  std::string category;
  std::string session;
  std::string user;
  std::string intent;
  Micros amount = 0;    // spend/capture: spent; hold: held; void/expire: 0
  Micros released = 0;  // capture/void/expire: the hold amount released; else 0
  // Canonical JSON object text (CanonicalizeReceipt), or empty. Not part of
  // the encoding: bound to the chain through receipt_hash.
  std::string receipt;
  std::string receipt_hash;  // ReceiptHash(receipt): 64 lowercase hex, or empty
  std::vector<Line> lines;
  std::string prev_hash;  // hex; the genesis predecessor is kGenesisHash
  std::string hash;       // ComputeEntryHash: hex SHA-256(CanonicalEncoding)
  bool operator==(const Entry&) const = default;
};

// 64 hex zeros: the prev_hash of an org's first entry.
extern const std::string kGenesisHash;

std::string FundingAccount(std::string_view org);
std::string HoldsAccount(std::string_view org);
std::string ExpenseAccount(std::string_view category, std::string_view vendor);

// Fills entry.lines for its kind from org, amount, released, category, vendor
// (see the table above). Errors: kOutOfRange on overflow.
Status BuildLines(Entry& entry);

// hex(SHA-256(canonical_receipt)) in lowercase, or "" if canonical_receipt
// is empty. Pass the canonical text (CanonicalizeReceipt), so that key order
// and whitespace do not matter. Pure; thread-safe.
std::string ReceiptHash(std::string_view canonical_receipt);

// The canonical bytes of an entry: format SE1 (see the top of this file), all
// fields except `receipt` (bound through receipt_hash) and `hash`. The same
// entry always yields the same bytes; distinct entries yield distinct bytes.
// Pure; thread-safe.
std::string CanonicalEncoding(const Entry& entry);

// hex(SHA-256(CanonicalEncoding(entry))), lowercase. prev_hash is inside the
// encoding, which is what chains the entries. A malformed prev_hash or
// receipt_hash is encoded as its text, so that verification reports a
// mismatch instead of failing. Pure; thread-safe; no heap allocation besides
// the returned string for typical entries.
std::string ComputeEntryHash(const Entry& entry);

// Sets entry.prev_hash = prev_hash and entry.hash = ComputeEntryHash(entry).
// The caller sets receipt_hash = ReceiptHash(receipt) beforehand: sealing
// does not hash the receipt (that is kept off the serialized path).
void SealEntry(Entry& entry, std::string_view prev_hash);

}  // namespace stub
