// netCDF InferenceData writer, read back with the netCDF C API: groups, dimensions,
// coordinates, variable names/types/values, attributes, atomicity.
#include <gtest/gtest.h>
#include <netcdf.h>
#include <sys/resource.h>
#include <unistd.h>

#include <cmath>
#include <csignal>
#include <filesystem>
#include <string>
#include <vector>

#include "host/io/netcdf_writer.hpp"
#include "tests/temp_dir.hpp"

namespace fs = std::filesystem;
using lockstep::DrawSet;
using lockstep::RunInfo;
using lockstep::io::write_inference_data_netcdf;

using lockstep::testing::TempDir;

namespace {

#define NC_OK(call)                                                        \
  do {                                                                     \
    const int nc_status_ = (call);                                         \
    ASSERT_EQ(nc_status_, NC_NOERR) << #call << ": " << nc_strerror(nc_status_); \
  } while (0)

/// Parameters mu, theta[1..3], L[i,j] in Stan's column-major order; value of parameter p,
/// chain c, draw i is 1000 p + 100 c + i (+ 0.5 for warmup draws, to tell them apart).
DrawSet make_nc_draws(int chains, int warmup, int draws) {
  DrawSet d;
  d.names = {"mu", "theta[1]", "theta[2]", "theta[3]", "L[1,1]", "L[2,1]", "L[1,2]", "L[2,2]"};
  d.stat_names = {"lp__", "accept_stat__", "stepsize__", "treedepth__", "n_leapfrog__", "divergent__", "energy__"};
  d.n_warmup_saved = warmup;
  d.resize(chains, warmup + draws);
  for (std::size_t p = 0; p < d.names.size(); ++p)
    for (int c = 0; c < chains; ++c)
      for (int i = 0; i < d.n_draws; ++i)
        d.series(static_cast<int>(p), c)[i] = 1000.0 * p + 100.0 * c + (i - warmup) + (i < warmup ? 0.5 : 0.0);
  for (int c = 0; c < chains; ++c)
    for (int i = 0; i < d.n_draws; ++i) {
      d.stat_series(0, c)[i] = -7.25 - i;
      d.stat_series(1, c)[i] = 0.5 + 0.01 * i;
      d.stat_series(2, c)[i] = 0.3;
      d.stat_series(3, c)[i] = 1 + (i + c) % 4;
      d.stat_series(4, c)[i] = (1 << (1 + (i + c) % 4)) - 1;
      d.stat_series(5, c)[i] = (i + c) % 3 == 0;
      d.stat_series(6, c)[i] = 9.5 + i;
    }
  return d;
}

RunInfo make_nc_info(int chains) {
  RunInfo info;
  info.model = "eight_schools";
  info.algorithm = "nuts";
  info.stan_engine = "nuts";
  info.data_file = "data/eight_schools.json";
  info.seed = 42;
  info.num_warmup = 2;
  info.config = {{"chains", std::to_string(chains)}, {"target accept", "0.8"}};
  for (int c = 0; c < chains; ++c) {
    info.step_size.push_back(0.3 + c);
    info.inv_metric.push_back({1.0 + c, 2.0 + c});
  }
  return info;
}

std::string text_attr(int g, int var, const char* name) {
  std::size_t len = 0;
  if (nc_inq_attlen(g, var, name, &len) != NC_NOERR) return "<absent>";
  std::string s(len, '\0');
  nc_get_att_text(g, var, name, &s[0]);
  return s;
}

/// Name and extents of a variable's dimensions.
std::vector<std::pair<std::string, std::size_t>> var_dims(int g, int var) {
  int nd = 0;
  nc_inq_varndims(g, var, &nd);
  std::vector<int> ids(nd);
  nc_inq_vardimid(g, var, ids.data());
  std::vector<std::pair<std::string, std::size_t>> out;
  for (int id : ids) {
    char name[NC_MAX_NAME + 1];
    std::size_t len;
    nc_inq_dim(g, id, name, &len);
    out.emplace_back(name, len);
  }
  return out;
}

using Dims = std::vector<std::pair<std::string, std::size_t>>;

}  // namespace

