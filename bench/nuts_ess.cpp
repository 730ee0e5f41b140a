// Effective sample size per second and per 1000 gradient evaluations of many-chain NUTS and
// static HMC on the CPU backend, on non-centered Eight Schools and gauss100_ill, with Stan
// (rstan) on the same Eight Schools posterior in the same run.
//
//   build/nuts_ess [--quick] [--threads T] [--chains LIST] [--workload NAME] [--no-stan]
//
// Each point runs the sampler from scratch (initialization, warmup, sampling) and reports
//   ess      = min over parameters of the bulk ESS of the post-warmup draws (rank-normalized,
//              Vehtari, Gelman, Simpson, Carpenter & Buerkner 2021, Bayesian Analysis 16(2),
//              section 3; host/diagnostics/summary.hpp), all chains pooled;
//   ess/s    = ess / (warmup + sampling wall clock) — warmup COUNTED;
//   ess/1k   = 1000 ess / gradient evaluations of all chains, warmup included;
//   grad/s   = gradient evaluations / (warmup + sampling seconds).
// Eight Schools runs Stan's 1000 + 1000 at every chain count, as the Stan run does, so the
// ratio compares like with like (16384 chains x 1000 draws: 2.2 GB of draws). gauss100_ill, ~330 leapfrog steps per NUTS
// draw, runs 1000 + 1000 at <= 64 chains (400 + 400 with --quick), then 400 + 50, 400 + 20,
// 400 + 10: timings only at those counts (R-hat from 10-50 draws is flagged ref-FAIL).
// Warmup stays >= 400: Stan's windows (75 initial, 25 / 50 / 100 / ... metric windows, 50
// final) need it; with 300, static HMC at 4096 chains missed R-hat < 1.01.
//
// Validation first: before anything of a (workload, sampler) pair is timed, a validation run
// must match the reference — posteriordb's means for Eight Schools
// (data/reference/eight_schools_noncentered.json), the exact mean for gauss100_ill (its data
// file) — within 5 sqrt(mcse^2 + mcse_ref^2), with max R-hat < 1.01 (bench_common.hpp).
// A failed validation skips that pair and makes the exit status 1. Every timed point is
// checked the same way and flagged "ref-FAIL" in its row if it misses.
//
// Stan: bench/peers/stan_eight_schools.R (rstan, 4 chains x (1000 + 1000), 2 cores, NUTS with
// Stan's defaults) when Rscript and rstan are installed; its headline min bulk ESS per second
// of wall clock (warmup and draw collection counted, compilation not) is compared with every
// lockstep NUTS Eight Schools row (target: lockstep / Stan >= 50). Otherwise "Stan not
// available" is printed. The compiled Stan model is cached in bench/peers/.cache.
//
// --quick (~1.5 minutes on 2 idle cores): Eight Schools at 64 and 4096 chains, gauss100_ill at
// 64 chains. Full: both workloads at 4, 64, 1024, 4096 and 16384 chains.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <memory>
#include <sstream>
#include <string>
#include <vector>

#include "bench/bench_common.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/json_data.hpp"
#include "models/contract/model_args.hpp"
#include "host/algorithms/hmc/hmc_algorithm.hpp"
#include "host/algorithms/nuts/nuts_algorithm.hpp"
#include "host/registry/any_model.hpp"

using namespace lockstep;

