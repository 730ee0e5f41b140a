#pragma once
// AnyModelImpl<Model>: binds a model type to the sampler templates. Included only by the
// per-model-family `*_lanes.cpp` files (compiled by nvcc under the CUDA backend).
#include <memory>
#include <type_traits>
#include <vector>

#include "host/io/input_error.hpp"

#include "host/backend/lanes.hpp"
#include "host/run/any_model.hpp"
#include "host/run/chees_sampler.hpp"
#include "host/run/hmc_sampler.hpp"
#include "host/run/nuts_sampler.hpp"
#include "host/run/ensemble_sampler.hpp"

namespace lockstep {

namespace detail {
template <class M, class = void>
struct has_unconstrain : std::false_type {};
template <class M>
struct has_unconstrain<M, std::void_t<decltype(M::unconstrain(std::declval<const Loaded<M>&>(),
                                                                std::declval<const std::vector<double>&>()))>>
    : std::true_type {};

/// Kernel functor: log density and gradient at one point (kernel functors must be
/// namespace-scope or public for nvcc).
template <class Model>
struct EvalOne {
  Model model;
  typename Model::Data data;
  Real* q;
  Real* g;
  Real* lp;
  LS_HD void operator()(int) const { lp[0] = model.log_density_and_grad(data, Dense<Real>{q}, Dense<Real>{g}); }
};
}  // namespace detail

template <class Model>
class AnyModelImpl final : public AnyModel {
 public:
  explicit AnyModelImpl(Loaded<Model> loaded) : m_(std::move(loaded)) {}
  ModelInfo info() const override { return Model::info(); }
  int dim() const override { return m_.model.dim(m_.data); }
  const std::vector<std::string>& names() const override { return m_.names; }
  void sample_hmc(const HmcConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) const override {
    lockstep::sample_hmc(m_, cfg, draws, info, progress);
  }
  void sample_nuts(const NutsConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) const override {
    lockstep::sample_nuts(m_, cfg, draws, info, progress);
  }
  void sample_chees(const CheesConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) const override {
    lockstep::sample_chees(m_, cfg, draws, info, progress);
  }
  void sample_ensemble(const EnsembleConfig& cfg, DrawSet& draws, RunInfo& info, Progress* progress) const override {
    if constexpr (supports_ensemble_v<Model>) {
      lockstep::sample_ensemble(m_, cfg, draws, info, progress);
    } else {
      (void)cfg, (void)draws, (void)info, (void)progress;
      throw InputError("model '" + Model::info().name +
                       "' does not support ensemble sampling (it has no constrained log density)");
    }
  }
  std::vector<double> unconstrain(const std::vector<double>& outputs) const override {
    if constexpr (detail::has_unconstrain<Model>::value) {
      return Model::unconstrain(m_, outputs);
    } else {
      // Models whose first dim() outputs are their unconstrained parameters.
      return std::vector<double>(outputs.begin(), outputs.begin() + dim());
    }
  }
  double log_density_and_grad(const std::vector<double>& q, std::vector<double>& grad) const override {
    // Evaluate on the backend (the data pointers live there): one lane, one chain.
    const int d = dim();
    backend::DeviceVector<Real> qd(q.begin(), q.end()), gd(d, 0), lp(1, 0);
    backend::launch_lanes(1, detail::EvalOne<Model>{m_.model, m_.data, backend::raw(qd), backend::raw(gd), backend::raw(lp)});
    const std::vector<Real> g = backend::to_host(gd);
    grad.assign(g.begin(), g.end());
    return backend::to_host(lp)[0];
  }

  static std::unique_ptr<AnyModel> make(ModelArgs& args) {
    auto loaded = Model::load(args);
    args.reject_unused();
    return std::make_unique<AnyModelImpl<Model>>(std::move(loaded));
  }

 private:
  Loaded<Model> m_;
};

}  // namespace lockstep
