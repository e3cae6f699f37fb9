// Names the calling thread, so `top -H`, `ps -L`, perf and gdb show what each
// of a process's threads is (the group committer, the syncer, …).
#pragma once

namespace stub {

// Sets the calling thread's name to `name`. Requires: at most 15 characters
// (Linux's limit; a longer name is cut to 15). Best effort: a failure is
// ignored, since a name is only a label. Thread-safe; affects only the caller.
void NameThisThread(const char* name);

}  // namespace stub