TEST(NetcdfWriter, GroupsDimsCoordinatesAndValues) {
  TempDir dir("layout");
  const int C = 3, W = 2, D = 4;
  const DrawSet d = make_nc_draws(C, W, D);
  const RunInfo info = make_nc_info(C);
  const std::string path = dir / "run.nc";
  write_inference_data_netcdf(path, d, info);
  ASSERT_TRUE(fs::exists(path));
  EXPECT_EQ(std::distance(fs::directory_iterator(dir.path), fs::directory_iterator{}), 1);

  int nc;
  NC_OK(nc_open(path.c_str(), NC_NOWRITE, &nc));
  int format;
  NC_OK(nc_inq_format(nc, &format));
  EXPECT_EQ(format, NC_FORMAT_NETCDF4);
  int ngrps;
  NC_OK(nc_inq_grps(nc, &ngrps, nullptr));
  std::vector<int> grps(ngrps);
  NC_OK(nc_inq_grps(nc, nullptr, grps.data()));
  std::vector<std::string> names;
  for (int g : grps) {
    char name[NC_MAX_NAME + 1];
    nc_inq_grpname(g, name);
    names.push_back(name);
  }
  EXPECT_EQ(names, (std::vector<std::string>{"posterior", "sample_stats", "warmup_posterior", "warmup_sample_stats"}));

  EXPECT_EQ(text_attr(nc, NC_GLOBAL, "inference_library"), "lockstep");
  EXPECT_EQ(text_attr(nc, NC_GLOBAL, "model"), "eight_schools");
  EXPECT_EQ(text_attr(nc, NC_GLOBAL, "config_chains"), "3");
  EXPECT_EQ(text_attr(nc, NC_GLOBAL, "config_target_accept"), "0.8");
  EXPECT_EQ(text_attr(nc, NC_GLOBAL, "created_at").size(), 25u) << text_attr(nc, NC_GLOBAL, "created_at");
  unsigned long long seed = 0;
  NC_OK(nc_get_att_ulonglong(nc, NC_GLOBAL, "seed", &seed));
  EXPECT_EQ(seed, 42u);
  std::vector<double> steps(C), metric(2 * C);
  NC_OK(nc_get_att_double(nc, NC_GLOBAL, "step_size_adapted", steps.data()));
  NC_OK(nc_get_att_double(nc, NC_GLOBAL, "inv_metric_adapted", metric.data()));
  EXPECT_EQ(steps, info.step_size);
  EXPECT_EQ(metric, (std::vector<double>{1, 2, 2, 3, 3, 4}));
  EXPECT_EQ(nc_inq_attlen(nc, NC_GLOBAL, "dense_inv_metric_adapted", nullptr), NC_ENOTATT);

  for (int warm = 0; warm < 2; ++warm) {
    const int nd = warm ? W : D, d0 = warm ? 0 : W;
    int g, s;
    NC_OK(nc_inq_grp_ncid(nc, warm ? "warmup_posterior" : "posterior", &g));
    NC_OK(nc_inq_grp_ncid(nc, warm ? "warmup_sample_stats" : "sample_stats", &s));
    EXPECT_EQ(text_attr(g, NC_GLOBAL, "inference_library"), "lockstep");
    // Coordinates.
    int v;
    std::vector<long long> coord;
    NC_OK(nc_inq_varid(g, "chain", &v));
    coord.assign(C, -1);
    NC_OK(nc_get_var_longlong(g, v, coord.data()));
    EXPECT_EQ(coord, (std::vector<long long>{0, 1, 2}));
    NC_OK(nc_inq_varid(g, "draw", &v));
    coord.assign(nd, -1);
    NC_OK(nc_get_var_longlong(g, v, coord.data()));
    for (int i = 0; i < nd; ++i) EXPECT_EQ(coord[i], i);
    NC_OK(nc_inq_varid(g, "theta_dim_0", &v));
    coord.assign(3, -1);
    NC_OK(nc_get_var_longlong(g, v, coord.data()));
    EXPECT_EQ(coord, (std::vector<long long>{0, 1, 2}));

    // mu(chain, draw)
    NC_OK(nc_inq_varid(g, "mu", &v));
    EXPECT_EQ(var_dims(g, v), (Dims{{"chain", C}, {"draw", nd}}));
    std::vector<double> x(static_cast<std::size_t>(C) * nd);
    NC_OK(nc_get_var_double(g, v, x.data()));
    for (int c = 0; c < C; ++c)
      for (int i = 0; i < nd; ++i) EXPECT_EQ(x[c * nd + i], d.series(0, c)[d0 + i]) << c << "," << i;
    // theta(chain, draw, theta_dim_0): theta[k+1] at [c][i][k]
    NC_OK(nc_inq_varid(g, "theta", &v));
    EXPECT_EQ(var_dims(g, v), (Dims{{"chain", C}, {"draw", nd}, {"theta_dim_0", 3}}));
    x.assign(static_cast<std::size_t>(C) * nd * 3, 0);
    NC_OK(nc_get_var_double(g, v, x.data()));
    for (int c = 0; c < C; ++c)
      for (int i = 0; i < nd; ++i)
        for (int k = 0; k < 3; ++k)
          EXPECT_EQ(x[(c * nd + i) * 3 + k], d.series(d.param_index("theta[" + std::to_string(k + 1) + "]"), c)[d0 + i]);
    // L(chain, draw, L_dim_0, L_dim_1): L[a+1,b+1] at [c][i][a][b], whatever the name order
    NC_OK(nc_inq_varid(g, "L", &v));
    EXPECT_EQ(var_dims(g, v), (Dims{{"chain", C}, {"draw", nd}, {"L_dim_0", 2}, {"L_dim_1", 2}}));
    x.assign(static_cast<std::size_t>(C) * nd * 4, 0);
    NC_OK(nc_get_var_double(g, v, x.data()));
    for (int c = 0; c < C; ++c)
      for (int i = 0; i < nd; ++i)
        for (int a = 0; a < 2; ++a)
          for (int b = 0; b < 2; ++b) {
            const std::string n = "L[" + std::to_string(a + 1) + "," + std::to_string(b + 1) + "]";
            EXPECT_EQ(x[((c * nd + i) * 2 + a) * 2 + b], d.series(d.param_index(n), c)[d0 + i]) << n;
          }
    int nvars;
    NC_OK(nc_inq_nvars(g, &nvars));
    EXPECT_EQ(nvars, 5 + 3);  // coordinates chain, draw, theta_dim_0, L_dim_0, L_dim_1; mu, theta, L

    // Sample statistics under ArviZ's names and types.
    const std::vector<std::pair<std::string, nc_type>> stats = {
        {"lp", NC_DOUBLE},    {"acceptance_rate", NC_DOUBLE}, {"step_size", NC_DOUBLE}, {"tree_depth", NC_INT64},
        {"n_steps", NC_INT64}, {"diverging", NC_BYTE},        {"energy", NC_DOUBLE}};
    for (std::size_t k = 0; k < stats.size(); ++k) {
      SCOPED_TRACE(stats[k].first);
      NC_OK(nc_inq_varid(s, stats[k].first.c_str(), &v));
      nc_type type;
      NC_OK(nc_inq_vartype(s, v, &type));
      EXPECT_EQ(type, stats[k].second);
      EXPECT_EQ(var_dims(s, v), (Dims{{"chain", C}, {"draw", nd}}));
      x.assign(static_cast<std::size_t>(C) * nd, 0);
      NC_OK(nc_get_var_double(s, v, x.data()));  // netCDF converts integer types
      for (int c = 0; c < C; ++c)
        for (int i = 0; i < nd; ++i) EXPECT_EQ(x[c * nd + i], d.stat_series(static_cast<int>(k), c)[d0 + i]);
    }
    NC_OK(nc_inq_varid(s, "diverging", &v));
    EXPECT_EQ(text_attr(s, v, "dtype"), "bool");
  }
  NC_OK(nc_close(nc));
}

