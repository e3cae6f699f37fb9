#include "core/verify.h"

#include <limits>
#include <string>
#include <tuple>
#include <utility>

namespace stub {
namespace {

std::string SeqText(std::uint64_t seq) { return std::to_string(seq); }

// Short form of a hash for messages.
std::string Abbrev(const std::string& hash) {
  return hash.size() > 16 ? hash.substr(0, 16) + "..." : hash;
}

// As Abbrev; "(none)" for an empty digest (no receipt).
std::string AbbrevOrNone(const std::string& hash) { return hash.empty() ? "(none)" : Abbrev(hash); }

}  // namespace

Verifier::Verifier(std::string org, std::vector<NodeRow> nodes, std::uint64_t head_seq,
                   std::string head_hash)
    : org_(std::move(org)),
      head_seq_(head_seq),
      head_hash_(std::move(head_hash)),
      prev_hash_(kGenesisHash) {
  report_.head = kGenesisHash;
  for (NodeRow& row : nodes) {
    NodeBalances zero{};
    for (std::size_t p = 0; p < kPeriodCount; ++p) zero[p].start = row.balances[p].start;
    std::string id = row.node.id;
    recomputed_.emplace(id, zero);
    nodes_.emplace(std::move(id), std::move(row));
  }
}

void Verifier::Report(std::string code, std::uint64_t seq, std::string node, std::string message) {
  if (report_.problems.size() >= kMaxProblems) {
    ++report_.problems_omitted;
    return;
  }
  report_.problems.push_back(Problem{std::move(code), seq, std::move(node), std::move(message)});
}

void Verifier::ExpectSpendDaily(std::vector<SpendDailyRow> stored) {
  SortSpendDaily(stored);
  stored_rollup_ = std::move(stored);
}

void Verifier::Add(const Entry& entry) {
  ++report_.entries;
  const std::uint64_t seq = entry.seq;
  if (entry.org == org_ && !rollup_overflow_ && !rollup_.Add(entry).ok()) {
    rollup_overflow_ = true;
    Report("overflow", seq, "", "the daily spend total of this entry's key overflows");
  }

  if (entry.org != org_) {
    Report("wrong_org", seq, "",
           "entry belongs to org \"" + entry.org + "\", not \"" + org_ + "\"");
  }
  if (seq != expected_seq_) {
    Report("seq_gap", seq, "",
           "expected seq " + SeqText(expected_seq_) + ", found " + SeqText(seq));
  }
  expected_seq_ = seq + 1;  // resync so that later entries are still checked
  if (entry.prev_hash != prev_hash_) {
    Report("prev_hash_mismatch", seq, "",
           "prev_hash " + Abbrev(entry.prev_hash) + " is not the previous entry's hash " +
               Abbrev(prev_hash_));
  }
  const std::string hash = ComputeEntryHash(entry);
  if (hash != entry.hash) {
    Report("hash_mismatch", seq, "",
           "stored hash " + Abbrev(entry.hash) + " but the entry hashes to " + Abbrev(hash));
  }
  // The receipt is not inside the hashed encoding; its digest is. An edited
  // receipt_hash is a hash_mismatch above; an edited receipt is caught here.
  const std::string receipt_hash = ReceiptHash(entry.receipt);
  if (receipt_hash != entry.receipt_hash) {
    Report("receipt_mismatch", seq, "",
           "the receipt hashes to " + AbbrevOrNone(receipt_hash) + " but receipt_hash is " +
               AbbrevOrNone(entry.receipt_hash));
  }
  prev_hash_ = entry.hash;
  report_.head = entry.hash;

  // Double entry: the lines sum to zero (in 128 bits: no overflow possible).
  __int128 sum = 0;
  for (const Line& line : entry.lines) sum += line.amount;
  if (sum != 0) {
    Report("unbalanced", seq, "", "lines do not sum to zero");
  }
  // The lines are those the entry's kind, amount and released amount imply.
  Entry expected;
  expected.org = entry.org;
  expected.kind = entry.kind;
  expected.amount = entry.amount;
  expected.released = entry.released;
  expected.category = entry.category;
  expected.vendor = entry.vendor;
  const Status built = BuildLines(expected);
  if (!built.ok()) {
    Report("overflow", seq, "", "cannot derive the entry's lines: " + built.message());
  } else if (expected.lines != entry.lines) {
    Report("lines_disagree", seq, "",
           "lines do not match a " + std::string(EntryKindName(entry.kind)) + " of amount " +
               FormatAmount(entry.amount) + " releasing " + FormatAmount(entry.released));
  }

  // Budget effect, recomputed for each node's stored bucket of each period.
  Micros spent_delta = 0;
  Micros held_delta = 0;
  Micros neg_released = 0;
  if (__builtin_sub_overflow(Micros{0}, entry.released, &neg_released)) {
    Report("overflow", seq, "", "released amount cannot be negated");
  }
  switch (entry.kind) {
    case EntryKind::kSpend:
      spent_delta = entry.amount;
      break;
    case EntryKind::kHold:
      held_delta = entry.amount;
      break;
    case EntryKind::kCapture:
      spent_delta = entry.amount;
      held_delta = neg_released;
      break;
    case EntryKind::kVoid:
    case EntryKind::kExpire:
      held_delta = neg_released;
      break;
    case EntryKind::kConfig:
      if (entry.amount != 0 || entry.released != 0 || !entry.path.empty()) {
        Report("lines_disagree", seq, "", "a config entry moves no money and charges no node");
      }
      break;
  }
  for (const std::string& id : entry.path) {
    auto row = nodes_.find(id);
    if (row == nodes_.end()) {
      Report("unknown_node", seq, id, "entry charges node \"" + id + "\", which does not exist");
      continue;
    }
    NodeBalances& recomputed = recomputed_[id];
    for (Period p : kAllPeriods) {
      const auto index = static_cast<std::size_t>(p);
      const Timestamp start = row->second.balances[index].start;
      const Timestamp entry_bucket = BucketStart(p, entry.budget_at);
      BucketBalance& bucket = recomputed[index];
      // recomputed_[..].start tracks the newest bucket the journal charges;
      // ApplyDelta never leaves a row behind that, so a newer one means the
      // row is stale (wiped, or restored from an older state).
      if (entry_bucket > bucket.start) bucket.start = entry_bucket;
      if (start == BucketBalance::kNoBucket || entry_bucket != start) continue;
      if (__builtin_add_overflow(bucket.spent, spent_delta, &bucket.spent) ||
          __builtin_add_overflow(bucket.held, held_delta, &bucket.held)) {
        Report("overflow", seq, id,
               "recomputed " + std::string(PeriodName(p)) + " balance overflows");
      }
    }
  }
}

void Verifier::CheckRollup(const std::vector<SpendDailyRow>& journal,
                           const std::vector<SpendDailyRow>& stored) {
  auto key = [](const SpendDailyRow& r) {
    return std::tie(r.org, r.day, r.agent, r.vendor, r.category);
  };
  auto text = [](const SpendDailyRow& r) {
    return r.agent + "/" + r.vendor + "/" + r.category + " day " + std::to_string(r.day);
  };
  auto figures = [](const SpendDailyRow& r) {
    return FormatAmount(r.total) + " in " + std::to_string(r.count) + " (max " +
           FormatAmount(r.max) + ")";
  };
  std::size_t i = 0;
  std::size_t j = 0;
  while (i < journal.size() || j < stored.size()) {
    if (j == stored.size() || (i < journal.size() && key(journal[i]) < key(stored[j]))) {
      Report("rollup_mismatch", 0, journal[i].agent,
             "daily spend " + text(journal[i]) + ": journal " + figures(journal[i]) +
                 ", no stored row");
      ++i;
    } else if (i == journal.size() || key(stored[j]) < key(journal[i])) {
      Report("rollup_mismatch", 0, stored[j].agent,
             "daily spend " + text(stored[j]) + ": stored " + figures(stored[j]) +
                 ", nothing in the journal");
      ++j;
    } else {
      if (journal[i] != stored[j]) {
        Report("rollup_mismatch", 0, journal[i].agent,
               "daily spend " + text(journal[i]) + ": journal " + figures(journal[i]) +
                   ", stored " + figures(stored[j]));
      }
      ++i;
      ++j;
    }
  }
}

VerifyReport Verifier::Finish() {
  // expected_seq_ − 1 is the last entry's seq (0 with no entries); prev_hash_
  // is its hash (kGenesisHash with no entries).
  const std::uint64_t last_seq = expected_seq_ - 1;
  if (head_seq_ != last_seq || head_hash_ != prev_hash_) {
    Report("head_mismatch", 0, "",
           "org head is seq " + SeqText(head_seq_) + " hash " + Abbrev(head_hash_) +
               " but the journal ends at seq " + SeqText(last_seq) + " hash " + Abbrev(prev_hash_));
  }
  for (const auto& [id, row] : nodes_) {
    const NodeBalances& recomputed = recomputed_[id];
    for (Period p : kAllPeriods) {
      const auto index = static_cast<std::size_t>(p);
      const BucketBalance& stored = row.balances[index];
      const BucketBalance& journal = recomputed[index];
      const std::string bucket =
          stored.start == BucketBalance::kNoBucket
              ? std::string("unused ") + std::string(PeriodName(p))
              : std::string(PeriodName(p)) + " " + BucketLabel(p, stored.start);
      if (journal.start != stored.start) {
        Report("balance_mismatch", 0, id,
               "node " + id + " " + bucket + ": the journal charges the later bucket " +
                   BucketLabel(p, journal.start) + " (the stored row is stale)");
        continue;
      }
      if (stored.spent == journal.spent && stored.held == journal.held) continue;
      Report("balance_mismatch", 0, id,
             "node " + id + " " + bucket + ": stored spent " + FormatAmount(stored.spent) +
                 " held " + FormatAmount(stored.held) + ", journal spent " +
                 FormatAmount(journal.spent) + " held " + FormatAmount(journal.held));
    }
  }
  if (stored_rollup_ && !rollup_overflow_) CheckRollup(rollup_.Take(), *stored_rollup_);
  report_.ok = report_.problems.empty() && report_.problems_omitted == 0;
  return std::move(report_);
}

}  // namespace stub
