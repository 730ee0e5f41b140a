#pragma once
// Compile-time detection of a model's optional device-side capabilities (the model contract,
// docs/model_contract.md). Each trait is true when the member exists with the contract's
// signature for a one-chain view (Strided<Real>); samplers and commands that need a
// capability check it with `if constexpr` or a static_assert, and the registry lists what
// every model can do.
#include <cstdint>
#include <type_traits>
#include <utility>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/strided.hpp"

namespace lockstep {
namespace traits {

template <class M>
using DataOf = typename M::Data;

/// log_density_constrained(const Data&, V theta) -> T: the log density on the constrained scale.
template <class M, class = void>
struct has_log_density_constrained : std::false_type {};
template <class M>
struct has_log_density_constrained<
    M, std::void_t<decltype(std::declval<const M&>().log_density_constrained(std::declval<const DataOf<M>&>(),
                                                                             std::declval<Strided<Real>>()))>>
    : std::true_type {};

/// prior_draw(const Data&, const Rng&, std::uint64_t iteration, V theta): one prior draw.
template <class M, class = void>
struct has_prior_draw : std::false_type {};
template <class M>
struct has_prior_draw<M, std::void_t<decltype(std::declval<const M&>().prior_draw(
                             std::declval<const DataOf<M>&>(), std::declval<const Rng&>(), std::uint64_t{0},
                             std::declval<Strided<Real>>()))>> : std::true_type {};

/// log_prior(const Data&, V theta) -> T: the log prior density on the constrained scale.
template <class M, class = void>
struct has_log_prior : std::false_type {};
template <class M>
struct has_log_prior<M, std::void_t<decltype(std::declval<const M&>().log_prior(std::declval<const DataOf<M>&>(),
                                                                                std::declval<Strided<Real>>()))>>
    : std::true_type {};

/// n_simulated(const Data&) and simulate(const Data&, V theta, const Rng&, iteration, O out).
template <class M, class = void>
struct has_simulate : std::false_type {};
template <class M>
struct has_simulate<M, std::void_t<decltype(std::declval<const M&>().n_simulated(std::declval<const DataOf<M>&>())),
                                   decltype(std::declval<const M&>().simulate(
                                       std::declval<const DataOf<M>&>(), std::declval<Strided<Real>>(),
                                       std::declval<const Rng&>(), std::uint64_t{0}, std::declval<Strided<Real>>()))>>
    : std::true_type {};

/// n_generated(const Data&) and generated_quantities(const Data&, V q, const Rng&, iteration, O out).
template <class M, class = void>
struct has_generated_quantities : std::false_type {};
template <class M>
struct has_generated_quantities<
    M, std::void_t<decltype(std::declval<const M&>().n_generated(std::declval<const DataOf<M>&>())),
                   decltype(std::declval<const M&>().generated_quantities(
                       std::declval<const DataOf<M>&>(), std::declval<Strided<Real>>(), std::declval<const Rng&>(),
                       std::uint64_t{0}, std::declval<Strided<Real>>()))>> : std::true_type {};

/// log_density_and_grad(const Data&, V q, G g) -> T for one chain: every model has it.
template <class M, class = void>
struct has_log_density_and_grad : std::false_type {};
template <class M>
struct has_log_density_and_grad<
    M, std::void_t<decltype(std::declval<const M&>().log_density_and_grad(
           std::declval<const DataOf<M>&>(), std::declval<Strided<Real>>(), std::declval<Strided<Real>>()))>>
    : std::true_type {};

/// nuts_gangs(const Data&) -> bool (host): NUTS on the CPU's SIMD shape advances this model's
/// chains in gangs whose gradients are one SIMD call (kernels/nuts/nuts_gang.hpp) when true.
template <class M, class = void>
struct has_nuts_gangs : std::false_type {};
template <class M>
struct has_nuts_gangs<M, std::void_t<decltype(bool{std::declval<const M&>().nuts_gangs(std::declval<const DataOf<M>&>())})>>
    : std::true_type {};

}  // namespace traits
}  // namespace lockstep
