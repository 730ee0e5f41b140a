// Calibration of the glmm posterior: 50 simulated data sets, each with its parameters drawn from
// the prior (two grouping factors, a varying slope, 60 rows), fitted with NUTS; the central 90%
// posterior intervals of 9 quantities must cover the truth at the expected rate. Drawing the
// truth from the prior makes the expected coverage exactly 0.9 (the average over the prior of
// the posterior probability of the interval); the bound below is 3.2 binomial standard errors
// (+-0.045 on 450 indicators). Sized for the suite (about 10 s on 2 cores; 20 replicates under a
// sanitizer, which checks memory and undefined behaviour, not calibration: +-0.072 on 180);
// scale up the replicates for a study.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/csv_data.hpp"
#include "tests/build_config.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace {

using testing_models::load_builtin;
using testing_models::run;

/// Deterministic normals (splitmix64 bits, Box-Muller).
class Normals {
 public:
  explicit Normals(std::uint64_t seed) : s_(seed) {}
  double uniform() {
    std::uint64_t z = (s_ += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    z ^= z >> 31;
    return (static_cast<double>(z >> 11) + 0.5) * 0x1.0p-53;
  }
  double normal() { return std::sqrt(-2 * std::log(uniform())) * std::cos(2 * M_PI * uniform()); }

 private:
  std::uint64_t s_;
};

TEST(GlmmCoverage, NinetyPercentIntervalsCoverTheTruthNinetyPercentOfTheTime) {
  constexpr int kReplicates = testing::kSanitized ? 20 : 50, kG1 = 6, kG2 = 5, kRows = 60;
  const std::string formula = "y ~ 1 + x + (1 + x | g1) + (1 | g2)";
  const std::string priors =
      "Intercept ~ normal(0, 1)\nb ~ normal(0, 1)\nsd ~ half_normal(0, 1)\nsigma ~ half_normal(0, 1)";
  int covered = 0, total = 0;
  for (int rep = 0; rep < kReplicates; ++rep) {
    Normals rng(1000 + rep);
    // Truth from the prior.
    const double b0 = rng.normal(), b1 = rng.normal();
    const double sd1a = std::fabs(rng.normal()), sd1b = std::fabs(rng.normal()), sd2 = std::fabs(rng.normal());
    const double sigma = std::fabs(rng.normal());
    std::vector<double> r1a(kG1), r1b(kG1), r2(kG2);
    for (int l = 0; l < kG1; ++l) r1a[l] = sd1a * rng.normal(), r1b[l] = sd1b * rng.normal();
    for (int l = 0; l < kG2; ++l) r2[l] = sd2 * rng.normal();
    std::ostringstream csv;
    csv.precision(17);
    csv << "y,x,g1,g2\n";
    for (int n = 0; n < kRows; ++n) {
      const int a = n % kG1, b = (n / kG1) % kG2;
      const double x = rng.normal();
      const double y = b0 + r1a[a] + (b1 + r1b[a]) * x + r2[b] + sigma * rng.normal();
      csv << y << "," << x << ",g" << a << "," << b + 1 << "\n";
    }
    auto data = parse_csv_table(csv.str(), "replicate " + std::to_string(rep));
    const auto m = load_builtin("glmm", {{"formula", formula}, {"prior", priors}}, data.get());
    NutsConfig cfg;
    cfg.chains = 4;
    cfg.warmup = 300;
    cfg.draws = 400;
    cfg.seed = 77 + rep;
    cfg.target_accept = 0.95;
    DrawSet d;
    RunInfo info;
    run(*m, cfg, d, info);
    const std::vector<std::pair<std::string, double>> truth = {
        {"b_Intercept", b0}, {"b_x", b1}, {"sd_g1__Intercept", sd1a}, {"sd_g1__x", sd1b},
        {"sd_g2__Intercept", sd2}, {"sigma", sigma}, {"r_g1[g0,Intercept]", r1a[0]},
        {"r_g1[g0,x]", r1b[0]}, {"r_g2[1,Intercept]", r2[0]}};
    for (const auto& t : truth) {
      const int p = d.param_index(t.first);
      ASSERT_GE(p, 0) << t.first;
      const diagnostics::Summary s = diagnostics::summarize(diagnostics::chains_of(d, p));
      covered += s.q5 <= t.second && t.second <= s.q95;
      ++total;
    }
  }
  const double rate = static_cast<double>(covered) / total;
  const double bound = 3.2 * std::sqrt(0.9 * 0.1 / total);
  EXPECT_NEAR(rate, 0.9, bound) << covered << " of " << total << " intervals cover the truth (bound +-" << bound << ")";
  std::printf("glmm coverage: %d of %d central 90%% intervals cover the truth (%.3f)\n", covered, total, rate);
}

}  // namespace
}  // namespace lockstep
