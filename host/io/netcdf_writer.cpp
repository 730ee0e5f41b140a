// ArviZ InferenceData netCDF-4 writer: see netcdf_writer.hpp.
#include "host/io/netcdf_writer.hpp"

#include <netcdf.h>

#include <algorithm>
#include <atomic>
#include <cmath>
#include <cstdint>
#include <ctime>
#include <limits>
#include <map>
#include <stdexcept>
#include <vector>

#include "host/io/atomic_file.hpp"
#include "host/io/variable_groups.hpp"

namespace lockstep {
namespace io {
namespace {

std::atomic<bool> g_hdf5_left_open{false};

/// Closes the dataset on every path out (an exception included); close() reports errors. A write
/// that failed inside HDF5 on a full disk leaves a file that nc_close (and nc_abort, which
/// crashes where a capped file size did not) cannot close; HDF5's exit handler then crashes on
/// it (libhdf5 1.10), so that case is recorded for the command to end without running exit
/// handlers (hdf5_left_open()).
class NcFile {
 public:
  NcFile(const std::string& temp, const std::string& path) : path_(path) {
    check(nc_create(temp.c_str(), NC_NETCDF4 | NC_CLOBBER, &id_), "create");
  }
  ~NcFile() {
    if (id_ >= 0 && nc_close(id_) != NC_NOERR) g_hdf5_left_open = true;
  }
  int id() const { return id_; }
  void close() {
    const int id = id_;
    id_ = -1;
    check(nc_close(id), "close");
  }
  void check(int status, const std::string& what) const {
    if (status != NC_NOERR)
      throw std::runtime_error(path_ + ": netCDF: " + what + ": " + nc_strerror(status));
  }

 private:
  std::string path_;
  int id_ = -1;
};

std::string iso_utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[40];
  std::strftime(buf, sizeof buf, "%Y-%m-%dT%H:%M:%S+00:00", &tm);
  return buf;
}

std::string attr_key(const std::string& key) {
  std::string out;
  for (char ch : key) {
    const bool ok = (ch >= 'a' && ch <= 'z') || (ch >= 'A' && ch <= 'Z') || (ch >= '0' && ch <= '9') ||
                    ch == '_' || ch == '.' || ch == '-';
    out += ok ? ch : '_';
  }
  return out;
}

enum class StatKind { kDouble, kInt64, kBool };

class Writer {
 public:
  Writer(NcFile& nc, const DrawSet& d, const RunInfo& info, const NetcdfWriteOptions& opt)
      : nc_(nc),
        d_(d),
        info_(info),
        opt_(opt),
        created_at_(iso_utc_now()),
        vars_(group_params(std::vector<std::string>(d.names.begin(), d.names.begin() + d.n_parameters()))) {
    if (d.n_predictive > 0) {
      // y_rep[1..N] as one variable named like the observed data (az.plot_ppc pairs them).
      ParamVar v;
      v.name = d.observed_name;
      v.shape = {static_cast<std::size_t>(d.n_predictive)};
      for (int i = 0; i < d.n_predictive; ++i) v.members.push_back({d.n_parameters() + i, static_cast<std::size_t>(i)});
      predictive_.push_back(v);
    }
  }

  void write_all() {
    int old = 0;
    nc_.check(nc_set_fill(nc_.id(), NC_NOFILL, &old), "set_fill");
    root_attrs();
    const int w = d_.n_warmup_saved;
    params("posterior", w, d_.n_draws - w);
    stats("sample_stats", w, d_.n_draws - w);
    if (d_.n_predictive > 0) {
      params("posterior_predictive", w, d_.n_draws - w, predictive_);
      if (!d_.observed.empty()) observed_data();
    }
    if (w > 0) {
      params("warmup_posterior", 0, w);
      if (d_.n_predictive > 0) params("warmup_posterior_predictive", 0, w, predictive_);
      stats("warmup_sample_stats", 0, w);
    }
  }

