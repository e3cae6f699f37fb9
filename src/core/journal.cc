#include "core/journal.h"

#include <array>
#include <bit>
#include <cassert>
#include <cstdint>
#include <cstring>
#include <string>
#include <string_view>
#include <utility>

#include "core/sha256.h"

namespace stub {
namespace {

Result<Micros> Negate(Micros v) { return CheckedSub(0, v); }

// ---- The SE1 encoding (documented in journal.h) ----

constexpr char kMagic[4] = {'S', 'E', '1', '\0'};

enum DigestForm : std::uint8_t { kDigestEmpty = 0, kDigestRaw = 1, kDigestText = 2 };

// A digest field, classified once and then sized and written.
struct DigestField {
  DigestForm form = kDigestEmpty;
  Digest raw{};
};

// Uppercase hex is deliberately not the raw form: that form must map back to
// exactly one text. Branch-free so that the compiler vectorizes it.
DigestField ClassifyDigest(std::string_view hex) {
  DigestField f;
  if (hex.empty()) return f;
  f.form = kDigestText;
  if (hex.size() != 2 * f.raw.size()) return f;
  std::array<std::uint8_t, 64> nibbles;
  unsigned bad = 0;
  for (std::size_t i = 0; i < nibbles.size(); ++i) {
    const auto c = static_cast<std::uint8_t>(hex[i]);
    const auto digit = static_cast<std::uint8_t>(c - '0');
    const auto letter = static_cast<std::uint8_t>(c - 'a');
    const bool is_digit = digit < 10;
    bad |= !(is_digit | (letter < 6));
    nibbles[i] = is_digit ? digit : static_cast<std::uint8_t>(letter + 10);
  }
  if (bad != 0) return f;
  for (std::size_t i = 0; i < f.raw.size(); ++i) {
    f.raw[i] = static_cast<std::uint8_t>(nibbles[2 * i] << 4 | nibbles[2 * i + 1]);
  }
  f.form = kDigestRaw;
  return f;
}

constexpr std::size_t UvarSize(std::uint64_t v) {
  std::size_t n = 1;
  for (; v >= 0x80; v >>= 7) ++n;
  return n;
}

constexpr std::size_t StrSize(std::string_view s) { return UvarSize(s.size()) + s.size(); }

std::size_t DigestSize(const DigestField& f, std::string_view text) {
  switch (f.form) {
    case kDigestEmpty:
      return 1;
    case kDigestRaw:
      return 1 + f.raw.size();
    case kDigestText:
      break;
  }
  return 1 + StrSize(text);
}

// The exact size of the encoding.
std::size_t EncodedSize(const Entry& e, const DigestField& receipt, const DigestField& prev) {
  std::size_t n = sizeof(kMagic) + 8 /*seq*/ + 1 /*kind*/ + 8 /*created_at*/ + 8 /*budget_at*/ +
                  8 /*amount*/ + 8 /*released*/;
  n += StrSize(e.org) + StrSize(e.ref) + StrSize(e.hold) + StrSize(e.agent);
  n += UvarSize(e.path.size());
  for (const std::string& node : e.path) n += StrSize(node);
  n += StrSize(e.vendor) + StrSize(e.category) + StrSize(e.session) + StrSize(e.user) +
       StrSize(e.intent);
  n += DigestSize(receipt, e.receipt_hash);
  n += UvarSize(e.lines.size());
  for (const Line& line : e.lines) n += StrSize(line.account) + 8;
  n += DigestSize(prev, e.prev_hash);
  return n;
}

// Writes into a buffer already sized exactly (EncodedSize): no bounds checks,
// no reallocation.
class Writer {
 public:
  explicit Writer(char* out) : p_(out) {}

  char* end() const { return p_; }

  void U8(std::uint8_t v) { *p_++ = static_cast<char>(v); }

  void U64(std::uint64_t v) {
    if constexpr (std::endian::native == std::endian::little) v = __builtin_bswap64(v);
    std::memcpy(p_, &v, sizeof(v));
    p_ += sizeof(v);
  }

  void I64(std::int64_t v) { U64(static_cast<std::uint64_t>(v)); }  // two's complement

  void Uvar(std::uint64_t v) {
    for (; v >= 0x80; v >>= 7) U8(static_cast<std::uint8_t>((v & 0x7f) | 0x80));
    U8(static_cast<std::uint8_t>(v));  // most lengths: this byte only
  }

  void Bytes(const void* data, std::size_t size) {
    if (size == 0) return;
    std::memcpy(p_, data, size);
    p_ += size;
  }

  void Str(std::string_view s) {
    Uvar(s.size());
    Bytes(s.data(), s.size());
  }

  void DigestOf(const DigestField& f, std::string_view text) {
    U8(f.form);
    if (f.form == kDigestRaw) {
      Bytes(f.raw.data(), f.raw.size());
    } else if (f.form == kDigestText) {
      Str(text);
    }
  }

