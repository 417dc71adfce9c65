#include "server/memory_release.h"

#include <malloc.h>

namespace irsa::server {

void returnLargeAllocationsEagerly() {
  // A fixed threshold also stops glibc from raising it after the first large free, which
  // would move every later body back into the (retained) heap.
  // NOLINTNEXTLINE(concurrency-mt-unsafe): once, before the server threads start
  mallopt(M_MMAP_THRESHOLD, static_cast<int>(kRetainedBufferBytes));
}

void releaseFreedMemory() {
  malloc_trim(0);
}

}  // namespace irsa::server
