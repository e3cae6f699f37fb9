// The question corpus (ask_corpus.h) over the demo org, seeded with a fixed
// now: the parser maps at least 95% of the questions to exactly the expected
// QuerySpec (or to "unanswerable" where expected), and every expected spec
// gets the identical answer — rows, totals and sentence — on the memory,
// SQLite and PostgreSQL stores holding the same books.
#include "ask_corpus.h"

#include <gtest/gtest.h>

#include <cstdio>
#include <memory>
#include <string>
#include <variant>
#include <vector>

#include "cli/demo_org.h"
#include "cli/demo_seed.h"
#include "cli_test_util.h"
#include "engine/query_answer.h"
#include "engine/query_service.h"
#include "query/question_parser.h"
#include "store/memory/memory_store.h"
#include "store/pg_test_cluster.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace stub {
namespace {

const Timestamp kNow = MakeTimestamp(2026, 11, 28, 15, 0, 0);
const std::string kOrg(kDemoOrgId);

// Copies the org's books (org row, nodes, journal, denials) from one store
// into an empty one, in transactions of at most 1,000 rows.
Status CopyBooks(Store& from, Store& to) {
  STUB_ASSIGN_OR_RETURN(auto r, from.Begin({.read_only = true}));
  STUB_ASSIGN_OR_RETURN(std::optional<OrgRow> org, r->GetOrg(kOrg));
  if (!org) return NotFound("no demo org");
  STUB_ASSIGN_OR_RETURN(std::vector<NodeRow> nodes, r->ListNodes(kOrg));
  STUB_ASSIGN_OR_RETURN(std::vector<Entry> entries, r->ListEntries(kOrg, 0, 1'000'000));
  STUB_ASSIGN_OR_RETURN(std::vector<DenialRecord> denials, r->ListDenials(kOrg, 1'000'000));
  STUB_RETURN_IF_ERROR(r->Commit());
  {
    STUB_ASSIGN_OR_RETURN(auto w, to.Begin());
    STUB_RETURN_IF_ERROR(w->PutOrg(*org));
    for (NodeRow& n : nodes) STUB_RETURN_IF_ERROR(w->PutNode(kOrg, std::move(n)));
    STUB_RETURN_IF_ERROR(w->Commit());
  }
  for (std::size_t at = 0; at < entries.size(); at += 1000) {
    STUB_ASSIGN_OR_RETURN(auto w, to.Begin());
    for (std::size_t i = at; i < entries.size() && i < at + 1000; ++i) {
      STUB_RETURN_IF_ERROR(w->AppendEntry(entries[i]));
    }
    STUB_RETURN_IF_ERROR(w->Commit());
  }
  for (std::size_t at = 0; at < denials.size(); at += 1000) {
    STUB_ASSIGN_OR_RETURN(auto w, to.Begin());
    for (std::size_t i = at; i < denials.size() && i < at + 1000; ++i) {
      STUB_RETURN_IF_ERROR(w->InsertDenial(denials[i]));
    }
    STUB_RETURN_IF_ERROR(w->Commit());
  }
  return Status::Ok();
}

class AskCorpusTest : public ::testing::Test {
 protected:
  static void SetUpTestSuite() {
    memory_ = new MemoryStore();
    auto report = SeedDemo(*memory_, kNow);
    ASSERT_TRUE(report.ok()) << report.status().ToString();
    dir_ = new testing::TempDir();
    auto sqlite = SqliteStore::Open((dir_->path() / "corpus.db").string());
    ASSERT_TRUE(sqlite.ok()) << sqlite.status().ToString();
    sqlite_ = sqlite->release();
    Status copied = CopyBooks(*memory_, *sqlite_);
    ASSERT_TRUE(copied.ok()) << copied.ToString();
    auto conninfo = pg_testing::NewDatabase();
    ASSERT_TRUE(conninfo.ok()) << conninfo.status().ToString();
    auto pg = PostgresStore::Open(*conninfo);
    ASSERT_TRUE(pg.ok()) << pg.status().ToString();
    postgres_ = pg->release();
    copied = CopyBooks(*memory_, *postgres_);
    ASSERT_TRUE(copied.ok()) << copied.ToString();
  }
  static void TearDownTestSuite() {
    delete postgres_;
    delete sqlite_;
    delete dir_;
    delete memory_;
  }

  static QueryCatalogue Catalogue() {
    QueryService service(*memory_);
    auto cat = service.Catalogue(kOrg);
    EXPECT_TRUE(cat.ok()) << cat.status().ToString();
    return cat.ok() ? *cat : QueryCatalogue{};
  }

