#include "store/thread_priority.h"

#include <sys/resource.h>
#include <unistd.h>

namespace stub {

void LowerThisThreadsPriority() {
  (void)setpriority(PRIO_PROCESS, static_cast<id_t>(gettid()), 19);
}

}  // namespace stub
