// `stub serve` as a child process of this one (the same binary): started on
// a free loopback port, its port read from its "Listening on" line, stopped
// with SIGTERM (a graceful stop: in-flight requests answered, batches
// committed). Used where a command needs real server processes (`stub race
// --via http`).
#pragma once

#include <sys/types.h>

#include <cstdint>
#include <cstdio>
#include <memory>
#include <string>

#include "core/status.h"

namespace stub {

class ServeProcess {
 public:
  // Starts `<binary> serve --db <db> --listen 127.0.0.1:0` (binary "": this
  // process's own) with STUB_ROOT_KEY set to `root_key` (so that it creates no
  // root key of its own); its log goes to /dev/null. Waits until it listens.
  // Errors: kUnavailable when it exits or never listens; kInternal when it
  // cannot be started.
  static Result<std::unique_ptr<ServeProcess>> Start(const std::string& db,
                                                     const std::string& root_key,
                                                     const std::string& binary = "");
  // Kills the process (SIGKILL) if it was not stopped.
  ~ServeProcess();
  ServeProcess(const ServeProcess&) = delete;
  ServeProcess& operator=(const ServeProcess&) = delete;

  std::uint16_t port() const { return port_; }

  // SIGTERM, then waits for the exit. Errors: kInternal when it did not exit
  // with status 0.
  Status Stop();

 private:
  ServeProcess(pid_t pid, std::uint16_t port, FILE* out) : pid_(pid), port_(port), out_(out) {}
  void Close();
  pid_t pid_;
  std::uint16_t port_;
  FILE* out_;  // the server's stdout, kept open while it runs
};

}  // namespace stub