 private:
  void text(int g, const std::string& name, const std::string& value) {
    nc_.check(nc_put_att_text(g, NC_GLOBAL, name.c_str(), value.size(), value.c_str()), "attribute " + name);
  }
  /// Every group's attributes (ArviZ shows a group's own, not the file's root): the library,
  /// and which model, algorithm and seed made the draws.
  void library_attrs(int g) {
    text(g, "created_at", created_at_);
    text(g, "inference_library", "lockstep");
    text(g, "inference_library_version", opt_.version.empty() ? LOCKSTEP_VERSION : opt_.version);
    text(g, "model", info_.model);
    text(g, "algorithm", info_.algorithm);
    const unsigned long long seed = info_.seed;
    nc_.check(nc_put_att_ulonglong(g, NC_GLOBAL, "seed", NC_UINT64, 1, &seed), "attribute seed");
  }

  void root_attrs() {
    const int g = nc_.id();
    library_attrs(g);
    text(g, "data_file", info_.data_file);
    const unsigned long long grads = info_.gradient_evaluations;
    nc_.check(nc_put_att_int(g, NC_GLOBAL, "num_warmup", NC_INT, 1, &info_.num_warmup), "attribute num_warmup");
    nc_.check(nc_put_att_int(g, NC_GLOBAL, "thin", NC_INT, 1, &info_.thin), "attribute thin");
    nc_.check(nc_put_att_ulonglong(g, NC_GLOBAL, "gradient_evaluations", NC_UINT64, 1, &grads),
              "attribute gradient_evaluations");
    const long long div = info_.divergences;
    nc_.check(nc_put_att_longlong(g, NC_GLOBAL, "divergences", NC_INT64, 1, &div), "attribute divergences");
    nc_.check(nc_put_att_double(g, NC_GLOBAL, "warmup_seconds", NC_DOUBLE, 1, &info_.warmup_seconds),
              "attribute warmup_seconds");
    nc_.check(nc_put_att_double(g, NC_GLOBAL, "sampling_seconds", NC_DOUBLE, 1, &info_.sampling_seconds),
              "attribute sampling_seconds");
    if (!info_.step_size.empty())
      nc_.check(nc_put_att_double(g, NC_GLOBAL, "step_size_adapted", NC_DOUBLE, info_.step_size.size(),
                                  info_.step_size.data()),
                "attribute step_size_adapted");
    if (!info_.inv_metric.empty()) {
      const std::size_t dim = info_.inv_metric[0].size();
      std::vector<double> flat;
      for (const auto& m : info_.inv_metric) {
        if (m.size() != dim) throw std::invalid_argument("write_inference_data_netcdf: inv_metric sizes differ");
        flat.insert(flat.end(), m.begin(), m.end());
      }
      const int dim_i = static_cast<int>(dim);
      nc_.check(nc_put_att_int(g, NC_GLOBAL, "inv_metric_dim", NC_INT, 1, &dim_i), "attribute inv_metric_dim");
      if (!flat.empty())
        nc_.check(nc_put_att_double(g, NC_GLOBAL, "inv_metric_adapted", NC_DOUBLE, flat.size(), flat.data()),
                  "attribute inv_metric_adapted");
    }
    if (!info_.dense_inv_metric.empty()) {
      std::vector<double> flat;
      for (const auto& m : info_.dense_inv_metric) {
        if (m.size() != info_.dense_inv_metric[0].size())
          throw std::invalid_argument("write_inference_data_netcdf: dense_inv_metric sizes differ");
        flat.insert(flat.end(), m.begin(), m.end());
      }
      if (!flat.empty())
        nc_.check(nc_put_att_double(g, NC_GLOBAL, "dense_inv_metric_adapted", NC_DOUBLE, flat.size(), flat.data()),
                  "attribute dense_inv_metric_adapted");
    }
    for (const auto& kv : info_.config) text(g, "config_" + attr_key(kv.first), kv.second);
  }

  /// A group with dims chain, draw and their coordinate variables; returns the group id.
  int group(const std::string& name, int n_draws, int* dim_chain, int* dim_draw) {
    int g;
    nc_.check(nc_def_grp(nc_.id(), name.c_str(), &g), "group " + name);
    library_attrs(g);
    *dim_chain = def_coord(g, "chain", static_cast<std::size_t>(d_.n_chains));
    *dim_draw = def_coord(g, "draw", static_cast<std::size_t>(n_draws));
    return g;
  }

  /// The name of dimension k of variable `var`: the model's (DrawSet::dims), else var_dim_k.
  std::string dim_name(const std::string& var, std::size_t k) const {
    for (const auto& entry : d_.dims)
      if (entry.first == var && k < entry.second.size()) return entry.second[k];
    return var + "_dim_" + std::to_string(k);
  }

