#include "core/canonical_json.h"

#include <algorithm>
#include <array>
#include <charconv>
#include <cmath>
#include <cstdint>
#include <nlohmann/json.hpp>
#include <string>
#include <string_view>
#include <system_error>
#include <utility>
#include <vector>

#include "core/json_input.h"

// Canonicalization streams nlohmann/json's SAX events (its strict lexer does
// the grammar and UTF-8 validation) into canonical text, bottom-up: scalars
// are written as they arrive, each object is held as (key, canonical value)
// pairs until its end, then sorted and written. No DOM is built.
//
// Decisions, pinned by the tests:
//   - Integer literals are written exactly, whatever their size (a literal
//     beyond 64 bits keeps its digits instead of being rounded to a double).
//   - Other numbers (a fraction or an exponent) are IEEE-754 doubles written
//     as ECMAScript's Number::toString does (RFC 8785 §3.2.2.3): shortest
//     round-trip digits, so 1.0 → 1, 1e2 → 100, 1.5e-7 → 1.5e-7, 1e21 → 1e+21,
//     -0.0 → 0. Non-finite values cannot occur (overflow is a parse error).
//   - A duplicate object key is refused (invalid_json), as by the request
//     parser (core/json_input.h): a receipt never means two things.
//   - Strings: only '"', '\\' and control characters are escaped (\b \f \n \r
//     \t, else \u00xx in lowercase hex); everything else is raw UTF-8.
//   - A UTF-8 byte order mark before the document is ignored.
//   - Nesting deeper than kMaxJsonDepth is refused (bounds time and memory).
//     The walk is iterative (an explicit stack of frames), so the bound holds
//     whatever the input: callers need not depth-check it first.

namespace stub {
namespace {

using Json = nlohmann::json;

// Bytes that JSON strings must escape: '"', '\\' and the controls.
constexpr std::array<bool, 256> kNeedsEscape = [] {
  std::array<bool, 256> t{};
  for (std::size_t c = 0; c < 0x20; ++c) t[c] = true;
  t['"'] = true;
  t['\\'] = true;
  return t;
}();

inline bool NeedsEscape(char c) { return kNeedsEscape[static_cast<unsigned char>(c)]; }

// Appends a finite double as ECMAScript Number::toString would.
void AppendDouble(std::string& out, double v) {
  if (v == 0) {  // +0 and -0
    out += '0';
    return;
  }
  if (v < 0) {
    out += '-';
    v = -v;
  }
  // Shortest round-trip digits in scientific form: "d[.ddd]e±XX".
  char buf[64];
  const auto [end, ec] = std::to_chars(buf, buf + sizeof(buf), v, std::chars_format::scientific);
  if (ec != std::errc()) {  // cannot happen with a 64-byte buffer
    out += "0";
    return;
  }
  const std::string_view sci(buf, static_cast<std::size_t>(end - buf));
  const std::size_t e_pos = sci.find('e');
  std::string digits;
  digits.reserve(24);
  for (char c : sci.substr(0, e_pos)) {
    if (c != '.') digits += c;
  }
  int exp10 = 0;
  std::from_chars(sci.data() + e_pos + (sci[e_pos + 1] == '+' ? 2 : 1), sci.data() + sci.size(),
                  exp10);
  const int k = static_cast<int>(digits.size());
  const int n = exp10 + 1;  // value = 0.digits × 10^n
  if (k <= n && n <= 21) {
    out += digits;
    out.append(static_cast<std::size_t>(n - k), '0');
  } else if (0 < n && n <= 21) {
    out.append(digits, 0, static_cast<std::size_t>(n));
    out += '.';
    out.append(digits, static_cast<std::size_t>(n));
  } else if (-6 < n && n <= 0) {
    out += "0.";
    out.append(static_cast<std::size_t>(-n), '0');
    out += digits;
  } else {
    out += digits[0];
    if (k > 1) {
      out += '.';
      out.append(digits, 1);
    }
    out += 'e';
    out += n - 1 < 0 ? '-' : '+';
    out += std::to_string(n - 1 < 0 ? 1 - n : n - 1);
  }
}

template <typename Int>
void AppendInt(std::string& out, Int v) {
  char buf[24];
  out.append(buf, std::to_chars(buf, buf + sizeof(buf), v).ptr);
}

class CanonicalWriter {
 public:
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  bool null() {
    Slot() += "null";
    return true;
  }
  bool boolean(bool v) {
    Slot() += v ? "true" : "false";
    return true;
  }
  bool number_integer(Json::number_integer_t v) {
    AppendInt(Slot(), v);
    return true;
  }
  bool number_unsigned(Json::number_unsigned_t v) {
    AppendInt(Slot(), v);
    return true;
  }
  bool number_float(Json::number_float_t v, const string_t& literal) {
    if (!std::isfinite(v)) return Fail("number out of range");
    if (literal.find_first_of(".eE") == string_t::npos) {
      Slot() += literal;  // an integer beyond 64 bits: keep it exact
    } else {
      AppendDouble(Slot(), v);
    }
    return true;
  }
  bool string(string_t& v) {
    AppendJsonString(Slot(), v);
    return true;
  }
  bool binary(binary_t& /*unused*/) { return Fail("binary values are not JSON"); }
  bool start_object(std::size_t /*unused*/) { return Push(/*is_object=*/true); }
  bool key(string_t& k) {
    frames_.back().key = std::move(k);
    return true;
  }
  bool end_object() {
    Frame frame = std::move(frames_.back());
    frames_.pop_back();
    auto& members = frame.members;
    std::sort(members.begin(), members.end(),
              [](const Member& a, const Member& b) { return a.first < b.first; });
    for (std::size_t i = 1; i < members.size(); ++i) {
      if (members[i].first == members[i - 1].first) return Fail("duplicate key in a JSON object");
    }
    std::size_t size = 2;
    for (const Member& m : members) size += m.first.size() + m.second.size() + 4;
    std::string text;
    text.reserve(size);
    text += '{';
    bool first = true;
    for (std::size_t i = 0; i < members.size(); ++i) {
      if (!first) text += ',';
      first = false;
      AppendJsonString(text, members[i].first);
      text += ':';
      text += members[i].second;
    }
    text += '}';
    Put(std::move(text));
    return true;
  }
  bool start_array(std::size_t /*unused*/) { return Push(/*is_object=*/false); }
  bool end_array() {
    Frame frame = std::move(frames_.back());
    frames_.pop_back();
    frame.text += ']';
    Put(std::move(frame.text));
    return true;
  }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*ex*/) {
    // nlohmann's message quotes raw input, which may not be UTF-8: not used.
    return Fail("invalid JSON near byte " + std::to_string(position));
  }

