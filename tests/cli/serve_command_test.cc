// `stub serve` as a real process: it prints the root key once on an empty
// database, serves HTTP, stops cleanly on SIGTERM (exit 0), and keeps its
// data and keys across restarts.
#include <gtest/gtest.h>
#include <signal.h>
#include <sys/wait.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <cstdlib>
#include <regex>
#include <string>
#include <thread>
#include <vector>

#include "server/http_client.h"  // tests/server

namespace stub {
namespace {

using server_testing::HttpClient;

struct Served {
  pid_t pid = -1;
  FILE* out = nullptr;
  std::uint16_t port = 0;
  std::string root_key;  // when serve printed one
  std::string demo_key;  // with --demo
  // With --demo: the "Dashboard:" and "  sign in:" lines, as printed.
  std::string dashboard_line;
  std::string sign_in_line;
};

// Starts `stub serve` on a free port; reads its stdout up to the
// "Listening on" line.
Served Serve(const std::string& db, const std::vector<std::string>& env = {}, bool demo = false) {
  int fds[2];
  EXPECT_EQ(pipe(fds), 0);
  Served s;
  s.pid = fork();
  if (s.pid == 0) {
    dup2(fds[1], 1);
    close(fds[0]);
    close(fds[1]);
    std::freopen("/dev/null", "w", stderr);
    for (const auto& e : env) putenv(const_cast<char*>(e.c_str()));
    if (demo) {
      execl(STUB_BINARY, STUB_BINARY, "serve", "--demo", "--db", db.c_str(), "--listen",
            "127.0.0.1:0", static_cast<char*>(nullptr));
    } else {
      execl(STUB_BINARY, STUB_BINARY, "serve", "--db", db.c_str(), "--listen", "127.0.0.1:0",
            static_cast<char*>(nullptr));
    }
    _exit(127);
  }
  close(fds[1]);
  s.out = fdopen(fds[0], "r");
  char line[512];
  bool next_is_key = false;
  while (std::fgets(line, sizeof line, s.out) != nullptr) {
    std::string l(line);
    if (next_is_key) {
      s.root_key = l.substr(l.find_first_not_of(' '));
      s.root_key.erase(s.root_key.find_last_not_of("\n") + 1);
      next_is_key = false;
    } else if (l.starts_with("  admin key (shown once): ")) {
      s.demo_key = l.substr(l.rfind(' ') + 1);
      s.demo_key.erase(s.demo_key.find_last_not_of("\n") + 1);
    } else if (l.starts_with("Dashboard: ")) {
      s.dashboard_line = l.substr(0, l.find_last_not_of("\n") + 1);
    } else if (l.starts_with("  sign in: ")) {
      s.sign_in_line = l.substr(0, l.find_last_not_of("\n") + 1);
    } else if (l.starts_with("Created the root key")) {
      next_is_key = true;
    } else if (l.starts_with("Listening on http://127.0.0.1:")) {
      s.port = static_cast<std::uint16_t>(std::stoi(l.substr(l.rfind(':') + 1)));
      break;
    }
  }
  return s;
}

int Terminate(Served& s) {
  kill(s.pid, SIGTERM);
  int status = 0;
  waitpid(s.pid, &status, 0);
  std::fclose(s.out);
  return WIFEXITED(status) ? WEXITSTATUS(status) : -1;
}

TEST(ServeCommand, RootKeyOnceGracefulStopAndRestart) {
  const std::string path = ::testing::TempDir() + "stub_serve_test_" + std::to_string(getpid());
  const std::string db = "sqlite:" + path + ".db";
  Served first = Serve(db);
  ASSERT_NE(first.port, 0);
  ASSERT_TRUE(first.root_key.starts_with("stub_live_")) << first.root_key;
  std::string admin;
  {
    HttpClient root(first.port, first.root_key);
    EXPECT_EQ(root.Get("/healthz").status, 200);
    auto org = root.Post("/v1/orgs", {{"id", "acme"}});
    ASSERT_EQ(org.status, 201) << org.body;
    admin = org.json()["admin_key"];
  }
  EXPECT_EQ(Terminate(first), 0);

  // The same database: no new root key; the old keys still work.
  Served second = Serve(db);
  ASSERT_NE(second.port, 0);
  EXPECT_EQ(second.root_key, "");
  {
    HttpClient a(second.port, admin);
    EXPECT_EQ(a.Get("/v1/budgets").status, 200);
    HttpClient root(second.port, first.root_key);
    EXPECT_EQ(root.Post("/v1/orgs", {{"id", "acme"}}).status, 409);
  }
  EXPECT_EQ(Terminate(second), 0);
  for (const char* suffix : {".db", ".db-wal", ".db-shm"}) std::remove((path + suffix).c_str());
}

// The README's first command: the demo org is seeded once (a second start
// changes nothing), each start prints a fresh admin key and revokes the last.
TEST(ServeCommand, DemoSeedsOnceAndPrintsAFreshAdminKey) {
  const std::string path = ::testing::TempDir() + "stub_serve_demo_" + std::to_string(getpid());
  const std::string db = "sqlite:" + path + ".db";
  Served first = Serve(db, {}, /*demo=*/true);
  ASSERT_NE(first.port, 0);
  ASSERT_TRUE(first.demo_key.starts_with("stub_live_")) << first.demo_key;
  std::string head;
  {
    HttpClient admin(first.port, first.demo_key);
    auto budgets = admin.Get("/v1/budgets");
    ASSERT_EQ(budgets.status, 200) << budgets.body;
    EXPECT_EQ(budgets.json()["id"], "acme");
    EXPECT_GE(budgets.json()["children"].size(), 3u);
    auto verify = admin.Get("/v1/verify");
    ASSERT_EQ(verify.status, 200);
    EXPECT_EQ(verify.json()["ok"], true);
    EXPECT_GT(verify.json()["entries"].get<int>(), 1000);
    head = verify.json()["head"];
  }
  // The dashboard's address and a single-use sign-in link (a token in the
  // URL fragment, never the key).
  const std::string base = "http://127.0.0.1:" + std::to_string(first.port);
  EXPECT_EQ(first.dashboard_line, "Dashboard: " + base + "/");
  std::smatch m;
  ASSERT_TRUE(std::regex_match(
      first.sign_in_line, m,
      std::regex("  sign in: open " + std::regex_replace(base, std::regex("[.]"), "\\.") +
                 "/#signin=(stub_link_[0-9a-f]{64}) \\(single use, expires in 10 minutes\\), "
                 "or paste the admin key")))
      << first.sign_in_line;
  EXPECT_EQ(first.sign_in_line.find(first.demo_key), std::string::npos);
  {
    const std::string link_body = "{\"link\":\"" + m[1].str() + "\"}";
    HttpClient browser(first.port);
    auto signed_in = browser.Send("POST", "/v1/session", link_body);
    ASSERT_EQ(signed_in.status, 200) << signed_in.body;
    EXPECT_EQ(signed_in.json()["org"], "acme");
    EXPECT_EQ(signed_in.json()["role"], "admin");
    EXPECT_EQ(signed_in.json()["name"], "demo-admin");
    EXPECT_TRUE(signed_in.header("set-cookie").starts_with("stub_session=stub_sess_"));
    auto again = browser.Send("POST", "/v1/session", link_body);
    EXPECT_EQ(again.status, 401) << again.body;
    EXPECT_EQ(again.code(), "unauthorized");
  }
  EXPECT_EQ(Terminate(first), 0);

  Served second = Serve(db, {}, /*demo=*/true);
  ASSERT_NE(second.port, 0);
  ASSERT_TRUE(second.demo_key.starts_with("stub_live_"));
  EXPECT_NE(second.demo_key, first.demo_key);
  {
    HttpClient old_key(second.port, first.demo_key);
    EXPECT_EQ(old_key.Get("/v1/budgets").status, 401);
    HttpClient admin(second.port, second.demo_key);
    auto verify = admin.Get("/v1/verify");
    ASSERT_EQ(verify.status, 200);
    EXPECT_EQ(verify.json()["head"], head);  // seeding again changed nothing
  }
  EXPECT_EQ(Terminate(second), 0);
  for (const char* suffix : {".db", ".db-wal", ".db-shm"}) std::remove((path + suffix).c_str());
}

TEST(ServeCommand, RootKeyFromTheEnvironment) {
  Served s = Serve("memory:", {"STUB_ROOT_KEY=stub_live_from_env_123_0123456789abcdef"});
  ASSERT_NE(s.port, 0);
  EXPECT_EQ(s.root_key, "");  // nothing created or printed
  {
    HttpClient root(s.port, "stub_live_from_env_123_0123456789abcdef");
    EXPECT_EQ(root.Post("/v1/orgs", {{"id", "acme"}}).status, 201);
    HttpClient wrong(s.port, "stub_live_other");
    EXPECT_EQ(wrong.Post("/v1/orgs", {{"id", "beta"}}).status, 401);
  }
  EXPECT_EQ(Terminate(s), 0);
}

// Two server processes on one SQLite file, 32 connections spread over
// both, one budget: exactly what fits is approved, and the books verify.
TEST(ServeCommand, TwoProcessesOneBudgetNoOverspend) {
  const std::string path = ::testing::TempDir() + "stub_serve_two_" + std::to_string(getpid());
  const std::string db = "sqlite:" + path + ".db";
  const std::vector<std::string> env = {"STUB_ROOT_KEY=stub_live_two_processes_0123456789abc"};
  Served a = Serve(db, env);
  Served b = Serve(db, env);
  ASSERT_NE(a.port, 0);
  ASSERT_NE(b.port, 0);
  std::string agent_key;
  std::string admin_key;
  {
    HttpClient root(a.port, "stub_live_two_processes_0123456789abc");
    auto org = root.Post("/v1/orgs", {{"id", "acme"}});
    ASSERT_EQ(org.status, 201) << org.body;
    admin_key = org.json()["admin_key"];
    HttpClient admin(b.port, admin_key);
    ASSERT_EQ(
        admin.Put("/v1/org", {{"limits", {{{"amount", "2.00"}, {"period", "total"}}}}}).status,
        200);
    ASSERT_EQ(admin.Put("/v1/teams/t", nlohmann::json::object()).status, 201);
    ASSERT_EQ(admin.Put("/v1/agents/bot", {{"team", "t"}}).status, 201);
    auto key = admin.Post("/v1/keys", {{"role", "agent"}, {"agent", "bot"}});
    ASSERT_EQ(key.status, 201);
    agent_key = key.json()["key"];
  }
  constexpr int kClients = 32;
  constexpr int kEach = 3;  // 96 spends of 0.05 = 4.80 against 2.00: 40 fit
  std::atomic<int> approved{0};
  std::atomic<int> denied{0};
  std::atomic<int> other{0};
  std::vector<std::thread> threads;
  for (int c = 0; c < kClients; ++c) {
    threads.emplace_back([&, c] {
      HttpClient client(c % 2 == 0 ? a.port : b.port, agent_key);
      for (int i = 0; i < kEach; ++i) {
        auto r = client.Post("/v1/spends",
                             {{"amount", "0.05"},
                              {"vendor", "x.com"},
                              {"idempotency_key", std::to_string(c) + "-" + std::to_string(i)}});
        if (r.status == 201) {
          ++approved;
        } else if (r.status == 402 && r.json()["reason"] == "budget_exceeded") {
          ++denied;
        } else {
          ++other;
        }
      }
    });
  }
  for (auto& t : threads) t.join();
  EXPECT_EQ(approved.load(), 40);
  EXPECT_EQ(denied.load(), kClients * kEach - 40);
  EXPECT_EQ(other.load(), 0);
  {
    HttpClient admin(a.port, admin_key);
    auto budget = admin.Get("/v1/budgets/acme").json();
    EXPECT_EQ(budget["limits"][0]["spent"], "2");
    EXPECT_EQ(budget["effective_remaining"], "0");
    EXPECT_EQ(admin.Get("/v1/verify").json()["ok"], true);
  }
  EXPECT_EQ(Terminate(a), 0);
  EXPECT_EQ(Terminate(b), 0);
  for (const char* suffix : {".db", ".db-wal", ".db-shm"}) std::remove((path + suffix).c_str());
}

}  // namespace
}  // namespace stub
