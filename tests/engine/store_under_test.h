// Opens a store of each kind for engine tests that must hold on every store:
// the memory store (snapshot isolation or serializable), SQLite on a fresh
// temporary file, PostgreSQL on a fresh database of the throwaway test
// cluster (tests/store/pg_test_cluster.h).
#pragma once

#include <gtest/gtest.h>
#include <unistd.h>

#include <atomic>
#include <filesystem>
#include <memory>
#include <string>

#include "store/memory/memory_store.h"
#include "store/pg_test_cluster.h"
#include "store/postgres/postgres_store.h"
#include "store/sqlite/sqlite_store.h"

namespace stub::testing {

enum class TestStore { kMemory, kMemorySerializable, kSqlite, kPostgres };

inline std::string TestStoreName(const ::testing::TestParamInfo<TestStore>& info) {
  switch (info.param) {
    case TestStore::kMemory:
      return "Memory";
    case TestStore::kMemorySerializable:
      return "MemorySerializable";
    case TestStore::kSqlite:
      return "Sqlite";
    case TestStore::kPostgres:
      return "Postgres";
  }
  return "Unknown";
}

// Owns the store and, for SQLite, its temporary directory.
class StoreUnderTest {
 public:
  explicit StoreUnderTest(TestStore kind) {
    switch (kind) {
      case TestStore::kMemory:
      case TestStore::kMemorySerializable: {
        MemoryStore::Options options;
        options.serializable = kind == TestStore::kMemorySerializable;
        store_ = std::make_unique<MemoryStore>(std::move(options));
        break;
      }
      case TestStore::kSqlite: {
        static std::atomic<int> counter{0};
        dir_ = std::filesystem::temp_directory_path() /
               ("stub-engine-" + std::to_string(::getpid()) + "-" + std::to_string(counter++));
        std::filesystem::remove_all(dir_);
        std::filesystem::create_directories(dir_);
        auto opened = SqliteStore::Open((dir_ / "stub.db").string());
        EXPECT_TRUE(opened.ok()) << opened.status().ToString();
        if (opened.ok()) store_ = std::move(*opened);
        break;
      }
      case TestStore::kPostgres: {
        auto db = pg_testing::NewDatabase();
        EXPECT_TRUE(db.ok()) << db.status().ToString();
        if (!db.ok()) break;
        auto opened = PostgresStore::Open(*db);
        EXPECT_TRUE(opened.ok()) << opened.status().ToString();
        if (opened.ok()) store_ = std::move(*opened);
        break;
      }
    }
  }
  ~StoreUnderTest() {
    store_.reset();
    if (!dir_.empty()) std::filesystem::remove_all(dir_);
  }
  StoreUnderTest(const StoreUnderTest&) = delete;
  StoreUnderTest& operator=(const StoreUnderTest&) = delete;

  bool ok() const { return store_ != nullptr; }
  Store& store() { return *store_; }

 private:
  std::filesystem::path dir_;
  std::unique_ptr<Store> store_;
};

}  // namespace stub::testing
