// The `stub` command line. Exceptions stop here; outcomes map to exit codes
// in exactly one place (cli/exit_codes.h).
#include <CLI/CLI.hpp>
#include <exception>
#include <iostream>
#include <map>
#include <string>
#include <vector>

#include "cli/agent_command.h"
#include "cli/ask_command.h"
#include "cli/bench_command.h"
#include "cli/budgets_command.h"
#include "cli/command.h"
#include "cli/exit_codes.h"
#include "cli/init_command.h"
#include "cli/key_command.h"
#include "cli/limits_command.h"
#include "cli/loadgen_command.h"
#include "cli/mcp_command.h"
#include "cli/org_command.h"
#include "cli/race_command.h"
#include "cli/safety_command.h"
#include "cli/seed_demo_command.h"
#include "cli/serve_command.h"
#include "cli/spend_command.h"
#include "cli/team_command.h"
#include "cli/verify_command.h"
#include "core/money.h"

namespace {

constexpr const char* kExitCodesHelp =
    "Exit codes: 0 success; 1 the command found a problem (overspend, failed verify) or a spend "
    "was denied; "
    "2 usage error; 3 refused input or not found; 4 transient failure, retry; 5 internal error.";

// Parses a decimal amount flag; throws CLI::ValidationError (→ exit 2).
stub::Micros AmountFlag(const std::string& name, const std::string& text, bool positive) {
  auto parsed = positive ? stub::ParsePositiveAmount(text) : stub::ParseAmount(text);
  if (!parsed.ok()) {
    throw CLI::ValidationError(name, "'" + text + "' is not an amount (e.g. 0.25)");
  }
  return *parsed;
}

int RunRaceCommand(const stub::RaceConfig& base, const std::string& budget,
                   const std::string& amount, bool json) {
  stub::RaceConfig config = base;
  config.budget = AmountFlag("--budget", budget, /*positive=*/false);
  config.amount = AmountFlag("--amount", amount, /*positive=*/true);
  auto report = stub::RunRace(config);
  if (!report.ok()) {
    std::cerr << "stub race: " << report.status().message() << "\n";
    return stub::ExitCodeFor(report.status());
  }
  std::cout << (json ? stub::RaceReportJson(*report) + "\n" : stub::RaceReportText(*report));
  return report->Holds() ? stub::kExitOk : stub::kExitProblem;
}

int RunBenchCommand(const stub::BenchConfig& config, bool json) {
  auto report = stub::RunBench(config);
  if (!report.ok()) {
    std::cerr << "stub bench: " << report.status().message() << "\n";
    return stub::ExitCodeFor(report.status());
  }
  std::cout << (json ? stub::BenchReportJson(*report) + "\n" : stub::BenchReportText(*report));
  return report->failed == 0 ? stub::kExitOk : stub::kExitProblem;
}

int RunLoadgenCommand(const stub::LoadgenConfig& config, bool json) {
  auto report = stub::RunLoadgen(config);
  if (!report.ok()) {
    std::cerr << "stub loadgen: " << report.status().message() << "\n";
    return stub::ExitCodeFor(report.status());
  }
  std::cout << (json ? stub::LoadgenReportJson(*report) + "\n" : stub::LoadgenReportText(*report));
  return report->ok == report->scheduled ? stub::kExitOk : stub::kExitProblem;
}

}  // namespace