  /// Dimension `name` of extent n with its coordinate variable 0..n-1 (int64).
  int def_coord(int g, const std::string& name, std::size_t n) {
    int dim, var;
    nc_.check(nc_def_dim(g, name.c_str(), n, &dim), "dimension " + name);
    nc_.check(nc_def_var(g, name.c_str(), NC_INT64, 1, &dim, &var), "variable " + name);
    std::vector<long long> v(n);
    for (std::size_t i = 0; i < n; ++i) v[i] = static_cast<long long>(i);
    if (n > 0) nc_.check(nc_put_var_longlong(g, var, v.data()), "write " + name);
    return dim;
  }

  /// Dimension `name` with a string coordinate variable holding `labels`.
  int def_label_coord(int g, const std::string& name, const std::vector<std::string>& labels) {
    int dim, var;
    nc_.check(nc_def_dim(g, name.c_str(), labels.size(), &dim), "dimension " + name);
    nc_.check(nc_def_var(g, name.c_str(), NC_STRING, 1, &dim, &var), "variable " + name);
    std::vector<const char*> p;
    for (const auto& l : labels) p.push_back(l.c_str());
    if (!p.empty()) nc_.check(nc_put_var_string(g, var, p.data()), "write " + name);
    return dim;
  }

  int def_var(int g, const std::string& name, nc_type type, const std::vector<int>& dims) {
    int var;
    nc_.check(nc_def_var(g, name.c_str(), type, static_cast<int>(dims.size()), dims.data(), &var),
              "variable " + name);
    nc_.check(nc_def_var_chunking(g, var, NC_CONTIGUOUS, nullptr), "storage of " + name);
    return var;
  }

  /// Draws [d0, d0 + nd) of quantity q, [chain][draw]: a view into the DrawSet when that is
  /// already contiguous, else a copy in buf_.
  const double* block(bool stat, int q, int d0, int nd) {
    if (d0 == 0 && nd == d_.n_draws) return stat ? d_.stat_series(q, 0) : d_.series(q, 0);
    buf_.resize(static_cast<std::size_t>(d_.n_chains) * nd);
    for (int c = 0; c < d_.n_chains; ++c) {
      const double* s = (stat ? d_.stat_series(q, c) : d_.series(q, c)) + d0;
      std::copy(s, s + nd, buf_.begin() + static_cast<std::size_t>(c) * nd);
    }
    return buf_.data();
  }

  /// observed_data: the observed values the posterior predictive draws replicate, with no
  /// chain or draw dimension.
  void observed_data() {
    int g;
    nc_.check(nc_def_grp(nc_.id(), "observed_data", &g), "group observed_data");
    library_attrs(g);
    const std::string& name = d_.observed_name;
    const int dim = def_coord(g, dim_name(name, 0), d_.observed.size());
    const int var = def_var(g, name, NC_DOUBLE, {dim});
    if (!d_.observed.empty()) nc_.check(nc_put_var_double(g, var, d_.observed.data()), "write " + name);
  }

  void params(const std::string& name, int d0, int nd) { params(name, d0, nd, vars_); }

