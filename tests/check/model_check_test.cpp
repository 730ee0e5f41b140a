// `lockstep check` (host/check/model_check.hpp): every built-in model passes; a model with a
// constrained density that is not the unconstrained one less the Jacobian, or
// deliberately wrong gradient, or a wrong unconstrain, fails (exit status 1 through the same
// run_cli the executable uses); bad options are one-line errors with exit status 2.
#include <gtest/gtest.h>

#include <cmath>
#include <map>
#include <memory>
#include <string>
#include <type_traits>
#include <vector>

#include "host/check/finite_differences.hpp"
#include "host/check/model_check.hpp"
#include "host/cli/run_cli.hpp"
#include "host/io/csv_data.hpp"
#include "host/registry/model_entry.hpp"
#include "models/std_normal.hpp"
#include "tests/build_config.hpp"

namespace lockstep {
namespace {

/// The data file each built-in model is checked with ("" for none). A model added to the
/// table without an entry here fails the test below.
const std::map<std::string, std::string>& check_data() {
  static const std::map<std::string, std::string> m = {
      {"glmm", "tests/fixtures/glmm/design_data.csv"},
      {"eight_schools_noncentered", "data/eight_schools.json"},
      {"eight_schools_centered", "data/eight_schools.json"},
      {"std_normal", ""},
      {"gaussian", "data/gauss100_ill.json"},
      {"funnel", ""},
      {"peak", "data/peak.csv"},
      {"normal_mean", "data/normal_mean.json"},
  };
  return m;
}

/// The options each model is checked with (a formula for the glmm family).
std::map<std::string, std::string> check_options(const std::string& name) {
  if (name == "glmm")
    return {{"formula", "y ~ x * h + (1 + x | grp)"},
            {"prior", "b ~ normal(0, 1)\nsd ~ half_normal(0, 1)\nsigma ~ exponential(1)"}};
  return {};
}

std::unique_ptr<AnyModel> load(const std::string& name, const std::string& data_file) {
  std::unique_ptr<DataSource> data;
  if (!data_file.empty()) data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/" + data_file);
  ModelArgs args(name, check_options(name), data.get());
  return load_model(name, args);
}

TEST(ModelCheck, EveryBuiltInModelPasses) {
  for (const ModelEntry& e : model_table()) {
    const auto it = check_data().find(e.info.name);
    ASSERT_NE(it, check_data().end()) << "no check data for model " << e.info.name << " (add it to check_data())";
    const auto model = load(e.info.name, it->second);
    check::ModelCheckOptions o;
    const check::ModelCheckReport r = check::check_model(*model, o);
    std::ostringstream text;
    check::print_report(text, r, o);
    EXPECT_TRUE(r.ok()) << text.str();
    EXPECT_EQ(static_cast<int>(r.coordinates.size()), model->dim());
    // Every capability the model has got a line of its own.
    for (Capability c : e.capabilities) {
      bool reported = false;
      for (const auto& l : r.lines) reported = reported || l.name.find(capability_name(c)) != std::string::npos;
      EXPECT_TRUE(reported) << e.info.name << ": " << capability_name(c) << " not checked\n" << text.str();
    }
  }
}

// `lockstep check` on the glmm's discrete families (gradients, round trip, prior draws,
// simulated data sets, posterior predictive draws), and a flat prior reported as improper
// rather than failing the prior-draw check.
TEST(ModelCheck, GlmmFamiliesPass) {
  auto data = load_data_file(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/fixtures/glmm/counts_data.csv");
  const std::vector<std::pair<std::string, std::string>> cases = {
      {"poisson", "count ~ x * f + (1 + x | grp)"},
      {"binomial", "succ | trials(n) ~ x + (1 | grp) + (1 | site)"},
      {"bernoulli", "yes ~ z + (1 | grp)"}};
  for (const auto& [family, formula] : cases) {
    ModelArgs args("glmm", {{"formula", formula}, {"family", family},
                            {"prior", "b ~ normal(0, 1)\nsd ~ half_normal(0, 1)"}}, data.get());
    const auto model = load_model("glmm", args);
    check::ModelCheckOptions o;
    const check::ModelCheckReport r = check::check_model(*model, o);
    std::ostringstream text;
    check::print_report(text, r, o);
    EXPECT_TRUE(r.ok()) << family << "\n" << text.str();
    for (const char* line : {"prior_draw", "simulate", "generated_quantities"})
      EXPECT_NE(text.str().find(line), std::string::npos) << family << ": " << line << "\n" << text.str();
  }
  ModelArgs flat("glmm", {{"formula", "count ~ x + (1 | grp)"}, {"family", "poisson"}}, data.get());
  const auto model = load_model("glmm", flat);
  check::ModelCheckOptions o;
  const check::ModelCheckReport r = check::check_model(*model, o);
  std::ostringstream text;
  check::print_report(text, r, o);
  EXPECT_TRUE(r.ok()) << text.str();
  EXPECT_NE(text.str().find("no draws: improper prior for b_x"), std::string::npos) << text.str();
}

/// StdNormal whose gradient is off by 1e-4 in coordinate 3 (0-based 2): a typo-sized error.
struct WrongGradient : models::StdNormal {
  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    const auto lp = models::StdNormal::log_density_and_grad(d, q, g);
    g[2] += Real(100 * testing::kGradTol);  // 1e-4 in double
    return lp;
  }
  static ModelInfo info() {
    ModelInfo i = models::StdNormal::info();
    i.name = "test_wrong_gradient";
    return i;
  }
  static Loaded<WrongGradient> load(ModelArgs& args) {
    const Loaded<models::StdNormal> s = models::StdNormal::load(args);
    Loaded<WrongGradient> out;
    out.data = s.data;
    out.names = s.names;
    return out;
  }
};

/// sigma = exp(q) with an Exponential(1) prior: log p(q) = -sigma + q (the Jacobian), and the
/// constrained density -sigma; with one fault each: kUnconstrain forgets the log in unconstrain;
/// kConstrained adds a stray -2 log sigma to the constrained density only (the ensemble would
/// sample another posterior, every value still finite).
enum class Fault { kNone, kUnconstrain, kConstrained };
template <Fault kFault>
struct ExpSigma {
  struct Data {
    int unused;
  };
  LS_HD int dim(const Data&) const { return 1; }
  LS_HD int n_out(const Data&) const { return 1; }
  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data&, V q, G g) const -> typename V::value_type {
    const auto s = m::exp(q[0]);
    g[0] = Real(1) - s;
    return q[0] - s;
  }
  static Real constrained(Real t) {
    const Real stray = kFault == Fault::kConstrained ? Real(2) * std::log(t) : Real(0);
    return t > 0 ? -t - stray : -static_cast<Real>(INFINITY);
  }
  template <class V>
  LS_HD auto log_density_constrained(const Data&, V theta) const -> typename V::value_type {
    using T = typename V::value_type;
    const T t = theta[0];
    if constexpr (std::is_same<T, Real>::value) {
      return constrained(t);
    } else {  // a block of walkers (Batch<W>)
      T r;
      for (std::size_t w = 0; w < sizeof(t.v) / sizeof(t.v[0]); ++w) r.v[w] = constrained(t.v[w]);
      return r;
    }
  }
  template <class V, class O>
  LS_HD void write_out(const Data&, V q, O out) const {
    out[0] = m::exp(q[0]);
  }
  static std::vector<double> unconstrain(const Loaded<ExpSigma>&, const std::vector<double>& out) {
    return {kFault == Fault::kUnconstrain ? out.at(0) : std::log(out.at(0))};
  }
  static ModelInfo info() {
    ModelInfo i;
    i.name = kFault == Fault::kUnconstrain   ? "test_wrong_unconstrain"
             : kFault == Fault::kConstrained ? "test_wrong_constrained"
                                             : "test_exp_sigma";
    i.summary = "test";
    return i;
  }
  static Loaded<ExpSigma> load(ModelArgs&) {
    Loaded<ExpSigma> out;
    out.names = {"sigma"};
    return out;
  }
};
using WrongUnconstrain = ExpSigma<Fault::kUnconstrain>;

TEST(ModelCheck, AConstrainedDensityThatIsNotTheUnconstrainedLessTheJacobianFails) {
  auto line = [](const check::ModelCheckReport& r) {
    for (const auto& l : r.lines)
      if (l.name.find("log|Jacobian|") != std::string::npos) return l;
    ADD_FAILURE() << "no Jacobian line";
    return check::CheckLine{};
  };
  ModelArgs args("test_exp_sigma", {}, nullptr);
  AnyModelImpl<ExpSigma<Fault::kNone>> right(AnyModelImpl<ExpSigma<Fault::kNone>>::load(args));
  const check::ModelCheckReport ok = check::check_model(right, check::ModelCheckOptions{});
  EXPECT_TRUE(line(ok).ok) << line(ok).detail;
  EXPECT_TRUE(ok.ok());
  AnyModelImpl<ExpSigma<Fault::kConstrained>> wrong(AnyModelImpl<ExpSigma<Fault::kConstrained>>::load(args));
  const check::ModelCheckReport bad = check::check_model(wrong, check::ModelCheckOptions{});
  EXPECT_FALSE(line(bad).ok) << line(bad).detail;
  EXPECT_FALSE(bad.ok());
}

TEST(ModelCheck, AWrongGradientFailsInItsCoordinateOnly) {
  ModelArgs args("test_wrong_gradient", {{"dim", "5"}}, nullptr);
  AnyModelImpl<WrongGradient> model(AnyModelImpl<WrongGradient>::load(args));
  const check::ModelCheckReport r = check::check_model(model, check::ModelCheckOptions{});
  ASSERT_EQ(r.coordinates.size(), 5u);
  for (int i = 0; i < 5; ++i) EXPECT_EQ(r.coordinates[i].ok, i != 2) << "coordinate " << i;
  EXPECT_GT(r.coordinates[2].worst_relative, testing::kGradTol);
  EXPECT_LT(r.coordinates[2].worst_relative, 1000 * testing::kGradTol);
  EXPECT_FALSE(r.ok());
}

/// ExpSigma whose views other than Dense drop the Jacobian, consistently in the density and
/// the gradient: finite differences (through the Dense view) pass, while static HMC, ChEES and
/// the GPU would sample another posterior. (A reviewer's model did this through an
/// `if constexpr` on the view type; `lockstep check` said "check passed".)
struct ViewDependent : ExpSigma<Fault::kNone> {
  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    const auto lp = ExpSigma<Fault::kNone>::log_density_and_grad(d, q, g);
    if constexpr (std::is_same<V, Dense<Real>>::value) {
      return lp;
    } else {
      g[0] = g[0] - Real(1);
      return lp - q[0];
    }
  }
  static ModelInfo info() {
    ModelInfo i = ExpSigma<Fault::kNone>::info();
    i.name = "test_view_dependent";
    return i;
  }
  static std::vector<double> unconstrain(const Loaded<ViewDependent>&, const std::vector<double>& out) {
    return {std::log(out.at(0))};
  }
  static Loaded<ViewDependent> load(ModelArgs&) {
    Loaded<ViewDependent> out;
    out.names = {"sigma"};
    return out;
  }
};

