// A SQLite store on a fresh file of its own, for one benchmark: opened at
// construction, closed and removed (with its -wal and -shm files) at
// destruction. Not thread-safe; one benchmark function owns it.
#pragma once

#include <unistd.h>

#include <cstdio>
#include <memory>
#include <string>
#include <string_view>
#include <utility>

#include "store/sqlite/sqlite_store.h"

namespace stub {

class ScratchSqlite {
 public:
  // `name` tells the benchmarks' files apart: /tmp/<name>-<pid>.db.
  explicit ScratchSqlite(std::string_view name)
      : path_("/tmp/" + std::string(name) + "-" + std::to_string(::getpid()) + ".db") {
    if (auto opened = SqliteStore::Open(path_); opened.ok()) store_ = std::move(*opened);
  }
  ~ScratchSqlite() {
    store_.reset();
    for (const char* suffix : {"", "-wal", "-shm"}) std::remove((path_ + suffix).c_str());
  }
  ScratchSqlite(const ScratchSqlite&) = delete;
  ScratchSqlite& operator=(const ScratchSqlite&) = delete;

  // The open store, or null when the file could not be opened (or after
  // CloseStore).
  SqliteStore* store() const { return store_.get(); }

  // Closes the store and keeps the file (with the store's schema), for a
  // benchmark that reopens it by other means.
  void CloseStore() { store_.reset(); }

  const std::string& path() const { return path_; }

 private:
  std::string path_;
  std::unique_ptr<SqliteStore> store_;
};

}  // namespace stub