  void params(const std::string& name, int d0, int nd, const std::vector<ParamVar>& vars) {
    int dc, dd;
    const int g = group(name, nd, &dc, &dd);
    if (name == "posterior" && !info_.superchain.empty())
      nc_.check(nc_put_att_int(g, NC_GLOBAL, "superchain", NC_INT, info_.superchain.size(),
                               info_.superchain.data()),
                "attribute superchain");
    const std::size_t cd = static_cast<std::size_t>(d_.n_chains) * nd;
    // Dimensions already defined in this group, by name: a named dimension that two variables
    // share (DrawSet::dims) is defined once, if both give it the same extent and labels.
    std::map<std::string, std::pair<int, std::vector<std::string>>> defined;
    for (const ParamVar& v : vars) {
      std::vector<int> dims{dc, dd};
      for (std::size_t k = 0; k < v.shape.size(); ++k) {
        const std::vector<std::string> labels = v.labels.empty() ? std::vector<std::string>{} : v.labels[k];
        std::string dim = dim_name(v.name, k);
        const auto it = defined.find(dim);
        if (it != defined.end()) {
          std::size_t extent = 0;
          nc_.check(nc_inq_dimlen(g, it->second.first, &extent), "dimension " + dim);
          if (extent == v.shape[k] && it->second.second == labels) {
            dims.push_back(it->second.first);
            continue;
          }
          dim = v.name + "_dim_" + std::to_string(k);  // the name is taken with other coordinates
        }
        const int id = labels.empty() ? def_coord(g, dim, v.shape[k]) : def_label_coord(g, dim, labels);
        defined[dim] = {id, labels};
        dims.push_back(id);
      }
      const int var = def_var(g, v.name, NC_DOUBLE, dims);
      if (cd == 0) continue;
      if (v.shape.empty()) {
        nc_.check(nc_put_var_double(g, var, block(false, v.members[0].first, d0, nd)), "write " + v.name);
        continue;
      }
      // (chain, draw, k...) interleaves the members: written a slab of chains at a time, about
      // 8 MB each, so that the copy never doubles the memory of a large run (16384 chains x
      // 1000 draws of theta[8] would be a 1 GB buffer).
      const std::size_t K = v.size();
      const std::size_t per_chain = static_cast<std::size_t>(nd) * K;
      const int slab = static_cast<int>(std::max<std::size_t>(1, (std::size_t{8} << 20) / (8 * per_chain)));
      std::vector<double> out;
      for (int c0 = 0; c0 < d_.n_chains; c0 += slab) {
        const int nc = std::min(slab, d_.n_chains - c0);
        out.assign(static_cast<std::size_t>(nc) * per_chain, std::numeric_limits<double>::quiet_NaN());
        for (const auto& m : v.members)
          for (int c = 0; c < nc; ++c) {
            const double* s = d_.series(m.first, c0 + c) + d0;
            double* o = out.data() + static_cast<std::size_t>(c) * per_chain + m.second;
            for (int i = 0; i < nd; ++i) o[static_cast<std::size_t>(i) * K] = s[i];
          }
        std::vector<std::size_t> start(dims.size(), 0), count(dims.size());
        start[0] = static_cast<std::size_t>(c0);
        count[0] = static_cast<std::size_t>(nc);
        count[1] = static_cast<std::size_t>(nd);
        for (std::size_t k = 0; k < v.shape.size(); ++k) count[2 + k] = v.shape[k];
        nc_.check(nc_put_vara_double(g, var, start.data(), count.data(), out.data()), "write " + v.name);
      }
    }
  }

  static StatKind kind_of(const std::string& stan_name, const double* v, std::size_t n) {
    if (stan_name == "divergent__") return StatKind::kBool;
    if (stan_name != "treedepth__" && stan_name != "n_leapfrog__") return StatKind::kDouble;
    for (std::size_t i = 0; i < n; ++i)
      if (!(std::fabs(v[i]) < 9.0e15) || v[i] != std::floor(v[i])) return StatKind::kDouble;
    return StatKind::kInt64;
  }

  void stats(const std::string& name, int d0, int nd) {
    int dc, dd;
    const int g = group(name, nd, &dc, &dd);
    const std::size_t cd = static_cast<std::size_t>(d_.n_chains) * nd;
    for (std::size_t s = 0; s < d_.stat_names.size(); ++s) {
      const std::string& stan = d_.stat_names[s];
      const std::string out_name = arviz_stat_name(stan);
      const double* v = cd ? block(true, static_cast<int>(s), d0, nd) : nullptr;
      const StatKind kind = kind_of(stan, v, cd);
      if (kind == StatKind::kDouble) {
        const int var = def_var(g, out_name, NC_DOUBLE, {dc, dd});
        if (cd) nc_.check(nc_put_var_double(g, var, v), "write " + out_name);
      } else if (kind == StatKind::kInt64) {
        const int var = def_var(g, out_name, NC_INT64, {dc, dd});
        std::vector<long long> iv(cd);
        for (std::size_t i = 0; i < cd; ++i) iv[i] = static_cast<long long>(v[i]);
        if (cd) nc_.check(nc_put_var_longlong(g, var, iv.data()), "write " + out_name);
      } else {
        // xarray's convention for booleans in netCDF: int8 plus attribute dtype = "bool".
        const int var = def_var(g, out_name, NC_BYTE, {dc, dd});
        nc_.check(nc_put_att_text(g, var, "dtype", 4, "bool"), "attribute dtype of " + out_name);
        std::vector<signed char> bv(cd);
        for (std::size_t i = 0; i < cd; ++i) bv[i] = v[i] != 0 ? 1 : 0;
        if (cd) nc_.check(nc_put_var_schar(g, var, bv.data()), "write " + out_name);
      }
    }
  }

