// Helpers of the CLI tests: a temporary directory, and the real `stub` binary
// run as a child process with its stdout, stderr and exit code.
#pragma once

#include <gtest/gtest.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cstdio>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>

namespace stub::testing {

class TempDir {
 public:
  TempDir() {
    std::string tmpl = (std::filesystem::temp_directory_path() / "stub-cli-XXXXXX").string();
    if (mkdtemp(tmpl.data()) == nullptr) ADD_FAILURE() << "mkdtemp failed";
    path_ = tmpl;
  }
  ~TempDir() {
    std::error_code ec;
    std::filesystem::remove_all(path_, ec);
  }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  const std::filesystem::path& path() const { return path_; }

 private:
  std::filesystem::path path_;
};

struct StubRun {
  int exit_code = -1;
  std::string out;
  std::string err;
};

// Runs `stub <args>` (a shell command line: quote arguments as in sh) with
// STUB_DB unset, so that only --db chooses the store; `env_args` are more
// arguments for env(1) first (e.g. "-u AWS_ACCESS_KEY_ID" or "NAME=value").
inline StubRun RunStub(const std::string& args, const std::string& env_args = "") {
  StubRun run;
  const std::filesystem::path err_file =
      std::filesystem::temp_directory_path() / ("stub-cli-err-" + std::to_string(::getpid()));
  const std::string cmd = "env -u STUB_DB " + env_args + " " + std::string(STUB_BINARY) + " " +
                          args + " 2>" + err_file.string();
  FILE* pipe = popen(cmd.c_str(), "r");
  if (pipe == nullptr) return run;
  char buf[4096];
  std::size_t n;
  while ((n = fread(buf, 1, sizeof buf, pipe)) > 0) run.out.append(buf, n);
  const int status = pclose(pipe);
  run.exit_code = WIFEXITED(status) ? WEXITSTATUS(status) : -1;
  std::ifstream err(err_file);
  std::stringstream ss;
  ss << err.rdbuf();
  run.err = ss.str();
  std::filesystem::remove(err_file);
  return run;
}

}  // namespace stub::testing
