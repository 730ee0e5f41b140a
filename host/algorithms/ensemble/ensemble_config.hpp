#pragma once
// Options of the affine-invariant ensemble sampler (host/algorithms/ensemble/ensemble_sampler.hpp), one config
// struct with defaults, and the parsing of the --move mixture.
#include <cstdint>
#include <string>
#include <vector>

#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/ensemble/moves.hpp"

namespace lockstep {
class CheckpointHooks;  // host/run/sampler_snapshot.hpp
namespace parallel {
class Ranks;  // host/parallel/ranks.hpp
}

/// One component of a move mixture: its kind and (unnormalized) weight.
struct WeightedMove {
  ensemble::MoveKind kind = ensemble::MoveKind::kStretch;
  double weight = 1.0;
};

struct EnsembleConfig {
  int walkers = 32;    // per ensemble: even (two equal halves), at least 2 * dim
  int ensembles = 1;   // independent ensembles side by side; chain = e * walkers + k
  int steps = 1000;    // ensemble steps (each updates every walker once)
  int discard = 0;     // steps not saved at the start (emcee's get_chain(discard=...))
  int thin = 1;        // save every thin-th step after the discarded ones
  std::uint64_t seed = 1;
  /// The mixture: one move per step, kind k with probability weight_k / sum (emcee's
  /// `moves=[(StretchMove(), 0.8), (DEMove(), 0.2)]`). parse_moves("stretch:0.8,de:0.2").
  std::vector<WeightedMove> moves = {WeightedMove{}};
  ensemble::MoveParams move_params;  // emcee's defaults: a = 2, sigma = 1e-5, gamma0 = 2.38/sqrt(2d)
  /// Start in a Gaussian ball: centre in the model's parameter order (constrained scale),
  /// theta = centre + init_scale * N(0, I). Empty: start from prior draws (the default).
  std::vector<double> init_ball;
  double init_scale = 1e-4;
  /// TEST ONLY: update both halves from the positions at the start of the step (the
  /// complement is a snapshot). This is NOT a valid sampler: tests show it is biased.
  bool simultaneous = false;
  int threads = 0;  // CPU backend worker threads (0: all); results never depend on it
  /// A run split over MPI ranks (RunSettings::ranks; host/parallel/ranks.hpp): each rank
  /// updates a share of the walkers and receives the others'. Null: one process.
  const parallel::Ranks* ranks = nullptr;
  /// Checkpoints (RunSettings::checkpoint; host/run/sampler_snapshot.hpp): the walkers, the step
  /// reached and the draws so far, at step boundaries; a resumed run continues from them. Null: none.
  CheckpointHooks* checkpoint = nullptr;
};

/// "stretch", "de", "walk".
std::string move_name(ensemble::MoveKind kind);

/// Parses a --move value: one move name ("stretch", "de", "walk") or a mixture of
/// comma-separated name:weight items ("stretch:0.8,de:0.2"; a missing weight is 1). Weights
/// must be positive and finite, names not repeated. InputError naming --move otherwise.
std::vector<WeightedMove> parse_moves(const std::string& spec);

/// The canonical spelling of a mixture, e.g. "stretch" or "stretch:0.8,de:0.2".
std::string moves_to_string(const std::vector<WeightedMove>& moves);

/// Parses a comma-separated list of numbers (--init-ball v1,v2,...). InputError naming `flag`.
std::vector<double> parse_number_list(const std::string& text, const std::string& flag);

/// The config of the `ensemble` algorithm from the common settings (seed, threads) and its
/// flags (--walkers, --steps, --move, --discard, --thin, --init-ball, --init-scale); InputError
/// naming the flag for a bad value. Checks that need the model are check_ensemble_config's.
EnsembleConfig ensemble_config_from(const RunSettings& settings, const AlgorithmOptions& o);

/// Checks a config for a model of `dim` parameters; throws InputError naming the flag.
void check_ensemble_config(const EnsembleConfig& cfg, int dim, const std::vector<std::string>& names);

}  // namespace lockstep
