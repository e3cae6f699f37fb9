// Verification of an org's books, recomputed from the journal alone:
//   - the hash chain: seq contiguous from 1, each prev_hash the previous hash
//     (genesis: kGenesisHash), each hash recomputed from the canonical bytes;
//   - every receipt: its digest equals the entry's receipt_hash (the hashed
//     encoding binds receipt_hash, not the receipt bytes themselves);
//   - every entry double-entry: lines sum to zero, and agree with the entry's
//     kind, amount and released amount;
//   - the org's recorded chain head equals the last entry;
//   - every node's stored balances equal what the journal recomputes for the
//     stored bucket of each period;
//   - when given (ExpectSpendDaily), the stored daily spend rollup equals
//     the one the journal recomputes (core/spend_daily.h).
// Every problem found is reported (up to kMaxProblems), not just the first.
#pragma once

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "core/budget.h"
#include "core/journal.h"
#include "core/spend_daily.h"

namespace stub {

struct Problem {
  // "seq_gap" | "prev_hash_mismatch" | "hash_mismatch" | "receipt_mismatch" |
  // "unbalanced" | "lines_disagree" | "wrong_org" | "unknown_node" |
  // "head_mismatch" | "balance_mismatch" | "rollup_mismatch" | "overflow"
  //
  // receipt_mismatch: the stored receipt does not hash to the entry's
  // receipt_hash (ReceiptHash; both empty is a match), i.e. the receipt was
  // edited, added or removed after sealing.
  std::string code;
  std::uint64_t seq = 0;  // the entry concerned, 0 if none
  std::string node;       // the node concerned, empty if none
  std::string message;
};

struct VerifyReport {
  bool ok = true;
  std::uint64_t entries = 0;
  std::string head;  // hash of the last entry seen (kGenesisHash if none)
  std::vector<Problem> problems;
  std::size_t problems_omitted = 0;  // beyond kMaxProblems
};

inline constexpr std::size_t kMaxProblems = 1000;

// Streaming verifier: construct with the org's state, Add() every entry in
// seq order, then Finish(). Memory is O(nodes + rollup rows), not
// O(entries).
// Not thread-safe; use one per verification.
class Verifier {
 public:
  // `nodes`: every node row of the org; `head_seq`/`head_hash`: the chain head
  // recorded on the org row. All read from one consistent snapshot.
  Verifier(std::string org, std::vector<NodeRow> nodes, std::uint64_t head_seq,
           std::string head_hash);

  void Add(const Entry& entry);
  // The org's stored daily spend rollup (Transaction::ListSpendDaily, same
  // snapshot), checked at Finish: each key whose row differs from the
  // journal's (or exists on one side only) is a "rollup_mismatch".
  void ExpectSpendDaily(std::vector<SpendDailyRow> stored);
  VerifyReport Finish();

 private:
  void Report(std::string code, std::uint64_t seq, std::string node, std::string message);
  void CheckRollup(const std::vector<SpendDailyRow>& journal,
                   const std::vector<SpendDailyRow>& stored);

  std::string org_;
  std::map<std::string, NodeRow> nodes_;
  std::map<std::string, NodeBalances> recomputed_;
  std::uint64_t head_seq_;
  std::string head_hash_;
  std::uint64_t expected_seq_ = 1;
  std::string prev_hash_;
  VerifyReport report_;
  SpendDailyAccumulator rollup_;  // the journal's
  bool rollup_overflow_ = false;
  std::optional<std::vector<SpendDailyRow>> stored_rollup_;
};

}  // namespace stub
