#include "host/cli/predictive.hpp"

#include <algorithm>
#include <cmath>
#include <cstdio>
#include <limits>

#include "host/io/csv_data.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace cli {

void check_predict_capability(const std::string& model_name) {
  require_capability(find_model(model_name), Capability::kGeneratedQuantities, "--predict");
}

void check_predict_replicates(const AnyModel& model, const std::string& model_name) {
  if (model.observed().empty())
    throw InputError("--predict: the generated quantities of model '" + model_name + "' do not replicate its data");
}

std::unique_ptr<AnyModel> newdata_rows(const AnyModel& model, bool predict, const std::string& path,
                                       const DataSource* in_memory) {
  if (path.empty() && !in_memory) return nullptr;
  if (!predict) throw InputError("--newdata: give --predict too");
  if (!path.empty() && in_memory) throw InputError("--newdata: give the rows in memory or as a file, not both");
  std::unique_ptr<DataSource> file;
  if (!path.empty()) file = load_data_file(path);
  const DataSource& rows = in_memory ? *in_memory : *file;
  std::unique_ptr<AnyModel> out = model.with_newdata(rows);
  if (out->generated_names().empty()) throw InputError(rows.origin() + ": --newdata: no rows to predict");
  for (const std::string& note : out->notes()) std::fprintf(stderr, "lockstep: note: %s\n", note.c_str());
  return out;
}

void add_posterior_predictive(const AnyModel& model, std::uint64_t seed, DrawSet& draws, const AnyModel* rows) {
  if (!model.has(Capability::kGeneratedQuantities) || model.observed().empty())
    throw InputError("--predict: model '" + model.info().name +
                     "' has no generated quantities that replicate its data (see `lockstep models`)");
  const AnyModel& gq = rows ? *rows : model;
  const int n_gen = static_cast<int>(gq.generated_names().size());
  const int n_par = draws.n_parameters(), dim = model.dim();
  const int C = draws.n_chains, D = draws.n_draws, W = draws.n_warmup_saved;
  std::vector<double> values(static_cast<std::size_t>(n_gen) * C * D, std::numeric_limits<double>::quiet_NaN());
  // A slab of chains at a time: at most about 2^20 draws per launch.
  const int per = std::max(1, D);
  const int slab = std::max(1, (1 << 20) / per);
  std::vector<double> outputs(static_cast<std::size_t>(n_par));
  for (int c0 = 0; c0 < C; c0 += slab) {
    const int nc = std::min(slab, C - c0);
    std::vector<double> q;
    std::vector<std::uint32_t> chain;
    std::vector<std::uint64_t> iteration;
    q.reserve(static_cast<std::size_t>(nc) * per * dim);
    for (int c = c0; c < c0 + nc; ++c)
      for (int k = 0; k < D; ++k) {
        for (int p = 0; p < n_par; ++p) outputs[p] = draws.series(p, c)[k];
        const std::vector<double> u = model.unconstrain(outputs);
        q.insert(q.end(), u.begin(), u.end());
        chain.push_back(static_cast<std::uint32_t>(c));
        iteration.push_back(k >= W ? static_cast<std::uint64_t>(k - W) : kWarmupPredictiveIteration + static_cast<std::uint64_t>(k));
      }
    const std::vector<double> y = gq.generated_quantities_many(q, seed, chain, iteration);
    std::size_t at = 0;
    for (int c = c0; c < c0 + nc; ++c)
      for (int k = 0; k < D; ++k, ++at)
        for (int i = 0; i < n_gen; ++i)
          values[draw_offset(i, c, k, C, D)] = y[at * n_gen + i];
  }
  draws.names.insert(draws.names.end(), gq.generated_names().begin(), gq.generated_names().end());
  draws.values.insert(draws.values.end(), values.begin(), values.end());
  draws.n_predictive = n_gen;
  draws.observed_name = gq.observed_name();
  draws.observed = gq.observed();
  if (rows != nullptr) {
    // New rows (--newdata) are not the fitted ones: their dimension is the rows model's (Eight
    // Schools' new schools: y_dim_0, not the fitted `school` that theta is indexed by).
    auto& dims = draws.dims;
    dims.erase(std::remove_if(dims.begin(), dims.end(), [&](const auto& d) { return d.first == draws.observed_name; }),
               dims.end());
    for (const auto& d : gq.dims())
      if (d.first == draws.observed_name) dims.push_back(d);
  }
}