TEST(NetcdfWriter, NoWarmupGroupsWithoutWarmupAndSparseIndicesAreNaN) {
  TempDir dir("nowarm");
  DrawSet d;
  d.names = {"a[1]", "a[3]", "b"};
  d.stat_names = {"lp__", "custom__"};
  d.resize(2, 3);
  for (std::size_t i = 0; i < d.values.size(); ++i) d.values[i] = static_cast<double>(i);
  RunInfo info;
  info.algorithm = "ensemble";
  info.dense_inv_metric = {{1, 0.5, 0.5, 2}, {3, 0, 0, 4}};
  write_inference_data_netcdf(dir / "x.nc", d, info);
  int nc, g, s, v, ngrps;
  NC_OK(nc_open((dir / "x.nc").c_str(), NC_NOWRITE, &nc));
  NC_OK(nc_inq_grps(nc, &ngrps, nullptr));
  EXPECT_EQ(ngrps, 2);
  NC_OK(nc_inq_grp_ncid(nc, "posterior", &g));
  NC_OK(nc_inq_varid(g, "a", &v));
  EXPECT_EQ(var_dims(g, v), (Dims{{"chain", 2}, {"draw", 3}, {"a_dim_0", 3}}));
  std::vector<double> x(18);
  NC_OK(nc_get_var_double(g, v, x.data()));
  for (int c = 0; c < 2; ++c)
    for (int i = 0; i < 3; ++i) {
      EXPECT_EQ(x[(c * 3 + i) * 3 + 0], d.series(0, c)[i]);
      EXPECT_TRUE(std::isnan(x[(c * 3 + i) * 3 + 1]));
      EXPECT_EQ(x[(c * 3 + i) * 3 + 2], d.series(1, c)[i]);
    }
  NC_OK(nc_inq_grp_ncid(nc, "sample_stats", &s));
  EXPECT_EQ(nc_inq_varid(s, "custom", &v), NC_NOERR);
  EXPECT_EQ(nc_inq_attlen(nc, NC_GLOBAL, "step_size_adapted", nullptr), NC_ENOTATT);
  std::vector<double> dense(8);
  NC_OK(nc_get_att_double(nc, NC_GLOBAL, "dense_inv_metric_adapted", dense.data()));
  EXPECT_EQ(dense, (std::vector<double>{1, 0.5, 0.5, 2, 3, 0, 0, 4}));
  NC_OK(nc_close(nc));
}

