// The glmm on radon: gradient evaluations per second against a hand-written radon model, and
// minimum bulk ESS per second (warmup included) at 4, 64, 1024 and 4096 chains against Stan
// (rstan) on the same model and priors.
//
//   build/glmm_radon [--quick] [--chains LIST] [--no-stan] [--markdown PATH]
//
// Model: log_radon ~ 1 + floor + (1 | county) on data/radon_mn.csv, Intercept and b ~ normal(0,
// 10), sd and sigma ~ half_normal(0, 1), non-centered (the glmm's defaults); the hand-written
// model (bench/radon_handwritten.hpp) and Stan's (bench/peers/radon.stan) are the same density.
//
// 1. Gradients/s: static HMC (10 leapfrog steps, 1024 chains, 8 chains per SIMD block) runs
//    both models; gradient evaluations / (warmup + sampling seconds). Target: glmm >= 1/2 of
//    the hand-written model's.
// 2. Validation first: NUTS, 64 chains x (1000 + 1000), must have its means of b_Intercept,
//    b_floor, sd_county__Intercept and sigma within 0.03 of lme4's REML fit
//    (tests/fixtures/glmm/radon_lme4.json) and max R-hat < 1.01 over all 89 outputs; it is the
//    reference of the timed runs (exit status 1 if it fails).
// 3. ESS/s: NUTS at 4 and 64 chains (Stan's 1000 + 1000; from 16 chains in gangs of 8 whose
//    gradients are one SIMD call, kernels/nuts/nuts_gang.hpp), ChEES at 64 (200 + 400), 1024 (200 + 200) and 4096
//    (200 + 100) chains, starts uniform(-0.5, 0.5): min over all 89 outputs of the bulk ESS of
//    the post-warmup draws / (warmup + sampling wall clock). A timed run is "ok" when each of the
//    four means is within 0.03 of lme4 and within 5 sqrt(mcse^2 + mcse_ref^2) of the reference.
//    Max R-hat is shown: with a few hundred draws per chain it stays above 1.01 (about 1 + 1 /
//    the ESS per chain) even when the pooled estimates are right, which the reference check
//    tests instead.
// 4. Stan: bench/peers/stan_radon.R (4 chains x 1000 + 1000, 2 cores; compile time reported
//    separately and excluded; --quick loads the model compiled earlier from bench/peers/.cache,
//    the full run compiles it). Target: lockstep's best ESS/s >= 30x Stan's.
// 5. PyMC and nutpie: bench/peers/pymc_nuts.py --workload radon (the same model and priors,
//    4 chains x 1000 + 1000 on 2 cores, bench/peers/.venv from install_python_peers.sh), with the
//    same ArviZ diagnostics and the same check of the four headline means; nutpie's numba
//    compile and PyMC's compile are reported apart and excluded. --no-stan skips them too.
#include <algorithm>
#include <array>
#include <chrono>
#include <cstdio>
#include <cstdlib>
#include <fstream>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include <nlohmann/json.hpp>

#include "host/backend/place.hpp"
#include "bench/bench_common.hpp"
#include "bench/radon_handwritten.hpp"
#include "host/algorithms/chees/chees_sampler.hpp"
#include "host/algorithms/hmc/hmc_sampler.hpp"
#include "host/algorithms/nuts/nuts_sampler.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/csv_data.hpp"
#include "host/io/json_data.hpp"
#include "host/registry/model_entry.hpp"
#include "models/glmm.hpp"

using namespace lockstep;
using bench::source_path;

