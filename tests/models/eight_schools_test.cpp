// models/eight_schools.hpp, centered and non-centered, under both priors: gradient (also at
// log tau = -10 and +5), value against the textbook densities, SIMD/scalar agreement,
// outputs, loader errors.
#include "models/eight_schools.hpp"

#include <gtest/gtest.h>

#include <cmath>
#include <ostream>

#include "tests/models/gradient_check.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace testing_models {
namespace {

using models::EightSchoolsCentered;
using models::EightSchoolsNoncentered;

const double kPi = std::acos(-1.0);

double normal_lpdf(double x, double mean, double sd) {
  const double z = (x - mean) / sd;
  return -0.5 * z * z - std::log(sd) - 0.5 * std::log(2 * kPi);
}

/// Half-Cauchy(0, s) density on tau > 0: 2 / (pi s (1 + (tau/s)^2)).
double half_cauchy_lpdf(double tau, double s) {
  return std::log(2.0 / (kPi * s * (1 + (tau / s) * (tau / s))));
}

const std::vector<double> kY = {28, 8, -3, 7, -1, 1, 18, 12};
const std::vector<double> kSigma = {15, 10, 16, 11, 9, 11, 10, 18};

/// Independent: the joint density of (mu, u = log tau, x) written from the model statement.
double eight_schools_ref(const std::vector<double>& q, bool noncentered, bool seed_priors) {
  const double mu = q[0], u = q[1], tau = std::exp(u);
  double lp = seed_priors ? normal_lpdf(mu, 0, 10) + normal_lpdf(u, 5, 1)  // density of log tau
                          : normal_lpdf(mu, 0, 5) + half_cauchy_lpdf(tau, 5) + u;  // + log |dtau/du|
  for (int j = 0; j < 8; ++j) {
    if (noncentered) {
      const double eta = q[2 + j];
      lp += normal_lpdf(eta, 0, 1) + normal_lpdf(kY[j], mu + tau * eta, kSigma[j]);
    } else {
      const double theta = q[2 + j];
      lp += normal_lpdf(theta, mu, tau) + normal_lpdf(kY[j], theta, kSigma[j]);
    }
  }
  return lp;
}

struct Variant {
  bool noncentered;
  const char* priors;
};

void PrintTo(const Variant& v, std::ostream* os) {
  *os << (v.noncentered ? "noncentered" : "centered") << ", priors=" << v.priors;
}

std::string variant_name(const ::testing::TestParamInfo<Variant>& info) {
  return std::string(info.param.noncentered ? "Noncentered" : "Centered") + "_" + info.param.priors;
}

class EightSchoolsVariants : public ::testing::TestWithParam<Variant> {
 protected:
  void SetUp() override { data_ = repo_data("eight_schools.json"); }

  /// Runs `fn(model, data)` with the loaded model of this variant.
  template <class F>
  void with_model(F fn) {
    const Variant v = GetParam();
    const std::map<std::string, std::string> opts = {{"priors", v.priors}};
    if (v.noncentered) {
      auto m = load_model<EightSchoolsNoncentered>(opts, data_.get());
      fn(m.model, m.data);
    } else {
      auto m = load_model<EightSchoolsCentered>(opts, data_.get());
      fn(m.model, m.data);
    }
  }
  bool seed() const { return std::string(GetParam().priors) == "seed"; }

