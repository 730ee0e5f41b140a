#pragma once
// The walkers of each half of a step's red/blue split in increasing id order: order[half *
// half_pad + e * h + i] = the i-th smallest walker id of ensemble e's half `half`
// (split.hpp's pi_e(half * h + 0..h-1), sorted). One lane per ensemble, once per step, before
// the two half-steps.
//
// Why (the CPU shape): a half-step lane updates B consecutive half positions, and with the
// permutation's own order their walkers are scattered over the whole ensemble, so the threads
// write walkers that share cache lines (8 doubles of a coordinate row) and the lines travel
// between cores every half-step; 1024 walkers on 2 threads ran 1.17x one thread's rate. In id
// order each thread's lanes write a contiguous range of walkers (measured 1.6x with a fixed
// split laid out that way). A walker's update depends only on its id (its Philox key), its
// half and the other half, never on its position, so the draws are the same bits in either
// order (tests/ensemble/sorted_halves_test.cpp). The GPU shape keeps the permutation's order
// (no per-ensemble serial pass; its lanes share no cache lines worth the trouble).
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/index.hpp"
#include "kernels/ensemble/split.hpp"

namespace lockstep {
namespace ensemble {

template <int B>
struct SortHalves {
  std::uint64_t seed = 0;
  std::uint64_t iteration = 0;
  int n_walkers = 0;            // per ensemble (even)
  int half_pad = 0;             // the stride between the halves' rows of `order`
  std::uint8_t* second = nullptr;  // scratch [n_total]: 1 if the walker is in the second half
  std::uint32_t* order = nullptr;  // [2][half_pad] walker ids (global: e * n_walkers + member)

  LS_HD void operator()(int e) const {
    const int n = n_walkers, h = n / 2;
    const Index base = static_cast<Index>(e) * n;
    int ens[B];
    for (int w = 0; w < B; ++w) ens[w] = e;
    SplitBlock<B> split;
    split.init(seed, iteration, n, ens);
    std::uint8_t* in_second = second + base;
    // in_second[pi(k)] = (k >= h), B values of k at a time (the last block repeats k = n - 1)
    for (int k0 = 0; k0 < n; k0 += B) {
      std::uint32_t in[B], out[B];
      for (int w = 0; w < B; ++w) in[w] = static_cast<std::uint32_t>(k0 + w < n ? k0 + w : n - 1);
      split.apply(in, out);
      for (int w = 0; w < B; ++w) in_second[out[w]] = static_cast<std::uint8_t>(in[w] >= static_cast<std::uint32_t>(h));
    }
    // stable partition of 0..n-1 by half, without a branch per walker, straight into the two
    // rows: the first half at out[0..h), the second at out[half_pad..half_pad + h), each in
    // increasing order
    std::uint32_t* out = order + static_cast<Index>(e) * h;
    int first_count = 0, second_count = 0;
    for (int m = 0; m < n; ++m) {
      const int s = in_second[m];  // 0 or 1; the index is selected by masks (g++ made a
                                   // conditional a branch, mispredicted half the time)
      out[(first_count & (s - 1)) | ((half_pad + second_count) & -s)] = static_cast<std::uint32_t>(base + m);
      second_count += s;
      first_count += 1 - s;
    }
  }
};

/// SortHalves for `steps` consecutive steps in one launch of n_ensembles × steps lanes: lane l
/// sorts ensemble l % n_ensembles of step `first.iteration + l / n_ensembles` into its own
/// rows, order + (l / n_ensembles) × 2 half_pad (scratch: second + (l / n_ensembles) ×
/// n_total). One ensemble's sort is serial; a batch of steps gives the threads something to
/// share, and one launch replaces a fork and join per step.
template <int B>
struct SortHalvesSteps {
  SortHalves<B> first;  // step 0 of the batch: its iteration, rows and scratch
  int n_ensembles = 1;

  LS_HD void operator()(int lane) const {
    const int s = lane / n_ensembles;
    SortHalves<B> step = first;
    step.iteration += static_cast<std::uint64_t>(s);
    step.order += static_cast<Index>(s) * 2 * first.half_pad;
    step.second += static_cast<Index>(s) * n_ensembles * first.n_walkers;
    step(lane - s * n_ensembles);
  }
};

}  // namespace ensemble
}  // namespace lockstep