namespace {

const std::map<std::string, std::string> kOptions = {
    {"formula", "log_radon ~ 1 + floor + (1 | county)"},
    {"prior", "Intercept ~ normal(0, 10)\nb ~ normal(0, 10)\nsd ~ half_normal(0, 1)\nsigma ~ half_normal(0, 1)"}};

struct Point {
  std::string sampler;
  int chains = 0, warmup = 0, draws = 0;
  double seconds = 0, min_ess = 0, max_rhat = 0, grad_per_s = 0;
  unsigned long long grads = 0;
  bool ok = false;
  std::string why;
  std::map<std::string, std::pair<double, double>> est;  // headline parameter -> (mean, mcse)
  double ess_per_s() const { return seconds > 0 ? min_ess / seconds : 0; }
};

nlohmann::json lme4() {
  std::ifstream in(source_path("tests/fixtures/glmm/radon_lme4.json"));
  std::stringstream s;
  s << in.rdbuf();
  return nlohmann::json::parse(s.str());
}

const char* const kHeadline[] = {"b_Intercept", "b_floor", "sd_county__Intercept", "sigma"};

/// Rates, ESS and R-hat; ok: the headline means within 0.03 of lme4 and, given a reference run,
/// within 5 sqrt(mcse^2 + mcse_ref^2) of it (without one: max R-hat < 1.01 too).
void finish(Point& p, const DrawSet& d, const RunInfo& info, const Point* ref_run) {
  p.seconds = info.warmup_seconds + info.sampling_seconds;
  p.grads = info.gradient_evaluations;
  p.grad_per_s = p.grads / std::max(p.seconds, 1e-9);
  const std::vector<diagnostics::Summary> s = diagnostics::summarize_all(d);
  p.min_ess = s[0].ess_bulk;
  for (const auto& x : s) {
    p.min_ess = std::min(p.min_ess, x.ess_bulk);
    p.max_rhat = std::max(p.max_rhat, x.rhat);
  }
  p.ok = true;
  if (!ref_run && !(p.max_rhat < 1.01)) {
    p.ok = false;
    p.why = "R-hat " + std::to_string(p.max_rhat);
  }
  const nlohmann::json ref = lme4();
  for (const char* name : kHeadline) {
    const diagnostics::Summary& x = s[d.param_index(name)];
    p.est[name] = {x.mean, x.mcse_mean};
    if (std::fabs(x.mean - ref[name].get<double>()) > 0.03) {
      p.ok = false;
      p.why += std::string(" ") + name + " " + std::to_string(x.mean) + " vs lme4";
    }
    if (ref_run) {
      const auto r = ref_run->est.at(name);
      if (std::fabs(x.mean - r.first) > 5 * std::sqrt(x.mcse_mean * x.mcse_mean + r.second * r.second)) {
        p.ok = false;
        p.why += std::string(" ") + name + " " + std::to_string(x.mean) + " vs reference " + std::to_string(r.first);
      }
    }
  }
}

template <class Model>
Point run_nuts(const Loaded<Model>& m, int chains, int warmup, int draws, const Point* ref = nullptr) {
  NutsConfig cfg;
  cfg.chains = chains;
  cfg.warmup = warmup;
  cfg.draws = draws;
  cfg.seed = 20240601;
  DrawSet d;
  RunInfo info;
  sample_nuts(m, cfg, d, info);
  Point p;
  p.sampler = "nuts";
  p.chains = chains;
  p.warmup = warmup;
  p.draws = draws;
  finish(p, d, info, ref);
  return p;
}

template <class Model>
Point run_chees(const Loaded<Model>& m, int chains, int warmup, int draws, const Point* ref = nullptr) {
  CheesConfig cfg;
  cfg.chains = chains;
  cfg.warmup = warmup;
  cfg.draws = draws;
  cfg.seed = 20240601;
  cfg.init_radius = 0.5;
  DrawSet d;
  RunInfo info;
  sample_chees(m, cfg, d, info);
  Point p;
  p.sampler = "chees";
  p.chains = chains;
  p.warmup = warmup;
  p.draws = draws;
  finish(p, d, info, ref);
  return p;
}

template <class Model>
Point run_hmc(const Loaded<Model>& m, int chains, int warmup, int draws, const Point* ref = nullptr) {
  HmcConfig cfg;
  cfg.chains = chains;
  cfg.warmup = warmup;
  cfg.draws = draws;
  cfg.steps = 10;
  cfg.seed = 20240601;
  DrawSet d;
  RunInfo info;
  sample_hmc(m, cfg, d, info);
  Point p;
  p.sampler = "hmc";
  p.chains = chains;
  p.warmup = warmup;
  p.draws = draws;
  finish(p, d, info, ref);
  return p;
}

nlohmann::json run_stan(bool cached) {
  if (std::system("command -v Rscript >/dev/null 2>&1") != 0) return {{"error", "Rscript not found"}};
  const std::string cmd = "cd '" + source_path("") + "' && Rscript bench/peers/stan_radon.R " +
                          "data/radon_mn.json 4 1000 1000 20240601 2" + (cached ? " --cache-dir=bench/peers/.cache" : "") +
                          " 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return {{"error", "cannot start Rscript"}};
  std::string out, last;
  std::array<char, 1 << 16> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), f) != nullptr) out += buf.data();
  pclose(f);
  std::istringstream lines(out);
  std::string line;
  while (std::getline(lines, line))
    if (line.find('{') != std::string::npos) last = line;
  if (last.empty()) return {{"error", "no output from stan_radon.R"}};
  try {
    return nlohmann::json::parse(last);
  } catch (const std::exception& e) {
    return {{"error", std::string("unparsable output: ") + e.what()}};
  }
}

