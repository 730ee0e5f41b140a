// Stan CSV writer: see stan_csv_writer.hpp.
#include "host/io/stan_csv_writer.hpp"

#include "host/io/stan_csv_reader.hpp"

#include <charconv>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <ctime>
#include <initializer_list>
#include <memory>
#include <stdexcept>

#include "host/io/atomic_file.hpp"

namespace lockstep {
namespace io {
namespace {

/// An earlier run's chain files beyond this run's count (stem_{n+1}.csv, stem_{n+2}.csv, ...
/// while they exist and start like a Stan CSV file, '#'): a run with fewer chains retires them
/// with its own set, so `summary stem_*.csv` never mixes two runs.
std::vector<std::string> stale_chain_files(const std::string& base_path, int n_chains) {
  std::vector<std::string> stale;
  const std::string first = stan_csv_paths(base_path, 1)[0];  // STEM_1.csv
  const std::string stem = first.substr(0, first.size() - std::string("1.csv").size());
  for (int c = n_chains + 1;; ++c) {
    const std::string path = stem + std::to_string(c) + ".csv";
    std::FILE* f = std::fopen(path.c_str(), "rb");
    if (!f) break;
    const int first = std::fgetc(f);
    std::fclose(f);
    if (first != '#') break;
    stale.push_back(path);
  }
  return stale;
}

// 10^0 .. 10^22: the powers of ten a double holds exactly.
constexpr int kMaxExactPow10 = 22;
constexpr double kExactPow10[kMaxExactPow10 + 1] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,
                                                1e8,  1e9,  1e10, 1e11, 1e12, 1e13, 1e14, 1e15,
                                                1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};
// The fast path rounds m < 10^P held in a double (error <= m 2^-53); above 12 digits the
// uncertain window around a tie grows too wide to be worth it.
constexpr int kMaxFastDigits = 12;

constexpr char kTwoDigits[] =
    "00010203040506070809101112131415161718192021222324252627282930313233343536373839"
    "40414243444546474849505152535455565758596061626364656667686970717273747576777879"
    "8081828384858687888990919293949596979899";

char* format_exact(double x, int sig_figs, char* out) {
  return std::to_chars(out, out + 32, x, std::chars_format::general, sig_figs).ptr;
}

double scale_pow10(double a, int k) { return k >= 0 ? a * kExactPow10[k] : a / kExactPow10[-k]; }

}  // namespace

char* format_general(double x, int sig_figs, char* out) {
  std::uint64_t bits;
  std::memcpy(&bits, &x, sizeof bits);
  const int biased = static_cast<int>((bits >> 52) & 0x7ff);
  const bool negative = (bits >> 63) != 0;
  if (biased == 0x7ff) {  // inf or NaN
    if ((bits << 12) != 0) {
      std::memcpy(out, "nan", 3);
      return out + 3;
    }
    if (negative) *out++ = '-';
    std::memcpy(out, "inf", 3);
    return out + 3;
  }
  const int P = sig_figs < 1 ? 1 : (sig_figs > 17 ? 17 : sig_figs);
  if ((bits << 1) == 0) {  // +-0
    if (negative) *out++ = '-';
    *out++ = '0';
    return out;
  }
  if (P > kMaxFastDigits || biased == 0) return format_exact(x, P, out);

  // |x| = f 2^e2 with f in [1, 2): floor(log10|x|) is e10 or e10 + 1 for
  // e10 = floor(e2 log10 2) (78913 / 2^18 = 0.3010299..., exact floor for |e2| < 1700).
  const int e2 = biased - 1023;
  int e10 = (e2 * 78913) >> 18;
  const double a = std::fabs(x);
  const double lo = kExactPow10[P - 1], hi = kExactPow10[P];
  int k = P - 1 - e10;
  if (k > kMaxExactPow10 || k < -kMaxExactPow10) return format_exact(x, P, out);
  // m = |x| 10^(P-1-e10): one correctly rounded operation on exact operands, so
  // |m - exact| <= m 2^-53, far below the unit being rounded to.
  double m = scale_pow10(a, k);
  if (m < lo) {
    --e10;
    if (++k > kMaxExactPow10) return format_exact(x, P, out);
    m = scale_pow10(a, k);
  } else if (m >= hi) {
    ++e10;
    if (--k < -kMaxExactPow10) return format_exact(x, P, out);
    m = scale_pow10(a, k);
    if (m < lo) m = lo;  // |x| is within rounding of 10^e10: it prints as that power
  }
  std::uint64_t n = static_cast<std::uint64_t>(m);  // floor, m > 0
  const double frac = m - static_cast<double>(n);  // exact
  // Too close to a tie to trust the rounded m (or an exact tie, which C rounds to even):
  // the exact algorithm decides. The window is 2 m 2^-50 < 10^P 2^-49 of the unit
  // interval: ~2e-7 of all values for P = 8, ~2e-3 for P = 12.
  if (std::fabs(frac - 0.5) <= m * 0x1p-50) return format_exact(x, P, out);
  n += frac > 0.5 ? 1 : 0;
  if (static_cast<double>(n) == hi) {
    n /= 10;
    ++e10;
  }

  // The P digits of n; copies below move a fixed 16 bytes (no memcpy call) and advance by
  // the valid length, hence the slack in d and the 32 bytes required at `out`.
  char d[32];
  int i = P;
  while (i >= 2) {
    const unsigned r = static_cast<unsigned>(n % 100);
    n /= 100;
    i -= 2;
    std::memcpy(d + i, kTwoDigits + 2 * r, 2);
  }
  if (i == 1) d[0] = static_cast<char>('0' + n);
  int last = P - 1;  // %g drops trailing zeros of the fraction
  while (last > 0 && d[last] == '0') --last;

  *out = '-';
  out += negative;
  if (e10 < -4 || e10 >= P) {  // d.ddde+XX
    out[0] = d[0];
    out[1] = '.';
    std::memcpy(out + 2, d + 1, 16);
    out += last > 0 ? last + 2 : 1;
    int e = e10;
    out[0] = 'e';
    out[1] = e < 0 ? '-' : '+';
    out += 2;
    if (e < 0) e = -e;
    if (e >= 100) *out++ = static_cast<char>('0' + e / 100);
    std::memcpy(out, kTwoDigits + 2 * (e % 100), 2);
    out += 2;
  } else if (e10 >= 0) {  // ddd.ddd
    std::memcpy(out, d, 16);
    out += e10 + 1;
    if (last > e10) {
      *out = '.';
      std::memcpy(out + 1, d + e10 + 1, 16);
      out += last - e10 + 1;
    }
  } else {  // 0.000ddd
    std::memcpy(out, "0.000000", 8);
    out += 1 - e10;
    std::memcpy(out, d, 16);
    out += last + 1;
  }
  return out;
}

std::string stan_csv_column_name(const std::string& name) {
  const std::size_t open = name.find('[');
  if (open == std::string::npos || open == 0 || name.back() != ']') return name;
  std::string out = name.substr(0, open) + ".";
  for (std::size_t i = open + 1; i + 1 < name.size(); ++i) {
    if (name[i] == ' ') continue;
    out += name[i] == ',' ? '.' : name[i];
  }
  return out;
}

std::vector<std::string> stan_csv_paths(const std::string& base_path, int n_chains) {
  std::string stem = base_path;
  const std::string ext = ".csv";
  if (stem.size() >= ext.size() && stem.compare(stem.size() - ext.size(), ext.size(), ext) == 0)
    stem.resize(stem.size() - ext.size());
  std::vector<std::string> paths;
  paths.reserve(n_chains);
  for (int c = 1; c <= n_chains; ++c) paths.push_back(stem + "_" + std::to_string(c) + ext);
  return paths;
}

namespace {

/// One comment-line value: no line breaks may leak into the CSV.
std::string one_line(std::string s) {
  for (char& ch : s)
    if (ch == '\n' || ch == '\r') ch = ' ';
  return s;
}

std::string format_number(double x, int sig_figs) {
  char buf[32];
  return std::string(buf, format_general(x, sig_figs, buf));
}

std::string utc_now() {
  std::time_t t = std::time(nullptr);
  std::tm tm{};
  gmtime_r(&t, &tm);
  char buf[32];
  std::strftime(buf, sizeof buf, "%Y-%m-%d %H:%M:%S UTC", &tm);
  return buf;
}

struct Layout {
  int n_warmup_iterations = 0;  // RunInfo::num_warmup, or derived from the saved rows
  int thin = 1;
};

Layout validate(const DrawSet& d, const RunInfo& info, const StanCsvWriteOptions& opt) {
  auto bad = [](const std::string& what) { throw std::invalid_argument("write_stan_csv: " + what); };
  if (d.n_chains < 1) bad("no chains");
  if (d.n_draws < 0 || d.n_warmup_saved < 0 || d.n_warmup_saved > d.n_draws)
    bad("n_warmup_saved " + std::to_string(d.n_warmup_saved) + " not within n_draws " +
        std::to_string(d.n_draws));
  const std::size_t per = static_cast<std::size_t>(d.n_chains) * d.n_draws;
  if (d.values.size() != d.names.size() * per) bad("values size does not match names x chains x draws");
  if (d.stats.size() != d.stat_names.size() * per)
    bad("stats size does not match stat_names x chains x draws");
  if (!info.step_size.empty() && info.step_size.size() != static_cast<std::size_t>(d.n_chains))
    bad("step_size has " + std::to_string(info.step_size.size()) + " entries for " +
        std::to_string(d.n_chains) + " chains");
  if (!info.inv_metric.empty() && info.inv_metric.size() != static_cast<std::size_t>(d.n_chains))
    bad("inv_metric has " + std::to_string(info.inv_metric.size()) + " entries for " +
        std::to_string(d.n_chains) + " chains");
  if (!info.dense_inv_metric.empty()) {
    if (info.dense_inv_metric.size() != static_cast<std::size_t>(d.n_chains))
      bad("dense_inv_metric has " + std::to_string(info.dense_inv_metric.size()) + " entries for " +
          std::to_string(d.n_chains) + " chains");
    for (const auto& m : info.dense_inv_metric) {
      const auto n = static_cast<std::size_t>(std::llround(std::sqrt(static_cast<double>(m.size()))));
      if (n * n != m.size()) bad("a dense_inv_metric of " + std::to_string(m.size()) + " values is not square");
    }
  }
  if (!info.superchain.empty() && info.superchain.size() != static_cast<std::size_t>(d.n_chains))
    bad("superchain has " + std::to_string(info.superchain.size()) + " entries for " +
        std::to_string(d.n_chains) + " chains");
  if (opt.sig_figs < 1 || opt.sig_figs > 17) bad("sig_figs must be within 1..17");
  if (info.thin < 1) bad("thin must be at least 1");
  for (const auto* names : {&d.names, &d.stat_names})
    for (const auto& n : *names) {
      const std::string col = names == &d.names ? stan_csv_column_name(n) : n;
      if (col.empty() || col.find_first_of(",\n\r\"") != std::string::npos)
        bad("column name '" + one_line(n) + "' is empty or has a comma, quote or line break");
    }
  Layout lay;
  lay.thin = info.thin;
  lay.n_warmup_iterations = info.num_warmup;
  if (d.n_warmup_saved > 0) {
    if (info.num_warmup == 0) lay.n_warmup_iterations = d.n_warmup_saved * info.thin;
    // Readers (ArviZ, CmdStanPy) infer the warmup rows from save_warmup/num_warmup/thin.
    if ((lay.n_warmup_iterations + info.thin - 1) / info.thin != d.n_warmup_saved)
      bad("n_warmup_saved " + std::to_string(d.n_warmup_saved) + " does not match num_warmup " +
          std::to_string(info.num_warmup) + " / thin " + std::to_string(info.thin));
  }
  return lay;
}

/// The preamble shared by all chains up to (not including) `# id = k`, and the part
/// after the output file name.
struct Preamble {
  std::string before_id;
  std::string after_output;
};

/// The value of the first config entry named one of `keys`, else `fallback`.
std::string config_value(const RunInfo& info, std::initializer_list<const char*> keys, const std::string& fallback) {
  for (const auto& kv : info.config)
    for (const char* k : keys)
      if (kv.first == k) return one_line(kv.second);
  return fallback;
}

/// NUTS's tree-depth limit for the header (CmdStanPy requires it): RunInfo::config's
/// max_depth / max_treedepth / max_tree_depth, else Stan's default 10.
std::string max_depth_of(const RunInfo& info) {
  return config_value(info, {"max_depth", "max_treedepth", "max_tree_depth"}, "10");
}

/// CmdStan's `method = variational` section for draws of `lockstep vi` (ADVI), with CmdStan's
/// key names: algorithm (meanfield | fullrank), iter (the step budget), grad_samples, elbo_samples,
/// eta (Adam's learning rate here, not Stan's adaptively chosen SGD step: adapt engaged = 0),
/// tol_rel_obj, eval_elbo and output_samples. CmdStanPy and ArviZ read the method from it.
std::string variational_method(const DrawSet& d, const RunInfo& info) {
  std::string s = "# method = variational\n#   variational\n";
  const std::string approx = config_value(info, {"approx"}, "meanfield");
  s += "#     algorithm = " + approx + "\n#       " + approx + "\n";
  s += "#     iter = " + config_value(info, {"steps"}, "10000") + "\n";
  s += "#     grad_samples = " + config_value(info, {"samples"}, "1") + "\n";
  s += "#     elbo_samples = " + config_value(info, {"elbo_samples"}, "100") + "\n";
  s += "#     eta = " + config_value(info, {"learning_rate"}, "0.01") + "\n";
  s += "#     adapt\n#       engaged = 0\n";
  s += "#     tol_rel_obj = " + config_value(info, {"tol_rel_obj"}, "0.01") + "\n";
  s += "#     eval_elbo = " + config_value(info, {"eval_every"}, "100") + "\n";
  s += "#     output_samples = " + std::to_string(d.n_draws) + "\n";
  return s;
}

Preamble make_preamble(const DrawSet& d, const RunInfo& info, const Layout& lay,
                       const StanCsvWriteOptions& opt) {
  Preamble p;
  std::string& s = p.before_id;
  // Our own section first: readers that flatten the preamble into one key -> value map
  // (ArviZ, CmdStanPy) keep the last value of a key, so CmdStan's keys below must win over
  // a config entry of the same name (e.g. "metric", "thin").
  s += "# lockstep_version = " + one_line(opt.version.empty() ? LOCKSTEP_VERSION : opt.version) + "\n";
  s += "# lockstep\n";
  s += "#   algorithm = " + one_line(info.algorithm) + "\n";
  s += "#   gradient_evaluations = " + std::to_string(info.gradient_evaluations) + "\n";
  // Names whose Stan CSV spelling does not read back (labels: r_county[AITKIN,Intercept] ->
  // r_county.AITKIN.Intercept): the reader renames those columns by this section.
  std::string labeled;
  for (const auto& n : d.names) {
    const std::string col = stan_csv_column_name(n);
    if (from_stan_csv_column_name(col) != n) labeled += "#     " + col + " = " + one_line(n) + "\n";
  }
  if (!labeled.empty()) s += "#   names\n" + labeled;
  s += "#   config\n";
  for (const auto& kv : info.config) {
    std::string key = one_line(kv.first);
    for (char& ch : key)
      if (ch == '=' || ch == ' ') ch = '_';
    s += "#     " + key + " = " + one_line(kv.second) + "\n";
  }
  const bool adapted = !info.step_size.empty();
  s += "# model = " + one_line(info.model) + "\n";
  s += "# start_datetime = " + utc_now() + "\n";
  if (info.algorithm == "vi") {
    s += variational_method(d, info);
    s += "#     num_chains = 1\n";
    p.after_output = "#   sig_figs = " + std::to_string(opt.sig_figs) + "\n";
    return p;
  }
  s += "# method = sample (Default)\n";
  s += "#   sample\n";
  // The sampling iterations that ran (CmdStan's num_samples: --draws 1000 --thin 3 keeps 334),
  // when the draws are the whole run's; else (a run's draws so far, unknown) saved x thin.
  const long saved = static_cast<long>(d.n_draws - d.n_warmup_saved);
  const long ran = info.num_samples;
  const bool whole = ran > 0 && (ran + lay.thin - 1) / lay.thin == saved;
  s += "#     num_samples = " + std::to_string(whole ? ran : saved * lay.thin) + "\n";
  s += "#     num_warmup = " + std::to_string(lay.n_warmup_iterations) + "\n";
  s += std::string("#     save_warmup = ") + (d.n_warmup_saved > 0 ? "true" : "false") + "\n";
  s += "#     thin = " + std::to_string(lay.thin) + "\n";
  s += "#     adapt\n";
  s += std::string("#       engaged = ") + (adapted ? "true" : "false") + "\n";
  if (!info.stan_engine.empty()) {
    s += "#     algorithm = hmc\n";
    s += "#       hmc\n";
    if (info.stan_engine == "nuts") {
      s += "#         engine = nuts\n";
      s += "#           nuts\n";
      s += "#             max_depth = " + max_depth_of(info) + "\n";
    } else {
      s += "#         engine = " + one_line(info.stan_engine) + "\n";
    }
    const char* metric = !info.dense_inv_metric.empty() ? "dense_e" : !info.inv_metric.empty() ? "diag_e" : "unit_e";
    s += std::string("#         metric = ") + metric + "\n";
  } else {
    s += "#     algorithm = " + one_line(info.algorithm) + "\n";
  }
  s += "#     num_chains = " + std::to_string(d.n_chains) + "\n";
  p.after_output = "#   sig_figs = " + std::to_string(opt.sig_figs) + "\n";
  return p;
}

/// Appends the whole file of chain c to buf.
void format_chain(const DrawSet& d, const RunInfo& info, const Preamble& pre,
                  const std::string& file_name, int c, const std::string& header,
                  const StanCsvWriteOptions& opt, std::string& buf) {
  const int P = opt.sig_figs;
  buf.clear();
  buf += pre.before_id;
  buf += "# id = " + std::to_string(c + 1) + "\n";
  if (!info.superchain.empty()) buf += "# superchain = " + std::to_string(info.superchain[c] + 1) + "\n";
  buf += "# data\n#   file = " + one_line(info.data_file) + "\n";
  buf += "# random\n#   seed = " + std::to_string(info.seed) + "\n";
  buf += "# output\n#   file = " + one_line(file_name) + "\n";
  buf += pre.after_output;
  buf += header;

  const std::size_t n_stats = d.stat_names.size(), n_params = d.names.size();
  std::vector<const double*> cols;
  cols.reserve(n_stats + n_params);
  for (std::size_t s = 0; s < n_stats; ++s) cols.push_back(d.stat_series(static_cast<int>(s), c));
  for (std::size_t q = 0; q < n_params; ++q) cols.push_back(d.series(static_cast<int>(q), c));

  auto rows = [&](int from, int to) {
    if (to <= from || cols.empty()) return;
    const std::size_t start = buf.size();
    // <= 25 bytes per number and comma; format_general wants 32 writable bytes at `p`.
    buf.resize(start + static_cast<std::size_t>(to - from) * (cols.size() * 26 + 1) + 32);
    char* p = &buf[start];
    for (int i = from; i < to; ++i) {
      for (std::size_t j = 0; j < cols.size(); ++j) {
        p = format_general(cols[j][i], P, p);
        *p++ = ',';
      }
      p[-1] = '\n';
    }
    buf.resize(static_cast<std::size_t>(p - buf.data()));
  };

  rows(0, d.n_warmup_saved);
  if (!info.step_size.empty()) {
    buf += "# Adaptation terminated\n# Step size = " + format_number(info.step_size[c], P) + "\n";
    auto list = [&](const double* v, std::size_t n) {
      buf += "# ";
      for (std::size_t i = 0; i < n; ++i) {
        if (i) buf += ", ";
        buf += format_number(v[i], P);
      }
      buf += "\n";
    };
    if (!info.dense_inv_metric.empty()) {  // CmdStan's dense_e block: one comment line per row
      const auto& m = info.dense_inv_metric[c];
      const auto n = static_cast<std::size_t>(std::llround(std::sqrt(static_cast<double>(m.size()))));
      buf += "# Elements of inverse mass matrix:\n";
      for (std::size_t r = 0; r < n; ++r) list(m.data() + r * n, n);
    } else if (!info.inv_metric.empty()) {
      buf += "# Diagonal elements of inverse mass matrix:\n";
      list(info.inv_metric[c].data(), info.inv_metric[c].size());
    }
  }
  rows(d.n_warmup_saved, d.n_draws);
  // CmdStan's timing footer (6 significant digits, as its default stream precision).
  buf += "# \n#  Elapsed Time: " + format_number(info.warmup_seconds, 6) + " seconds (Warm-up)\n";
  buf += "#                " + format_number(info.sampling_seconds, 6) + " seconds (Sampling)\n";
  buf += "#                " + format_number(info.warmup_seconds + info.sampling_seconds, 6) +
         " seconds (Total)\n# \n";
}

std::string base_name(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  return slash == std::string::npos ? path : path.substr(slash + 1);
}

}  // namespace

void write_stan_csv(const std::string& base_path, const DrawSet& draws, const RunInfo& info,
                    const StanCsvWriteOptions& options) {
  const Layout lay = validate(draws, info, options);
  const Preamble pre = make_preamble(draws, info, lay, options);
  std::string header;
  for (const auto& n : draws.stat_names) header += n + ",";
  for (const auto& n : draws.names) header += stan_csv_column_name(n) + ",";
  if (!header.empty()) header.back() = '\n';

  const std::vector<std::string> paths = stan_csv_paths(base_path, draws.n_chains);
  std::vector<std::unique_ptr<AtomicFile>> files(draws.n_chains);
  std::vector<std::string> errors(draws.n_chains);
  // One file per iteration, each written whole and closed: at most one descriptor per
  // thread, and a failure is kept (by chain) instead of escaping the parallel region.
#pragma omp parallel
  {
    std::string buf;
#pragma omp for schedule(dynamic, 4)
    for (int c = 0; c < draws.n_chains; ++c) {
      try {
        format_chain(draws, info, pre, base_name(paths[c]), c, header, options, buf);
        files[c] = std::make_unique<AtomicFile>(paths[c]);
        files[c]->write(buf);
        files[c]->close();
      } catch (const std::exception& e) {
        errors[c] = e.what();
      }
    }
  }
  for (const auto& e : errors)
    if (!e.empty()) throw std::runtime_error(e);  // `files` removes every temporary
  std::vector<AtomicFile*> all;
  for (auto& f : files) all.push_back(f.get());
  AtomicFile::commit_all(all, stale_chain_files(base_path, draws.n_chains));
}

}  // namespace io
}  // namespace lockstep
