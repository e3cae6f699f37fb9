// kill -9 of the real `stub serve` under concurrent HTTP spend load, several
// times on one SQLite file: every answer a client received (approved 201 or
// denied 402) replays identically by its idempotency key after the restarts
// (same status, same id), `stub verify` passes, and no limit is exceeded.
// Bounded: a few cycles of well under a second of load each.
//
// The seed is printed; rerun one with STUB_TEST_SEED=<seed>.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <chrono>
#include <cstdio>
#include <iostream>
#include <mutex>
#include <random>
#include <string>
#include <thread>
#include <vector>

#include "cli_test_util.h"
#include "server/http_client.h"  // tests/server
#include "test_seed.h"

namespace stub {
namespace {

using server_testing::HttpClient;
using server_testing::HttpResult;

constexpr const char* kKill9RootKey = "stub_live_root_for_kill9_tests_0123456789";

struct Kill9Served {
  pid_t pid = -1;
  FILE* out = nullptr;
  std::uint16_t port = 0;
};

// Starts `stub serve` on a free port with a known root key; reads its stdout
// up to the "Listening on" line.
Kill9Served StartServe(const std::string& db) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  Kill9Served s;
  s.pid = fork();
  if (s.pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::freopen("/dev/null", "w", stderr);
    setenv("STUB_ROOT_KEY", kKill9RootKey, 1);
    execl(STUB_BINARY, STUB_BINARY, "serve", "--db", db.c_str(), "--listen", "127.0.0.1:0",
          static_cast<char*>(nullptr));
    _exit(127);
  }
  close(fds[1]);
  s.out = fdopen(fds[0], "r");
  char line[512];
  while (std::fgets(line, sizeof line, s.out) != nullptr) {
    const std::string l(line);
    if (l.starts_with("Listening on http://127.0.0.1:")) {
      s.port = static_cast<std::uint16_t>(std::stoi(l.substr(l.rfind(':') + 1)));
      break;
    }
  }
  return s;
}

// Ends the server with `signal` and reaps it; returns its wait status.
int EndServe(Kill9Served& s, int signal) {
  kill(s.pid, signal);
  int status = 0;
  waitpid(s.pid, &status, 0);
  std::fclose(s.out);
  return status;
}

struct Answer {
  std::string key;
  int status = 0;
  std::string id;
  std::string reason;
};

nlohmann::json Kill9SpendBody(const std::string& key) {
  return {
      {"agent", "a1"}, {"amount", "0.01"}, {"vendor", "api.dataco.com"}, {"idempotency_key", key}};
}

TEST(Kill9Serve, AcknowledgedAnswersSurviveKillNineAndReplay) {
  const std::uint64_t seed = testing_support::TestSeed();
  std::cout << "[ seed     ] STUB_TEST_SEED=" << seed << "\n";
  RecordProperty("seed", std::to_string(seed));
  SCOPED_TRACE("STUB_TEST_SEED=" + std::to_string(seed));
  std::mt19937_64 rng(seed);

  testing::TempDir dir;
  const std::string db = "sqlite:" + (dir.path() / "stub.db").string();
  std::string admin;
  {
    Kill9Served s = StartServe(db);
    ASSERT_NE(s.port, 0);
    HttpClient root(s.port, kKill9RootKey);
    auto org = root.Post("/v1/orgs", {{"id", "acme"}});
    ASSERT_EQ(org.status, 201) << org.body;
    admin = org.json()["admin_key"];
    HttpClient a(s.port, admin);
    ASSERT_EQ(a.Put("/v1/org", {{"limits", {{{"amount", "2"}, {"period", "total"}}}}}).status, 200);
    ASSERT_EQ(a.Put("/v1/teams/marketing", {{"name", "Marketing"}}).status, 201);
    ASSERT_EQ(a.Put("/v1/agents/a1", {{"team", "marketing"}}).status, 201);
    EXPECT_EQ(EndServe(s, SIGTERM), 0);
  }

  constexpr int kCycles = 4, kClients = 4;
  std::mutex mu;
  std::vector<Answer> answers;
  int failed_requests = 0;
  for (int cycle = 0; cycle < kCycles; ++cycle) {
    Kill9Served s = StartServe(db);
    ASSERT_NE(s.port, 0) << "cycle " << cycle;
    std::atomic<bool> stop{false};
    std::vector<std::thread> clients;
    for (int c = 0; c < kClients; ++c) {
      clients.emplace_back([&, c] {
        HttpClient client(s.port, admin);
        for (int i = 0; !stop.load(); ++i) {
          const std::string key =
              "k" + std::to_string(cycle) + "-" + std::to_string(c) + "-" + std::to_string(i);
          const HttpResult r = client.Post("/v1/spends", Kill9SpendBody(key));
          std::lock_guard lock(mu);
          if (r.status == 201 || r.status == 402) {
            auto j = r.json();
            std::string reason = j.value("reason", "");
            answers.push_back({key, r.status, j.value("id", ""), reason});
          } else {
            ++failed_requests;  // killed mid-request (0) or 503: never acknowledged
            if (r.status == 0) return;
          }
        }
      });
    }
    const auto load = std::chrono::milliseconds(std::uniform_int_distribution<int>(100, 400)(rng));
    std::this_thread::sleep_for(load);
    const int status = EndServe(s, SIGKILL);
    EXPECT_TRUE(WIFSIGNALED(status) && WTERMSIG(status) == SIGKILL) << "cycle " << cycle;
    stop = true;
    for (auto& t : clients) t.join();
  }
  std::cout << "[ kill -9  ] cycles=" << kCycles << " answers=" << answers.size()
            << " unanswered=" << failed_requests << "\n";
  ASSERT_FALSE(answers.empty());

  // Every answer a client got replays identically by its key.
  Kill9Served s = StartServe(db);
  ASSERT_NE(s.port, 0);
  {
    HttpClient client(s.port, admin);
    int approved = 0;
    for (const Answer& a : answers) {
      const HttpResult r = client.Post("/v1/spends", Kill9SpendBody(a.key));
      if (a.reason == "contention") continue;  // binds no key: re-executed, not replayed
      ASSERT_EQ(r.status, a.status) << a.key << ": " << r.body;
      EXPECT_EQ(r.header("idempotent-replayed"), "true") << a.key;
      EXPECT_EQ(r.json().value("id", ""), a.id) << a.key;
      if (a.status == 201) ++approved;
    }
    EXPECT_LE(approved, 200);  // 2.00 / 0.01
    auto org = client.Get("/v1/budgets/acme");
    ASSERT_EQ(org.status, 200) << org.body;
    const nlohmann::json budget = org.json();  // not a temporary's member: the loop outlives it
    for (const auto& limit : budget["limits"]) {
      EXPECT_NE(limit.value("remaining", "").rfind('-', 0), 0u) << org.body;  // not negative
    }
  }
  EXPECT_EQ(EndServe(s, SIGTERM), 0);
  const testing::StubRun verify = testing::RunStub("verify --db " + db);
  EXPECT_EQ(verify.exit_code, 0) << verify.out << verify.err;
}

}  // namespace
}  // namespace stub
