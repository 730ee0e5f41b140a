// AtomicFile and check_writable: see atomic_file.hpp.
#include "host/io/atomic_file.hpp"

#include <dirent.h>
#include <fcntl.h>
#include <signal.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cerrno>
#include <cstdio>
#include <cstring>
#include <memory>
#include <stdexcept>
#include <string>
#include <utility>
#include <vector>

#include "host/core/input_file.hpp"
#include "host/core/interrupt.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace io {
namespace {

std::string errno_text(int err) { return std::strerror(err); }

[[noreturn]] void fail(const std::string& path, const std::string& what, int err) {
  throw std::runtime_error(path + ": " + what + ": " + errno_text(err));
}

/// The directory part of a path ("." when there is none), as rename(2) sees it.
std::string directory_of(const std::string& path) {
  std::size_t slash = path.find_last_of('/');
  if (slash == std::string::npos) return ".";
  if (slash == 0) return "/";
  return path.substr(0, slash);
}

}  // namespace

void remove_stale_temporaries(const std::string& path) {
  const std::string dir = directory_of(path);
  const std::size_t slash = path.find_last_of('/');
  const std::string prefix = path.substr(slash == std::string::npos ? 0 : slash + 1) + ".tmp-";
  std::unique_ptr<DIR, int (*)(DIR*)> d(::opendir(dir.c_str()), &::closedir);
  if (!d) return;
  std::vector<std::string> stale;
  while (const dirent* e = ::readdir(d.get())) {
    const std::string name = e->d_name;
    if (name.compare(0, prefix.size(), prefix) != 0 || name.size() == prefix.size() || name.size() > prefix.size() + 9)
      continue;
    const std::string digits = name.substr(prefix.size());
    if (digits.find_first_not_of("0123456789") != std::string::npos) continue;
    const long pid = std::stol(digits);
    if (pid > 0 && ::kill(static_cast<pid_t>(pid), 0) != 0 && errno == ESRCH) stale.push_back(dir + "/" + name);
  }
  for (const std::string& f : stale) std::remove(f.c_str());
}

std::string AtomicFile::temp_name_for(const std::string& path) {
  return path + ".tmp-" + std::to_string(static_cast<long>(::getpid()));
}

AtomicFile::AtomicFile(std::string path, Mode mode)
    : path_(std::move(path)), temp_path_(temp_name_for(path_)) {
  check_not_input(path_, "");
  if (mode == Mode::kStream) {
    file_ = std::fopen(temp_path_.c_str(), "wb");
    if (!file_) fail(path_, "cannot write", errno);
  } else {
    // Claim the name now, so a stale temporary from an earlier crash is replaced and the
    // destructor's removal is always ours to do.
    int fd = ::open(temp_path_.c_str(), O_WRONLY | O_CREAT | O_TRUNC, 0644);
    if (fd < 0) fail(path_, "cannot write", errno);
    ::close(fd);
  }
  owns_temp_ = true;
  signal_slot_ = register_temp_file(temp_path_.c_str());
}

AtomicFile::AtomicFile(AtomicFile&& other) noexcept
    : path_(std::move(other.path_)),
      temp_path_(std::move(other.temp_path_)),
      file_(other.file_),
      owns_temp_(other.owns_temp_) {
  // The registry holds a pointer to the temporary's name, which now lives in this object.
  unregister_temp_file(other.signal_slot_);
  other.signal_slot_ = -1;
  if (owns_temp_) signal_slot_ = register_temp_file(temp_path_.c_str());
  other.file_ = nullptr;
  other.owns_temp_ = false;
}

AtomicFile::~AtomicFile() { discard(); }

void AtomicFile::write(const char* data, std::size_t n) {
  if (!file_) throw std::logic_error(path_ + ": AtomicFile::write on a closed file");
  if (n == 0) return;
  if (std::fwrite(data, 1, n, file_) != n) fail(path_, "write failed", errno);
}

