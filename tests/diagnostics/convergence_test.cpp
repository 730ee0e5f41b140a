// Convergence diagnostics against ArviZ 0.23.4 and posterior 1.4.0 (numbers generated once by
// scripts/make_diagnostics_fixtures.py into tests/fixtures/diagnostics/convergence.json), plus
// properties that follow from the definitions (Vehtari et al. 2021).
#include <gtest/gtest.h>

#include <cmath>
#include <cstdint>
#include <cstring>
#include <iostream>
#include <limits>
#include <map>
#include <string>
#include <vector>

#include <omp.h>

#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/summary.hpp"
#include "models/contract/input_error.hpp"
#include "tests/diagnostics/fixture_util.hpp"
#include "host/core/text.hpp"

namespace ld = lockstep::diagnostics;
using ld::testing::case_draws;
using ld::testing::gap;
using ld::testing::num;

namespace {

// The brief's agreement tolerance (relative; absolute when the reference is 0). Observed gaps
// are ~1e-15; the worst per field is printed at the end of each fixture test.
constexpr double kTol = 1e-6;
const double kNaN = std::numeric_limits<double>::quiet_NaN();

class GapLog {
 public:
  explicit GapLog(std::string title) : title_(std::move(title)) {}
  ~GapLog() {
    std::cout << "[ gaps ] " << title_ << ":";
    for (const auto& [field, g] : worst_) std::cout << " " << field << "=" << g;
    std::cout << "\n";
  }
  void check(const std::string& where, const std::string& field, double ours, double ref) {
    const double g = gap(ours, ref);
    double& w = worst_[field];
    w = std::max(w, g);
    EXPECT_LE(g, kTol) << where << " " << field << ": ours " << ours << " reference " << ref
                       << " gap " << g << " (tolerance " << kTol << ")";
  }

 private:
  std::string title_;
  std::map<std::string, double> worst_;
};

// splitmix64 + Box–Muller: a portable, seeded normal stream for property tests.
class Normal {
 public:
  explicit Normal(std::uint64_t seed) : s_(seed) {}
  double operator()() {
    if (have_) {
      have_ = false;
      return spare_;
    }
    const double u1 = (next() >> 11) * 0x1.0p-53 + 0x1.0p-54;
    const double u2 = (next() >> 11) * 0x1.0p-53;
    const double r = std::sqrt(-2.0 * std::log(u1));
    spare_ = r * std::sin(2.0 * M_PI * u2);
    have_ = true;
    return r * std::cos(2.0 * M_PI * u2);
  }

 private:
  std::uint64_t next() {
    const std::uint64_t z = lockstep::splitmix64(s_);
    s_ += 0x9E3779B97F4A7C15ull;
    return z;
  }
  std::uint64_t s_;
  bool have_ = false;
  double spare_ = 0;
};

struct Owned {
  std::vector<std::vector<double>> d;
  ld::Chains chains() const {
    ld::Chains x;
    x.n_draws = d.empty() ? 0 : static_cast<int>(d[0].size());
    for (const auto& c : d) x.chain.push_back(c.data());
    return x;
  }
};

Owned ar1(int chains, int draws, double rho, std::uint64_t seed) {
  Normal rng(seed);
  Owned o;
  o.d.assign(chains, std::vector<double>(draws));
  const double s = std::sqrt(1.0 - rho * rho);
  for (auto& c : o.d) {
    c[0] = rng();
    for (int t = 1; t < draws; ++t) c[t] = rho * c[t - 1] + s * rng();
  }
  return o;
}

const nlohmann::json& fixture() {
  static const nlohmann::json j = ld::testing::load_fixture("convergence.json");
  return j;
}

}  // namespace

TEST(DiagnosticsFixture, GeneratedByPinnedArviz) {
  EXPECT_EQ(fixture().at("arviz_version").get<std::string>(), "0.23.4");
  EXPECT_EQ(fixture().at("cases").size(), 13u);
}

