#pragma once
// DrawSet: the draws of a run (or of files read back), on the host.
//
// Layout is [quantity][chain][draw]: the series of one quantity in one chain is
// contiguous, which is what diagnostics read and what netCDF's (chain, draw) variables
// are. Parameters (constrained + derived, in model order) and sampler statistics
// (lp__, accept_stat__, ...) are stored apart.
#include <cstddef>
#include <memory>
#include <new>
#include <string>
#include <utility>
#include <vector>

#include "kernels/core/index.hpp"

namespace lockstep {

/// std::allocator whose value-less construct() leaves a trivial T uninitialized, so that
/// resize() does not write the elements: a run's draws (hundreds of MB) are zeroed once, by
/// all threads (DrawSet::resize), instead of by one thread in vector::assign.
template <class T>
struct UninitializedAllocator : std::allocator<T> {
  using std::allocator<T>::allocator;
  UninitializedAllocator() = default;
  template <class U>
  UninitializedAllocator(const UninitializedAllocator<U>&) noexcept {}
  template <class U>
  struct rebind {
    using other = UninitializedAllocator<U>;
  };
  template <class U>
  void construct(U* p) noexcept {
    ::new (static_cast<void*>(p)) U;
  }
  template <class U, class... Args>
  void construct(U* p, Args&&... args) {
    ::new (static_cast<void*>(p)) U(std::forward<Args>(args)...);
  }
};

/// The storage of draws: a vector of doubles that resize() leaves uninitialized.
using DrawValues = std::vector<double, UninitializedAllocator<double>>;

/// Zeroes v[0..n) over the OpenMP threads (first touch of fresh pages in parallel).
void zero_parallel(double* v, std::size_t n);

struct DrawSet {
  int n_chains = 0;
  int n_draws = 0;          // per chain, including saved warmup draws
  int n_warmup_saved = 0;   // the first n_warmup_saved draws of each chain are warmup
  std::vector<std::string> names;       // parameter names, e.g. "mu", "theta[1]"
  DrawValues values;                    // names.size() * n_chains * n_draws
  std::vector<std::string> stat_names;  // e.g. "lp__", "accept_stat__", ...
  DrawValues stats;                     // stat_names.size() * n_chains * n_draws
  /// Posterior predictive draws (`sample --predict`): the last n_predictive quantities of
  /// `names` (y_rep[1], ...) are replications of the observed data `observed` (called
  /// observed_name), not parameters: summaries and the netCDF posterior group leave them out
  /// (netCDF puts them in posterior_predictive, the data in observed_data); Stan CSV writes them
  /// as columns after the parameters, as CmdStan writes generated quantities.
  int n_predictive = 0;
  std::string observed_name;
  std::vector<double> observed;
  /// Dimension names of indexed variables ({"theta", {"school"}}; Loaded::dims, filled by the
  /// model registry after a run); writers use <base>_dim_<k> for variables not listed.
  std::vector<std::pair<std::string, std::vector<std::string>>> dims;

  int n_parameters() const { return static_cast<int>(names.size()) - n_predictive; }

  std::size_t offset(int q, int c) const { return static_cast<std::size_t>(draw_offset(q, c, 0, n_chains, n_draws)); }
  /// Pointer to the n_draws values of parameter p in chain c.
  const double* series(int p, int c) const { return values.data() + offset(p, c); }
  double* series(int p, int c) { return values.data() + offset(p, c); }
  const double* stat_series(int s, int c) const { return stats.data() + offset(s, c); }
  double* stat_series(int s, int c) { return stats.data() + offset(s, c); }

  void resize(int chains, int draws) {
    n_chains = chains;
    n_draws = draws;
    const std::size_t per_quantity = static_cast<std::size_t>(chains) * draws;
    values = DrawValues();  // a fresh buffer: nothing old is copied on growing
    stats = DrawValues();
    values.resize(names.size() * per_quantity);
    stats.resize(stat_names.size() * per_quantity);
    zero_parallel(values.data(), values.size());
    zero_parallel(stats.data(), stats.size());
  }
  int param_index(const std::string& name) const {
    for (std::size_t i = 0; i < names.size(); ++i)
      if (names[i] == name) return static_cast<int>(i);
    return -1;
  }
  int stat_index(const std::string& name) const {
    for (std::size_t i = 0; i < stat_names.size(); ++i)
      if (stat_names[i] == name) return static_cast<int>(i);
    return -1;
  }
};

/// Adaptation results and run facts that writers record (Stan CSV comments, netCDF attrs).
struct RunInfo {
  std::string model;
  std::string algorithm;        // "hmc", "nuts", ...
  std::string stan_engine;      // Stan's HMC engine this algorithm is ("nuts", "static"); empty:
                                // none (Stan CSV writes `algorithm = <algorithm>` then)
  std::string data_file;
  unsigned long long seed = 0;
  int num_warmup = 0;           // warmup iterations per chain, saved or not (0: unknown)
  int num_samples = 0;          // sampling iterations per chain, before thinning (0: unknown)
  int thin = 1;                 // every thin-th iteration was kept (warmup and sampling)
  std::vector<std::pair<std::string, std::string>> config;  // every setting, in order
  std::vector<double> step_size;                    // per chain, after warmup
  std::vector<std::vector<double>> inv_metric;      // per chain, diagonal, unconstrained dim
  std::vector<std::vector<double>> dense_inv_metric;  // per chain, dim x dim row-major (metric
                                                      // "dense" only; else empty)
  double warmup_seconds = 0;
  double warmup_bytes_per_iteration = 0;           // host <-> device traffic of cross-chain
                                                    // adaptation per warmup iteration (bytes)
  double sampling_seconds = 0;
  unsigned long long gradient_evaluations = 0;      // all chains, warmup included
  long divergences = 0;                             // post-warmup
  std::vector<double> accepted_proposals;          // ensemble: per walker, proposals accepted over
                                                    // every step (emcee's naccepted); else empty
  long warmup_restarts = 0;                         // ChEES: stalled chains restarted in warmup
                                                    // from other chains' states (all ranks)
  std::vector<int> superchain;                      // per chain, 0-based superchain (nested
                                                    // R-hat, --superchains); empty: none
  std::vector<double> effective_draws;              // read back: per chain (file), its recorded
                                                    // config effective_draws (vi, abc, ...), NaN if none
};

}  // namespace lockstep
