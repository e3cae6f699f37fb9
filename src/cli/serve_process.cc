#include "cli/serve_process.h"

#include <fcntl.h>
#include <signal.h>
#include <stdlib.h>
#include <sys/wait.h>
#include <unistd.h>

#include <array>
#include <cstdio>
#include <string_view>

namespace stub {
namespace {

// The path of the running binary.
Result<std::string> SelfPath() {
  std::array<char, 4096> buf{};
  const ssize_t n = ::readlink("/proc/self/exe", buf.data(), buf.size() - 1);
  if (n <= 0) return Internal("cannot find the stub binary (/proc/self/exe)");
  return std::string(buf.data(), static_cast<std::size_t>(n));
}

}  // namespace

Result<std::unique_ptr<ServeProcess>> ServeProcess::Start(const std::string& db,
                                                          const std::string& root_key,
                                                          const std::string& binary_path) {
  std::string binary = binary_path;
  if (binary.empty()) {
    STUB_ASSIGN_OR_RETURN(binary, SelfPath());
  }
  int fds[2];
  if (::pipe(fds) != 0) return Internal("pipe failed");
  std::fflush(nullptr);
  const pid_t pid = ::fork();
  if (pid < 0) {
    ::close(fds[0]);
    ::close(fds[1]);
    return Internal("fork failed");
  }
  if (pid == 0) {
    ::dup2(fds[1], STDOUT_FILENO);
    ::close(fds[0]);
    ::close(fds[1]);
    const int null = ::open("/dev/null", O_WRONLY);
    if (null >= 0) ::dup2(null, STDERR_FILENO);
    ::setenv("STUB_ROOT_KEY", root_key.c_str(), 1);
    ::execl(binary.c_str(), binary.c_str(), "serve", "--db", db.c_str(), "--listen", "127.0.0.1:0",
            static_cast<char*>(nullptr));
    ::_exit(127);
  }
  ::close(fds[1]);
  FILE* out = ::fdopen(fds[0], "r");
  if (out == nullptr) {
    ::close(fds[0]);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return Internal("fdopen failed");
  }
  constexpr std::string_view kListening = "Listening on http://127.0.0.1:";
  std::uint16_t port = 0;
  char line[512];
  while (port == 0 && std::fgets(line, sizeof line, out) != nullptr) {
    const std::string_view l(line);
    if (l.starts_with(kListening)) {
      port = static_cast<std::uint16_t>(std::atoi(line + kListening.size()));
    }
  }
  if (port == 0) {
    std::fclose(out);
    ::kill(pid, SIGKILL);
    ::waitpid(pid, nullptr, 0);
    return Unavailable("stub serve --db " + db + " did not start listening");
  }
  // Its stdout stays open (a closed pipe would kill it if it printed more).
  return std::unique_ptr<ServeProcess>(new ServeProcess(pid, port, out));
}

void ServeProcess::Close() {
  if (out_ != nullptr) std::fclose(out_);
  out_ = nullptr;
}

ServeProcess::~ServeProcess() {
  if (pid_ > 0) {
    ::kill(pid_, SIGKILL);
    ::waitpid(pid_, nullptr, 0);
  }
  Close();
}

Status ServeProcess::Stop() {
  if (pid_ <= 0) return Status::Ok();
  ::kill(pid_, SIGTERM);
  int status = 0;
  ::waitpid(pid_, &status, 0);
  pid_ = -1;
  Close();
  if (!WIFEXITED(status) || WEXITSTATUS(status) != 0) {
    return Internal("stub serve did not stop cleanly (status " + std::to_string(status) + ")");
  }
  return Status::Ok();
}

}  // namespace stub
