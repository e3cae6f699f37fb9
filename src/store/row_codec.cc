#include "store/row_codec.h"

#include <algorithm>
#include <charconv>
#include <cstring>
#include <iterator>
#include <optional>
#include <string>
#include <string_view>
#include <utility>
#include <vector>

#include "core/policy_json.h"

namespace stub::row_codec {

namespace {

std::int64_t JsonI64(const Json& j) {
  if (!j.is_number_integer()) throw DecodeError("expected an integer");
  return j.get<std::int64_t>();
}

std::string JsonStr(const Json& j) {
  if (!j.is_string()) throw DecodeError("expected a string");
  return j.get<std::string>();
}

// Writes compact JSON straight into a string: the write path of every spend
// encodes lines, path and outcome, and building nlohmann values (a std::map
// per object) costs more than the rest of the encoding. Integers are written
// exactly; a string that is not valid UTF-8 throws DecodeError instead of
// being altered. The output is read back with nlohmann (Parse).
class JsonWriter {
 public:
  // `reserve`: the expected output size, so that appends never reallocate.
  explicit JsonWriter(std::size_t reserve = 128) { out_.reserve(reserve); }
  std::string Take() && { return std::move(out_); }

  JsonWriter& Raw(std::string_view text) {
    out_.append(text);
    return *this;
  }
  JsonWriter& Int(std::int64_t v) { return Number(v); }
  JsonWriter& UInt(std::uint64_t v) { return Number(v); }
  JsonWriter& Null() { return Raw("null"); }
  // "key": — with a leading comma unless first.
  // Keys are this file's own ASCII literals: written as they are.
  // Keys are short: built on the stack and appended at once.
  JsonWriter& Key(std::string_view key, bool first = false) {
    char buf[64];
    if (key.size() > sizeof buf - 4) throw DecodeError("key too long");
    std::size_t n = 0;
    if (!first) buf[n++] = ',';
    buf[n++] = '"';
    std::memcpy(buf + n, key.data(), key.size());
    n += key.size();
    buf[n++] = '"';
    buf[n++] = ':';
    out_.append(buf, n);
    return *this;
  }
  JsonWriter& Str(std::string_view v) {
    if (v.empty()) return Raw("\"\"");
    out_.push_back('"');
    // Fast path: printable ASCII without quotes or backslashes (ids, hashes,
    // host names) is copied in one go.
    if (std::all_of(v.begin(), v.end(), [](char ch) {
          const auto c = static_cast<unsigned char>(ch);
          return c >= 0x20 && c < 0x80 && c != '"' && c != '\\';
        })) {
      out_.append(v);
      out_.push_back('"');
      return *this;
    }
    CheckUtf8(v);
    std::size_t run = 0;  // start of the pending run of bytes copied as they are
    for (std::size_t i = 0; i < v.size(); ++i) {
      const auto c = static_cast<unsigned char>(v[i]);
      if (c >= 0x20 && c != '"' && c != '\\') continue;
      out_.append(v.data() + run, i - run);
      run = i + 1;
      switch (c) {
        case '"':
          out_.append("\\\"");
          break;
        case '\\':
          out_.append("\\\\");
          break;
        case '\n':
          out_.append("\\n");
          break;
        case '\r':
          out_.append("\\r");
          break;
        case '\t':
          out_.append("\\t");
          break;
        default: {
          static constexpr char kHex[] = "0123456789abcdef";
          const char esc[] = {'\\', 'u', '0', '0', kHex[c >> 4], kHex[c & 0xf]};
          out_.append(esc, sizeof esc);
        }
      }
    }
    out_.append(v.data() + run, v.size() - run);
    out_.push_back('"');
    return *this;
  }

 private:
  template <typename T>
  JsonWriter& Number(T v) {
    char buf[24];
    const auto r = std::to_chars(std::begin(buf), std::end(buf), v);
    out_.append(buf, r.ptr);
    return *this;
  }

