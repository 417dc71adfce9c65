#pragma once

// Giving memory back to the kernel after large requests. A multi-megabyte body otherwise
// leaves the process holding its peak: glibc keeps freed heap in its arenas (one per
// thread that allocated), so RSS grew from 13 MB idle to 50 MB after a series of large
// bodies (docs/performance.md, "Memory").

#include <cstddef>

namespace irsa::server {

// Buffers above this are freed after the request instead of being kept for the next.
inline constexpr std::size_t kRetainedBufferBytes = std::size_t{64} * 1024;

// Process-wide: allocations above kRetainedBufferBytes get their own mapping, unmapped
// when freed. Called once when the server starts.
void returnLargeAllocationsEagerly();

// Returns the free parts of every arena to the kernel; for moments when nothing runs.
void releaseFreedMemory();

}  // namespace irsa::server
