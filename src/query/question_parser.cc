#include "query/question_parser.h"

#include <algorithm>
#include <array>
#include <cctype>
#include <cstdint>
#include <map>
#include <optional>
#include <set>
#include <utility>

#include "core/civil.h"

namespace stub {
namespace {

using Tokens = std::vector<std::string>;
constexpr std::int64_t kDayMicros = civil::kMicrosPerDay;

// --- tokens -------------------------------------------------------------------

struct Token {
  std::string text;
  bool quoted = false;
};

bool WordChar(char c) {
  return std::isalnum(static_cast<unsigned char>(c)) != 0 || c == '@' || c == '.' || c == '-' ||
         c == '_' || c == '\'' || c == '#' || c == '$' || c == '/' || c == '+' || c == '%' ||
         c == '=' || c == '*' || c == '<' || c == '>' || static_cast<unsigned char>(c) >= 0x80;
}

std::string Lower(std::string_view s) {
  std::string out(s);
  for (char& c : out) c = static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
  return out;
}

std::vector<Token> Tokenize(std::string_view question) {
  std::string q(question);
  // Typographic quotes and apostrophes.
  auto replace = [&](std::string_view from, std::string_view to) {
    for (std::size_t at = q.find(from); at != std::string::npos; at = q.find(from, at)) {
      q.replace(at, from.size(), to);
      at += to.size();
    }
  };
  replace("\xe2\x80\x99", "'");
  replace("\xe2\x80\x98", "'");
  replace("\xe2\x80\x9c", "\"");
  replace("\xe2\x80\x9d", "\"");
  std::vector<Token> out;
  std::size_t i = 0;
  while (i < q.size()) {
    const char c = q[i];
    if (c == '"') {
      const std::size_t end = q.find('"', i + 1);
      const std::size_t stop = end == std::string::npos ? q.size() : end;
      std::string inner = q.substr(i + 1, stop - i - 1);
      // Trim.
      while (!inner.empty() && inner.back() == ' ') inner.pop_back();
      while (!inner.empty() && inner.front() == ' ') inner.erase(inner.begin());
      if (!inner.empty()) out.push_back({inner, true});
      i = stop + 1;
      continue;
    }
    if (!WordChar(c)) {
      ++i;
      continue;
    }
    std::size_t j = i;
    while (j < q.size() && WordChar(q[j])) ++j;
    std::string w = Lower(q.substr(i, j - i));
    i = j;
    // Trailing sentence dots, wrapping apostrophes and dashes.
    while (!w.empty() && (w.back() == '.' || w.back() == '\'' || w.back() == '-')) {
      // "agents'" is a plural possessive.
      w.pop_back();
    }
    while (!w.empty() && (w.front() == '\'' || w.front() == '-' || w.front() == '.')) {
      w.erase(w.begin());
    }
    if (w.size() > 2 && w.ends_with("'s")) w.resize(w.size() - 2);
    if (w.empty()) continue;
    out.push_back({w, false});
  }
  return out;
}

// --- numbers and calendar -------------------------------------------------------

std::optional<std::int64_t> Number(std::string_view w) {
  static const std::map<std::string, std::int64_t, std::less<>> kWords = {
      {"one", 1},     {"two", 2},     {"three", 3},    {"four", 4},    {"five", 5},
      {"six", 6},     {"seven", 7},   {"eight", 8},    {"nine", 9},    {"ten", 10},
      {"eleven", 11}, {"twelve", 12}, {"fifteen", 15}, {"twenty", 20}, {"thirty", 30}};
  if (auto it = kWords.find(w); it != kWords.end()) return it->second;
  if (w.empty() || w.size() > 6) return std::nullopt;
  std::int64_t v = 0;
  for (char c : w) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + (c - '0');
  }
  return v;
}

// "3", "3rd", "1st", "22nd", "15th" → day of month.
std::optional<unsigned> DayOfMonth(std::string_view w) {
  std::string_view digits = w;
  for (std::string_view suffix : {"st", "nd", "rd", "th"}) {
    if (w.size() > 2 && w.ends_with(suffix)) digits = w.substr(0, w.size() - 2);
  }
  if (digits.empty() || digits.size() > 2) return std::nullopt;
  unsigned v = 0;
  for (char c : digits) {
    if (c < '0' || c > '9') return std::nullopt;
    v = v * 10 + static_cast<unsigned>(c - '0');
  }
  if (v < 1 || v > 31) return std::nullopt;
  return v;
}

std::optional<unsigned> MonthName(std::string_view w) {
  static constexpr std::array<std::string_view, 12> kFull = {
      "january", "february", "march",     "april",   "may",      "june",
      "july",    "august",   "september", "october", "november", "december"};
  for (unsigned m = 0; m < 12; ++m) {
    if (w == kFull[m]) return m + 1;
    if (w.size() >= 3 && w.size() < kFull[m].size() && kFull[m].starts_with(w) && m != 4) {
      if (w.size() == 3 || (m == 8 && w == "sept")) return m + 1;
    }
  }
  return std::nullopt;
}

std::optional<unsigned> Weekday(std::string_view w) {  // 0 = Monday
  static constexpr std::array<std::string_view, 7> kFull = {
      "monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday"};
  for (unsigned d = 0; d < 7; ++d) {
    if (w == kFull[d] || (w.size() == 3 && kFull[d].starts_with(w))) return d;
  }
  return std::nullopt;
}

std::optional<std::int64_t> Year(std::string_view w) {
  if (w.size() != 4) return std::nullopt;
  auto n = Number(w);
  if (!n || *n < 1970 || *n > 2200) return std::nullopt;
  return n;
}

std::int64_t DaysOf(std::int64_t y, unsigned m, unsigned d) {
  return civil::DaysFromCivil(y, m, d);
}
Timestamp AtDay(std::int64_t days) { return days * kDayMicros; }

struct Range {
  std::optional<Timestamp> from;
  std::optional<Timestamp> to;
};

// A calendar date or span a phrase names: [first, last] days.
struct DateSpan {
  std::int64_t first = 0;
  std::int64_t last = 0;  // inclusive
  std::size_t used = 0;   // tokens consumed
};

class TimeParser {
 public:
  TimeParser(const std::vector<Token>& t, Timestamp now)
      : t_(t), now_(now), today_(civil::FloorDiv(now, kDayMicros)) {
    const civil::Date d = civil::CivilFromDays(today_);
    year_ = d.year;
    month_ = d.month;
  }