  // Well-formed UTF-8 (no overlongs, surrogates or code points past U+10FFFF).
  static void CheckUtf8(std::string_view v) {
    const auto* p = reinterpret_cast<const unsigned char*>(v.data());
    const std::size_t n = v.size();
    for (std::size_t i = 0; i < n;) {
      const unsigned c = p[i];
      if (c < 0x80) {  // ASCII
        ++i;
        continue;
      }
      std::size_t len = 0;
      unsigned lo = 0x80;
      unsigned hi = 0xbf;
      if (c >= 0xc2 && c <= 0xdf) {
        len = 2;
      } else if (c >= 0xe0 && c <= 0xef) {
        len = 3;
        if (c == 0xe0) lo = 0xa0;
        if (c == 0xed) hi = 0x9f;
      } else if (c >= 0xf0 && c <= 0xf4) {
        len = 4;
        if (c == 0xf0) lo = 0x90;
        if (c == 0xf4) hi = 0x8f;
      } else {
        throw DecodeError("not valid UTF-8");
      }
      if (n - i < len) throw DecodeError("not valid UTF-8");
      if (p[i + 1] < lo || p[i + 1] > hi) throw DecodeError("not valid UTF-8");
      for (std::size_t k = 2; k < len; ++k) {
        if (p[i + k] < 0x80 || p[i + k] > 0xbf) throw DecodeError("not valid UTF-8");
      }
      i += len;
    }
  }

