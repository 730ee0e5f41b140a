// lockstep._lockstep: the Python package's extension module (nanobind), over the same library
// as the `lockstep` command. One entry point runs a command line in this process
// (cli::run_in_process): the data crosses as JSON or CSV text in memory, the draws come back
// as NumPy arrays that own the run's buffers (no copy), the GIL is released while the lanes
// run, and Ctrl-C stops the run at its next segment (KeyboardInterrupt). The Python side
// (python/lockstep/) turns the arrays into an arviz.InferenceData.
#include <nanobind/nanobind.h>
#include <nanobind/ndarray.h>
#include <nanobind/stl/pair.h>
#include <nanobind/stl/string.h>
#include <nanobind/stl/vector.h>

#include <csignal>
#include <memory>
#include <mutex>
#include <string>
#include <utility>
#include <vector>

#include "host/backend/lanes.hpp"
#include "host/cli/run_cli.hpp"
#include "host/cli/summary_report.hpp"
#include "host/core/interrupt.hpp"
#include "host/io/csv_data.hpp"
#include "host/io/json_data.hpp"
#include "host/io/variable_groups.hpp"
#include "host/registry/any_model.hpp"
#include "models/contract/input_error.hpp"

namespace nb = nanobind;
using namespace lockstep;

namespace {

/// The progress callback of an in-process run: between segments it takes the GIL and lets
/// Python handle pending signals (Ctrl-C); a KeyboardInterrupt stops the run there (its buffers
/// are released by unwinding) and is raised again when the call returns.
class PythonSignals : public Progress {
 public:
  void update(long done, long total, long) override {
    nb::gil_scoped_acquire gil;
    if (PyErr_CheckSignals() != 0) {
      PyErr_Clear();
      interrupted_ = true;
      throw Interrupted(SIGINT, "after iteration " + std::to_string(done) + " of " + std::to_string(total));
    }
  }
  void finish() override {}
  bool interrupted() const { return interrupted_; }