int main(int argc, char** argv) {
  CLI::App app{"Stub: a budget-enforcing, double-entry spend ledger for AI agents"};
  app.footer(kExitCodesHelp);
  app.require_subcommand(1);

  stub::RaceConfig race;
  std::string race_budget = "1.00";
  std::string race_amount = "0.15";
  bool race_json = false;
  CLI::App* race_cmd = app.add_subcommand(
      "race",
      "N agents in R simulated regions race one near-empty budget; shows that nothing is "
      "overspent and the books verify");
  race_cmd
      ->add_option("--db", race.db,
                   "store URL: memory: (regions are engines in this process), sqlite:PATH or "
                   "postgres://… (regions are processes sharing the database)")
      ->capture_default_str();
  race_cmd->add_option("--regions", race.regions, "simulated regions (one engine each)")
      ->check(CLI::Range(1, 64))
      ->capture_default_str();
  race_cmd->add_option("--agents", race.agents, "concurrent agents (one thread each)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  race_cmd->add_option("--budget", race_budget, "the org's total budget")->capture_default_str();
  race_cmd->add_option("--amount", race_amount, "the amount of every spend")->capture_default_str();
  race_cmd->add_option("--attempts", race.attempts, "spends each agent attempts")
      ->check(CLI::Range(1, 100000))
      ->capture_default_str();
  race_cmd
      ->add_option("--latency-us", race.latency_us,
                   "injected store latency per call for region 1 (region r: r times it)")
      ->check(CLI::Range(0, 1000000))
      ->capture_default_str();
  race_cmd
      ->add_option("--via", race.via_http,
                   "engine: agents call the engine; http: each region is a stub serve process "
                   "(own port, same database) and agents are HTTP clients (durable stores)")
      ->transform(
          CLI::CheckedTransformer(std::map<std::string, bool>{{"engine", false}, {"http", true}}))
      ->default_str("engine");
  race_cmd->add_flag("--json", race_json, "print exactly one JSON object");
  race_cmd->footer(kExitCodesHelp);

  stub::BenchConfig bench;
  bool bench_json = false;
  bool bench_no_batch = false;
  CLI::App* bench_cmd = app.add_subcommand(
      "bench", "closed-loop spend load against a store: throughput, latency, conflicts, batches");
  bench_cmd->add_option("--db", bench.db, "store URL: memory:, sqlite:PATH or postgres://…")
      ->capture_default_str();
  bench_cmd->add_option("--clients", bench.clients, "concurrent clients (closed loop)")
      ->check(CLI::Range(1, 100'000))
      ->capture_default_str();
  bench_cmd
      ->add_option("--depth", bench.depth,
                   "spends each client keeps in flight (group commit only; 1 = one at a time)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  bench_cmd->add_option("--seconds", bench.seconds, "how long to run")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  bench_cmd
      ->add_option("--keys", bench.keys,
                   "idempotency keys: ordered (time-ordered, like UUIDv7) or random (like UUIDv4)")
      ->transform(CLI::CheckedTransformer(std::map<std::string, stub::BenchKeys>{
          {"ordered", stub::BenchKeys::kOrdered}, {"random", stub::BenchKeys::kRandom}}))
      ->capture_default_str();
  bench_cmd->add_flag("--hot", bench.hot, "every spend hits one org and one team (worst case)");
  bench_cmd->add_flag("--no-batch", bench_no_batch, "one transaction per spend, no group commit");
  bench_cmd->add_flag("--json", bench_json, "print exactly one JSON object");
  bench_cmd->footer(kExitCodesHelp);

  stub::LoadgenConfig loadgen;
  bool loadgen_json = false;
  CLI::App* loadgen_cmd = app.add_subcommand(
      "loadgen",
      "open-loop HTTP load at a fixed rate against a running stub serve; latency from each "
      "request's scheduled send time (no coordinated omission)");
  loadgen_cmd->add_option("--url", loadgen.url, "the server, http://host:port")->required();
  loadgen_cmd->add_option("--key", loadgen.key, "API key (Bearer) allowed to spend as --agent");
  loadgen_cmd
      ->add_option("--target", loadgen.target,
                   "spend (POST /v1/spends, a fresh idempotency key each) or healthz")
      ->check(CLI::IsMember({"spend", "healthz"}))
      ->capture_default_str();
  loadgen_cmd->add_option("--rate", loadgen.rate, "requests per second (scheduled, open loop)")
      ->check(CLI::Range(0.001, 1e6))
      ->capture_default_str();
  loadgen_cmd->add_option("--seconds", loadgen.seconds, "how long the schedule runs")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  loadgen_cmd->add_option("--connections", loadgen.connections, "keep-alive connections")
      ->check(CLI::Range(1, 10000))
      ->capture_default_str();
  loadgen_cmd->add_option("--agent", loadgen.agent, "the agent every spend is for")
      ->capture_default_str();
  loadgen_cmd->add_option("--amount", loadgen.amount, "the amount of every spend")
      ->capture_default_str();
  loadgen_cmd->add_option("--vendor", loadgen.vendor, "the vendor of every spend")
      ->capture_default_str();
  loadgen_cmd
      ->add_option("--timeout", loadgen.timeout_seconds,
                   "seconds before an unanswered request counts as an error")
      ->check(CLI::Range(0.001, 3600.0))
      ->capture_default_str();
  loadgen_cmd->add_flag("--json", loadgen_json, "print exactly one JSON object");
  loadgen_cmd->footer(
      "Exit codes: 0 every request got a 2xx; 1 some did not (see statuses); 2 usage error; "
      "4 the server did not answer at all; 5 internal error.");

  stub::ServeConfig serve;
  CLI::App* serve_cmd = app.add_subcommand(
      "serve",
      "run the HTTP API server until SIGINT/SIGTERM (then finish in-flight requests and stop)");
  serve_cmd->add_option("--db", serve.db,
                        "store URL: sqlite:PATH, postgres://… or memory: (default: $STUB_DB, "
                        "else sqlite:./stub.db)");
  serve_cmd->add_option("--listen", serve.listen, "host:port to listen on")->capture_default_str();
  serve_cmd
      ->add_option("--answer-timeout", serve.answer_timeout_seconds,
                   "seconds a spend waits for the store before it is answered 503 overloaded "
                   "(with Retry-After; a retry with its idempotency key replays it if it "
                   "committed after all)")
      ->check(CLI::Range(0.01, 3600.0))
      ->capture_default_str();
  serve_cmd
      ->add_option("--gateway-calls", serve.gateway_calls,
                   "LLM gateway calls and x402 fetches in flight at once, each on a thread of "
                   "its own apart from the API's workers (a call waits seconds on its provider); "
                   "one more is answered 503 overloaded (with Retry-After)")
      ->check(CLI::Range(1, 4096))
      ->capture_default_str();
  serve_cmd
      ->add_option("--session-ttl", serve.session_ttl_seconds,
                   "seconds a dashboard sign-in lasts (the session cookie's Max-Age)")
      ->check(CLI::Range(60.0, 30.0 * 24 * 3600))
      ->capture_default_str();
  serve_cmd->add_flag("--cookie-secure", serve.cookie_secure,
                      "mark the session cookie Secure and expect https:// origins: for a server "
                      "behind a TLS-terminating proxy (stub itself speaks plain HTTP)");
  serve_cmd->add_option("--ui-dir", serve.ui_dir,
                        "serve the dashboard from this directory (a development build, read on "
                        "every request) instead of the one embedded in the binary");
  serve_cmd->add_option("--secret-key-file", serve.secret_key_file,
                        "file holding the server's secret key (at least 32 random bytes, hex or "
                        "base64) that seals LLM providers' API keys at rest; default: "
                        "$STUB_SECRET_KEY. Without one, providers cannot be stored");
  serve_cmd->add_option("--signer", serve.signers,
                        "an x402 signer wallets may name (repeatable): NAME=PATH (a file holding a "
                        "0x-hex secp256k1 key, not readable by others), NAME=env:VAR, or "
                        "NAME=https://… (an external signer: KMS, HSM, custody service)");
  serve_cmd->add_flag("--allow-private-fetch", serve.allow_private_fetch,
                      "let x402 fetches reach loopback and private addresses (local fixtures "
                      "and tests only: an agent could otherwise reach internal services)");
  serve_cmd->add_flag("--demo", serve.demo,
                      "seed the demo org (idempotent) and print a fresh admin key, the URL and a "
                      "curl example");
  serve_cmd->footer(std::string(kExitCodesHelp) +
                    " The root key comes from $STUB_ROOT_KEY; otherwise the first serve of an "
                    "empty database creates one and prints it once.");

  // Operator commands over the database (--db, default $STUB_DB or sqlite:./stub.db).
  std::vector<stub::Command> commands = {
      stub::AddSeedDemoCommand(app), stub::AddOrgCommand(app),    stub::AddTeamCommand(app),
      stub::AddAgentCommand(app),    stub::AddLimitsCommand(app), stub::AddSpendCommand(app),
      stub::AddVerifyCommand(app),   stub::AddInitCommand(app),   stub::AddKeyCommand(app),
      stub::AddBudgetsCommand(app),  stub::AddAskCommand(app),    stub::AddMcpCommand(app)};
  for (stub::Command& c : stub::AddSafetyCommands(app)) commands.push_back(std::move(c));
  for (const stub::Command& command : commands) command.app->footer(kExitCodesHelp);

  try {
    app.parse(argc, argv);
    if (serve_cmd->parsed()) {
      const stub::Status served = stub::RunServe(serve);
      if (!served.ok()) {
        std::cerr << "stub serve: " << served.message() << "\n";
        return stub::ExitCodeFor(served);
      }
      return stub::kExitOk;
    }
    for (const stub::Command& command : commands) {
      if (command.app->parsed()) return command.run();
    }
    if (loadgen_cmd->parsed()) return RunLoadgenCommand(loadgen, loadgen_json);
    if (race_cmd->parsed()) return RunRaceCommand(race, race_budget, race_amount, race_json);
    if (bench_cmd->parsed()) {
      bench.batch = !bench_no_batch;
      return RunBenchCommand(bench, bench_json);
    }
  } catch (const CLI::ParseError& e) {
    const int code = app.exit(e);
    return code == 0 ? stub::kExitOk : stub::kExitUsage;
  } catch (const std::exception& e) {
    std::cerr << "stub: internal error: " << e.what() << "\n";
    return stub::kExitInternal;
  }
  return stub::kExitUsage;
}
