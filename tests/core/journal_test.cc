#include "core/journal.h"

#include <gtest/gtest.h>

#include <cctype>
#include <functional>
#include <limits>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/canonical_json.h"
#include "core/sha256.h"
#include "core_test_values.h"

namespace stub {
namespace {

using core_testing::kMax;
using core_testing::kMin;

constexpr std::string_view kGoldenReceipt = R"({"network":"base","tx":"0xabc","value":"250000"})";
// A recognizable predecessor: its raw bytes show the hex decoding's order.
const std::string kPatternHash = "0123456789abcdef0123456789abcdef0123456789abcdef0123456789abcdef";

// A fixed, fully populated capture entry: its bytes and hash are pinned below.
Entry GoldenEntry() {
  Entry e;
  e.org = "acme";
  e.seq = 42;
  e.kind = EntryKind::kCapture;
  e.created_at = MakeTimestamp(2026, 11, 28, 10, 0, 5) + 250'000;
  e.budget_at = MakeTimestamp(2026, 11, 28, 10);
  e.ref = "sp_01";
  e.hold = "hd_01";
  e.agent = "mkt-researcher-1";
  e.path = {"mkt-researcher-1", "marketing", "acme"};
  e.vendor = "api.dataco.com";
  e.category = "data";
  e.session = "sess-42";
  e.user = "alice@acme.com";
  e.intent = "weekly \"competitor\" report\n";
  e.amount = 250'000;
  e.released = 1'000'000;
  e.receipt = std::string(kGoldenReceipt);
  e.receipt_hash = ReceiptHash(e.receipt);
  EXPECT_TRUE(BuildLines(e).ok());
  SealEntry(e, kPatternHash);
  return e;
}

// "The typical entry" of the design brief: org "acme", 27-char ref and intent,
// a 3-node path, 2 lines.
Entry TypicalSpend() {
  Entry e;
  e.org = "acme";
  e.seq = 123'456;
  e.kind = EntryKind::kSpend;
  e.created_at = MakeTimestamp(2026, 11, 28, 10) + 123;
  e.budget_at = e.created_at;
  e.ref = "sp_" + std::string(24, '0');
  e.agent = "mkt-researcher-1";
  e.path = {"mkt-researcher-1", "marketing", "acme"};
  e.vendor = "api.openai.com";
  e.category = "llm";
  e.session = "sess-20261128-0042";
  e.intent = "summarize the weekly report";
  e.amount = 250'000;
  EXPECT_EQ(e.ref.size(), 27u);
  EXPECT_EQ(e.intent.size(), 27u);
  EXPECT_TRUE(BuildLines(e).ok());
  SealEntry(e, std::string(64, 'a'));
  return e;
}

std::string Unhex(std::string_view hex) {
  std::string out;
  for (std::size_t i = 0; i + 1 < hex.size(); i += 2) {
    out += static_cast<char>(std::stoi(std::string(hex.substr(i, 2)), nullptr, 16));
  }
  return out;
}

// A second implementation of format SE1, a decoder written from journal.h's
// description alone. Decoding every encoding back to the entry it came from
// shows the encoding is unambiguous; it also rejects non-canonical forms
// (non-minimal uvar, a text digest that should have been raw or empty).
class Decoder {
 public:
  static std::optional<Entry> Decode(std::string_view bytes) {
    Decoder d(bytes);
    Entry e;
    if (d.Take(4) != std::string_view("SE1\0", 4)) return std::nullopt;
    e.org = d.Str();
    e.seq = d.U64();
    e.kind = static_cast<EntryKind>(d.U8());
    e.created_at = d.I64();
    e.budget_at = d.I64();
    e.ref = d.Str();
    e.hold = d.Str();
    e.agent = d.Str();
    for (std::uint64_t n = d.Uvar(); d.ok_ && n > 0; --n) e.path.push_back(d.Str());
    e.vendor = d.Str();
    e.category = d.Str();
    e.session = d.Str();
    e.user = d.Str();
    e.intent = d.Str();
    e.amount = d.I64();
    e.released = d.I64();
    e.receipt_hash = d.DigestText();
    for (std::uint64_t n = d.Uvar(); d.ok_ && n > 0; --n) {
      Line line;
      line.account = d.Str();
      line.amount = d.I64();
      e.lines.push_back(std::move(line));
    }
    e.prev_hash = d.DigestText();
    if (!d.ok_ || !d.in_.empty()) return std::nullopt;
    return e;
  }