void AtomicFile::close() {
  if (!file_) return;
  std::FILE* f = file_;
  file_ = nullptr;
  // fflush reports a failed buffered write (ENOSPC, EFBIG) before fclose hides it.
  int flush_err = std::fflush(f) == 0 ? 0 : errno;
  int close_err = std::fclose(f) == 0 ? 0 : errno;
  if (flush_err) fail(path_, "write failed", flush_err);
  if (close_err) fail(path_, "write failed", close_err);
}

void AtomicFile::commit() {
  if (!owns_temp_) throw std::logic_error(path_ + ": AtomicFile::commit twice or after discard");
  close();
  if (std::rename(temp_path_.c_str(), path_.c_str()) != 0) fail(path_, "cannot rename into place", errno);
  owns_temp_ = false;
  unregister_temp_file(signal_slot_);
  signal_slot_ = -1;
}

void AtomicFile::discard() noexcept {
  if (file_) {
    std::fclose(file_);
    file_ = nullptr;
  }
  if (owns_temp_) {
    ::unlink(temp_path_.c_str());
    owns_temp_ = false;
  }
  unregister_temp_file(signal_slot_);
  signal_slot_ = -1;
}

void AtomicFile::commit_all(const std::vector<AtomicFile*>& files, const std::vector<std::string>& stale) {
  for (AtomicFile* f : files) f->close();  // every write error surfaces before any rename
  struct stat st;
  for (AtomicFile* f : files)
    if (::stat(f->path().c_str(), &st) == 0 && S_ISDIR(st.st_mode))
      throw std::runtime_error(f->path() + ": cannot write: is a directory");
  // Every file the set replaces or retires is first moved aside (PATH.old-<pid>), so that a
  // failure part-way can put the earlier set back as it was: all or nothing.
  std::vector<std::pair<std::string, std::string>> aside;  // (path, where it went)
  std::size_t done = 0;
  auto move_aside = [&](const std::string& path) {
    if (::lstat(path.c_str(), &st) != 0) return;
    const std::string backup = path + ".old-" + std::to_string(static_cast<long>(::getpid()));
    if (std::rename(path.c_str(), backup.c_str()) != 0) fail(path, "cannot move the earlier file aside", errno);
    aside.emplace_back(path, backup);
  };
  try {
    for (AtomicFile* f : files) move_aside(f->path());
    for (const std::string& path : stale) move_aside(path);
    for (; done < files.size(); ++done) files[done]->commit();
  } catch (...) {
    for (std::size_t i = 0; i < done; ++i) ::unlink(files[i]->path().c_str());
    for (auto it = aside.rbegin(); it != aside.rend(); ++it) std::rename(it->second.c_str(), it->first.c_str());
    throw;  // the remaining temporaries are removed by their destructors
  }
  for (const auto& a : aside) ::unlink(a.second.c_str());
}

void check_writable(const std::string& path, const std::string& flag) {
  auto refuse = [&](const std::string& why) {
    throw InputError(flag + " " + path + ": cannot write: " + why);
  };
  if (path.empty()) refuse("empty path");
  check_not_input(path, flag);
  if (path.back() == '/') refuse("is a directory");
  const std::string dir = directory_of(path);
  struct stat st;
  if (::stat(dir.c_str(), &st) != 0) {
    if (errno == ENOENT || errno == ENOTDIR) refuse("directory '" + dir + "' does not exist");
    refuse("directory '" + dir + "': " + errno_text(errno));
  }
  if (!S_ISDIR(st.st_mode)) refuse("'" + dir + "' is not a directory");
  if (::stat(path.c_str(), &st) == 0 && S_ISDIR(st.st_mode)) refuse("is a directory");
  // Create and remove the very temporary the writers will use: the only test that
  // answers for root, read-only mounts, ACLs and full quotas alike.
  const std::string probe = AtomicFile::temp_name_for(path);
  int fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
  if (fd < 0) {
    int err = errno;
    if (err == EEXIST) {  // a stale temporary of ours (same pid): it may be replaced
      if (::unlink(probe.c_str()) == 0) fd = ::open(probe.c_str(), O_WRONLY | O_CREAT | O_EXCL, 0644);
      err = errno;
    }
    if (fd < 0) refuse(errno_text(err));
  }
  ::close(fd);
  ::unlink(probe.c_str());
}

}  // namespace io
}  // namespace lockstep
