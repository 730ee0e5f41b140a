#pragma once
// The subcommands of the `lockstep` tool. Each returns the process exit status; bad input
// throws InputError (main prints it on one line and exits with 2).
#include <map>
#include <string>
#include <vector>

#include "host/run/draw_set.hpp"

namespace lockstep {
namespace cli {

struct SampleOptions {
  std::string model;
  std::string data;
  std::vector<std::string> set;  // key=value model options
  int chains = 4;
  int warmup = 1000;
  int draws = 1000;
  long long seed = -1;           // -1: choose one and print it
  double target_accept = 0;       // 0: the algorithm's default (0.8; ChEES 0.651)
  std::string init = "unif2";
  int threads = 0;
  std::string backend = "cpu";
  std::string output;
  std::string summary;
  bool save_warmup = false;
  int thin = 1;
  std::string algorithm = "nuts";  // the default since NUTS passed issue 4 (see README)
  int steps = 10;
  int max_depth = 10;
  std::string metric = "diag";
  bool pool_adaptation = false;
  bool quiet = false;
  int superchains = 0;           // K > 0: nested R-hat with K superchains (K divides chains)
};

int run_sample(const SampleOptions& o);

struct EnsembleOptions {
  std::string model;
  std::string data;
  std::vector<std::string> set;
  int walkers = 32;
  int steps = 1000;
  std::string move = "stretch";
  long long seed = -1;
  int discard = 0;
  int thin = 1;
  std::string init_ball;
  double init_scale = 1e-4;
  int threads = 0;
  std::string output;
  std::string summary;
};

int run_ensemble(const EnsembleOptions& o);

/// `lockstep study`: a convergence study over chain counts and warmup lengths (study_command.cpp).
struct StudyOptions {
  std::string model;
  std::string data;
  std::vector<std::string> set;
  std::string algorithm = "nuts";
  std::string chains = "16,256,4096";       // comma-separated list
  std::string warmup = "25,50,100,200,500";  // comma-separated list
  int repeats = 5;
  int draws = 100;
  int superchains = -1;          // -1: 4 when 4 divides every chain count (>= 8), else none; 0: none
  long long seed = -1;           // -1: choose one and print it
  double init_radius = 2.0;      // superchain starts uniform(-R, R), unconstrained
  int steps = 10;                // HMC mean leapfrog steps
  int threads = 0;
  std::string reference;
  std::string output;            // directory
};

int run_study(const StudyOptions& o);

/// "16,256,4096" -> {16, 256, 4096}; InputError naming `flag` for an empty list, a
/// non-integer or a value below `minimum`.
std::vector<int> parse_int_list(const std::string& text, const std::string& flag, int minimum);
int run_summary(const std::vector<std::string>& files, const std::string& summary_json);
int run_models();

/// Checks --output (.csv or .nc) and --summary (.json) names and that both can be written,
/// before any work is done.
void check_output_paths(const std::string& output, const std::string& summary);

/// Writes draws to PATH.nc (InferenceData) or PATH.csv (Stan CSV, one file per chain).
void write_draws(const std::string& output, const DrawSet& draws, const RunInfo& info);

/// "key=value" pairs into a map; InputError naming --set for a malformed one.
std::map<std::string, std::string> parse_set_options(const std::vector<std::string>& set);

}  // namespace cli
}  // namespace lockstep