 private:
  explicit Decoder(std::string_view in) : in_(in) {}

  std::string_view Take(std::size_t n) {
    if (!ok_ || in_.size() < n) {
      ok_ = false;
      return {};
    }
    const std::string_view out = in_.substr(0, n);
    in_.remove_prefix(n);
    return out;
  }
  std::uint8_t U8() {
    const std::string_view b = Take(1);
    return b.empty() ? 0 : static_cast<std::uint8_t>(b[0]);
  }
  std::uint64_t U64() {
    std::uint64_t v = 0;
    for (char c : Take(8)) v = v << 8 | static_cast<std::uint8_t>(c);
    return v;
  }
  std::int64_t I64() { return static_cast<std::int64_t>(U64()); }
  std::uint64_t Uvar() {
    std::uint64_t v = 0;
    for (int shift = 0; ok_ && shift < 64; shift += 7) {
      const std::uint8_t b = U8();
      v |= static_cast<std::uint64_t>(b & 0x7f) << shift;
      if ((b & 0x80) == 0) {
        if (b == 0 && shift != 0) ok_ = false;  // not minimal
        return v;
      }
    }
    ok_ = false;
    return 0;
  }
  std::string Str() {
    const std::uint64_t n = Uvar();
    if (n > in_.size()) ok_ = false;
    return std::string(Take(ok_ ? n : 0));
  }
  static bool IsLowerHex64(std::string_view s) {
    if (s.size() != 64) return false;
    for (char c : s) {
      if (!((c >= '0' && c <= '9') || (c >= 'a' && c <= 'f'))) return false;
    }
    return true;
  }
  std::string DigestText() {
    switch (U8()) {
      case 0:
        return "";
      case 1:
        return ToHex(Take(32));
      case 2: {
        std::string text = Str();
        if (text.empty() || IsLowerHex64(text)) ok_ = false;  // not canonical
        return text;
      }
      default:
        ok_ = false;
        return "";
    }
  }