// Every diagnostic against ArviZ's number, case by case (constant draws apart: see below).
TEST(DiagnosticsFixture, MatchesArviz) {
  GapLog log("ArviZ 0.23.4");
  for (const auto& c : fixture().at("cases")) {
    const std::string name = c.at("name");
    if (name == "constant") continue;
    const auto owned = case_draws(c);
    const ld::Chains x = owned.chains();
    const auto& a = c.at("arviz");
    // ArviZ's own helpers with az.summary's fold-first formula, defined for one chain too.
    log.check(name, "rhat", ld::rhat(x), num(a.at("rhat_fold_first")));
    log.check(name, "rhat_basic", ld::rhat_basic(x), num(a.at("rhat_basic_any_chains")));
    log.check(name, "ess_bulk", ld::ess_bulk(x), num(a.at("ess_bulk")));
    log.check(name, "ess_tail", ld::ess_tail(x), num(a.at("ess_tail")));
    log.check(name, "ess_mean", ld::ess_mean(x), num(a.at("ess_mean")));
    log.check(name, "ess_sd", ld::ess_sd(x), num(a.at("ess_sd")));
    log.check(name, "mcse_mean", ld::mcse_mean(x), num(a.at("mcse_mean")));
    log.check(name, "mcse_sd", ld::mcse_sd(x), num(a.at("mcse_sd")));
    const auto probs = a.at("probs").get<std::vector<double>>();
    for (std::size_t k = 0; k < probs.size(); ++k) {
      const std::string p = std::to_string(probs[k]);
      log.check(name, "quantile", ld::quantile(x, probs[k]), num(a.at("quantile")[k]));
      log.check(name, "ess_quantile", ld::ess_quantile(x, probs[k]), num(a.at("ess_quantile")[k]));
      log.check(name, "mcse_quantile", ld::mcse_quantile(x, probs[k]), num(a.at("mcse_quantile")[k]));
    }
    // az.rhat itself (folds the split draws; NaN for one chain) agrees whenever N is even.
    if (x.n_draws % 2 == 0 && x.n_chains() >= 2)
      log.check(name, "az.rhat(even N)", ld::rhat(x), num(a.at("rhat")));
    // az.summary row (NaN r_hat for one chain).
    const ld::Summary s = ld::summarize(x);
    const auto& row = a.at("summary");
    log.check(name, "summary.mean", s.mean, num(row.at("mean")));
    log.check(name, "summary.sd", s.sd, num(row.at("sd")));
    log.check(name, "summary.mcse_mean", s.mcse_mean, num(row.at("mcse_mean")));
    log.check(name, "summary.mcse_sd", s.mcse_sd, num(row.at("mcse_sd")));
    log.check(name, "summary.ess_bulk", s.ess_bulk, num(row.at("ess_bulk")));
    log.check(name, "summary.ess_tail", s.ess_tail, num(row.at("ess_tail")));
    if (x.n_chains() >= 2) log.check(name, "summary.r_hat", s.rhat, num(row.at("r_hat")));
  }
}

