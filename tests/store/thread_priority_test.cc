#include "store/thread_priority.h"

#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cerrno>
#include <thread>

namespace stub {
namespace {

// The nice value of the calling thread.
int ThisThreadsNice() {
  errno = 0;
  return getpriority(PRIO_PROCESS, static_cast<id_t>(gettid()));
}

TEST(ThreadPriorityTest, LowersOnlyTheCallingThread) {
  const int main_before = ThisThreadsNice();
  int other_before = -100;
  int other_after = -100;
  std::thread other([&] {
    other_before = ThisThreadsNice();
    LowerThisThreadsPriority();
    other_after = ThisThreadsNice();
  });
  other.join();
  EXPECT_EQ(other_before, main_before);  // a new thread inherits the creator's
  EXPECT_EQ(other_after, 19);
  EXPECT_EQ(ThisThreadsNice(), main_before);
}

}  // namespace
}  // namespace stub