  std::unique_ptr<DataSource> data_;
};

TEST_P(EightSchoolsVariants, GradientMatchesFiniteDifferences) {
  with_model([&](const auto& model, const auto& data) {
    ASSERT_EQ(model.dim(data), 10);
    expect_gradients_match(model, data, standard_points(10, 31));
    // Realistic scale: mu and theta on the scale of the data.
    auto pts = standard_points(10, 32);
    for (auto& p : pts) {
      p[0] *= 5;
      for (int j = 2; j < 10; ++j) p[j] *= GetParam().noncentered ? 1.0 : 10.0;
    }
    expect_gradients_match(model, data, pts);
  });
}

TEST_P(EightSchoolsVariants, GradientNearTheBoundaryOfTau) {
  with_model([&](const auto& model, const auto& data) {
    PointGenerator gen(33);
    std::vector<std::vector<double>> pts;
    for (double u : {-10.0, -6.0, 5.0}) {
      for (int k = 0; k < 4; ++k) {
        std::vector<double> q = gen.point(10, -2, 2);
        q[1] = u;
        pts.push_back(q);
      }
    }
    expect_gradients_match(model, data, pts);
  });
}

TEST_P(EightSchoolsVariants, LogDensityValue) {
  const bool nc = GetParam().noncentered, sp = seed();
  auto ref = [nc, sp](const std::vector<double>& q) { return eight_schools_ref(q, nc, sp); };
  with_model([&](const auto& model, const auto& data) {
    expect_log_density_differences(model, data, ref, standard_points(10, 34));
    std::vector<std::vector<double>> pts;
    for (double u : {-10.0, -3.0, 0.0, 2.5, 5.0}) {
      std::vector<double> q = {4.0, u, 1, -1, 0.5, 2, -0.25, 0, 1.5, -2};
      pts.push_back(q);
    }
    expect_log_density_differences(model, data, ref, pts);
  });
}

TEST_P(EightSchoolsVariants, BlockOfEightMatchesScalar) {
  with_model([&](const auto& model, const auto& data) {
    expect_block_matches_scalar<8>(model, data, 35);
    expect_block_matches_scalar<8>(model, data, 36, -5.0, 5.0);
    expect_block_matches_scalar<4>(model, data, 37);
  });
}

TEST_P(EightSchoolsVariants, Outputs) {
  with_model([&](const auto& model, const auto& data) {
    const std::vector<double> q = {3.0, 0.5, 1, -1, 0.5, 2, -0.25, 0, 1.5, -2};
    const std::vector<double> out = outputs(model, data, q);
    ASSERT_EQ(out.size(), 10u);
    EXPECT_EQ(out[0], 3.0);
    // Rounding statements (tests/build_config.hpp): tau = e^0.5 = 1.65 to 4.5 eps of double
    // (a correctly rounded exp is within half an ulp, 1.1e-16); theta = mu + tau z, |theta| <= 6,
    // to 45 eps; in float the same numbers of float's eps (5.4e-7, 5.4e-6).
    EXPECT_NEAR(out[1], std::exp(0.5), testing::real_tol(1e-15));
    for (int j = 0; j < 8; ++j) {
      const double theta = GetParam().noncentered ? 3.0 + std::exp(0.5) * q[2 + j] : q[2 + j];
      EXPECT_NEAR(out[2 + j], theta, testing::real_tol(1e-14)) << "theta[" << j + 1 << "]";
    }
  });
}

INSTANTIATE_TEST_SUITE_P(All, EightSchoolsVariants,
                         ::testing::Values(Variant{false, "posteriordb"}, Variant{false, "seed"},
                                           Variant{true, "posteriordb"}, Variant{true, "seed"}),
                         variant_name);

/// y_rep_j = theta_j + sigma_j z: over K draws at one q, (y_rep_j - theta_j) / sigma_j has
/// mean ~ N(0, 1/K) and variance ~ 1 (sd sqrt(2/K)); bounds are 5 of those sd.
TEST(EightSchools, PosteriorPredictiveReplicatesTheMeasurementModel) {
  auto data = repo_data("eight_schools.json");
  const auto any = load_builtin("eight_schools_noncentered", {}, data.get());
  const AnyModel& model = *any;
  EXPECT_EQ(model.generated_names(), indexed_names("y_rep", 8));
  const std::vector<double> q = {4.0, std::log(3.0), 1.0, -0.5, 0.0, 0.3, -1.2, 0.8, 2.0, -2.0};
  const std::vector<double> out = model.constrain(q);
  constexpr int K = 4000;
  std::vector<double> sum(8, 0), sum2(8, 0);
  for (int k = 0; k < K; ++k) {
    const std::vector<double> y = model.generated_quantities(q, 5, static_cast<std::uint32_t>(k));
    ASSERT_EQ(y.size(), 8u);
    for (int j = 0; j < 8; ++j) {
      const double z = (y[j] - out[2 + j]) / kSigma[j];
      sum[j] += z;
      sum2[j] += z * z;
    }
  }
  for (int j = 0; j < 8; ++j) {
    const double mean = sum[j] / K, var = sum2[j] / K - mean * mean;
    EXPECT_LT(std::fabs(mean), 5 / std::sqrt(double(K))) << "school " << j;
    EXPECT_LT(std::fabs(var - 1), 5 * std::sqrt(2.0 / K)) << "school " << j;
  }
}

TEST(EightSchools, NamesAndInfo) {
  auto data = repo_data("eight_schools.json");
  auto m = load_model<EightSchoolsNoncentered>({}, data.get());
  EXPECT_EQ(m.names, (std::vector<std::string>{"mu", "tau", "theta[1]", "theta[2]", "theta[3]",
                                                "theta[4]", "theta[5]", "theta[6]", "theta[7]",
                                                "theta[8]"}));
  EXPECT_EQ(m.data.priors, models::EightSchoolsPriors::kPosteriordb);
  EXPECT_EQ(EightSchoolsNoncentered::info().name, "eight_schools_noncentered");
  EXPECT_EQ(EightSchoolsCentered::info().name, "eight_schools_centered");
}

class EightSchoolsLoadErrors : public ::testing::Test {
 protected:
  std::string error_for(const std::string& json,
                        const std::map<std::string, std::string>& opts = {}) {
    auto data = parse_json_data(json, "es.json");
    return input_error_of([&] { load_model<EightSchoolsCentered>(opts, data.get()); });
  }
};

TEST_F(EightSchoolsLoadErrors, SigmaOfWrongLength) {
  EXPECT_EQ(error_for(R"({"J": 8, "y": [28, 8, -3, 7, -1, 1, 18, 12],
                          "sigma": [15, 10, 16, 11, 9, 11, 10]})"),
            "es.json: field 'sigma': expected 8 values, found 7");
}