// The same numbers from R's posterior package where its conventions equal ArviZ's: not ess_sd
// (posterior 1.4 uses |θ − θ̄|), not split chains shorter than 6 draws (posterior's
// `1:max_t` with max_t = 0 gives τ̂ = 2 where ArviZ takes the 1/log10(S) floor), not fewer than
// 4 draws (ArviZ and we give NaN), not constant draws, and not the 95% quantile of
// "quantile_near_draw": there R's type 7 arithmetic lands exactly on a draw while scipy's
// (1 − γ)a + γb with γ = 1 − 1.1e-13 rounds a few ulps below it, so I(θ ≤ q95) differs in one
// draw and posterior's ess_tail is 728.33 where ArviZ's (and ours) is 733.97. (A fused
// multiply-add in our type 7 arithmetic gives posterior's number: this case guards that.)
TEST(DiagnosticsFixture, MatchesPosteriorWhereConventionsAgree) {
  if (fixture().at("posterior_version").is_null())
    GTEST_FAIL() << "fixture has no posterior cross-check; regenerate with R's posterior installed";
  GapLog log("posterior " + fixture().at("posterior_version").get<std::string>());
  for (const auto& c : fixture().at("cases")) {
    const std::string name = c.at("name");
    if (name == "constant" || name == "too_few_draws") continue;
    const auto owned = case_draws(c);
    const ld::Chains x = owned.chains();
    const auto& r = c.at("posterior");
    log.check(name, "rhat", ld::rhat(x), num(r.at("rhat")));
    log.check(name, "rhat_basic", ld::rhat_basic(x), num(r.at("rhat_basic")));
    log.check(name, "quantile(0.05), short chains", ld::quantile(x, 0.05), num(r.at("quantile")[0]));
    if (x.n_draws / 2 < 6) continue;
    const bool near_draw = name == "quantile_near_draw";
    log.check(name, "ess_bulk", ld::ess_bulk(x), num(r.at("ess_bulk")));
    if (!near_draw) log.check(name, "ess_tail", ld::ess_tail(x), num(r.at("ess_tail")));
    log.check(name, "ess_mean", ld::ess_mean(x), num(r.at("ess_mean")));
    log.check(name, "mcse_mean", ld::mcse_mean(x), num(r.at("mcse_mean")));
    log.check(name, "mcse_sd", ld::mcse_sd(x), num(r.at("mcse_sd")));
    const double probs[] = {0.05, 0.25, 0.5, 0.95};
    for (int k = 0; k < (near_draw ? 3 : 4); ++k) {
      log.check(name, "quantile", ld::quantile(x, probs[k]), num(r.at("quantile")[k]));
      log.check(name, "ess_quantile", ld::ess_quantile(x, probs[k]), num(r.at("ess_quantile")[k]));
      log.check(name, "mcse_quantile", ld::mcse_quantile(x, probs[k]), num(r.at("mcse_quantile")[k]));
    }
  }
}

// Constant draws: R-hat, ESS and MCSE are undefined (posterior: NA; ArviZ: R-hat NaN but
// ESS = S, MCSE 0). Never a crash; mean, sd and quantiles are still the constant.
TEST(DiagnosticsEdgeCases, ConstantDrawsGiveNaN) {
  for (const auto& c : fixture().at("cases")) {
    if (c.at("name") != "constant") continue;
    const auto owned = case_draws(c);
    const ld::Chains x = owned.chains();
    EXPECT_TRUE(std::isnan(ld::rhat(x)));
    EXPECT_TRUE(std::isnan(ld::rhat_basic(x)));
    EXPECT_TRUE(std::isnan(ld::ess_bulk(x)));
    EXPECT_TRUE(std::isnan(ld::ess_tail(x)));
    EXPECT_TRUE(std::isnan(ld::ess_mean(x)));
    EXPECT_TRUE(std::isnan(ld::ess_sd(x)));
    EXPECT_TRUE(std::isnan(ld::mcse_mean(x)));
    EXPECT_TRUE(std::isnan(ld::mcse_sd(x)));
    EXPECT_TRUE(std::isnan(ld::mcse_quantile(x, 0.5)));
    EXPECT_TRUE(std::isnan(ld::ess_quantile(x, 0.5)));
    EXPECT_EQ(ld::quantile(x, 0.05), 1.5);
    EXPECT_EQ(ld::quantile(x, 0.95), 1.5);
    const ld::Summary s = ld::summarize(x);
    EXPECT_EQ(s.mean, 1.5);
    EXPECT_EQ(s.sd, 0.0);
    EXPECT_TRUE(std::isnan(s.rhat) && std::isnan(s.ess_bulk) && std::isnan(s.ess_tail) &&
                std::isnan(s.mcse_mean) && std::isnan(s.mcse_sd));
    // Posterior agrees (NA everywhere), ArviZ reports ESS = S: the fixture documents both.
    EXPECT_TRUE(c.at("posterior").at("ess_bulk").is_null());
    EXPECT_EQ(num(c.at("arviz").at("ess_bulk")), 400.0);
  }
  // A single constant chain, and chains constant at different values: within-chain variance 0
  // makes the classic R-hat +inf, and the rank-normalized one too (Stan's R-hat is inf there;
  // posterior's NA): the folded draws are all equal, their R-hat 0/0, so the bulk R-hat speaks.
  // A user must see chains that never moved as not converged, not as an undefined number.
  // Never a crash.
  Owned one{{std::vector<double>(50, -2.0)}};
  EXPECT_TRUE(std::isnan(ld::rhat(one.chains())));
  EXPECT_TRUE(std::isnan(ld::ess_bulk(one.chains())));
  Owned apart{{std::vector<double>(50, 0.0), std::vector<double>(50, 1.0)}};
  EXPECT_EQ(ld::rhat_basic(apart.chains()), std::numeric_limits<double>::infinity());
  EXPECT_EQ(ld::rhat(apart.chains()), std::numeric_limits<double>::infinity());
  EXPECT_FALSE(std::isnan(ld::ess_bulk(apart.chains())));
}

