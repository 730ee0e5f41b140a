#pragma once
// make_model_entry<Model>(): binds a model type to every algorithm of the algorithm list that
// it supports, and to the evaluate-one-point functions of AnyModel. Include it only where a
// model is registered — the generated per-model registration files of the build
// (CMakeLists.txt, lockstep_model()) or an out-of-tree executable's main (examples/
// custom_model) — since it instantiates every sampler for the model (compiled by nvcc under
// the CUDA backend).
#include <cstdint>
#include <memory>
#include <stdexcept>
#include <string>
#include <type_traits>
#include <vector>

#include "host/algorithms/algorithm_list.hpp"
#include "host/backend/lanes.hpp"
#include "host/registry/any_model.hpp"
#include "host/registry/load_typed.hpp"
#include "host/registry/replicates.hpp"
#include "kernels/core/batch.hpp"
#include "kernels/core/model_traits.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"
#include "models/contract/input_error.hpp"
#include "models/contract/model_contract.hpp"

namespace lockstep {

namespace registry_detail {

/// What one lane evaluates for AnyModel's one-point functions (functors at namespace scope, as
/// nvcc requires of kernel functors).
enum class Eval { kLogDensityAndGrad, kWriteOut, kLogDensityConstrained, kLogPrior, kPriorDraw, kSimulate, kGenerated };

template <class Model, Eval kWhat>
struct EvalOne {
  Model model;
  typename Model::Data data;
  Real* in = nullptr;   // q or theta
  Real* out = nullptr;  // gradient, outputs, draw or simulation
  Real* value = nullptr;  // [1] a log density
  std::uint64_t seed = 0;
  std::uint32_t index = 0;

  LS_HD void operator()(int) const {
    const Dense<Real> x{in}, y{out};
    const Rng rng{seed, index};
    if constexpr (kWhat == Eval::kLogDensityAndGrad) {
      value[0] = model.log_density_and_grad(data, x, y);
    } else if constexpr (kWhat == Eval::kWriteOut) {
      model.write_out(data, x, y);
    } else if constexpr (kWhat == Eval::kLogDensityConstrained) {
      if constexpr (traits::has_log_density_constrained<Model>::value) value[0] = model.log_density_constrained(data, x);
    } else if constexpr (kWhat == Eval::kLogPrior) {
      if constexpr (traits::has_log_prior<Model>::value) value[0] = model.log_prior(data, x);
    } else if constexpr (kWhat == Eval::kPriorDraw) {
      if constexpr (traits::has_prior_draw<Model>::value) model.prior_draw(data, rng, 0, y);
    } else if constexpr (kWhat == Eval::kSimulate) {
      if constexpr (traits::has_simulate<Model>::value) model.simulate(data, x, rng, 0, y);
    } else {
      if constexpr (traits::has_generated_quantities<Model>::value) model.generated_quantities(data, x, rng, 0, y);
    }
  }
};

/// log p and its gradient at point k (of n, stored as chains: element i of point k at
/// q[i * n + k]) through a Strided view, one point per lane (AnyModel::log_density_and_grad_through).
template <class Model>
struct EvalStrided {
  Model model;
  typename Model::Data data;
  Real* q = nullptr;
  Real* g = nullptr;
  Real* lp = nullptr;
  int n = 0;
  LS_HD void operator()(int k) const {
    lp[k] = model.log_density_and_grad(data, Strided<Real>{q + k, n}, Strided<Real>{g + k, n});
  }
};

#if !LOCKSTEP_GPU_SHAPE
/// The same, W points at a time through a BlockView<W> (lane b: points b W .. b W + W - 1).
template <class Model, int W>
struct EvalBlocks {
  Model model;
  typename Model::Data data;
  Real* q = nullptr;
  Real* g = nullptr;
  Real* lp = nullptr;
  int n = 0;  // a multiple of W
  void operator()(int b) const {
    model.log_density_and_grad(data, BlockView<W>{q + b * W, n}, BlockView<W>{g + b * W, n}).store(lp + b * W);
  }
};
#endif

/// generated_quantities at many points, one per lane (AnyModel::generated_quantities_many).
template <class Model>
struct GeneratedMany {
  Model model;
  typename Model::Data data;
  const Real* q = nullptr;                 // [n][dim]
  const std::uint32_t* chain = nullptr;    // [n]
  const std::uint64_t* iteration = nullptr;  // [n]
  Real* out = nullptr;                     // [n][n_gen]
  int dim = 0, n_gen = 0;
  std::uint64_t seed = 0;