std::vector<double> data_statistics(const double* y, int n, int stride) {
  double sum = 0, lo = y[0], hi = y[0];
  for (int i = 0; i < n; ++i) {
    const double v = y[static_cast<std::size_t>(i) * stride];
    sum += v;
    lo = std::min(lo, v);
    hi = std::max(hi, v);
  }
  const double mean = sum / n;
  double ss = 0;
  for (int i = 0; i < n; ++i) {
    const double e = y[static_cast<std::size_t>(i) * stride] - mean;
    ss += e * e;
  }
  return {mean, n > 1 ? std::sqrt(ss / (n - 1)) : 0.0, lo, hi};
}

std::vector<PpcStatistic> posterior_predictive_p_values(const DrawSet& draws) {
  const int N = draws.n_predictive, P = draws.n_parameters();
  std::vector<PpcStatistic> out = {{"mean"}, {"sd"}, {"min"}, {"max"}};
  if (N <= 0 || draws.observed.size() != static_cast<std::size_t>(N)) return {};
  const std::vector<double> t_obs = data_statistics(draws.observed.data(), N);
  std::vector<double> sum(4, 0), sum2(4, 0), above(4, 0);
  long n = 0;
  std::vector<double> y(static_cast<std::size_t>(N));
  for (int c = 0; c < draws.n_chains; ++c)
    for (int k = draws.n_warmup_saved; k < draws.n_draws; ++k, ++n) {
      for (int i = 0; i < N; ++i) y[i] = draws.series(P + i, c)[k];
      const std::vector<double> t = data_statistics(y.data(), N);
      for (int s = 0; s < 4; ++s) {
        sum[s] += t[s];
        sum2[s] += t[s] * t[s];
        above[s] += t[s] >= t_obs[s];
      }
    }
  for (int s = 0; s < 4; ++s) {
    out[s].observed = t_obs[s];
    out[s].rep_mean = sum[s] / n;
    out[s].rep_sd = n > 1 ? std::sqrt(std::max(0.0, (sum2[s] - n * out[s].rep_mean * out[s].rep_mean) / (n - 1))) : 0.0;
    out[s].p_value = above[s] / n;
  }
  return out;
}

void print_ppc(std::ostream& out, const DrawSet& draws, const std::vector<PpcStatistic>& stats) {
  char line[256];
  if (stats.empty()) {
    std::snprintf(line, sizeof line,
                  "Posterior predictive draws: %d x %d replications y_rep[1..%d] of new rows (no observed %s: no "
                  "p-values)\n",
                  draws.n_chains, draws.n_draws - draws.n_warmup_saved, draws.n_predictive, draws.observed_name.c_str());
    out << line;
    return;
  }
  std::snprintf(line, sizeof line, "Posterior predictive checks: %s (%d values) against %d x %d replications %s[1..%d]\n",
                draws.observed_name.c_str(), draws.n_predictive, draws.n_chains, draws.n_draws - draws.n_warmup_saved,
                "y_rep", draws.n_predictive);
  out << line;
  out << "  statistic      observed    y_rep mean      y_rep sd   p = Pr(T(y_rep) >= T(y))\n";
  for (const PpcStatistic& s : stats) {
    std::snprintf(line, sizeof line, "  %-9s %13.5g %13.5g %13.5g   %.3f\n", s.name.c_str(), s.observed, s.rep_mean,
                  s.rep_sd, s.p_value);
    out << line;
  }
  out << "  (p near 0 or 1: the model does not reproduce that feature of the data)\n";
}

}  // namespace cli
}  // namespace lockstep