TEST(DiagnosticsEdgeCases, TooFewDrawsOrChainsGiveNaN) {
  for (int n = 0; n < 4; ++n) {
    Owned o{{std::vector<double>(n, 0.0), std::vector<double>(n, 1.0)}};
    for (int i = 0; i < n; ++i) o.d[0][i] = i, o.d[1][i] = 0.5 * i * i;
    const ld::Chains x = o.chains();
    EXPECT_TRUE(std::isnan(ld::rhat(x))) << n;
    EXPECT_TRUE(std::isnan(ld::ess_bulk(x))) << n;
    EXPECT_TRUE(std::isnan(ld::ess_tail(x))) << n;
    EXPECT_TRUE(std::isnan(ld::mcse_quantile(x, 0.5))) << n;
    EXPECT_EQ(std::isnan(ld::quantile(x, 0.5)), n == 0) << n;
  }
  ld::Chains none;
  none.n_draws = 10;
  EXPECT_TRUE(std::isnan(ld::rhat(none)));
  EXPECT_TRUE(std::isnan(ld::quantile(none, 0.5)));
  const ld::Summary s = ld::summarize(none);
  EXPECT_TRUE(std::isnan(s.mean) && std::isnan(s.rhat));
  // Four draws is the minimum (ArviZ): split chains of two draws are defined.
  Owned four{{{0.1, 0.7, -0.3, 0.2}, {1.0, -1.0, 0.5, 0.4}}};
  EXPECT_FALSE(std::isnan(ld::rhat(four.chains())));
  EXPECT_FALSE(std::isnan(ld::ess_bulk(four.chains())));
}

TEST(DiagnosticsEdgeCases, NonFiniteDrawsGiveNaN) {
  Owned o = ar1(3, 40, 0.2, 7);
  o.d[1][17] = kNaN;
  EXPECT_TRUE(std::isnan(ld::rhat(o.chains())));
  EXPECT_TRUE(std::isnan(ld::ess_mean(o.chains())));
  EXPECT_TRUE(std::isnan(ld::quantile(o.chains(), 0.5)));  // like posterior's quantile2
  o.d[1][17] = std::numeric_limits<double>::infinity();
  EXPECT_TRUE(std::isnan(ld::rhat(o.chains())));
  EXPECT_TRUE(std::isnan(ld::ess_bulk(o.chains())));
  EXPECT_TRUE(std::isfinite(ld::quantile(o.chains(), 0.5)));  // +inf sorts last
  EXPECT_TRUE(std::isnan(ld::quantile(o.chains(), 1.5)));     // prob outside [0, 1]
}

TEST(DiagnosticsEdgeCases, NullChainPointerIsAnInputError) {
  ld::Chains x;
  x.n_draws = 5;
  x.chain = {nullptr};
  EXPECT_THROW(ld::rhat(x), lockstep::InputError);
}