namespace {

using bench::source_path;


struct Workload {
  std::string name, model, data;  // validated against bench::reference_for(model, data)
  int hmc_steps;                             // static HMC: mean leapfrog steps
  int validation_chains, validation_iterations;
};

/// Warmup and draws per chain at a chain count (both samplers).
struct Schedule {
  int warmup, draws;
};
Schedule schedule(int chains, bool heavy, bool quick) {
  if (heavy) {  // gauss100_ill: NUTS needs ~330 leapfrog steps of a 100 x 100 product per draw
    if (chains <= 64) return quick ? Schedule{400, 400} : Schedule{1000, 1000};
    if (chains <= 1024) return {400, 50};
    if (chains <= 4096) return {400, 20};
    return {400, 10};
  }
  return {1000, 1000};  // Stan's defaults, as the Stan run
}

struct Point {
  bool ok = false;  // matched the reference
  double max_rhat = 0, min_ess = 0, seconds = 0;
  unsigned long long grad_evals = 0;
  long divergences = 0;
};

Point run(const AnyModel& model, const Workload& w, const diagnostics::ReferencePosterior& ref, bool nuts, int chains, int warmup,
          int draws, std::uint64_t seed, int threads) {
  DrawSet d;
  RunInfo info;
  if (nuts) {
    NutsConfig cfg;
    cfg.chains = chains;
    cfg.warmup = warmup;
    cfg.draws = draws;
    cfg.seed = seed;
    cfg.threads = threads;
    model.run<NutsAlgorithm>(cfg, d, info, nullptr);
  } else {
    HmcConfig cfg;
    cfg.chains = chains;
    cfg.warmup = warmup;
    cfg.draws = draws;
    cfg.seed = seed;
    cfg.steps = w.hmc_steps;
    cfg.threads = threads;
    model.run<HmcAlgorithm>(cfg, d, info, nullptr);
  }
  Point p;
  p.seconds = info.warmup_seconds + info.sampling_seconds;
  p.grad_evals = info.gradient_evaluations;
  p.divergences = info.divergences;
  p.ok = bench::check_against_reference(d, ref, &p.max_rhat) && p.max_rhat < 1.01;
  const std::vector<diagnostics::Summary> s = diagnostics::summarize_all(d);
  p.min_ess = s.empty() ? 0 : s[0].ess_bulk;
  for (const auto& x : s) p.min_ess = std::min(p.min_ess, x.ess_bulk);
  return p;
}

/// Stan's result as JSON, or an object with "error".
nlohmann::json run_stan() {
  if (std::system("command -v Rscript >/dev/null 2>&1") != 0) return {{"error", "Rscript not found"}};
  const std::string cmd = "cd '" + source_path("") + "' && Rscript bench/peers/stan_eight_schools.R " +
                          "data/eight_schools.json 4 1000 1000 20240601 2 --cache-dir=bench/peers/.cache 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return {{"error", "cannot start Rscript"}};
  std::string out;
  std::array<char, 4096> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), f) != nullptr) out += buf.data();
  pclose(f);
  // the JSON is the last non-empty line
  std::istringstream lines(out);
  std::string line, last;
  while (std::getline(lines, line))
    if (line.find('{') != std::string::npos) last = line;
  if (last.empty()) return {{"error", "no output from stan_eight_schools.R"}};
  try {
    return nlohmann::json::parse(last);
  } catch (const std::exception& e) {
    return {{"error", std::string("unparsable output: ") + e.what()}};
  }
}

std::vector<int> parse_list(const char* s) {
  std::vector<int> v;
  std::stringstream ss(s);
  std::string item;
  while (std::getline(ss, item, ',')) v.push_back(bench::int_flag("--chains", item.c_str(), 1));
  if (v.empty()) bench::int_flag("--chains", "", 1);  // exits: nothing given
  return v;
}

}  // namespace

