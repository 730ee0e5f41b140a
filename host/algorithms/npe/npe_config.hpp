#pragma once
// Options of neural posterior estimation (`lockstep npe`, host/algorithms/npe/): the
// simulation budget, the draws, the network file, the architecture and the training.
#include <cstdint>
#include <string>
#include <vector>

#include "host/npe/mdn.hpp"
#include "host/npe/trainer.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"

namespace lockstep {

/// One round of truncated sequential NPE (--rounds; host/algorithms/npe/npe_runner.hpp).
struct NpeRound {
  long long sims = 0;           // simulations of this round trained on (after drops)
  long long candidates = 0;     // prior draws examined (round 1: its simulations)
  double log_q_threshold = 0;   // rounds >= 2: the truncation's log q(theta | x_obs) cut
  long long above_max = 0;      // box candidates kept whose prior density passed the draws' largest
  int boxes = 0;                // the boxes the candidates come from (one per mixture component with draws)
  int epochs = 0, best_epoch = 0;
  double best_validation = 0;
  double training_seconds = 0;
};

/// What a run reports back beyond the draws (filled by run_npe when NpeConfig::report is set).
struct NpeReport {
  std::vector<NpeRound> rounds;  // one per round (one for plain NPE)
  bool trained = false;         // false: the network came from --load-net
  long long sims = 0;           // simulations run
  long long non_finite = 0;     // dropped: a non-finite theta or x
  long long outside_support = 0;  // dropped: theta the model's unconstrain refused
  long long used = 0;           // pairs trained on (training + validation)
  npe::TrainResult training;
  double simulation_seconds = 0;
  double training_seconds = 0;
  double sampling_seconds = 0;
  long long rejected = 0;       // draws outside the support (0: the transform keeps them in)
  std::vector<double> mean, sd; // the network's posterior mean and sd at the observed data
                                // (unconstrained scale)
  std::string loaded_from;      // --load-net file
  long long loaded_sims = 0;    // the loaded network's training simulations
};

/// The rounds of an npe run without --rounds: one per 10,000 simulations, at most 5 (at least
/// 1). Measured on the peak model (bench/RESULTS.md, "NPE's default rounds"): with rounds of
/// 10,000 or more simulations, truncated sequential NPE is at least as accurate as one round of
/// the same budget and far more accurate from 30,000 on (C2ST 0.90 against 0.97 at 30,000;
/// 0.78 against 0.87 at 50,000); with rounds of 2,000 it was worse.
constexpr long long kSimsPerDefaultRound = 10000;
constexpr int kMaxDefaultRounds = 5;
inline int default_rounds(long long sims) {
  const long long r = sims / kSimsPerDefaultRound;
  return static_cast<int>(r < 1 ? 1 : r > kMaxDefaultRounds ? kMaxDefaultRounds : r);
}

struct NpeConfig {
  long long sims = 0;          // --sims: simulations to train on (0 with --load-net), all rounds together
  int rounds = 1;              // --rounds: 1 = amortized NPE; R > 1 = truncated sequential NPE at x_obs
  bool rounds_by_default = false;  // --rounds not given: rounds = default_rounds(sims); one round
                                   // instead where the network must stay amortized (--save-net,
                                   // --checkpoint) or the model has no log_prior
  int draws = 1000;            // --draws
  std::string save_net;        // --save-net FILE
  std::string load_net;        // --load-net FILE
  npe::MdnShape shape;         // --hidden, --layers, --components (n_x, n_theta from the model)
  npe::TrainOptions train;     // --batch-size, --learning-rate, --max-epochs, --patience, --validation-fraction
  std::uint64_t seed = 1;
  int threads = 0;
  /// The model's resolved options ("prior=sbi"), recorded in and compared with network files
  /// (the command sets it; empty from AnyModel::run by name).
  std::string model_options;
  /// Where the loss per epoch goes as CSV (the command sets it; empty: not written).
  std::string loss_csv;
  NpeReport* report = nullptr;  // the caller's, filled by the run
};

/// The flags of `npe`, with their defaults.
std::vector<FlagSpec> npe_flags();

/// The config from the common settings (seed, threads) and the flags; InputError naming the
/// flag for a bad value or combination (--sims and --load-net, --sims too small for the
/// validation split).
NpeConfig npe_config_from(const RunSettings& settings, const AlgorithmOptions& o);

/// InputError unless n usable simulations leave at least one for validation and one for
/// training (named `what`, e.g. "--sims 5").
void check_validation_split(long long n, double fraction, const std::string& what);

}  // namespace lockstep