// Rank-based quantities depend on the draws only through their order: any strictly increasing
// map leaves ess_bulk, ess_tail, the bulk ranks and ess_quantile bit-for-bit unchanged.
TEST(DiagnosticsProperties, RankBasedQuantitiesAreInvariantUnderMonotoneMaps) {
  Owned o = ar1(4, 301, 0.6, 11);
  Owned e = o;
  for (auto& c : e.d)
    for (double& v : c) v = std::exp(v / 3.0) + 0.25 * v;  // strictly increasing
  EXPECT_EQ(ld::ess_bulk(o.chains()), ld::ess_bulk(e.chains()));
  EXPECT_EQ(ld::ess_tail(o.chains()), ld::ess_tail(e.chains()));
  EXPECT_EQ(ld::ess_quantile(o.chains(), 0.3), ld::ess_quantile(e.chains(), 0.3));
  // Folding commutes with positive affine maps, so the full R-hat is affine invariant too.
  Owned f = o;
  for (auto& c : f.d)
    for (double& v : c) v = 4.0 * v - 3.0;
  EXPECT_NEAR(ld::rhat(o.chains()), ld::rhat(f.chains()), 1e-12);
  EXPECT_NEAR(ld::ess_mean(o.chains()), ld::ess_mean(f.chains()), 1e-9 * ld::ess_mean(o.chains()));
}

// For a stationary AR(1) with coefficient ρ the integrated autocorrelation time is
// τ = (1 + ρ)/(1 − ρ). With 1000 chains x 1000 draws the ESS estimates fall within a few
// percent of S/τ for ρ = 0 and 0.5; for ρ = 0.9 (τ̂ sums ~60 noisy lags) ArviZ itself scatters
// by ±13% over seeds, and for the antithetic ρ = −0.5 Geyer's truncation overestimates by ~10%
// (ArviZ: 1.097 and 1.108 on two seeds), so those get wider, one-sided bands. R-hat exceeds 1
// by about (τ − 1)/(2n) for split chains of n draws (finite-length bias, not non-convergence).
TEST(DiagnosticsProperties, Ar1EssMatchesTheory) {
  for (double rho : {0.0, 0.5, 0.9, -0.5}) {
    Owned o = ar1(1000, 1000, rho, 100 + static_cast<std::uint64_t>(10 * (rho + 1)));
    const double S = 1e6, tau = (1.0 + rho) / (1.0 - rho), expected = S / tau;
    const double lo = rho == 0.9 ? 0.8 : rho < 0 ? 1.0 : 0.96;
    const double hi = rho == 0.9 ? 1.2 : rho < 0 ? 1.2 : 1.04;
    const double em = ld::ess_mean(o.chains()) / expected, eb = ld::ess_bulk(o.chains()) / expected;
    EXPECT_TRUE(em > lo && em < hi) << "rho " << rho << " ess_mean/(S/tau) " << em << " not in (" << lo << ", " << hi << ")";
    EXPECT_TRUE(eb > lo && eb < hi) << "rho " << rho << " ess_bulk/(S/tau) " << eb << " not in (" << lo << ", " << hi << ")";
    const double r = ld::rhat(o.chains()), bias = std::max(0.0, (tau - 1.0) / (2 * 500));
    EXPECT_NEAR(r, 1.0 + bias, 0.004 + 0.3 * bias) << "rho " << rho;
    // MCSE of the mean of N(0,1) draws: 1/sqrt(ESS).
    const double m = ld::mcse_mean(o.chains()) * std::sqrt(expected);
    EXPECT_TRUE(m > 0.98 / std::sqrt(hi) && m < 1.02 / std::sqrt(lo)) << "rho " << rho << " mcse_mean·sqrt(S/tau) " << m;
  }
}

TEST(DiagnosticsProperties, ShiftedChainsHaveLargeRhat) {
  Owned o = ar1(4, 500, 0.3, 5);
  EXPECT_LT(ld::rhat(o.chains()), 1.01);
  for (int c = 0; c < 4; ++c)
    for (double& v : o.d[c]) v += 0.5 * c;
  EXPECT_GT(ld::rhat(o.chains()), 1.1);
  EXPECT_GT(ld::rhat_basic(o.chains()), 1.1);
  // A chain whose second half drifts is caught by splitting even with one chain.
  Owned drift = ar1(1, 1000, 0.3, 6);
  for (int i = 500; i < 1000; ++i) drift.d[0][i] += 1.0;
  EXPECT_GT(ld::rhat(drift.chains()), 1.1);
}

