#pragma once
// Transparent huge pages for the large buffers of a run (its draws: hundreds of MB).
//
// A fresh buffer's pages are faulted in one 4 KB page at a time: 287 MB of ensemble draws is
// 70,000 page faults, each a trip through the kernel's allocator and memory cgroup. Where the
// kernel's transparent huge pages are in "madvise" mode (the common default), asking for them
// makes each fault bring 2 MB: 140 faults. Linux only; elsewhere, and where the kernel refuses,
// nothing changes (the pages are the same memory either way, so the values never depend on it).
#include <cstddef>

namespace lockstep {

/// Below this size a buffer is left alone (it spans at most a few 2 MB pages).
constexpr std::size_t kHugePageAdviceMinBytes = std::size_t{16} << 20;

/// Advises the kernel to back the 2 MB-aligned pages inside [p, p + bytes) with huge pages,
/// before their first touch. A no-op for small buffers, on other systems, or on refusal.
void advise_huge_pages(void* p, std::size_t bytes) noexcept;

}  // namespace lockstep
