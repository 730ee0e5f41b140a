#pragma once
// The subcommands of the `lockstep` tool. Each returns the process exit status; bad input
// throws InputError (run_cli prints it on one line and exits with 2). Flags that belong to one
// algorithm are declared by the algorithm (host/algorithms/*/..._algorithm.hpp) and arrive
// here as AlgorithmOptions.
#include <cstdint>
#include <map>
#include <memory>
#include <string>
#include <vector>

#include "host/check/finite_differences.hpp"
#include "host/cli/set_options.hpp"
#include "host/core/draw_set.hpp"
#include "host/core/progress.hpp"
#include "host/registry/any_model.hpp"
#include "host/run/algorithm_options.hpp"
#include "models/contract/data_source.hpp"

namespace lockstep {
namespace cli {

/// A command run inside another program (the Python package, python/; cli::run_in_process in
/// host/cli/run_cli.hpp) instead of as a process: its data already in memory, its draws and
/// run facts handed back instead of written or printed, and a progress callback that may stop
/// it by throwing.
struct InProcess {
  const DataSource* data = nullptr;     // instead of --data FILE
  const DataSource* newdata = nullptr;  // instead of --newdata FILE (with --predict)
  Progress* progress = nullptr;         // called between segments (sample, vi, ensemble)
  DrawSet draws;                        // the results, moved here by keep_in_process
  RunInfo info;
  bool kept = false;
};

/// What every model-running command takes: the model, its data and options, the seed and
/// the threads.
struct ModelOptions {
  std::string model;
  std::string data;
  std::vector<std::string> set;  // key=value model options
  long long seed = -1;           // -1: choose one and print it
  int threads = 0;
  std::string backend;           // --backend cpu | cuda; empty: the device when there is one
  /// Values of the models' own flags (ModelInfo::flags), by flag; several for a repeated one.
  std::map<std::string, std::vector<std::string>> model_flags;
  InProcess* in_process = nullptr;  // null: a process of its own (files and standard output)
};

struct SampleOptions : ModelOptions {
  int chains = 4;
  int warmup = 1000;
  int draws = 1000;
  std::string init = "unif2";
  std::string output;
  std::string summary;
  bool save_warmup = false;
  int thin = 1;
  std::string algorithm = "nuts";
  AlgorithmOptions algorithm_options;  // the chosen algorithm's own flags
  bool quiet = false;
  int superchains = 0;           // K > 0: nested R-hat with K superchains (K divides chains)
  bool print_model = false;      // print the resolved model and stop
  bool predict = false;          // posterior predictive draws y_rep (host/cli/predictive.hpp)
  std::string newdata;           // --newdata FILE: y_rep for these rows instead (with --predict)
  std::string checkpoint;        // --checkpoint FILE (host/cli/checkpoints.hpp)
  double checkpoint_every = 60;  // seconds between checkpoints
  std::vector<std::string> command_line;  // the arguments after "lockstep", for the checkpoint
};

int run_sample(const SampleOptions& o);

struct EnsembleOptions : ModelOptions {
  std::string output;
  std::string summary;
  std::string checkpoint;        // --checkpoint FILE (host/cli/checkpoints.hpp)
  double checkpoint_every = 60;  // seconds between checkpoints
  std::vector<std::string> command_line;  // the arguments after "lockstep", for the checkpoint
  AlgorithmOptions algorithm_options;  // --walkers, --steps, --move, ... (EnsembleAlgorithm)
  bool quiet = false;                  // no progress display
};

int run_ensemble(const EnsembleOptions& o);

/// `lockstep vi`: variational inference, ADVI (vi_command.cpp; flags from host/algorithms/vi/).
struct ViOptions : ModelOptions {
  std::string output;
  std::string summary;
  std::string elbo;              // --elbo TRACE.csv (and TRACE.svg)
  bool predict = false;
  std::string newdata;           // --newdata FILE: y_rep for these rows instead (with --predict)
  bool quiet = false;
  AlgorithmOptions algorithm_options;  // --approx, --samples, --steps, ... (ViAlgorithm)
  std::string checkpoint;        // --checkpoint FILE: the fits so far (host/cli/checkpoints.hpp)
  double checkpoint_every = 60;  // seconds between checkpoints (written as a step ends)
  std::vector<std::string> command_line;  // the arguments after "lockstep", for the checkpoint
};

int run_vi(const ViOptions& o);

/// `lockstep npe`: neural posterior estimation (npe_command.cpp; host/algorithms/npe/).
struct NpeOptions : ModelOptions {
  std::string output;                  // draws: PATH.csv or PATH.nc; the loss beside it
  std::string summary;                 // JSON summary
  AlgorithmOptions algorithm_options;  // --sims, --draws, --save-net, --load-net, ... (NpeAlgorithm)
  bool predict = false;                // y_rep for every draw (host/cli/predictive.hpp)
  std::string newdata;                 // --newdata FILE: y_rep for these rows instead (with --predict)
  bool quiet = false;
  std::string checkpoint;        // --checkpoint FILE: the training so far (host/cli/checkpoints.hpp)
  double checkpoint_every = 60;  // seconds between checkpoints (written as an epoch ends)
  std::vector<std::string> command_line;  // the arguments after "lockstep", for the checkpoint
};

int run_npe(const NpeOptions& o);

/// `lockstep study`: a convergence study over chain counts and warmup lengths (study_command.cpp).
struct StudyOptions : ModelOptions {
  std::string algorithm = "nuts";
  AlgorithmOptions algorithm_options;
  std::string chains = "16,256,4096";       // comma-separated list
  std::string warmup = "25,50,100,200,500";  // comma-separated list
  int repeats = 5;
  int draws = 100;
  int superchains = -1;          // -1: 4 when 4 divides every chain count (>= 8), else none; 0: none
  double init_radius = 2.0;      // superchain starts uniform(-R, R), unconstrained
  std::string reference;
  std::string output;            // directory
  bool no_plot = false;          // --no-plot: study.csv only
  std::string checkpoint;        // --checkpoint FILE: the runs done so far (host/cli/checkpoints.hpp)
  double checkpoint_every = 60;  // seconds between checkpoints (written as a run ends)
  std::vector<std::string> command_line;  // the arguments after "lockstep", for the checkpoint
};

int run_study(const StudyOptions& o);

/// `lockstep sbc`: simulation-based calibration (sbc_command.cpp).
struct SbcOptions : ModelOptions {
  int replicates = 100;
  int chains = 4;
  int warmup = 1000;
  int draws = 1000;
  int ranks = 100;               // L: thinned draws each true value is ranked among (0..L)
  int batch = 0;                 // replicates fitted at once in lanes (0: as many as fit in memory)
  std::string algorithm = "nuts";
  AlgorithmOptions algorithm_options;
  std::string output;            // directory
  bool quiet = false;
  bool no_plot = false;          // --no-plot: ranks.csv only
  std::string checkpoint;        // --checkpoint FILE: the batches fitted so far (host/cli/checkpoints.hpp)
  double checkpoint_every = 60;  // seconds between checkpoints (written as a batch ends)
  std::vector<std::string> command_line;  // the arguments after "lockstep", for the checkpoint
};

int run_sbc(const SbcOptions& o);

/// `lockstep abc` (rejection ABC) and `lockstep smc-abc` (population Monte Carlo ABC):
/// abc_command.cpp.
struct AbcOptions : ModelOptions {
  std::string command;           // "abc" or "smc-abc"
  std::string output;            // PATH.csv or PATH.nc
  std::string schedule;          // the schedule CSV (default: next to --output)
  AlgorithmOptions algorithm_options;  // --sims, --keep, --epsilon / --particles, ...
  bool predict = false;          // y_rep for every draw (host/cli/predictive.hpp)
  std::string newdata;           // --newdata FILE: y_rep for these rows instead (with --predict)
  std::string checkpoint;        // --checkpoint FILE: the run after its last chunk (abc) or generation
  double checkpoint_every = 60;  // seconds between checkpoints (written as a chunk or generation ends)
  std::vector<std::string> command_line;  // the arguments after "lockstep", for the checkpoint
};

int run_abc(const AbcOptions& o);

/// `lockstep check`: the model's gradient against finite differences, the transform round
/// trip, finite log density at initial points, and its optional capabilities (check_command.cpp).
/// Exit status 0 when every check passes, 1 when one fails.
struct CheckOptions : ModelOptions {
  int points = 10;               // random unconstrained points
  double radius = 2.0;           // uniform(-R, R) on the unconstrained scale
  double tolerance = check::kGradRelTol;  // |g - fd| <= tolerance * max(1, |g|): 1e-6 (double)
};

int run_check(const CheckOptions& o);

/// "16,256,4096" -> {16, 256, 4096}; InputError naming `flag` for an empty list, a
/// non-integer or a value below `minimum`.
std::vector<int> parse_int_list(const std::string& text, const std::string& flag, int minimum);
/// `lockstep plot KIND FILES... -o OUT` (plot_command.cpp; scripts/plot_arviz.py draws).
struct PlotOptions {
  std::string kind;
  std::vector<std::string> files;
  std::string output;
  std::string var_names;  // --var-names a,b
  std::string labels;     // --labels A,B (forest: a name per run)
};

int run_plot(const PlotOptions& o);

int run_summary(const std::vector<std::string>& files, const std::string& summary_json);
int run_models();
/// `lockstep info`: version, backend, CUDA devices, lanes and precision (for scripts such as
/// scripts/gpu_box.sh: the line "cuda_devices: N").
int run_info();

/// Checks --output (.csv or .nc) and --summary (.json) names and that both can be written,
/// before any work is done.
void check_output_paths(const std::string& output, const std::string& summary);
/// With a .csv --output: none of its per-chain files (PATH_1.csv ... PATH_C.csv) is a directory
/// or an input of the run. Checked before sampling, so that a run cannot end unable to commit.
void check_chain_files(const std::string& output, int chains);
/// "Draws written to F": for Stan CSV the chains' files (F_1.csv .. F_C.csv), not F itself.
std::string written_draws_line(const std::string& output, int chains);

/// A file a command will write, with the flag that names it.
struct OutputFile {
  std::string path, flag;
};
/// The files --output PATH writes for `chains` chains: PATH.nc, or PATH_1.csv .. PATH_C.csv
/// (none for an empty PATH), each with flag --output.
std::vector<OutputFile> output_files(const std::string& output, int chains);
/// InputError when two of the files a command will write are the same file (so that none
/// overwrites or deletes another: "--schedule o_1.csv: --output writes that file too; give
/// another name"). Empty paths are skipped; paths are compared after making them absolute and
/// resolving links. Checked before any work is done.
void check_distinct_outputs(const std::vector<OutputFile>& files);

/// Writes draws to PATH.nc (InferenceData) or PATH.csv (Stan CSV, one file per chain).
void write_draws(const std::string& output, const DrawSet& draws, const RunInfo& info);
/// The first n_draws draws of every chain of `full` (an interrupted run's draws so far, from the
/// whole-run arrays of its checkpoint), the first n_warmup_saved of them warmup.
DrawSet leading_draws(const DrawSet& full, int n_draws, int n_warmup_saved);
/// In process (ModelOptions::in_process): moves the run's draws and facts there and returns
/// true, and the command returns at once, writing and printing nothing; otherwise false.
bool keep_in_process(const ModelOptions& o, DrawSet& draws, const RunInfo& info);
/// In process (the Python package, which returns the draws): InputError for the first of
/// `files` (flag, value) that names a file ("--output: not available in process (the draws
/// are returned)"), before any work, so that no file flag is silently ignored.
void refuse_files_in_process(const ModelOptions& o, const std::vector<std::pair<std::string, std::string>>& files);
/// The progress callback of a run: the in-process caller's, else `display` (may be null).
Progress* run_progress(const ModelOptions& o, Progress* display);


/// The seed to use: the given one, or a random one when -1. InputError for other negatives.
std::uint64_t resolve_seed(long long seed);

/// --threads: InputError when negative.
void check_threads(int threads);

/// Refuses (InputError with both numbers) a `sample` run whose draws and chain state would not
/// fit in the memory where the lanes run; `study` asks it for its largest chain count.
void check_sample_memory(const SampleOptions& o, const AnyModel& model, std::size_t n_predictive);

/// Refuses (InputError naming --draws, or --predict for y_rep, with both sizes) a run of one
/// chain of `draws` draws (vi, npe) whose draws would not fit in memory: `values_per_draw`
/// outputs and statistics, `n_predictive` y_rep values more with --predict (about 48 bytes a
/// value: the lanes' buffer, the host's draws and their copies, the output file's text).
void check_draws_memory(long long draws, std::size_t values_per_draw, std::size_t n_predictive);

/// The estimate behind it, per chain: `draws` bytes for `saved_draws` draws of every output and
/// Stan's 7 sampler statistics (in double), `state` bytes of chain state (~16 vectors of the
/// unconstrained dimension, two dim x dim matrices more for a dense metric). `sbc` sizes its
/// batches with it.
struct ChainBytes {
  double draws = 0, state = 0;
};
ChainBytes chain_bytes(const AnyModel& model, double saved_draws, bool dense);

/// --backend: where the lanes run (host/backend/place.hpp), chosen before anything is loaded.
/// "cuda" needs a CUDA build and a device, "cpu" works in every build; without the flag, the
/// environment's LOCKSTEP_BACKEND, else the device when a CUDA build sees one (else the host,
/// with a line on stderr saying so). InputError otherwise.
void select_backend(const std::string& backend);

/// Loads the data file (JSON or CSV) and builds the model with its --set options; checks
/// that the model can run `algorithm` when one is given (before any data is read).
std::unique_ptr<AnyModel> load_model_for(const ModelOptions& o, const std::string& algorithm = "");

}  // namespace cli
}  // namespace lockstep
