#pragma once
// glmm: hierarchical (multilevel) regression from a table and a formula, in lme4 / brms syntax.
//
//   lockstep sample glmm --data data/radon_mn.csv
//       --formula "log_radon ~ 1 + floor + (1 | county)" --family gaussian
//       --prior "Intercept ~ normal(0, 10)" --prior "sd ~ half_normal(0, 1)"
//
// The pieces, each in its own header:
//   models/glmm/formula.hpp  the formula language and its expansion into terms (R's terms())
//   models/glmm/design.hpp   the design on the data: R's model.matrix coding, factor levels,
//                            varying-effect terms, missing values
//   models/glmm/priors.hpp   brms's prior classes and distributions, with their log densities
//   models/glmm/family.hpp   the response families: row log-likelihoods, response checks
//   models/glmm/density.hpp  the log density and gradient (the derivation is written there)
//   models/glmm/simulate.hpp prior draws, simulated data sets, posterior predictive y_rep
// This file is the model of the contract (docs/model_contract.md): options, loading, names,
// the inverse transform and the --print-model text.
//
// Flags: --formula F, --family NAME (gaussian, bernoulli, binomial, poisson: canonical links,
// models/glmm/family.hpp; the binomial's trials in the formula, `successes | trials(n) ~ ...`),
// --prior "class ~ dist" (repeatable); offset(x) and offset(log(x)) terms add known values to
// the linear predictor (a Poisson's exposure); trials(10) gives every row 10 trials. Options (--set): parameterization=
// noncentered|centered, sigma=VALUE (fix the residual scale), na=error|drop.
//
// Output names (brms's): b_Intercept, b_floor, b_height:male; sd_county__Intercept; sigma;
// r_county[3,Intercept] (level labels as in the data; brms's renaming drops brackets, commas,
// spaces and quotes from labels and column names).
#include <algorithm>
#include <cmath>
#include <map>
#include <memory>
#include <sstream>
#include <string>
#include <utility>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_args.hpp"
#include "models/contract/model_info.hpp"
#include "models/glmm/density.hpp"
#include "models/glmm/design.hpp"
#include "models/glmm/formula.hpp"
#include "models/glmm/newdata.hpp"
#include "models/glmm/family.hpp"
#include "models/glmm/priors.hpp"
#include "models/glmm/simulate.hpp"

namespace lockstep {
namespace models {

namespace glmm {

/// What the host keeps of a loaded glmm (Loaded::host): for --print-model and messages.
struct GlmmHost {
  std::string formula, family, parameterization, origin;
  Design design;  // the design (values included)
  std::vector<PriorSpec> priors;           // per prior'd parameter: b, sd, sigma
  std::vector<std::string> prior_source;   // "Intercept", "b", "(default)", ...
  std::vector<std::string> sd_names;       // sd_county__Intercept, ...
  double sigma_fixed = 0;                  // > 0: fixed
  bool na_drop = false;                    // --set na=drop
};

inline double median_of(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  const std::size_t n = v.size();
  return n % 2 ? v[n / 2] : 0.5 * (v[n / 2 - 1] + v[n / 2]);
}

inline double round1(double x) { return std::round(x * 10.0) / 10.0; }

}  // namespace glmm

struct Glmm {
  using Data = glmm::GlmmData;

  LS_HD int dim(const Data& d) const { return d.dim; }
  LS_HD int n_out(const Data& d) const { return d.n_out; }

  /// NUTS in gangs (kernels/nuts/nuts_gang.hpp) for the shape whose SIMD rows across chains
  /// beat one chain's rows by far: a gaussian response with random intercepts only, 32 or more
  /// parameters (radon's (1 | county): 1.1e6 gradients/s against 0.94e6). Slopes, discrete
  /// families and narrow models run one chain per lane, which was as fast or faster there
  /// (radon (1 + floor | county): 2.3e5 in gangs against 3.4e5; bench/RESULTS.md).
  bool nuts_gangs(const Data& d) const { return d.family == glmm::kGaussian && d.simple_blocks != 0 && d.dim >= 32; }

  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const -> typename V::value_type {
    return glmm::glmm_log_density_and_grad(d, q, g);
  }

  template <class V, class O>
  LS_HD void write_out(const Data& d, V q, O out) const {
    glmm::glmm_write_out(d, q, out);
  }