  NcFile& nc_;
  const DrawSet& d_;
  const RunInfo& info_;
  const NetcdfWriteOptions& opt_;
  std::string created_at_;
  std::vector<ParamVar> vars_;
  std::vector<ParamVar> predictive_;  // the posterior predictive variable, if any
  std::vector<double> buf_;
};

void validate(const DrawSet& d, const RunInfo& info) {
  auto bad = [](const std::string& what) {
    throw std::invalid_argument("write_inference_data_netcdf: " + what);
  };
  if (d.n_chains < 1) bad("no chains");
  if (d.n_draws < 0 || d.n_warmup_saved < 0 || d.n_warmup_saved > d.n_draws)
    bad("n_warmup_saved not within n_draws");
  // (netCDF would take a dimension of length 0 for an unlimited one.)
  if (d.n_draws == d.n_warmup_saved) bad("no draws after warmup");
  const std::size_t per = static_cast<std::size_t>(d.n_chains) * d.n_draws;
  if (d.values.size() != d.names.size() * per) bad("values size does not match names x chains x draws");
  if (d.stats.size() != d.stat_names.size() * per) bad("stats size does not match stat_names x chains x draws");
  if (d.n_predictive < 0 || d.n_predictive > static_cast<int>(d.names.size())) bad("n_predictive out of range");
  if (d.n_predictive > 0 && ((!d.observed.empty() && d.observed.size() != static_cast<std::size_t>(d.n_predictive)) ||
                             d.observed_name.empty() ||
                             d.observed_name == "chain" || d.observed_name == "draw"))
    bad("posterior predictive draws need the observed data, one value each, and a usable name");
  if (!info.step_size.empty() && info.step_size.size() != static_cast<std::size_t>(d.n_chains))
    bad("step_size size is not the number of chains");
  if (!info.inv_metric.empty() && info.inv_metric.size() != static_cast<std::size_t>(d.n_chains))
    bad("inv_metric size is not the number of chains");
  if (!info.dense_inv_metric.empty() && info.dense_inv_metric.size() != static_cast<std::size_t>(d.n_chains))
    bad("dense_inv_metric size is not the number of chains");
  if (!info.superchain.empty() && info.superchain.size() != static_cast<std::size_t>(d.n_chains))
    bad("superchain size is not the number of chains");
  for (const auto& n : d.stat_names) {
    const std::string a = arviz_stat_name(n);
    if (a.empty() || a == "chain" || a == "draw") bad("sampler statistic '" + n + "' has no usable name");
  }
}

}  // namespace

std::string arviz_stat_name(const std::string& stan_name) {
  static const std::pair<const char*, const char*> kNames[] = {
      {"lp__", "lp"},           {"accept_stat__", "acceptance_rate"}, {"stepsize__", "step_size"},
      {"treedepth__", "tree_depth"}, {"n_leapfrog__", "n_steps"},      {"divergent__", "diverging"},
      {"energy__", "energy"}};
  for (const auto& kv : kNames)
    if (stan_name == kv.first) return kv.second;
  if (stan_name.size() > 2 && stan_name.compare(stan_name.size() - 2, 2, "__") == 0)
    return stan_name.substr(0, stan_name.size() - 2);
  return stan_name;
}

bool hdf5_left_open() { return g_hdf5_left_open; }

void write_inference_data_netcdf(const std::string& path, const DrawSet& draws, const RunInfo& info,
                                 const NetcdfWriteOptions& options) {
  validate(draws, info);
  AtomicFile temp(path, AtomicFile::Mode::kByName);  // removed unless committed below
  {
    NcFile nc(temp.temp_path(), path);  // closed before `temp` is removed on failure
    Writer(nc, draws, info, options).write_all();
    nc.close();
  }
  temp.commit();
}

}  // namespace io
}  // namespace lockstep