int main(int argc, char** argv) {
  if (!bench::device_ready(argv[0])) return backend::kSkipExitCode;
  bool quick = false, stan = true;
  int threads = 0;
  std::vector<int> chain_list;
  std::string only;  // --workload: run just this one
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) {
      quick = true;
    } else if (std::strcmp(argv[i], "--no-stan") == 0) {
      stan = false;
    } else if (std::strcmp(argv[i], "--threads") == 0 && i + 1 < argc) {
      threads = bench::int_flag("--threads", argv[++i], 0);
    } else if (std::strcmp(argv[i], "--chains") == 0 && i + 1 < argc) {
      chain_list = parse_list(argv[++i]);
    } else if (std::strcmp(argv[i], "--workload") == 0 && i + 1 < argc) {
      only = argv[++i];
      if (only != "eight_schools_nc" && only != "gauss100_ill") {
        std::fprintf(stderr, "--workload: expected eight_schools_nc or gauss100_ill, found '%s'\n", only.c_str());
        return 2;
      }
    } else {
      std::fprintf(stderr,
                   "usage: %s [--quick] [--threads T] [--chains N1,N2,...] [--workload eight_schools_nc|gauss100_ill] "
                   "[--no-stan]\n",
                   argv[0]);
      return 2;
    }
  }
  bench::print_machine(argc, argv);
  std::printf("# load average at start: %s\n", bench::load_average().c_str());
  const std::vector<Workload> workloads = {
      {"eight_schools_nc", "eight_schools_noncentered", "data/eight_schools.json",
       10, 256, 1000},
      {"gauss100_ill", "gaussian", "data/gauss100_ill.json", 100, 16, quick ? 400 : 1000},
  };

  // Stan first (its compile, if not cached, is not timed).
  double stan_ess_per_s = 0;
  if (stan) {
    const nlohmann::json s = run_stan();
    if (s.contains("error")) {
      std::printf("# Stan not available: %s\n", s["error"].get<std::string>().c_str());
    } else {
      stan_ess_per_s = s.value("ess_bulk_per_second", 0.0);
      std::printf("# Stan (rstan %s) eight_schools_nc: 4 chains x (1000 + 1000), min bulk ESS %.1f, sampling %.2f s "
                  "(wall, warmup counted), min ESS/s %.1f, grad evals %.0f, max R-hat %.4f, divergences %d\n",
                  s.value("rstan_version", std::string("?")).c_str(), s.value("min_ess_bulk", 0.0),
                  s.value("sampling_seconds", 0.0), stan_ess_per_s, s.value("gradient_evaluations", 0.0),
                  s.value("max_rhat", 0.0), s.value("divergences", 0));
    }
  } else {
    std::printf("# Stan not available: --no-stan\n");
  }
  std::fflush(stdout);

  bool all_ok = true;
  std::printf("%-17s %-5s %7s %13s %9s %10s %12s %10s %9s %10s %7s %6s %s\n", "workload", "algo", "chains",
              "warmup+draws", "seconds", "min_ess", "grad_evals", "grad/s", "ess/s", "ess/1kgrad", "rhat", "div",
              stan_ess_per_s > 0 ? "vs_stan" : "");
  std::fflush(stdout);
  for (const Workload& w : workloads) {
    if (!only.empty() && w.name != only) continue;
    auto data = load_json_data(source_path(w.data));
    ModelArgs args(w.model, {}, data.get());
    const std::unique_ptr<AnyModel> model = load_model(w.model, args);
    const diagnostics::ReferencePosterior ref = bench::reference_for(w.model, w.data);
    std::vector<int> chains = chain_list;
    if (chains.empty())
      chains = quick ? (w.name == "gauss100_ill" ? std::vector<int>{64} : std::vector<int>{64, 4096})
                     : std::vector<int>{4, 64, 1024, 4096, 16384};
    for (const bool nuts : {true, false}) {
      const char* algo = nuts ? "nuts" : "hmc";
      // static HMC needs the full 1000 + 1000 on gauss100_ill (R-hat 1.011 at 400 + 400)
      const int vit = nuts ? w.validation_iterations : 1000;
      const Point v = run(*model, w, ref, nuts, w.validation_chains, vit, vit, 7, threads);
      std::printf("# validation %s: %s %s, %d chains x (%d + %d), max R-hat %.4f, %ld divergences (%.1f s)\n",
                  v.ok ? "passed" : "FAILED", w.name.c_str(), algo, w.validation_chains, vit, vit, v.max_rhat,
                  v.divergences, v.seconds);
      std::fflush(stdout);
      if (!v.ok) {
        all_ok = false;
        continue;
      }
      for (const int c : chains) {
        const Schedule sch = schedule(c, w.name == "gauss100_ill", quick);
        const Point p = run(*model, w, ref, nuts, c, sch.warmup, sch.draws, 11, threads);
        const double ess_s = p.min_ess / p.seconds;
        char ratio[32] = "";
        if (nuts && stan_ess_per_s > 0 && w.name == "eight_schools_nc")
          std::snprintf(ratio, sizeof ratio, "%.1fx", ess_s / stan_ess_per_s);
        std::printf("%-17s %-5s %7d %8d+%-4d %9.3f %10.0f %12llu %10.4g %9.4g %10.4g %7.4f %6ld %s%s\n",
                    w.name.c_str(), algo, c, sch.warmup, sch.draws, p.seconds, p.min_ess, p.grad_evals,
                    p.grad_evals / p.seconds, ess_s, 1000.0 * p.min_ess / p.grad_evals, p.max_rhat, p.divergences,
                    ratio, p.ok ? "" : " ref-FAIL");
        std::fflush(stdout);
        if (!p.ok) all_ok = false;
      }
    }
  }
  bench::print_launch_shapes();
  std::printf("# load average at end: %s\n", bench::load_average().c_str());
  return all_ok ? 0 : 1;
}
