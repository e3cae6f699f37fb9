// WriteBehind: runs one producer's tasks, in the order pushed, on a worker
// thread of its own, so that the producer goes on while they run. A store
// uses it to execute a transaction's insert-only writes (encode, bind, step)
// on the second core while the engine computes the rest of a batch.
//
// The first failing task's Status is kept and returned by Wait; tasks after
// it are skipped (the transaction they belong to is doomed anyway).
//
// Happens-before: everything a task did is visible to the producer once Wait
// returned, and everything the producer did before Push is visible to the
// task. So a resource the tasks use (a database connection) may be used by the
// producer between a Wait and the next Push, and by the tasks in between.
//
// Thread-safety: Push, Wait and Reset must be called by one thread at a time
// (the producer); the worker is internal.
#pragma once

#include <condition_variable>
#include <functional>
#include <mutex>
#include <thread>
#include <vector>

#include "core/status.h"

namespace stub {

class WriteBehind {
 public:
  using Task = std::function<Status()>;

  // Starts the worker thread.
  WriteBehind();
  // Drops queued tasks, waits for the running one and stops the worker.
  ~WriteBehind();
  WriteBehind(const WriteBehind&) = delete;
  WriteBehind& operator=(const WriteBehind&) = delete;

  // Queues `task` behind every task pushed before it.
  void Push(Task task);
  // Blocks until every pushed task has run (or been skipped); returns the
  // first failure since the last Wait or Reset (then forgotten), else OK.
  Status Wait();
  // Drops the tasks not started yet, waits for a running one, and forgets
  // any failure.
  void Reset();

 private:
  void Loop();

  std::mutex mu_;
  std::condition_variable work_;  // the worker waits for tasks or stop
  std::condition_variable idle_;  // the producer waits for the worker to drain
  std::vector<Task> queue_;
  bool busy_ = false;  // the worker runs a batch of tasks taken off queue_
  bool stop_ = false;
  Status failure_;
  std::thread thread_;
};

}  // namespace stub