  std::string out_;
};
}  // namespace

Json Parse(const std::string& text) {
  Json j = Json::parse(text, nullptr, /*allow_exceptions=*/false);
  if (j.is_discarded()) throw DecodeError("not JSON");
  return j;
}

std::string EncodeStrings(const std::vector<std::string>& v) {
  JsonWriter w;
  w.Raw("[");
  for (std::size_t i = 0; i < v.size(); ++i) {
    if (i > 0) w.Raw(",");
    w.Str(v[i]);
  }
  w.Raw("]");
  return std::move(w).Take();
}

std::vector<std::string> DecodeStrings(const Json& j) {
  if (!j.is_array()) throw DecodeError("expected an array");
  std::vector<std::string> out;
  out.reserve(j.size());
  for (const auto& s : j) out.push_back(JsonStr(s));
  return out;
}

// limits: [[amount, "period"], …]
std::string EncodeLimits(const std::vector<Limit>& limits) {
  JsonWriter w;
  w.Raw("[");
  for (std::size_t i = 0; i < limits.size(); ++i) {
    w.Raw(i > 0 ? ",[" : "[").Int(limits[i].amount).Raw(",").Str(PeriodName(limits[i].period));
    w.Raw("]");
  }
  w.Raw("]");
  return std::move(w).Take();
}

std::vector<Limit> DecodeLimits(const Json& j) {
  if (!j.is_array()) throw DecodeError("limits: expected an array");
  std::vector<Limit> out;
  for (const auto& l : j) {
    if (!l.is_array() || l.size() != 2) throw DecodeError("limit: expected [amount, period]");
    out.push_back({JsonI64(l[0]), ParseName<Period>(JsonStr(l[1]), ParsePeriod)});
  }
  return out;
}

// lines: [["account", amount], …]
std::string EncodeLines(const std::vector<Line>& lines) {
  JsonWriter w;
  w.Raw("[");
  for (std::size_t i = 0; i < lines.size(); ++i) {
    w.Raw(i > 0 ? ",[" : "[").Str(lines[i].account).Raw(",").Int(lines[i].amount).Raw("]");
  }
  w.Raw("]");
  return std::move(w).Take();
}

std::vector<Line> DecodeLines(const Json& j) {
  if (!j.is_array()) throw DecodeError("lines: expected an array");
  std::vector<Line> out;
  out.reserve(j.size());
  for (const auto& l : j) {
    if (!l.is_array() || l.size() != 2) throw DecodeError("line: expected [account, amount]");
    out.push_back({JsonStr(l[0]), JsonI64(l[1])});
  }
  return out;
}

void PutI64(std::string& out, std::int64_t v) {
  const auto u = static_cast<std::uint64_t>(v);
  for (int shift = 56; shift >= 0; shift -= 8) {
    out.push_back(static_cast<char>((u >> shift) & 0xff));
  }
}

std::int64_t GetI64(const std::string& in, std::size_t at) {
  std::uint64_t u = 0;
  for (std::size_t i = 0; i < 8; ++i) u = (u << 8) | static_cast<unsigned char>(in[at + i]);
  return static_cast<std::int64_t>(u);
}

std::string EncodeBalances(const NodeBalances& b) {
  std::string out;
  out.reserve(kBalancesBytes);
  for (const auto& bucket : b) {
    PutI64(out, bucket.start);
    PutI64(out, bucket.spent);
    PutI64(out, bucket.held);
  }
  return out;
}

NodeBalances DecodeBalances(const std::string& in) {
  if (in.size() != kBalancesBytes) throw DecodeError("balances: wrong size");
  NodeBalances b{};
  for (std::size_t i = 0; i < kPeriodCount; ++i) {
    b[i].start = GetI64(in, i * 24);
    b[i].spent = GetI64(in, i * 24 + 8);
    b[i].held = GetI64(in, i * 24 + 16);
  }
  return b;
}

std::string EncodePolicy(const Policy& p) {
  if (p.empty()) return std::string();
  return PolicyToJson(p).dump();
}

Policy DecodePolicy(const std::string& text) {
  if (text.empty()) return Policy{};
  auto p = PolicyFromJson(Parse(text), /*normalize=*/false);
  if (!p.ok()) throw DecodeError("policy: does not parse");
  return std::move(*p);
}

std::string EncodeWindow(const WindowCounter& w) {
  std::string out;
  out.reserve(kWindowBytes);
  PutI64(out, w.amount);
  PutI64(out, w.count);
  PutI64(out, w.last_at);
  return out;
}

WindowCounter DecodeWindow(const std::string& in) {
  if (in.empty()) return WindowCounter{};
  if (in.size() != kWindowBytes) throw DecodeError("window: wrong size");
  return WindowCounter{GetI64(in, 0), GetI64(in, 8), GetI64(in, 16)};
}

namespace {

std::optional<OutcomeStatus> ParseOutcomeStatus(std::string_view name) {
  for (auto s : {OutcomeStatus::kApproved, OutcomeStatus::kDenied, OutcomeStatus::kHeld,
                 OutcomeStatus::kPendingApproval}) {
    if (OutcomeStatusName(s) == name) return s;
  }
  return std::nullopt;
}

void WriteDenial(JsonWriter& w, const Denial& d) {
  w.Raw("{").Key("reason", true).Str(DenyReasonName(d.reason)).Key("node").Str(d.node);
  w.Key("period");
  if (d.period) {
    w.Str(PeriodName(*d.period));
  } else {
    w.Null();
  }
  w.Key("limit").Int(d.limit).Key("used").Int(d.used).Key("message").Str(d.message);
  if (d.window_seconds != 0) w.Key("window_seconds").Int(d.window_seconds);
  if (d.counts_spends) w.Key("counts_spends").Raw("true");
  w.Raw("}");
}

Denial DecodeDenial(const Json& j) {
  if (!j.is_object()) throw DecodeError("denial: expected an object");
  Denial d;
  d.reason = ParseName<DenyReason>(JsonStr(j.at("reason")), ParseDenyReason);
  d.node = JsonStr(j.at("node"));
  if (!j.at("period").is_null()) {
    d.period = ParseName<Period>(JsonStr(j.at("period")), ParsePeriod);
  }
  d.limit = JsonI64(j.at("limit"));
  d.used = JsonI64(j.at("used"));
  d.message = JsonStr(j.at("message"));
  if (auto it = j.find("window_seconds"); it != j.end()) d.window_seconds = JsonI64(*it);
  if (auto it = j.find("counts_spends"); it != j.end())
    d.counts_spends = it->is_boolean() && it->get<bool>();
  return d;
}

}  // namespace

// Version 2: a positional array (see row_codec.h). The object form of
// version 1 spelled every key out on every row, about half of each
// idempotency row: the rows every spend writes.
std::string EncodeOutcome(const Outcome& o) {
  JsonWriter w(96 + o.id.size() + o.entry_hash.size() + (o.binding ? o.binding->node.size() : 0) +
               (o.denial ? 128 + o.denial->node.size() + o.denial->message.size() : 0));
  w.Raw("[2,").Str(OutcomeStatusName(o.status)).Raw(",").Str(o.id).Raw(",").Int(o.amount);
  w.Raw(",").UInt(o.entry_seq).Raw(",").Str(o.entry_hash).Raw(",");
  if (o.effective_remaining) {
    w.Int(*o.effective_remaining);
  } else {
    w.Null();
  }
  w.Raw(",").Int(o.expires_at).Raw(",");
  if (o.binding) {
    w.Raw("[").Str(o.binding->node).Raw(",").Str(PeriodName(o.binding->period)).Raw("]");
  } else {
    w.Null();
  }
  w.Raw(",");
  if (o.denial) {
    WriteDenial(w, *o.denial);
  } else {
    w.Null();
  }
  w.Raw("]");
  return std::move(w).Take();
}

namespace {

std::uint64_t JsonSeq(const Json& seq) {
  if (!seq.is_number_unsigned() && !(seq.is_number_integer() && seq.get<std::int64_t>() >= 0)) {
    throw DecodeError("entry_seq: expected an unsigned integer");
  }
  return seq.get<std::uint64_t>();
}

// Version 1, written before the positional form: an object with every key.
Outcome DecodeOutcomeObject(const Json& j) {
  Outcome o;
  o.status = ParseName<OutcomeStatus>(JsonStr(j.at("status")), ParseOutcomeStatus);
  o.id = JsonStr(j.at("id"));
  o.amount = JsonI64(j.at("amount"));
  o.entry_seq = JsonSeq(j.at("entry_seq"));
  o.entry_hash = JsonStr(j.at("entry_hash"));
  if (!j.at("effective_remaining").is_null()) {
    o.effective_remaining = JsonI64(j.at("effective_remaining"));
  }
  if (const Json& b = j.at("binding"); !b.is_null()) {
    o.binding =
        Binding{JsonStr(b.at("node")), ParseName<Period>(JsonStr(b.at("period")), ParsePeriod)};
  }
  if (const Json& d = j.at("denial"); !d.is_null()) o.denial = DecodeDenial(d);
  o.expires_at = JsonI64(j.at("expires_at"));
  return o;
}

}  // namespace

Outcome DecodeOutcome(const Json& j) {
  if (j.is_object()) return DecodeOutcomeObject(j);
  if (!j.is_array() || j.size() != 10 || j[0] != 2) {
    throw DecodeError("outcome: expected a version 2 array or a version 1 object");
  }
  Outcome o;
  o.status = ParseName<OutcomeStatus>(JsonStr(j[1]), ParseOutcomeStatus);
  o.id = JsonStr(j[2]);
  o.amount = JsonI64(j[3]);
  o.entry_seq = JsonSeq(j[4]);
  o.entry_hash = JsonStr(j[5]);
  if (!j[6].is_null()) o.effective_remaining = JsonI64(j[6]);
  o.expires_at = JsonI64(j[7]);
  if (const Json& b = j[8]; !b.is_null()) {
    if (!b.is_array() || b.size() != 2) throw DecodeError("binding: expected [node, period]");
    o.binding = Binding{JsonStr(b[0]), ParseName<Period>(JsonStr(b[1]), ParsePeriod)};
  }
  if (const Json& d = j[9]; !d.is_null()) o.denial = DecodeDenial(d);
  return o;
}

}  // namespace stub::row_codec