TEST(ModelCheck, AModelThatDiffersBetweenViewsFails) {
  auto view_lines = [](const check::ModelCheckReport& r) {
    std::vector<check::CheckLine> lines;
    for (const auto& l : r.lines)
      if (l.name.find("= Dense view") != std::string::npos) lines.push_back(l);
    return lines;
  };
  ModelArgs args("test_view_dependent", {}, nullptr);
  AnyModelImpl<ViewDependent> wrong(AnyModelImpl<ViewDependent>::load(args));
  const check::ModelCheckReport bad = check::check_model(wrong, check::ModelCheckOptions{});
  const auto lines = view_lines(bad);
  ASSERT_EQ(lines.size(), kGpuShape ? 1u : 2u);
  for (const auto& l : lines) {
    EXPECT_FALSE(l.ok) << l.name << ": " << l.detail;
    EXPECT_NE(l.detail.find("where the Dense view gives"), std::string::npos) << l.detail;
  }
  EXPECT_FALSE(bad.ok());
  for (const auto& c : bad.coordinates) EXPECT_TRUE(c.ok) << "the finite differences alone cannot see it";

  AnyModelImpl<ExpSigma<Fault::kNone>> right(AnyModelImpl<ExpSigma<Fault::kNone>>::load(args));
  const check::ModelCheckReport good = check::check_model(right, check::ModelCheckOptions{});
  for (const auto& l : view_lines(good)) EXPECT_TRUE(l.ok) << l.name << ": " << l.detail;
  EXPECT_TRUE(good.ok());
}

