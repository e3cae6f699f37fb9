// The operator commands as an operator runs them: the real `stub` binary on
// an SQLite file in a temporary directory; exact output and exit codes on
// success and on bad input, and bad input changes nothing.
#include <gtest/gtest.h>
#include <sqlite3.h>

#include <cstdlib>
#include <nlohmann/json.hpp>
#include <regex>
#include <string>

#include "cli/cli_test_util.h"
#include "cli/exit_codes.h"

namespace stub {
namespace {

using nlohmann::json;
using testing::RunStub;
using testing::StubRun;

class OperatorCommandsTest : public ::testing::Test {
 protected:
  // `stub <args> --db sqlite:<temp>/stub.db`.
  StubRun Stub(const std::string& args) { return RunStub(args + " --db " + db_); }

  // Runs a command that must succeed and returns its stdout.
  std::string Ok(const std::string& args) {
    const StubRun run = Stub(args);
    EXPECT_EQ(run.exit_code, kExitOk) << args << "\n" << run.out << run.err;
    EXPECT_EQ(run.err, "") << args;
    return run.out;
  }

  // The org's journal length and head, via `stub verify --json`.
  json Verify(const std::string& org = "acme") {
    const StubRun run = Stub("verify --json --org " + org);
    EXPECT_EQ(run.exit_code, kExitOk) << run.out << run.err;
    return json::parse(run.out, nullptr, /*allow_exceptions=*/false);
  }

  void ExpectRefused(const StubRun& run, int exit_code, const std::string& err) {
    EXPECT_EQ(run.exit_code, exit_code) << run.out << run.err;
    EXPECT_EQ(run.out, "");
    EXPECT_EQ(run.err, err);
  }

