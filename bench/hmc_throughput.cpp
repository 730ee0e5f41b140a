// Gradient evaluations per second of many-chain static HMC on the CPU backend, for
// non-centered Eight Schools and gauss100_ill, at 1 ... 16384 chains. The posterior is
// validated against the reference before anything is timed.
//
//   build/hmc_throughput [--quick]
#include <chrono>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <memory>
#include <vector>

#include "bench/bench_common.hpp"
#include "host/io/json_data.hpp"
#include "host/io/model_args.hpp"
#include "host/run/any_model.hpp"

using namespace lockstep;

namespace {

std::string source_path(const std::string& rel) {
#ifdef LOCKSTEP_SOURCE_DIR
  return std::string(LOCKSTEP_SOURCE_DIR) + "/" + rel;
#else
  return rel;
#endif
}

struct Workload {
  std::string model, data, reference;  // reference: JSON {"name": {"mean":..}} or "" for mu in data
  int steps;                           // mean leapfrog steps (ill-conditioned targets need more)
  int validation_chains;
};

bool validate(const AnyModel& model, const Workload& w) {
  const int chains = w.validation_chains;
  HmcConfig cfg;
  cfg.chains = chains;
  cfg.steps = w.steps;
  cfg.warmup = 1000;
  cfg.draws = 1000;
  cfg.seed = 7;
  DrawSet d;
  RunInfo info;
  model.sample_hmc(cfg, d, info, nullptr);
  nlohmann::json ref;
  if (!w.reference.empty()) {
    std::ifstream f(source_path(w.reference));
    ref = nlohmann::json::parse(f);
  } else {
    std::ifstream f(source_path(w.data));
    const nlohmann::json data = nlohmann::json::parse(f);
    const auto& mu = data["mu"];
    for (std::size_t i = 0; i < mu.size(); ++i) ref["x[" + std::to_string(i + 1) + "]"]["mean"] = mu[i];
  }
  double max_rhat = 0;
  const bool ok = bench::check_against_reference(d, ref, &max_rhat);
  std::printf("# validation %s: %s with %d chains x 1000 draws, max R-hat %.4f, %ld divergences\n",
              ok && max_rhat < 1.01 ? "passed" : "FAILED", w.model.c_str(), chains, max_rhat, info.divergences);
  return ok && max_rhat < 1.01;
}

}  // namespace

int main(int argc, char** argv) {
  const bool quick = argc > 1 && std::strcmp(argv[1], "--quick") == 0;
  bench::print_machine(argc, argv);
  const std::vector<Workload> workloads = {
      {"eight_schools_noncentered", "data/eight_schools.json", "data/reference/eight_schools_noncentered.json", 10, 1024},
      {"gaussian", "data/gauss100_ill.json", "", 100, 64},
  };
  const std::vector<int> chain_counts = quick ? std::vector<int>{64, 4096} : std::vector<int>{1, 64, 1024, 4096, 16384};
  bool all_ok = true;
  std::printf("%-28s %8s %10s %14s %12s\n", "workload", "chains", "seconds", "grad_evals", "grad_evals/s");
  std::fflush(stdout);
  for (const Workload& w : workloads) {
    auto data = load_json_data(source_path(w.data));
    ModelArgs args(w.model, {}, data.get());
    const std::unique_ptr<AnyModel> model = load_model(w.model, args);
    if (!validate(*model, w)) {
      all_ok = false;
      continue;
    }
    for (int chains : chain_counts) {
      HmcConfig cfg;
      cfg.chains = chains;
      cfg.warmup = quick ? 200 : 500;
      cfg.draws = quick ? 200 : 500;
      cfg.seed = 11;
      cfg.steps = w.steps;
      DrawSet d;
      RunInfo info;
      model->sample_hmc(cfg, d, info, nullptr);
      const double sec = info.warmup_seconds + info.sampling_seconds;
      std::printf("%-28s %8d %10.3f %14llu %12.4g\n", w.model.c_str(), chains, sec, info.gradient_evaluations,
                  info.gradient_evaluations / sec);
      std::fflush(stdout);
    }
  }
  return all_ok ? 0 : 1;
}
