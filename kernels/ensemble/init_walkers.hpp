#pragma once
// Initial walker positions and their log densities, one walker per call (rare, scalar code):
// a Gaussian ball theta = centre + scale * N(0, I) (the emcee idiom
// `p0 = x0 + 1e-4 * np.random.randn(nwalkers, ndim)`), or a draw from the model's prior
// (the ensemble contract, models/peak.hpp). Walker g uses key (seed, g), Stream::kInit,
// counter 0. Padding walkers (g >= n_total) copy the draw of the last real walker.
#include <cstdint>

#include "kernels/core/config.hpp"
#include "kernels/core/philox.hpp"
#include "kernels/core/model_traits.hpp"
#include "kernels/core/strided.hpp"
#include "kernels/ensemble/ensemble_arrays.hpp"

namespace lockstep {
namespace ensemble {

template <class Model>
struct InitWalkers {
  Model model;
  typename Model::Data data;
  EnsembleArrays a;
  std::uint64_t seed = 0;
  const Real* centre = nullptr;  // [dim] ball centre, or null: prior draws
  double scale = 0;

  LS_HD void operator()(int g) const {
    const int n = a.n_total();
    const int gc = g < n ? g : n - 1;
    const Rng rng{seed, static_cast<std::uint32_t>(gc)};
    const Strided<Real> x{a.x + g, a.n_pad};
    if constexpr (traits::has_prior_draw<Model>::value) {
      if (!centre) model.prior_draw(data, rng, 0, x);
    }
    if (centre)
      for (int p = 0; p < a.dim; ++p)
        x[p] = static_cast<Real>(centre[p] + scale * normal(rng, 0, Stream::kInit, static_cast<std::uint32_t>(p)));
    a.lp[g] = model.log_density_constrained(data, x);
  }
};

}  // namespace ensemble
}  // namespace lockstep
