// host/algorithms/ensemble/ensemble_sampler.hpp: every move (stretch, differential evolution, walk with the
// whole complement or a subset, a mixture) recovers the mean and covariance of a correlated
// 5-d Gaussian; the peak model's draws never leave its box; the saved statistics are
// consistent (accepted__ says whether the walker moved, lp__ is the density at the draw);
// runs are bitwise reproducible and an ensemble's trajectory does not depend on how many
// other ensembles run beside it or on the thread count; bad configs and starting ensembles
// are refused with one-line InputErrors naming the flag.
#include "host/backend/place.hpp"
#include "host/algorithms/ensemble/ensemble_sampler.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <string>
#include <vector>

#include "host/io/csv_data.hpp"
#include "host/algorithms/ensemble/ensemble_report.hpp"
#include "host/diagnostics/convergence.hpp"
#include "models/peak.hpp"
#include "tests/build_config.hpp"
#include "tests/ensemble/test_models.hpp"
#include "host/registry/model_entry.hpp"
#include "tests/input_error_of.hpp"

namespace lockstep {
namespace testing {
namespace {

struct EnsembleRun {
  DrawSet draws;
  RunInfo info;
};

/// Runs on one thread unless cfg.threads says otherwise: results never depend on the thread
/// count (tested below), and one thread avoids the per-half-step fork/join of two threads on
/// a machine whose cores are shared with other jobs.
template <class Model>
EnsembleRun run(const Loaded<Model>& m, EnsembleConfig cfg) {
  if (cfg.threads == 0) cfg.threads = 1;
  EnsembleRun r;
  sample_ensemble(m, cfg, r.draws, r.info);
  return r;
}

Loaded<models::Peak> load_peak() {
  auto src = load_csv_data(std::string(LOCKSTEP_SOURCE_DIR) + "/data/peak.csv");
  ModelArgs args("peak", {}, src.get());
  return load_typed<models::Peak>(args);
}

/// Per-ensemble estimates of the mean and covariance of a d-dim target, and their spread
/// over independent ensembles: each ensemble's estimate is one independent replicate, so
/// SE(average) = sd(replicates) / sqrt(E), with no autocorrelation modelling at all.
struct Replicated {
  std::vector<double> mean, mean_se;  // [d]
  std::vector<double> cov, cov_se;    // [d * d]
};

Replicated replicate_moments(const DrawSet& d, int n_ensembles, int n_walkers) {
  const int dim = static_cast<int>(d.names.size());
  std::vector<std::vector<double>> mean_e(n_ensembles, std::vector<double>(dim, 0.0));
  std::vector<std::vector<double>> cov_e(n_ensembles, std::vector<double>(dim * dim, 0.0));
  for (int e = 0; e < n_ensembles; ++e) {
    const double n = static_cast<double>(n_walkers) * d.n_draws;
    for (int p = 0; p < dim; ++p) {
      double s = 0;
      for (int k = 0; k < n_walkers; ++k) {
        const double* x = d.series(p, e * n_walkers + k);
        for (int t = 0; t < d.n_draws; ++t) s += x[t];
      }
      mean_e[e][p] = s / n;
    }
    for (int p = 0; p < dim; ++p)
      for (int q = 0; q <= p; ++q) {
        double s = 0;
        for (int k = 0; k < n_walkers; ++k) {
          const double* x = d.series(p, e * n_walkers + k);
          const double* y = d.series(q, e * n_walkers + k);
          for (int t = 0; t < d.n_draws; ++t) s += (x[t] - mean_e[e][p]) * (y[t] - mean_e[e][q]);
        }
        cov_e[e][p * dim + q] = cov_e[e][q * dim + p] = s / (n - 1);
      }
  }
  Replicated r;
  auto avg_se = [&](auto get, double& avg, double& se) {
    double s = 0, ss = 0;
    for (int e = 0; e < n_ensembles; ++e) s += get(e);
    avg = s / n_ensembles;
    for (int e = 0; e < n_ensembles; ++e) ss += (get(e) - avg) * (get(e) - avg);
    se = std::sqrt(ss / (n_ensembles - 1) / n_ensembles);
  };
  r.mean.resize(dim);
  r.mean_se.resize(dim);
  r.cov.resize(dim * dim);
  r.cov_se.resize(dim * dim);
  for (int p = 0; p < dim; ++p) avg_se([&](int e) { return mean_e[e][p]; }, r.mean[p], r.mean_se[p]);
  for (int i = 0; i < dim * dim; ++i) avg_se([&](int e) { return cov_e[e][i]; }, r.cov[i], r.cov_se[i]);
  return r;
}

// ---- correctness on a correlated Gaussian ------------------------------------------------

struct MoveCase {
  const char* spec;
  int walk_helpers;
  int steps;
};

class GaussianRecovery : public ::testing::TestWithParam<MoveCase> {};

TEST_P(GaussianRecovery, MeanAndCovarianceOfCorrelated5dGaussian) {
  // 24 independent ensembles of 16 walkers from N(0, 4 I) prior draws, burn-in discarded.
  // Every mean and covariance entry must be within 5 replicate standard errors of the truth
  // (plus 1% of the variance scale for the covariance: the finite-run bias of the per-
  // ensemble covariance estimate, which the replicate spread does not measure).
  const MoveCase mc = GetParam();
  const auto m = load_gaussian5();
  EnsembleConfig cfg;
  cfg.walkers = 16;
  cfg.ensembles = 24;
  cfg.steps = mc.steps;
  cfg.discard = mc.steps / 5;
  cfg.thin = 2;
  cfg.seed = 2024;
  cfg.moves = parse_moves(mc.spec);
  cfg.move_params.walk_helpers = mc.walk_helpers;
  const EnsembleRun r = run(m, cfg);
  const Replicated est = replicate_moments(r.draws, cfg.ensembles, cfg.walkers);
  const std::vector<double>& mu = gaussian5_mu();
  const std::vector<double>& S = gaussian5_sigma();
  for (int p = 0; p < 5; ++p)
    EXPECT_LT(std::fabs(est.mean[p] - mu[p]), 5 * est.mean_se[p])
        << mc.spec << ": mean of x[" << p + 1 << "] = " << est.mean[p] << ", truth " << mu[p] << ", 5 SE = " << 5 * est.mean_se[p];
  for (int p = 0; p < 5; ++p)
    for (int q = 0; q <= p; ++q) {
      const double tol = 5 * est.cov_se[p * 5 + q] + 0.01 * std::sqrt(S[p * 5 + p] * S[q * 5 + q]);
      EXPECT_LT(std::fabs(est.cov[p * 5 + q] - S[p * 5 + q]), tol)
          << mc.spec << ": cov(" << p + 1 << "," << q + 1 << ") = " << est.cov[p * 5 + q] << ", truth " << S[p * 5 + q]
          << ", tolerance " << tol;
    }
  const EnsembleReport rep = report_ensemble(r.draws, cfg, r.info);
  std::printf("[ info ] %s: acceptance %.3f, tau (steps) %.1f %.1f %.1f %.1f %.1f\n", mc.spec, rep.acceptance_mean,
              rep.tau_steps[0], rep.tau_steps[1], rep.tau_steps[2], rep.tau_steps[3], rep.tau_steps[4]);
}

INSTANTIATE_TEST_SUITE_P(Moves, GaussianRecovery,
                         ::testing::Values(MoveCase{"stretch", 0, 2500}, MoveCase{"de", 0, 2500},
                                           MoveCase{"walk", 0, 1500}, MoveCase{"walk", 6, 1500},
                                           MoveCase{"stretch:0.8,de:0.2", 0, 2500}),
                         [](const ::testing::TestParamInfo<MoveCase>& i) {
                           std::string s = i.param.spec;
                           for (char& c : s)
                             if (!std::isalnum(static_cast<unsigned char>(c))) c = '_';
                           return s + (i.param.walk_helpers ? "_subset" : "");
                         });

TEST(EnsembleSampler, FailsOnAWrongTarget) {
  // The recovery check above can fail: the same estimates against a mean shifted by 0.1 sd.
  const auto m = load_gaussian5();
  EnsembleConfig cfg;
  cfg.walkers = 16;
  cfg.ensembles = 24;
  cfg.steps = 2500;
  cfg.discard = 500;
  cfg.thin = 2;
  cfg.seed = 2024;
  const EnsembleRun r = run(m, cfg);
  const Replicated est = replicate_moments(r.draws, cfg.ensembles, cfg.walkers);
  const double shifted = gaussian5_mu()[0] + 0.1;
  EXPECT_GT(std::fabs(est.mean[0] - shifted), 5 * est.mean_se[0]) << "a 0.1 sd shift is not detected: SE " << est.mean_se[0];
}

// ---- the peak model: support and statistics ------------------------------------------------

TEST(EnsembleSampler, PeakDrawsNeverLeaveTheBox) {
  const auto m = load_peak();
  for (const char* move : {"stretch", "de", "walk"}) {
    EnsembleConfig cfg;
    cfg.walkers = 40;
    cfg.ensembles = 2;
    cfg.steps = 400;
    cfg.seed = 3;
    cfg.moves = parse_moves(move);
    const EnsembleRun r = run(m, cfg);
    const double lo[5] = {-2, -2, 0, -2, -2}, hi[5] = {2, 2, 2, 2, 2};
    long outside = 0, nonfinite = 0;
    const int lp = r.draws.stat_index("lp__");
    for (int c = 0; c < r.draws.n_chains; ++c)
      for (int t = 0; t < r.draws.n_draws; ++t) {
        for (int p = 0; p < 5; ++p) {
          const double v = r.draws.series(p, c)[t];
          outside += !(v > lo[p] && v < hi[p]);
        }
        nonfinite += !std::isfinite(r.draws.stat_series(lp, c)[t]);
      }
    EXPECT_EQ(outside, 0) << move << ": draws outside the box";
    EXPECT_EQ(nonfinite, 0) << move << ": non-finite lp__";
    // the box binds: prior draws start everywhere in it, so some proposals fall outside and
    // are rejected; the acceptance is well below 1
    const EnsembleReport rep = report_ensemble(r.draws, cfg, r.info);
    EXPECT_LT(rep.acceptance_mean, 0.9) << move;
    EXPECT_GT(rep.acceptance_mean, 0.01) << move;
  }
}

TEST(EnsembleSampler, StatisticsAreConsistentWithTheDraws) {
  // thin 1, no discard: draw t is the position after step t. accepted__ = 0 means the walker
  // did not move at that step; 1 means it moved; lp__ is the model's density at the draw.
  const auto m = load_peak();
  EnsembleConfig cfg;
  cfg.walkers = 12;
  cfg.steps = 200;
  cfg.seed = 11;
  cfg.init_ball = {0.5, 0.6, 0.2, -0.2, 0.1};
  cfg.init_scale = 1e-3;
  const EnsembleRun r = run(m, cfg);
  const Loaded<models::Peak> host = [] {  // the density evaluated on the host (data in host memory)
    backend::ScopedPlace on_host(backend::Place::kHost);
    return load_peak();
  }();
  ASSERT_EQ(r.draws.n_chains, 12);
  ASSERT_EQ(r.draws.n_draws, 200);
  const int lp = r.draws.stat_index("lp__"), acc = r.draws.stat_index("accepted__");
  ASSERT_EQ(lp, 0);
  ASSERT_EQ(acc, 1);
  long accepted = 0;
  for (int c = 0; c < 12; ++c)
    for (int t = 1; t < 200; ++t) {
      bool same = true;
      std::vector<Real> theta(5);
      for (int p = 0; p < 5; ++p) {
        theta[p] = static_cast<Real>(r.draws.series(p, c)[t]);  // exact: the draws are Reals
        same = same && theta[p] == r.draws.series(p, c)[t - 1];
      }
      const double a = r.draws.stat_series(acc, c)[t];
      ASSERT_TRUE(a == 0.0 || a == 1.0);
      EXPECT_EQ(same, a == 0.0) << "walker " << c << " step " << t;
      accepted += a == 1.0;
      const double expect = host.model.log_density_constrained(host.data, Dense<Real>{theta.data()});
      EXPECT_NEAR(r.draws.stat_series(lp, c)[t], expect, testing::real_tol(1e-12) * std::fabs(expect))
          << "walker " << c << " step " << t;
    }
  EXPECT_GT(accepted, 0);
}

TEST(EnsembleSampler, DiscardAndThinKeepTheRightSteps) {
  // steps 0..99, discard 10, thin 7: saved steps 10, 17, ..., 94 (13 draws) — the same
  // positions as the full run at those steps.
  const auto m = load_gaussian5();
  EnsembleConfig full;
  full.walkers = 10;
  full.steps = 100;
  full.seed = 5;
  EnsembleConfig part = full;
  part.discard = 10;
  part.thin = 7;
  const EnsembleRun a = run(m, full), b = run(m, part);
  ASSERT_EQ(b.draws.n_draws, 13);
  for (int c = 0; c < 10; ++c)
    for (int k = 0; k < 13; ++k) {
      for (int p = 0; p < 5; ++p) ASSERT_EQ(b.draws.series(p, c)[k], a.draws.series(p, c)[10 + 7 * k]);
      ASSERT_EQ(b.draws.stat_series(1, c)[k], a.draws.stat_series(1, c)[10 + 7 * k]);
    }
  EXPECT_EQ(b.info.thin, 7);
  EXPECT_EQ(b.info.num_warmup, 10);
  EXPECT_EQ(b.info.algorithm, "ensemble");
}

TEST(EnsembleReport, TauAcceptanceAndWarnings) {
  // 300 steps from a tiny ball: far shorter than 50 tau (tau ~ 50 steps), so the report must
  // warn; tau is reported in steps (thin x tau in draws); the acceptance fraction of a walker
  // counts every step, as emcee's does, not the saved (thinned) ones: the mean of its accepted__
  // column in the same run unthinned; text and JSON carry the same numbers.
  const auto m = load_peak();
  EnsembleConfig cfg;
  cfg.walkers = 20;
  cfg.steps = 300;
  cfg.thin = 2;
  cfg.seed = 4;
  cfg.init_ball = {0.5, 0.6, 0.2, -0.2, 0.1};
  const EnsembleRun r = run(m, cfg);
  const EnsembleReport rep = report_ensemble(r.draws, cfg, r.info);
  ASSERT_EQ(rep.tau_steps.size(), 5u);
  const std::vector<diagnostics::AutocorrTime> tau = diagnostics::autocorr_times(r.draws);
  for (int p = 0; p < 5; ++p) EXPECT_EQ(rep.tau_steps[p], 2 * tau[p].tau);
  EnsembleConfig every = cfg;
  every.thin = 1;
  const EnsembleRun all = run(m, every);
  for (int c = 0; c < 20; ++c) {
    double a = 0, saved = 0;
    for (int t = 0; t < all.draws.n_draws; ++t) a += all.draws.stat_series(1, c)[t];
    for (int t = 0; t < r.draws.n_draws; ++t) saved += r.draws.stat_series(1, c)[t];
    EXPECT_DOUBLE_EQ(rep.acceptance[c], a / cfg.steps) << "walker " << c;
    EXPECT_EQ(r.info.accepted_proposals[c], a) << "walker " << c;
    if (c == 0) {
      EXPECT_NE(rep.acceptance[c], saved / r.draws.n_draws) << "the saved steps' fraction";
    }
  }
  bool short_warning = false;
  for (const std::string& w : rep.warnings) short_warning = short_warning || w.rfind("the chain is shorter than 50 times", 0) == 0;
  EXPECT_TRUE(short_warning);
  const std::string text = format_ensemble_report(rep);
  EXPECT_NE(text.find("acceptance fraction per walker: mean"), std::string::npos) << text;
  EXPECT_NE(text.find("warning: the chain is shorter than 50 times"), std::string::npos) << text;
  const nlohmann::json j = ensemble_report_json(rep);
  EXPECT_EQ(j["walkers"], 20);
  EXPECT_EQ(j["parameters"][2]["name"], "s");
  EXPECT_EQ(j["parameters"][2]["tau_steps"].get<double>(), rep.tau_steps[2]);
  EXPECT_EQ(j["acceptance_fraction"]["per_walker"].size(), 20u);
  EXPECT_GT(rep.walker_updates_per_second, 0);
  // The split R-hat over walkers is the classic split R-hat with one chain per walker.
  for (int p = 0; p < 5; ++p)
    EXPECT_NEAR(rep.rhat[p], diagnostics::rhat_basic(diagnostics::chains_of(r.draws, p)), 1e-12) << p;
  EXPECT_EQ(j["parameters"][2]["r_hat"].get<double>(), rep.rhat[2]);
}

TEST(EnsembleReport, WalkersInDifferentModesAreWarnedOf) {
  // Half the walkers moved far away (as walkers stuck in a minor mode): R-hat over walkers far
  // above 1.1 and a warning naming the parameter; the untouched run has none.
  const auto m = load_peak();
  EnsembleConfig cfg;
  cfg.walkers = 20;
  cfg.steps = 4000;
  cfg.discard = 1000;
  cfg.seed = 4;
  cfg.init_ball = {0.5, 0.6, 0.2, -0.2, 0.1};
  EnsembleRun r = run(m, cfg);
  auto disagrees = [](const EnsembleReport& rep) {
    for (const std::string& w : rep.warnings)
      if (w.rfind("the walkers disagree: split R-hat over walkers above 1.1 for ", 0) == 0) return w;
    return std::string();
  };
  const EnsembleReport healthy = report_ensemble(r.draws, cfg, r.info);
  EXPECT_EQ(disagrees(healthy), "") << format_ensemble_report(healthy);
  for (int c = 0; c < 10; ++c)
    for (int t = 0; t < r.draws.n_draws; ++t) r.draws.series(0, c)[t] -= 2.0;  // l of walkers 1-10
  const EnsembleReport rep = report_ensemble(r.draws, cfg, r.info);
  EXPECT_GT(rep.rhat[0], 2.0);
  EXPECT_NE(disagrees(rep).find("parameter(s) (l: "), std::string::npos) << format_ensemble_report(rep);
}

// ---- reproducibility ----------------------------------------------------------------------

TEST(EnsembleSampler, AnEnsembleDoesNotDependOnItsNeighboursOrOnThreads) {
  // Walker g's numbers are keyed by (seed, g) and ensemble e's split by (seed, e): ensemble 0
  // runs bitwise identically alone (1 thread) or beside 4 others (2 threads), whatever lanes
  // its walkers share.
  const auto m = load_peak();
  EnsembleConfig cfg;
  cfg.walkers = 14;
  cfg.steps = 150;
  cfg.seed = 99;
  cfg.moves = parse_moves("stretch:0.5,de:0.3,walk:0.2");
  cfg.threads = 1;
  const EnsembleRun alone = run(m, cfg);
  cfg.ensembles = 5;
  cfg.threads = 2;
  const EnsembleRun crowd = run(m, cfg);
  for (int c = 0; c < 14; ++c)
    for (int t = 0; t < 150; ++t) {
      for (int p = 0; p < 5; ++p)
        ASSERT_EQ(alone.draws.series(p, c)[t], crowd.draws.series(p, c)[t]) << "walker " << c << " step " << t;
      ASSERT_EQ(alone.draws.stat_series(0, c)[t], crowd.draws.stat_series(0, c)[t]);
    }
  // the other ensembles are different walkers
  EXPECT_NE(crowd.draws.series(0, 14)[149], crowd.draws.series(0, 0)[149]);
}

// ---- refused inputs ------------------------------------------------------------------------

TEST(EnsembleSampler, RefusesBadConfigsWithOneLineMessages) {
  const auto m = load_peak();
  auto with = [&](auto edit) {
    EnsembleConfig cfg;
    cfg.walkers = 12;
    cfg.steps = 10;
    edit(cfg);
    return input_error_of([&] { run(m, cfg); });
  };
  EXPECT_EQ(with([](EnsembleConfig& c) { c.walkers = 8; }),
            "--walkers: 8 walkers for 5 parameters; need at least 2 x 5 = 10 (fewer walkers than twice the "
            "dimension stay in a lower-dimensional subspace)");
  EXPECT_EQ(with([](EnsembleConfig& c) { c.walkers = 13; }),
            "--walkers: 13 walkers; the red/blue update needs an even number (two equal halves), at least 2");
  EXPECT_EQ(with([](EnsembleConfig& c) { c.discard = 10; }),
            "--discard: 10 discards every one of the 10 steps; it must be less than --steps");
  EXPECT_EQ(with([](EnsembleConfig& c) { c.thin = 0; }), "--thin: must be at least 1, found 0");
  EXPECT_EQ(with([](EnsembleConfig& c) { c.steps = 0; }), "--steps: must be at least 1, found 0");
  EXPECT_EQ(with([](EnsembleConfig& c) { c.init_ball = {0.5, 0.6, 0.2}; }),
            "--init-ball: expected 5 values (l, m, s, a, b), found 3");
  EXPECT_EQ(with([](EnsembleConfig& c) {
              c.init_ball = {0.5, 0.6, 0.2, -0.2, 0.1};
              c.init_scale = 0;
            }),
            "--init-scale: must be a positive number, found 0");
  // s = -0.5 is outside the box (0, 2): every walker of the tiny ball starts at lp = -inf
  const std::string outside = with([](EnsembleConfig& c) { c.init_ball = {0.5, 0.6, -0.5, -0.2, 0.1}; });
  EXPECT_EQ(outside.rfind("--init-ball: walker 1 starts at (l = 0.5", 0), 0u) << outside;
  EXPECT_NE(outside.find("where the log density is -inf"), std::string::npos) << outside;
  // a ball so small that it rounds to its centre: all walkers coincide
  const std::string degenerate = with([](EnsembleConfig& c) {
    c.init_ball = {0.5, 0.6, 0.2, -0.2, 0.1};
    c.init_scale = 1e-300;
  });
  EXPECT_EQ(degenerate.rfind("--init-scale: all 12 walkers of ensemble 1 have the same value of 'l'", 0), 0u)
      << degenerate;
  for (const std::string& msg : {outside, degenerate}) EXPECT_EQ(msg.find('\n'), std::string::npos);

  const auto g = load_gamma();
  EnsembleConfig two;
  two.walkers = 2;
  two.steps = 5;
  two.moves = parse_moves("de");
  EXPECT_EQ(input_error_of([&] { run(g, two); }),
            "--move de: needs at least 4 walkers per ensemble (two distinct helpers in the other half), found 2");
}

TEST(EnsembleSampler, ParsesMoveMixtures) {
  const auto mv = parse_moves("stretch:0.8, de:0.2");
  ASSERT_EQ(mv.size(), 2u);
  EXPECT_EQ(mv[0].kind, ensemble::MoveKind::kStretch);
  EXPECT_DOUBLE_EQ(mv[0].weight, 0.8);
  EXPECT_EQ(mv[1].kind, ensemble::MoveKind::kDifferentialEvolution);
  EXPECT_EQ(moves_to_string(mv), "stretch:0.8,de:0.2");
  EXPECT_EQ(moves_to_string(parse_moves("walk")), "walk");
  EXPECT_EQ(input_error_of([] { parse_moves("stretch,hop"); }),
            "--move: unknown move 'hop' (moves: stretch, de, walk, or a mixture such as stretch:0.8,de:0.2)");
  EXPECT_EQ(input_error_of([] { parse_moves("stretch:0"); }), "--move: weight of 'stretch' must be a positive number, found '0'");
  EXPECT_EQ(input_error_of([] { parse_moves("de,de:2"); }), "--move: 'de' is listed twice");
  EXPECT_EQ(input_error_of([] { parse_moves(""); }),
            "--move: empty (moves: stretch, de, walk, or a mixture such as stretch:0.8,de:0.2)");
  EXPECT_EQ(parse_number_list("0.5, 0.6,0.2,-0.2,1e-1", "--init-ball"),
            (std::vector<double>{0.5, 0.6, 0.2, -0.2, 0.1}));
  EXPECT_EQ(input_error_of([] { parse_number_list("0.5,x", "--init-ball"); }),
            "--init-ball: value 2 ('x') is not a finite number");
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
