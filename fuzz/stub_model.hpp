#pragma once
// A model for the --init fuzz target: names of every kind the parser maps (a scalar, a
// positive scalar, a vector "theta[1..3]", a matrix with labels "r[a,x]"), an unconstrain with
// a log transform (so values outside the support are refused as a real model refuses them),
// and nothing else (the samplers are never run).
#include <cmath>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/registry/any_model.hpp"

namespace lockstep {
namespace fuzz {

class StubModel : public AnyModel {
 public:
  StubModel()
      : names_{"mu", "tau", "theta[1]", "theta[2]", "theta[3]", "r[a,x]", "r[a,y]", "r[b,x]", "r[b,y]"} {}
  ModelInfo info() const override { return ModelInfo{}; }
  int dim() const override { return static_cast<int>(names_.size()); }
  const std::vector<std::string>& names() const override { return names_; }
  const std::vector<std::string>& generated_names() const override { return none_; }
  const std::vector<std::string>& notes() const override { return none_; }
  const std::string& observed_name() const override { return empty_; }
  const std::vector<double>& observed() const override { return nothing_; }
  const VariableDims& dims() const override { return no_dims_; }
  void run(const std::string&, const RunSettings&, const AlgorithmOptions&, DrawSet&, RunInfo&,
           Progress*) const override {
    unused();
  }
  void run_config(const std::string&, const void*, DrawSet&, RunInfo&, Progress*) const override { unused(); }
  /// tau > 0 (log), everything else as is.
  std::vector<double> unconstrain(const std::vector<double>& outputs) const override {
    if (outputs.size() != names_.size()) throw std::logic_error("StubModel::unconstrain: wrong size");
    std::vector<double> q = outputs;
    if (!(outputs[1] > 0)) throw InputError("tau: initial value must be positive");
    q[1] = std::log(outputs[1]);
    return q;
  }
  std::vector<double> constrain(const std::vector<double>& q) const override { return q; }
  double log_density_and_grad(const std::vector<double>& q, std::vector<double>& grad) const override {
    grad.assign(q.size(), 0.0);
    return 0;
  }
  std::vector<double> log_density_and_grad_through(View, const std::vector<std::vector<double>>& points,
                                                   std::vector<std::vector<double>>& grads) const override {
    grads.clear();
    for (const std::vector<double>& q : points) grads.emplace_back(q.size(), 0.0);
    return std::vector<double>(points.size(), 0.0);
  }
  std::string describe() const override { return "stub"; }
  bool has(Capability) const override { return false; }
  double log_density_constrained(const std::vector<double>&) const override { return unused(), 0.0; }
  double log_prior(const std::vector<double>&) const override { return unused(), 0.0; }
  std::vector<double> prior_draw(std::uint64_t, std::uint32_t) const override { return unused(), nothing_; }
  std::vector<double> simulate(const std::vector<double>&, std::uint64_t, std::uint32_t) const override {
    return unused(), nothing_;
  }
  std::vector<double> generated_quantities(const std::vector<double>&, std::uint64_t, std::uint32_t) const override {
    return unused(), nothing_;
  }
  std::unique_ptr<AnyModel> with_observed(const std::vector<double>&) const override { return unused(), nullptr; }
  void run_replicates(const std::string&, const RunSettings&, const AlgorithmOptions&, const std::vector<double>&, int,
                      DrawSet&, RunInfo&, Progress*) const override {
    unused();
  }
  std::unique_ptr<AnyModel> with_newdata(const DataSource&) const override { return unused(), nullptr; }
  int n_simulated() const override { return 0; }
  std::vector<double> generated_quantities_many(const std::vector<double>&, std::uint64_t,
                                                const std::vector<std::uint32_t>&,
                                                const std::vector<std::uint64_t>&) const override {
    return unused(), nothing_;
  }

 private:
  [[noreturn]] static void unused() { throw std::logic_error("StubModel: not a runnable model"); }
  std::vector<std::string> names_, none_;
  std::string empty_;
  std::vector<double> nothing_;
  VariableDims no_dims_;
};

}  // namespace fuzz
}  // namespace lockstep