TEST(NetcdfWriter, RefusesUngroupableNamesAndNoDrawsWithoutWriting) {
  TempDir dir("badnames");
  DrawSet d;
  d.names = {"a", "a[1]"};
  d.resize(1, 2);
  EXPECT_THROW(write_inference_data_netcdf(dir / "x.nc", d, RunInfo{}), std::invalid_argument);
  d.names = {"a[1]", "a[1,2]"};
  EXPECT_THROW(write_inference_data_netcdf(dir / "x.nc", d, RunInfo{}), std::invalid_argument);
  d.names = {"chain", "b"};
  EXPECT_THROW(write_inference_data_netcdf(dir / "x.nc", d, RunInfo{}), std::invalid_argument);
  d.names = {"b"};
  d.n_warmup_saved = 2;  // only warmup draws
  d.resize(1, 2);
  EXPECT_THROW(write_inference_data_netcdf(dir / "x.nc", d, RunInfo{}), std::invalid_argument);
  EXPECT_TRUE(fs::is_empty(dir.path));
}

TEST(NetcdfWriter, FailureMidWriteLeavesNoFile) {
  TempDir dir("efbig");
  const DrawSet d = make_nc_draws(64, 0, 500);  // ~2 MB of data
  const RunInfo info = make_nc_info(64);
  bool threw = false;
  {
    // Cap file sizes (RLIMIT_FSIZE, SIGXFSZ ignored): HDF5's writes fail with EFBIG.
    auto old_handler = std::signal(SIGXFSZ, SIG_IGN);
    rlimit old{};
    getrlimit(RLIMIT_FSIZE, &old);
    rlimit cap = old;
    cap.rlim_cur = 200000;
    setrlimit(RLIMIT_FSIZE, &cap);
    try {
      write_inference_data_netcdf(dir / "x.nc", d, info);
    } catch (const std::runtime_error& e) {
      threw = true;
      EXPECT_NE(std::string(e.what()).find(dir / "x.nc" + ": netCDF: "), std::string::npos) << e.what();
    }
    setrlimit(RLIMIT_FSIZE, &old);
    std::signal(SIGXFSZ, old_handler);
  }
  EXPECT_TRUE(threw);
  EXPECT_TRUE(fs::is_empty(dir.path));
  write_inference_data_netcdf(dir / "x.nc", d, info);
  EXPECT_TRUE(fs::exists(dir / "x.nc"));
}

