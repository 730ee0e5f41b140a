// host/algorithms/abc/summary_distance.hpp (--statistics model): with 50 observations of a
// normal mean, rejection ABC and SMC-ABC on the model's summary statistic (the sample mean,
// sufficient) approach the exact posterior (sd 0.141), where the 50 raw values' distance
// (identity, the default) stays near sd 0.22 at the same budget; a model without statistics of
// its own is refused with one line naming the flag.
#include <gtest/gtest.h>

#include <cmath>
#include <cstdio>
#include <sstream>
#include <string>
#include <vector>

#include "host/algorithms/abc/abc_sampler.hpp"
#include "host/algorithms/smc_abc/smc_abc_sampler.hpp"
#include "host/io/json_data.hpp"
#include "models/eight_schools.hpp"
#include "models/normal_mean.hpp"
#include "tests/models/model_loading.hpp"
#include "tests/sbi/draw_moments.hpp"

namespace lockstep {
namespace {

using models::NormalMean;

/// 50 observations y_n = 0.7 + z_n (fixed z_n of a sine; sigma 1), as a JSON data file.
std::vector<double> fifty_observations() {
  std::vector<double> y;
  for (int n = 0; n < 50; ++n) y.push_back(0.7 + 1.2 * std::sin(2.3 * n + 0.4));
  return y;
}

Loaded<NormalMean> load_fifty_observations() {
  std::ostringstream j;
  j.precision(17);
  j << "{\"N\": 50, \"sigma\": 1.0, \"y\": [";
  const std::vector<double> y = fifty_observations();
  for (std::size_t n = 0; n < y.size(); ++n) j << (n ? ", " : "") << y[n];
  j << "]}";
  const std::string path = testing_models::write_temp_file("summary_distance_fifty.json", j.str());
  auto src = load_json_data(path);
  return testing_models::load_model<NormalMean>({}, src.get());
}

using testing_sbi::draw_moments;
using testing_sbi::DrawMoments;

DrawSet rejection_on(const Loaded<NormalMean>& m, bool model_statistics, AbcResult& r) {
  AbcConfig c;
  c.seed = 5;
  c.sims = 200000;
  c.keep = 2000;
  c.adjust = false;
  c.model_statistics = model_statistics;
  c.result = &r;
  DrawSet d;
  RunInfo info;
  sample_abc(m, c, d, info, nullptr);
  return d;
}

TEST(SummaryDistance, RejectionAbcOnTheSampleMeanApproachesTheExactPosterior) {
  const Loaded<NormalMean> m = load_fifty_observations();
  double mean = 0, sd = 0;
  models::normal_mean_posterior(fifty_observations(), 1.0, 0.0, 1.0, mean, sd);
  AbcResult r;
  const DrawMoments s = draw_moments(rejection_on(m, true, r));
  EXPECT_NE(r.scale_source.find("the model's 1 summary statistic (--statistics model)"), std::string::npos)
      << r.scale_source;
  // K = 2000 of 200000: epsilon ~1% of the prior predictive's spread, its added variance
  // negligible; tolerance 5 MCSE for the mean (sd / sqrt(K)) and 10% for the sd.
  const double tol = 5 * sd / std::sqrt(2000.0);
  std::printf("--statistics model: mean %.4f (exact %.4f), sd %.4f (exact %.4f)\n", s.mean, mean, s.sd, sd);
  EXPECT_NEAR(s.mean, mean, tol) << "tolerance 5 MCSE = " << tol;
  EXPECT_NEAR(s.sd, sd, 0.1 * sd);
  // The raw values' distance at the same budget: far wider (what --statistics model fixes).
  AbcResult ri;
  const DrawMoments i = draw_moments(rejection_on(m, false, ri));
  std::printf("--statistics identity: mean %.4f, sd %.4f\n", i.mean, i.sd);
  EXPECT_GT(i.sd, 1.3 * sd);
}

TEST(SummaryDistance, SmcAbcOnTheSampleMeanApproachesTheExactPosterior) {
  const Loaded<NormalMean> m = load_fifty_observations();
  double mean = 0, sd = 0;
  models::normal_mean_posterior(fifty_observations(), 1.0, 0.0, 1.0, mean, sd);
  SmcAbcConfig c;
  c.seed = 7;
  c.sims = 100000;
  c.particles = 2000;
  c.adjust = false;
  c.model_statistics = true;
  AbcResult r;
  c.result = &r;
  DrawSet d;
  RunInfo info;
  sample_smc_abc(m, c, d, info, nullptr);
  const DrawMoments s = draw_moments(d);
  // resampled from weights: an effective sample of at least a quarter of the particles
  const double tol = 5 * sd / std::sqrt(2000.0 / 4);
  std::printf("smc-abc --statistics model: mean %.4f (exact %.4f), sd %.4f (exact %.4f), epsilon %.3g\n", s.mean, mean,
              s.sd, sd, r.epsilon);
  EXPECT_NEAR(s.mean, mean, tol) << "tolerance 5 MCSE = " << tol;
  EXPECT_NEAR(s.sd, sd, 0.15 * sd);
}

TEST(SummaryDistance, AModelWithoutStatisticsIsRefused) {
  auto src = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/eight_schools.json");
  const Loaded<models::EightSchools<true>> m =
      testing_models::load_model<models::EightSchools<true>>({}, src.get());
  AbcConfig c;
  c.seed = 1;
  c.sims = 100;
  c.keep = 10;
  c.model_statistics = true;
  DrawSet d;
  RunInfo info;
  const std::string e = testing_models::input_error_of([&] { sample_abc(m, c, d, info, nullptr); });
  EXPECT_EQ(e.rfind("--statistics model: model 'eight_schools_noncentered' defines no summary statistics of its own", 0), 0u)
      << e;
}

}  // namespace
}  // namespace lockstep