  /// Prior draws, simulated data sets and posterior predictive replications
  /// (models/glmm/simulate.hpp).
  template <class V>
  LS_HD void prior_draw(const Data& d, const Rng& rng, std::uint64_t iteration, V theta) const {
    glmm::glmm_prior_draw(d, rng, iteration, theta);
  }
  LS_HD int n_simulated(const Data& d) const { return d.N; }
  template <class V, class O>
  LS_HD void simulate(const Data& d, V theta, const Rng& rng, std::uint64_t iteration, O out) const {
    glmm::glmm_simulate(d, theta, rng, iteration, out);
  }
  LS_HD int n_generated(const Data& d) const { return d.N; }
  template <class V, class O>
  LS_HD void generated_quantities(const Data& d, V q, const Rng& rng, std::uint64_t iteration, O out) const {
    glmm::glmm_generated(d, q, rng, iteration, out);
  }

  /// Another response of the same rows (SBC's simulated data sets): the design, trials and
  /// priors (brms's defaults included, computed from the data the model was loaded with) stay.
  LS_HD static void set_observed(Data& d, const Real* y) { d.y = y; }

  /// The model of new rows (`sample --predict --newdata FILE`; models/glmm/newdata.hpp): the
  /// fit's parameters, priors and levels, the new rows' design; uploads go to `store`.
  static Loaded<Glmm> for_newdata(const Loaded<Glmm>& fit, const DataSource& src, DataStore& store) {
    using namespace glmm;
    const auto& h = *static_cast<const GlmmHost*>(fit.host.get());
    const Design& fd = h.design;
    const Formula formula = parse_formula(h.formula);
    const bool has_response = src.has_column(formula.response);
    // A new row with a missing cell cannot be predicted, whatever the fit's --set na (dropping it
    // would leave y_rep columns that no longer match the table's rows): one line naming the row
    // and the column. A missing response is refused too: leave the column out to predict without
    // observed values.
    for (const auto& kv : fd.columns) {
      if (!src.has_column(kv.first)) continue;
      const TableColumn c = src.column(kv.first);
      for (long r = 0; r < c.size(); ++r)
        if (c.cell[r] == TableColumn::kMissing)
          throw InputError(src.origin() + ": --newdata: " + src.row_label(r) + ", column '" + kv.first +
                           "': missing value (" +
                           (kv.first == formula.response ? "leave the response column out to predict rows without observed values"
                                                         : "every row to predict needs the formula's columns") + ")");
    }
    const AppendedTable table(fd.columns, src, formula.response);
    const Design u = build_design(formula, table, h.na_drop);
    const std::string flag = src.origin() + ": --newdata: ";
    std::vector<std::size_t> mine;  // the union's kept rows that are new rows
    for (std::size_t i = 0; i < u.rows.size(); ++i)
      if (u.rows[i] >= fd.rows_in_file) mine.push_back(i);
    const long n_new = table.rows_of_extra();
    if (static_cast<long>(mine.size()) != n_new)
      throw InputError(flag + std::to_string(n_new - static_cast<long>(mine.size())) + " rows have missing values");
    if (u.fixed.names != fd.fixed.names) {
      std::string a, b;
      for (const auto& x : fd.fixed.names) a += (a.empty() ? "" : ", ") + x;
      for (const auto& x : u.fixed.names) b += (b.empty() ? "" : ", ") + x;
      throw InputError(flag + "the fixed-effect columns differ from the fit's (a factor level the fit has not seen?): "
                       "fit " + a + "; with the new rows " + b);
    }
    const Data& d0 = fit.data;
    const int N = static_cast<int>(mine.size()), P = d0.P, R = d0.R;
    std::vector<double> y(N), trials(N, 1.0), offset(u.offset.empty() ? 0 : N), X(static_cast<std::size_t>(N) * P), Z(static_cast<std::size_t>(N) * d0.Ktot);
    std::vector<long> base(static_cast<std::size_t>(N) * R);
    int next_new = 0;
    std::map<std::pair<std::size_t, std::string>, int> new_levels;
    for (int n = 0; n < N; ++n) {
      const std::size_t i = mine[n];
      y[n] = u.y[i];
      if (!u.trials.empty()) trials[n] = u.trials[i];
      if (!u.offset.empty()) offset[n] = u.offset[i];
      if (has_response || !u.trials.empty()) {
        const std::string why = has_response ? response_problem(h.family, y[n], u.trials.empty() ? -1 : trials[n])
                                             : trials_problem(trials[n]);
        if (!why.empty()) throw InputError(flag + table.row_label(u.rows[i]) + ": " + why);
      }
      for (int j = 0; j < P; ++j) X[static_cast<std::size_t>(n) * P + j] = u.fixed.values[j][i];
      int col = 0, z0 = d0.z_at;
      for (int r = 0; r < R; ++r) {
        const GroupBlock& fb = fd.blocks[r];
        const GroupBlock& ub = u.blocks[r];
        const int K = static_cast<int>(fb.effects.size());
        if (ub.effects.names != fb.effects.names)
          throw InputError(flag + "the varying effects of '" + fb.group + "' differ from the fit's (a factor level the "
                           "fit has not seen?)");
        for (int k = 0; k < K; ++k) Z[static_cast<std::size_t>(n) * d0.Ktot + col + k] = ub.effects.values[k][i];
        const std::string& label = ub.labels[ub.level[i]];
        const auto at = std::find(fb.labels.begin(), fb.labels.end(), label);
        if (at != fb.labels.end()) {
          base[static_cast<std::size_t>(n) * R + r] = z0 + (at - fb.labels.begin()) * K;
        } else {
          const auto key = std::make_pair(static_cast<std::size_t>(r), label);
          if (!new_levels.count(key)) new_levels[key] = next_new++;
          base[static_cast<std::size_t>(n) * R + r] = -1 - new_levels[key];
        }
        col += K;
        z0 += K * static_cast<int>(fb.labels.size());
      }
    }
    Loaded<Glmm> out;
    out.model = fit.model;
    out.data = d0;
    out.names = fit.names;
    out.dims = fit.dims;
    out.host = fit.host;
    Data& d = out.data;
    d.N = N;
    d.y = store.upload(y);
    d.trials = store.upload(trials);
    d.offset = offset.empty() ? nullptr : store.upload(offset);
    d.X = store.upload(X.empty() ? std::vector<double>{0} : X);
    d.Z = store.upload(Z.empty() ? std::vector<double>{0} : Z);
    d.base = store.upload_ints(base.empty() ? std::vector<long>{0} : base);
    d.Xc = d.Zc = nullptr;  // new rows are replicated, never in a density: no column-major copies
    d.base_c = nullptr;
    out.generated_names = indexed_names("y_rep", N);
    out.observed_name = fd.response;
    if (has_response) out.observed = y;
    // Say which levels are new (their effects are drawn, not fitted), per grouping factor.
    for (int r = 0; r < R; ++r) {
      std::string labels;
      int count = 0;
      for (const auto& kv : new_levels) {
        if (kv.first.first != static_cast<std::size_t>(r)) continue;
        if (++count <= 5) labels += (labels.empty() ? "" : ", ") + kv.first.second;
      }
      if (count == 0) continue;
      if (count > 5) labels += ", ...";
      out.notes.push_back("glmm --newdata: " + std::to_string(count) + " new level" + (count == 1 ? "" : "s") + " of '" +
                          fd.blocks[r].group + "' (" + labels + "): " + (count == 1 ? "its" : "their") +
                          " varying effects are drawn from the fitted scale for every draw");
    }
    return out;
  }

