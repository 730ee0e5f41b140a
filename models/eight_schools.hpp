#pragma once
// Eight Schools (Rubin 1981; Gelman et al., BDA3 section 5.5), centered and non-centered.
//
//   y_j ~ N(theta_j, sigma_j),  theta_j ~ N(mu, tau),  j = 1..J
//
// Priors (model option `priors`):
//   posteriordb (default): mu ~ N(0, 5),  tau ~ half-Cauchy(0, 5)
//   seed (the lecture notes on BDA3 chapter 5): mu ~ N(0, 10),  log tau ~ N(5, 1)
//
// Unconstrained parameters q = (mu, u = log tau, x_1..x_J) where x_j = theta_j (centered)
// or x_j = eta_j with theta_j = mu + tau * eta_j, eta_j ~ N(0, 1) (non-centered).
// With the half-Cauchy prior the density of u includes the log-Jacobian log tau = u.
// Outputs: mu, tau, theta[1..J].
#include <algorithm>
#include <cmath>
#include <string>
#include <vector>

#include "models/contract/input_error.hpp"

#include "models/contract/data_source.hpp"
#include "models/contract/data_store.hpp"
#include "models/contract/model_args.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace models {

enum class EightSchoolsPriors : int { kPosteriordb = 0, kSeed = 1 };

struct EightSchoolsData {
  int J;
  const Real* y;
  const Real* sigma;
  const Real* inv_var;  // 1 / sigma_j^2, computed once at load (the gradient's J divisions)
  EightSchoolsPriors priors;
  // The schools the generated quantities replicate (`sample --predict --newdata FILE`,
  // for_newdata): J_new > 0 replaces the observed schools by J_new others with standard errors
  // sigma_new; school_new[k] = j in 1..J is fitted school j measured again, 0 (or no
  // school_new) a new school drawn from the population N(mu, tau).
  int J_new = 0;
  const Real* sigma_new = nullptr;
  const int* school_new = nullptr;
};

/// log p(mu, u) up to a constant, with d/dmu and d/du; T is Real or Batch<W>.
template <class T>
LS_HD LS_INLINE T eight_schools_hyperprior(const EightSchoolsData& d, const T& mu, const T& u,
                                           const T& tau, T& dmu, T& du) {
  if (d.priors == EightSchoolsPriors::kPosteriordb) {
    // mu ~ N(0, 5); tau ~ half-Cauchy(0, 5): -log(1 + (tau/5)^2); Jacobian d tau/du = tau.
    const T t = tau * Real(0.2);
    const T t2 = t * t;
    dmu = -mu * Real(1.0 / 25.0);
    du = Real(1) - Real(2) * t2 / (Real(1) + t2);
    return -Real(0.5 / 25.0) * mu * mu - m::log1p(t2) + u;
  }
  // mu ~ N(0, 10); log tau ~ N(5, 1) is a density on u itself (no Jacobian).
  dmu = -mu * Real(1.0 / 100.0);
  du = -(u - Real(5));
  return -Real(0.5 / 100.0) * mu * mu - Real(0.5) * (u - Real(5)) * (u - Real(5));
}

template <bool kNoncentered>
struct EightSchools {
  using Data = EightSchoolsData;

  LS_HD int dim(const Data& d) const { return d.J + 2; }
  LS_HD int n_out(const Data& d) const { return d.J + 2; }

  template <class V, class G>
  LS_HD auto log_density_and_grad(const Data& d, V q, G g) const ->
      typename V::value_type {
    using T = typename V::value_type;
    const T mu = q[0];
    const T u = q[1];
    const T tau = m::exp(u);
    T dmu, du;
    T lp = eight_schools_hyperprior(d, mu, u, tau, dmu, du);
    if (kNoncentered) {
      // theta_j = mu + tau eta_j;  r_j = (y_j - theta_j) / sigma_j^2
      T sum_r_eta = Real(0);
      for (int j = 0; j < d.J; ++j) {
        const T eta = q[2 + j];
        const Real inv_var = d.inv_var[j];
        const T resid = d.y[j] - (mu + tau * eta);
        const T r = resid * inv_var;
        lp -= Real(0.5) * (eta * eta + resid * r);
        dmu += r;
        sum_r_eta += r * eta;
        g[2 + j] = tau * r - eta;
      }
      du += tau * sum_r_eta;
    } else {
      // theta_j ~ N(mu, tau): -(theta_j - mu)^2 / (2 tau^2) - log tau per school.
      const T inv_tau2 = m::exp(Real(-2) * u);
      T ss = Real(0);
      for (int j = 0; j < d.J; ++j) {
        const T theta = q[2 + j];
        const T dev = theta - mu;
        const Real inv_var = d.inv_var[j];
        const T resid = d.y[j] - theta;
        const T dev_scaled = dev * inv_tau2;
        ss += dev * dev_scaled;
        lp -= Real(0.5) * resid * resid * inv_var;
        dmu += dev_scaled;
        g[2 + j] = resid * inv_var - dev_scaled;
      }
      lp -= Real(0.5) * ss + Real(d.J) * u;
      du += ss - Real(d.J);
    }
    g[0] = dmu;
    g[1] = du;
    return lp;
  }

