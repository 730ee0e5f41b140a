#pragma once
// Models and helpers shared by the sampler tests of tests/hmc/.
#include <gtest/gtest.h>

#include <cmath>
#include <cstring>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/diagnostics/reference_posterior.hpp"
#include "host/io/json_data.hpp"
#include "models/contract/model_args.hpp"
#include "host/core/draw_set.hpp"
#include "host/algorithms/hmc/hmc_config.hpp"
#include "host/algorithms/hmc/hmc_sampler.hpp"
#include "models/eight_schools.hpp"
#include "models/gaussian.hpp"
#include "models/std_normal.hpp"
#include "tests/hmc/memory_data_source.hpp"
#include "host/registry/model_entry.hpp"

namespace lockstep {
namespace testing {

template <class Model>
Loaded<Model> load_eight_schools() {
  const MemoryDataSource data = eight_schools_data();
  ModelArgs args(Model::info().name, {}, &data);
  return load_typed<Model>(args);
}

inline Loaded<models::StdNormal> load_std_normal(int dim) {
  ModelArgs args("std_normal", {{"dim", std::to_string(dim)}}, nullptr);
  return load_typed<models::StdNormal>(args);
}

inline Loaded<models::Gaussian> load_gauss100_ill() {
  const auto data = load_json_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/gauss100_ill.json");
  ModelArgs args("gaussian", {}, data.get());
  return load_typed<models::Gaussian>(args);
}

struct SampleRun {
  DrawSet draws;
  RunInfo info;
};

template <class Model>
SampleRun run_hmc(const Loaded<Model>& m, const HmcConfig& cfg) {
  SampleRun r;
  sample_hmc(m, cfg, r.draws, r.info);
  return r;
}

/// Bitwise equality of two doubles (NaN payloads included), as a predicate for ASSERTs.
inline bool same_bits(double a, double b) { return std::memcmp(&a, &b, sizeof a) == 0; }

/// First difference between chain ca of `a` and chain cb of `b` (values and statistics, every
/// saved draw), or "" if the two are bitwise identical.
inline std::string first_difference(const DrawSet& a, int ca, const DrawSet& b, int cb) {
  if (a.n_draws != b.n_draws || a.names != b.names || a.stat_names != b.stat_names)
    return "different shapes";
  for (std::size_t p = 0; p < a.names.size(); ++p)
    for (int d = 0; d < a.n_draws; ++d)
      if (!same_bits(a.series(static_cast<int>(p), ca)[d], b.series(static_cast<int>(p), cb)[d]))
        return a.names[p] + " draw " + std::to_string(d) + ": " +
               std::to_string(a.series(static_cast<int>(p), ca)[d]) + " vs " +
               std::to_string(b.series(static_cast<int>(p), cb)[d]);
  for (std::size_t s = 0; s < a.stat_names.size(); ++s)
    for (int d = 0; d < a.n_draws; ++d)
      if (!same_bits(a.stat_series(static_cast<int>(s), ca)[d], b.stat_series(static_cast<int>(s), cb)[d]))
        return a.stat_names[s] + " draw " + std::to_string(d);
  return "";
}

/// Means and sds within 5 combined MCSE of the reference (host/diagnostics/reference_posterior.hpp),
/// R-hat < 1.01.
inline void expect_eight_schools_reference(const DrawSet& d, const std::string& what) {
  const diagnostics::ReferencePosterior ref = diagnostics::load_reference_posterior(
      std::string(LOCKSTEP_SOURCE_DIR) + "/data/reference/eight_schools_noncentered.json", "reference");
  ASSERT_EQ(ref.size(), 10u);
  for (const diagnostics::ReferenceComparison& c : diagnostics::compare_with_reference(d, ref)) {
    EXPECT_TRUE(c.mean_ok() && c.sd_ok()) << what << " " << c.message();
    EXPECT_LT(c.summary.rhat, 1.01) << what << " " << c.name << ": R-hat " << c.summary.rhat;
  }
}

}  // namespace testing
}  // namespace lockstep