  /// b as is, sd and sigma -> log, r -> z = r / sd (non-centered) or r; host only.
  static std::vector<double> unconstrain(const Loaded<Glmm>& m, const std::vector<double>& out) {
    const Data& d = m.data;
    const auto* h = static_cast<const glmm::GlmmHost*>(m.host.get());
    std::vector<double> q(static_cast<std::size_t>(d.dim));
    int o = 0;
    for (int j = 0; j < d.P; ++j) q[j] = out.at(o++);
    std::vector<double> sd(static_cast<std::size_t>(d.n_sd));
    for (int s = 0; s < d.n_sd; ++s) {
      sd[s] = out.at(o);
      if (!(sd[s] > 0))
        throw InputError(m.names.at(o) + ": initial value must be positive, found " + DataSource::format_number(sd[s]));
      q[d.sd_at + s] = std::log(sd[s]);
      ++o;
    }
    if (d.sigma_at >= 0) {
      const double sigma = out.at(o);
      if (!(sigma > 0))
        throw InputError("sigma: initial value must be positive, found " + DataSource::format_number(sigma));
      q[d.sigma_at] = std::log(sigma);
      ++o;
    }
    int i = d.z_at;
    for (std::size_t r = 0; r < (h ? h->design.blocks.size() : 0); ++r) {
      const auto& blk = h->design.blocks[r];
      const int K = static_cast<int>(blk.effects.size()), L = static_cast<int>(blk.labels.size());
      int s0 = 0;
      for (std::size_t b = 0; b < r; ++b) s0 += static_cast<int>(h->design.blocks[b].effects.size());
      for (int l = 0; l < L; ++l)
        for (int k = 0; k < K; ++k) {
          const double v = out.at(o++);
          q[i++] = d.centered ? v : v / sd[s0 + k];
        }
    }
    return q;
  }