  /// Outputs (mu, tau, theta_1..theta_J).
  template <class V, class O>
  LS_HD void write_out(const Data& d, V q, O out) const {
    using T = typename V::value_type;
    const T mu = q[0];
    const T tau = m::exp(q[1]);
    out[0] = mu;
    out[1] = tau;
    for (int j = 0; j < d.J; ++j) out[2 + j] = kNoncentered ? mu + tau * q[2 + j] : q[2 + j];
  }

  /// Posterior predictive replications of the data (BDA3 section 6.3): one y_rep per school,
  ///   y_rep_j = theta_j + sigma_j z_j,   z_j ~ N(0, 1) = normal(rng, iteration, kGenerated, j),
  /// with theta_j at the draw q (so every posterior draw gets its own replicated data set).
  /// With new schools (J_new > 0): y_rep_k = theta + sigma_new_k z_{2k+1}, where theta is
  /// fitted school school_new[k]'s theta_j at q, or for a new school a draw from the population,
  /// theta = mu + tau z_{2k} (BDA3 section 5.5: predicting a new school).
  LS_HD int n_generated(const Data& d) const { return d.J_new > 0 ? d.J_new : d.J; }
  template <class V, class O>
  LS_HD void generated_quantities(const Data& d, V q, const Rng& rng, std::uint64_t iteration, O out) const {
    const Real mu = q[0], tau = m::exp(q[1]);
    if (d.J_new > 0) {
      for (int k = 0; k < d.J_new; ++k) {
        const int j = d.school_new ? d.school_new[k] - 1 : -1;
        const Real theta =
            j >= 0 ? (kNoncentered ? mu + tau * q[2 + j] : static_cast<Real>(q[2 + j]))
                   : mu + tau * static_cast<Real>(normal(rng, iteration, Stream::kGenerated, 2u * static_cast<std::uint32_t>(k)));
        out[k] = theta + d.sigma_new[k] * static_cast<Real>(normal(rng, iteration, Stream::kGenerated,
                                                                   2u * static_cast<std::uint32_t>(k) + 1u));
      }
      return;
    }
    for (int j = 0; j < d.J; ++j) {
      const Real theta = kNoncentered ? mu + tau * q[2 + j] : q[2 + j];
      out[j] = theta + d.sigma[j] * static_cast<Real>(normal(rng, iteration, Stream::kGenerated, static_cast<std::uint32_t>(j)));
    }
  }

  /// The model of other schools (`sample --predict --newdata FILE`): the fit's parameters and
  /// priors; the file gives J, sigma (length J), optionally school (length J: 1..J of the fit
  /// for a fitted school measured again, 0 for a new one; absent: all new) and y (the new
  /// schools' observed effects, for the p-values; absent: no observed_data). Uploads go to
  /// `store`.
  static Loaded<EightSchools> for_newdata(const Loaded<EightSchools>& fit, const DataSource& src, DataStore& store) {
    const long J = src.count_field("J");
    Loaded<EightSchools> out = fit;
    out.notes.clear();  // the fit's, already printed
    out.data.J_new = static_cast<int>(J);
    out.data.sigma_new = store.upload(src.positive_reals_of_size("sigma", J));
    out.data.school_new = nullptr;
    if (src.has("school")) {
      const std::vector<double> school = src.reals_of_size("school", J);
      std::vector<long> ids(school.size());
      for (std::size_t k = 0; k < school.size(); ++k) {
        if (!(school[k] >= 0 && school[k] <= fit.data.J && school[k] == std::floor(school[k])))
          src.fail("school", "value " + std::to_string(k + 1) + " is " + DataSource::format_number(school[k]) +
                                 ", must be 0 (a new school) or a fitted school 1.." + std::to_string(fit.data.J));
        ids[k] = static_cast<long>(school[k]);
      }
      out.data.school_new = store.upload_ints(ids);
    }
    out.observed = src.has("y") ? src.reals_of_size("y", J) : std::vector<double>{};
    out.observed_name = "y";
    out.generated_names = indexed_names("y_rep", static_cast<int>(J));
    // The new rows are not the fitted schools: their y_rep must not share theta's `school`
    // dimension and labels (ArviZ would line new school 1 up with fitted school 1), so they
    // take the default name y_dim_0.
    out.dims.erase(std::remove_if(out.dims.begin(), out.dims.end(), [](const auto& d) { return d.first == "y"; }),
                   out.dims.end());
    return out;
  }