  LS_HD void operator()(int k) const {
    if constexpr (traits::has_generated_quantities<Model>::value) {
      const Dense<Real> x{const_cast<Real*>(q) + static_cast<long>(k) * dim};
      const Dense<Real> y{out + static_cast<long>(k) * n_gen};
      model.generated_quantities(data, x, Rng{seed, chain[k]}, iteration[k], y);
    }
  }
};

template <class Model>
std::vector<Capability> capabilities_of() {
  std::vector<Capability> c;
  if (traits::has_log_density_constrained<Model>::value) c.push_back(Capability::kLogDensityConstrained);
  if (traits::has_prior_draw<Model>::value) c.push_back(Capability::kPriorDraw);
  if (traits::has_log_prior<Model>::value) c.push_back(Capability::kLogPrior);
  if (traits::has_simulate<Model>::value) c.push_back(Capability::kSimulate);
  if (traits::has_generated_quantities<Model>::value) c.push_back(Capability::kGeneratedQuantities);
  return c;
}

template <class Model, class... As>
std::vector<std::string> algorithms_of(AlgorithmList<As...>) {
  std::vector<std::string> names;
  ((As::template supports<Model>() ? names.push_back(As::kName) : void()), ...);
  return names;
}

}  // namespace registry_detail

template <class Model>
class AnyModelImpl final : public AnyModel {
 public:
  explicit AnyModelImpl(Loaded<Model> loaded) : m_(std::move(loaded)) {}
  ModelInfo info() const override { return Model::info(); }
  int dim() const override { return m_.model.dim(m_.data); }
  const std::vector<std::string>& names() const override { return m_.names; }
  const std::vector<std::string>& generated_names() const override { return m_.generated_names; }
  const std::vector<std::string>& notes() const override { return m_.notes; }
  const std::string& observed_name() const override { return m_.observed_name; }
  const std::vector<double>& observed() const override { return m_.observed; }
  const VariableDims& dims() const override { return m_.dims; }
  const Loaded<Model>& loaded() const { return m_; }

  void run(const std::string& algorithm, const RunSettings& settings, const AlgorithmOptions& options, DrawSet& draws,
           RunInfo& info, Progress* progress) const override {
    if (!run_first(Algorithms{}, algorithm, settings, options, draws, info, progress))
      throw InputError("--algorithm: '" + algorithm + "' is not a known algorithm");
    keep_model_facts(draws);
  }

  void run_config(const std::string& algorithm, const void* config, DrawSet& draws, RunInfo& info,
                  Progress* progress) const override {
    if (!run_first_config(Algorithms{}, algorithm, config, draws, info, progress))
      throw InputError("--algorithm: '" + algorithm + "' is not a known algorithm");
    keep_model_facts(draws);
  }

  /// What the draws carry from the model for their readers: the dimension names, and the
  /// observed data (the Python package's observed_data; files write it with --predict only).
  void keep_model_facts(DrawSet& draws) const {
    draws.dims = m_.dims;
    if (draws.observed.empty() && draws.n_predictive == 0) {
      draws.observed_name = m_.observed_name;
      draws.observed = m_.observed;
    }
  }

  std::vector<double> unconstrain(const std::vector<double>& outputs) const override {
    if (outputs.size() < static_cast<std::size_t>(m_.model.n_out(m_.data)) &&
        outputs.size() < static_cast<std::size_t>(dim()))
      throw InputError("--init: expected " + std::to_string(m_.model.n_out(m_.data)) + " values, found " +
                       std::to_string(outputs.size()));
    if constexpr (traits::has_unconstrain<Model>::value) {
      return Model::unconstrain(m_, outputs);
    } else {
      // kParametersUnconstrained: the first dim() outputs are the unconstrained parameters.
      return std::vector<double>(outputs.begin(), outputs.begin() + dim());
    }
  }
  std::vector<double> constrain(const std::vector<double>& q) const override {
    return eval<registry_detail::Eval::kWriteOut>(q, m_.model.n_out(m_.data)).second;
  }
  double log_density_and_grad(const std::vector<double>& q, std::vector<double>& grad) const override {
    auto r = eval<registry_detail::Eval::kLogDensityAndGrad>(q, dim());
    grad = std::move(r.second);
    return r.first;
  }

