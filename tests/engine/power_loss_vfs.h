// A power-loss simulator for SQLite, for the crash tests: an sqlite3 VFS that
// wraps the default one and remembers, for the main database file and its
// WAL, every write and truncate made since that file was last synced (as an
// undo log of pre-images). PowerLoss() puts every such file back as it was at
// its last sync — as if the machine lost power and the OS dropped every page
// it had not been asked to make durable — and ends the process at once.
//
// A file counts as synced (up to the writes made before the sync began) by
// the VFS's xSync, and by an fdatasync() of any fd open on it: the SQLite
// store fdatasyncs its WAL itself (MakeDurable), not through the VFS, so the
// test that uses this defines fdatasync() to go through SyncFd too.
//
// Every write and truncate through the VFS holds one process-wide lock, and
// so does the bookkeeping of every sync (not the sync itself, so writes go on
// while a sync runs, as the store's pipelining needs). PowerLoss takes the
// lock and never releases it: no write can slip in between the rollback and
// the end of the process, and a sync still running then counts as not done.
//
// Limits: whole unsynced writes are dropped (no torn pages); a file created
// since the last directory sync survives; the -shm file is not tracked (SQLite
// rebuilds the WAL index from the WAL when the first connection opens).
//
// Use in a forked child only (PowerLoss ends the process): Register() it as
// the default VFS before opening the store.
#pragma once

#include <fcntl.h>
#include <sqlite3.h>
#include <unistd.h>

#include <algorithm>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <map>
#include <mutex>
#include <string>
#include <vector>

namespace stub::testing_support {

class PowerLossVfs {
 public:
  // Registers the VFS "stub-power-loss" as the default. Idempotent.
  static void Register() {
    static std::once_flag once;
    std::call_once(once, [] {
      State& s = Get();
      s.base = sqlite3_vfs_find(nullptr);
      s.vfs = *s.base;
      s.vfs.zName = "stub-power-loss";
      s.vfs.szOsFile = static_cast<int>(sizeof(File)) + s.base->szOsFile;
      s.vfs.xOpen = &Open;
      s.vfs.pNext = nullptr;
      sqlite3_vfs_register(&s.vfs, 1);
    });
  }

  // fdatasync(fd) through the simulator: the writes made to the file open on
  // `fd` before the call are durable once `sync` (the real fdatasync)
  // returned 0; writes made while it ran are not (a power cut may still
  // drop them). Returns what `sync` returned.
  template <typename Sync>
  static int SyncFd(int fd, Sync sync) {
    char link[64];
    std::snprintf(link, sizeof link, "/proc/self/fd/%d", fd);
    char target[4096];
    const ssize_t n = ::readlink(link, target, sizeof target - 1);
    if (n <= 0) return sync();
    return SyncPath(std::string(target, static_cast<std::size_t>(n)), sync);
  }

  static std::recursive_mutex& Lock() { return Get().mu; }

  // Writes and truncates a power loss now would undo. Requires Lock().
  static std::size_t PendingOps() {
    std::size_t n = 0;
    for (const auto& [path, ops] : Get().undo) n += ops.size();
    return n;
  }

  // Rolls every tracked file back to its last sync and ends the process with
  // `exit_code`. Never returns.
  [[noreturn]] static void PowerLoss(int exit_code) {
    State& s = Get();
    s.mu.lock();  // never released: nothing writes after this
    for (auto& [path, ops] : s.undo) {
      const int fd = ::open(path.c_str(), O_RDWR | O_CLOEXEC);
      if (fd < 0) continue;
      for (auto it = ops.rbegin(); it != ops.rend(); ++it) {
        if (!it->old_bytes.empty()) {
          (void)::pwrite(fd, it->old_bytes.data(), it->old_bytes.size(),
                         static_cast<off_t>(it->offset));
        }
        (void)::ftruncate(fd, static_cast<off_t>(it->old_size));
      }
      ::close(fd);
    }
    std::_Exit(exit_code);
  }

 private:
  // One write or truncate to undo: put `old_bytes` back at `offset`, then
  // cut the file to `old_size`.
  struct Op {
    std::uint64_t seq = 0;  // order of all writes and truncates
    std::int64_t offset = 0;
    std::string old_bytes;
    std::int64_t old_size = 0;
  };
  struct State {
    std::recursive_mutex mu;
    sqlite3_vfs* base = nullptr;
    sqlite3_vfs vfs{};
    sqlite3_io_methods methods{};
    std::map<std::string, std::vector<Op>> undo;  // by absolute path
    std::uint64_t next_seq = 0;
  };
  struct File {
    sqlite3_file base;  // must be first
    sqlite3_file* real;
    std::string* path;  // tracked files only
  };

  static State& Get() {
    static State* s = new State();  // never destroyed: used until _Exit
    return *s;
  }
  static sqlite3_file* Real(sqlite3_file* f) { return reinterpret_cast<File*>(f)->real; }

  static int Open(sqlite3_vfs*, const char* name, sqlite3_file* file, int flags, int* out_flags) {
    State& s = Get();
    auto* f = reinterpret_cast<File*>(file);
    f->real = reinterpret_cast<sqlite3_file*>(f + 1);
    f->path = nullptr;
    const int rc = s.base->xOpen(s.base, name, f->real, flags, out_flags);
    if (rc != SQLITE_OK) {
      f->base.pMethods = nullptr;
      return rc;
    }
    if (name != nullptr && (flags & (SQLITE_OPEN_MAIN_DB | SQLITE_OPEN_WAL)) != 0) {
      char* full = ::realpath(name, nullptr);
      if (full != nullptr) {
        f->path = new std::string(full);
        std::free(full);
      }
    }
    static std::once_flag once;
    std::call_once(once, [&] { InitMethods(*f->real->pMethods); });
    f->base.pMethods = &s.methods;
    return SQLITE_OK;
  }

