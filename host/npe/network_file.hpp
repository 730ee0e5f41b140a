#pragma once
// The NPE network file (`lockstep npe --save-net F` / `--load-net F`): a trained posterior
// network with what it was trained for, so that a new observed data set gets its posterior
// without retraining (amortization) and a file that does not fit the run is refused.
//
// JSON: {"format": "lockstep-npe-network", "version": 1, "model", "options" (the model's
// resolved options, "key=value" joined by spaces), "parameters" (output names), "n_x",
// "fingerprint": {"theta", "x"} (three prior draws and their simulations at a fixed seed: they
// change with the prior, the simulator and the data it depends on, e.g. the peak model's x and
// y_err), "shape", the standardizers, "params", and facts of the training ("training")}.
// Numbers are written with 17 significant digits: the network read back is the same bits.
#include <string>
#include <vector>

#include "host/npe/posterior_network.hpp"

namespace lockstep {
namespace npe {

constexpr int kNetworkFileVersion = 1;

/// What a network was trained for; load_network compares it with the run's.
struct NetworkHeader {
  std::string model;
  std::string options;
  std::vector<std::string> parameters;
  int n_theta = 0;
  int n_x = 0;
  std::vector<double> fingerprint_theta;
  std::vector<double> fingerprint_x;
  // Facts of the training, written for the record (not compared).
  long long sims = 0;
  int best_epoch = 0;
  double train_seconds = 0;
};

/// Writes the network atomically (host/io/atomic_file.hpp). std::runtime_error naming PATH
/// when it cannot be written.
void save_network(const std::string& path, const NetworkHeader& header, const PosteriorNetwork& net);

/// Reads a network and checks it against `expected` (model, options, parameters, n_x, then the
/// fingerprint): InputError "FLAG PATH: ..." on one line for an unreadable or malformed file,
/// another format or version, or a network trained for another model, prior or simulator.
/// `header_out`, when given, receives the file's header.
PosteriorNetwork load_network(const std::string& path, const std::string& flag, const NetworkHeader& expected,
                              NetworkHeader* header_out = nullptr);

}  // namespace npe
}  // namespace lockstep