  std::vector<double> log_density_and_grad_through(View view, const std::vector<std::vector<double>>& points,
                                                   std::vector<std::vector<double>>& grads) const override {
    constexpr int W = backend::kLaneWidth;  // 1 in the GPU shape
    const int count = static_cast<int>(points.size()), d = dim();
    // Stored as chains (point k's element i at i n + k); a block's padding repeats point 0.
    const int n = view == View::kBlock ? (count + W - 1) / W * W : count;
    std::vector<Real> q(static_cast<std::size_t>(n) * std::max(d, 1), 0);
    for (int k = 0; k < n && count > 0; ++k)
      for (int i = 0; i < d; ++i) q[static_cast<std::size_t>(i) * n + k] = static_cast<Real>(points[k < count ? k : 0][i]);
    backend::DeviceVector<Real> x(q.begin(), q.end()), g(q.size(), 0), lp(std::max(n, 1), 0);
    if (n > 0) {
      if (view == View::kStrided || W == 1)
        backend::launch_lanes(n, registry_detail::EvalStrided<Model>{m_.model, m_.data, backend::raw(x), backend::raw(g),
                                                                     backend::raw(lp), n});
#if !LOCKSTEP_GPU_SHAPE
      else
        backend::launch_lanes(n / W, registry_detail::EvalBlocks<Model, W>{m_.model, m_.data, backend::raw(x),
                                                                          backend::raw(g), backend::raw(lp), n});
#endif
    }
    const std::vector<Real> gh = backend::to_host(g), lh = backend::to_host(lp);
    grads.assign(count, std::vector<double>(d));
    std::vector<double> out(count);
    for (int k = 0; k < count; ++k) {
      out[k] = static_cast<double>(lh[k]);
      for (int i = 0; i < d; ++i) grads[k][i] = static_cast<double>(gh[static_cast<std::size_t>(i) * n + k]);
    }
    return out;
  }

  std::string describe() const override {
    std::string s = "model " + Model::info().name + ": " + Model::info().summary + "\n";
    s += "  unconstrained dimension " + std::to_string(dim()) + ", " + std::to_string(m_.names.size()) + " outputs: ";
    for (std::size_t i = 0; i < m_.names.size(); ++i) {
      if (i == 12 && m_.names.size() > 14) {
        s += ", ... (" + std::to_string(m_.names.size() - 13) + " more), " + m_.names.back();
        break;
      }
      s += (i ? ", " : "") + m_.names[i];
    }
    s += "\n";
    if (!m_.generated_names.empty())
      s += "  generated quantities: " + std::to_string(m_.generated_names.size()) + " (" + m_.generated_names.front() +
           (m_.generated_names.size() > 1 ? " ... " + m_.generated_names.back() : std::string()) + ")\n";
    if constexpr (traits::has_describe<Model>::value) s += Model::describe(m_);
    return s;
  }