  // The wrapper's methods: write, truncate, sync and close tracked; every
  // other one forwarded to the real file.
  static void InitMethods(const sqlite3_io_methods& real) {
    State& s = Get();
    s.methods = real;
    s.methods.xClose = &Close;
    s.methods.xWrite = &Write;
    s.methods.xTruncate = &Truncate;
    s.methods.xSync = &Sync;
    s.methods.xRead = [](sqlite3_file* p, void* b, int n, sqlite3_int64 o) {
      return Real(p)->pMethods->xRead(Real(p), b, n, o);
    };
    s.methods.xFileSize = [](sqlite3_file* p, sqlite3_int64* size) {
      return Real(p)->pMethods->xFileSize(Real(p), size);
    };
    s.methods.xLock = [](sqlite3_file* p, int l) { return Real(p)->pMethods->xLock(Real(p), l); };
    s.methods.xUnlock = [](sqlite3_file* p, int l) {
      return Real(p)->pMethods->xUnlock(Real(p), l);
    };
    s.methods.xCheckReservedLock = [](sqlite3_file* p, int* out) {
      return Real(p)->pMethods->xCheckReservedLock(Real(p), out);
    };
    s.methods.xFileControl = [](sqlite3_file* p, int op, void* arg) {
      return Real(p)->pMethods->xFileControl(Real(p), op, arg);
    };
    s.methods.xSectorSize = [](sqlite3_file* p) { return Real(p)->pMethods->xSectorSize(Real(p)); };
    s.methods.xDeviceCharacteristics = [](sqlite3_file* p) {
      return Real(p)->pMethods->xDeviceCharacteristics(Real(p));
    };
    s.methods.xShmMap = [](sqlite3_file* p, int pg, int sz, int extend, void volatile** out) {
      return Real(p)->pMethods->xShmMap(Real(p), pg, sz, extend, out);
    };
    s.methods.xShmLock = [](sqlite3_file* p, int off, int n, int flags) {
      return Real(p)->pMethods->xShmLock(Real(p), off, n, flags);
    };
    s.methods.xShmBarrier = [](sqlite3_file* p) { Real(p)->pMethods->xShmBarrier(Real(p)); };
    s.methods.xShmUnmap = [](sqlite3_file* p, int del) {
      return Real(p)->pMethods->xShmUnmap(Real(p), del);
    };
    // No memory-mapped reads: every byte read goes through xRead.
    s.methods.iVersion = 2;
  }

  static int Close(sqlite3_file* p) {
    auto* f = reinterpret_cast<File*>(p);
    const int rc = f->real->pMethods->xClose(f->real);
    delete f->path;
    f->path = nullptr;
    return rc;
  }

  static std::int64_t SizeOf(sqlite3_file* real) {
    sqlite3_int64 size = 0;
    if (real->pMethods->xFileSize(real, &size) != SQLITE_OK) return 0;
    return size;
  }

  // The current bytes of [offset, offset + n) that exist.
  static std::string PreImage(sqlite3_file* real, std::int64_t offset, std::int64_t n,
                              std::int64_t size) {
    if (offset >= size) return {};
    std::string out(static_cast<std::size_t>(std::min(n, size - offset)), '\0');
    (void)real->pMethods->xRead(real, out.data(), static_cast<int>(out.size()), offset);
    return out;
  }

  static int Write(sqlite3_file* p, const void* data, int n, sqlite3_int64 offset) {
    auto* f = reinterpret_cast<File*>(p);
    std::lock_guard lock(Get().mu);
    if (f->path != nullptr) {
      const std::int64_t size = SizeOf(f->real);
      Get().undo[*f->path].push_back(
          {Get().next_seq++, offset, PreImage(f->real, offset, n, size), size});
    }
    return f->real->pMethods->xWrite(f->real, data, n, offset);
  }

  static int Truncate(sqlite3_file* p, sqlite3_int64 new_size) {
    auto* f = reinterpret_cast<File*>(p);
    std::lock_guard lock(Get().mu);
    if (f->path != nullptr) {
      const std::int64_t size = SizeOf(f->real);
      if (new_size < size) {
        Get().undo[*f->path].push_back(
            {Get().next_seq++, new_size, PreImage(f->real, new_size, size - new_size, size), size});
      }
    }
    return f->real->pMethods->xTruncate(f->real, new_size);
  }

  static int Sync(sqlite3_file* p, int flags) {
    auto* f = reinterpret_cast<File*>(p);
    auto sync = [&] { return f->real->pMethods->xSync(f->real, flags); };
    if (f->path == nullptr) return sync();
    return SyncPath(*f->path, sync);
  }

  // Runs `sync` without the lock (writes go on meanwhile, as they do on a
  // real disk), then forgets the undo records of `path` written before it
  // began — if it succeeded and no power cut came first.
  template <typename SyncFn>
  static int SyncPath(const std::string& path, SyncFn sync) {
    State& s = Get();
    std::uint64_t before = 0;
    {
      std::lock_guard lock(s.mu);
      before = s.next_seq;
    }
    const int rc = sync();
    if (rc == 0) {
      std::lock_guard lock(s.mu);  // blocks forever after a power cut
      auto it = s.undo.find(path);
      if (it != s.undo.end()) {
        std::erase_if(it->second, [&](const Op& op) { return op.seq < before; });
        if (it->second.empty()) s.undo.erase(it);
      }
    }
    return rc;
  }
};

}  // namespace stub::testing_support
