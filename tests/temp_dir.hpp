#pragma once
// Test helpers shared by test files. The files of a folder compile as one unit (CMakeLists.txt:
// each tests/<group>/ is a unity build, so file-local helpers of one folder must not share a
// name; common ones live here): a scratch directory removed with the test, and whole-file reads
// and writes.
#include <unistd.h>

#include <filesystem>
#include <fstream>
#include <sstream>
#include <string>
#include <vector>

namespace lockstep {
namespace testing {

/// A fresh, empty directory under the system's temporary directory, named by `tag` and this
/// process's id (ctest runs every test in a process of its own), removed with the object.
struct TempDir {
  std::filesystem::path path;
  explicit TempDir(const std::string& tag) {
    path = std::filesystem::temp_directory_path() / ("lockstep_test_" + tag + "_" + std::to_string(::getpid()));
    std::filesystem::remove_all(path);
    std::filesystem::create_directories(path);
  }
  ~TempDir() { std::filesystem::remove_all(path); }
  TempDir(const TempDir&) = delete;
  TempDir& operator=(const TempDir&) = delete;
  std::string operator/(const std::string& name) const { return (path / name).string(); }
  /// The names of the entries directly inside the directory, in the file system's order.
  std::vector<std::string> entries() const {
    std::vector<std::string> v;
    for (const auto& e : std::filesystem::directory_iterator(path)) v.push_back(e.path().filename().string());
    return v;
  }
};

/// The whole content of file `p`, bytes as they are ("" if it cannot be read).
inline std::string read_text(const std::string& p) {
  std::ifstream in(p, std::ios::binary);
  std::stringstream ss;
  ss << in.rdbuf();
  return ss.str();
}

/// Writes `text` to file `p`, replacing what was there.
inline void write_text(const std::string& p, const std::string& text) {
  std::ofstream out(p, std::ios::binary);
  out << text;
}

}  // namespace testing
}  // namespace lockstep