TEST_F(EightSchoolsLoadErrors, NonPositiveSigma) {
  EXPECT_EQ(error_for(R"({"J": 3, "y": [1, 2, 3], "sigma": [1, 0, 2]})"),
            "es.json: field 'sigma': value 2 is 0, must be positive");
  EXPECT_EQ(error_for(R"({"J": 3, "y": [1, 2, 3], "sigma": [1, 2, -2.5]})"),
            "es.json: field 'sigma': value 3 is -2.5, must be positive");
}

TEST_F(EightSchoolsLoadErrors, MissingField) {
  EXPECT_EQ(error_for(R"({"J": 3, "sigma": [1, 2, 3]})"), "es.json: field 'y': missing");
  EXPECT_EQ(error_for(R"({"y": [1, 2, 3], "sigma": [1, 2, 3]})"), "es.json: field 'J': missing");
}

TEST_F(EightSchoolsLoadErrors, OtherBadInput) {
  EXPECT_EQ(error_for(R"({"J": 2.5, "y": [1, 2], "sigma": [1, 2]})"),
            "es.json: field 'J': value is not an integer (2.5)");
  EXPECT_EQ(error_for(R"({"J": 2, "y": [1, "NaN"], "sigma": [1, 2]})"),
            "es.json: field 'y': value 2 is not finite (NaN)");
  EXPECT_EQ(error_for(R"({"J": 2, "y": [1, 2], "sigma": [1, 2]})", {{"priors", "flat"}}),
            "--set priors: 'flat' is not one of: posteriordb, seed");
}

}  // namespace
}  // namespace testing_models
}  // namespace lockstep
