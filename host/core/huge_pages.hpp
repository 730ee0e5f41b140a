#pragma once
// Transparent huge pages for the large buffers of a run (its draws: hundreds of MB), on request.
//
// A fresh buffer's pages are faulted in one 4 KB page at a time: 287 MB of ensemble draws is
// 70,000 page faults. Where the kernel's transparent huge pages are in "madvise" mode (the common
// default), asking for them makes each fault bring 2 MB: 140 faults. That is a saving on a
// machine whose memory is its own, but in a virtual machine whose host takes back the guest's
// free memory (virtio-balloon free page reporting, as on Firecracker and cloud VMs) every fresh
// 2 MB page first has to be found, compacted and backed by the host: on such a VM (2 cores, AVX2,
// 2026-12-07) `lockstep ensemble peak --walkers 1024 --steps 5000` took 2.4-2.9 s with the advice
// (3.1-3.8 s of system time) against 0.8-1.2 s without (0.2-0.4 s), and Eight Schools with 4096
// chains 12.4-14.5 s against 10.4-11.7 s. So the advice is opt-in: LOCKSTEP_HUGE_PAGES=1 in the
// environment asks for it. Linux only; elsewhere, and where the kernel refuses, nothing changes
// (the pages are the same memory either way, so the values never depend on it).
#include <cstddef>

namespace lockstep {

/// Below this size a buffer is left alone (it spans at most a few 2 MB pages).
constexpr std::size_t kHugePageAdviceMinBytes = std::size_t{16} << 20;

/// Whether an environment value of LOCKSTEP_HUGE_PAGES asks for huge pages: exactly "1".
bool huge_pages_requested(const char* env_value) noexcept;

/// When LOCKSTEP_HUGE_PAGES=1 (read once per process), advises the kernel to back the 2 MB-aligned
/// pages inside [p, p + bytes) with huge pages, before their first touch. A no-op otherwise, for
/// small buffers, on other systems, or on refusal.
void advise_huge_pages(void* p, std::size_t bytes) noexcept;

}  // namespace lockstep