/// PyMC's pm.sample or nutpie on the same model (bench/peers/pymc_nuts.py --diagnose): its JSON.
nlohmann::json run_pymc_peer(const std::string& sampler) {
  const std::string py = source_path("bench/peers/.venv/bin/python");
  if (std::ifstream(py).fail()) return {{"error", "bench/peers/.venv missing (bash bench/peers/install_python_peers.sh)"}};
  const std::string cmd = "cd '" + source_path("") + "' && '" + py + "' bench/peers/pymc_nuts.py --sampler " + sampler +
                          " --workload radon --data data/radon_mn.json --chains 4 --warmup 1000 --draws 1000" +
                          " --seed 20240601 --cores 2 --diagnose 2>/dev/null";
  FILE* f = popen(cmd.c_str(), "r");
  if (f == nullptr) return {{"error", "cannot start " + py}};
  std::string last;
  std::array<char, 1 << 16> buf{};
  while (std::fgets(buf.data(), static_cast<int>(buf.size()), f) != nullptr)
    if (std::string(buf.data()).find('{') != std::string::npos) last = buf.data();
  pclose(f);
  if (last.empty()) return {{"error", "no output from pymc_nuts.py"}};
  try {
    return nlohmann::json::parse(last);
  } catch (const std::exception& e) {
    return {{"error", std::string("unparsable output: ") + e.what()}};
  }
}

/// The check of finish() on a peer's JSON: the headline means within 0.03 of lme4 and within
/// 5 sqrt(mcse^2 + mcse_ref^2) of the reference run. Empty when they are.
std::string peer_check(const nlohmann::json& j, const Point& ref_run) {
  const nlohmann::json ref = lme4();
  std::string why;
  for (const char* name : kHeadline) {
    if (!j["means"].contains(name)) return std::string("no ") + name;
    const double m = j["means"][name].get<double>(), se = j["mcse"][name].get<double>();
    const auto r = ref_run.est.at(name);
    if (std::fabs(m - ref[name].get<double>()) > 0.03) why += std::string(" ") + name + " vs lme4";
    if (std::fabs(m - r.first) > 5 * std::sqrt(se * se + r.second * r.second)) why += std::string(" ") + name + " vs reference";
  }
  return why;
}

std::string fmt(double x, int prec = 3) {
  char b[64];
  std::snprintf(b, sizeof b, "%.*g", prec, x);
  return b;
}

}  // namespace