  static MemoryStore* memory_;
  static SqliteStore* sqlite_;
  static PostgresStore* postgres_;
  static testing::TempDir* dir_;
};

MemoryStore* AskCorpusTest::memory_ = nullptr;
SqliteStore* AskCorpusTest::sqlite_ = nullptr;
PostgresStore* AskCorpusTest::postgres_ = nullptr;
testing::TempDir* AskCorpusTest::dir_ = nullptr;

TEST_F(AskCorpusTest, TheCorpusIsLargeAndVaried) {
  std::size_t unanswerable = 0;
  for (const auto& c : corpus::kCases) {
    if (std::string(c.expected) == "unanswerable") ++unanswerable;
  }
  EXPECT_GE(std::size(corpus::kCases), 150u);
  EXPECT_GE(unanswerable, 10u);
}

TEST_F(AskCorpusTest, TheParserMapsAtLeast95PercentOfTheCorpusExactly) {
  const QueryCatalogue cat = Catalogue();
  ASSERT_EQ(cat.tree.size(), 17u);
  std::size_t pass = 0;
  std::string failures;
  for (const auto& c : corpus::kCases) {
    const ParsedQuestion got = ParseQuestion(c.question, cat, kNow);
    const std::string expected = c.expected;
    bool ok = false;
    std::string got_text;
    if (const auto* u = std::get_if<Unanswerable>(&got)) {
      ok = expected == "unanswerable";
      got_text = "unanswerable: " + u->message;
      EXPECT_FALSE(u->message.empty());
      EXPECT_FALSE(u->suggestions.empty()) << c.question;
    } else {
      const QuerySpec& spec = std::get<QuerySpec>(got);
      got_text = QuerySpecToJson(spec).dump();
      if (expected != "unanswerable") {
        auto want = QuerySpecFromJson(nlohmann::json::parse(expected));
        EXPECT_TRUE(want.ok()) << c.question << ": " << want.status().ToString();
        ok = want.ok() && *want == spec;
      }
    }
    if (ok) {
      ++pass;
    } else {
      failures += std::string("  ") + c.question + "\n    want " + expected + "\n    got  " +
                  got_text + "\n";
    }
  }
  const std::size_t total = std::size(corpus::kCases);
  const double rate = 100.0 * static_cast<double>(pass) / static_cast<double>(total);
  std::printf("question corpus: %zu of %zu pass (%.1f%%)\n", pass, total, rate);
  if (!failures.empty()) std::printf("failures:\n%s", failures.c_str());
  EXPECT_GE(pass * 100, total * 95) << failures;
}

TEST_F(AskCorpusTest, EveryCorpusSpecGetsTheSameAnswerOnEveryStore) {
  QueryService on_memory(*memory_);
  QueryService on_sqlite(*sqlite_);
  QueryService on_postgres(*postgres_);
  std::size_t nonzero = 0;
  std::size_t specs = 0;
  for (const auto& c : corpus::kCases) {
    if (std::string(c.expected) == "unanswerable") continue;
    SCOPED_TRACE(c.question);
    auto spec = QuerySpecFromJson(nlohmann::json::parse(c.expected));
    ASSERT_TRUE(spec.ok()) << spec.status().ToString();
    auto m = on_memory.Run(kOrg, *spec);
    auto s = on_sqlite.Run(kOrg, *spec);
    auto p = on_postgres.Run(kOrg, *spec);
    ASSERT_TRUE(m.ok()) << m.status().ToString();
    ASSERT_TRUE(s.ok()) << s.status().ToString();
    ASSERT_TRUE(p.ok()) << p.status().ToString();
    EXPECT_EQ(s->result, m->result);
    EXPECT_EQ(p->result, m->result);
    EXPECT_EQ(s->answer, m->answer);
    EXPECT_EQ(p->answer, m->answer);
    ++specs;
    if (m->result.overall.count > 0 || !m->result.items.empty()) ++nonzero;
  }
  // The corpus asks about data that exists: most answers are not empty.
  EXPECT_GE(nonzero * 100, specs * 70) << nonzero << " of " << specs;
}

TEST_F(AskCorpusTest, AnAnswerIsExactAndSaysWhatItCounted) {
  // Recompute "marketing's data spend in October" from the journal itself.
  QueryCatalogue cat = Catalogue();
  std::vector<std::string> marketing;
  for (const Node& n : cat.tree) {
    if (n.kind == NodeKind::kAgent && n.parent == "marketing") marketing.push_back(n.id);
  }
  ASSERT_EQ(marketing.size(), 4u);
  auto txn = memory_->Begin({.read_only = true});
  ASSERT_TRUE(txn.ok());
  auto entries = (*txn)->ListEntries(kOrg, 0, 1'000'000);
  ASSERT_TRUE(entries.ok());
  Micros total = 0;
  std::int64_t count = 0;
  for (const Entry& e : *entries) {
    if ((e.kind == EntryKind::kSpend || e.kind == EntryKind::kCapture) && e.category == "data" &&
        e.created_at >= MakeTimestamp(2026, 10, 1) && e.created_at < MakeTimestamp(2026, 11, 1) &&
        std::find(marketing.begin(), marketing.end(), e.agent) != marketing.end()) {
      total += e.amount;
      ++count;
    }
  }
  ASSERT_GT(count, 0);
  QueryService service(*sqlite_);
  auto a =
      service.Ask(kOrg, "How much did marketing's agents spend on data APIs last month?", kNow);
  ASSERT_TRUE(a.ok()) << a.status().ToString();
  EXPECT_EQ(a->interpreted_by, "parser");
  EXPECT_EQ(a->result.overall.total, total);
  EXPECT_EQ(a->result.overall.count, count);
  EXPECT_EQ(a->answer, "Marketing's agents spent " + FormatMoney(total, "USD") +
                           " on data APIs in October 2026 across " + std::to_string(count) +
                           " spends.");
}

TEST_F(AskCorpusTest, UnanswerableQuestionsComeWithSuggestions) {
  QueryService service(*sqlite_);
  std::vector<std::string> suggestions;
  auto a =
      service.Ask(kOrg, "how much did markting's agents spend on sales tools?", kNow, &suggestions);
  ASSERT_FALSE(a.ok());
  EXPECT_EQ(a.status().reason(), "unanswerable");
  EXPECT_NE(a.status().message().find("\"sales\""), std::string::npos) << a.status().message();
  EXPECT_FALSE(suggestions.empty());
  // A spec naming something the org does not have is unanswerable too.
  auto b = service.Run(kOrg, QuerySpec{.teams = {"sales"}});
  ASSERT_FALSE(b.ok());
  EXPECT_EQ(b.status().reason(), "unanswerable");
}

}  // namespace
}  // namespace stub
