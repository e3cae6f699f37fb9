// A forked child process that reports to its parent through a pipe, for the
// crash tests (kill -9 of a writer) and the multi-process concurrency tests.
//
// The child runs `body(report_fd)` and then _exit()s with its return value:
// no destructors, no atexit handlers, no gtest teardown run in the child, so
// nothing of the parent's state is torn down twice. The parent reads what the
// child wrote (Read, ReadLine), may SIGKILL it at any moment (Kill), and
// reaps it (Kill, Wait, or the destructor).
//
// Requires: the parent has no other threads when the child is forked (fork
// copies only the calling thread; a lock another thread held stays locked in
// the child), and holds no database handle the child will use (open stores
// after the fork, in the child). A write of at most PIPE_BUF (4096) bytes to
// the pipe is atomic, so threads of the child may report whole lines with one
// write() each without interleaving.
//
// Not thread-safe; used by the parent's test thread.
#pragma once

#include <signal.h>
#include <sys/types.h>
#include <sys/wait.h>
#include <unistd.h>

#include <algorithm>
#include <cerrno>
#include <cstddef>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <functional>
#include <string>
#include <string_view>

namespace stub::testing_support {

class ForkedChild {
 public:
  // Forks; check started() (false: pipe or fork failed, nothing to reap).
  explicit ForkedChild(const std::function<int(int report_fd)>& body) {
    int fds[2];
    if (::pipe(fds) != 0) return;
    std::fflush(nullptr);  // buffered output is not written twice
    pid_ = ::fork();
    if (pid_ < 0) {
      ::close(fds[0]);
      ::close(fds[1]);
      return;
    }
    if (pid_ == 0) {
      ::close(fds[0]);
      const int code = body(fds[1]);
      std::_Exit(code);
    }
    ::close(fds[1]);
    fd_ = fds[0];
  }
  ~ForkedChild() {
    if (running()) {
      ::kill(pid_, SIGKILL);
      Reap();
    }
    if (fd_ >= 0) ::close(fd_);
  }
  ForkedChild(const ForkedChild&) = delete;
  ForkedChild& operator=(const ForkedChild&) = delete;

  bool started() const { return pid_ > 0; }
  pid_t pid() const { return pid_; }

  // Reads exactly `n` bytes. False at end of stream (the child is gone and
  // everything it wrote has been read) or on a short record.
  bool Read(void* out, std::size_t n) {
    auto* p = static_cast<char*>(out);
    while (n > 0) {
      if (buffer_.empty() && !Fill()) return false;
      const std::size_t take = std::min(n, buffer_.size());
      std::memcpy(p, buffer_.data(), take);
      buffer_.erase(0, take);
      p += take;
      n -= take;
    }
    return true;
  }

  // Reads one '\n'-terminated line (returned without the '\n'). False at end
  // of stream; an unterminated tail is dropped (a write cut short by a kill
  // cannot be one: single writes up to PIPE_BUF are atomic).
  bool ReadLine(std::string& line) {
    for (;;) {
      const std::size_t nl = buffer_.find('\n');
      if (nl != std::string::npos) {
        line.assign(buffer_, 0, nl);
        buffer_.erase(0, nl + 1);
        return true;
      }
      if (!Fill()) return false;
    }
  }

  // SIGKILL, then reap. True if the child died of that SIGKILL; false if it
  // had already exited on its own (see exit_code()).
  bool Kill() {
    if (!running()) return false;
    ::kill(pid_, SIGKILL);
    Reap();
    return WIFSIGNALED(wstatus_) && WTERMSIG(wstatus_) == SIGKILL;
  }

  // Waits for the child to exit; its exit code, or -1 if a signal ended it.
  int Wait() {
    if (running()) Reap();
    return exit_code();
  }

  // After Kill or Wait: the exit code, or -1 if a signal ended the child.
  int exit_code() const { return WIFEXITED(wstatus_) ? WEXITSTATUS(wstatus_) : -1; }

 private:
  bool running() const { return pid_ > 0 && !reaped_; }
  void Reap() {
    while (::waitpid(pid_, &wstatus_, 0) < 0 && errno == EINTR) {
    }
    reaped_ = true;
  }
  bool Fill() {
    char chunk[4096];
    for (;;) {
      const ssize_t n = ::read(fd_, chunk, sizeof chunk);
      if (n > 0) {
        buffer_.append(chunk, static_cast<std::size_t>(n));
        return true;
      }
      if (n < 0 && errno == EINTR) continue;
      return false;
    }
  }

  pid_t pid_ = -1;
  int fd_ = -1;
  bool reaped_ = false;
  int wstatus_ = 0;
  std::string buffer_;
};

// Writes all of `text` with one write() (atomic for ≤ PIPE_BUF bytes). For
// the child side. False on failure.
inline bool WriteRecord(int fd, std::string_view text) {
  return ::write(fd, text.data(), text.size()) == static_cast<ssize_t>(text.size());
}

}  // namespace stub::testing_support