  static ModelInfo info() {
    ModelInfo i;
    i.name = "glmm";
    i.summary =
        "Hierarchical regression from a table and a formula (lme4/brms syntax): "
        "--formula \"y ~ 1 + x + (1 + x | g)\", --family gaussian|bernoulli|binomial|poisson, --prior \"b ~ normal(0, 1)\"";
    i.options = {{"parameterization", "noncentered",
                  "noncentered: r = sd * z, z ~ normal(0, 1); centered: r ~ normal(0, sd)"},
                 {"sigma", "estimated",
                  "gaussian family: a positive number fixes the residual scale sigma to it (no prior, no parameter)"},
                 {"na", "error", "rows with missing values in the formula's columns: error, or drop (and count them)"}};
    i.flags = {{"--formula", "formula", "F",
                "glmm formula, e.g. \"y ~ 1 + x + (1 + x | g)\" (fixed effects, interactions a:b, a*b, "
                "factor(c), 0 + / - 1, varying effects (... | g))",
                false},
               {"--family", "family", "NAME",
                "glmm response family: gaussian (identity link), bernoulli, binomial (logit; formula "
                "\"successes | trials(n) ~ ...\"), poisson (log)",
                false},
               {"--prior", "prior", "\"CLASS ~ DIST\"",
                "glmm prior, repeatable: Intercept, b, b_<coef>, sd, sd_<group>, sd_<group>__<coef>, sigma ~ "
                "normal(m, s), student_t(nu, m, s), cauchy(m, s), half_normal(0, s), half_cauchy(0, s), "
                "half_student_t(nu, 0, s), exponential(rate), flat",
                true}};
    i.data_fields = {{"(columns)", "a table (CSV with a header, or JSON arrays): the columns the formula names"}};
    i.parameters = "b_<coef>, sd_<group>__<coef>, sigma, r_<group>[<level>,<coef>]";
    return i;
  }

