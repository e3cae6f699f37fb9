// Lowers a background thread's CPU priority, so that on a small machine its
// work fills the cores' idle time instead of taking a core from the threads
// every request waits for (the group committer, the SQLite writer).
#pragma once

namespace stub {

// Gives the calling thread the lowest priority of normal threads: nice 19
// (on Linux the nice value belongs to each thread, not to the process). It
// still runs whenever a core is free, and gets a small share of a busy one.
// Best effort: a failure is ignored, since only speed depends on it.
// Thread-safe; affects only the caller.
void LowerThisThreadsPriority();

}  // namespace stub
