#pragma once
// Stalled chains in ChEES-HMC's warmup, and their restart from another chain's state.
//
// ChEES gives every chain one step size, tuned by dual averaging of the harmonic mean of the
// NON-divergent chains' acceptance (host/algorithms/chees/chees_adaptation.hpp). A chain that
// starts far in a tail -- Stan's default initialization, uniform(-2, 2) on the unconstrained
// scale, can put a hierarchical model's scale at exp(-2) with its effects at +-2 -- may need a
// step size far below the others'. Its trajectories then diverge (or are rejected) at every
// iteration, it never moves, and because divergent chains are left out of the step size's
// statistic nothing ever shrinks the step size for it: the chain stays where it started
// through sampling and biases every mean (radon, `(1 | county)`, 64 chains, seed 3: 2 chains,
// lp__ -3e4 against -209). Per-chain step sizes (NUTS, static HMC) do not have this failure.
//
// lockstep's remedy (its own choice; warmup only, so the sampling phase is an ordinary Markov
// chain from the state warmup ends in): a chain whose last kStallIterations warmup transitions
// all diverged or had acceptance probability below chees::kStalledAccept is moved to the
// current state (position, log density, gradient) of a chain drawn uniformly among the chains
// whose latest transition did neither, and then continues with its own random stream, so it
// leaves the donor at its next momentum. The check runs every kStallCheckEvery warmup
// iterations, over all of the run's chains (gathered from every MPI rank, so the choice is the
// same whatever the rank count); no chain moves when none has stalled (the draws are then the
// bits they were before this rule) or when no chain can give its state.
//
// With superchains (--superchains K, nested R-hat: Margossian et al. 2024) the donor comes from
// the stalled chain's own superchain: nested R-hat compares superchains that started apart and
// ran independently, and a chain moved into another superchain would make two of them one
// (a run whose superchain had stalled whole passed nested R-hat at 1.009 with classic R-hat
// 3.6). A superchain stalled whole has no donor and stays where it is: its draws, and nested
// R-hat, say so.
#include <cstdint>
#include <vector>

#include "host/backend/lanes.hpp"
#include "host/run/chain_sums.hpp"
#include "host/run/hmc_buffers.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/core/philox.hpp"

namespace lockstep {
namespace chees {

constexpr int kStallIterations = 20;   // consecutive stalled transitions that make a chain stalled
constexpr int kStallCheckEvery = 10;   // warmup iterations between checks

/// Restarts the stalled chains of the run (see the file comment) after warmup iteration
/// `iteration` (0-based). `stalled` [n_pad] holds each chain's count of consecutive stalled
/// transitions (CheesSegment::stalled). Returns how many chains of the whole run were restarted.
inline long restart_stalled_chains(const RunSettings& cfg, HmcBuffers& buf, backend::DeviceVector<Real>& stalled,
                                   int n_chains, std::uint64_t iteration) {
  const int dim = buf.dim, n_pad = buf.n_pad;
  const bool split = cfg.ranks && cfg.ranks->split();
  std::vector<Real> counts = backend::to_host(stalled);
  const std::vector<Real> all =
      split ? all_chains_rows(*cfg.ranks, counts, 1, n_pad, n_chains)
            : std::vector<Real>(counts.begin(), counts.begin() + n_chains);
  const int total = static_cast<int>(all.size());
  // donors[k]: the chains of group k that can give their state (one group, or one per superchain)
  const int groups = cfg.superchains > 0 && total % cfg.superchains == 0 ? cfg.superchains : 1;
  const int per_group = total / groups;
  std::vector<std::vector<int>> donors(static_cast<std::size_t>(groups));
  bool any = false;
  for (int c = 0; c < total; ++c) {
    if (all[c] == 0) donors[static_cast<std::size_t>(c / per_group)].push_back(c);
    any = any || all[c] >= kStallIterations;
  }
  if (!any) return 0;

  // Every chain's state, [rows][total] in the run's order (a rank's chains are
  // first_chain .. first_chain + n_chains - 1 of it).
  std::vector<Real> q = backend::to_host(buf.q), grad = backend::to_host(buf.grad), logp = backend::to_host(buf.logp);
  const int first = split ? cfg.first_chain : 0;
  const int stride = split ? total : n_pad;
  const std::vector<Real> q_all = split ? all_chains_rows(*cfg.ranks, q, dim, n_pad, n_chains) : q;
  const std::vector<Real> grad_all = split ? all_chains_rows(*cfg.ranks, grad, dim, n_pad, n_chains) : grad;
  const std::vector<Real> logp_all = split ? all_chains_rows(*cfg.ranks, logp, 1, n_pad, n_chains) : logp;

  long restarted = 0;
  for (int g = 0; g < total; ++g) {
    const std::vector<int>& own = donors[static_cast<std::size_t>(g / per_group)];
    if (all[g] < kStallIterations || own.empty()) continue;
    ++restarted;
    const int c = g - first;
    if (c < 0 || c >= n_chains) continue;  // another rank's chain
    const Philox4x32::U4 bits =
        Rng{cfg.seed, static_cast<std::uint32_t>(cfg.first_chain - first + g)}.bits(iteration, Stream::kRestart, 0);
    const std::size_t pick = static_cast<std::size_t>(uniform_open01(bits.x[0], bits.x[1]) * own.size());
    const int d = own[pick < own.size() ? pick : own.size() - 1];
    for (int i = 0; i < dim; ++i) {
      q[static_cast<std::size_t>(i) * n_pad + c] = q_all[static_cast<std::size_t>(i) * stride + d];
      grad[static_cast<std::size_t>(i) * n_pad + c] = grad_all[static_cast<std::size_t>(i) * stride + d];
    }
    logp[c] = logp_all[d];
    counts[c] = 0;
  }
  buf.q.upload(q.data(), q.size());
  buf.grad.upload(grad.data(), grad.size());
  buf.logp.upload(logp.data(), logp.size());
  stalled.upload(counts.data(), counts.size());
  return restarted;
}

}  // namespace chees
}  // namespace lockstep
