// AtomicFile and check_writable: a file appears at its path only when complete; a failure
// (an exception, a write error mid-file) leaves neither the file nor its temporary.
#include <gtest/gtest.h>
#include <sys/resource.h>
#include <unistd.h>

#include <algorithm>
#include <csignal>
#include <filesystem>
#include <fstream>
#include <sstream>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/io/atomic_file.hpp"
#include "models/contract/input_error.hpp"
#include "host/io/stan_csv_writer.hpp"
#include "tests/temp_dir.hpp"

namespace fs = std::filesystem;
using lockstep::InputError;
using lockstep::io::AtomicFile;
using lockstep::io::check_writable;

using lockstep::testing::TempDir;
using lockstep::testing::read_text;

namespace {

/// Caps the size of any file this process writes (RLIMIT_FSIZE) for its lifetime, with
/// SIGXFSZ ignored so that a write past the cap fails with EFBIG: a real mid-write failure,
/// the same for root as for anyone.
class FileSizeCap {
 public:
  explicit FileSizeCap(rlim_t bytes) {
    old_handler_ = std::signal(SIGXFSZ, SIG_IGN);
    getrlimit(RLIMIT_FSIZE, &old_);
    rlimit r = old_;
    r.rlim_cur = bytes;
    setrlimit(RLIMIT_FSIZE, &r);
  }
  ~FileSizeCap() {
    setrlimit(RLIMIT_FSIZE, &old_);
    std::signal(SIGXFSZ, old_handler_);
  }

 private:
  rlimit old_{};
  void (*old_handler_)(int) = nullptr;
};

lockstep::DrawSet big_draws(int chains, int draws) {
  lockstep::DrawSet d;
  d.names = {"a", "b[1]", "b[2]"};
  d.stat_names = {"lp__"};
  d.resize(chains, draws);
  for (std::size_t i = 0; i < d.values.size(); ++i) d.values[i] = 0.123456789 * static_cast<double>(i);
  return d;
}

}  // namespace

TEST(AtomicFile, CommitRenamesTheTemporaryIntoPlace) {
  TempDir dir("commit");
  const std::string path = dir / "out.txt";
  {
    AtomicFile f(path);
    EXPECT_EQ(f.temp_path(), path + ".tmp-" + std::to_string(::getpid()));
    f.write("hello ");
    f.write(std::string("world"));
    EXPECT_FALSE(fs::exists(path)) << "visible before commit";
    EXPECT_TRUE(fs::exists(f.temp_path()));
    f.commit();
  }
  EXPECT_EQ(read_text(path), "hello world");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.txt"});
}

TEST(AtomicFile, ExceptionBeforeCommitLeavesNothing) {
  TempDir dir("throw");
  const std::string path = dir / "out.txt";
  try {
    AtomicFile f(path);
    f.write("partial");
    f.close();
    throw std::runtime_error("interrupted");
  } catch (const std::runtime_error&) {
  }
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicFile, FailedRunKeepsThePreviousFile) {
  TempDir dir("keep");
  const std::string path = dir / "out.txt";
  { std::ofstream(path) << "previous"; }
  {
    AtomicFile f(path);
    f.write("new but unfinished");
  }
  EXPECT_EQ(read_text(path), "previous");
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"out.txt"});
  {
    AtomicFile f(path);
    f.write("replacement");
    f.commit();
  }
  EXPECT_EQ(read_text(path), "replacement");
}

