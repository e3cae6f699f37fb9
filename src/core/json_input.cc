#include "core/json_input.h"

#include <cmath>
#include <string>
#include <utility>
#include <vector>

// The DOM is built from nlohmann/json's SAX events by an explicit stack of
// open containers (as nlohmann's own json_sax_dom_parser does), with every
// bound checked at the event that would break it; returning false from an
// event stops the parse there.

namespace stub {
namespace {

using Json = nlohmann::json;

class BoundedDomBuilder {
 public:
  using number_integer_t = Json::number_integer_t;
  using number_unsigned_t = Json::number_unsigned_t;
  using number_float_t = Json::number_float_t;
  using string_t = Json::string_t;
  using binary_t = Json::binary_t;

  BoundedDomBuilder(const JsonLimits& limits, Json& root) : limits_(limits), root_(root) {}

  bool null() { return Put(nullptr) != nullptr; }
  bool boolean(bool v) { return Put(v) != nullptr; }
  bool number_integer(number_integer_t v) { return Put(v) != nullptr; }
  bool number_unsigned(number_unsigned_t v) { return Put(v) != nullptr; }
  bool number_float(number_float_t v, const string_t& /*literal*/) {
    if (!std::isfinite(v)) return Fail(InvalidArgument("number out of range", "invalid_json"));
    return Put(v) != nullptr;
  }
  bool string(string_t& s) {
    if (!CheckString(s, /*is_key=*/false)) return false;
    return Put(std::move(s)) != nullptr;
  }
  bool binary(binary_t& /*unused*/) {
    return Fail(InvalidArgument("binary values are not JSON", "invalid_json"));
  }
  bool start_object(std::size_t /*unused*/) { return Open(Json::value_t::object); }
  bool key(string_t& k) {
    if (!CheckString(k, /*is_key=*/true)) return false;
    auto& members = open_.back()->get_ref<Json::object_t&>();
    auto [it, inserted] = members.emplace(std::move(k), nullptr);
    if (!inserted) {
      return Fail(InvalidArgument("duplicate key '" + Printable(it->first) + "'", "invalid_json"));
    }
    member_ = &it->second;
    key_ = &it->first;
    return true;
  }
  bool end_object() { return Close(); }
  bool start_array(std::size_t /*unused*/) { return Open(Json::value_t::array); }
  bool end_array() { return Close(); }
  bool parse_error(std::size_t position, const std::string& /*last_token*/,
                   const nlohmann::detail::exception& /*ex*/) {
    // nlohmann's message quotes raw input, which may not be UTF-8: not used.
    return Fail(
        InvalidArgument("not valid JSON (or not valid UTF-8) near byte " + std::to_string(position),
                        "invalid_json"));
  }

  const Status& status() const { return status_; }

 private:
  bool Fail(Status s) {
    if (status_.ok()) status_ = std::move(s);
    return false;
  }

  // A key for messages: at most 64 bytes, controls dropped.
  static std::string Printable(std::string_view s) {
    std::string out;
    for (char c : s.substr(0, 64)) {
      if (static_cast<unsigned char>(c) >= 0x20) out += c;
    }
    return out;
  }

  std::string FieldName(bool is_key) const {
    if (is_key) return "a key";
    if (key_ != nullptr && !open_.empty() && open_.back()->is_object()) {
      return "'" + Printable(*key_) + "'";
    }
    return key_ != nullptr ? "a value under '" + Printable(*key_) + "'" : "a string";
  }

  bool CheckString(const string_t& s, bool is_key) {
    if (s.size() > limits_.max_string_bytes) {
      return Fail(InvalidArgument(FieldName(is_key) + " is longer than " +
                                      std::to_string(limits_.max_string_bytes) + " bytes",
                                  "invalid_request"));
    }
    if (!limits_.allow_nul && s.find('\0') != string_t::npos) {
      return Fail(
          InvalidArgument(FieldName(is_key) + " must not contain NUL (U+0000)", "invalid_request"));
    }
    return true;
  }

  // Places `v` as the next value; returns where it lives.
  Json* Put(Json&& v) {
    if (open_.empty()) {
      root_ = std::move(v);
      return &root_;
    }
    Json& parent = *open_.back();
    if (parent.is_array()) {
      auto& elements = parent.get_ref<Json::array_t&>();
      elements.push_back(std::move(v));
      return &elements.back();
    }
    *member_ = std::move(v);
    return member_;
  }

  bool Open(Json::value_t type) {
    if (open_.size() >= limits_.max_depth) {
      return Fail(InvalidArgument(
          "JSON nesting deeper than " + std::to_string(limits_.max_depth) + " levels",
          "invalid_json"));
    }
    // A container's parent does not grow while the container is open, so
    // the pointer stays valid until Close().
    open_.push_back(Put(Json(type)));
    return true;
  }

  bool Close() {
    open_.pop_back();
    return true;
  }

  const JsonLimits& limits_;
  Json& root_;
  std::vector<Json*> open_;           // the open containers, innermost last
  Json* member_ = nullptr;            // the open object's member awaiting its value
  const std::string* key_ = nullptr;  // the last key read (for messages)
  Status status_;
};

}  // namespace

Result<Json> ParseBoundedJson(std::string_view text, const JsonLimits& limits) {
  if (text.size() > limits.max_bytes) {
    return Status(StatusCode::kResourceExhausted,
                  "the JSON is larger than " + std::to_string(limits.max_bytes) + " bytes",
                  "payload_too_large");
  }
  try {
    Json root;
    BoundedDomBuilder builder(limits, root);
    const bool ok = Json::sax_parse(text.begin(), text.end(), &builder, Json::input_format_t::json,
                                    /*strict=*/true, /*ignore_comments=*/false);
    if (!ok) {
      if (!builder.status().ok()) return builder.status();
      return InvalidArgument("not valid JSON", "invalid_json");
    }
    return root;
  } catch (const std::bad_alloc&) {
    return Status(StatusCode::kResourceExhausted, "the JSON is too large", "payload_too_large");
  } catch (...) {  // nlohmann reports errors through parse_error; nothing else is expected
    return InvalidArgument("not valid JSON", "invalid_json");
  }
}

}  // namespace stub
