// Properties of the English parser beyond the corpus (tests/cli/ask_corpus.h):
// times move with `now`, unknown words are never dropped, negations and
// thresholds are refused, SQL-looking text is just unknown words.
#include "query/question_parser.h"

#include <gtest/gtest.h>

#include <string>
#include <variant>

namespace stub {
namespace {

QueryCatalogue Catalogue() {
  QueryCatalogue cat;
  auto node = [&](std::string id, NodeKind kind, std::string parent, std::string name) {
    Node n;
    n.id = std::move(id);
    n.kind = kind;
    n.parent = std::move(parent);
    n.name = std::move(name);
    cat.tree.push_back(n);
  };
  node("acme", NodeKind::kOrg, "", "Acme Corp");
  node("marketing", NodeKind::kTeam, "acme", "Marketing");
  node("mkt-writer-1", NodeKind::kAgent, "marketing", "Content writer");
  cat.vendors = {"api.openai.com", "api.dataco.com"};
  cat.categories = {"data", "llm"};
  cat.users = {"alice@acme.com"};
  return cat;
}

QuerySpec Spec(std::string_view q, Timestamp now) {
  ParsedQuestion p = ParseQuestion(q, Catalogue(), now);
  EXPECT_TRUE(std::holds_alternative<QuerySpec>(p))
      << q << ": " << std::get<Unanswerable>(p).message;
  return std::holds_alternative<QuerySpec>(p) ? std::get<QuerySpec>(p) : QuerySpec{};
}

Unanswerable Refused(std::string_view q) {
  ParsedQuestion p = ParseQuestion(q, Catalogue(), MakeTimestamp(2026, 11, 28, 15));
  EXPECT_TRUE(std::holds_alternative<Unanswerable>(p)) << q;
  return std::holds_alternative<Unanswerable>(p) ? std::get<Unanswerable>(p) : Unanswerable{};
}

TEST(QuestionParserTest, RelativeTimesFollowNow) {
  const QuerySpec a = Spec("how much last month", MakeTimestamp(2026, 1, 10, 12));
  EXPECT_EQ(a.from, MakeTimestamp(2025, 12, 1));
  EXPECT_EQ(a.to, MakeTimestamp(2026, 1, 1));
  const QuerySpec b = Spec("how much in March", MakeTimestamp(2026, 1, 10));
  EXPECT_EQ(b.from, MakeTimestamp(2025, 3, 1));  // the most recent March
  const QuerySpec c = Spec("how much this week", MakeTimestamp(2026, 11, 23, 0));  // a Monday
  EXPECT_EQ(c.from, MakeTimestamp(2026, 11, 23));
  EXPECT_EQ(c.to, MakeTimestamp(2026, 11, 30));
  const QuerySpec d = Spec("how much last quarter", MakeTimestamp(2026, 2, 1));
  EXPECT_EQ(d.from, MakeTimestamp(2025, 10, 1));
  EXPECT_EQ(d.to, MakeTimestamp(2026, 1, 1));
  const QuerySpec e = Spec("how much between 28 February and 2 March", MakeTimestamp(2028, 6, 1));
  EXPECT_EQ(e.from, MakeTimestamp(2028, 2, 28));
  EXPECT_EQ(e.to, MakeTimestamp(2028, 3, 3));
}

TEST(QuestionParserTest, TheSameQuestionGivesTheSameSpec) {
  const Timestamp now = MakeTimestamp(2026, 11, 28, 15);
  EXPECT_EQ(Spec("top 3 vendors for marketing this month", now),
            Spec("top 3 vendors for marketing this month", now));
  EXPECT_EQ(Spec("How much did MARKETING spend?", now), Spec("how much did marketing spend", now));
}

TEST(QuestionParserTest, UnknownWordsAreNamedWithSuggestions) {
  const Unanswerable u = Refused("how much did markting and finance spend on opnai");
  // The typos are corrected; "finance" is not a name here: never dropped.
  EXPECT_NE(u.message.find("\"finance\""), std::string::npos) << u.message;
  EXPECT_EQ(u.message.find("markting"), std::string::npos) << u.message;
  EXPECT_FALSE(u.suggestions.empty());
  const Unanswerable near = Refused("how much did the marketers spend");
  EXPECT_NE(near.suggestions.front().find("marketing"), std::string::npos);
}

TEST(QuestionParserTest, WhatASpecCannotSayIsRefused) {
  EXPECT_NE(Refused("how much did marketing spend except on openai").message.find("exclusions"),
            std::string::npos);
  EXPECT_NE(Refused("spends above 5 dollars").message.find("thresholds"), std::string::npos);
  Refused("how much last week and this week");
  Refused("how many approved and denied spends");
}

TEST(QuestionParserTest, SqlLookingTextIsUnknownWords) {
  for (const char* q : {"'; DROP TABLE entries; --", "1; DELETE FROM denials", "UNION SELECT *",
                        "marketing' OR '1'='1"}) {
    Refused(q);
  }
  // Quoted text is an intent value, never anything else.
  const QuerySpec s =
      Spec("how much with intent \"'; DROP TABLE x; --\"", MakeTimestamp(2026, 11, 28));
  EXPECT_EQ(s.intent, "'; DROP TABLE x; --");
}

TEST(QuestionParserTest, EmptyAndHugeQuestionsAreRefused) {
  Refused("");
  Refused("   ?? ");
  Refused(std::string(2000, 'a'));
}

}  // namespace
}  // namespace stub
