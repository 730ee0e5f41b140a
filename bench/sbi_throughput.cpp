// Peak-model simulations per second with every simulation a lane, at 1e3 .. 1e7 lanes per
// launch (issue 17's target on the 2-core machine: >= 1e7 simulations per second):
//   "store"    = the simulation store's kernel (kernels/sbi/prior_simulation.hpp): prior draw +
//                simulate, theta and the 40 simulated values written to memory;
//   "distance" = rejection ABC's kernel (kernels/sbi/abc_distance.hpp): prior draw + simulate +
//                scaled distance to the observed data (only theta and the distance are kept).
// Validation first: 20000 store simulations against the model's noise law (the standardized
// residual of every point has mean 0 and variance 1 within 5 MCSE; ABC's distances are checked
// against a host recomputation by tests/sbi/abc_test.cpp). Then each size is launched repeatedly for at least 0.3 s (the
// minimum of 3 such timings is printed; launches only, the buffers allocated before).
//
//   build/sbi_throughput [--max-lanes N] [--threads T]
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <string>
#include <vector>

#include "bench/bench_common.hpp"
#include "host/io/csv_data.hpp"
#include "host/registry/model_entry.hpp"
#include "host/run/prior_simulations.hpp"
#include "kernels/sbi/abc_distance.hpp"
#include "models/contract/model_args.hpp"
#include "models/peak.hpp"

using namespace lockstep;

namespace {

template <class F>
double rate(int n, const F& f, int n_x) {
  double best = HUGE_VAL;
  for (int rep = 0; rep < 3; ++rep) {
    long launches = 0;
    const auto t0 = std::chrono::steady_clock::now();
    double s = 0;
    do {
      backend::launch_lanes(n, f, static_cast<std::ptrdiff_t>(n) * (5 + 8 * n_x));
      ++launches;
      s = std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
    } while (s < 0.3);
    best = std::min(best, s / launches);
  }
  return n / best;
}

}  // namespace

int main(int argc, char** argv) {
  if (!bench::device_ready(argv[0])) return backend::kSkipExitCode;
  long max_lanes = 10000000;
  int threads = 0;
  for (int i = 1; i < argc; ++i) {
    if (!std::strcmp(argv[i], "--max-lanes") && i + 1 < argc) max_lanes = std::atol(argv[++i]);
    if (!std::strcmp(argv[i], "--threads") && i + 1 < argc) threads = std::atoi(argv[++i]);
  }
  backend::set_threads(threads);
  bench::print_machine(argc, argv);
  std::printf("# load average before: %s\n", bench::load_average().c_str());
  auto src = load_csv_data(bench::source_path("data/peak.csv"));
  ModelArgs args("peak", {{"prior", "sbi"}}, src.get());
  const Loaded<models::Peak> m = load_typed<models::Peak>(args);
  const int n_x = m.data.N;

  // ---- validation -----------------------------------------------------------------------
  {
    const int n = 20000;
    const PriorSimulations s = simulate_prior_predictive(m, 1, 0, n);
    const std::vector<double> x = src->get_reals("x"), err = src->get_reals("y_err");
    double worst = 0;
    for (int k = 0; k < n_x; ++k) {
      double a = 0, b = 0;
      for (int i = 0; i < n; ++i) {
        const double* t = &s.theta[static_cast<std::size_t>(i) * 5];
        const double f = t[0] * std::exp(-std::pow(t[1] - x[k], 2) / (2 * t[2] * t[2])) + t[3] + t[4] * x[k];
        const double z = (s.x[static_cast<std::size_t>(i) * n_x + k] - f) / err[k];
        a += z;
        b += z * z;
      }
      const double mean = a / n, var = b / n - mean * mean;
      worst = std::max({worst, std::fabs(mean) / (1 / std::sqrt(n)), std::fabs(var - 1) / std::sqrt(2.0 / n)});
    }
    std::printf("validation: simulated noise, worst |error| / MCSE over %d points = %.2f (limit 5): %s\n", n_x, worst,
                worst < 5 ? "ok" : "FAILED");
    if (!(worst < 5)) return 1;
  }

  std::printf("\n| lanes | store: simulations/s | distance: simulations/s |\n|---|---|---|\n");
  backend::DeviceVector<Real> obs(m.sbi_observed.begin(), m.sbi_observed.end());
  std::vector<double> inv_h(n_x);
  for (int k = 0; k < n_x; ++k) inv_h[k] = 1 / m.sbi_scale[k];
  backend::DeviceVector<Real> inv(inv_h.begin(), inv_h.end());
  for (long n = 1000; n <= max_lanes; n *= 10) {
    backend::DeviceVector<Real> theta(static_cast<std::size_t>(n) * 5), x(static_cast<std::size_t>(n) * n_x);
    backend::DeviceVector<double> dist(static_cast<std::size_t>(n));
    sbi::PriorSimulation<models::Peak> store;
    store.model = m.model;
    store.data = m.data;
    store.theta = backend::raw(theta);
    store.x = backend::raw(x);
    store.n_theta = 5;
    store.n_x = n_x;
    store.seed = 3;
    sbi::PriorDistance<models::Peak> d;
    d.model = m.model;
    d.data = m.data;
    d.observed = backend::raw(obs);
    d.inv_scale = backend::raw(inv);
    d.theta = backend::raw(theta);
    d.scratch = backend::raw(x);
    d.distance = backend::raw(dist);
    d.n_theta = 5;
    d.n_x = n_x;
    d.seed = 3;
    const double r_store = rate(static_cast<int>(n), store, n_x);
    const double r_dist = rate(static_cast<int>(n), d, n_x);
    std::printf("| %ld | %.4g | %.4g |\n", n, r_store, r_dist);
    std::fflush(stdout);
  }
  std::printf("# load average after: %s\n", bench::load_average().c_str());
  bench::print_launch_shapes();
  return 0;
}
