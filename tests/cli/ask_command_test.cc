// `stub ask` as a child process on a seeded SQLite file: a question and the
// spec it was interpreted as give the same exact answer; unanswerable
// questions exit 3 with suggestions; usage errors exit 2.
#include <gtest/gtest.h>

#include <nlohmann/json.hpp>
#include <string>

#include "cli_test_util.h"

namespace stub::testing {
namespace {

using json = nlohmann::json;

class AskCommandTest : public ::testing::Test {
 protected:
  void SetUp() override {
    db_ = "sqlite:" + (dir_.path() / "ask.db").string();
    const StubRun seeded = RunStub("seed-demo --db " + db_ + " --now 2026-11-28T15:00:00Z");
    ASSERT_EQ(seeded.exit_code, 0) << seeded.err;
  }
  StubRun Ask(const std::string& args) {
    return RunStub("ask --db " + db_ + " --now 2026-11-28T15:00:00Z " + args);
  }
  TempDir dir_;
  std::string db_;
};

TEST_F(AskCommandTest, AQuestionAndItsSpecGiveTheSameAnswer) {
  const StubRun asked = Ask("'top 3 vendors last week' --json");
  ASSERT_EQ(asked.exit_code, 0) << asked.err;
  const json a = json::parse(asked.out);
  EXPECT_EQ(a["spec"]["group_by"], "vendor");
  EXPECT_EQ(a["spec"]["limit"], 3);
  EXPECT_EQ(a["spec"]["from"], "2026-11-16T00:00:00Z");
  EXPECT_EQ(a["spec"]["to"], "2026-11-23T00:00:00Z");
  ASSERT_EQ(a["rows"].size(), 3u);
  EXPECT_GT(a["count"].get<int>(), 0);
  const StubRun by_spec = Ask("--spec '" + a["spec"].dump() + "' --json");
  ASSERT_EQ(by_spec.exit_code, 0) << by_spec.err;
  const json b = json::parse(by_spec.out);
  EXPECT_EQ(b["rows"], a["rows"]);
  EXPECT_EQ(b["answer"], a["answer"]);
  EXPECT_EQ(b["total"], a["total"]);
  // The text form: the sentence first, then the rows and the interpretation.
  const StubRun text = Ask("'top 3 vendors last week'");
  ASSERT_EQ(text.exit_code, 0) << text.err;
  EXPECT_EQ(text.out.substr(0, text.out.find('\n')), a["answer"].get<std::string>());
  EXPECT_NE(text.out.find("interpreted as: "), std::string::npos);
}

TEST_F(AskCommandTest, UnanswerableExitsRefusedWithSuggestions) {
  const StubRun r = Ask("'how much did the sales team spend?'");
  EXPECT_EQ(r.exit_code, 3);
  EXPECT_NE(r.err.find("\"sales\""), std::string::npos) << r.err;
  EXPECT_NE(r.err.find("try: "), std::string::npos) << r.err;
  const StubRun j = Ask("'how much did the sales team spend?' --json");
  EXPECT_EQ(j.exit_code, 3);
  EXPECT_EQ(json::parse(j.out)["error"]["code"], "unanswerable");
}

TEST_F(AskCommandTest, UsageErrorsExit2) {
  EXPECT_EQ(Ask("").exit_code, 2);
  EXPECT_EQ(RunStub("ask --db " + db_ + " --now yesterday 'how much?'").exit_code, 2);
}

}  // namespace
}  // namespace stub::testing
