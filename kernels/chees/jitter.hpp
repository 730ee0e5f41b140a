#pragma once
// Jittered trajectory lengths of ChEES-HMC (Hoffman, Radul & Sountsov 2021, "An adaptive MCMC
// scheme for setting trajectory lengths in Hamiltonian Monte Carlo", AISTATS, section 3):
// at iteration t every chain integrates for time  h_t * T  with the same jitter h_t in (0, 1],
// i.e. for  L_t = ceil(h_t T / eps)  leapfrog steps (at least 1, at most max_steps). One h_t
// for all chains keeps the lanes in lock-step.
//
// h_t is either the van der Corput (base-2 Halton) sequence at index t + 1 — the paper's
// quasi-random choice, also TFP's and BlackJAX's default: 1/2, 1/4, 3/4, 1/8, 5/8, ... — or
// a uniform from a stream shared by every chain (Stream::kJitter of the key "chain"
// 0xFFFFFFFF, as static HMC's jitter).
#include <cmath>
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"

namespace lockstep {
namespace chees {

enum class Jitter : int { kHalton = 0, kUniform = 1 };

/// van der Corput radical inverse in base 2 of `index` (index >= 1 gives a value in (0, 1)):
/// the bits of index mirrored about the binary point.
LS_HD LS_INLINE double halton(std::uint64_t index) {
  double result = 0, f = 0.5;
  while (index > 0) {
    if (index & 1u) result += f;
    index >>= 1;
    f *= 0.5;
  }
  return result;
}

/// The jitter h_t in (0, 1) of iteration t (the same for every chain).
LS_HD LS_INLINE double jitter_fraction(std::uint64_t seed, std::uint64_t iteration, Jitter kind) {
  if (kind == Jitter::kHalton) return halton(iteration + 1);
  const Rng shared{seed, 0xFFFFFFFFu};
  return uniform(shared, iteration, Stream::kJitter, 0);
}

/// Leapfrog steps L = ceil(h T / eps), clamped to [1, max_steps] (NaN or non-positive
/// arguments give 1 step).
LS_HD LS_INLINE int leapfrog_steps(double fraction, double trajectory_length, double step_size, int max_steps) {
  const double x = fraction * trajectory_length / step_size;
  if (!(x > 1)) return 1;
  if (!(x < static_cast<double>(max_steps))) return max_steps;
  return static_cast<int>(::ceil(x));
}

}  // namespace chees
}  // namespace lockstep
