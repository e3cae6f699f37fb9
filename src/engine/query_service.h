// Questions about an org's spending: a QuerySpec (given, or parsed from
// English) checked against the org's names, run in one read-only snapshot,
// and answered with rows and a plain-English sentence.
//
// Safety: specs are validated (ValidateQuerySpec); a spec's teams and agents
// must be the org's, and a question's (or a model's) every name must be one
// of the org's (else "unanswerable"); stores compile plans from fixed SQL
// fragments with bound values only. Every
// query is bounded in rows (kMaxRows, kMaxGroups) and time (timeout_ms).
//
// Thread-safe; the store must outlive the service.
#pragma once

#include <chrono>
#include <cstdint>
#include <functional>
#include <map>
#include <mutex>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "core/status.h"
#include "core/time_util.h"
#include "query/query_catalogue.h"
#include "query/query_plan.h"
#include "query/question_parser.h"
#include "store/store.h"

namespace stub {

struct QueryAnswer {
  QueryResult result;
  std::string answer;  // the sentence
  std::string currency;
  std::string interpreted_by;  // "spec", "parser" or "llm"
};

// An optional question → spec translator tried before the parser (the LLM
// path). nullopt (or an error) falls back to the parser.
using QuestionTranslator = std::function<std::optional<QuerySpec>(
    std::string_view question, const QueryCatalogue& catalogue, Timestamp now)>;

class QueryService {
 public:
  struct Options {
    std::int64_t timeout_ms = 10'000;
    // Ask reuses an org's catalogue this long (reading every distinct name
    // of a large journal is not free); 0: read it for every question. A
    // name first used within this window is not known to the parser yet.
    std::chrono::milliseconds catalogue_ttl{30'000};
    QuestionTranslator translator;  // may be empty
  };

  explicit QueryService(Store& store);
  QueryService(Store& store, Options options);

  // The org's names: its tree, and the vendors, categories, users, sessions
  // and intents of its journal and denials. Errors: kNotFound "not_found".
  Result<QueryCatalogue> Catalogue(std::string_view org);

  // Checks `spec` against the catalogue's names. Unanswerable when a name is
  // not the org's.
  static std::optional<Unanswerable> CheckNames(const QuerySpec& spec,
                                                const QueryCatalogue& catalogue);

  // Runs a spec. Vendors, categories, users and sessions are matched as
  // given (an unknown one matches nothing). Errors: kInvalidArgument
  // "invalid_request" (a spec that is not valid), "unanswerable" (a team or
  // agent not in the org, too many groups), kNotFound (no such org),
  // kUnavailable (the store, or the time limit).
  Result<QueryAnswer> Run(std::string_view org, const QuerySpec& spec);

  // Interprets `question` (translator first if set, else or on failure the
  // parser) against `now`, then runs it. An unanswerable question is
  // kInvalidArgument "unanswerable"; its suggestions go to *suggestions.
  Result<QueryAnswer> Ask(std::string_view org, std::string_view question, Timestamp now,
                          std::vector<std::string>* suggestions = nullptr);

 private:
  Result<QueryAnswer> RunWith(std::string_view org, const QuerySpec& spec,
                              const QueryCatalogue* catalogue, std::string interpreted_by);

  // The catalogue for Ask, cached per org for options_.catalogue_ttl.
  Result<QueryCatalogue> CachedCatalogue(std::string_view org);

  Store& store_;
  Options options_;
  std::mutex mu_;  // guards cache_
  std::map<std::string, std::pair<std::chrono::steady_clock::time_point, QueryCatalogue>,
           std::less<>>
      cache_;
};

// The Status of an Unanswerable: kInvalidArgument, reason "unanswerable".
Status UnanswerableStatus(const Unanswerable& u);

}  // namespace stub
