#pragma once
// Whether the caller already runs inside an OpenMP parallel region (the summary's loop over
// quantities): a diagnostic then computes on its own thread instead of opening a nested region.
#ifdef _OPENMP
#include <omp.h>
#endif

namespace lockstep {
namespace diagnostics {

inline bool in_parallel_region() {
#ifdef _OPENMP
  return omp_in_parallel() != 0;
#else
  return false;
#endif
}

}  // namespace diagnostics
}  // namespace lockstep