  std::string_view in_;
  bool ok_ = true;
};

// The encoding decodes back to the entry (minus the fields it leaves out).
void ExpectRoundTrip(const Entry& e, const char* what = "") {
  std::optional<Entry> decoded = Decoder::Decode(CanonicalEncoding(e));
  ASSERT_TRUE(decoded.has_value()) << what;
  Entry expected = e;
  expected.receipt.clear();
  expected.hash.clear();
  EXPECT_EQ(*decoded, expected) << what;
}

TEST(EntryKindTest, Names) {
  const std::pair<EntryKind, const char*> names[] = {{EntryKind::kSpend, "spend"},
                                                     {EntryKind::kHold, "hold"},
                                                     {EntryKind::kCapture, "capture"},
                                                     {EntryKind::kVoid, "void"},
                                                     {EntryKind::kExpire, "expire"}};
  for (const auto& [kind, name] : names) {
    EXPECT_EQ(EntryKindName(kind), name);
    EXPECT_EQ(ParseEntryKind(name), kind);
  }
  EXPECT_EQ(ParseEntryKind("Spend"), std::nullopt);
}

TEST(JournalTest, AccountsAndGenesis) {
  EXPECT_EQ(FundingAccount("acme"), "funding:acme");
  EXPECT_EQ(HoldsAccount("acme"), "holds:acme");
  EXPECT_EQ(ExpenseAccount("llm", "api.openai.com"), "expense:llm:api.openai.com");
  EXPECT_EQ(kGenesisHash, std::string(64, '0'));
}

Entry Basic(EntryKind kind, Micros amount, Micros released) {
  Entry e;
  e.org = "acme";
  e.kind = kind;
  e.vendor = "api.openai.com";
  e.category = "llm";
  e.amount = amount;
  e.released = released;
  return e;
}

std::vector<Line> Lines(EntryKind kind, Micros amount, Micros released) {
  Entry e = Basic(kind, amount, released);
  Status s = BuildLines(e);
  EXPECT_TRUE(s.ok()) << s.ToString();
  Micros sum = 0;
  for (const Line& l : e.lines) sum += l.amount;
  EXPECT_EQ(sum, 0);
  return e.lines;
}

TEST(BuildLinesTest, EachKind) {
  const std::string expense = "expense:llm:api.openai.com";
  EXPECT_EQ(Lines(EntryKind::kSpend, 250'000, 0),
            (std::vector<Line>{{expense, 250'000}, {"funding:acme", -250'000}}));
  EXPECT_EQ(Lines(EntryKind::kHold, 2'000'000, 0),
            (std::vector<Line>{{"holds:acme", 2'000'000}, {"funding:acme", -2'000'000}}));
  EXPECT_EQ(Lines(EntryKind::kCapture, 1'500'000, 2'000'000),
            (std::vector<Line>{
                {expense, 1'500'000}, {"holds:acme", -2'000'000}, {"funding:acme", 500'000}}));
  // A full capture has no funding line.
  EXPECT_EQ(Lines(EntryKind::kCapture, 2'000'000, 2'000'000),
            (std::vector<Line>{{expense, 2'000'000}, {"holds:acme", -2'000'000}}));
  EXPECT_EQ(Lines(EntryKind::kVoid, 0, 2'000'000),
            (std::vector<Line>{{"holds:acme", -2'000'000}, {"funding:acme", 2'000'000}}));
  EXPECT_EQ(Lines(EntryKind::kExpire, 0, 2'000'000),
            (std::vector<Line>{{"holds:acme", -2'000'000}, {"funding:acme", 2'000'000}}));
}

TEST(BuildLinesTest, ReplacesExistingLines) {
  Entry e = Basic(EntryKind::kSpend, 1, 0);
  e.lines = {{"junk", 5}};
  ASSERT_TRUE(BuildLines(e).ok());
  EXPECT_EQ(e.lines.size(), 2u);
}

TEST(BuildLinesTest, OverflowIsAnError) {
  for (Entry e : {Basic(EntryKind::kSpend, kMin, 0), Basic(EntryKind::kHold, kMin, 0),
                  Basic(EntryKind::kCapture, 1, kMin), Basic(EntryKind::kCapture, kMin, kMax),
                  Basic(EntryKind::kCapture, -1, kMax), Basic(EntryKind::kVoid, 0, kMin)}) {
    Status s = BuildLines(e);
    ASSERT_FALSE(s.ok()) << EntryKindName(e.kind);
    EXPECT_EQ(s.code(), StatusCode::kOutOfRange);
    EXPECT_TRUE(e.lines.empty());
  }
  Entry big = Basic(EntryKind::kSpend, kMax, 0);
  EXPECT_TRUE(BuildLines(big).ok());
}

TEST(ReceiptHashTest, EmptyOrHexSha256) {
  EXPECT_EQ(ReceiptHash(""), "");
  // FIPS 180-2 test vector.
  EXPECT_EQ(ReceiptHash("abc"), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad");
  EXPECT_EQ(ReceiptHash(kGoldenReceipt),
            "2a670f5e7148ea35c1dbfa2294e247dbe9d6547a574740ad6c63697ba5780b32");
}

TEST(CanonicalEncodingTest, GoldenBytesAndHash) {
  const Entry e = GoldenEntry();
  // These bytes and this hash are the format of the hash chain: changing them
  // breaks every existing journal. Never update them casually.
  //
  // Cross-checked independently: a ~60-line python3 script (hashlib, struct)
  // written from journal.h's format description alone produced exactly these
  // bytes, this receipt_hash and this hash.
  const std::string golden_hex =
      "53453100"                                  // magic "SE1\0"
      "04"                                        // org: length 4
      "61636d65"                                  //   "acme"
      "000000000000002a"                          // seq 42
      "02"                                        // kind: capture
      "000661533dade3d0"                          // created_at 1795860005250000
      "000661533d5dc800"                          // budget_at 1795860000000000
      "05"                                        // ref: length 5
      "73705f3031"                                //   "sp_01"
      "05"                                        // hold: length 5
      "68645f3031"                                //   "hd_01"
      "10"                                        // agent: length 16
      "6d6b742d726573656172636865722d31"          //   "mkt-researcher-1"
      "03"                                        // path: 3 nodes
      "10"                                        //   length 16
      "6d6b742d726573656172636865722d31"          //   "mkt-researcher-1"
      "09"                                        //   length 9
      "6d61726b6574696e67"                        //   "marketing"
      "04"                                        //   length 4
      "61636d65"                                  //   "acme"
      "0e"                                        // vendor: length 14
      "6170692e64617461636f2e636f6d"              //   "api.dataco.com"
      "04"                                        // category: length 4
      "64617461"                                  //   "data"
      "07"                                        // session: length 7
      "736573732d3432"                            //   "sess-42"
      "0e"                                        // user: length 14
      "616c6963654061636d652e636f6d"              //   "alice@acme.com"
      "1b"                                        // intent: length 27, verbatim
      "7765656b6c792022636f6d70657469746f722220"  //   "weekly \"competitor\" "
      "7265706f72740a"                            //   "report\n"
      "000000000003d090"                          // amount 250000 (0.25)
      "00000000000f4240"                          // released 1000000 (1)
      "01"                                        // receipt_hash: raw digest
      "2a670f5e7148ea35c1dbfa2294e247db"          //   first 16 bytes
      "e9d6547a574740ad6c63697ba5780b32"          //   last 16 bytes
      "03"                                        // lines: 3
      "1b"                                        //   account: length 27
      "657870656e73653a646174613a6170692e"        //   "expense:data:api."
      "64617461636f2e636f6d"                      //   "dataco.com"
      "000000000003d090"                          //   amount 250000
      "0a"                                        //   account: length 10
      "686f6c64733a61636d65"                      //   "holds:acme"
      "fffffffffff0bdc0"                          //   amount -1000000
      "0c"                                        //   account: length 12
      "66756e64696e673a61636d65"                  //   "funding:acme"
      "00000000000b71b0"                          //   amount 750000
      "01"                                        // prev_hash: raw digest
      "0123456789abcdef0123456789abcdef"          //   first 16 bytes
      "0123456789abcdef0123456789abcdef";         //   last 16 bytes
  const std::string bytes = CanonicalEncoding(e);
  EXPECT_EQ(ToHex(bytes), golden_hex);
  EXPECT_EQ(bytes, Unhex(golden_hex));
  EXPECT_EQ(bytes.size(), 326u);
  EXPECT_EQ(e.receipt_hash, "2a670f5e7148ea35c1dbfa2294e247dbe9d6547a574740ad6c63697ba5780b32");
  EXPECT_EQ(e.hash, "a74c94d6b330525cf42e37b26d5a383adc8442938e5f02ad1cecb8c6039c7763");
  EXPECT_EQ(e.prev_hash, kPatternHash);
}

TEST(CanonicalEncodingTest, EmptyEntry) {
  // Every field at its default: the smallest encoding.
  EXPECT_EQ(ToHex(CanonicalEncoding(Entry{})),
            "53453100"          // magic
            "00"                // org ""
            "0000000000000000"  // seq 0
            "00"                // kind spend
            "0000000000000000"  // created_at 0
            "0000000000000000"  // budget_at 0
            "00000000"          // ref, hold, agent "", path 0 nodes
            "0000000000"        // vendor ... intent ""
            "0000000000000000"  // amount 0
            "0000000000000000"  // released 0
            "000000");          // receipt_hash "", 0 lines, prev_hash ""
  ExpectRoundTrip(Entry{}, "empty");
}

TEST(CanonicalEncodingTest, HashDefinition) {
  const Entry e = GoldenEntry();
  // hash = hex(SHA-256(encoding)); prev_hash is inside the encoding, not
  // prepended again.
  EXPECT_EQ(e.hash, ToHex(Sha256(CanonicalEncoding(e))));
  EXPECT_EQ(ComputeEntryHash(e), e.hash);
  Digest prev{};
  ASSERT_TRUE(FromHex(e.prev_hash, prev));
  const std::string raw_prev(reinterpret_cast<const char*>(prev.data()), prev.size());
  const std::string bytes = CanonicalEncoding(e);
  EXPECT_EQ(bytes.substr(bytes.size() - 33), "\x01" + raw_prev);
}

TEST(CanonicalEncodingTest, StartsWithFormatTag) {
  EXPECT_EQ(CanonicalEncoding(GoldenEntry()).substr(0, 4), std::string("SE1\0", 4));
  EXPECT_EQ(CanonicalEncoding(Entry{}).substr(0, 4), std::string("SE1\0", 4));
}

TEST(CanonicalEncodingTest, Stable) {
  const Entry e = GoldenEntry();
  const Entry copy = e;
  EXPECT_EQ(CanonicalEncoding(e), CanonicalEncoding(e));
  EXPECT_EQ(CanonicalEncoding(e), CanonicalEncoding(copy));
  EXPECT_EQ(ComputeEntryHash(copy), e.hash);
  EXPECT_EQ(ComputeEntryHash(e), ComputeEntryHash(e));
  // Neither the stored hash nor the receipt text is part of the encoding (the
  // receipt is bound through receipt_hash; the verifier checks the pair).
  Entry other = e;
  other.hash = "different";
  other.receipt = R"({"forged":true})";
  EXPECT_EQ(CanonicalEncoding(other), CanonicalEncoding(e));
  EXPECT_EQ(ComputeEntryHash(other), e.hash);
}

TEST(CanonicalEncodingTest, RoundTrips) {
  ExpectRoundTrip(GoldenEntry(), "golden");
  ExpectRoundTrip(TypicalSpend(), "typical");
  Entry odd = GoldenEntry();
  odd.prev_hash = "not-hex";
  odd.receipt_hash = std::string(64, 'A');  // uppercase: the text form
  odd.path = {"", "a", ""};
  odd.lines.push_back({"", kMin});
  odd.intent = std::string("\0\xff\x80 \"\\", 6);
  ExpectRoundTrip(odd, "odd");
  Entry big;
  big.intent = std::string(70'000, 'x');  // three-byte length; the heap path
  big.path.assign(300, "n");              // two-byte count
  ExpectRoundTrip(big, "big");
}

TEST(CanonicalEncodingTest, TypicalEntrySize) {
  // SHA-256 hashes n bytes in ceil((n + 9) / 64) blocks: ≤ 311 bytes is 5.
  const Entry e = TypicalSpend();
  EXPECT_EQ(CanonicalEncoding(e).size(), 287u);  // 5 blocks
  Entry with_receipt = e;
  with_receipt.receipt = R"({"tx":"0xabc"})";
  with_receipt.receipt_hash = ReceiptHash(with_receipt.receipt);
  EXPECT_EQ(CanonicalEncoding(with_receipt).size(), 287u + 32u);  // 6 blocks
}

TEST(CanonicalEncodingTest, ReceiptKeyOrderDoesNotMatter) {
  Result<std::string> r1 = CanonicalizeReceipt(R"({"b":1,"a":{"d":2,"c":3}})");
  Result<std::string> r2 = CanonicalizeReceipt("{ \"a\":{\"c\":3,\"d\":2}, \"b\":1 }");
  Result<std::string> r3 = CanonicalizeReceipt(R"({"b":1,"a":{"d":2,"c":4}})");
  ASSERT_TRUE(r1.ok());
  ASSERT_TRUE(r2.ok());
  ASSERT_TRUE(r3.ok());
  EXPECT_EQ(*r1, *r2);
  EXPECT_EQ(ReceiptHash(*r1), ReceiptHash(*r2));
  EXPECT_NE(ReceiptHash(*r1), ReceiptHash(*r3));
  Entry e1 = GoldenEntry();
  Entry e2 = GoldenEntry();
  Entry e3 = GoldenEntry();
  e1.receipt = *r1;
  e2.receipt = *r2;
  e3.receipt = *r3;
  for (Entry* e : {&e1, &e2, &e3}) {
    e->receipt_hash = ReceiptHash(e->receipt);
    SealEntry(*e, kGenesisHash);
  }
  EXPECT_EQ(CanonicalEncoding(e1), CanonicalEncoding(e2));
  EXPECT_EQ(e1.hash, e2.hash);
  EXPECT_NE(e1.hash, e3.hash);
  EXPECT_NE(e1.hash, GoldenEntry().hash);
}

TEST(CanonicalEncodingTest, EveryFieldIsBound) {
  const Entry base = GoldenEntry();
  const std::string base_bytes = CanonicalEncoding(base);
  const std::string base_hash = ComputeEntryHash(base);
  const std::vector<std::pair<const char*, std::function<void(Entry&)>>> edits = {
      {"org", [](Entry& e) { e.org = "acmf"; }},
      {"org empty", [](Entry& e) { e.org.clear(); }},
      {"seq", [](Entry& e) { e.seq = 43; }},
      {"seq high byte", [](Entry& e) { e.seq |= std::uint64_t{1} << 63; }},
      {"kind", [](Entry& e) { e.kind = EntryKind::kSpend; }},
      {"kind void", [](Entry& e) { e.kind = EntryKind::kVoid; }},
      {"created_at", [](Entry& e) { e.created_at += 1; }},
      {"budget_at", [](Entry& e) { e.budget_at -= 1; }},
      {"timestamps swapped", [](Entry& e) { std::swap(e.created_at, e.budget_at); }},
      {"ref", [](Entry& e) { e.ref = "sp_02"; }},
      {"hold", [](Entry& e) { e.hold = ""; }},
      {"agent", [](Entry& e) { e.agent = "other"; }},
      {"path element", [](Entry& e) { e.path[1] = "marketinG"; }},
      {"path order", [](Entry& e) { std::swap(e.path[0], e.path[1]); }},
      {"path dropped", [](Entry& e) { e.path.pop_back(); }},
      {"path added", [](Entry& e) { e.path.push_back(""); }},
      {"path split",
       [](Entry& e) {
         e.path = {"mkt-researcher-1marketing", "acme"};
       }},
      {"vendor", [](Entry& e) { e.vendor = "api.dataco.net"; }},
      {"category", [](Entry& e) { e.category = "llm"; }},
      {"session", [](Entry& e) { e.session = "sess-43"; }},
      {"user", [](Entry& e) { e.user = "bob@acme.com"; }},
      {"intent", [](Entry& e) { e.intent = "weekly \"competitor\" report"; }},
      {"amount", [](Entry& e) { e.amount += 1; }},
      {"amount sign", [](Entry& e) { e.amount = -e.amount; }},
      {"released", [](Entry& e) { e.released -= 1; }},
      {"receipt_hash", [](Entry& e) { e.receipt_hash[63] = '3'; }},
      {"receipt_hash empty", [](Entry& e) { e.receipt_hash.clear(); }},
      {"receipt_hash uppercase",
       [](Entry& e) {
         for (char& c : e.receipt_hash) c = static_cast<char>(std::toupper(c));
       }},
      {"line 0 account", [](Entry& e) { e.lines[0].account = "expense:data:x"; }},
      {"line 0 amount", [](Entry& e) { e.lines[0].amount += 1; }},
      {"line 1 account", [](Entry& e) { e.lines[1].account = "holds:acmf"; }},
      {"line 1 amount", [](Entry& e) { e.lines[1].amount -= 1; }},
      {"line 2 account", [](Entry& e) { e.lines[2].account = "funding:acmf"; }},
      {"line 2 amount", [](Entry& e) { e.lines[2].amount = 0; }},
      {"line dropped", [](Entry& e) { e.lines.pop_back(); }},
      {"line added",
       [](Entry& e) {
         e.lines.push_back({"", 0});
       }},
      {"line order", [](Entry& e) { std::swap(e.lines[0], e.lines[1]); }},
      {"prev_hash", [](Entry& e) { e.prev_hash[63] = 'e'; }},
      {"prev_hash first byte", [](Entry& e) { e.prev_hash[0] = '1'; }},
      {"prev_hash genesis", [](Entry& e) { e.prev_hash = kGenesisHash; }},
      {"prev_hash empty", [](Entry& e) { e.prev_hash.clear(); }},
      {"prev_hash uppercase", [](Entry& e) { e.prev_hash[10] = 'A'; }},
      {"prev_hash malformed", [](Entry& e) { e.prev_hash = "not-hex"; }},
  };
  std::set<std::string> hashes = {base_hash};
  for (const auto& [name, edit] : edits) {
    Entry e = base;
    edit(e);
    ASSERT_NE(e, base) << name;
    EXPECT_NE(CanonicalEncoding(e), base_bytes) << name;
    const std::string hash = ComputeEntryHash(e);
    EXPECT_NE(hash, base_hash) << name;
    EXPECT_TRUE(hashes.insert(hash).second) << name << ": same hash as another edit";
    ExpectRoundTrip(e, name);
  }
}

TEST(CanonicalEncodingTest, Unambiguous) {
  // Pairs that plain concatenation (or a missing count) would confuse.
  const std::vector<std::pair<const char*, std::function<void(Entry&, Entry&)>>> pairs = {
      {"agent/vendor boundary",
       [](Entry& a, Entry& b) {
         a.agent = "ab";
         a.vendor = "c";
         b.agent = "a";
         b.vendor = "bc";
       }},
      {"ref/hold boundary",
       [](Entry& a, Entry& b) {
         a.ref = "sp_1";
         a.hold = "";
         b.ref = "sp_";
         b.hold = "1";
       }},
      {"session/user/intent",
       [](Entry& a, Entry& b) {
         a.session = "s";
         a.user = "";
         a.intent = "x";
         b.session = "";
         b.user = "s";
         b.intent = "x";
       }},
      {"path split",
       [](Entry& a, Entry& b) {
         a.path = {"a", "b"};
         b.path = {"ab"};
       }},
      {"path empty element",
       [](Entry& a, Entry& b) {
         a.path = {"a", ""};
         b.path = {"a"};
       }},
      {"no path vs one empty node",
       [](Entry& a, Entry& b) {
         a.path = {};
         b.path = {""};
       }},
      {"path/vendor boundary",
       [](Entry& a, Entry& b) {
         a.path = {"a", "b"};
         a.vendor = "";
         b.path = {"a"};
         b.vendor = "b";
       }},
      {"line account split",
       [](Entry& a, Entry& b) {
         a.lines = {{"ab", 1}};
         b.lines = {{"a", 1}, {"b", 1}};
       }},
      {"digest empty vs malformed",
       [](Entry& a, Entry& b) {
         a.receipt_hash = "";
         b.receipt_hash = std::string(1, '\0');
       }},
      {"digest lower vs upper",
       [](Entry& a, Entry& b) {
         a.prev_hash = std::string(64, 'a');
         b.prev_hash = std::string(64, 'A');
       }},
      {"digest raw vs text of the same bytes",
       [](Entry& a, Entry& b) {
         a.prev_hash = std::string(64, '0');
         b.prev_hash = Unhex(std::string(64, '0'));  // 32 zero bytes as text
       }},
      {"receipt_hash vs prev_hash",
       [](Entry& a, Entry& b) {
         a.receipt_hash = kGenesisHash;
         a.prev_hash = "";
         b.receipt_hash = "";
         b.prev_hash = kGenesisHash;
       }},
      {"string holding a length prefix",
       [](Entry& a, Entry& b) {
         a.agent = std::string("\x01x", 2);
         a.vendor = "";
         b.agent = "";
         b.vendor = "x";
       }},
  };
  for (const auto& [name, make] : pairs) {
    Entry a = GoldenEntry();
    Entry b = GoldenEntry();
    make(a, b);
    EXPECT_NE(CanonicalEncoding(a), CanonicalEncoding(b)) << name;
    EXPECT_NE(ComputeEntryHash(a), ComputeEntryHash(b)) << name;
    ExpectRoundTrip(a, name);
    ExpectRoundTrip(b, name);
  }
}

TEST(CanonicalEncodingTest, LengthPrefixesAreMinimalLeb128) {
  // In an otherwise empty entry the intent's length starts at byte 38.
  const std::pair<std::size_t, std::string> cases[] = {
      {0, "00"},     {1, "01"},       {127, "7f"},       {128, "8001"},
      {300, "ac02"}, {16383, "ff7f"}, {16384, "808001"},
  };
  for (const auto& [size, prefix] : cases) {
    Entry e;
    e.intent = std::string(size, 'x');
    const std::string bytes = CanonicalEncoding(e);
    EXPECT_EQ(ToHex(bytes.substr(38, prefix.size() / 2)), prefix) << size;
    EXPECT_EQ(bytes.size(), 58 - 1 + prefix.size() / 2 + size) << size;
    ExpectRoundTrip(e, "intent");
  }
}

TEST(CanonicalEncodingTest, StringsAreVerbatim) {
  Entry e;
  e.intent = std::string("a\"b\\c\n\x01\0", 8);
  e.user = "caf\xC3\xA9";
  const std::string bytes = CanonicalEncoding(e);
  EXPECT_NE(bytes.find(std::string("\x08"
                                   "a\"b\\c\n\x01\0",
                                   9)),
            std::string::npos);
  EXPECT_NE(bytes.find("\x05"
                       "caf\xC3\xA9"),
            std::string::npos);
  // A crafted value cannot forge another field: it stays inside its length.
  Entry forged;
  forged.agent = std::string("\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x03\xe7", 14);
  std::optional<Entry> decoded = Decoder::Decode(CanonicalEncoding(forged));
  ASSERT_TRUE(decoded.has_value());
  EXPECT_EQ(decoded->agent, forged.agent);
  EXPECT_EQ(decoded->amount, 0);
}

TEST(CanonicalEncodingTest, ExtremeValues) {
  Entry e;
  e.seq = std::numeric_limits<std::uint64_t>::max();
  e.kind = EntryKind::kExpire;
  e.created_at = std::numeric_limits<Timestamp>::min();
  e.budget_at = std::numeric_limits<Timestamp>::max();
  e.amount = kMin;
  e.released = kMax;
  e.lines = {{"", -1}};
  const std::string hex = ToHex(CanonicalEncoding(e));
  EXPECT_EQ(hex.substr(2 * 5, 2 * 8), "ffffffffffffffff");    // seq
  EXPECT_EQ(hex.substr(2 * 13, 2), "04");                     // kind
  EXPECT_EQ(hex.substr(2 * 14, 2 * 8), "8000000000000000");   // created_at
  EXPECT_EQ(hex.substr(2 * 22, 2 * 8), "7fffffffffffffff");   // budget_at
  EXPECT_EQ(hex.substr(2 * 39, 2 * 8), "8000000000000000");   // amount
  EXPECT_EQ(hex.substr(2 * 47, 2 * 8), "7fffffffffffffff");   // released
  EXPECT_EQ(hex.substr(2 * 55), "000100ffffffffffffffff00");  // receipt_hash, lines, prev_hash
  ExpectRoundTrip(e, "extreme");
}

TEST(CanonicalEncodingTest, DigestForms) {
  Entry e;
  const auto tail = [&e](std::string prev_hash) {
    e.prev_hash = std::move(prev_hash);
    return ToHex(CanonicalEncoding(e).substr(57));  // prev_hash is last, at byte 57
  };
  EXPECT_EQ(tail(""), "00");
  EXPECT_EQ(tail(kGenesisHash), "01" + std::string(64, '0'));
  EXPECT_EQ(tail(kPatternHash), "01" + kPatternHash);
  EXPECT_EQ(tail("not-hex"), "0207" + ToHex(std::string_view("not-hex")));
  const std::string upper(64, 'F');
  EXPECT_EQ(tail(upper), "0240" + ToHex(upper));
  const std::string short_hex(62, 'a');
  EXPECT_EQ(tail(short_hex), "023e" + ToHex(short_hex));
  EXPECT_EQ(tail(kGenesisHash + "00"), "0242" + ToHex(kGenesisHash + "00"));
}

TEST(SealEntryTest, ChainsPrevHash) {
  Entry first = GoldenEntry();
  Entry second = GoldenEntry();
  second.seq = 43;
  SealEntry(second, first.hash);
  EXPECT_EQ(second.prev_hash, first.hash);
  EXPECT_EQ(second.hash, ComputeEntryHash(second));
  // The same entry sealed after a different predecessor hashes differently.
  Entry third = second;
  SealEntry(third, kGenesisHash);
  EXPECT_NE(third.hash, second.hash);
  EXPECT_EQ(second.hash.size(), 64u);
}

TEST(SealEntryTest, MalformedPrevHashIsHashedAsText) {
  Entry e = GoldenEntry();
  SealEntry(e, "not-hex");
  EXPECT_EQ(e.prev_hash, "not-hex");
  const std::string bytes = CanonicalEncoding(e);
  EXPECT_EQ(bytes.substr(bytes.size() - 9), "\x02\x07not-hex");
  EXPECT_EQ(e.hash, ToHex(Sha256(bytes)));
  EXPECT_EQ(ComputeEntryHash(e), e.hash);
}

}  // namespace
}  // namespace stub
