#pragma once
// Per-chain data sets: many simulated data sets fitted side by side in lanes.
//
// A sampler's kernels hold one model and one `Model::Data`, shared by every chain. Simulation-
// based calibration (`lockstep sbc`) fits R simulated data sets at once, C chains each: the
// model is then `Replicates<M>`, whose Data is M's data plus every replicate's observed values,
// chains r*C .. r*C + C - 1 fitting replicate r. A kernel working on chain c (or on the SIMD
// block of chains starting at c) evaluates
//
//     lane_model(model).log_density_and_grad(lane_data(model, data, c), q, g)
//
// where lane_data points M's data at replicate c / C's values (M::set_observed, which must be
// LS_HD) and lane_model is M. For every other model both return what they are given, so the
// kernels compile to what they were. A SIMD block must not straddle two replicates: the host
// makes C a multiple of the block width (host/registry/replicates.hpp).
#include "kernels/core/config.hpp"

namespace lockstep {

template <class M>
struct Replicates {
  struct Data {
    typename M::Data base;            // M's data; its observed values are replaced per chain
    const Real* observed = nullptr;   // [replicates][n_observed], device memory
    int n_observed = 0;               // values per data set (M::n_simulated)
    int replicates = 1;
    int chains_per_replicate = 1;     // chains r*C .. r*C + C - 1 fit replicate r
  };
  M inner;

  LS_HD int dim(const Data& d) const { return inner.dim(d.base); }
  LS_HD int n_out(const Data& d) const { return inner.n_out(d.base); }
};

template <class Model>
struct LaneModelOf {
  using type = Model;
};
template <class M>
struct LaneModelOf<Replicates<M>> {
  using type = M;
};
/// The model type a kernel evaluates for one chain.
template <class Model>
using lane_model_t = typename LaneModelOf<Model>::type;

template <class Model>
LS_HD LS_INLINE const Model& lane_model(const Model& model) {
  return model;
}
template <class M>
LS_HD LS_INLINE const M& lane_model(const Replicates<M>& model) {
  return model.inner;
}

template <class Model>
LS_HD LS_INLINE const typename Model::Data& lane_data(const Model&, const typename Model::Data& data, int) {
  return data;
}
/// M's data with the observed values of chain c's replicate. Padding chains past the last
/// replicate (lanes the backend rounds up) reuse the last one.
template <class M>
LS_HD LS_INLINE typename M::Data lane_data(const Replicates<M>&, const typename Replicates<M>::Data& data, int c) {
  int r = c / data.chains_per_replicate;
  if (r >= data.replicates) r = data.replicates - 1;
  typename M::Data d = data.base;
  M::set_observed(d, data.observed + static_cast<long>(r) * data.n_observed);
  return d;
}

}  // namespace lockstep
