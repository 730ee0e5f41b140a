#pragma once
// The lane side of ChEES-HMC (Hoffman, Radul & Sountsov 2021, AISTATS, algorithm 1): jittered
// static HMC in which every chain shares the step size eps, the trajectory length T and the
// diagonal metric, so that all chains take the same number of leapfrog steps at every
// iteration and a lane runs its block of W chains in SIMD (one chain per thread on a GPU).
//
// During warmup a segment is one iteration and also records, per chain, what the host needs
// for the cross-chain adaptation (host/algorithms/chees/chees_adaptation.hpp): the proposal q' before
// the accept/reject step, its velocity v' = dq/dt = M^-1 p', the acceptance probability and
// whether the transition diverged; the start of the trajectory stays in ChainArrays::q0.
// During sampling, with frozen parameters, a segment runs many iterations of
// kernels/hmc/hmc_transition.hpp.
#include <cstdint>

#include "kernels/chees/jitter.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/hmc/chain_arrays.hpp"
#include "kernels/hmc/hmc_segment.hpp"
#include "kernels/hmc/hmc_transition.hpp"
#include "kernels/hmc/leapfrog.hpp"
#include "kernels/hmc/momentum.hpp"
#include "kernels/hmc/step_size_init.hpp"

namespace lockstep {
namespace chees {

/// Per-chain record of the latest warmup transition (device arrays; the host allocates them
/// in one buffer so that one copy brings them all back).
struct ProposalArrays {
  Real* q_start = nullptr;    // [dim][n_pad] position at the start of the transition
  Real* q_end = nullptr;      // [dim][n_pad] position after it (the chain's new state)
  Real* q_prop = nullptr;     // [dim][n_pad] proposed position (before accept/reject)
  Real* v_prop = nullptr;     // [dim][n_pad] proposed velocity M^-1 p'
  Real* accept = nullptr;     // [n_pad] acceptance probability min(1, exp(-dH))
  Real* divergent = nullptr;  // [n_pad] 1 if the transition diverged, else 0
};

/// hmc::hmc_transition plus the record of the proposal (same random numbers, same result).
template <class Model, int W>
LS_HD void chees_transition(const Model& model, const typename Model::Data& data, const hmc::ChainArrays& s,
                            const ProposalArrays& rec, int c0, std::uint64_t seed, std::uint64_t iteration,
                            int n_steps, hmc::TransitionInfo<W>& info) {
  const hmc::Proposal<W> r = hmc::propose<Model, W>(model, data, s, c0, seed, iteration, n_steps);
  const BlockView<W> q = s.block<W>(s.q, c0), p = s.block<W>(s.p, c0), q0 = s.block<W>(s.q0, c0);
  const BlockView<W> minv = s.block<W>(s.inv_metric, c0);
  const BlockView<W> qs = s.block<W>(rec.q_start, c0), qp = s.block<W>(rec.q_prop, c0);
  const BlockView<W> vp = s.block<W>(rec.v_prop, c0), qe = s.block<W>(rec.q_end, c0);
  for (int i = 0; i < s.dim; ++i) {
    qs[i] = q0[i];
    qp[i] = q[i];
    vp[i] = minv[i] * p[i];
  }
  hmc::accept_or_reject<W>(s, c0, seed, iteration, n_steps, r, info);
  for (int w = 0; w < W; ++w) {
    rec.accept[c0 + w] = info.accept_stat[w];
    rec.divergent[c0 + w] = info.divergent[w] ? Real(1) : Real(0);
  }
  for (int i = 0; i < s.dim; ++i) qe[i] = q[i];
}

/// A warmup transition that diverged or whose acceptance probability is below this counts
/// toward a chain's stall (host/algorithms/chees/stalled_chains.hpp); the same threshold below
/// which a chain adds no ChEES gradient (TFP).
constexpr double kStalledAccept = 1e-4;

/// A chain's count of consecutive stalled warmup transitions after the latest one.
LS_HD LS_INLINE Real next_stall_count(Real count, Real accept_stat, bool divergent) {
  return divergent || !(accept_stat >= static_cast<Real>(kStalledAccept)) ? count + Real(1) : Real(0);
}

/// Iterations t_begin .. t_end - 1 of one lane. The shared step size and (when
/// shared_inv_metric is set) the shared diagonal inverse metric are first written into the
/// lane's chains.
template <class Model, int W>
struct CheesSegment {
  Model model;
  typename Model::Data data;
  hmc::ChainArrays s;
  ProposalArrays rec;
  hmc::DrawTarget out;
  std::uint64_t seed = 0;
  std::uint64_t t_begin = 0, t_end = 0;
  double step_size = 1;
  double trajectory_length = 1;
  int max_steps = 1000;
  Jitter jitter = Jitter::kHalton;
  const Real* shared_inv_metric = nullptr;  // [dim], or null to keep the chains' metric
  bool record = false;                      // warmup: fill `rec`
  Real* stalled = nullptr;                  // warmup: [n_pad] consecutive stalled transitions, or null

  LS_HD void operator()(int lane) const {
    const int c0 = lane * W;
    for (int w = 0; w < W; ++w) s.step_size[c0 + w] = static_cast<Real>(step_size);
    if (shared_inv_metric)
      for (int i = 0; i < s.dim; ++i)
        for (int w = 0; w < W; ++w) s.inv_metric[soa_index(i, c0 + w, s.n_pad)] = shared_inv_metric[i];
    hmc::TransitionInfo<W> info;
    for (std::uint64_t t = t_begin; t < t_end; ++t) {
      const int n_steps = leapfrog_steps(jitter_fraction(seed, t, jitter), trajectory_length, step_size, max_steps);
      if (record) {
        chees_transition<Model, W>(model, data, s, rec, c0, seed, t, n_steps, info);
        if (stalled)
          for (int w = 0; w < W; ++w)
            stalled[c0 + w] = next_stall_count(stalled[c0 + w], info.accept_stat[w], info.divergent[w]);
      } else
        hmc::hmc_transition<Model, W>(model, data, s, c0, seed, t, n_steps, info);
      const int d = out.draw_index(t);
      if (d >= 0) store(c0, d, n_steps, info);
    }
  }

  LS_HD void store(int c0, int d, int n_steps, const hmc::TransitionInfo<W>& info) const {
    const Batch<W> eps = Batch<W>::load(s.step_size + c0);
    hmc::store_draw<Model, W>(model, data, s, out, c0, d, n_steps, eps, info);
  }
};

/// Stan's step-size heuristic (kernels/hmc/step_size_init.hpp) per chain, before warmup; the
/// host then takes the geometric mean across chains.
template <class Model>
struct InitStepSize {
  Model model;
  typename Model::Data data;
  hmc::ChainArrays s;
  std::uint64_t seed = 0;
  LS_HD void operator()(int c) const {
    s.step_size[c] = static_cast<Real>(hmc::init_step_size(model, data, s, c, seed, 0, s.step_size[c]));
  }
};

}  // namespace chees
}  // namespace lockstep
