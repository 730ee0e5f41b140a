// The layering of docs/architecture.md, checked on every source file: kernels/ and models/
// include nothing from host/; models include only kernels/core and models/contract; within
// kernels/ and host/, a folder includes only folders of a lower layer (or itself). A file in a
// folder the table does not know fails too, so a new folder must be placed in the order.
#include <gtest/gtest.h>

#include <dirent.h>
#include <sys/stat.h>

#include <fstream>
#include <map>
#include <regex>
#include <sstream>
#include <string>
#include <vector>

namespace {

/// Layer of each folder: a file may include its own folder and folders of a LOWER layer.
/// kernels/ and models/ never include host/ (their layers are below every host layer).
const std::map<std::string, int>& layers() {
  static const std::map<std::string, int> l = {
      {"kernels/core", 0},  {"kernels/adapt", 1},    {"kernels/hmc", 2},       {"kernels/ensemble", 2}, {"kernels/vi", 2},  {"kernels/sbi", 2},
      {"kernels/chees", 3}, {"kernels/nuts", 3},     {"models/contract", 4},   {"models", 5},
      {"host/core", 10},    {"host/backend", 11},    {"host/adapt", 12},       {"host/diagnostics", 12},
      {"host/io", 12},      {"host/run", 13},        {"host/algorithms", 14},  {"host/registry", 15},
      {"host/check", 16},   {"host/cli", 17},       {"host/npe", 13},     {"host/parallel", 11},
  };
  return l;
}

/// The layer folder of a repository path: "host/algorithms/nuts/x.hpp" -> "host/algorithms",
/// "models/peak.hpp" -> "models", "models/glmm/design.hpp" -> "models",
/// "models/contract/x.hpp" -> "models/contract".
std::string folder_of(const std::string& path) {
  const auto a = path.find('/');
  if (a == std::string::npos) return "";
  const std::string top = path.substr(0, a);
  const auto b = path.find('/', a + 1);
  // models/contract is its own layer; a model family's folder (models/glmm/) is the models layer.
  if (top == "models") return b != std::string::npos && path.substr(a + 1, b - a - 1) == "contract" ? "models/contract" : "models";
  return b == std::string::npos ? "" : path.substr(0, b);
}

/// "" when `file` may include `included`, else why not.
std::string violation(const std::string& file, const std::string& included) {
  const std::string from = folder_of(file), to = folder_of(included);
  const std::string to_top = included.substr(0, included.find('/'));
  if (to_top != "host" && to_top != "kernels" && to_top != "models") return "";  // bench/, tests/, ...
  const auto f = layers().find(from), t = layers().find(to);
  if (f == layers().end()) return "folder " + from + " has no layer in the table";
  if (t == layers().end()) return "folder " + to + " has no layer in the table";
  if (from == to) return "";
  const std::string from_top = from.substr(0, from.find('/'));
  if (from_top != "host" && to_top == "host") return from + " must not include host/ (" + included + ")";
  if (from == "models" && to != "kernels/core" && to != "models/contract")
    return "models include only kernels/core and models/contract, not " + included;
  if (from == "models/contract" && to != "kernels/core")
    return "models/contract includes only kernels/core, not " + included;
  if (t->second >= f->second) return from + " (layer " + std::to_string(f->second) + ") includes " + included +
                                         " (layer " + std::to_string(t->second) + ")";
  return "";
}

void walk(const std::string& root, const std::string& rel, std::vector<std::string>& out) {
  DIR* d = opendir((root + "/" + rel).c_str());
  if (!d) return;
  while (dirent* e = readdir(d)) {
    const std::string name = e->d_name;
    if (name == "." || name == "..") continue;
    const std::string path = rel + "/" + name;
    struct stat st;
    if (stat((root + "/" + path).c_str(), &st) != 0) continue;
    if (S_ISDIR(st.st_mode))
      walk(root, path, out);
    else if (name.size() > 4 && (name.rfind(".hpp") == name.size() - 4 || name.rfind(".cpp") == name.size() - 4))
      out.push_back(path);
  }
  closedir(d);
}

TEST(Layering, RulesCatchViolations) {
  EXPECT_EQ(violation("kernels/hmc/a.hpp", "kernels/core/config.hpp"), "");
  EXPECT_EQ(violation("host/cli/a.cpp", "host/registry/any_model.hpp"), "");
  EXPECT_EQ(violation("models/peak.hpp", "models/contract/model_info.hpp"), "");
  EXPECT_NE(violation("kernels/hmc/a.hpp", "host/adapt/dual_averaging.hpp"), "");
  EXPECT_NE(violation("models/peak.hpp", "host/io/model_args.hpp"), "");
  EXPECT_NE(violation("models/peak.hpp", "kernels/ensemble/box.hpp"), "");
  EXPECT_NE(violation("models/contract/x.hpp", "models/peak.hpp"), "");
  // A model family's folder is the models layer: it includes its own files, never host/.
  EXPECT_EQ(violation("models/glmm.hpp", "models/glmm/design.hpp"), "");
  EXPECT_EQ(violation("models/glmm/design.hpp", "models/contract/data_source.hpp"), "");
  EXPECT_NE(violation("models/glmm/design.hpp", "host/io/csv_data.hpp"), "");
  EXPECT_NE(violation("models/glmm/design.hpp", "kernels/hmc/leapfrog.hpp"), "");
  EXPECT_NE(violation("host/io/a.hpp", "host/run/draw_set.hpp"), "");
  EXPECT_NE(violation("host/io/a.hpp", "host/diagnostics/summary.hpp"), "");  // siblings
  EXPECT_NE(violation("host/newfolder/a.hpp", "host/core/draw_set.hpp"), "");
}

TEST(Layering, EverySourceFileIncludesOnlyLowerLayers) {
  const std::string root = LOCKSTEP_SOURCE_DIR;
  std::vector<std::string> files;
  for (const char* top : {"kernels", "models", "host"}) {
    std::vector<std::string> found;
    walk(root, top, found);
    files.insert(files.end(), found.begin(), found.end());
  }
  ASSERT_GT(files.size(), 50u) << "the walk found too few files under " << root;
  const std::regex include_re("^\\s*#\\s*include\\s+\"([^\"]+)\"");
  int checked = 0;
  for (const std::string& file : files) {
    std::ifstream in(root + "/" + file);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      std::smatch m;
      if (!std::regex_search(line, m, include_re)) continue;
      ++checked;
      const std::string why = violation(file, m[1]);
      EXPECT_EQ(why, "") << file << ":" << n << ": " << line;
    }
  }
  EXPECT_GT(checked, 200) << "includes checked";
}

// No header of the library includes Eigen (docs/architecture.md, "Compile time"): its parsing
// cost every source that includes an algorithm ~7 s; Eigen's work lives in .cpp files.
TEST(Layering, NoHeaderIncludesEigen) {
  const std::string root = LOCKSTEP_SOURCE_DIR;
  std::vector<std::string> files;
  for (const char* top : {"kernels", "models", "host"}) walk(root, top, files);
  const std::regex eigen_re("^\\s*#\\s*include\\s+<Eigen/");
  int headers = 0, eigen_in_sources = 0;
  for (const std::string& file : files) {
    const bool header = file.rfind(".hpp") == file.size() - 4;
    headers += header;
    std::ifstream in(root + "/" + file);
    std::string line;
    int n = 0;
    while (std::getline(in, line)) {
      ++n;
      if (!std::regex_search(line, eigen_re)) continue;
      if (header)
        ADD_FAILURE() << file << ":" << n << ": " << line << " (move the Eigen code to a .cpp)";
      else
        ++eigen_in_sources;
    }
  }
  EXPECT_GT(headers, 100) << "the walk found too few headers under " << root;
  EXPECT_GT(eigen_in_sources, 0) << "the pattern matched no #include <Eigen/...> in any source";
}

}  // namespace