 private:
  char* p_;
};

void Encode(const Entry& e, const DigestField& receipt, const DigestField& prev, Writer& w) {
  w.Bytes(kMagic, sizeof(kMagic));
  w.Str(e.org);
  w.U64(e.seq);
  w.U8(static_cast<std::uint8_t>(e.kind));
  w.I64(e.created_at);
  w.I64(e.budget_at);
  w.Str(e.ref);
  w.Str(e.hold);
  w.Str(e.agent);
  w.Uvar(e.path.size());
  for (const std::string& node : e.path) w.Str(node);
  w.Str(e.vendor);
  w.Str(e.category);
  w.Str(e.session);
  w.Str(e.user);
  w.Str(e.intent);
  w.I64(e.amount);
  w.I64(e.released);
  w.DigestOf(receipt, e.receipt_hash);
  w.Uvar(e.lines.size());
  for (const Line& line : e.lines) {
    w.Str(line.account);
    w.I64(line.amount);
  }
  w.DigestOf(prev, e.prev_hash);
}

// Calls `use(std::string_view encoding)` with the entry's encoding, built on
// the stack when it is small enough (the common case) and on the heap
// otherwise.
template <typename Use>
auto WithEncoding(const Entry& e, const Use& use) {
  const DigestField receipt = ClassifyDigest(e.receipt_hash);
  const DigestField prev = ClassifyDigest(e.prev_hash);
  const std::size_t size = EncodedSize(e, receipt, prev);
  constexpr std::size_t kStackBytes = 1024;
  if (size <= kStackBytes) {
    std::array<char, kStackBytes> buf;  // uninitialized: exactly `size` bytes are written
    Writer w(buf.data());
    Encode(e, receipt, prev, w);
    assert(w.end() == buf.data() + size);
    return use(std::string_view(buf.data(), size));
  }
  std::string heap(size, '\0');
  Writer w(heap.data());
  Encode(e, receipt, prev, w);
  assert(w.end() == heap.data() + size);
  return use(std::string_view(heap));
}

}  // namespace

const std::string kGenesisHash(64, '0');

std::string_view EntryKindName(EntryKind k) {
  switch (k) {
    case EntryKind::kSpend:
      return "spend";
    case EntryKind::kHold:
      return "hold";
    case EntryKind::kCapture:
      return "capture";
    case EntryKind::kVoid:
      return "void";
    case EntryKind::kExpire:
      return "expire";
    case EntryKind::kConfig:
      return "config";
  }
  return "unknown";
}

std::optional<EntryKind> ParseEntryKind(std::string_view name) {
  for (EntryKind k : {EntryKind::kSpend, EntryKind::kHold, EntryKind::kCapture, EntryKind::kVoid,
                      EntryKind::kExpire, EntryKind::kConfig}) {
    if (EntryKindName(k) == name) return k;
  }
  return std::nullopt;
}

std::string FundingAccount(std::string_view org) {
  std::string out = "funding:";
  out += org;
  return out;
}

std::string HoldsAccount(std::string_view org) {
  std::string out = "holds:";
  out += org;
  return out;
}

std::string ExpenseAccount(std::string_view category, std::string_view vendor) {
  std::string out;
  out.reserve(9 + category.size() + vendor.size());
  out += "expense:";
  out += category;
  out += ':';
  out += vendor;
  return out;
}

Status BuildLines(Entry& entry) {
  std::vector<Line> lines;
  switch (entry.kind) {
    case EntryKind::kSpend: {
      STUB_ASSIGN_OR_RETURN(const Micros neg, Negate(entry.amount));
      lines.reserve(2);
      lines.push_back({ExpenseAccount(entry.category, entry.vendor), entry.amount});
      lines.push_back({FundingAccount(entry.org), neg});
      break;
    }
    case EntryKind::kHold: {
      STUB_ASSIGN_OR_RETURN(const Micros neg, Negate(entry.amount));
      lines.reserve(2);
      lines.push_back({HoldsAccount(entry.org), entry.amount});
      lines.push_back({FundingAccount(entry.org), neg});
      break;
    }
    case EntryKind::kCapture: {
      // expense +A, holds −H, funding +(H−A); zero lines are omitted.
      STUB_ASSIGN_OR_RETURN(const Micros neg_held, Negate(entry.released));
      STUB_ASSIGN_OR_RETURN(const Micros rest, CheckedSub(entry.released, entry.amount));
      lines.reserve(3);
      if (entry.amount != 0) {
        lines.push_back({ExpenseAccount(entry.category, entry.vendor), entry.amount});
      }
      if (neg_held != 0) lines.push_back({HoldsAccount(entry.org), neg_held});
      if (rest != 0) lines.push_back({FundingAccount(entry.org), rest});
      break;
    }
    case EntryKind::kVoid:
    case EntryKind::kExpire: {
      STUB_ASSIGN_OR_RETURN(const Micros neg_held, Negate(entry.released));
      lines.reserve(2);
      lines.push_back({HoldsAccount(entry.org), neg_held});
      lines.push_back({FundingAccount(entry.org), entry.released});
      break;
    }
    case EntryKind::kConfig:
      break;  // no money moves
    default:
      return InvalidArgument("unknown entry kind", "invalid_request");
  }
  entry.lines = std::move(lines);
  return Status::Ok();
}

std::string ReceiptHash(std::string_view canonical_receipt) {
  if (canonical_receipt.empty()) return std::string();
  return ToHex(Sha256(canonical_receipt));
}

std::string CanonicalEncoding(const Entry& entry) {
  return WithEncoding(entry, [](std::string_view bytes) { return std::string(bytes); });
}

std::string ComputeEntryHash(const Entry& entry) {
  return WithEncoding(entry, [](std::string_view bytes) { return ToHex(Sha256(bytes)); });
}

void SealEntry(Entry& entry, std::string_view prev_hash) {
  entry.prev_hash.assign(prev_hash);
  entry.hash = ComputeEntryHash(entry);
}

}  // namespace stub
