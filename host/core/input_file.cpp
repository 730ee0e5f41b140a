#include "host/core/input_file.hpp"

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <filesystem>
#include <memory>
#include <mutex>
#include <system_error>
#include <vector>

#include "models/contract/input_error.hpp"

namespace lockstep {
namespace io {
namespace {

struct InputGuard {
  std::mutex mutex;
  bool on = false;
  std::vector<std::string> paths;
};
InputGuard& input_guard() {
  static InputGuard g;
  return g;
}

struct InputRecord {
  std::mutex mutex;
  bool on = false;
  std::vector<InputDigest> files;
};
InputRecord& input_record() {
  static InputRecord r;
  return r;
}

}  // namespace

std::uint64_t fnv1a64(const std::string& bytes) {
  std::uint64_t h = 14695981039346656037ull;
  for (unsigned char c : bytes) {
    h ^= c;
    h *= 1099511628211ull;
  }
  return h;
}

void record_input_digests() {
  InputRecord& r = input_record();
  std::lock_guard<std::mutex> lock(r.mutex);
  r.on = true;
}

std::vector<InputDigest> input_digests() {
  InputRecord& r = input_record();
  std::lock_guard<std::mutex> lock(r.mutex);
  return r.files;
}

void guard_inputs() {
  InputGuard& g = input_guard();
  std::lock_guard<std::mutex> lock(g.mutex);
  g.on = true;
}

void remember_input(const std::string& path) {
  InputGuard& g = input_guard();
  std::lock_guard<std::mutex> lock(g.mutex);
  if (g.on && !path.empty()) g.paths.push_back(path);
}

void check_not_input(const std::string& path, const std::string& flag) {
  InputGuard& g = input_guard();
  std::lock_guard<std::mutex> lock(g.mutex);
  if (!g.on) return;
  for (const std::string& input : g.paths) {
    std::error_code ec;
    if (std::filesystem::equivalent(path, input, ec) && !ec)
      throw InputError((flag.empty() ? "" : flag + " ") + path + ": is an input of this run (" + input +
                       "); refusing to overwrite it");
  }
}

std::string read_input_file(const std::string& path, const std::string& expected) {
  remember_input(path);
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) throw InputError(path + ": is a directory, expected " + expected);
  errno = 0;
  std::unique_ptr<std::FILE, int (*)(std::FILE*)> f(std::fopen(path.c_str(), "rb"), &std::fclose);
  if (!f) {
    const int err = errno;
    throw InputError(path + ": cannot open file" + (err ? " (" + std::string(std::strerror(err)) + ")" : std::string()));
  }
  // Read in chunks up to the limit (a device or a pipe has no size to check up front).
  std::string text;
  char buf[1 << 16];
  std::size_t n;
  while ((n = std::fread(buf, 1, sizeof buf, f.get())) > 0) {
    if (text.size() + n > kMaxInputFileBytes)
      throw InputError(path + ": larger than " + std::to_string(kMaxInputFileBytes >> 20) +
                       " MiB, the most an input file may hold (lockstep reads input files whole)");
    text.append(buf, n);
  }
  if (std::ferror(f.get())) {
    const int err = errno;
    throw InputError(path + ": cannot read file" + (err ? " (" + std::string(std::strerror(err)) + ")" : std::string()));
  }
  if (text.compare(0, 3, "\xEF\xBB\xBF") == 0) text.erase(0, 3);
  InputRecord& r = input_record();
  std::lock_guard<std::mutex> lock(r.mutex);
  if (r.on) r.files.push_back(InputDigest{path, fnv1a64(text)});
  return text;
}

}  // namespace io
}  // namespace lockstep
