// Variational inference on the seeds' radon GLMM (a TensorFlow Probability notebook's model:
// sigma fixed to 1, county scale half-normal(1), Intercept and floor normal(0, 1), centered
// county effects): time to the answer of lockstep vi against lockstep NUTS.
//
//   build/vi_radon [--quick] [--markdown PATH]
//
// --markdown PATH: also writes the results as a markdown section (bench/run_all's report).
//
// 1. Validation first: the NUTS reference (tests/fixtures/vi/radon_tfp_nuts.json) and one
//    mean-field fit as the seed (Adam lr 1e-2, 3000 steps, 2 points per step): its fixed effects
//    must be within 0.05 of NUTS (exit status 1 otherwise).
// 2. Timing (best of 3; --quick: 1): mean-field at 1 and 64 fits side by side, full-rank at 1
//    fit, 3000 steps, 2 points; wall time, steps/s, gradient evaluations/s.
// 3. Time to the answer, whole runs (vi: optimization and 1000 draws; NUTS: warmup and draws), best
//    of 3: vi mean-field with Stan's stopping rule (--tol-rel-obj 0.01) and with 500 .. 3000
//    steps; lockstep NUTS on the same model (non-centered, the same posterior), 4 chains,
//    (warmup + draws) = (100 + 100) .. (1000 + 1000; not with --quick). The fastest vi run and
//    the shortest NUTS run whose fixed effects are within 0.05 of the reference: NUTS / vi.
#include <algorithm>
#include <chrono>
#include <cmath>
#include <cstdarg>
#include <cstdio>
#include <cstring>
#include <fstream>
#include <map>
#include <sstream>
#include <string>

#include <nlohmann/json.hpp>

#include "bench/bench_common.hpp"
#include "host/algorithms/nuts/nuts_config.hpp"
#include "host/algorithms/vi/vi_config.hpp"
#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/io/csv_data.hpp"
#include "host/registry/any_model.hpp"

using namespace lockstep;

namespace {

/// The built-in glmm from the model table: the benchmark times the library's compiled ADVI and
/// NUTS, the code `lockstep vi` and `lockstep sample` run.
std::unique_ptr<AnyModel> radon(const std::string& parameterization, const DataSource* data) {
  const std::map<std::string, std::string> o = {
      {"formula", "log_radon ~ 1 + floor + (1 | county)"},
      {"prior", "Intercept ~ normal(0, 1)\nb ~ normal(0, 1)\nsd ~ half_normal(0, 1)"},
      {"sigma", "1"},
      {"parameterization", parameterization}};
  ModelArgs args("glmm", o, data);
  return load_model("glmm", args);
}

std::string md;  // the markdown section (--markdown)

void add(const char* fmt, ...) __attribute__((format(printf, 1, 2)));
void add(const char* fmt, ...) {
  char buf[1024];
  va_list ap;
  va_start(ap, fmt);
  std::vsnprintf(buf, sizeof buf, fmt, ap);
  va_end(ap);
  md += buf;
}

double seconds_since(std::chrono::steady_clock::time_point t0) {
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - t0).count();
}

}  // namespace