TEST(ModelCheck, AWrongUnconstrainFailsTheRoundTrip) {
  ModelArgs args("test_wrong_unconstrain", {}, nullptr);
  AnyModelImpl<WrongUnconstrain> model(AnyModelImpl<WrongUnconstrain>::load(args));
  const check::ModelCheckReport r = check::check_model(model, check::ModelCheckOptions{});
  bool round_trip_failed = false;
  for (const auto& l : r.lines) round_trip_failed = round_trip_failed || (l.name.find("unconstrain") == 0 && !l.ok);
  EXPECT_TRUE(round_trip_failed);
  EXPECT_FALSE(r.ok());
}

/// run_cli with the test models registered, stdout and stderr captured.
int run(std::vector<std::string> args, std::string* out = nullptr, std::string* err = nullptr) {
  args.insert(args.begin(), "lockstep");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int status = cli::run_cli(static_cast<int>(argv.size()), argv.data(),
                                  {make_model_entry<WrongGradient>(), make_model_entry<WrongUnconstrain>()});
  const std::string o = ::testing::internal::GetCapturedStdout(), e = ::testing::internal::GetCapturedStderr();
  if (out) *out = o;
  if (err) *err = e;
  return status;
}

TEST(CheckCommand, ExitStatusZeroWhenPassingOneWhenFailingTwoForBadInput) {
  std::string out, err;
  EXPECT_EQ(run({"check", "std_normal", "--set", "dim=3"}, &out), 0) << out;
  EXPECT_NE(out.find("check passed"), std::string::npos) << out;
  EXPECT_EQ(run({"check", "test_wrong_gradient", "--set", "dim=4"}, &out), 1) << out;
  EXPECT_NE(out.find("check FAILED (1 failed)"), std::string::npos) << out;
  EXPECT_NE(out.find("FAILED"), std::string::npos);
  EXPECT_EQ(run({"check", "test_wrong_unconstrain"}, &out), 1) << out;
  EXPECT_EQ(run({"check", "std_normal", "--points", "0"}, &out, &err), 2);
  EXPECT_NE(err.find("--points"), std::string::npos) << err;
  EXPECT_EQ(run({"check", "eight_schools_centered"}, &out, &err), 2);
  EXPECT_NE(err.find("--data"), std::string::npos) << err;
  EXPECT_EQ(run({"check", "no_such_model"}, &out, &err), 2);
  EXPECT_NE(err.find("known models"), std::string::npos) << err;
}

