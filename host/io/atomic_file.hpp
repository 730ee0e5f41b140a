#pragma once
// AtomicFile: an output file that appears at its path only when it is complete.
//
// Everything is written to `PATH.tmp-<pid>` in the same directory (so the final rename(2)
// stays within one file system and is atomic); commit() renames the temporary onto PATH.
// If the object is destroyed without commit() — an exception, a failed write, an
// interrupted run — the temporary is removed, so a failed run never leaves a file that
// looks finished. No fsync: the guarantee is against our own failures, not power loss.
//
// Two ways to fill the temporary:
//   * AtomicFile::Mode::kStream (default): the object opens it and write() appends bytes;
//   * AtomicFile::Mode::kByName: a library that opens files by name (libnetcdf) writes
//     temp_path() itself; the object only owns the name (removal or rename).
//
// A set of files that must appear together (one Stan CSV per chain) is written as a vector
// of AtomicFile, closed one by one, then committed together with commit_all(), which undoes the
// renames already done if a later one fails.
#include <cstddef>
#include <cstdio>
#include <string>
#include <vector>

namespace lockstep {
namespace io {

class AtomicFile {
 public:
  enum class Mode { kStream, kByName };

  /// Creates (truncates) PATH.tmp-<pid>. Throws std::runtime_error "PATH: cannot write: why".
  explicit AtomicFile(std::string path, Mode mode = Mode::kStream);
  ~AtomicFile();
  AtomicFile(AtomicFile&& other) noexcept;
  AtomicFile& operator=(AtomicFile&&) = delete;
  AtomicFile(const AtomicFile&) = delete;
  AtomicFile& operator=(const AtomicFile&) = delete;

  const std::string& path() const { return path_; }
  const std::string& temp_path() const { return temp_path_; }

  /// Appends n bytes (kStream only). Throws std::runtime_error naming PATH on failure.
  void write(const char* data, std::size_t n);
  void write(const std::string& s) { write(s.data(), s.size()); }

  /// Flushes and closes the stream (kStream; no-op otherwise). The temporary stays until
  /// commit() or destruction; closing early keeps the number of open descriptors small.
  void close();

  /// close(), then renames the temporary onto PATH. After this the destructor does nothing.
  void commit();

  /// Removes the temporary now (what the destructor does if not committed).
  void discard() noexcept;

  /// Commits every file as one set and removes the `stale` files (an earlier run's files the
  /// new set retires, such as its chains beyond this run's count). The files the set replaces
  /// or retires are moved aside first; if a rename fails, the files already renamed are
  /// removed and the earlier ones put back (all or nothing as far as this call can make it),
  /// and the error is thrown. A path that is a directory fails before anything moves.
  static void commit_all(const std::vector<AtomicFile*>& files, const std::vector<std::string>& stale = {});

  /// The temporary's name for PATH in this process: PATH.tmp-<pid>.
  static std::string temp_name_for(const std::string& path);

 private:
  std::string path_;
  std::string temp_path_;
  std::FILE* file_ = nullptr;
  bool owns_temp_ = false;  // a temporary exists that this object must rename or remove
  int signal_slot_ = -1;    // its slot in the registry a second Ctrl-C cleans up (host/core/interrupt.hpp)
};

/// Removes PATH.tmp-<pid> files whose process no longer exists (temporaries a killed run,
/// SIGKILL or a power cut, could not clean up); a live process's are left alone. Called where a
/// checkpoint is written and where a completed run removes it (not for every output file: a
/// run's 4096 per-chain CSV files would each scan the folder).
void remove_stale_temporaries(const std::string& path);

/// Pre-flight check before any work is done: the directory of PATH exists and a file can be
/// created in it (checked by creating and removing PATH.tmp-<pid>, which also works for
/// root, read-only mounts and ACLs), and PATH itself is not a directory.
/// Throws InputError("--output PATH: cannot write: <reason>").
void check_writable(const std::string& path, const std::string& flag = "--output");

}  // namespace io
}  // namespace lockstep
