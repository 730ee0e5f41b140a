// Walker updates per second and independent samples per second of the affine-invariant
// ensemble sampler (stretch move) on the peak model of SEEDS.md section 4 (data/peak.csv),
// at 32, 1024, 16384 and 65536 walkers. The posterior is validated against
// data/reference/peak.json (a long emcee run, scripts/make_peak_reference.py) before anything
// is timed.
//
//   build/ensemble_throughput [--quick] [--threads T]
//
// walker updates/s      = walkers * steps / wall seconds of sample_ensemble (initialization
//                         and writing the saved draws included)
// independent samples/s = walker updates/s / max_p tau_p, tau in steps (emcee's estimator,
//                         host/diagnostics/autocorr_time.hpp; "*" marks a run shorter than
//                         50 tau, whose tau is only indicative)
// The emcee peer on the same model, data and walker count: bench/peers/emcee_peak.py.
// A single ensemble needs two barriers per step (one per half): on a machine whose cores are
// shared with other jobs, run with OMP_WAIT_POLICY=passive (spinning OpenMP threads then
// steal time from each other and 2 threads can be slower than 1); results are identical
// whatever the thread count.
#include <algorithm>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <string>
#include <vector>

#include "bench/bench_common.hpp"
#include "host/io/csv_data.hpp"
#include "host/io/model_args.hpp"
#include "host/run/ensemble_report.hpp"
#include "host/run/ensemble_sampler.hpp"
#include "models/peak.hpp"

using namespace lockstep;

namespace {

std::string source_path(const std::string& rel) {
#ifdef LOCKSTEP_SOURCE_DIR
  return std::string(LOCKSTEP_SOURCE_DIR) + "/" + rel;
#else
  return rel;
#endif
}

const std::vector<double> kTheta0 = {0.5, 0.6, 0.2, -0.2, 0.1};

/// The ensemble posterior against the emcee reference: every mean within 5 combined MCSE
/// (ours from tau, the reference's from its own tau), every draw inside the box, acceptance
/// between 0.2 and 0.9 (ensemble_report.hpp).
bool validate(const Loaded<models::Peak>& m, int threads) {
  EnsembleConfig cfg;
  cfg.walkers = 1024;
  cfg.steps = 3000;
  cfg.discard = 1000;
  cfg.thin = 10;
  cfg.seed = 7;
  cfg.init_ball = kTheta0;
  cfg.threads = threads;
  DrawSet d;
  RunInfo info;
  sample_ensemble(m, cfg, d, info);
  const EnsembleReport r = report_ensemble(d, cfg, info);
  std::ifstream f(source_path("data/reference/peak.json"));
  const nlohmann::json ref = nlohmann::json::parse(f);
  bool ok = true;
  for (int p = 0; p < 5; ++p) {
    const auto& e = ref.at(d.names[p]);
    const double rm = e.at("mean"), rs = e.at("mcse_mean");
    const double bound = 5 * std::sqrt(r.mcse[p] * r.mcse[p] + rs * rs);
    if (!(std::fabs(r.mean[p] - rm) <= bound)) {
      std::printf("# VALIDATION FAILED: %s mean %.6g, reference %.6g, gap %.3g > bound %.3g\n", d.names[p].c_str(),
                  r.mean[p], rm, std::fabs(r.mean[p] - rm), bound);
      ok = false;
    }
  }
  long outside = 0;
  for (int p = 0; p < 5; ++p)
    for (int c = 0; c < d.n_chains; ++c)
      for (int t = 0; t < d.n_draws; ++t) {
        const double v = d.series(p, c)[t];
        outside += !(v > m.data.lo[p] && v < m.data.hi[p]);
      }
  ok = ok && outside == 0 && r.acceptance_mean > kEnsembleAcceptanceLow && r.acceptance_mean < kEnsembleAcceptanceHigh;
  std::printf("# validation %s: peak, 1024 walkers x %d steps (discard %d): means within 5 MCSE of the emcee "
              "reference, %ld draws outside the box, acceptance %.3f, tau (steps) max %.1f\n",
              ok ? "passed" : "FAILED", cfg.steps, cfg.discard, outside, r.acceptance_mean,
              *std::max_element(r.tau_steps.begin(), r.tau_steps.end()));
  return ok;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) threads = std::atoi(argv[++i]);
  }
  bench::print_machine(argc, argv);
  auto data = load_csv_data(source_path("data/peak.csv"));
  ModelArgs args("peak", {}, data.get());
  const Loaded<models::Peak> m = models::Peak::load(args);
  if (!validate(m, threads)) return 1;

  struct Size {
    int walkers, steps, discard, thin;
  };
  // steps >= 50 tau (tau ~ 55 steps) where memory allows; ~150 saved draws per walker
  const std::vector<Size> sizes = quick ? std::vector<Size>{{32, 20000, 1000, 1}, {1024, 3000, 500, 10}, {16384, 600, 100, 5}}
                                        : std::vector<Size>{{32, 60000, 2000, 1},
                                                            {1024, 20000, 2000, 20},
                                                            {16384, 4000, 1000, 20},
                                                            {65536, 4000, 1000, 20}};
  std::printf("%-8s %8s %8s %10s %16s %10s %16s %10s\n", "walkers", "steps", "threads", "seconds", "walker_upd/s",
              "tau_max", "indep_samples/s", "accept");
  for (const Size& s : sizes) {
    EnsembleConfig cfg;
    cfg.walkers = s.walkers;
    cfg.steps = s.steps;
    cfg.discard = s.discard;
    cfg.thin = s.thin;
    cfg.seed = 11;
    cfg.init_ball = kTheta0;
    cfg.threads = threads;
    DrawSet d;
    RunInfo info;
    sample_ensemble(m, cfg, d, info);
    const EnsembleReport r = report_ensemble(d, cfg, info);
    double tau_max = 0;
    bool short_run = false;
    for (std::size_t p = 0; p < r.tau_steps.size(); ++p) {
      tau_max = std::max(tau_max, r.tau_steps[p]);
      short_run = short_run || r.tau_draws[p].too_short;
    }
    std::printf("%-8d %8d %8d %10.3f %16.4g %9.1f%s %16.4g %10.3f\n", s.walkers, s.steps, threads, r.seconds,
                r.walker_updates_per_second, tau_max, short_run ? "*" : " ", r.walker_updates_per_second / tau_max,
                r.acceptance_mean);
    std::fflush(stdout);
  }
  return 0;
}
