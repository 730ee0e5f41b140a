#pragma once
// RunSettings: what every MCMC algorithm of `lockstep sample` / `lockstep study` shares —
// chain count, iterations, thinning, seed, initial values, threads. Algorithm configs derive
// from it (HmcConfig, NutsConfig, CheesConfig), so each common setting is declared once and
// read under the same name everywhere (host/run/hmc_driver.hpp).
#include <cstdint>
#include <vector>

namespace lockstep {

class CheckpointHooks;  // host/run/sampler_snapshot.hpp
namespace parallel {
class Ranks;  // host/parallel/ranks.hpp
}

/// The shared settings (RunSettings) a `sample` algorithm's run honours beyond chains, warmup,
/// draws, seed and threads, as bits. A descriptor declares them with
/// `static constexpr unsigned kRunSettings = run_settings::kInit | ...` (none when it has no such
/// member), and `sample` and `study` refuse the flags of the others: an algorithm that never
/// reads init_unconstrained must not let `--init` or `--superchains` pass as if it did.
namespace run_settings {
constexpr unsigned kInit = 1u;        // init_radius, init_unconstrained: --init, --superchains
constexpr unsigned kThin = 2u;        // thin: --thin
constexpr unsigned kSaveWarmup = 4u;  // save_warmup: --save-warmup
constexpr unsigned kCheckpoint = 8u;  // checkpoint: --checkpoint (and resume)
constexpr unsigned kRanks = 16u;      // ranks, first_chain, total_chains: a run split over MPI ranks
constexpr unsigned kAll = kInit | kThin | kSaveWarmup | kCheckpoint | kRanks;
}  // namespace run_settings

struct RunSettings {
  int chains = 4;
  int warmup = 1000;
  int draws = 1000;
  int thin = 1;               // keep iteration m of a phase when m % thin == 0 (Stan)
  std::uint64_t seed = 1;
  bool save_warmup = false;
  double init_radius = 2.0;   // U(-r, r) on the unconstrained scale (Stan's default 2)
  /// Given initial values on the unconstrained scale: empty (random), one vector for every
  /// chain, or one per chain.
  std::vector<std::vector<double>> init_unconstrained;
  int threads = 0;            // CPU backend worker threads (0: all); results never depend on it
  /// Checkpoints (static HMC and NUTS; host/run/sampler_snapshot.hpp): where snapshots go and
  /// what a resumed run starts from. Not owned; null: none.
  CheckpointHooks* checkpoint = nullptr;
  /// A run split over MPI ranks (host/parallel/ranks.hpp): this process runs `chains` chains,
  /// chains first_chain .. first_chain + chains - 1 of the run's total_chains, and cross-chain
  /// sums go through `ranks` (host/run/chain_sums.hpp). Null: one process runs every chain.
  const parallel::Ranks* ranks = nullptr;
  int first_chain = 0;
  int total_chains = 0;  // 0: `chains`
  int all_chains() const { return total_chains > 0 ? total_chains : chains; }
  /// Nested R-hat's superchains (--superchains K): the run's chains in K consecutive groups of
  /// all_chains() / K, each group started from one point and independent of the others; 0: none.
  /// What moves a chain to another's state (ChEES's stalled-chain restart) stays inside a group.
  int superchains = 0;
};

}  // namespace lockstep