  static Loaded<Glmm> load(ModelArgs& args) {
    using namespace glmm;
    const std::string formula_text = args.option_text("formula", "");
    const std::string family = args.option_text("family", "gaussian");
    const std::string parameterization = args.option_choice("parameterization", {"noncentered", "centered"});
    std::string sigma_text = args.option_text("sigma", "");
    if (sigma_text == "estimated") sigma_text.clear();
    const std::string na = args.option_choice("na", {"error", "drop"});
    const std::vector<std::string> prior_texts = args.option_list("prior");
    if (formula_text.empty())
      throw InputError("--formula: model 'glmm' needs a formula, e.g. --formula \"y ~ 1 + x + (1 | g)\"");
    if (std::find(family_names().begin(), family_names().end(), family) == family_names().end())
      throw InputError("--family: '" + family + "' is not available (available: gaussian, bernoulli, binomial, poisson)");
    const bool gaussian = family == "gaussian";
    double sigma_fixed = 0;
    if (!sigma_text.empty() && !gaussian)
      throw InputError("--set sigma: the " + family + " family has no residual scale sigma");
    if (!sigma_text.empty() && (!parse_real(sigma_text, sigma_fixed) || !(sigma_fixed > 0)))
      throw InputError("--set sigma: must be a positive number, found '" + sigma_text + "'");
    const Formula formula = parse_formula(formula_text);
    if (family == "binomial" && formula.trials.empty())
      throw InputError("--formula: the binomial family needs the number of trials in the response: '" + formula.response +
                       " | trials(n) ~ ...'");
    if (family != "binomial" && !formula.trials.empty())
      throw InputError("--formula: trials(" + formula.trials + ") in the response is for --family binomial (this is " +
                       family + ")");
    std::vector<PriorStatement> statements;
    for (const std::string& p : prior_texts) statements.push_back(split_prior(p));

    const DataSource& src = args.data();
    auto host = std::make_shared<GlmmHost>();
    host->formula = formula_text;
    host->family = family;
    host->parameterization = parameterization;
    host->origin = src.origin();
    host->sigma_fixed = sigma_fixed;
    host->na_drop = na == "drop";
    host->design = build_design(formula, src, na == "drop");
    const Design& ds = host->design;
    check_response(ds, family, src);
    const int N = static_cast<int>(ds.y.size()), P = static_cast<int>(ds.fixed.size());
    const int R = static_cast<int>(ds.blocks.size());

    Loaded<Glmm> out;
    Data& d = out.data;
    d.N = N;
    d.P = P;
    d.R = R;
    d.centered = parameterization == "centered";
    d.family = family_kind(family);
    // Names and sizes.
    for (int j = 0; j < P; ++j) out.names.push_back("b_" + ds.fixed.names[j]);
    std::vector<int> K(R), L(R), sd_of(R), z_of(R), col_of(R), icpt(R);
    int n_sd = 0, Ktot = 0;
    for (int r = 0; r < R; ++r) {
      const GroupBlock& b = ds.blocks[r];
      K[r] = static_cast<int>(b.effects.size());
      L[r] = static_cast<int>(b.labels.size());
      sd_of[r] = n_sd;
      col_of[r] = Ktot;
      icpt[r] = b.effects.r_names[0] == "(Intercept)";
      for (int k = 0; k < K[r]; ++k) host->sd_names.push_back("sd_" + b.group + "__" + b.effects.names[k]);
      n_sd += K[r];
      Ktot += K[r];
    }
    if (n_sd > kMaxScales)
      throw InputError("--formula: " + std::to_string(n_sd) + " varying-effect columns; at most " +
                       std::to_string(kMaxScales) + " are supported");
    for (const std::string& s : host->sd_names) out.names.push_back(s);
    d.n_sd = n_sd;
    d.Ktot = Ktot;
    d.sd_at = P;
    d.sigma_at = (sigma_fixed > 0 || !gaussian) ? -1 : P + n_sd;
    d.sigma_fixed = static_cast<Real>(sigma_fixed > 0 ? sigma_fixed : 1.0);
    if (d.sigma_at >= 0) out.names.push_back("sigma");
    d.z_at = P + n_sd + (d.sigma_at >= 0 ? 1 : 0);
    int n_z = 0;
    for (int r = 0; r < R; ++r) {
      z_of[r] = d.z_at + n_z;
      const GroupBlock& b = ds.blocks[r];
      for (int l = 0; l < L[r]; ++l)
        for (int k = 0; k < K[r]; ++k) out.names.push_back("r_" + b.group + "[" + b.labels[l] + "," + b.effects.names[k] + "]");
      out.dims.push_back({"r_" + b.group, {b.group, b.group + "_term"}});  // levels, then effects
      n_z += L[r] * K[r];
    }
    d.n_z = n_z;
    d.x_icpt = ds.intercept ? 1 : 0;
    d.simple_blocks = 1;
    for (int r = 0; r < R; ++r) d.simple_blocks = d.simple_blocks && K[r] == 1 && icpt[r];
    d.dim = d.z_at + n_z;
    d.n_out = d.dim;

    // Priors.
    resolve_priors(*host, statements, d.sigma_at >= 0);

    // Arrays.
    // Row-major, and column-major for the one-chain SIMD rows (density_data.hpp; CPU shape only).
    std::vector<double> X(static_cast<std::size_t>(N) * P), Z(static_cast<std::size_t>(N) * Ktot);
    std::vector<long> base(static_cast<std::size_t>(N) * R);
    std::vector<double> Xc(X.size()), Zc(Z.size());
    std::vector<long> base_c(base.size());
    for (int n = 0; n < N; ++n) {
      for (int j = 0; j < P; ++j)
        X[static_cast<std::size_t>(n) * P + j] = Xc[static_cast<std::size_t>(j) * N + n] = ds.fixed.values[j][n];
      for (int r = 0; r < R; ++r) {
        const GroupBlock& b = ds.blocks[r];
        base[static_cast<std::size_t>(n) * R + r] = base_c[static_cast<std::size_t>(r) * N + n] = z_of[r] + b.level[n] * K[r];
        for (int k = 0; k < K[r]; ++k)
          Z[static_cast<std::size_t>(n) * Ktot + col_of[r] + k] = Zc[static_cast<std::size_t>(col_of[r] + k) * N + n] =
              b.effects.values[k][n];
      }
    }
    auto longs = [](const std::vector<int>& v) { return std::vector<long>(v.begin(), v.end()); };
    std::vector<long> kinds;
    std::vector<double> pars;
    for (const PriorSpec& p : host->priors) {
      kinds.push_back(p.kind);
      pars.push_back(p.nu);
      pars.push_back(p.mu);
      pars.push_back(p.s);
    }
    d.y = args.upload(ds.y);
    d.trials = args.upload(family == "binomial" ? ds.trials : std::vector<double>(static_cast<std::size_t>(N), 1.0));
    d.offset = ds.offset.empty() ? nullptr : args.upload(ds.offset);
    d.X = args.upload(X.empty() ? std::vector<double>{0} : X);
    d.Z = args.upload(Z.empty() ? std::vector<double>{0} : Z);
    d.base = args.upload_ints(base.empty() ? std::vector<long>{0} : base);
#if !LOCKSTEP_GPU_SHAPE
    d.Xc = args.upload(Xc.empty() ? std::vector<double>{0} : Xc);
    d.Zc = args.upload(Zc.empty() ? std::vector<double>{0} : Zc);
    d.base_c = args.upload_ints(base_c.empty() ? std::vector<long>{0} : base_c);
#endif
    d.K = args.upload_ints(R ? longs(K) : std::vector<long>{0});
    d.L = args.upload_ints(R ? longs(L) : std::vector<long>{0});
    d.sd_of = args.upload_ints(R ? longs(sd_of) : std::vector<long>{0});
    d.z_of = args.upload_ints(R ? longs(z_of) : std::vector<long>{0});
    d.col_of = args.upload_ints(R ? longs(col_of) : std::vector<long>{0});
    d.icpt = args.upload_ints(R ? longs(icpt) : std::vector<long>{0});
    d.prior_kind = args.upload_ints(kinds);
    d.prior_par = args.upload(pars);
    out.generated_names = indexed_names("y_rep", N);
    out.observed_name = ds.response;
    out.observed = ds.y;
    out.sbi_observed = ds.y;  // what ABC and NPE condition on (distances scaled by the prior-predictive MAD)
    out.host = host;
    if (ds.rows_dropped > 0) out.notes.push_back("glmm: " + ds.dropped_note + " (--set na=drop)");
    // lme4 and brms estimate the correlations of (1 + x | g)'s effects; here their scales are
    // independent, as (1 + x || g): said on every run, not only under --print-model.
    for (const GroupBlock& b : ds.blocks)
      if (b.effects.size() > 1)
        out.notes.push_back("glmm: the " + std::to_string(b.effects.size()) + " varying effects of '" + b.group +
                            "' have independent scales (no correlation is estimated: (... | " + b.group +
                            ") is read as (... || " + b.group + ") in lme4/brms)");
    return out;
  }