namespace {

// Labels as indices (the glmm's r_county[AITKIN,Intercept]) give one variable with string
// coordinates in order of first appearance; names with ':' are kept whole.
TEST(NetcdfWriter, LabeledIndicesGiveStringCoordinates) {
  TempDir dir("labels");
  DrawSet d;
  d.names = {"b_height:male", "r_county[AITKIN,Intercept]", "r_county[AITKIN,floor]", "r_county[3,Intercept]",
             "r_county[3,floor]"};
  d.resize(2, 3);
  for (std::size_t p = 0; p < d.names.size(); ++p)
    for (int c = 0; c < 2; ++c)
      for (int i = 0; i < 3; ++i) d.series(static_cast<int>(p), c)[i] = 100.0 * p + 10.0 * c + i;
  write_inference_data_netcdf(dir / "x.nc", d, RunInfo{});
  int nc, g, var;
  NC_OK(nc_open((dir / "x.nc").c_str(), NC_NOWRITE, &nc));
  NC_OK(nc_inq_grp_ncid(nc, "posterior", &g));
  NC_OK(nc_inq_varid(g, "b_height:male", &var));
  NC_OK(nc_inq_varid(g, "r_county", &var));
  EXPECT_EQ(var_dims(g, var), (Dims{{"chain", 2}, {"draw", 3}, {"r_county_dim_0", 2}, {"r_county_dim_1", 2}}));
  std::vector<double> v(2 * 3 * 4);
  NC_OK(nc_get_var_double(g, var, v.data()));
  // chain 1, draw 2, [3, floor] is member 4: 400 + 10 + 2.
  EXPECT_EQ(v[((1 * 3 + 2) * 2 + 1) * 2 + 1], 412.0);
  EXPECT_EQ(v[0], 100.0);  // chain 0, draw 0, [AITKIN, Intercept]
  for (const char* dim : {"r_county_dim_0", "r_county_dim_1"}) {
    int cv;
    NC_OK(nc_inq_varid(g, dim, &cv));
    nc_type type;
    NC_OK(nc_inq_vartype(g, cv, &type));
    EXPECT_EQ(type, NC_STRING);
    char* labels[2] = {nullptr, nullptr};
    NC_OK(nc_get_var_string(g, cv, labels));
    const std::vector<std::string> got = {labels[0], labels[1]};
    nc_free_string(2, labels);
    EXPECT_EQ(got, (std::string(dim) == "r_county_dim_0" ? std::vector<std::string>{"AITKIN", "3"}
                                                         : std::vector<std::string>{"Intercept", "floor"}));
  }
  NC_OK(nc_close(nc));
}

TEST(NetcdfWriter, ModelNamedDimensionsAreSharedOrFallBack) {
  TempDir dir("dims");
  DrawSet d;
  // theta and eta both name "school" (extent 3): one dimension. phi names it with extent 2: it
  // falls back to phi_dim_0. L names only its first dimension.
  d.names = {"theta[1]", "theta[2]", "theta[3]", "eta[1]", "eta[2]", "eta[3]", "phi[1]", "phi[2]",
             "L[1,1]", "L[2,1]", "y_rep[1]", "y_rep[2]", "y_rep[3]"};
  d.n_predictive = 3;
  d.observed_name = "y";
  d.observed = {1, 2, 3};
  d.dims = {{"theta", {"school"}}, {"eta", {"school"}}, {"phi", {"school"}}, {"L", {"row"}}, {"y", {"school"}}};
  d.resize(2, 4);
  write_inference_data_netcdf(dir / "x.nc", d, RunInfo{});
  int nc, g, var;
  NC_OK(nc_open((dir / "x.nc").c_str(), NC_NOWRITE, &nc));
  NC_OK(nc_inq_grp_ncid(nc, "posterior", &g));
  NC_OK(nc_inq_varid(g, "theta", &var));
  EXPECT_EQ(var_dims(g, var), (Dims{{"chain", 2}, {"draw", 4}, {"school", 3}}));
  int eta;
  NC_OK(nc_inq_varid(g, "eta", &eta));
  EXPECT_EQ(var_dims(g, eta), (Dims{{"chain", 2}, {"draw", 4}, {"school", 3}}));
  NC_OK(nc_inq_varid(g, "phi", &var));
  EXPECT_EQ(var_dims(g, var), (Dims{{"chain", 2}, {"draw", 4}, {"phi_dim_0", 2}}));
  NC_OK(nc_inq_varid(g, "L", &var));
  EXPECT_EQ(var_dims(g, var), (Dims{{"chain", 2}, {"draw", 4}, {"row", 2}, {"L_dim_1", 1}}));
  int dims = 0;
  NC_OK(nc_inq_ndims(g, &dims));
  EXPECT_EQ(dims, 6);  // chain, draw, school, phi_dim_0, row, L_dim_1
  NC_OK(nc_inq_grp_ncid(nc, "posterior_predictive", &g));
  NC_OK(nc_inq_varid(g, "y", &var));
  EXPECT_EQ(var_dims(g, var), (Dims{{"chain", 2}, {"draw", 4}, {"school", 3}}));
  NC_OK(nc_inq_grp_ncid(nc, "observed_data", &g));
  NC_OK(nc_inq_varid(g, "y", &var));
  EXPECT_EQ(var_dims(g, var), (Dims{{"school", 3}}));
  NC_OK(nc_close(nc));
}

}  // namespace