  testing::TempDir dir_;
  std::string db_path_ = (dir_.path() / "stub.db").string();
  std::string db_ = "sqlite:" + db_path_;
};

TEST_F(OperatorCommandsTest, OrgCreate) {
  EXPECT_EQ(Ok("org create acme --name 'Acme Corp'"), "created org acme (Acme Corp, USD)\n");
  ExpectRefused(Stub("org create acme --name 'Acme Again'"), kExitRefused,
                "stub org create: org 'acme' exists\n");
  ExpectRefused(Stub("org create Acme_Caps --name X"), kExitRefused,
                "stub org create: org id must match [a-z0-9][a-z0-9_.-]{0,63}\n");
  ExpectRefused(Stub("org create beta --name Beta --currency usd"), kExitRefused,
                "stub org create: currency must be a three-letter ISO 4217 code\n");
  const StubRun no_name = Stub("org create gamma");
  EXPECT_EQ(no_name.exit_code, kExitUsage);
  EXPECT_NE(no_name.err.find("--name is required"), std::string::npos) << no_name.err;

  const json beta = json::parse(Ok("org create beta --name 'Beta GmbH' --currency EUR --json"));
  EXPECT_EQ(beta["id"], "beta");
  EXPECT_EQ(beta["name"], "Beta GmbH");
  EXPECT_EQ(beta["currency"], "EUR");
  EXPECT_TRUE(std::regex_match(beta["created_at"].get<std::string>(),
                               std::regex(R"(\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z)")));
  // The refused creations left nothing behind: two orgs, both empty.
  EXPECT_EQ(Ok("verify"), "acme: ok, 0 entries, head " + std::string(64, '0') +
                              "\nbeta: ok, 0 entries, head " + std::string(64, '0') + "\n");
}

TEST_F(OperatorCommandsTest, TeamPut) {
  Ok("org create acme --name 'Acme Corp'");
  EXPECT_EQ(Ok("team put marketing --name Marketing --limit 100/month --limit 30.5/week"),
            "created team marketing (Marketing) under acme; limits 100/month, 30.5/week\n");
  ExpectRefused(Stub("team put platform --parent engineering"), kExitRefused,
                "stub team put: unknown team 'engineering'\n");
  EXPECT_EQ(Ok("team put engineering"), "created team engineering under acme; limits none\n");
  EXPECT_EQ(json::parse(Ok("team put platform --parent engineering --limit 50.00/week --json")),
            json::parse(R"({"id":"platform","kind":"team","parent":"engineering","name":"",
                            "limits":[{"amount":"50","period":"week"}],"frozen":false,
                            "created":true})"));
  // An update sets what is given and keeps the rest.
  EXPECT_EQ(Ok("team put marketing --limit 120/month"),
            "updated team marketing (Marketing) under acme; limits 120/month\n");

  const StubRun bad_period = Stub("team put sales --limit 100/fortnight");
  EXPECT_EQ(bad_period.exit_code, kExitUsage);
  EXPECT_EQ(bad_period.out, "");
  EXPECT_NE(bad_period.err.find("'100/fortnight' is not a limit: expected AMOUNT/PERIOD"),
            std::string::npos)
      << bad_period.err;
  const StubRun bad_amount = Stub("team put sales --limit 1.0000001/day");
  EXPECT_EQ(bad_amount.exit_code, kExitUsage);
  ExpectRefused(Stub("team put marketing --limit 1/day --limit 2/day"), kExitRefused,
                "stub team put: at most one day limit per node\n");
  ExpectRefused(Stub("team put platform --parent platform"), kExitRefused,
                "stub team put: a node cannot be its own parent\n");
  ExpectRefused(Stub("team put engineering --parent platform"), kExitRefused,
                "stub team put: a team cannot move under its own subtree\n");
  ExpectRefused(Stub("team put acme"), kExitRefused,
                "stub team put: 'acme' is the org root, not a team\n");
  ExpectRefused(Stub("team put Sales"), kExitRefused,
                "stub team put: node id must match [a-z0-9][a-z0-9_.-]{0,63}\n");
  // Nothing the refusals touched changed.
  EXPECT_EQ(Ok("team put marketing"),
            "updated team marketing (Marketing) under acme; limits 120/month\n");
  ExpectRefused(Stub("limits set sales --none"), kExitRefused,
                "stub limits set: unknown node 'sales' (not the org, a team or an agent)\n");
  EXPECT_EQ(Ok("team put engineering"), "updated team engineering under acme; limits none\n");
}

TEST_F(OperatorCommandsTest, AgentPut) {
  Ok("org create acme --name 'Acme Corp'");
  Ok("team put marketing");
  Ok("team put engineering");
  EXPECT_EQ(Ok("agent put mkt-1 --team marketing --name 'Researcher' --limit 5/day"),
            "created agent mkt-1 (Researcher) under marketing; limits 5/day\n");
  EXPECT_EQ(json::parse(Ok("agent put mkt-1 --team engineering --json")),
            json::parse(R"({"id":"mkt-1","kind":"agent","parent":"engineering",
                            "name":"Researcher","limits":[{"amount":"5","period":"day"}],
                            "frozen":false,"created":false})"));
  const StubRun no_team = Stub("agent put mkt-2");
  EXPECT_EQ(no_team.exit_code, kExitUsage);
  EXPECT_NE(no_team.err.find("--team is required"), std::string::npos) << no_team.err;
  ExpectRefused(Stub("agent put mkt-2 --team nope"), kExitRefused,
                "stub agent put: unknown team 'nope'\n");
  ExpectRefused(Stub("agent put mkt-2 --team mkt-1"), kExitRefused,
                "stub agent put: 'mkt-1' is an agent, not a team\n");
  ExpectRefused(Stub("agent put marketing --team engineering"), kExitRefused,
                "stub agent put: 'marketing' is a team, not an agent\n");
  ExpectRefused(Stub("team put mkt-1"), kExitRefused,
                "stub team put: 'mkt-1' is an agent, not a team\n");
  ExpectRefused(Stub("limits set mkt-2 --limit 1/day"), kExitRefused,
                "stub limits set: unknown node 'mkt-2' (not the org, a team or an agent)\n");
}

TEST_F(OperatorCommandsTest, LimitsSetOnTheOrgRootTeamsAndAgents) {
  Ok("org create acme --name 'Acme Corp'");
  Ok("team put marketing --limit 50/week");
  Ok("agent put mkt-1 --team marketing --limit 5/day");
  EXPECT_EQ(Ok("limits set acme --limit 1000/month --limit 10000/year"),
            "updated org acme (Acme Corp); limits 1000/month, 10000/year\n");
  EXPECT_EQ(Ok("limits set marketing --limit 0.000001/total"),
            "updated team marketing under acme; limits 0.000001/total\n");
  EXPECT_EQ(Ok("limits set mkt-1 --none"), "updated agent mkt-1 under marketing; limits none\n");
  ExpectRefused(Stub("limits set mkt-1"), kExitUsage,
                "stub limits set: give --limit AMOUNT/PERIOD (one or more) or --none\n");
  const StubRun both = Stub("limits set mkt-1 --limit 1/day --none");
  EXPECT_EQ(both.exit_code, kExitUsage);
  EXPECT_EQ(both.out, "");
  EXPECT_EQ(json::parse(Ok("limits set acme --limit 2000/quarter --json")),
            json::parse(R"({"id":"acme","kind":"org","parent":null,"name":"Acme Corp",
                            "limits":[{"amount":"2000","period":"quarter"}],"frozen":false,
                            "created":false})"));
}

TEST_F(OperatorCommandsTest, CommandsOnOneOrgNeedOrgWhenThereAreSeveral) {
  ExpectRefused(Stub("team put marketing"), kExitUsage,
                "stub team put: the database holds no org yet: create one with `stub org "
                "create`\n");
  Ok("org create acme --name 'Acme Corp'");
  Ok("org create beta --name Beta");
  ExpectRefused(Stub("team put marketing"), kExitUsage,
                "stub team put: the database holds several orgs: pass --org\n");
  ExpectRefused(Stub("team put marketing --org nope"), kExitRefused,
                "stub team put: unknown org 'nope'\n");
  EXPECT_EQ(Ok("team put marketing --org beta"),
            "created team marketing under beta; limits none\n");
  // Ids are per org: acme has no marketing team.
  ExpectRefused(Stub("limits set marketing --none --org acme"), kExitRefused,
                "stub limits set: unknown node 'marketing' (not the org, a team or an agent)\n");
}

TEST_F(OperatorCommandsTest, SpendPrintsTheDecision) {
  Ok("org create acme --name 'Acme Corp'");
  Ok("team put research --limit 1/day");
  Ok("agent put res-1 --team research");

  const json approved =
      json::parse(Ok("spend --agent res-1 --amount 0.25 --vendor api.dataco.com --category data "
                     "--idempotency-key k1 --json"));
  EXPECT_TRUE(approved["id"].get<std::string>().starts_with("sp_")) << approved;
  EXPECT_EQ(approved["status"], "approved");
  EXPECT_EQ(approved["amount"], "0.25");
  EXPECT_EQ(approved["entry"]["seq"], 2);  // after research's limit change
  EXPECT_TRUE(
      std::regex_match(approved["entry"]["hash"].get<std::string>(), std::regex("[0-9a-f]{64}")));
  EXPECT_EQ(approved["effective_remaining"], "0.75");
  EXPECT_EQ(approved["binding"], json::parse(R"({"node":"research","period":"day"})"));
  EXPECT_EQ(approved["idempotency_key"], "k1");
  EXPECT_EQ(approved["replayed"], false);

  const StubRun human = Stub(
      "spend --agent res-1 --amount 0.5 --vendor api.openai.com --category llm --session s-1 "
      "--user carol@acme.com --intent 'literature review' --idempotency-key k2 "
      "--receipt '{\"usage\": {\"output_tokens\": 20}, \"model\": \"gpt-4o\"}'");
  EXPECT_EQ(human.exit_code, kExitOk) << human.err;
  EXPECT_TRUE(std::regex_match(
      human.out, std::regex("approved: sp_[0-9a-f]{28} 0\\.5 USD to api\\.openai\\.com\n"
                            "entry: 3 [0-9a-f]{64}\n"
                            "effective remaining: 0\\.25 USD \\(research, day\\)\n"
                            "idempotency key: k2\n")))
      << human.out;

  const StubRun denied =
      Stub("spend --agent res-1 --amount 0.3 --vendor api.exa.ai --idempotency-key k3 --json");
  EXPECT_EQ(denied.exit_code, kExitProblem);
  const json d = json::parse(denied.out);
  EXPECT_TRUE(d["id"].get<std::string>().starts_with("dn_")) << d;
  EXPECT_EQ(d["status"], "denied");
  EXPECT_EQ(d["reason"], "budget_exceeded");
  EXPECT_EQ(d["node"], "research");
  EXPECT_EQ(d["period"], "day");
  EXPECT_EQ(d["amount"], "0.3");
  EXPECT_FALSE(d["message"].get<std::string>().empty());

  const StubRun denied_text =
      Stub("spend --agent res-1 --amount 0.3 --vendor api.exa.ai --idempotency-key k3");
  EXPECT_EQ(denied_text.exit_code, kExitProblem);
  EXPECT_TRUE(std::regex_match(
      denied_text.out,
      std::regex("denied: " + d["id"].get<std::string>() +
                 " 0\\.3 USD to api\\.exa\\.ai \\(replayed: this key was used before\\)\n"
                 "reason: budget_exceeded at research \\(day\\)\n.+\n"
                 "idempotency key: k3\n")))
      << denied_text.out;

  // The same key and body replays the decision; another body is refused.
  const json replay =
      json::parse(Ok("spend --agent res-1 --amount 0.25 --vendor api.dataco.com --category data "
                     "--idempotency-key k1 --json"));
  EXPECT_EQ(replay["id"], approved["id"]);
  EXPECT_EQ(replay["entry"], approved["entry"]);
  EXPECT_EQ(replay["replayed"], true);
  const StubRun reused = Stub(
      "spend --agent res-1 --amount 0.26 --vendor api.dataco.com --category data "
      "--idempotency-key k1");
  EXPECT_EQ(reused.exit_code, kExitRefused);
  EXPECT_EQ(reused.out, "");
  EXPECT_NE(reused.err.find("stub spend: "), std::string::npos);

  // Without a key, one is made and printed.
  const json fresh = json::parse(Ok("spend --agent res-1 --amount 0.01 --vendor v.example --json"));
  EXPECT_TRUE(fresh["idempotency_key"].get<std::string>().starts_with("cli_")) << fresh;
  EXPECT_EQ(fresh["entry"]["seq"], 4);
}

TEST_F(OperatorCommandsTest, SpendRefusesBadInputAndChangesNothing) {
  Ok("org create acme --name 'Acme Corp'");
  Ok("team put research");
  Ok("agent put res-1 --team research");
  Ok("spend --agent res-1 --amount 1 --vendor api.exa.ai --idempotency-key first");
  const json before = Verify();
  ASSERT_EQ(before["entries"], 1);

  for (const char* amount : {"0.1234567", "--amount=-1", "0", "abc", "1e3", "99999999999999"}) {
    const std::string flag =
        std::string(amount).starts_with("--") ? amount : "--amount " + std::string(amount);
    const StubRun run = Stub("spend --agent res-1 " + flag + " --vendor v");
    EXPECT_EQ(run.exit_code, kExitUsage) << amount << ": " << run.err;
    EXPECT_EQ(run.out, "") << amount;
  }
  ExpectRefused(Stub("spend --agent nobody --amount 1 --vendor v"), kExitRefused,
                "stub spend: unknown agent 'nobody'\n");
  ExpectRefused(Stub("spend --agent research --amount 1 --vendor v"), kExitRefused,
                "stub spend: unknown agent 'research'\n");
  const StubRun not_object = Stub("spend --agent res-1 --amount 1 --vendor v --receipt '[1]'");
  EXPECT_EQ(not_object.exit_code, kExitUsage);
  EXPECT_TRUE(not_object.err.starts_with("stub spend: --receipt: ")) << not_object.err;
  const StubRun not_json = Stub("spend --agent res-1 --amount 1 --vendor v --receipt '{bad'");
  EXPECT_EQ(not_json.exit_code, kExitUsage);
  const StubRun bad_key =
      Stub("spend --agent res-1 --amount 1 --vendor v --idempotency-key 'two words'");
  EXPECT_EQ(bad_key.exit_code, kExitRefused);
  const StubRun missing = Stub("spend --agent res-1 --amount 1");
  EXPECT_EQ(missing.exit_code, kExitUsage);
  EXPECT_NE(missing.err.find("--vendor is required"), std::string::npos) << missing.err;

  EXPECT_EQ(Verify(), before);
}

TEST_F(OperatorCommandsTest, VerifyReportsProblemsWithExitOne) {
  EXPECT_EQ(Ok("verify"), "no orgs to verify\n");
  Ok("org create acme --name 'Acme Corp'");
  Ok("team put research");
  Ok("agent put res-1 --team research");
  Ok("spend --agent res-1 --amount 1 --vendor api.exa.ai --idempotency-key a");
  Ok("spend --agent res-1 --amount 2 --vendor api.exa.ai --idempotency-key b");
  const json good = Verify();
  EXPECT_EQ(good["org"], "acme");
  EXPECT_EQ(good["ok"], true);
  EXPECT_EQ(good["entries"], 2);
  EXPECT_EQ(good["problems"], json::array());
  EXPECT_EQ(Ok("verify"), "acme: ok, 2 entries, head " + good["head"].get<std::string>() + "\n");
  ExpectRefused(Stub("verify --org nope"), kExitRefused, "stub verify: unknown org 'nope'\n");

  // Someone edits history behind the ledger's back.
  sqlite3* db = nullptr;
  ASSERT_EQ(sqlite3_open(db_path_.c_str(), &db), SQLITE_OK);
  ASSERT_EQ(sqlite3_exec(db, "UPDATE entries SET amount = 100000 WHERE seq = 1", nullptr, nullptr,
                         nullptr),
            SQLITE_OK);
  sqlite3_close(db);

  const StubRun text = Stub("verify");
  EXPECT_EQ(text.exit_code, kExitProblem);
  EXPECT_TRUE(text.out.starts_with("acme: ")) << text.out;
  EXPECT_NE(text.out.find(" in 2 entries, head "), std::string::npos) << text.out;
  EXPECT_NE(text.out.find("\n  hash_mismatch at entry 1: "), std::string::npos) << text.out;
  const StubRun js = Stub("verify --json");
  EXPECT_EQ(js.exit_code, kExitProblem);
  const json all = json::parse(js.out);
  EXPECT_EQ(all["ok"], false);
  ASSERT_EQ(all["orgs"].size(), 1u);
  EXPECT_EQ(all["orgs"][0]["org"], "acme");
  EXPECT_EQ(all["orgs"][0]["ok"], false);
  bool hash_mismatch = false;
  for (const json& p : all["orgs"][0]["problems"]) {
    hash_mismatch = hash_mismatch || (p["code"] == "hash_mismatch" && p["seq"] == 1);
  }
  EXPECT_TRUE(hash_mismatch) << js.out;
}

TEST_F(OperatorCommandsTest, SeedDemoTwiceChangesNothingAndVerifies) {
  const json first = json::parse(Ok("seed-demo --now 2026-11-28T15:00:00Z --json"));
  EXPECT_EQ(first["org"], "acme");
  EXPECT_EQ(first["changed"], true);
  EXPECT_EQ(first["org_created"], true);
  EXPECT_EQ(first["nodes_created"], 16);
  EXPECT_EQ(first["from"], "2026-10-28T15:00:00Z");
  EXPECT_EQ(first["to"], "2026-11-28T15:00:00Z");
  EXPECT_GT(first["denied"].get<int>(), 0);
  EXPECT_EQ(first["replayed"], 0);

  const StubRun second = Stub("seed-demo --now 2026-11-28T15:00:00Z");
  EXPECT_EQ(second.exit_code, kExitOk) << second.err;
  EXPECT_EQ(second.out,
            "the demo org acme is already seeded: nothing changed\n"
            "history 2026-10-28T15:00:00Z to 2026-11-28T15:00:00Z: " +
                std::to_string(first["requests"].get<int>()) + " requests, " +
                std::to_string(first["approved"].get<int>()) + " approved, " +
                std::to_string(first["denied"].get<int>()) + " denied; " +
                std::to_string(first["holds"].get<int>()) + " holds, " +
                std::to_string(first["captured"].get<int>()) + " captured, " +
                std::to_string(first["voided"].get<int>()) +
                " voided\n"
                "journal: " +
                std::to_string(first["entries"].get<int>()) + " entries, head " +
                first["head"].get<std::string>() + "\n");

  const json verify = Verify();
  EXPECT_EQ(verify["ok"], true);
  EXPECT_EQ(verify["entries"], first["entries"]);
  EXPECT_EQ(verify["head"], first["head"]);

  const StubRun bad_now = Stub("seed-demo --now yesterday");
  ExpectRefused(bad_now, kExitUsage,
                "stub seed-demo: --now: 'yesterday' is not an RFC 3339 time (e.g. "
                "2026-11-28T10:00:00Z)\n");
}

TEST_F(OperatorCommandsTest, EveryCommandHasHelp) {
  for (const char* command :
       {"seed-demo", "org create", "team put", "agent put", "limits set", "spend", "verify"}) {
    const StubRun run = RunStub(std::string(command) + " --help");
    EXPECT_EQ(run.exit_code, kExitOk) << command;
    EXPECT_NE(run.out.find("--db"), std::string::npos) << command << run.out;
    EXPECT_NE(run.out.find("--json"), std::string::npos) << command;
    EXPECT_NE(run.out.find("Exit codes: 0 success"), std::string::npos) << command;
  }
}

TEST_F(OperatorCommandsTest, ABadStoreUrlIsRefused) {
  ExpectRefused(RunStub("verify --db bogus:x"), kExitRefused,
                "stub verify: unsupported store URL 'bogus:x' (expected memory:, sqlite:PATH, "
                "postgres://… or dsql://…)\n");
}

TEST_F(OperatorCommandsTest, TheDbFlagDefaultsToStubDbFromTheEnvironment) {
  const std::string cmd = "env STUB_DB=" + db_ + " " + std::string(STUB_BINARY) +
                          " org create fromenv --name FromEnv > /dev/null 2>&1";
  ASSERT_EQ(std::system(cmd.c_str()), 0);
  EXPECT_EQ(Ok("verify --org fromenv"),
            "fromenv: ok, 0 entries, head " + std::string(64, '0') + "\n");
}

}  // namespace
}  // namespace stub