int main(int argc, char** argv) {
  bool quick = false, stan = true;
  std::string markdown;
  std::vector<int> chain_counts = {4, 64, 1024, 4096};
  for (int i = 1; i < argc; ++i) {
    const std::string a = argv[i];
    if (a == "--quick") {
      quick = true;
    } else if (a == "--no-stan") {
      stan = false;
    } else if (a == "--markdown" && i + 1 < argc) {
      markdown = argv[++i];
    } else if (a == "--chains" && i + 1 < argc) {
      chain_counts.clear();
      std::stringstream ss(argv[++i]);
      std::string item;
      while (std::getline(ss, item, ',')) chain_counts.push_back(std::stoi(item));
    } else {
      std::fprintf(stderr, "usage: glmm_radon [--quick] [--chains LIST] [--no-stan] [--markdown PATH]\n");
      return 2;
    }
  }
  if (quick) chain_counts = {64, 1024};  // --quick: about 2 minutes with Stan cached
  bench::print_machine(argc, argv);

  auto csv = load_data_file(source_path("data/radon_mn.csv"));
  ModelArgs gargs("glmm", kOptions, csv.get());
  const Loaded<models::Glmm> glmm = load_typed<models::Glmm>(gargs);
  auto json = load_json_data(source_path("data/radon_mn.json"));
  ModelArgs hargs("radon_handwritten", {}, json.get());
  const Loaded<bench_models::RadonHandwritten> hand = load_typed<bench_models::RadonHandwritten>(hargs);
  {  // the same density, evaluated on the host (so both models' data in host memory)
    backend::ScopedPlace on_host(backend::Place::kHost);
    auto host_csv = load_data_file(source_path("data/radon_mn.csv"));
    ModelArgs hg("glmm", kOptions, host_csv.get()), hh("radon_handwritten", {}, json.get());
    const Loaded<models::Glmm> glmm = load_typed<models::Glmm>(hg);
    const Loaded<bench_models::RadonHandwritten> hand = load_typed<bench_models::RadonHandwritten>(hh);
    std::vector<double> q(89), g1(89), g2(89);
    for (int i = 0; i < 89; ++i) q[i] = 0.01 * ((i * 37) % 41) - 0.2;
    const double a = glmm.model.log_density_and_grad(glmm.data, Dense<Real>{q.data()}, Dense<Real>{g1.data()});
    const double b = hand.model.log_density_and_grad(hand.data, Dense<Real>{q.data()}, Dense<Real>{g2.data()});
    q[0] += 0.1;
    const double a2 = glmm.model.log_density_and_grad(glmm.data, Dense<Real>{q.data()}, Dense<Real>{g1.data()});
    const double b2 = hand.model.log_density_and_grad(hand.data, Dense<Real>{q.data()}, Dense<Real>{g2.data()});
    double gap = std::fabs((a2 - a) - (b2 - b));
    for (int i = 0; i < 89; ++i) gap = std::max(gap, std::fabs(g1[i] - g2[i]) / std::max(1.0, std::fabs(g2[i])));
    if (gap > 1e-9) {
      std::fprintf(stderr, "glmm and the hand-written radon disagree (gap %g)\n", gap);
      return 1;
    }
  }

  std::ostringstream md;
  md << "### glmm: radon (log_radon ~ 1 + floor + (1 | county), 919 rows, 85 counties)\n\n";
  md << "Command: `build/glmm_radon" << (quick ? " --quick" : "") << "`; machine: " << bench::cpu_model()
     << ", load " << bench::load_average() << ".\n\n";

  // 1. gradients per second, glmm against the hand-written model.
  const int gchains = quick ? 256 : 1024, gw = quick ? 100 : 200, gd = quick ? 100 : 200;
  const Point hg = run_hmc(glmm, gchains, gw, gd);
  const Point hh = run_hmc(hand, gchains, gw, gd);
  md << "Gradient evaluations per second (static HMC, 10 steps, " << gchains << " chains, " << gw << " + " << gd
     << " iterations):\n\n| model | gradients/s | glmm / hand-written |\n|---|---:|---:|\n";
  md << "| glmm (general formula) | " << fmt(hg.grad_per_s) << " | " << fmt(hg.grad_per_s / hh.grad_per_s, 2) << " |\n";
  md << "| radon written by hand | " << fmt(hh.grad_per_s) << " | 1 |\n\n";
  std::fprintf(stderr, "gradients/s: glmm %.4g, hand-written %.4g (ratio %.2f)\n", hg.grad_per_s, hh.grad_per_s,
               hg.grad_per_s / hh.grad_per_s);

  // 2. Validation: the reference run.
  const Point reference = run_nuts(glmm, 64, 1000, 1000);
  std::fprintf(stderr, "validation (NUTS 64 x 1000 + 1000): %s, max R-hat %.4f%s\n", reference.ok ? "ok" : "FAILED",
               reference.max_rhat, reference.why.c_str());
  // 3. ESS per second.
  std::vector<Point> points;
  for (int c : chain_counts) {
    std::vector<Point> here;
    if (c <= 64) here.push_back(run_nuts(glmm, c, 1000, 1000, &reference));
    if (c >= 64) here.push_back(run_chees(glmm, c, 200, c <= 64 ? 400 : c <= 1024 ? 200 : 100, &reference));
    for (const Point& p : here) {
      std::fprintf(stderr, "%s %d chains: min ESS %.0f in %.2f s = %.4g ESS/s, %.4g grad/s, R-hat %.3f%s\n",
                   p.sampler.c_str(), p.chains, p.min_ess, p.seconds, p.ess_per_s(), p.grad_per_s, p.max_rhat,
                   p.ok ? "" : (" FAIL:" + p.why).c_str());
      points.push_back(p);
    }
  }
  double stan_ess_s = 0;
  nlohmann::json s;
  if (stan) {
    s = run_stan(quick);
    if (!s.contains("error")) stan_ess_s = s["ess_bulk_per_second"].get<double>();
  }
  md << "Validation: NUTS 64 chains x (1000 + 1000): " << (reference.ok ? "ok" : "FAILED " + reference.why)
     << ", max R-hat " << fmt(reference.max_rhat, 4) << "; its means are the reference of the runs below.\n\n";
  md << "Min bulk ESS per second of wall clock, warmup included (all 89 outputs; ok: the means of b_Intercept, b_floor, "
        "sd_county__Intercept and sigma within 0.03 of lme4's REML fit and within 5 MCSE of the reference):\n\n";
  md << "| sampler | chains | warmup + draws | seconds | min ESS | ESS/s | gradients/s | max R-hat | ok | vs Stan |\n";
  md << "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|\n";
  double best = 0;
  for (const Point& p : points) {
    if (p.ok) best = std::max(best, p.ess_per_s());
    md << "| lockstep " << p.sampler << " | " << p.chains << " | " << p.warmup << " + " << p.draws << " | "
       << fmt(p.seconds) << " | " << fmt(p.min_ess, 4) << " | " << fmt(p.ess_per_s(), 4) << " | " << fmt(p.grad_per_s)
       << " | " << fmt(p.max_rhat, 4) << " | " << (p.ok ? "yes" : "no:" + p.why) << " | "
       << (stan_ess_s > 0 ? fmt(p.ess_per_s() / stan_ess_s, 3) + "x" : "-") << " |\n";
  }
  if (stan) {
    if (s.contains("error")) {
      md << "| rstan | - | - | - | - | - | - | - | " << s["error"].get<std::string>() << " | - |\n";
    } else {
      md << "| rstan " << s["stan_version"].get<std::string>() << " NUTS | 4 | 1000 + 1000 | "
         << fmt(s["sampling_seconds"].get<double>()) << " | " << fmt(s["min_ess_bulk"].get<double>(), 4) << " | "
         << fmt(stan_ess_s, 4) << " | " << fmt(s["grad_evals_per_second"].get<double>()) << " | "
         << fmt(s["max_rhat"].get<double>(), 4) << " | yes | 1x |\n";
      md << "\nStan: compile " << fmt(s["compile_seconds"].get<double>()) << " s (excluded"
         << (s["compile_cached"].get<bool>() ? "; cached model loaded" : "") << "), its chains' own time "
         << fmt(s["stan_chain_seconds_total"].get<double>()) << " s. Best lockstep / Stan: " << fmt(best / stan_ess_s, 3)
         << "x (target 30x).\n";
    }
  }
  if (stan) {  // PyMC and nutpie, same table layout
    md << "\n| peer | chains | warmup + draws | sampling s | min ESS | ESS/s | gradients/s | max R-hat | ok | vs Stan | compile s (excluded) |\n";
    md << "|---|---:|---:|---:|---:|---:|---:|---:|---|---:|---:|\n";
    for (const char* peer : {"nutpie", "pymc"}) {
      const nlohmann::json j = run_pymc_peer(peer);
      if (j.contains("error")) {
        md << "| " << peer << " | - | - | - | - | - | - | - | " << j["error"].get<std::string>() << " | - | - |\n";
        continue;
      }
      const std::string why = peer_check(j, reference);
      const double ess_s = j["ess_bulk_per_second"].get<double>();
      md << "| " << peer << " " << j["versions"].value(peer, j["versions"].value("pymc", "")) << " NUTS | 4 | 1000 + 1000 | "
         << fmt(j["sampling_seconds"].get<double>()) << " | " << fmt(j["min_ess_bulk"].get<double>(), 4) << " | "
         << fmt(ess_s, 4) << " | " << fmt(j["grad_evals_per_second"].get<double>()) << " | "
         << fmt(j["max_rhat"].get<double>(), 4) << " | " << (why.empty() ? "yes" : "no:" + why) << " | "
         << (stan_ess_s > 0 ? fmt(ess_s / stan_ess_s, 3) + "x" : "-") << " | " << fmt(j["compile_seconds"].get<double>())
         << " |\n";
      std::fprintf(stderr, "%s: min ESS %.0f in %.2f s = %.4g ESS/s; best lockstep / %s = %.3g\n", peer,
                   j["min_ess_bulk"].get<double>(), j["sampling_seconds"].get<double>(), ess_s, peer,
                   ess_s > 0 ? best / ess_s : 0.0);
    }
  }
  md << "\n";
  std::printf("%s", md.str().c_str());
  if (!markdown.empty()) std::ofstream(markdown) << md.str();
  return reference.ok ? 0 : 1;
}