  /// A prior draw (mu, tau, theta_1..theta_J) from Stream::kInit: mu = s_mu z_0; tau =
  /// 5 |z_1 / z_2| (half-Cauchy(0, 5): the ratio of two independent normals is Cauchy) or
  /// exp(5 + z_1) (seed); theta_j = mu + tau z_{j+3}. Normals i = 0, 2, 4, ... (one per Philox
  /// counter).
  LS_HD static Real prior_normal(const Rng& rng, std::uint64_t iteration, int i) {
    return static_cast<Real>(normal(rng, iteration, Stream::kInit, 2u * static_cast<std::uint32_t>(i)));
  }
  template <class V>
  LS_HD void prior_draw(const Data& d, const Rng& rng, std::uint64_t iteration, V theta) const {
    const bool pdb = d.priors == EightSchoolsPriors::kPosteriordb;
    const Real mu = (pdb ? Real(5) : Real(10)) * prior_normal(rng, iteration, 0);
    const Real tau = pdb ? Real(5) * m::abs(prior_normal(rng, iteration, 1) / prior_normal(rng, iteration, 2))
                         : m::exp(Real(5) + prior_normal(rng, iteration, 1));
    theta[0] = mu;
    theta[1] = tau;
    for (int j = 0; j < d.J; ++j) theta[2 + j] = mu + tau * prior_normal(rng, iteration, 3 + j);
  }

  /// A data set at theta = (mu, tau, theta_1..theta_J): y_j = theta_j + sigma_j z_j, from
  /// Stream::kSimulate.
  LS_HD int n_simulated(const Data& d) const { return d.J; }
  template <class V, class O>
  LS_HD void simulate(const Data& d, V theta, const Rng& rng, std::uint64_t iteration, O out) const {
    for (int j = 0; j < d.J; ++j)
      out[j] = static_cast<Real>(theta[2 + j]) +
               d.sigma[j] * static_cast<Real>(normal(rng, iteration, Stream::kSimulate, static_cast<std::uint32_t>(j)));
  }

  /// Another observed y of the same J (SBC); sigma and the priors stay.
  LS_HD static void set_observed(Data& d, const Real* y) { d.y = y; }

  /// Unconstrained point from outputs (mu, tau, theta_1..theta_J); host only.
  static std::vector<double> unconstrain(const Loaded<EightSchools>& m, const std::vector<double>& out) {
    const int J = m.data.J;
    const double mu = out.at(0), tau = out.at(1);
    if (!(tau > 0)) throw InputError("tau: initial value must be positive, found " + DataSource::format_number(tau));
    std::vector<double> q = {mu, std::log(tau)};
    for (int j = 0; j < J; ++j) q.push_back(kNoncentered ? (out.at(2 + j) - mu) / tau : out.at(2 + j));
    return q;
  }

  static ModelInfo info() {
    ModelInfo i;
    i.name = kNoncentered ? "eight_schools_noncentered" : "eight_schools_centered";
    i.summary = kNoncentered
                    ? "Eight Schools, non-centered: theta_j = mu + tau * eta_j, eta_j ~ N(0,1)"
                    : "Eight Schools, centered: theta_j ~ N(mu, tau) (a funnel; expect divergences)";
    i.options = {{"priors", "posteriordb",
                  "posteriordb: mu ~ N(0,5), tau ~ half-Cauchy(0,5); "
                  "seed: mu ~ N(0,10), log tau ~ N(5,1)"}};
    i.data_fields = {{"J", "number of schools (positive integer; a CSV file may leave it out: its row count)"},
                     {"y", "estimated effects, length J"},
                     {"sigma", "standard errors, length J, positive"}};
    i.parameters = "mu, tau, theta[1..J]";
    return i;
  }

  static Loaded<EightSchools> load(ModelArgs& args) {
    const std::string priors = args.option_choice("priors", {"posteriordb", "seed"});
    const DataSource& src = args.data();
    const long J = src.count_field("J");  // a CSV table may leave it out: one row per school
    Loaded<EightSchools> out;
    out.data.J = static_cast<int>(J);
    out.observed = src.reals_of_size("y", J);
    out.observed_name = "y";
    out.data.y = args.upload(out.observed);
    const std::vector<double> sigma = src.positive_reals_of_size("sigma", J);
    out.data.sigma = args.upload(sigma);
    // In Real, as the gradient would compute it: the same bits as dividing there.
    std::vector<double> inv_var(sigma.size());
    for (std::size_t j = 0; j < sigma.size(); ++j) {
      const Real s = static_cast<Real>(sigma[j]);
      inv_var[j] = static_cast<double>(Real(1) / (s * s));
    }
    out.data.inv_var = args.upload(inv_var);
    // ABC and NPE condition on the observed y, each difference scaled by its known sigma_j.
    out.sbi_observed = out.observed;
    out.sbi_scale = sigma;
    out.data.priors = priors == "seed" ? EightSchoolsPriors::kSeed : EightSchoolsPriors::kPosteriordb;
    out.names = {"mu", "tau"};
    for (const auto& n : indexed_names("theta", static_cast<int>(J))) out.names.push_back(n);
    out.generated_names = indexed_names("y_rep", static_cast<int>(J));
    out.dims = {{"theta", {"school"}}, {"y", {"school"}}};
    return out;
  }
};

using EightSchoolsCentered = EightSchools<false>;
using EightSchoolsNoncentered = EightSchools<true>;

}  // namespace models
}  // namespace lockstep
