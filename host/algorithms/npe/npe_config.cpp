#include "host/algorithms/npe/npe_config.hpp"

#include <cmath>
#include <limits>

#include "host/npe/trainer.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {

std::vector<FlagSpec> npe_flags() {
  return {{"--sims", "N", "Prior predictive simulations to train on (not with --load-net)", ""},
          {"--draws", "D", "Posterior draws at the observed data", "1000"},
          {"--save-net", "F", "Write the trained network to F (JSON) for --load-net", ""},
          {"--load-net", "F", "Use the network in F instead of training (amortization: new data, no retraining)", ""},
          {"--components", "K", "Mixture components (full covariance)", "10"},
          {"--hidden", "H", "Units per hidden layer (tanh)", "50"},
          {"--layers", "L", "Hidden layers", "2"},
          {"--batch-size", "B", "Training mini-batch", "200"},
          {"--learning-rate", "R", "Adam's learning rate", "5e-4"},
          {"--max-epochs", "E", "Most training epochs", "1000000"},
          {"--patience", "P", "Stop after P epochs without a better validation loss", "20"},
          {"--validation-fraction", "F", "Simulations held out for validation", "0.1"},
          {"--rounds", "R",
           "Truncated sequential NPE (Deistler et al. 2022): R rounds of --sims/R simulations, rounds 2..R from the prior "
           "truncated to the previous posterior's 1 - 1e-4 highest-density region at the observed data (the network is "
           "then for these data, not amortized); 1: one amortized round. Default: one round per 10,000 simulations, "
           "at most 5, and 1 with --save-net or --checkpoint",
           "auto"}};
}

void check_validation_split(long long n, double fraction, const std::string& what) {
  const long long v = npe::validation_count(n, fraction);
  if (v < 1 || n - v < 1) {
    const long long need = static_cast<long long>(std::ceil(1.0 / fraction - 1e-9));
    throw InputError(what + ": too few simulations for the validation split (" + std::to_string(v) +
                     " of " + std::to_string(n) + " held out; give at least " +
                     std::to_string(std::max(2LL, need)) + ")");
  }
}

NpeConfig npe_config_from(const RunSettings& settings, const AlgorithmOptions& o) {
  NpeConfig c;
  c.seed = settings.seed;
  c.threads = settings.threads;
  c.train.seed = settings.seed;
  c.train.threads = settings.threads;
  c.load_net = o.get_text("--load-net", "");
  c.save_net = o.get_text("--save-net", "");
  c.draws = o.get_int("--draws", 1000, 1, std::numeric_limits<int>::max());
  c.shape.n_components = o.get_int("--components", 10, 1, 1000);
  c.shape.n_hidden = o.get_int("--hidden", 50, 1, 100000);
  c.shape.n_layers = o.get_int("--layers", 2, 1, 100);
  c.train.batch_size = o.get_int("--batch-size", 200, 1, 1 << 24);
  c.train.learning_rate = o.get_positive("--learning-rate", 5e-4);
  c.train.max_epochs = o.get_int("--max-epochs", 1000000, 1, std::numeric_limits<int>::max());
  c.train.patience = o.get_int("--patience", 20, 1, std::numeric_limits<int>::max());
  c.train.validation_fraction = o.get_real_open("--validation-fraction", 0.1, 0.0, 1.0);
  if (!c.load_net.empty()) {
    for (const char* f : {"--sims", "--components", "--hidden", "--layers", "--batch-size", "--learning-rate",
                          "--max-epochs", "--patience", "--validation-fraction", "--rounds"})
      if (o.given(f))
        throw InputError(std::string(f) + ": not used with --load-net (the loaded network is not retrained)");
    return c;
  }
  if (!o.given("--sims")) throw InputError("--sims: give the number of simulations to train on (or --load-net F)");
  c.sims = o.get_int("--sims", 0, 1, std::numeric_limits<int>::max());
  c.rounds_by_default = !o.given("--rounds");
  c.rounds = c.rounds_by_default ? default_rounds(c.sims) : o.get_int("--rounds", 1, 1, 100);
  if (c.rounds > c.sims)
    throw InputError("--rounds " + std::to_string(c.rounds) + ": more rounds than --sims " + std::to_string(c.sims));
  check_validation_split(c.sims / c.rounds, c.train.validation_fraction,
                         c.rounds > 1 ? "--sims " + std::to_string(c.sims) + " over --rounds " + std::to_string(c.rounds) +
                                            " (" + std::to_string(c.sims / c.rounds) + " in the first round)"
                                      : "--sims " + std::to_string(c.sims));
  return c;
}

}  // namespace lockstep
