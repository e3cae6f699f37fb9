// The deterministic, offline English → QuerySpec parser.
//
// It maps the words of a question to the org's own names (teams, agents,
// vendors, categories, users, sessions, intents; fuzzy: small typos, plural
// and possessive forms, brand and category synonyms such as "OpenAI",
// "tokens", "data APIs"), time expressions relative to `now` ("last month",
// "this week", "yesterday", "in October", "since Monday", "over the past 7
// days", "Q3", "between 1 and 15 November", ISO dates), measures ("how much",
// "how many", "top 5 vendors", "biggest single spend", "average"), grouping
// ("by team", "per agent", "each day") and denials ("what was blocked", "how
// many spends were denied and why").
//
// Every word must be understood: a word that is neither a name, a time, a
// measure, a grouping nor one of the known filler words makes the question
// unanswerable (with suggestions) — a filter is never silently dropped, and
// text that looks like SQL is just unknown words. Negations and amount
// thresholds, which a QuerySpec cannot express, are unanswerable too.
//
// Pure and deterministic: the same question, catalogue and now give the same
// result. Thread-safe.
#pragma once

#include <string>
#include <string_view>
#include <variant>
#include <vector>

#include "core/time_util.h"
#include "query/query_catalogue.h"
#include "query/query_spec.h"

namespace stub {

struct Unanswerable {
  std::string message;                   // a sentence saying what was not understood
  std::vector<std::string> suggestions;  // names or questions to try instead
};

using ParsedQuestion = std::variant<QuerySpec, Unanswerable>;

ParsedQuestion ParseQuestion(std::string_view question, const QueryCatalogue& catalogue,
                             Timestamp now);

// Questions that work on any org, for suggestions.
std::vector<std::string> ExampleQuestions();

}  // namespace stub