  bool has(Capability c) const override {
    for (Capability k : registry_detail::capabilities_of<Model>())
      if (k == c) return true;
    return false;
  }
  double log_density_constrained(const std::vector<double>& theta) const override {
    need(Capability::kLogDensityConstrained);
    return eval<registry_detail::Eval::kLogDensityConstrained>(theta, 0).first;
  }
  double log_prior(const std::vector<double>& theta) const override {
    need(Capability::kLogPrior);
    return eval<registry_detail::Eval::kLogPrior>(theta, 0).first;
  }
  std::vector<double> prior_draw(std::uint64_t seed, std::uint32_t index) const override {
    need(Capability::kPriorDraw);
    return eval<registry_detail::Eval::kPriorDraw>({}, dim(), seed, index).second;
  }
  std::vector<double> simulate(const std::vector<double>& theta, std::uint64_t seed,
                               std::uint32_t index) const override {
    need(Capability::kSimulate);
    if constexpr (traits::has_simulate<Model>::value)
      return eval<registry_detail::Eval::kSimulate>(theta, m_.model.n_simulated(m_.data), seed, index).second;
    return {};
  }
  std::vector<double> generated_quantities(const std::vector<double>& q, std::uint64_t seed,
                                           std::uint32_t index) const override {
    need(Capability::kGeneratedQuantities);
    if constexpr (traits::has_generated_quantities<Model>::value)
      return eval<registry_detail::Eval::kGenerated>(q, m_.model.n_generated(m_.data), seed, index).second;
    return {};
  }

  std::unique_ptr<AnyModel> with_observed(const std::vector<double>& y) const override {
    if constexpr (traits::has_set_observed<Model>::value && traits::has_simulate<Model>::value) {
      if (static_cast<int>(y.size()) != n_simulated())
        throw std::logic_error("with_observed: " + std::to_string(y.size()) + " values, the model simulates " +
                               std::to_string(n_simulated()));
      Loaded<Model> copy = m_;
      auto impl = std::make_unique<AnyModelImpl<Model>>(std::move(copy));
      impl->observed_store_ = make_backend_data_store();
      Model::set_observed(impl->m_.data, impl->observed_store_->upload(y));
      if (!impl->m_.observed.empty()) impl->m_.observed = y;
      return impl;
    } else {
      (void)y;
      throw InputError("model '" + Model::info().name + "' cannot be given another data set (it has no set_observed)");
    }
  }
  void run_replicates(const std::string& algorithm, const RunSettings& settings, const AlgorithmOptions& options,
                      const std::vector<double>& observed, int replicates, DrawSet& draws, RunInfo& info,
                      Progress* progress) const override {
    if constexpr (traits::has_set_observed<Model>::value && traits::has_simulate<Model>::value) {
      run_replicates_in_lanes(m_, algorithm, settings, options, observed, replicates, draws, info, progress);
    } else {
      (void)algorithm, (void)settings, (void)options, (void)observed, (void)replicates, (void)draws, (void)info,
          (void)progress;
      throw InputError("model '" + Model::info().name +
                       "' cannot be given other data sets (it has no set_observed and simulate)");
    }
  }
  std::unique_ptr<AnyModel> with_newdata(const DataSource& rows) const override {
    if constexpr (traits::has_for_newdata<Model>::value) {
      std::shared_ptr<DataStore> store = make_backend_data_store();
      auto impl = std::make_unique<AnyModelImpl<Model>>(Model::for_newdata(m_, rows, *store));
      impl->m_.store = m_.store;
      impl->observed_store_ = store;
      return impl;
    } else {
      (void)rows;
      throw InputError("--newdata: model '" + Model::info().name + "' cannot predict new rows");
    }
  }
  int n_simulated() const override {
    if constexpr (traits::has_simulate<Model>::value) return m_.model.n_simulated(m_.data);
    return 0;
  }

  std::vector<double> generated_quantities_many(const std::vector<double>& q, std::uint64_t seed,
                                                const std::vector<std::uint32_t>& chain,
                                                const std::vector<std::uint64_t>& iteration) const override {
    need(Capability::kGeneratedQuantities);
    const int n = static_cast<int>(chain.size());
    const int n_gen = static_cast<int>(m_.generated_names.size());
    if (q.size() != static_cast<std::size_t>(n) * dim() || iteration.size() != chain.size())
      throw std::logic_error("generated_quantities_many: sizes differ");
    if (n == 0 || n_gen == 0) return {};
    backend::DeviceVector<Real> x(q.begin(), q.end()), y(static_cast<std::size_t>(n) * n_gen, 0);
    backend::DeviceVector<std::uint32_t> c(chain.begin(), chain.end());
    backend::DeviceVector<std::uint64_t> it(iteration.begin(), iteration.end());
    backend::launch_lanes(n, registry_detail::GeneratedMany<Model>{m_.model, m_.data, backend::raw(x), backend::raw(c),
                                                                   backend::raw(it), backend::raw(y), dim(), n_gen,
                                                                   seed});
    const std::vector<Real> out = backend::to_host(y);
    return std::vector<double>(out.begin(), out.end());
  }

