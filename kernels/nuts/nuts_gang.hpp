#pragma once
// NUTS chains that advance together (the CPU's SIMD shape): a gang of W chains, each running
// its own transitions (its own tree, depth and draws), whose gradients are evaluated W at a
// time in ONE call of the model on a SIMD block (BlockView<W>), as static HMC evaluates its
// blocks.
//
// Why. One chain per lane (nuts_segment.hpp) calls the model for one chain: every data row,
// level index and matrix element a gradient reads serves one chain. Static HMC's blocks read
// them once for W chains. On wide models the difference is the whole gap between NUTS and
// static HMC in gradients per second (gauss100_ill's dense 100 x 100 product, the glmm's
// rows: bench/RESULTS.md). Here each chain is a NutsMachine (nuts_transition.hpp) that stops
// where a leapfrog step needs a gradient; when every busy chain of the gang has stopped, their
// positions are gathered into a block, the model runs once, and each chain takes its gradient
// and goes on to its next stop. A chain whose transition ends starts its next iteration at
// once: chains never wait for another chain's tree, only for the block's gradient call, so a
// gang pays no vmap-style barrier per iteration. They meet at the segment's end: a chain done
// with its iterations idles (its lane of the block computes a gradient nobody reads) until the
// gang's last chain is done — with S iterations a segment this waste is ~ sd(sum of S tree
// sizes) / (S * mean tree size), a few percent at S = 50 (nuts_segment.hpp's note).
//
// The draws: each chain's arithmetic is the machine's, in the same order, with the same
// uniforms as one chain per lane; only the gradient comes from the model's block code, which
// may round differently from its one-chain code (another summation order). Models whose two
// codes are the same operations give the same draws bit for bit (tests/nuts/gang_test.cpp).
//
// The chains of a gang share their data (lane_data of the first chain): simulation-based
// calibration's replicates hold a multiple of W chains each (host/registry/replicates.hpp).
// Chains at or past out.n_chains (padding up to a multiple of W) never run.
#include <cstdint>
#include <vector>

#include "kernels/core/batch.hpp"
#include "kernels/core/lane_data.hpp"
#include "kernels/nuts/nuts_segment.hpp"
#include "kernels/nuts/nuts_transition.hpp"

namespace lockstep {
namespace nuts {

template <class Model, class MetricOf, int W>
struct NutsGangSegment : NutsSegment<Model, MetricOf, NutsLayout::kLaneLocal> {

  /// The W chains gang * W .. gang * W + W - 1 through iterations t_begin .. t_end - 1.
  void operator()(int gang) const {
    const hmc::ChainArrays& s = this->s;
    const int dim = s.dim, c0 = gang * W;
    const auto& m = lane_model(this->model);
    const auto& d = lane_data(this->model, this->data, c0);
    // The block's positions and gradients, [dim][W] (element i of lane w at i * W + w).
    thread_local std::vector<Real> block;
    block.resize(static_cast<std::size_t>(2) * dim * W);
    Real* const qb = block.data();
    Real* const gb = qb + static_cast<std::size_t>(dim) * W;

    LocalNutsLane lane[W];
    NutsMachine<LocalNutsLane> machine[W];
    PhiloxTreeUniforms u[W];
    std::uint64_t t[W];
    Real eps[W];
    bool busy[W];
    auto metric_of_chain = [&](int c) {
      if constexpr (MetricOf::kDense)
        return this->metric_of(s, c);
      else
        return hmc::DiagMetric<Dense<Real>>{this->scratch.local_minv(c), dim};
    };
    // Starts chain w's iteration t[w] (momentum, uniforms, the machine); a transition that ends
    // without a gradient (max_depth 0) is closed and the next one started. False: the chain is
    // done with the segment.
    auto start_iteration = [&](int w) {
      const int c = c0 + w;
      const auto metric = metric_of_chain(c);
      const Rng rng{this->seed, s.rng_key(c)};
      for (; t[w] < this->t_end; ++t[w]) {
        eps[w] = s.step_size[c];
        metric.draw(rng, t[w], Stream::kMomentum, 0, lane[w].p_f);
        u[w] = PhiloxTreeUniforms{rng, t[w]};
        if (machine[w].start(lane[w], metric, eps[w], this->max_depth, u[w])) return true;
        this->end_iteration(m, d, c, t[w], lane[w].q, eps[w], machine[w].info);
      }
      return false;
    };

    for (int w = 0; w < W; ++w) {
      const int c = c0 + w;
      lane[w] = this->scratch.local_lane(s, c);
      const Strided<Real> q = s.chain(s.q, c), g = s.chain(s.grad, c);
      for (int i = 0; i < dim; ++i) {
        lane[w].q[i] = q[i];
        lane[w].g[i] = g[i];
        qb[i * W + w] = q[i];  // a lane that never runs still holds a finite position
      }
      if constexpr (!MetricOf::kDense) {
        const hmc::DiagMetric<Strided<Real>> metric = this->metric_of(s, c);
        const Dense<Real> minv = this->scratch.local_minv(c);
        for (int i = 0; i < dim; ++i) minv[i] = metric.minv[i];
      }
      t[w] = this->t_begin;
      busy[w] = c < this->out.n_chains && start_iteration(w);
    }

    // The block is filled and emptied element by element, W chains at a time (a whole cache
    // line of the block per element), from and to each chain's own vectors: a chain's near end
    // of the trajectory, or for a chain done with the segment its sample (in) and a scratch
    // vector nobody reads (out).
    thread_local std::vector<Real> unused;
    unused.resize(static_cast<std::size_t>(dim));
    const Real* from[W];
    Real* to[W];
    for (;;) {
      bool any = false;
      for (int w = 0; w < W; ++w) {
        any = any || busy[w];
        from[w] = busy[w] ? machine[w].near(lane[w]).q.p : lane[w].q.p;
        to[w] = busy[w] ? machine[w].near(lane[w]).g.p : unused.data();
      }
      if (!any) break;
      for (int i = 0; i < dim; ++i)
        for (int w = 0; w < W; ++w) qb[i * W + w] = from[w][i];
      const Batch<W> logp = m.log_density_and_grad(d, BlockView<W>{qb, W}, BlockView<W>{gb, W});
      for (int i = 0; i < dim; ++i)
        for (int w = 0; w < W; ++w) to[w][i] = gb[i * W + w];
      for (int w = 0; w < W; ++w) {
        if (!busy[w]) continue;
        const int c = c0 + w;
        if (machine[w].resume(lane[w], metric_of_chain(c), u[w], logp[w])) continue;
        this->end_iteration(m, d, c, t[w], lane[w].q, eps[w], machine[w].info);
        ++t[w];
        busy[w] = start_iteration(w);
      }
    }

    for (int w = 0; w < W; ++w) {
      const int c = c0 + w;
      const Strided<Real> q = s.chain(s.q, c), g = s.chain(s.grad, c);
      for (int i = 0; i < dim; ++i) {
        q[i] = lane[w].q[i];
        g[i] = lane[w].g[i];
      }
    }
  }
};

}  // namespace nuts
}  // namespace lockstep
