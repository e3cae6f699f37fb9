// Starts a real StubServer on a free loopback port for one test, on a memory
// (or SQLite) store, with a manual clock and a known root key, and stops it
// at the end (graceful shutdown included).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <cstdio>
#include <memory>
#include <string>
#include <thread>

#include "engine/clock.h"
#include "http_client.h"
#include "server/stub_server.h"
#include "store/memory/memory_store.h"
#include "store/sqlite/sqlite_store.h"

namespace stub::server_testing {

inline constexpr const char* kRootKey = "stub_live_root_for_tests";
// 2026-11-28T10:00:00Z
inline constexpr Timestamp kStart = 1'795'860'000'000'000;

class ServerTest : public ::testing::Test {
 protected:
  void SetUp() override { StartServer(MakeStore()); }
  void TearDown() override {
    StopServer();
    store_.reset();
    if (!sqlite_path_.empty()) {
      for (const char* suffix : {"", "-wal", "-shm"}) std::remove((sqlite_path_ + suffix).c_str());
    }
  }

  // The store of the test: memory unless overridden.
  virtual std::unique_ptr<Store> MakeStore() { return std::make_unique<MemoryStore>(); }

  // A fresh SQLite database file (removed at the end of the test).
  std::unique_ptr<Store> MakeSqliteStore() {
    static std::atomic<int> counter{0};
    sqlite_path_ = ::testing::TempDir() + "stub_server_test_" + std::to_string(::getpid()) + "_" +
                   std::to_string(counter++) + ".db";
    auto store = SqliteStore::Open(sqlite_path_);
    EXPECT_TRUE(store.ok()) << store.status().ToString();
    if (!store.ok()) return nullptr;
    return std::move(*store);
  }

  void StartServer(std::unique_ptr<Store> store, ServerOptions options = {}) {
    store_ = std::move(store);
    options.http.port = 0;
    options.http.worker_threads = 48;
    options.root_key = kRootKey;
    options.expiry_interval = std::chrono::milliseconds(20);
    server_ = std::make_unique<StubServer>(*store_, clock_, options);
    const Status started = server_->Start();
    ASSERT_TRUE(started.ok()) << started.ToString();
    thread_ = std::thread([this] { server_->Run(); });
  }

  void StopServer() {
    if (!server_) return;
    server_->Stop();
    thread_.join();
    server_.reset();
  }

  std::uint16_t port() const { return server_->port(); }
  HttpClient Client(const std::string& key = "") { return HttpClient(port(), key); }

  // Creates org `id` as root; returns its admin key.
  std::string CreateOrg(const std::string& id) {
    auto root = Client(kRootKey);
    auto r = root.Post("/v1/orgs", {{"id", id}, {"name", id + " inc"}});
    EXPECT_EQ(r.status, 201) << r.body;
    return r.json().value("admin_key", "");
  }

  ManualClock clock_{kStart};
  std::unique_ptr<Store> store_;
  std::unique_ptr<StubServer> server_;
  std::thread thread_;
  std::string sqlite_path_;
};

}  // namespace stub::server_testing
