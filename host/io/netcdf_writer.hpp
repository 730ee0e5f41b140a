#pragma once
// ArviZ InferenceData as a netCDF-4 file (libnetcdf's C API), loadable by
// arviz.from_netcdf / xarray.open_dataset(group=...) with the h5netcdf or netCDF4 engines.
//
// Layout (ArviZ's InferenceData schema, "InferenceData schema specification"):
//   /                      attrs: created_at, inference_library = "lockstep",
//                          inference_library_version, model, algorithm, data_file, seed,
//                          num_warmup, thin, gradient_evaluations, divergences,
//                          warmup_seconds, sampling_seconds, and config_<key> = value for
//                          every RunInfo::config entry (key characters outside
//                          [A-Za-z0-9_.-] become '_'); per chain step_size_adapted
//                          (double[chain]) and, for a diagonal metric, inv_metric_adapted
//                          (double[chain * dim], chain-major) with inv_metric_dim; a dense
//                          metric also as dense_inv_metric_adapted (double[chain * dim * dim]).
//   /posterior             dims chain, draw; coordinate variables chain = 0..C-1 and
//                          draw = 0..D-1 (int64). A scalar parameter "mu" is double
//                          mu(chain, draw); indexed parameters "theta[1]".."theta[8]" are
//                          one variable theta(chain, draw, theta_dim_0) with coordinate
//                          theta_dim_0 = 0..7; "L[i,j]" gives L(chain, draw, L_dim_0,
//                          L_dim_1). Indices are 1-based in names, 0-based in coordinates;
//                          each extent is the largest index; entries no name gives are NaN.
//                          Labels instead of integers ("r_county[AITKIN,Intercept]", the
//                          glmm's names) give string coordinates: r_county(chain, draw,
//                          r_county_dim_0, r_county_dim_1) with r_county_dim_0 the level
//                          labels and r_county_dim_1 the effect names, in order of first
//                          appearance. Names without brackets are kept whole ("b_height:male").
//                          A model that names its dimensions (DrawSet::dims, Loaded::dims)
//                          gets those names instead of <base>_dim_<k>: eight_schools's theta
//                          is theta(chain, draw, school), the glmm's r_county is
//                          r_county(chain, draw, county, county_term); variables naming the
//                          same dimension share it (same extent and labels; otherwise the
//                          later one falls back to <base>_dim_<k>).
//                          With RunInfo::superchain (nested R-hat, `--superchains`), the
//                          group has the attribute superchain (int[chain]): the 0-based
//                          superchain of each chain, indexed like the chain coordinate.
//   /sample_stats          Stan's statistics under ArviZ's names: lp__ -> lp, accept_stat__
//                          -> acceptance_rate, stepsize__ -> step_size, treedepth__ ->
//                          tree_depth, n_leapfrog__ -> n_steps, divergent__ -> diverging,
//                          energy__ -> energy; any other "x__" -> "x". tree_depth and n_steps
//                          are int64 when every value is an integer; diverging is int8 with
//                          attribute dtype = "bool", which xarray decodes to bool (as
//                          xarray itself writes booleans).
//   /posterior_predictive  with DrawSet::n_predictive > 0 (`sample --predict`): the last
//                          n_predictive quantities (y_rep[1..N]) as ONE variable named like the
//                          observed data, DrawSet::observed_name (chain, draw, <name>_dim_0), so
//                          that az.plot_ppc pairs it with
//   /observed_data         <name>(<name>_dim_0): DrawSet::observed, no chain or draw dimension
//                          (absent when DrawSet::observed is empty: --newdata rows without the response).
//                          The posterior groups hold the parameters only.
//   /warmup_posterior, /warmup_sample_stats   the same for the n_warmup_saved warmup draws
//                          (draw = 0..n_warmup_saved-1), only when there are any.
// Every group carries created_at, inference_library and inference_library_version.
//
// Storage: contiguous, no compression, no fill: each variable is written whole with one
// nc_put_var call (a scalar quantity's (chain, draw) block is already contiguous in the
// DrawSet). The file is written to PATH.tmp-<pid> and renamed onto PATH when complete.
#include <string>

#include "host/core/draw_set.hpp"

namespace lockstep {
namespace io {

struct NetcdfWriteOptions {
  std::string version;  // inference_library_version; empty: this build's (LOCKSTEP_VERSION)
};

/// Throws std::invalid_argument for an inconsistent DrawSet/RunInfo, no post-warmup draws or
/// parameter names that cannot be grouped (e.g. both "a" and "a[1]"; a parameter named
/// "chain" or "draw"), std::runtime_error "PATH: netCDF: ..." on a
/// libnetcdf or I/O failure (then nothing is left at PATH).
void write_inference_data_netcdf(const std::string& path, const DrawSet& draws,
                                 const RunInfo& info, const NetcdfWriteOptions& options = {});

/// True once a failed write left a file that HDF5 could not close (a full disk): HDF5's own
/// exit handler would crash on it, so the command process ends with std::_Exit after its
/// error line (host/cli/run_cli.cpp).
bool hdf5_left_open();

/// ArviZ's sample_stats name for a Stan sampler statistic ("lp__" -> "lp", ...).
std::string arviz_stat_name(const std::string& stan_name);

}  // namespace io
}  // namespace lockstep