 private:
  bool interrupted_ = false;
};

/// A float64 array that owns `values` (moved into it): shape (quantities, chains, draws).
nb::ndarray<nb::numpy, double> owned_array(DrawValues&& values, std::vector<std::size_t> shape) {
  auto* owner = new DrawValues(std::move(values));
  nb::capsule free_owner(owner, [](void* p) noexcept { delete static_cast<DrawValues*>(p); });
  return nb::ndarray<nb::numpy, double>(owner->data(), shape.size(), shape.data(), free_owner);
}

nb::dict run_info_dict(const RunInfo& info) {
  nb::dict d;
  d["model"] = info.model;
  d["algorithm"] = info.algorithm;
  d["seed"] = info.seed;
  d["num_warmup"] = info.num_warmup;
  d["thin"] = info.thin;
  d["config"] = info.config;
  d["step_size"] = info.step_size;
  d["inv_metric"] = info.inv_metric;
  d["warmup_seconds"] = info.warmup_seconds;
  d["sampling_seconds"] = info.sampling_seconds;
  d["gradient_evaluations"] = info.gradient_evaluations;
  d["divergences"] = info.divergences;
  d["superchain"] = info.superchain;
  return d;
}

/// Data text handed over from Python: "json" or "csv" (a table); "" gives none. `origin`
/// starts every error message ("data: field 'y': ...").
std::unique_ptr<DataSource> parse_in_memory(const std::string& text, const std::string& format,
                                            const std::string& origin) {
  if (format == "json") return parse_json_data(text, origin);
  if (format == "csv") return parse_csv_table(text, origin);
  if (!format.empty()) throw InputError(origin + ": unknown format '" + format + "' (json or csv)");
  return nullptr;
}

/// Runs `args` (the command line after "lockstep") in this process. data_format: "" (no data
/// in memory), "json" or "csv", with the text in data_text; newdata likewise (sample's
/// --newdata rows). Returns None for a command that keeps no draws (study, sbc, check, models,
/// info), else a dict of the draws and run facts.
nb::object run(const std::vector<std::string>& args, const std::string& data_text, const std::string& data_format,
               const std::string& newdata_text, const std::string& newdata_format) {
  std::unique_ptr<DataSource> data, newdata;
  cli::InProcess in_process;
  PythonSignals signals;
  in_process.progress = &signals;
  int status = 0;
  {
    nb::gil_scoped_release release;
    // One run at a time in a process: the library's process-wide settings (the backend, the
    // thread count, the checkpoint and interrupt state) are per process, as in the command.
    static std::mutex one_run;
    const std::lock_guard<std::mutex> lock(one_run);
    data = parse_in_memory(data_text, data_format, "data");
    newdata = parse_in_memory(newdata_text, newdata_format, "newdata");
    in_process.data = data.get();
    in_process.newdata = newdata.get();
    try {
      status = cli::run_in_process(args, in_process);
    } catch (const Interrupted&) {
      if (!signals.interrupted()) throw;
    }
  }
  if (signals.interrupted()) {
    PyErr_SetNone(PyExc_KeyboardInterrupt);
    throw nb::python_error();
  }
  if (status != 0) throw std::runtime_error("lockstep " + (args.empty() ? std::string() : args[0]) +
                                            ": finished with exit status " + std::to_string(status));
  if (!in_process.kept) return nb::none();
  DrawSet& d = in_process.draws;
  const std::size_t C = static_cast<std::size_t>(d.n_chains), D = static_cast<std::size_t>(d.n_draws);
  nb::dict out;
  out["names"] = d.names;
  out["stat_names"] = d.stat_names;
  out["values"] = owned_array(std::move(d.values), {d.names.size(), C, D});
  out["stats"] = owned_array(std::move(d.stats), {d.stat_names.size(), C, D});
  out["n_warmup_saved"] = d.n_warmup_saved;
  out["n_predictive"] = d.n_predictive;
  out["observed_name"] = d.observed_name;
  out["observed"] = d.observed;
  out["dims"] = d.dims;
  out["info"] = run_info_dict(in_process.info);
  return out;
}

/// The command's posterior summary (Vehtari et al. 2021: rank-normalized R-hat, bulk and tail
/// ESS, MCSE) of `values`, shape (quantity, chain, draw), C order: one list per column.
nb::dict summarize(nb::ndarray<const double, nb::ndim<3>, nb::c_contig, nb::device::cpu> values,
                   const std::vector<std::string>& names) {
  if (values.shape(0) != names.size())
    throw InputError("summary: " + std::to_string(values.shape(0)) + " quantities but " +
                     std::to_string(names.size()) + " names");
  DrawSet d;
  d.names = names;
  d.n_chains = static_cast<int>(values.shape(1));
  d.n_draws = static_cast<int>(values.shape(2));
  d.values.assign(values.data(), values.data() + values.size());
  cli::SummaryReport report;
  {
    nb::gil_scoped_release release;
    report = cli::summarize_draws(d);
  }
  std::vector<std::string> row_names;
  std::vector<double> cols[10];
  for (const cli::SummaryRow& r : report.rows) {
    row_names.push_back(r.name);
    const double v[10] = {r.mean, r.sd, r.q5, r.q50, r.q95, r.mcse_mean, r.mcse_sd, r.ess_bulk, r.ess_tail, r.rhat};
    for (int k = 0; k < 10; ++k) cols[k].push_back(v[k]);
  }
  const char* keys[10] = {"mean", "sd", "q5", "q50", "q95", "mcse_mean", "mcse_sd", "ess_bulk", "ess_tail", "r_hat"};
  nb::dict out;
  out["name"] = row_names;
  for (int k = 0; k < 10; ++k) out[keys[k]] = cols[k];
  return out;
}

/// `names` grouped into variables as the netCDF writer groups them (host/io/variable_groups.hpp):
/// per variable its name, shape, labels (per dimension; empty lists for integer indices), and
/// its members' indices in `names` with their row-major offsets in the shape.
nb::list variable_groups(const std::vector<std::string>& names) {
  nb::list out;
  for (const io::ParamVar& v : io::group_params(names)) {
    std::vector<int> members;
    std::vector<std::size_t> offsets;
    for (const auto& m : v.members) {
      members.push_back(m.first);
      offsets.push_back(m.second);
    }
    nb::dict d;
    d["name"] = v.name;
    d["shape"] = v.shape;
    d["labels"] = v.labels;
    d["members"] = members;
    d["offsets"] = offsets;
    out.append(d);
  }
  return out;
}

nb::list models() {
  nb::list out;
  for (const ModelEntry& e : model_table()) {
    const ModelInfo& i = e.info;
    nb::dict m;
    m["name"] = i.name;
    m["summary"] = i.summary;
    m["parameters"] = i.parameters;
    nb::list options, fields, flags, capabilities;
    for (const auto& o : i.options) {
      nb::dict od;
      od["name"] = o.name;
      od["default"] = o.default_value;
      od["help"] = o.help;
      options.append(od);
    }
    for (const auto& f : i.data_fields) {
      nb::dict fd;
      fd["name"] = f.name;
      fd["help"] = f.help;
      fields.append(fd);
    }
    for (const auto& f : i.flags) {
      nb::dict fd;
      fd["flag"] = f.flag;
      fd["help"] = f.help;
      fd["repeatable"] = f.repeatable;
      flags.append(fd);
    }
    for (Capability c : e.capabilities) capabilities.append(capability_name(c));
    m["options"] = options;
    m["data_fields"] = fields;
    m["flags"] = flags;
    m["algorithms"] = e.algorithms;
    m["capabilities"] = capabilities;
    out.append(m);
  }
  return out;
}

}  // namespace

NB_MODULE(_lockstep, m) {
  m.doc() = "lockstep's engine (the Python package's extension module; use the lockstep package)";
  nb::exception<InputError>(m, "InputError", PyExc_ValueError);
  m.def("run", &run, nb::arg("args"), nb::arg("data_text") = "", nb::arg("data_format") = "",
        nb::arg("newdata_text") = "", nb::arg("newdata_format") = "",
        "Runs a lockstep command line (after 'lockstep') in this process; the draws as arrays, or None.");
  m.def("variable_groups", &variable_groups, nb::arg("names"),
        "Output names grouped into variables as the netCDF files group them.");
  m.def("summarize", &summarize, nb::arg("values"), nb::arg("names"),
        "The command's summary of draws shaped (quantity, chain, draw): a dict of columns.");
  m.def("models", &models, "Every registered model: name, summary, parameters, options, data fields, algorithms.");
  m.def("version", [] { return std::string(LOCKSTEP_VERSION); });
  m.def("backend", [] { return backend::describe_backend(); }, "Where the lanes run, in words.");
}