  const std::string& result() const { return result_; }
  const std::string& error() const { return error_; }

 private:
  using Member = std::pair<std::string, std::string>;
  struct Frame {
    bool is_object = false;
    bool empty = true;
    std::string text;             // arrays: "[" and the elements so far
    std::vector<Member> members;  // objects
    std::string key;              // objects: the key awaiting its value
  };

  bool Fail(std::string message) {
    if (error_.empty()) error_ = std::move(message);
    return false;
  }

  bool Push(bool is_object) {
    if (frames_.size() >= kMaxJsonDepth) {
      return Fail("JSON nesting deeper than " + std::to_string(kMaxJsonDepth) + " levels");
    }
    Frame& f = frames_.emplace_back();
    f.is_object = is_object;
    if (!is_object) f.text += '[';
    return true;
  }

  // Where the next value's text goes.
  std::string& Slot() {
    if (frames_.empty()) return result_;
    Frame& f = frames_.back();
    if (f.is_object) return f.members.emplace_back(std::move(f.key), std::string()).second;
    if (!f.empty) f.text += ',';
    f.empty = false;
    return f.text;
  }

  void Put(std::string&& text) {
    std::string& slot = Slot();
    if (slot.empty()) {
      slot = std::move(text);
    } else {
      slot += text;
    }
  }

  std::vector<Frame> frames_;
  std::string result_;
  std::string error_;
};

}  // namespace

Result<std::string> CanonicalizeJson(std::string_view text) {
  try {
    CanonicalWriter writer;
    const bool ok = Json::sax_parse(text.begin(), text.end(), &writer, Json::input_format_t::json,
                                    /*strict=*/true, /*ignore_comments=*/false);
    if (!ok) {
      return InvalidArgument(writer.error().empty() ? "invalid JSON" : writer.error(),
                             "invalid_json");
    }
    return std::string(writer.result());
  } catch (...) {  // nothing but std::bad_alloc is expected here
    return InvalidArgument("invalid JSON", "invalid_json");
  }
}

Result<std::string> CanonicalizeReceipt(std::string_view text) {
  const std::string too_large =
      "'receipt' is larger than " + std::to_string(kMaxReceiptBytes) + " bytes (canonical JSON)";
  if (text.size() > kMaxJsonBytes) return InvalidArgument(too_large, "invalid_request");
  Result<std::string> canonical = CanonicalizeJson(text);
  if (!canonical.ok()) return canonical;
  if (canonical->empty() || canonical->front() != '{') {
    return InvalidArgument("'receipt' must be a JSON object", "invalid_request");
  }
  if (canonical->size() > kMaxReceiptBytes) return InvalidArgument(too_large, "invalid_request");
  return canonical;
}

void AppendJsonString(std::string& out, std::string_view s) {
  // The common case needs no escaping: one scan, one append.
  std::size_t clean = 0;
  while (clean < s.size() && !NeedsEscape(s[clean])) ++clean;
  out += '"';
  out.append(s.data(), clean);
  if (clean == s.size()) {
    out += '"';
    return;
  }
  static constexpr char kHex[] = "0123456789abcdef";
  for (char c : s.substr(clean)) {
    switch (c) {
      case '"':
        out += "\\\"";
        break;
      case '\\':
        out += "\\\\";
        break;
      case '\b':
        out += "\\b";
        break;
      case '\f':
        out += "\\f";
        break;
      case '\n':
        out += "\\n";
        break;
      case '\r':
        out += "\\r";
        break;
      case '\t':
        out += "\\t";
        break;
      default:
        if (static_cast<unsigned char>(c) < 0x20) {
          out += "\\u00";
          out += kHex[(static_cast<unsigned char>(c) >> 4) & 0x0f];
          out += kHex[static_cast<unsigned char>(c) & 0x0f];
        } else {
          out += c;
        }
    }
  }
  out += '"';
}

}  // namespace stub
