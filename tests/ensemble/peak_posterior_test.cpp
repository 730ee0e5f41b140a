// The ensemble posterior of the peak model (the emcee / NumPyro / sbi tutorial) agrees with static HMC:
// both start at theta0 = (0.5, 0.6, 0.2, -0.2, 0.1) (the ensemble in a 1e-4 ball around it,
// HMC from its unconstrained image via HmcConfig::init_unconstrained), and every posterior
// mean must agree within 5 combined Monte Carlo standard errors.
//
// Ensemble MCSE: 16 independent ensembles of 32 walkers; each ensemble's mean is one
// replicate, SE = sd(replicates) / 4. HMC MCSE: the bulk-ESS based MCSE of
// host/diagnostics/summary.hpp over 8 chains.
#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "host/diagnostics/summary.hpp"
#include "host/io/csv_data.hpp"
#include "host/algorithms/ensemble/ensemble_report.hpp"
#include "host/algorithms/ensemble/ensemble_sampler.hpp"
#include "host/algorithms/hmc/hmc_sampler.hpp"
#include "models/peak.hpp"
#include "host/registry/model_entry.hpp"

namespace lockstep {
namespace testing {
namespace {

TEST(PeakPosterior, EnsembleAgreesWithStaticHmc) {
  auto src = load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  ModelArgs args("peak", {}, src.get());
  const Loaded<models::Peak> m = load_typed<models::Peak>(args);
  const std::vector<double> theta0 = {0.5, 0.6, 0.2, -0.2, 0.1};

  EnsembleConfig ec;
  ec.walkers = 32;
  ec.ensembles = 16;
  ec.steps = 5000;
  ec.discard = 1000;
  ec.thin = 10;
  ec.seed = 8;
  ec.init_ball = theta0;
  ec.init_scale = 1e-4;
  ec.threads = 1;
  DrawSet ed;
  RunInfo ei;
  sample_ensemble(m, ec, ed, ei);

  HmcConfig hc;
  hc.chains = 8;
  hc.warmup = 1000;
  hc.draws = 2000;
  hc.seed = 8;
  hc.threads = 1;
  hc.init_unconstrained = {models::Peak::unconstrain(m, theta0)};
  DrawSet hd;
  RunInfo hi;
  sample_hmc(m, hc, hd, hi);
  EXPECT_EQ(hi.divergences, 0);

  const EnsembleReport rep = report_ensemble(ed, ec, ei);
  for (int p = 0; p < 5; ++p) {
    std::vector<double> rep_means(ec.ensembles, 0.0);
    for (int e = 0; e < ec.ensembles; ++e) {
      double s = 0;
      for (int k = 0; k < ec.walkers; ++k) {
        const double* x = ed.series(p, e * ec.walkers + k);
        for (int t = 0; t < ed.n_draws; ++t) s += x[t];
      }
      rep_means[e] = s / (static_cast<double>(ec.walkers) * ed.n_draws);
    }
    double mean = 0, ss = 0;
    for (double v : rep_means) mean += v;
    mean /= ec.ensembles;
    for (double v : rep_means) ss += (v - mean) * (v - mean);
    const double se_ens = std::sqrt(ss / (ec.ensembles - 1) / ec.ensembles);

    diagnostics::Chains ch;
    ch.n_draws = hd.n_draws;
    for (int c = 0; c < hd.n_chains; ++c) ch.chain.push_back(hd.series(p, c));
    const diagnostics::Summary hs = diagnostics::summarize(ch);
    const double bound = 5 * std::sqrt(se_ens * se_ens + hs.mcse_mean * hs.mcse_mean);
    std::printf("[ info ] %s: ensemble %.5f +- %.5f (tau %.0f steps), HMC %.5f +- %.5f (R-hat %.3f)\n",
                ed.names[p].c_str(), mean, se_ens, rep.tau_steps[p], hs.mean, hs.mcse_mean, hs.rhat);
    EXPECT_LT(std::fabs(mean - hs.mean), bound)
        << ed.names[p] << ": ensemble mean " << mean << " vs HMC " << hs.mean << ", gap " << std::fabs(mean - hs.mean)
        << " > 5 combined MCSE = " << bound;
    EXPECT_LT(hs.rhat, 1.01) << ed.names[p];
    // the report's tau-based MCSE is of the same size as the replicate SE
    EXPECT_LT(rep.mcse[p], 3 * se_ens) << ed.names[p];
    EXPECT_GT(rep.mcse[p], se_ens / 3) << ed.names[p];
  }
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