  /// The --print-model lines: the response and family, every parameter block with its prior
  /// and dimension, the design columns and the group levels.
  static std::string describe(const Loaded<Glmm>& m) {
    using namespace glmm;
    const auto& h = *static_cast<const GlmmHost*>(m.host.get());
    const Design& ds = h.design;
    const Data& d = m.data;
    std::ostringstream s;
    s << "  formula: " << h.formula << "\n";
    s << "  family: " << h.family << " (" << family_link(h.family) << " link); response " << ds.response;
    if (!ds.trials_column.empty()) s << " | trials(" << ds.trials_column << ")";
    s << ", " << ds.y.size() << " rows of " << h.origin;
    if (ds.rows_dropped > 0) s << " (" << ds.dropped_note << ")";
    s << "\n";
    if (!ds.offset_text.empty()) s << "  offset: " << ds.offset_text << " (added to the linear predictor, coefficient 1)\n";
    s << "  parameterization: " << h.parameterization
      << (d.centered ? " (r ~ normal(0, sd))" : " (r = sd * z, z ~ normal(0, 1))") << "\n";
    auto prior_line = [&](int i) {
      return "~ " + h.priors[i].text + "   [" + h.prior_source[i] + "]";
    };
    std::size_t width = 0;
    for (int j = 0; j < d.P; ++j) width = std::max(width, m.names[j].size());
    for (const std::string& n : h.sd_names) width = std::max(width, n.size());
    auto pad = [&](const std::string& n) { return n + std::string(width > n.size() ? width - n.size() : 0, ' '); };
    s << "  b: " << d.P << " population-level coefficients (design columns as R's model.matrix names them)\n";
    for (int j = 0; j < d.P; ++j)
      s << "    " << pad(m.names[j]) << "   " << prior_line(j) << "   (column " << ds.fixed.r_names[j] << ")\n";
    for (std::size_t r = 0; r < ds.blocks.size(); ++r) {
      const GroupBlock& b = ds.blocks[r];
      s << "  group " << b.group << ": " << b.labels.size() << " levels (";
      const std::size_t nl = b.labels.size();
      for (std::size_t l = 0; l < nl; ++l) {
        if (nl > 12 && l == 6) {
          s << ", ..., " << b.labels[nl - 1];
          break;
        }
        s << (l ? ", " : "") << b.labels[l];
      }
      s << "), varying effects ";
      for (std::size_t k = 0; k < b.effects.r_names.size(); ++k) s << (k ? ", " : "") << b.effects.r_names[k];
      if (b.effects.size() > 1) s << " (independent: no correlation estimated, as (... || " << b.group << ") in lme4/brms)";
      s << "\n";
      for (std::size_t k = 0; k < b.effects.size(); ++k) {
        int s_index = 0;
        for (std::size_t q = 0; q < r; ++q) s_index += static_cast<int>(ds.blocks[q].effects.size());
        s_index += static_cast<int>(k);
        s << "    " << pad(h.sd_names[s_index]) << "   " << prior_line(d.P + s_index) << "\n";
        s << "    r_" << b.group << "[<level>," << b.effects.names[k] << "]   " << nl
          << (d.centered ? " coefficients ~ normal(0, " : " coefficients = sd * z, z ~ normal(0, 1): sd = ")
          << h.sd_names[s_index] << (d.centered ? ")" : "") << "\n";
      }
    }
    if (d.sigma_at >= 0)
      s << "  sigma   " << prior_line(d.P + d.n_sd) << "\n";
    else if (h.family == "gaussian")
      s << "  sigma = " << DataSource::format_number(h.sigma_fixed) << " (fixed by --set sigma)\n";
    if (h.family == "gaussian")
      s << "  defaults: Intercept ~ student_t(3, median(y), S), b ~ flat, sd and sigma ~ half_student_t(3, 0, S), "
           "S = max(2.5, mad(y)) (brms's); the Intercept prior is on the intercept of the design as given "
           "(brms centres the predictors first)\n";
    else
      s << "  defaults: Intercept ~ student_t(3, " << (h.family == "poisson" ? "log(median(y)) (0 if median(y) = 0)" : "0")
        << ", 2.5), b ~ flat, sd ~ half_student_t(3, 0, 2.5) (brms's on the link scale); the Intercept prior is on "
           "the intercept of the design as given (brms centres the predictors first)\n";
    return s.str();
  }

