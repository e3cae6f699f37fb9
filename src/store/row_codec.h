// Row encoding shared by the SQL stores (SQLite, PostgreSQL): how the nested
// fields of a row become column values and back.
//
//   limits   [[amount, "period"], …]           compact JSON text
//   lines    [["account", amount], …]          compact JSON text
//   path     ["node", …]                       compact JSON text
//   outcome  {"status", "id", "amount", …}     compact JSON text
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
#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/budget.h"
#include "core/journal.h"
#include "core/outcome.h"
#include "core/status.h"

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

}  // namespace stub::row_codec