TEST(AtomicFile, WriteErrorMidFileThrowsAndLeavesNothing) {
  TempDir dir("efbig");
  const std::string path = dir / "out.txt";
  bool threw = false;
  {
    FileSizeCap cap(4096);
    try {
      AtomicFile f(path);
      const std::string chunk(1000, 'x');
      for (int i = 0; i < 100; ++i) f.write(chunk);
      f.commit();
    } catch (const std::runtime_error& e) {
      threw = true;
      EXPECT_NE(std::string(e.what()).find(path + ": write failed: "), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(threw);
  EXPECT_TRUE(dir.entries().empty());
}

TEST(AtomicFile, ByNameModeOwnsOnlyTheName) {
  TempDir dir("byname");
  const std::string path = dir / "data.nc";
  {
    AtomicFile f(path, AtomicFile::Mode::kByName);
    EXPECT_TRUE(fs::exists(f.temp_path()));
    std::ofstream(f.temp_path()) << "written by a library";
  }
  EXPECT_TRUE(dir.entries().empty());
  {
    AtomicFile f(path, AtomicFile::Mode::kByName);
    std::ofstream(f.temp_path()) << "written by a library";
    f.commit();
  }
  EXPECT_EQ(read_text(path), "written by a library");
}

TEST(AtomicFile, CommitAllUndoesEarlierRenamesWhenOneFails) {
  TempDir dir("all");
  fs::create_directory(dir / "b.txt");  // rename(2) of a file onto a directory fails
  {
    AtomicFile a(dir / "a.txt"), b(dir / "b.txt"), c(dir / "c.txt");
    for (AtomicFile* f : {&a, &b, &c}) f->write("x");
    EXPECT_THROW(AtomicFile::commit_all({&a, &b, &c}), std::runtime_error);
  }
  EXPECT_EQ(dir.entries(), std::vector<std::string>{"b.txt"});
  EXPECT_TRUE(fs::is_directory(dir / "b.txt"));
}

// A rename that fails after others succeeded puts the earlier set back: the files replaced and
// the stale files retired are as they were (a run's failure never costs the previous run).
TEST(AtomicFile, CommitAllRestoresTheEarlierSetWhenARenameFailsPartWay) {
  TempDir dir("restore");
  std::ofstream(dir / "a.txt") << "OLD A";
  std::ofstream(dir / "b.txt") << "OLD B";
  std::ofstream(dir / "stale.txt") << "OLD STALE";
  {
    AtomicFile a(dir / "a.txt"), b(dir / "b.txt"), c(dir / "c.txt");
    for (AtomicFile* f : {&a, &b, &c}) f->write("new");
    fs::remove(c.temp_path());  // c's rename, the last, fails (ENOENT) after a's and b's
    EXPECT_THROW(AtomicFile::commit_all({&a, &b, &c}, {dir / "stale.txt"}), std::runtime_error);
  }
  EXPECT_EQ(read_text(dir / "a.txt"), "OLD A");
  EXPECT_EQ(read_text(dir / "b.txt"), "OLD B");
  EXPECT_EQ(read_text(dir / "stale.txt"), "OLD STALE");
  auto sorted_entries = [&] {
    std::vector<std::string> v = dir.entries();
    std::sort(v.begin(), v.end());
    return v;
  };
  EXPECT_EQ(sorted_entries(), (std::vector<std::string>{"a.txt", "b.txt", "stale.txt"}));
  // And when every rename succeeds, the stale file is gone and nothing is left aside.
  {
    AtomicFile a(dir / "a.txt"), b(dir / "b.txt");
    for (AtomicFile* f : {&a, &b}) f->write("new");
    AtomicFile::commit_all({&a, &b}, {dir / "stale.txt"});
  }
  EXPECT_EQ(read_text(dir / "a.txt"), "new");
  EXPECT_EQ(sorted_entries(), (std::vector<std::string>{"a.txt", "b.txt"}));
}

TEST(AtomicFile, StanCsvWriterFailingMidWriteLeavesNoFile) {
  TempDir dir("csvfail");
  const lockstep::DrawSet d = big_draws(8, 2000);  // ~70 kB per chain file
  lockstep::RunInfo info;
  info.model = "m";
  bool threw = false;
  {
    FileSizeCap cap(16384);
    try {
      lockstep::io::write_stan_csv(dir / "out.csv", d, info);
    } catch (const std::runtime_error& e) {
      threw = true;
      EXPECT_NE(std::string(e.what()).find("write failed"), std::string::npos) << e.what();
    }
  }
  EXPECT_TRUE(threw);
  EXPECT_TRUE(dir.entries().empty()) << dir.entries().size() << " entries left, e.g. " << dir.entries()[0];
  lockstep::io::write_stan_csv(dir / "out.csv", d, info);  // without the cap it works
  EXPECT_EQ(dir.entries().size(), 8u);
}

TEST(CheckWritable, AcceptsAWritableDirectoryAndLeavesNoTrace) {
  TempDir dir("ok");
  EXPECT_NO_THROW(check_writable(dir / "out.csv"));
  EXPECT_TRUE(dir.entries().empty());
  { std::ofstream(dir / "exists.nc") << "old"; }
  EXPECT_NO_THROW(check_writable(dir / "exists.nc"));
  EXPECT_EQ(read_text(dir / "exists.nc"), "old");
}

TEST(CheckWritable, RefusesWithAOneLineReason) {
  TempDir dir("refuse");
  auto message = [](const std::string& p) {
    try {
      check_writable(p);
    } catch (const InputError& e) {
      return std::string(e.what());
    }
    return std::string("<no error>");
  };
  const std::string missing = dir / "no/such/dir/out.csv";
  EXPECT_EQ(message(missing), "--output " + missing + ": cannot write: directory '" + dir / "no/such/dir" +
                                  "' does not exist");
  fs::create_directory(dir / "sub");
  EXPECT_EQ(message(dir / "sub"), "--output " + dir / "sub" + ": cannot write: is a directory");
  { std::ofstream(dir / "file") << "x"; }
  EXPECT_EQ(message(dir / "file/out.csv"),
            "--output " + dir / "file/out.csv" + ": cannot write: '" + dir / "file" + "' is not a directory");
  EXPECT_EQ(message("/proc/version/x.csv"), "--output /proc/version/x.csv: cannot write: '/proc/version' is not a directory");
  // A directory that refuses new files even to root (the kernel's /proc): the OS reason.
  EXPECT_EQ(message("/proc/lockstep_out.csv"), "--output /proc/lockstep_out.csv: cannot write: No such file or directory");
}