 private:
  /// The response (and trials) against the family: one line naming the file, row and column.
  static void check_response(const glmm::Design& ds, const std::string& family, const DataSource& src) {
    using namespace glmm;
    for (std::size_t i = 0; i < ds.y.size(); ++i) {
      const std::string where = src.origin() + ": " + src.row_label(ds.rows[i]) + ", column '";
      double trials = -1;
      if (!ds.trials.empty()) {
        trials = ds.trials[i];
        const std::string t = trials_problem(trials);
        if (!t.empty())
          throw InputError(where + ds.trials_column + "': " + DataSource::format_number(trials) + ": " + t);
      }
      const std::string why = response_problem(family, ds.y[i], trials);
      if (!why.empty())
        throw InputError(where + ds.response + "': " + DataSource::format_number(ds.y[i]) + ": " + why +
                         (trials >= 0 ? " (" + DataSource::format_number(trials) + " trials)" : ""));
    }
  }

  /// Fills host.priors / prior_source for b [P], sd [S], sigma [1] from the --prior statements
  /// and the defaults; refuses targets the formula lacks, and a target given twice.
  static void resolve_priors(glmm::GlmmHost& host, const std::vector<glmm::PriorStatement>& st, bool sigma_free) {
    using namespace glmm;
    const Design& ds = host.design;
    const int P = static_cast<int>(ds.fixed.size());
    const int S = static_cast<int>(host.sd_names.size());
    // Defaults.
    std::vector<double> y = ds.y;
    double med = median_of(y);
    std::vector<double> dev;
    for (double v : y) dev.push_back(std::fabs(v - med));
    const double mad = 1.4826 * median_of(dev);
    double scale = std::max(2.5, round1(mad));
    if (host.family != "gaussian") {
      // On the link scale (brms's defaults for these families): location link(median y) for
      // the Poisson (log; 0 when the median is 0), 0 for the logit families; scale 2.5.
      med = host.family == "poisson" && med > 0 ? std::log(med) : 0.0;
      scale = 2.5;
    }
    PriorSpec intercept_default;
    intercept_default.kind = kStudentT;
    intercept_default.nu = 3;
    intercept_default.mu = static_cast<Real>(round1(med));
    intercept_default.s = static_cast<Real>(scale);
    intercept_default.text = "student_t(3, " + prior_number(round1(med)) + ", " + prior_number(scale) + ")";
    PriorSpec scale_default = intercept_default;
    scale_default.mu = 0;
    scale_default.text = "half_student_t(3, 0, " + prior_number(scale) + ")";
    PriorSpec flat;
    flat.text = "flat";
    host.priors.assign(P + S + 1, flat);
    host.prior_source.assign(P + S + 1, "default");
    std::vector<int> rank(P + S + 1, -1);  // specificity of the prior that set it
    for (int j = 0; j < P; ++j) host.priors[j] = (ds.intercept && j == 0) ? intercept_default : flat;
    for (int s = 0; s < S; ++s) host.priors[P + s] = scale_default;
    host.priors[P + S] = scale_default;

    std::vector<std::string> seen;
    std::string groups;
    for (const GroupBlock& b : ds.blocks)
      if (groups.find("'" + b.group + "'") == std::string::npos) groups += (groups.empty() ? "'" : ", '") + b.group + "'";
    for (const PriorStatement& p : st) {
      std::string target = p.target == "b_Intercept" ? "Intercept" : p.target;
      for (const std::string& t : seen)
        if (t == target) throw InputError(p.flag + ": a prior for '" + p.target + "' is given twice");
      seen.push_back(target);
      auto set = [&](int i, const PriorSpec& spec, int specificity) {
        if (specificity > rank[i]) {
          host.priors[i] = spec;
          host.prior_source[i] = p.target;
          rank[i] = specificity;
        }
      };
      if (target == "Intercept") {
        if (!ds.intercept) throw InputError(p.flag + ": the formula has no intercept (class Intercept)");
        set(0, parse_distribution(p.distribution, false, p.flag), 2);
      } else if (target == "b") {
        if (P - (ds.intercept ? 1 : 0) == 0)
          throw InputError(p.flag + ": the formula has no population-level coefficients besides the intercept (class b)");
        const PriorSpec spec = parse_distribution(p.distribution, false, p.flag);
        for (int j = ds.intercept ? 1 : 0; j < P; ++j) set(j, spec, 0);
      } else if (target.rfind("b_", 0) == 0) {
        const std::string c = target.substr(2);
        int found = -1;
        for (int j = ds.intercept ? 1 : 0; j < P; ++j)
          if (ds.fixed.names[j] == c || ds.fixed.r_names[j] == c) found = j;
        if (found < 0) {
          std::string list;
          for (int j = ds.intercept ? 1 : 0; j < P; ++j) list += (list.empty() ? "" : ", ") + std::string("b_") + ds.fixed.names[j];
          throw InputError(p.flag + ": the formula has no coefficient '" + c + "' (coefficients: " +
                           (list.empty() ? std::string("none besides the intercept") : list) + ")");
        }
        set(found, parse_distribution(p.distribution, false, p.flag), 2);
      } else if (target == "sd" || target.rfind("sd_", 0) == 0) {
        if (S == 0) throw InputError(p.flag + ": the formula has no varying effects (class sd)");
        const PriorSpec spec = parse_distribution(p.distribution, true, p.flag);
        if (target == "sd") {
          for (int s = 0; s < S; ++s) set(P + s, spec, 0);
          continue;
        }
        bool any = false;
        int s = 0;
        for (const GroupBlock& b : ds.blocks) {
          const std::string g = "sd_" + b.group;
          for (std::size_t k = 0; k < b.effects.size(); ++k, ++s) {
            if (target == g) {
              set(P + s, spec, 1);
              any = true;
            } else if (target == g + "__" + b.effects.names[k] || target == g + "__" + b.effects.r_names[k]) {
              set(P + s, spec, 2);
              any = true;
            }
          }
        }
        if (!any) {
          bool group_known = false;
          std::string list;
          for (const GroupBlock& b : ds.blocks)
            if (target.rfind("sd_" + b.group + "__", 0) == 0) group_known = true;
          for (const std::string& n : host.sd_names) list += (list.empty() ? "" : ", ") + n;
          throw InputError(p.flag + ": " +
                           (group_known ? "no such varying effect (scales: " + list + ")"
                                        : "no grouping factor '" + target.substr(3) + "' (grouping factors: " + groups +
                                              "; scales: " + list + ")"));
        }
      } else if (target == "sigma") {
        if (host.family != "gaussian") throw InputError(p.flag + ": the " + host.family + " family has no sigma");
        if (!sigma_free) throw InputError(p.flag + ": sigma is fixed by --set sigma=" + prior_number(host.sigma_fixed));
        set(P + S, parse_distribution(p.distribution, true, p.flag), 2);
      } else {
        throw InputError(p.flag + ": unknown class '" + p.target +
                         "' (classes: Intercept, b, b_<coef>, sd, sd_<group>, sd_<group>__<coef>, sigma)");
      }
    }
  }
};

}  // namespace models
}  // namespace lockstep