// A scale difference between chains leaves the bulk R-hat near 1 but the folded one catches it.
TEST(DiagnosticsProperties, FoldedRhatCatchesScaleDifferences) {
  Owned o = ar1(4, 1000, 0.0, 9);
  for (double& v : o.d[3]) v *= 3.0;
  EXPECT_GT(ld::rhat(o.chains()), 1.05);
  EXPECT_LT(ld::rhat_basic(o.chains()), 1.02);
}

TEST(DiagnosticsSummary, SummarizeEqualsIndividualFunctions) {
  Owned o = ar1(5, 123, 0.7, 21);
  const ld::Chains x = o.chains();
  const ld::Summary s = ld::summarize(x);
  EXPECT_EQ(s.rhat, ld::rhat(x));
  EXPECT_EQ(s.ess_bulk, ld::ess_bulk(x));
  EXPECT_EQ(s.ess_tail, ld::ess_tail(x));
  EXPECT_EQ(s.mcse_mean, ld::mcse_mean(x));
  EXPECT_EQ(s.mcse_sd, ld::mcse_sd(x));
  EXPECT_EQ(s.q5, ld::quantile(x, 0.05));
  EXPECT_EQ(s.q50, ld::quantile(x, 0.5));
  EXPECT_EQ(s.q95, ld::quantile(x, 0.95));
  // Chains stored back to back are read in place; scattered ones are copied: same bits.
  std::vector<double> packed;
  for (const auto& c : o.d) packed.insert(packed.end(), c.begin(), c.end());
  ld::Chains y;
  y.n_draws = x.n_draws;
  for (int c = 0; c < x.n_chains(); ++c) y.chain.push_back(packed.data() + static_cast<std::size_t>(c) * x.n_draws);
  const ld::Summary t = ld::summarize(y);
  EXPECT_EQ(std::memcmp(&s, &t, sizeof s), 0);
}

namespace {
lockstep::DrawSet make_draw_set(int params, int chains, int warmup, int draws) {
  lockstep::DrawSet ds;
  for (int p = 0; p < params; ++p) ds.names.push_back("theta[" + std::to_string(p + 1) + "]");
  ds.n_warmup_saved = warmup;
  ds.resize(chains, warmup + draws);
  Normal rng(99);
  for (int p = 0; p < params; ++p)
    for (int c = 0; c < chains; ++c) {
      double* s = ds.series(p, c);
      for (int i = 0; i < warmup; ++i) s[i] = 1e6 * (i + 1);  // must be skipped
      double prev = rng();
      for (int i = warmup; i < warmup + draws; ++i) {
        prev = 0.1 * p * prev + rng();
        s[i] = p == params - 1 ? 2.0 : prev + p;  // last parameter constant
      }
    }
  return ds;
}
}  // namespace

TEST(DiagnosticsSummary, SummarizeAllSkipsWarmupAndIsThreadCountIndependent) {
  const lockstep::DrawSet ds = make_draw_set(7, 33, 10, 65);
  const auto all = ld::summarize_all(ds);
  ASSERT_EQ(all.size(), 7u);
  auto same = [](const ld::Summary& a, const ld::Summary& b) {
    return std::memcmp(&a, &b, sizeof(ld::Summary)) == 0;  // bit-for-bit, NaN included
  };
  for (int p = 0; p < 7; ++p) {
    const ld::Summary one = ld::summarize(ld::chains_of(ds, p));
    EXPECT_TRUE(same(all[p], one)) << "parameter " << p;
    EXPECT_LT(all[p].q95, 100.0) << "warmup draws leaked into parameter " << p;
  }
  EXPECT_TRUE(std::isnan(all[6].rhat));  // constant parameter
  EXPECT_EQ(all[6].mean, 2.0);
  // Same bits with one thread.
  const int threads = omp_get_max_threads();
  omp_set_num_threads(1);
  const auto serial = ld::summarize_all(ds);
  omp_set_num_threads(threads);
  for (int p = 0; p < 7; ++p) EXPECT_TRUE(same(serial[p], all[p])) << "parameter " << p;
  // With warmup included the huge warmup draws dominate.
  const auto with = ld::summarize_all(ds, /*include_warmup=*/true);
  EXPECT_GT(with[0].q95, 1e5);
  EXPECT_THROW(ld::chains_of(ds, 7), lockstep::InputError);
}