  /// The model built from options and data, with the store that owns its data arrays.
  static Loaded<Model> load(ModelArgs& args) { return load_typed<Model>(args); }
  static std::unique_ptr<AnyModel> make(ModelArgs& args) { return std::make_unique<AnyModelImpl<Model>>(load(args)); }

 private:
  template <class... As>
  bool run_first(AlgorithmList<As...>, const std::string& name, const RunSettings& settings,
                 const AlgorithmOptions& options, DrawSet& draws, RunInfo& info, Progress* progress) const {
    return (run_if<As>(name, settings, options, draws, info, progress) || ...);
  }
  template <class A>
  bool run_if(const std::string& name, const RunSettings& settings, const AlgorithmOptions& options, DrawSet& draws,
              RunInfo& info, Progress* progress) const {
    if (name != A::kName) return false;
    if constexpr (A::template supports<Model>()) {
      A::template run<Model>(m_, A::configure(settings, options), draws, info, progress);
    } else {
      (void)settings, (void)options, (void)draws, (void)info, (void)progress;
      throw InputError("model '" + Model::info().name + "' cannot run '" + name + "': it needs " + A::kNeeds);
    }
    return true;
  }

  template <class... As>
  bool run_first_config(AlgorithmList<As...>, const std::string& name, const void* config, DrawSet& draws,
                        RunInfo& info, Progress* progress) const {
    return (run_config_if<As>(name, config, draws, info, progress) || ...);
  }
  template <class A>
  bool run_config_if(const std::string& name, const void* config, DrawSet& draws, RunInfo& info,
                     Progress* progress) const {
    if (name != A::kName) return false;
    if constexpr (A::template supports<Model>()) {
      A::template run<Model>(m_, *static_cast<const typename A::Config*>(config), draws, info, progress);
    } else {
      (void)config, (void)draws, (void)info, (void)progress;
      throw InputError("model '" + Model::info().name + "' cannot run '" + name + "': it needs " + A::kNeeds);
    }
    return true;
  }

  void need(Capability c) const {
    if (!has(c))
      throw std::logic_error("model '" + Model::info().name + "' has no " + capability_name(c));
  }

  /// One lane evaluates kWhat at `in`; returns the scalar value and n_out outputs.
  template <registry_detail::Eval kWhat>
  std::pair<double, std::vector<double>> eval(const std::vector<double>& in, int n_out, std::uint64_t seed = 0,
                                              std::uint32_t index = 0) const {
    backend::DeviceVector<Real> x(in.begin(), in.end()), y(n_out > 0 ? n_out : 1, 0), v(1, 0);
    if (x.empty()) x.assign(1, 0);
    backend::launch_lanes(1, registry_detail::EvalOne<Model, kWhat>{m_.model, m_.data, backend::raw(x), backend::raw(y),
                                                                     backend::raw(v), seed, index});
    const std::vector<Real> out = backend::to_host(y);
    return {static_cast<double>(backend::to_host(v)[0]),
            std::vector<double>(out.begin(), out.begin() + (n_out > 0 ? n_out : 0))};
  }

  Loaded<Model> m_;
  std::shared_ptr<DataStore> observed_store_;  // with_observed's data (m_.store keeps the rest)
};

/// The model table's entry for Model (the registration line of a model).
template <class Model>
ModelEntry make_model_entry() {
  static_assert(check_model_contract<Model>(), "model contract");
  ModelEntry e;
  e.info = Model::info();
  e.make = &AnyModelImpl<Model>::make;
  e.algorithms = registry_detail::algorithms_of<Model>(Algorithms{});
  e.capabilities = registry_detail::capabilities_of<Model>();
  e.takes_simulated_data = traits::has_set_observed<Model>::value && traits::has_simulate<Model>::value &&
                           traits::has_prior_draw<Model>::value;
  return e;
}

}  // namespace lockstep