  // A time expression starting at token i: its range and the tokens used.
  std::optional<std::pair<Range, std::size_t>> At(std::size_t i) const {
    const std::string& w = Word(i);
    if (w == "all" && Word(i + 1) == "time") return std::make_pair(Range{}, std::size_t{2});
    if (w == "ever" || w == "overall" || w == "alltime") {
      return std::make_pair(Range{}, std::size_t{1});
    }
    if (w == "ytd" || (w == "year" && Word(i + 1) == "to" && Word(i + 2) == "date")) {
      return std::make_pair(Span(DaysOf(year_, 1, 1), today_), std::size_t{w == "ytd" ? 1u : 3u});
    }
    if (w == "mtd" || (w == "month" && Word(i + 1) == "to" && Word(i + 2) == "date")) {
      return std::make_pair(Span(DaysOf(year_, month_, 1), today_),
                            std::size_t{w == "mtd" ? 1u : 3u});
    }
    if (w == "this" || w == "current") {
      if (auto s = Period(Word(i + 1), 0)) return std::make_pair(*s, std::size_t{2});
    }
    if (w == "last" || w == "previous" || w == "prior" || w == "past") {
      // "last 7 days", "past 2 weeks".
      if (auto n = Number(Word(i + 1))) {
        if (auto r = Rolling(*n, Word(i + 2))) return std::make_pair(*r, std::size_t{3});
      }
      if (w == "past") {
        if (auto r = Rolling(1, Word(i + 1))) return std::make_pair(*r, std::size_t{2});
      } else {
        if (auto s = Period(Word(i + 1), -1)) return std::make_pair(*s, std::size_t{2});
        if (auto d = Weekday(Word(i + 1))) {
          // "last Friday": the most recent one before today.
          const std::int64_t day = LastWeekday(*d, /*strictly_before=*/true);
          return std::make_pair(Span(day, day), std::size_t{2});
        }
      }
    }
    if (w == "since") {
      // "since the start of the month".
      std::size_t k = i + 1;
      if (Word(k) == "the") ++k;
      if (Word(k) == "start" || Word(k) == "beginning") {
        ++k;
        if (Word(k) == "of") ++k;
        if (Word(k) == "the" || Word(k) == "this") ++k;
        if (auto s = Period(Word(k), 0)) {
          return std::make_pair(Range{s->from, std::nullopt}, k + 1 - i);
        }
      }
    }
    if (w == "since" || w == "after") {
      if (auto d = Date(i + 1)) {
        const std::int64_t first = w == "since" ? d->first : d->last + 1;
        return std::make_pair(Range{AtDay(first), std::nullopt}, d->used + 1);
      }
    }
    if (w == "before" || w == "until" || w == "till") {
      if (auto d = Date(i + 1)) {
        const std::int64_t end = w == "before" ? d->first : d->last + 1;
        return std::make_pair(Range{std::nullopt, AtDay(end)}, d->used + 1);
      }
    }
    if (w == "between" || w == "from") {
      if (auto r = Between(i + 1)) return std::make_pair(r->first, r->second + 1);
    }
    if (auto r = Between(i)) {
      // "1 to 15 November" without "between".
      if (Word(i + 1) == "to" || Word(i + 1) == "through" || Word(i + 1) == "until") return r;
    }
    if (auto d = Date(i)) return std::make_pair(Span(d->first, d->last), d->used);
    return std::nullopt;
  }

 private:
  const std::string& Word(std::size_t i) const {
    static const std::string kEmpty;
    return i < t_.size() && !t_[i].quoted ? t_[i].text : kEmpty;
  }

  static Range Span(std::int64_t first, std::int64_t last) {
    return Range{AtDay(first), AtDay(last + 1)};
  }

  // The calendar period of `unit` containing today (offset 0) or the one
  // before (offset -1).
  std::optional<Range> Period(const std::string& unit, int offset) const {
    if (unit == "day") {
      return Span(today_ + offset, today_ + offset);
    }
    if (unit == "week") {
      const std::int64_t monday = today_ - civil::IsoWeekdayIndex(today_) + 7 * offset;
      return Span(monday, monday + 6);
    }
    if (unit == "month") {
      std::int64_t y = year_;
      int m = static_cast<int>(month_) + offset;
      if (m < 1) {
        m += 12;
        --y;
      }
      return MonthSpan(y, static_cast<unsigned>(m));
    }
    if (unit == "quarter") {
      int q = static_cast<int>((month_ - 1) / 3) + offset;
      std::int64_t y = year_;
      if (q < 0) {
        q += 4;
        --y;
      }
      return QuarterSpan(y, static_cast<unsigned>(q + 1));
    }
    if (unit == "year") {
      const std::int64_t y = year_ + offset;
      return Range{AtDay(DaysOf(y, 1, 1)), AtDay(DaysOf(y + 1, 1, 1))};
    }
    return std::nullopt;
  }

  static Range MonthSpan(std::int64_t y, unsigned m) {
    const std::int64_t first = DaysOf(y, m, 1);
    return Range{AtDay(first), AtDay(first + civil::DaysInMonth(y, m))};
  }

  static Range QuarterSpan(std::int64_t y, unsigned q) {
    const unsigned m = (q - 1) * 3 + 1;
    const std::int64_t next = q == 4 ? DaysOf(y + 1, 1, 1) : DaysOf(y, m + 3, 1);
    return Range{AtDay(DaysOf(y, m, 1)), AtDay(next)};
  }

