#pragma once
// The `vi` entry of the algorithm list (host/algorithms/algorithm_list.hpp): ADVI, mean-field or
// full-rank Gaussian on the unconstrained space, the Monte Carlo points of the ELBO gradient
// (and K independent fits) as lanes (vi_fit.hpp). The algorithm of the `lockstep vi` command;
// every model has a gradient, so every model can run it.
#include <string>
#include <vector>

#include "host/algorithms/vi/vi_config.hpp"
#include "host/algorithms/vi/vi_fit.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/run/algorithm_options.hpp"
#include "host/run/run_settings.hpp"
#include "kernels/core/model_traits.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {

struct ViAlgorithm {
  using Config = ViConfig;
  static constexpr const char* kName = "vi";
  static constexpr const char* kCommand = "vi";  // the `lockstep vi` command
  static constexpr const char* kNeeds = "log_density_and_grad (a gradient of the log density)";
  static const char* summary() {
    return "variational inference (ADVI: mean-field or full-rank Gaussian, Adam), Monte Carlo points as lanes";
  }
  static std::vector<FlagSpec> flags() {
    return {{"--approx", "A", "meanfield (mean and log-sd per coordinate) or fullrank (mean and Cholesky factor)", "meanfield"},
            {"--samples", "S", "Monte Carlo points per ELBO gradient", "1"},
            {"--steps", "N", "Optimization step budget", "10000"},
            {"--learning-rate", "LR", "Adam's learning rate (constant)", "0.01"},
            {"--fits", "K", "Independent fits side by side from different starts; the best final ELBO is kept, and fits that stopped apart are a warning (not converged, or several modes)", "4"},
            {"--draws", "D", "Draws from the fitted approximation", "1000"},
            {"--eval-every", "M", "Steps between ELBO estimates", "100"},
            {"--elbo-samples", "E", "Monte Carlo points per ELBO estimate", "100"},
            {"--tol-rel-obj", "T", "Stop when the mean or median relative ELBO change is below T (0: never)", "0.01"},
            {"--init-radius", "R", "Means start uniform(-R, R) on the unconstrained scale", "2"},
            {"--init-sd", "S", "Every sd of the approximation starts at S (NumPyro's AutoNormal: 0.1; Stan: 1)", "0.1"}};
  }
  static Config configure(const RunSettings& settings, const AlgorithmOptions& o) { return vi_config_from(settings, o); }
  template <class Model>
  static constexpr bool supports() {
    return traits::has_log_density_and_grad<Model>::value;
  }
  template <class Model>
  static void run(const Loaded<Model>& m, const Config& c, DrawSet& draws, RunInfo& info, Progress* progress) {
    vi::fit_vi(m, c, draws, info, progress);
  }
};

}  // namespace lockstep
