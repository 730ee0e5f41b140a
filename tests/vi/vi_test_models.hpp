#pragma once
// Test helpers of tests/vi: a correlated 3-d Gaussian target (exact answers), eight schools (a
// non-Gaussian one) and a fit of K fits that returns the report.
#include <map>
#include <memory>
#include <string>
#include <vector>

#include <Eigen/Dense>

#include "host/algorithms/vi/vi_fit.hpp"
#include "host/io/json_data.hpp"
#include "models/gaussian.hpp"
#include "models/std_normal.hpp"
#include "tests/models/model_loading.hpp"

namespace lockstep {
namespace vi_testing {

/// Sigma = D R D with sds (1, 2, 0.5) and correlations 0.8, -0.4, -0.5 (positive definite);
/// mu = (1, -2, 0.5).
inline const std::vector<double>& kMu() {
  static const std::vector<double> v = {1.0, -2.0, 0.5};
  return v;
}
inline Eigen::Matrix3d sigma3() {
  const double sd[3] = {1.0, 2.0, 0.5};
  const double r[3][3] = {{1, 0.8, -0.4}, {0.8, 1, -0.5}, {-0.4, -0.5, 1}};
  Eigen::Matrix3d S;
  for (int i = 0; i < 3; ++i)
    for (int j = 0; j < 3; ++j) S(i, j) = sd[i] * sd[j] * r[i][j];
  return S;
}

inline std::unique_ptr<DataSource> gaussian3_data() {
  const Eigen::Matrix3d S = sigma3();
  std::string json = "{\"N\": 3, \"mu\": [1, -2, 0.5], \"Sigma\": [";
  for (int i = 0; i < 3; ++i) {
    json += i ? ", [" : "[";
    for (int j = 0; j < 3; ++j) json += (j ? ", " : "") + DataSource::format_number(S(i, j));
    json += "]";
  }
  json += "]}";
  return load_json_data(testing_models::write_temp_file("vi_gaussian3.json", json));
}

inline Loaded<models::Gaussian> gaussian3() {
  static std::unique_ptr<DataSource> data = gaussian3_data();
  return testing_models::load_model<models::Gaussian>({}, data.get());
}

/// Runs K fits and returns the report (draws discarded).
template <class Model>
ViReport run_fits(const Loaded<Model>& m, ViConfig c) {
  ViReport r;
  c.report = &r;
  DrawSet d;
  RunInfo info;
  vi::fit_vi(m, c, d, info, nullptr);
  return r;
}

}  // namespace vi_testing
}  // namespace lockstep