  // The last n units up to now: from only.
  std::optional<Range> Rolling(std::int64_t n, const std::string& unit) const {
    if (n < 1 || n > 3660) return std::nullopt;
    std::string u = unit;
    if (u.size() > 1 && u.back() == 's') u.pop_back();
    if (u == "hour") return Range{now_ - n * 3'600'000'000LL, std::nullopt};
    if (u == "day") return Range{now_ - n * kDayMicros, std::nullopt};
    if (u == "week") return Range{now_ - n * 7 * kDayMicros, std::nullopt};
    if (u == "month") {
      std::int64_t y = year_;
      std::int64_t m = static_cast<std::int64_t>(month_) - n;
      while (m < 1) {
        m += 12;
        --y;
      }
      const civil::Date d = civil::CivilFromDays(today_);
      const unsigned day = std::min(d.day, civil::DaysInMonth(y, static_cast<unsigned>(m)));
      return Range{now_ - AtDay(today_) + AtDay(DaysOf(y, static_cast<unsigned>(m), day)),
                   std::nullopt};
    }
    if (u == "year") {
      return Range{now_ - AtDay(today_) +
                       AtDay(DaysOf(year_ - n, month_, 1) + (civil::CivilFromDays(today_).day - 1)),
                   std::nullopt};
    }
    return std::nullopt;
  }

  // The most recent `weekday` on or before today (before today when
  // strictly_before).
  std::int64_t LastWeekday(unsigned weekday, bool strictly_before) const {
    const std::int64_t monday = today_ - civil::IsoWeekdayIndex(today_);
    std::int64_t day = monday + weekday;
    if (day > today_ || (strictly_before && day == today_)) day -= 7;
    return day;
  }

  // The year of a month named without one: this year's, unless it has not
  // started yet.
  std::int64_t YearOfMonth(unsigned m) const { return m > month_ ? year_ - 1 : year_; }

  // A date or span at token i: ISO date or month, "3 November", "November
  // 3rd", "the 3rd of November", a month name (with a year), a year, a
  // weekday, today, yesterday, Qn.
  std::optional<DateSpan> Date(std::size_t i) const {
    std::size_t at = i;
    if (Word(at) == "on" || Word(at) == "in" || Word(at) == "during") ++at;
    if (Word(at) == "the") ++at;
    const std::size_t skipped = at - i;
    auto done = [&](std::int64_t first, std::int64_t last, std::size_t used) {
      return DateSpan{first, last, used + skipped};
    };
    const std::string& w = Word(at);
    if (w.empty()) return std::nullopt;
    if (w == "today") return done(today_, today_, 1);
    if (w == "yesterday") return done(today_ - 1, today_ - 1, 1);
    // ISO date / month.
    if (w.size() == 10 && w[4] == '-' && w[7] == '-') {
      auto y = Year(w.substr(0, 4));
      auto m = Number(w.substr(5, 2));
      auto d = Number(w.substr(8, 2));
      if (y && m && d && *m >= 1 && *m <= 12 && *d >= 1 &&
          *d <= civil::DaysInMonth(*y, static_cast<unsigned>(*m))) {
        const std::int64_t day = DaysOf(*y, static_cast<unsigned>(*m), static_cast<unsigned>(*d));
        return done(day, day, 1);
      }
      return std::nullopt;
    }
    if (w.size() == 7 && w[4] == '-') {
      auto y = Year(w.substr(0, 4));
      auto m = Number(w.substr(5, 2));
      if (y && m && *m >= 1 && *m <= 12) {
        const Range r = MonthSpan(*y, static_cast<unsigned>(*m));
        return done(*r.from / kDayMicros, *r.to / kDayMicros - 1, 1);
      }
      return std::nullopt;
    }
    // Quarters: "q3", "q3 2025", "third quarter".
    std::optional<unsigned> quarter;
    std::size_t qused = 0;
    if (w.size() == 2 && w[0] == 'q' && w[1] >= '1' && w[1] <= '4') {
      quarter = static_cast<unsigned>(w[1] - '0');
      qused = 1;
    } else if (Word(at + 1) == "quarter") {
      static const std::map<std::string, unsigned, std::less<>> kOrd = {
          {"first", 1}, {"second", 2}, {"third", 3}, {"fourth", 4},
          {"1st", 1},   {"2nd", 2},    {"3rd", 3},   {"4th", 4}};
      if (auto it = kOrd.find(w); it != kOrd.end()) {
        quarter = it->second;
        qused = 2;
      }
    }
    if (quarter) {
      std::int64_t y = *quarter > (month_ - 1) / 3 + 1 ? year_ - 1 : year_;
      if (auto yy = Year(Word(at + qused))) {
        y = *yy;
        ++qused;
      }
      const Range r = QuarterSpan(y, *quarter);
      return done(*r.from / kDayMicros, *r.to / kDayMicros - 1, qused);
    }
    if (auto y = Year(w)) {
      return done(DaysOf(*y, 1, 1), DaysOf(*y + 1, 1, 1) - 1, 1);
    }
    if (auto d = Weekday(w)) {
      const std::int64_t day = LastWeekday(*d, false);
      return done(day, day, 1);
    }
    // "November 3rd (2026)", "November (2026)".
    if (auto m = MonthName(w)) {
      std::size_t used = 1;
      std::optional<unsigned> dom = DayOfMonth(Word(at + 1));
      if (dom) ++used;
      std::int64_t y = YearOfMonth(*m);
      if (auto yy = Year(Word(at + used))) {
        y = *yy;
        ++used;
      }
      if (dom) {
        if (*dom > civil::DaysInMonth(y, *m)) return std::nullopt;
        const std::int64_t day = DaysOf(y, *m, *dom);
        return done(day, day, used);
      }
      const Range r = MonthSpan(y, *m);
      return done(*r.from / kDayMicros, *r.to / kDayMicros - 1, used);
    }
    // "3 November (2026)", "3rd of November".
    if (auto dom = DayOfMonth(w)) {
      std::size_t used = 1;
      if (Word(at + used) == "of") ++used;
      if (auto m = MonthName(Word(at + used))) {
        ++used;
        std::int64_t y = YearOfMonth(*m);
        if (auto yy = Year(Word(at + used))) {
          y = *yy;
          ++used;
        }
        if (*dom > civil::DaysInMonth(y, *m)) return std::nullopt;
        const std::int64_t day = DaysOf(y, *m, *dom);
        return done(day, day, used);
      }
    }
    return std::nullopt;
  }

  // "X and|to|through|until Y" from token i: [X.first, Y.last]. X may be a
  // bare day of month taking Y's month ("1 and 15 November").
  std::optional<std::pair<Range, std::size_t>> Between(std::size_t i) const {
    auto is_joiner = [](const std::string& w) {
      return w == "and" || w == "to" || w == "through" || w == "until" || w == "till" ||
             w == "thru";
    };
    std::optional<DateSpan> x = Date(i);
    std::size_t xused = 0;
    std::optional<unsigned> bare_day;
    if (x) {
      xused = x->used;
    } else if (auto dom = DayOfMonth(Word(i))) {
      bare_day = dom;
      xused = 1;
    } else {
      return std::nullopt;
    }
    if (!is_joiner(Word(i + xused))) return std::nullopt;
    std::optional<DateSpan> y = Date(i + xused + 1);
    if (!y) return std::nullopt;
    std::int64_t first = 0;
    if (bare_day) {
      const civil::Date yd = civil::CivilFromDays(y->first);
      if (*bare_day > civil::DaysInMonth(yd.year, yd.month)) return std::nullopt;
      first = DaysOf(yd.year, yd.month, *bare_day);
    } else {
      first = x->first;
    }
    if (first > y->last) return std::nullopt;
    return std::make_pair(Span(first, y->last), xused + 1 + y->used);
  }

  const std::vector<Token>& t_;
  Timestamp now_;
  std::int64_t today_;
  std::int64_t year_;
  unsigned month_;
};

// --- words ----------------------------------------------------------------------

enum class Act : std::uint8_t {
  kFiller,
  kTeam,
  kAgent,
  kVendor,
  kCategory,
  kUser,
  kSession,
  kIntent,
  kMeasure,    // value: total|count|average|max
  kGroup,      // value: a QueryGroup name (a grouping on its own: "daily")
  kGroupNoun,  // value: a QueryGroup name ("team", "vendors")
  kGroupNounPlural,
  kBy,  // "by", "per", "each", …
  kTop,
  kBottom,
  kWhich,
  kMost,
  kLeast,
  kBiggest,
  kSmallest,
  kSpendNoun,    // "spends", "transactions", … (plural: items)
  kList,         // "list", "itemize"
  kRecent,       // "recent", "latest"
  kOldest,       // "oldest", "earliest", "first"
  kDenied,       // "denied", "blocked", …
  kApproved,     // "approved"
  kWhy,          // "why"
  kSessionWord,  // "session": the next token is a session id
  kIntentWord,   // "intent", "about": a quoted text follows
  kUnsupported,  // a negation or threshold: cannot be expressed
};

struct Meaning {
  Act act = Act::kFiller;
  std::string value;
};

void AddPhrase(std::map<Tokens, Meaning>& dict, const std::string& phrase, Meaning m,
               bool override_existing = false) {
  Tokens words;
  std::size_t i = 0;
  while (i < phrase.size()) {
    const std::size_t sp = phrase.find(' ', i);
    const std::size_t end = sp == std::string::npos ? phrase.size() : sp;
    if (end > i) words.push_back(phrase.substr(i, end - i));
    i = end + 1;
  }
  if (words.empty()) return;
  if (override_existing) {
    dict[words] = std::move(m);
  } else {
    dict.try_emplace(std::move(words), std::move(m));
  }
}

// Fixed vocabulary.
void AddKeywords(std::map<Tokens, Meaning>& d) {
  for (const char* w : {"how",        "much",
                        "did",        "do",
                        "does",       "done",
                        "we",         "our",
                        "us",         "i",
                        "me",         "my",
                        "you",        "the",
                        "a",          "an",
                        "of",         "on",
                        "in",         "at",
                        "for",        "to",
                        "from",       "with",
                        "was",        "were",
                        "is",         "are",
                        "be",         "been",
                        "has",        "have",
                        "had",        "what",
                        "whats",      "what's",
                        "spend",      "spent",
                        "spending",   "cost",
                        "costs",      "costing",
                        "money",      "dollars",
                        "usd",        "bucks",
                        "pay",        "paid",
                        "paying",     "and",
                        "or",         "all",
                        "every",      "any",
                        "there",      "so",
                        "far",        "please",
                        "tell",       "show",
                        "give",       "get",
                        "find",       "can",
                        "could",      "would",
                        "see",        "know",
                        "want",       "let",
                        "agent",      "agents",
                        "bot",        "bots",
                        "team",       "teams",
                        "vendor",     "vendors",
                        "provider",   "providers",
                        "category",   "categories",
                        "user",       "users",
                        "people",     "this",
                        "that",       "these",
                        "those",      "it",
                        "its",        "they",
                        "them",       "their",
                        "by",         "per",
                        "altogether", "combined",
                        "together",   "amount",
                        "amounts",    "value",
                        "sum",        "in total",
                        "overall",    "api",
                        "apis",       "services",
                        "service",    "usage",
                        "bill",       "bills",
                        "invoice",    "up",
                        "go",         "went",
                        "out",        "which",
                        "who",        "where",
                        "when",       "into",
                        "than",       "ones",
                        "one",        "thing",
                        "things",     "stuff",
                        "period",     "time",
                        "as",         "well",
                        "also",       "about",
                        "running",    "run",
                        "rack",       "racked",
                        "use",        "used",
                        "using",      "make",
                        "made",       "during",
                        "over",       "across",
                        "within",     "total",
                        "totals",     "expenses",
                        "expense",    "expenditure",
                        "been",       "just",
                        "only",       "exactly",
                        "roughly",    "approximately",
                        "currently",  "now",
                        "date",       "org",
                        "company",    "whole",
                        "entire",     "fleet",
                        "hey",        "hi",
                        "ok",         "okay",
                        "single",     "each",
                        "number",     "volume",
                        "result",     "results",
                        "report",     "breakdown",
                        "broken",     "down",
                        "split",      "grouped",
                        "group",      "compare",
                        "comparison", "versus",
                        "vs",         "between",
                        "burn",       "burned",
                        "burnt",      "blow",
                        "blew",       "through",
                        "trend",      "trends",
                        "size",       "got",
                        "received",   "receive",
                        "earn",       "earned",
                        "whom"}) {
    AddPhrase(d, w, {Act::kFiller, ""});
  }
  for (const char* w : {"how many", "number of", "count", "count of", "how often", "times"}) {
    AddPhrase(d, w, {Act::kMeasure, "count"}, true);
  }
  for (const char* w : {"how much", "total", "in total", "sum", "sum of", "totals"}) {
    AddPhrase(d, w, {Act::kMeasure, "total"}, true);
  }
  for (const char* w : {"average", "avg", "mean", "typical", "on average"}) {
    AddPhrase(d, w, {Act::kMeasure, "average"}, true);
  }
  for (const char* w : {"max", "maximum"}) AddPhrase(d, w, {Act::kMeasure, "max"}, true);
  for (const char* w : {"by", "per", "each", "for each", "for every", "across", "broken down by",
                        "breakdown by", "breakdown per", "split by", "grouped by", "group by",
                        "by each", "per each", "across all", "across the", "for all"}) {
    AddPhrase(d, w, {Act::kBy, ""}, true);
  }
  const std::pair<const char*, const char*> kNouns[] = {
      {"team", "team"},         {"agent", "agent"},     {"bot", "agent"},
      {"vendor", "vendor"},     {"provider", "vendor"}, {"supplier", "vendor"},
      {"merchant", "vendor"},   {"payee", "vendor"},    {"host", "vendor"},
      {"category", "category"}, {"type", "category"},   {"kind", "category"},
      {"user", "user"},         {"person", "user"},     {"employee", "user"},
      {"day", "day"},           {"date", "day"},        {"week", "week"},
      {"month", "month"},       {"reason", "reason"},   {"cause", "reason"}};
  const std::pair<const char*, const char*> kPlurals[] = {
      {"teams", "team"},       {"agents", "agent"},
      {"bots", "agent"},       {"vendors", "vendor"},
      {"providers", "vendor"}, {"suppliers", "vendor"},
      {"merchants", "vendor"}, {"payees", "vendor"},
      {"hosts", "vendor"},     {"categories", "category"},
      {"types", "category"},   {"kinds", "category"},
      {"users", "user"},       {"people", "user"},
      {"employees", "user"},   {"days", "day"},
      {"dates", "day"},        {"weeks", "week"},
      {"months", "month"},     {"reasons", "reason"},
      {"causes", "reason"}};
  for (const auto& [w, g] : kNouns) AddPhrase(d, w, {Act::kGroupNoun, g}, true);
  for (const auto& [w, g] : kPlurals) AddPhrase(d, w, {Act::kGroupNounPlural, g}, true);
  for (const auto& [w, g] :
       {std::pair{"daily", "day"}, std::pair{"day by day", "day"}, std::pair{"per day", "day"},
        std::pair{"weekly", "week"}, std::pair{"week by week", "week"},
        std::pair{"monthly", "month"}, std::pair{"month by month", "month"}}) {
    AddPhrase(d, w, {Act::kGroup, g}, true);
  }
  for (const char* w : {"top", "highest", "leading"}) AddPhrase(d, w, {Act::kTop, ""}, true);
  for (const char* w : {"bottom", "lowest"}) AddPhrase(d, w, {Act::kBottom, ""}, true);
  for (const char* w : {"which", "what"}) AddPhrase(d, w, {Act::kWhich, ""}, true);
  for (const char* w : {"who", "whose"}) AddPhrase(d, w, {Act::kWhich, "who"}, true);
  for (const char* w : {"most", "the most", "more", "heaviest", "biggest spender",
                        "biggest spenders", "top spender", "top spenders"}) {
    AddPhrase(d, w, {Act::kMost, ""}, true);
  }
  for (const char* w : {"least", "the least", "fewest", "less", "smallest spender"}) {
    AddPhrase(d, w, {Act::kLeast, ""}, true);
  }
  for (const char* w : {"biggest", "largest", "most expensive", "priciest", "costliest",
                        "highest single", "largest single", "biggest single", "max single"}) {
    AddPhrase(d, w, {Act::kBiggest, ""}, true);
  }
  for (const char* w : {"smallest", "cheapest", "least expensive", "tiniest"}) {
    AddPhrase(d, w, {Act::kSmallest, ""}, true);
  }
  for (const char* w : {"spends", "transactions", "payments", "purchases", "charges", "requests",
                        "entries", "items", "calls", "expenses", "attempts"}) {
    AddPhrase(d, w, {Act::kSpendNoun, "plural"}, true);
  }
  for (const char* w : {"transaction", "payment", "purchase", "charge", "request", "entry", "item",
                        "call", "attempt", "single spend"}) {
    AddPhrase(d, w, {Act::kSpendNoun, "singular"}, true);
  }
  for (const char* w : {"list", "itemize", "itemise", "enumerate", "show me the", "show the",
                        "details", "detail", "individual"}) {
    AddPhrase(d, w, {Act::kList, ""}, true);
  }
  for (const char* w : {"recent", "latest", "newest", "most recent", "last few"}) {
    AddPhrase(d, w, {Act::kRecent, ""}, true);
  }
  for (const char* w : {"oldest", "earliest"}) AddPhrase(d, w, {Act::kOldest, ""}, true);
  for (const char* w :
       {"denied",      "denial",   "denials",     "deny",        "blocked",    "block",
        "blocks",      "rejected", "reject",      "rejection",   "rejections", "refused",
        "refusal",     "refusals", "declined",    "decline",     "stopped",    "prevented",
        "turned down", "failed",   "not allowed", "not approved"}) {
    AddPhrase(d, w, {Act::kDenied, ""}, true);
  }
  for (const char* w :
       {"approved", "allowed", "successful", "succeeded", "went through", "accepted", "posted"}) {
    AddPhrase(d, w, {Act::kApproved, ""}, true);
  }
  AddPhrase(d, "why", {Act::kWhy, ""}, true);
  AddPhrase(d, "and why", {Act::kWhy, ""}, true);
  for (const char* w : {"session", "in session", "during session"}) {
    AddPhrase(d, w, {Act::kSessionWord, ""}, true);
  }
  for (const char* w : {"intent", "intents", "purpose", "with intent", "about", "regarding",
                        "mentioning", "for intent", "labelled", "labeled", "tagged"}) {
    AddPhrase(d, w, {Act::kIntentWord, ""}, true);
  }
  for (const char* w :
       {"not",   "except",     "excluding",  "exclude", "without", "other than", "besides",
        "but",   "apart from", "aside from", "no",      "never",   "neither",    "nor",
        "isn't", "wasn't",     "weren't",    "didn't",  "don't",   "doesn't"}) {
    AddPhrase(d, w, {Act::kUnsupported, "negation"}, true);
  }
  for (const char* w : {"above", "below", "under", "greater", "larger than", "bigger than",
                        "more than", "less than", "smaller than", "at least", "at most",
                        "exceeding", "exceeded", "cheaper", "pricier"}) {
    AddPhrase(d, w, {Act::kUnsupported, "threshold"}, true);
  }
  // "not allowed"/"not approved" mean denied; keep them over the negation.
  AddPhrase(d, "not allowed", {Act::kDenied, ""}, true);
  AddPhrase(d, "not approved", {Act::kDenied, ""}, true);
  AddPhrase(d, "went through", {Act::kApproved, ""}, true);
}

// Category synonyms (applied only to categories the org has).
const std::map<std::string, std::vector<std::string>>& CategorySynonyms() {
  static const std::map<std::string, std::vector<std::string>> k = {
      {"llm",
       {"llm",     "llms",       "tokens",          "token",          "models",      "model",
        "ai",      "ai models",  "language models", "language model", "inference",   "completions",
        "chat",    "llm tokens", "ai tokens",       "llm calls",      "model calls", "llm apis",
        "llm api", "genai",      "gen ai",          "generative ai"}},
      {"data",
       {"data", "data apis", "data api", "data providers", "data provider", "data vendors",
        "data services", "enrichment", "search", "search apis", "data sources", "datasets"}},
      {"compute",
       {"compute", "gpu", "gpus", "gpu compute", "cloud compute", "training", "hosting",
        "inference compute", "gpu time", "serverless"}},
      {"saas", {"saas", "software", "subscriptions", "tools", "saas tools", "software tools"}},
  };
  return k;
}

// Brand names of well-known vendor hosts.
const std::map<std::string, std::vector<std::string>>& VendorSynonyms() {
  static const std::map<std::string, std::vector<std::string>> k = {
      {"api.openai.com", {"openai", "open ai", "chatgpt", "gpt", "gpt-4o", "gpt-4", "o3"}},
      {"api.anthropic.com", {"anthropic", "claude"}},
      {"generativelanguage.googleapis.com", {"google", "gemini", "google ai"}},
      {"api.peopledatalabs.com", {"people data labs", "pdl", "peopledatalabs"}},
      {"api.search.brave.com", {"brave", "brave search"}},
      {"api.bufferapp.com", {"buffer"}},
  };
  return k;
}

// "api.openai.com" → "openai"; "serpapi.com" → "serpapi".
std::string BrandOf(const std::string& host) {
  std::vector<std::string> labels;
  std::size_t i = 0;
  while (i <= host.size()) {
    const std::size_t dot = host.find('.', i);
    const std::size_t end = dot == std::string::npos ? host.size() : dot;
    labels.push_back(host.substr(i, end - i));
    i = end + 1;
  }
  if (labels.size() < 2) return host;
  return labels[labels.size() - 2];
}

std::size_t EditDistance(std::string_view a, std::string_view b) {
  std::vector<std::size_t> prev(b.size() + 1), cur(b.size() + 1);
  for (std::size_t j = 0; j <= b.size(); ++j) prev[j] = j;
  for (std::size_t i = 1; i <= a.size(); ++i) {
    cur[0] = i;
    for (std::size_t j = 1; j <= b.size(); ++j) {
      cur[j] =
          std::min({prev[j] + 1, cur[j - 1] + 1, prev[j - 1] + (a[i - 1] == b[j - 1] ? 0 : 1)});
    }
    std::swap(prev, cur);
  }
  return prev[b.size()];
}

bool IsEntity(Act a) {
  return a == Act::kTeam || a == Act::kAgent || a == Act::kVendor || a == Act::kCategory ||
         a == Act::kUser;
}

// The dictionary for one catalogue: keywords, then the org's names.
std::map<Tokens, Meaning> BuildDictionary(const QueryCatalogue& cat) {
  std::map<Tokens, Meaning> d;
  AddKeywords(d);
  // Names override filler words ("research" may be a team) but not
  // structural keywords.
  auto add_name = [&](const std::string& phrase, Meaning m) {
    const std::vector<Token> toks = Tokenize(phrase);
    std::string joined;
    for (const Token& t : toks) {
      if (!joined.empty()) joined += ' ';
      joined += t.text;
    }
    if (joined.empty()) return;
    Tokens words;
    for (const Token& t : toks) words.push_back(t.text);
    auto it = d.find(words);
    if (it != d.end() && it->second.act != Act::kFiller && !IsEntity(it->second.act) &&
        it->second.act != Act::kIntent) {
      return;  // a keyword keeps its meaning
    }
    if (it != d.end() && IsEntity(it->second.act)) return;  // first name wins
    d[words] = std::move(m);
  };
  // Intents first: whole phrases, longest match wins anyway.
  for (const std::string& intent : cat.intents) {
    if (Tokenize(intent).size() >= 2) add_name(intent, {Act::kIntent, intent});
  }
  std::map<std::string, std::vector<std::string>> agent_aliases;
  for (const Node& n : cat.tree) {
    if (n.kind == NodeKind::kOrg) {
      // The org as a whole: no filter.
      add_name(n.id, {Act::kFiller, ""});
      add_name(n.name, {Act::kFiller, ""});
    } else if (n.kind == NodeKind::kTeam) {
      add_name(n.id, {Act::kTeam, n.id});
      add_name(n.name, {Act::kTeam, n.id});
      add_name(n.name + " team", {Act::kTeam, n.id});
      add_name("team " + n.name, {Act::kTeam, n.id});
      add_name(n.name + " teams", {Act::kTeam, n.id});
    } else if (n.kind == NodeKind::kAgent) {
      add_name(n.id, {Act::kAgent, n.id});
      add_name(n.name, {Act::kAgent, n.id});
      add_name(n.name + " agent", {Act::kAgent, n.id});
      add_name(n.name + " bot", {Act::kAgent, n.id});
      add_name("agent " + n.id, {Act::kAgent, n.id});
      // Aliases if unique: the id without "-N", the name without " N",
      // first and last word of a long name.
      const std::string id = n.id;
      const std::size_t dash = id.rfind('-');
      if (dash != std::string::npos && Number(id.substr(dash + 1))) {
        agent_aliases[id.substr(0, dash)].push_back(n.id);
      }
      const std::vector<Token> words = Tokenize(n.name);
      if (words.size() >= 2 && Number(words.back().text)) {
        std::string base;
        for (std::size_t i = 0; i + 1 < words.size(); ++i) base += (i ? " " : "") + words[i].text;
        agent_aliases[base].push_back(n.id);
      }
      if (words.size() >= 3) {
        agent_aliases[words.front().text + " " + words.back().text].push_back(n.id);
      }
    }
  }
  for (const std::string& v : cat.vendors) {
    add_name(v, {Act::kVendor, v});
    if (v.starts_with("api.")) add_name(v.substr(4), {Act::kVendor, v});
    const std::string brand = BrandOf(v);
    if (brand.size() >= 3) add_name(brand, {Act::kVendor, v});
    auto syn = VendorSynonyms().find(v);
    if (syn != VendorSynonyms().end()) {
      for (const std::string& s : syn->second) add_name(s, {Act::kVendor, v});
    }
  }
  for (const std::string& c : cat.categories) {
    add_name(c, {Act::kCategory, c});
    add_name(c + "s", {Act::kCategory, c});
    auto syn = CategorySynonyms().find(c);
    if (syn != CategorySynonyms().end()) {
      for (const std::string& s : syn->second) add_name(s, {Act::kCategory, c});
    }
  }
  for (const std::string& u : cat.users) {
    add_name(u, {Act::kUser, u});
    const std::size_t at = u.find('@');
    if (at != std::string::npos && at > 0) add_name(u.substr(0, at), {Act::kUser, u});
  }
  for (const std::string& s : cat.sessions) add_name(s, {Act::kSession, s});
  for (const auto& [alias, ids] : agent_aliases) {
    if (ids.size() == 1) add_name(alias, {Act::kAgent, ids[0]});
  }
  return d;
}

struct State {
  QuerySpec spec;
  std::optional<std::string> measure;
  std::optional<QueryGroup> group;
  std::optional<QueryGroup> which_noun;  // "which team"
  bool which_plural = false;
  std::optional<std::size_t> limit;
  bool top = false, bottom = false, most = false, least = false;
  bool biggest = false, smallest = false;
  bool ranked = false;  // "biggest vendors": top by total
  bool money = false;   // "cost", "spent": an amount is asked for
  bool who = false;     // "who spent …": agents
  bool items = false;   // plural spend nouns
  bool list = false, recent = false, oldest = false;
  bool denied = false, approved = false, why = false;
  std::optional<Range> time;
  bool two_times = false;
  std::vector<std::string> unknown;
  std::string unsupported;
};

void AddUnique(std::vector<std::string>& v, const std::string& s) {
  if (std::find(v.begin(), v.end(), s) == v.end()) v.push_back(s);
}

std::optional<QueryGroup> GroupOf(const std::string& name) { return ParseQueryGroup(name); }

}  // namespace

std::vector<std::string> ExampleQuestions() {
  return {"how much did each team spend last month?", "top 5 vendors this month",
          "how many spends were denied and why?", "what was the biggest single spend this week?",
          "daily spend on LLMs over the past 7 days"};
}

ParsedQuestion ParseQuestion(std::string_view question, const QueryCatalogue& cat, Timestamp now) {
  if (question.size() > 1000) {
    return Unanswerable{"The question is too long (at most 1,000 characters).", ExampleQuestions()};
  }
  const std::vector<Token> toks = Tokenize(question);
  if (toks.empty()) return Unanswerable{"The question is empty.", ExampleQuestions()};
  const std::map<Tokens, Meaning> dict = BuildDictionary(cat);
  std::size_t max_phrase = 1;
  for (const auto& [words, m] : dict) max_phrase = std::max(max_phrase, words.size());
  const TimeParser times(toks, now);
  State st;

  auto apply = [&](const Meaning& m, std::size_t i, std::size_t used) -> std::size_t {
    switch (m.act) {
      case Act::kFiller: {
        static const std::set<std::string, std::less<>> kMoney = {
            "cost", "costs", "costing", "spent", "spending", "paid", "bill", "bills", "money"};
        if (used == 1 && kMoney.contains(toks[i].text)) st.money = true;
        break;
      }
      case Act::kTeam:
        AddUnique(st.spec.teams, m.value);
        break;
      case Act::kAgent:
        AddUnique(st.spec.agents, m.value);
        break;
      case Act::kVendor:
        AddUnique(st.spec.vendors, m.value);
        break;
      case Act::kCategory:
        AddUnique(st.spec.categories, m.value);
        break;
      case Act::kUser:
        AddUnique(st.spec.users, m.value);
        break;
      case Act::kSession:
        AddUnique(st.spec.sessions, m.value);
        break;
      case Act::kIntent:
        if (!st.spec.intent.empty() && st.spec.intent != m.value) st.unsupported = "two intents";
        st.spec.intent = m.value;
        break;
      case Act::kMeasure:
        if (!st.measure || *st.measure == "total") st.measure = m.value;
        break;
      case Act::kGroup:
        st.group = GroupOf(m.value);
        break;
      case Act::kGroupNoun:
      case Act::kGroupNounPlural: {
        // After "by", "which", "top N": a grouping; else a filler word.
        std::size_t k = i;
        bool grouping = false;
        bool which = false;
        while (k > 0) {
          --k;
          const Token& prev = toks[k];
          if (prev.quoted) break;
          auto it = dict.find(Tokens{prev.text});
          const Act a = it != dict.end() ? it->second.act : Act::kFiller;
          if (a == Act::kBy || a == Act::kTop || a == Act::kBottom) {
            grouping = true;
            break;
          }
          if (a == Act::kWhich) {
            grouping = true;
            which = true;
            break;
          }
          if (a == Act::kBiggest || a == Act::kSmallest) {
            // "biggest vendors": the top ones by total.
            grouping = true;
            st.ranked = true;
            break;
          }
          // Skip numbers and a few fillers: "top 5 vendors", "by the team".
          if (Number(prev.text) || prev.text == "the" || prev.text == "each" ||
              prev.text == "single" || prev.text == "of" || prev.text == "our" ||
              prev.text == "all" || prev.text == "my" ||
              (it != dict.end() &&
               (a == Act::kCategory || a == Act::kMost || a == Act::kLeast || a == Act::kDenied))) {
            continue;
          }
          break;
        }
        if (grouping) {
          st.group = GroupOf(m.value);
          if (which) {
            st.which_noun = st.group;
            st.which_plural = m.act == Act::kGroupNounPlural;
          }
          if (st.top || st.bottom) st.which_plural = m.act == Act::kGroupNounPlural;
          if ((st.top || st.bottom || st.ranked) && !st.limit) {
            st.limit = m.act == Act::kGroupNounPlural ? 5 : 1;
          }
        }
        break;
      }
      case Act::kBy:
        break;
      case Act::kTop:
      case Act::kBottom: {
        (m.act == Act::kTop ? st.top : st.bottom) = true;
        if (i + used < toks.size()) {
          if (auto n = Number(toks[i + used].text); n && *n >= 1 && *n <= 1000) {
            st.limit = static_cast<std::size_t>(*n);
            return used + 1;
          }
        }
        break;
      }
      case Act::kWhich:
        if (m.value == "who") st.who = true;
        break;
      case Act::kMost:
        st.most = true;
        break;
      case Act::kLeast:
        st.least = true;
        break;
      case Act::kBiggest:
        st.biggest = true;
        break;
      case Act::kSmallest:
        st.smallest = true;
        break;
      case Act::kSpendNoun:
        if (m.value == "plural") st.items = true;
        break;
      case Act::kList:
        st.list = true;
        break;
      case Act::kRecent:
        st.recent = true;
        break;
      case Act::kOldest:
        st.oldest = true;
        break;
      case Act::kDenied:
        st.denied = true;
        break;
      case Act::kApproved:
        st.approved = true;
        break;
      case Act::kWhy:
        st.why = true;
        break;
      case Act::kSessionWord:
        if (i + used < toks.size()) {
          AddUnique(st.spec.sessions, toks[i + used].text);
          return used + 1;
        }
        break;
      case Act::kIntentWord:
        if (i + used < toks.size() && toks[i + used].quoted) {
          st.spec.intent = toks[i + used].text;
          return used + 1;
        }
        break;
      case Act::kUnsupported:
        st.unsupported = m.value;
        break;
    }
    return used;
  };

  std::size_t i = 0;
  while (i < toks.size()) {
    const Token& tok = toks[i];
    if (tok.quoted) {
      if (!st.spec.intent.empty()) st.unsupported = "two intents";
      st.spec.intent = tok.text;
      ++i;
      continue;
    }
    // "last 10 spends": a list, not a time.
    if ((tok.text == "last" || tok.text == "latest" || tok.text == "recent") &&
        i + 2 < toks.size() + 1) {
      if (auto n = Number(i + 1 < toks.size() ? toks[i + 1].text : "")) {
        auto it = i + 2 < toks.size() ? dict.find(Tokens{toks[i + 2].text}) : dict.end();
        if (it != dict.end() && it->second.act == Act::kSpendNoun && *n >= 1 && *n <= 1000) {
          st.list = true;
          st.recent = true;
          st.limit = static_cast<std::size_t>(*n);
          i += 3;
          continue;
        }
      }
    }
    // Longest dictionary phrase (names, keywords) vs a time expression.
    std::size_t best = 0;
    const Meaning* meaning = nullptr;
    for (std::size_t n = std::min(max_phrase, toks.size() - i); n >= 1; --n) {
      Tokens words;
      bool quoted = false;
      for (std::size_t k = 0; k < n; ++k) {
        quoted = quoted || toks[i + k].quoted;
        words.push_back(toks[i + k].text);
      }
      if (quoted) continue;
      auto it = dict.find(words);
      if (it != dict.end()) {
        best = n;
        meaning = &it->second;
        break;
      }
    }
    auto time = times.At(i);
    if (time && time->second >= best && time->second > 0) {
      if (time->first.from || time->first.to) {
        if (st.time) st.two_times = true;
        st.time = time->first;
      }
      i += time->second;
      continue;
    }
    if (meaning != nullptr) {
      i += apply(*meaning, i, best);
      continue;
    }
    // Fuzzy: one typo in a name of 4+ letters, two in 8+.
    const std::string& w = tok.text;
    const Meaning* fuzzy = nullptr;
    bool ambiguous = false;
    // "the 10 most recent spends", "5 biggest vendors": a count.
    if (auto n = Number(w); n && *n >= 1 && *n <= 1000) {
      bool counted = false;
      for (std::size_t k = i + 1; k < toks.size() && k <= i + 3; ++k) {
        auto it = dict.find(Tokens{toks[k].text});
        if (it == dict.end()) break;
        const Act a = it->second.act;
        if (a == Act::kSpendNoun || a == Act::kGroupNounPlural) {
          counted = true;
          break;
        }
        if (a != Act::kRecent && a != Act::kBiggest && a != Act::kSmallest && a != Act::kMost &&
            a != Act::kOldest && a != Act::kDenied) {
          break;
        }
      }
      if (counted) {
        st.limit = static_cast<std::size_t>(*n);
        ++i;
        continue;
      }
    }
    if (w.starts_with("sess-") || w.starts_with("sess_")) {
      AddUnique(st.spec.sessions, w);
      ++i;
      continue;
    }
    if (w.size() >= 4) {
      const std::size_t limit = w.size() >= 8 ? 2 : 1;
      std::size_t best_d = limit + 1;
      for (const auto& [words, m] : dict) {
        if (words.size() != 1 || !IsEntity(m.act)) continue;
        const std::size_t dist = EditDistance(w, words[0]);
        if (dist == 0 || dist > limit) continue;
        if (dist < best_d) {
          best_d = dist;
          fuzzy = &m;
          ambiguous = false;
        } else if (dist == best_d && fuzzy->value != m.value) {
          ambiguous = true;
        }
      }
      // Plurals of names: "copilots".
      if (fuzzy == nullptr && w.size() > 4 && w.back() == 's') {
        auto it = dict.find(Tokens{w.substr(0, w.size() - 1)});
        if (it != dict.end() && IsEntity(it->second.act)) fuzzy = &it->second;
      }
    }
    if (fuzzy != nullptr && !ambiguous) {
      i += apply(*fuzzy, i, 1);
      continue;
    }
    st.unknown.push_back(w);
    ++i;
  }

  if (!st.unsupported.empty()) {
    Unanswerable u;
    if (st.unsupported == "negation") {
      u.message =
          "Questions with exclusions (not, except, without) cannot be answered yet; ask "
          "for what to include instead.";
    } else if (st.unsupported == "threshold") {
      u.message =
          "Amount thresholds (over, under, more than) cannot be answered yet; ask for the "
          "biggest spends or a total instead.";
    } else {
      u.message = "The question names two different intents; ask about one at a time.";
    }
    u.suggestions = ExampleQuestions();
    return u;
  }
  // --- what was not understood ---
  if (!st.unknown.empty()) {
    std::string words;
    for (const std::string& w : st.unknown) {
      if (!words.empty()) words += ", ";
      words += "\"" + w + "\"";
    }
    Unanswerable u;
    u.message = "I could not map " + words +
                " to this org's teams, agents, vendors, categories, users, times or measures.";
    // Nearest names.
    std::vector<std::pair<std::size_t, std::string>> near;
    std::set<std::string> seen;
    for (const std::string& w : st.unknown) {
      for (const auto& [phrase, m] : dict) {
        if (!IsEntity(m.act) || phrase.size() != 1) continue;
        const std::size_t dist = EditDistance(w, phrase[0]);
        if (dist <= std::max<std::size_t>(2, w.size() / 3) && seen.insert(phrase[0]).second) {
          near.emplace_back(dist, phrase[0]);
        }
      }
    }
    std::sort(near.begin(), near.end());
    for (std::size_t k = 0; k < near.size() && k < 3; ++k) {
      u.suggestions.push_back("did you mean \"" + near[k].second + "\"?");
    }
    for (const std::string& q : ExampleQuestions()) u.suggestions.push_back(q);
    return u;
  }
  if (st.two_times) {
    return Unanswerable{"The question names two time ranges; ask about one at a time.",
                        ExampleQuestions()};
  }

  // --- resolve ---
  QuerySpec& spec = st.spec;
  if (st.denied && !st.approved) spec.status = QueryStatus::kDenied;
  if (st.denied && st.approved) {
    return Unanswerable{"Ask about approved spends and denials separately.", ExampleQuestions()};
  }
  if (st.time) {
    spec.from = st.time->from;
    spec.to = st.time->to;
  }
  if (st.why && spec.status == QueryStatus::kDenied && !st.group) st.group = QueryGroup::kReason;
  if (st.group == QueryGroup::kReason && spec.status != QueryStatus::kDenied) {
    spec.status = QueryStatus::kDenied;
  }
  if (st.who && !st.group) {
    st.group = QueryGroup::kAgent;
    st.which_noun = QueryGroup::kAgent;
  }
  const bool time_group = st.group == QueryGroup::kDay || st.group == QueryGroup::kWeek ||
                          st.group == QueryGroup::kMonth;
  if (st.measure == "count") {
    spec.measure = QueryMeasure::kCount;
  } else if (st.measure == "average") {
    spec.measure = QueryMeasure::kAverage;
  } else if (st.measure == "max") {
    spec.measure = QueryMeasure::kMax;
  } else if (st.measure == "total") {
    spec.measure = QueryMeasure::kTotal;
  }
  if (st.group) {
    spec.group_by = *st.group;
    // "which agent was blocked the most": the most denials.
    if (spec.status == QueryStatus::kDenied && !st.measure && (st.most || st.least)) {
      spec.measure = QueryMeasure::kCount;
    }
    if ((st.biggest || st.smallest) && !st.measure && !st.ranked) {
      spec.measure = QueryMeasure::kMax;
    }
    if (st.least || st.bottom || st.smallest) spec.direction = QueryDirection::kAsc;
    if (time_group && !st.most && !st.least && !st.top && !st.bottom && !st.biggest &&
        !st.smallest) {
      spec.order_by = QueryOrderBy::kKey;
      spec.direction = QueryDirection::kAsc;
    }
    if (st.limit) {
      spec.limit = st.limit;
    } else if (st.which_noun && !st.which_plural && (st.most || st.least || st.biggest)) {
      spec.limit = 1;
    } else if ((st.most || st.least) && !st.which_plural && st.which_noun) {
      spec.limit = 1;
    }
  } else {
    const bool listing = st.list || st.recent || st.oldest || st.biggest || st.smallest ||
                         (st.items && !st.measure && !st.money) ||
                         (spec.status == QueryStatus::kDenied && !st.measure);
    if (st.top && st.items) {
      // "top 10 spends": the biggest.
      spec.measure = QueryMeasure::kList;
      spec.limit = st.limit.value_or(5);
    } else if (listing && (!st.measure || st.biggest || st.smallest)) {
      spec.measure = QueryMeasure::kList;
      if (st.biggest || st.smallest) {
        spec.order_by = QueryOrderBy::kValue;
        spec.direction = st.smallest ? QueryDirection::kAsc : QueryDirection::kDesc;
        spec.limit = st.limit.value_or(st.items ? 5 : 1);
      } else {
        spec.order_by = QueryOrderBy::kKey;
        spec.direction = st.oldest ? QueryDirection::kAsc : QueryDirection::kDesc;
        if (st.limit) spec.limit = st.limit;
      }
    }
  }
  if (Status s = ValidateQuerySpec(spec); !s.ok()) {
    return Unanswerable{"The question does not make a valid query: " + s.message(),
                        ExampleQuestions()};
  }
  return spec;
}

}  // namespace stub