TEST(FiniteDifferences, RichardsonDerivativeIsAccurate) {
  const double x0 = 0.3;
  check::Derivative d = check::richardson_derivative([&](double t) { return std::exp(3 * (x0 + t)); }, 0.1);
  EXPECT_NEAR(d.value, 3 * std::exp(0.9), 1e-11 * 3 * std::exp(0.9));
  EXPECT_LT(d.error, 1e-9);
  d = check::richardson_derivative([&](double t) { return std::log1p(std::exp(x0 + t)) * 1e6; }, 0.1);
  EXPECT_NEAR(d.value, 1e6 / (1 + std::exp(-x0)), 1e-10 * 1e6);
  d = check::richardson_derivative([&](double t) { return std::sin(5 * (x0 + t)); }, 0.1);
  EXPECT_NEAR(d.value, 5 * std::cos(1.5), 1e-10);
}

TEST(ModelCheck, PeakPassesWhereOneTableauWasFooled) {
  // peak's gradient is right everywhere (checked at 50 digits), but at these seeds' points
  // Ridders' tableau from h0 = 0.1 max(1, |q|) settled on an estimate 1e-5 off with a tiny
  // error estimate, and `lockstep check peak` said FAILED: compare_gradient now asks two more
  // tableaux from smaller first steps before it reports a disagreement.
  const auto model = load("peak", "data/peak.csv");
  for (const auto& [seed, points] : {std::pair<std::uint64_t, int>{1, 20}, {9, 10}, {14, 10}, {35, 10}}) {
    check::ModelCheckOptions o;
    o.seed = seed;
    o.points = points;
    const check::ModelCheckReport r = check::check_model(*model, o);
    std::ostringstream text;
    check::print_report(text, r, o);
    EXPECT_TRUE(r.ok()) << "seed " << seed << "\n" << text.str();
  }
}

