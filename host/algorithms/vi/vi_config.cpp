// Parsing of the vi flags into ViConfig (vi_config.hpp).
#include "host/algorithms/vi/vi_config.hpp"

#include <climits>

#include "models/contract/input_error.hpp"

namespace lockstep {

ViConfig vi_config_from(const RunSettings& settings, const AlgorithmOptions& o) {
  ViConfig c;
  c.seed = settings.seed;
  c.threads = settings.threads;
  c.family = o.get_choice("--approx", "meanfield", {"meanfield", "fullrank"}) == "fullrank" ? vi::Family::kFullRank
                                                                                             : vi::Family::kMeanField;
  c.samples = o.get_int("--samples", 1, 1, 1 << 20);
  c.steps = o.get_int("--steps", 10000, 1, INT_MAX - 1);
  c.learning_rate = o.get_positive("--learning-rate", 0.01);
  c.fits = o.get_int("--fits", 4, 1, 1 << 16);
  c.draws = o.get_int("--draws", 1000, 1, 1 << 28);
  c.eval_every = o.get_int("--eval-every", 100, 1, INT_MAX - 1);
  c.elbo_samples = o.get_int("--elbo-samples", 100, 1, 1 << 20);
  c.tol_rel_obj = o.get_real("--tol-rel-obj", 0.01);
  if (c.tol_rel_obj < 0) throw InputError("--tol-rel-obj: must not be negative (0: run the whole step budget)");
  c.init_radius = o.get_real("--init-radius", 2.0);
  if (!(c.init_radius >= 0)) throw InputError("--init-radius: must not be negative");
  c.init_sd = o.get_positive("--init-sd", 0.1);
  return c;
}

}  // namespace lockstep