int main(int argc, char** argv) {
  if (!bench::device_ready(argv[0])) return backend::kSkipExitCode;
  bool quick = false;
  std::string markdown;
  for (int i = 1; i < argc; ++i) {
    if (std::strcmp(argv[i], "--quick") == 0) quick = true;
    else if (std::strcmp(argv[i], "--markdown") == 0 && i + 1 < argc) markdown = argv[++i];
  }
  bench::print_machine(argc, argv);
  std::printf("# load average: %s\n", bench::load_average().c_str());
  auto data = load_data_file(bench::source_path("data/radon_mn.csv"));
  const auto centered = radon("centered", data.get());
  std::ifstream in(bench::source_path("tests/fixtures/vi/radon_tfp_nuts.json"));
  const nlohmann::json ref = nlohmann::json::parse(in);
  const double ra = ref["b_Intercept"]["mean"], rb = ref["b_floor"]["mean"], rs = ref["sd_county__Intercept"]["mean"];
  std::printf("# reference (NUTS, %s): Intercept %.4f, floor %.4f, county scale %.4f\n",
              ref["made_by"].get<std::string>().c_str(), ra, rb, rs);

  // 1. Validation.
  ViConfig c;
  c.family = vi::Family::kMeanField;
  c.learning_rate = 0.01;
  c.steps = 3000;
  c.samples = 2;
  c.tol_rel_obj = 0;
  c.seed = 1;
  c.draws = 1000;
  ViReport r;
  c.report = &r;
  DrawSet d;
  RunInfo info;
  centered->run_config("vi", &c, d, info, nullptr);
  const double va = r.theta[0][0], vb = r.theta[0][1], vs = std::exp(r.theta[0][2]);
  std::printf("validation: vi mean-field Intercept %.4f (NUTS %.4f, seed 1.435), floor %.4f (NUTS %.4f, seed -0.670), "
              "county scale %.4f (NUTS %.4f, seed 0.287)\n", va, ra, vb, rb, vs, rs);
  add("Model: the seeds' TFP radon GLMM (glmm, centered, sigma = 1, Intercept and b ~ normal(0, 1), sd ~ "
      "half_normal(0, 1)); mean-field, Adam lr 1e-2, 3000 steps, 2 points per step. Machine load: %s.\n\n"
      "Validation: Intercept %.4f (NUTS %.4f, seed 1.435), floor %.4f (NUTS %.4f, seed -0.670), county scale "
      "exp(mu) %.4f (NUTS posterior mean %.4f, seed 0.287).\n\n",
      bench::load_average().c_str(), va, ra, vb, rb, vs, rs);
  const bool valid = std::fabs(va - ra) <= 0.05 && std::fabs(vb - rb) <= 0.05;
  if (!valid) {
    std::printf("# VALIDATION FAILED: fixed effects not within 0.05 of NUTS\n");
    add("**VALIDATION FAILED: fixed effects not within 0.05 of NUTS; the timings below do not count.**\n\n");
    if (!markdown.empty()) {
      std::ofstream(markdown) << md;
    }
    return 1;
  }
  add("| approx | fits | steps | wall s | steps/s | gradient evals/s | best ELBO |\n|---|---|---|---|---|---|---|\n");

  // 2. Timing.
  std::printf("\n%-10s %5s %6s %10s %10s %14s %14s\n", "approx", "fits", "steps", "wall s", "steps/s", "grad evals/s",
              "ELBO (best)");
  double vi_wall = 0;
  for (vi::Family f : {vi::Family::kMeanField, vi::Family::kFullRank})
    for (int fits : {1, 64}) {
      // Full-rank at 64 fits: 64 x 3916 parameters of host Adam per step (minutes on 2 loaded cores).
      if (fits > 1 && f == vi::Family::kFullRank) continue;
      ViConfig t = c;
      t.family = f;
      t.fits = fits;
      double best = 1e300;
      const int reps = quick ? 1 : 3;
      for (int rep = 0; rep < reps; ++rep) {
        ViReport rr;
        t.report = &rr;
        DrawSet dd;
        RunInfo ii;
        centered->run_config("vi", &t, dd, ii, nullptr);
        best = std::min(best, rr.optimize_seconds);
        if (rep == reps - 1) {
          std::printf("%-10s %5d %6d %10.4f %10.4g %14.4g %14.6g\n", vi::family_name(f), fits, t.steps, best,
                      t.steps / best, static_cast<double>(rr.gradient_evaluations) / best,
                      rr.final_elbo[rr.best_fit]);
          add("| %s | %d | %d | %.4f | %.4g | %.4g | %.6g |\n", vi::family_name(f), fits, t.steps, best, t.steps / best,
              static_cast<double>(rr.gradient_evaluations) / best, rr.final_elbo[rr.best_fit]);
        }
      }
      if (f == vi::Family::kMeanField && fits == 1) vi_wall = best;
    }

  // 3. Time to the answer: the whole run (optimization and 1000 draws; warmup and draws), best of
  //    `reps`, of the shortest run of each method whose fixed effects are within 0.05 of NUTS.
  const int reps = quick ? 1 : 3;
  auto fixed_effects_within = [&](const DrawSet& dd) {
    const double a = diagnostics::summarize(diagnostics::chains_of(dd, 0)).mean;
    const double b = diagnostics::summarize(diagnostics::chains_of(dd, 1)).mean;
    return std::make_pair(std::fabs(a - ra) <= 0.05 && std::fabs(b - rb) <= 0.05, std::make_pair(a, b));
  };
  auto best_wall = [&](AnyModel& model, const char* algorithm, const void* config, DrawSet& dd) {
    double best = 1e300;
    for (int rep = 0; rep < reps; ++rep) {
      RunInfo ii;
      const auto t0 = std::chrono::steady_clock::now();
      model.run_config(algorithm, config, dd, ii, nullptr);
      best = std::min(best, seconds_since(t0));
    }
    return best;
  };

  // vi: Stan's stopping rule (relative ELBO change below 0.01, mean or median over the window,
  // ELBO from 100 points every 100 steps) within the 3000-step budget, then fixed budgets.
  std::printf("\n%-34s %10s %6s %10s %10s %8s\n", "lockstep vi mean-field, 2 points", "wall s", "steps", "Intercept",
              "floor", "within");
  add("\n| lockstep vi mean-field, 2 points, 1 fit (run: optimization + 1000 draws) | wall s | steps | Intercept | floor | "
      "within 0.05 |\n|---|---|---|---|---|---|\n");
  double vi_answer = 0;
  std::string vi_answer_what;
  for (int steps : {0, 500, 1000, 2000, 3000}) {
    ViConfig t = c;
    t.steps = steps > 0 ? steps : 3000;
    t.tol_rel_obj = steps > 0 ? 0 : 0.01;
    ViReport rr;
    t.report = &rr;
    DrawSet dd;
    const double wall = best_wall(*centered, "vi", &t, dd);
    const auto fe = fixed_effects_within(dd);
    char what[96];
    std::snprintf(what, sizeof what, steps > 0 ? "%d steps" : "--tol-rel-obj 0.01 (stopped at %d)",
                  steps > 0 ? steps : rr.steps_run[rr.best_fit]);
    std::printf("%-34s %10.4f %6d %10.4f %10.4f %8s   (last run: optimization %.4f s, draws %.4f s)\n", what, wall,
                rr.steps_run[rr.best_fit], fe.second.first, fe.second.second, fe.first ? "yes" : "no",
                rr.optimize_seconds, rr.draw_seconds);
    add("| %s | %.4f | %d | %.4f | %.4f | %s |\n", what, wall, rr.steps_run[rr.best_fit], fe.second.first,
        fe.second.second, fe.first ? "yes" : "no");
    if (fe.first && (vi_answer == 0 || wall < vi_answer)) {
      vi_answer = wall;
      vi_answer_what = what;
    }
  }

  // lockstep NUTS on the non-centered model (the same posterior), 4 chains.
  const auto noncentered = radon("noncentered", data.get());
  std::printf("\n%-34s %10s %10s %10s %8s\n", "lockstep NUTS, 4 chains", "wall s", "Intercept", "floor", "within");
  add("\n| lockstep NUTS, 4 chains (non-centered) | wall s | Intercept | floor | within 0.05 |\n|---|---|---|---|---|\n");
  double nuts_wall = 0;
  for (int n : {100, 150, 300, 1000}) {
    if (quick && n == 1000) break;
    NutsConfig nc;
    nc.chains = 4;
    nc.warmup = n;
    nc.draws = n;
    nc.seed = 3;
    DrawSet nd;
    const double wall = best_wall(*noncentered, "nuts", &nc, nd);
    const auto fe = fixed_effects_within(nd);
    std::printf("%4d warmup + %4d draws %19.4f %10.4f %10.4f %8s\n", n, n, wall, fe.second.first, fe.second.second,
                fe.first ? "yes" : "no");
    add("| %d warmup + %d draws | %.4f | %.4f | %.4f | %s |\n", n, n, wall, fe.second.first, fe.second.second,
        fe.first ? "yes" : "no");
    if (fe.first && nuts_wall == 0) nuts_wall = wall;
  }
  if (vi_answer == 0 || nuts_wall == 0) {
    std::printf("\nno vi or no NUTS run reached the fixed effects within 0.05: no time to the answer\n");
    add("\nNo vi or no NUTS run reached the fixed effects within 0.05: no time to the answer.\n");
  } else {
    std::printf("\ntime to the answer (fixed effects within 0.05): vi %.4f s (%s), NUTS %.4f s; NUTS / vi = %.1fx "
                "(target >= 10x); vi optimization alone at 3000 steps %.4f s\n", vi_answer, vi_answer_what.c_str(),
                nuts_wall, nuts_wall / vi_answer, vi_wall);
    add("\nTime to the answer (fixed effects within 0.05, whole runs, best of %d): lockstep vi %.4f s (%s), lockstep "
        "NUTS %.4f s: **NUTS / vi = %.1fx** (target >= 10x). The seed's 3000 steps: optimization %.4f s.\n", reps,
        vi_answer, vi_answer_what.c_str(), nuts_wall, nuts_wall / vi_answer, vi_wall);
  }
  if (!markdown.empty()) std::ofstream(markdown) << md;
  bench::print_launch_shapes();
  return 0;
}
