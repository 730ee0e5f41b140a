#pragma once
// The model contract, checked at compile time (docs/model_contract.md describes every member).
// check_model_contract<Model>() is called by the registry for every registered model, so a
// model that misses a required member, or has constrained parameters but no unconstrain(),
// fails to compile with one of the messages below instead of misbehaving at run time.
#include <cstdint>
#include <string>
#include <type_traits>
#include <utility>
#include <vector>

#include "kernels/core/model_traits.hpp"
#include "kernels/core/strided.hpp"
#include "models/contract/model_args.hpp"
#include "models/contract/model_info.hpp"

namespace lockstep {
namespace traits {

/// static std::vector<double> unconstrain(const Loaded<M>&, const std::vector<double>& outputs).
template <class M, class = void>
struct has_unconstrain : std::false_type {};
template <class M>
struct has_unconstrain<M, std::void_t<decltype(M::unconstrain(std::declval<const Loaded<M>&>(),
                                                                std::declval<const std::vector<double>&>()))>>
    : std::true_type {};

/// static constexpr bool kParametersUnconstrained = true: the model has no transform (its
/// first dim() outputs are its unconstrained parameters, so unconstrain is the identity).
template <class M, class = void>
struct declares_unconstrained : std::false_type {};
template <class M>
struct declares_unconstrained<M, std::void_t<decltype(M::kParametersUnconstrained)>>
    : std::integral_constant<bool, M::kParametersUnconstrained> {};

/// static std::string describe(const Loaded<M>&): the model's own text for --print-model.
template <class M, class = void>
struct has_describe : std::false_type {};
template <class M>
struct has_describe<M, std::void_t<decltype(std::string(M::describe(std::declval<const Loaded<M>&>())))>>
    : std::true_type {};

/// LS_HD static void set_observed(Data&, const Real* y): points the model's data at another
/// observed data set of the same shape (device memory), everything else (priors, design)
/// unchanged: what SBC fits its simulated data sets with, on the host and, for many data sets at
/// once, inside the kernels (kernels/core/lane_data.hpp).
template <class M, class = void>
struct has_set_observed : std::false_type {};
template <class M>
struct has_set_observed<M, std::void_t<decltype(M::set_observed(std::declval<typename M::Data&>(),
                                                                 std::declval<const Real*>()))>>
    : std::true_type {};

/// static Loaded<M> for_newdata(const Loaded<M>& fit, const DataSource& rows, DataStore& store):
/// the model whose generated quantities replicate NEW rows at the fit's parameters
/// (`sample --predict --newdata FILE`); same unconstrained dimension as the fit.
template <class M, class = void>
struct has_for_newdata : std::false_type {};
template <class M>
struct has_for_newdata<M, std::void_t<decltype(M::for_newdata(std::declval<const Loaded<M>&>(),
                                                               std::declval<const DataSource&>(),
                                                               std::declval<DataStore&>()))>>
    : std::true_type {};

template <class M, class = void>
struct has_data_type : std::false_type {};
template <class M>
struct has_data_type<M, std::void_t<typename M::Data>> : std::true_type {};

template <class M, class = void>
struct has_sizes : std::false_type {};
template <class M>
struct has_sizes<M, std::void_t<decltype(std::declval<const M&>().dim(std::declval<const typename M::Data&>())),
                                decltype(std::declval<const M&>().n_out(std::declval<const typename M::Data&>()))>>
    : std::true_type {};

template <class M, class = void>
struct has_write_out : std::false_type {};
template <class M>
struct has_write_out<M, std::void_t<decltype(std::declval<const M&>().write_out(
                            std::declval<const typename M::Data&>(), std::declval<Strided<Real>>(),
                            std::declval<Strided<Real>>()))>> : std::true_type {};

template <class M, class = void>
struct has_host_members : std::false_type {};
template <class M>
struct has_host_members<M, std::void_t<decltype(ModelInfo(M::info())),
                                       decltype(Loaded<M>(M::load(std::declval<ModelArgs&>())))>>
    : std::true_type {};

}  // namespace traits

/// Compile-time check of the required members (the optional ones are detected by the traits of
/// kernels/core/model_traits.hpp).
template <class Model>
constexpr bool check_model_contract() {
  static_assert(traits::has_data_type<Model>::value, "model contract: the model needs a nested `Data` struct");
  static_assert(std::is_trivially_copyable<Model>::value,
                "model contract: the model struct is copied into kernels and must be trivially copyable");
  static_assert(std::is_trivially_copyable<typename Model::Data>::value,
                "model contract: Data is copied into kernels and must be trivially copyable (raw pointers into "
                "ModelArgs::upload() memory, not std::vector)");
  static_assert(traits::has_sizes<Model>::value,
                "model contract: the model needs LS_HD int dim(const Data&) const and int n_out(const Data&) const");
  static_assert(traits::has_log_density_and_grad<Model>::value,
                "model contract: the model needs LS_HD log_density_and_grad(const Data&, V q, G grad) const for "
                "V = Strided<Real> (and Dense<Real>, BlockView<W>)");
  static_assert(traits::has_write_out<Model>::value,
                "model contract: the model needs LS_HD void write_out(const Data&, V q, O out) const");
  static_assert(traits::has_host_members<Model>::value,
                "model contract: the model needs static ModelInfo info() and static Loaded<Model> load(ModelArgs&)");
  static_assert(traits::has_unconstrain<Model>::value || traits::declares_unconstrained<Model>::value,
                "model contract: a model with constrained parameters needs static std::vector<double> "
                "unconstrain(const Loaded<Model>&, const std::vector<double>& outputs); a model without any "
                "transform says so with static constexpr bool kParametersUnconstrained = true");
  static_assert(!(traits::has_unconstrain<Model>::value && traits::declares_unconstrained<Model>::value),
                "model contract: declare either unconstrain() or kParametersUnconstrained, not both");
  static_assert(traits::has_simulate<Model>::value == false || traits::has_prior_draw<Model>::value,
                "model contract: a model with simulate() needs prior_draw() too (simulation-based inference "
                "draws parameters from the prior)");
  return true;
}

}  // namespace lockstep