TEST(FiniteDifferences, OneFooledTableauDoesNotFailARightGradient) {
  // f(t) = t + A t b(t), b a switch from 0 (|t| < 0.04) to 1 (|t| > 0.045), A = 100 times the
  // build's gradient tolerance: the derivative at 0 is 1, but the first tableau's two largest
  // steps (0.1, 0.05) both see the switch on, give the same difference 1 + A, extrapolate to it
  // with an error estimate of ~0, and the smaller steps cannot beat that estimate. The two more
  // tableaux (from 0.1 / 16 and / 256) never see the switch: the median is 1.
  const double amplitude = 100 * check::kGradRelTol;
  auto value = [&](double t) { return t + amplitude * t / (1 + std::exp(-(std::fabs(t) - 0.0425) / 0.0005)); };
  const check::LogDensityFn f = [&](const std::vector<double>& q, std::vector<double>* g) {
    if (g) *g = {1.0};
    return value(q[0]);
  };
  const check::Derivative fooled = check::richardson_derivative([&](double t) { return value(t); }, 0.1);
  ASSERT_GT(std::fabs(fooled.value - 1.0), 10 * check::kGradRelTol)
      << "the first tableau alone must be fooled for this test to mean anything";
  const auto c = check::compare_gradient(f, {0.0});
  EXPECT_LE(c[0].relative, check::kGradRelTol)
      << "fd " << c[0].finite_difference << " (error " << c[0].fd_error << "), analytic " << c[0].analytic;
  // A wrong gradient still fails.
  const check::LogDensityFn wrong = [&](const std::vector<double>& q, std::vector<double>* g) {
    if (g) *g = {1.0 - amplitude};
    return value(q[0]);
  };
  EXPECT_GT(check::compare_gradient(wrong, {0.0})[0].relative, check::kGradRelTol);
}

TEST(FiniteDifferences, NanGradientIsAFailureNotAPass) {
  const check::LogDensityFn f = [](const std::vector<double>& q, std::vector<double>* g) {
    if (g) *g = {std::nan("")};
    return -0.5 * q[0] * q[0];
  };
  const auto c = check::compare_gradient(f, {0.5});
  EXPECT_FALSE(c[0].relative <= 1e-6);
}

}  // namespace
}  // namespace lockstep
