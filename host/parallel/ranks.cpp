// host/parallel/ranks.hpp: MPI where the build has it (LOCKSTEP_WITH_MPI, set by CMake on this
// file only), one process otherwise.
#include "host/parallel/ranks.hpp"

#include <cstdio>
#include <cstdlib>
#include <limits>
#include <stdexcept>
#include <string>
#include <vector>

#include "host/core/input_file.hpp"
#include "models/contract/input_error.hpp"

#ifdef LOCKSTEP_WITH_MPI
#include <mpi.h>
#endif

namespace lockstep {
namespace parallel {
namespace {

bool g_collective_work = false;

#ifdef LOCKSTEP_WITH_MPI
/// An MPI launcher's environment: Open MPI's mpirun, or a PMI/PMIx launcher (MPICH's hydra, Slurm's srun).
bool launched_by_mpi() {
  for (const char* v : {"OMPI_COMM_WORLD_SIZE", "PMIX_RANK", "PMI_SIZE", "PMI_RANK"})
    if (std::getenv(v)) return true;
  return false;
}
void check(int rc, const char* what) {
  if (rc != MPI_SUCCESS) throw std::runtime_error(std::string("MPI: ") + what + " failed");
}
/// Where each rank's part starts in the concatenation (MPI counts and offsets are int); the total.
long long displacements(const std::vector<int>& counts, std::vector<int>& displ) {
  long long total = 0;
  displ.assign(counts.size(), 0);
  for (std::size_t r = 0; r < counts.size(); ++r) {
    if (total > std::numeric_limits<int>::max())
      throw std::runtime_error("MPI: more than 2^31 numbers in one gather (gather fewer draws per call)");
    displ[r] = static_cast<int>(total);
    total += counts[r];
  }
  return total;
}
#endif

}  // namespace

Ranks& Ranks::world() {
  static Ranks r;
  return r;
}

bool Ranks::built_with_mpi() {
#ifdef LOCKSTEP_WITH_MPI
  return true;
#else
  return false;
#endif
}

Ranks& Ranks::start_from_launcher(int* argc, char*** argv) {
  Ranks& w = world();
#ifdef LOCKSTEP_WITH_MPI
  if (!w.started_ && launched_by_mpi()) {
    check(MPI_Init(argc, argv), "MPI_Init");
    w.started_ = true;
    MPI_Comm_rank(MPI_COMM_WORLD, &w.rank_);
    MPI_Comm_size(MPI_COMM_WORLD, &w.size_);
    MPI_Comm node;
    MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, w.rank_, MPI_INFO_NULL, &node);
    MPI_Comm_rank(node, &w.node_rank_);
    MPI_Comm_free(&node);
    if (w.size_ > 1) io::record_input_digests();  // compared in mark_collective_work
  }
#else
  (void)argc;
  (void)argv;
#endif
  return w;
}

Agreement Ranks::agree(int status) const {
  Agreement a;
  a.status = status;
  a.first_failed = status != 0 ? rank_ : size_;
  a.failed = status != 0 ? 1 : 0;
#ifdef LOCKSTEP_WITH_MPI
  if (split()) {
    std::vector<int> all(static_cast<std::size_t>(size_), 0);
    check(MPI_Allgather(&status, 1, MPI_INT, all.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
    a = Agreement{0, size_, 0};
    for (int r = 0; r < size_; ++r)
      if (all[r] != 0) {
        a.status = all[r] > a.status ? all[r] : a.status;
        a.first_failed = r < a.first_failed ? r : a.first_failed;
        ++a.failed;
      }
  }
#endif
  return a;
}

void Ranks::agree_before_collective() const {
  if (!split() || g_collective_work) return;
  const Agreement a = agree(0);
  if (a.status != 0) throw AnotherRankFailed{a.status};
}

std::vector<double> Ranks::all_gather(const std::vector<double>& local, std::vector<int>* counts) const {
  agree_before_collective();
  if (!split()) {
    if (counts) *counts = {static_cast<int>(local.size())};
    return local;
  }
#ifdef LOCKSTEP_WITH_MPI
  std::vector<int> n(size_), displ;
  int mine = static_cast<int>(local.size());
  check(MPI_Allgather(&mine, 1, MPI_INT, n.data(), 1, MPI_INT, MPI_COMM_WORLD), "MPI_Allgather");
  const long long total = displacements(n, displ);
  std::vector<double> out(static_cast<std::size_t>(total));
  check(MPI_Allgatherv(local.data(), mine, MPI_DOUBLE, out.data(), n.data(), displ.data(), MPI_DOUBLE, MPI_COMM_WORLD),
        "MPI_Allgatherv");
  bytes_sent_ += static_cast<unsigned long long>(mine) * sizeof(double) * static_cast<unsigned long long>(size_ - 1);
  if (counts) *counts = n;
  return out;
#else
  return local;
#endif
}

std::vector<double> Ranks::gather_to_root(const std::vector<double>& local, std::vector<int>* counts) const {
  if (!split()) {
    if (counts) *counts = {static_cast<int>(local.size())};
    return local;
  }
  agree_before_collective();
#ifdef LOCKSTEP_WITH_MPI
  std::vector<int> n(size_), displ;
  int mine = static_cast<int>(local.size());
  check(MPI_Gather(&mine, 1, MPI_INT, n.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  const long long total = displacements(n, displ);
  std::vector<double> out(is_root() ? static_cast<std::size_t>(total) : 0);
  check(MPI_Gatherv(local.data(), mine, MPI_DOUBLE, out.data(), n.data(), displ.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD),
        "MPI_Gatherv");
  if (!is_root()) bytes_sent_ += static_cast<unsigned long long>(mine) * sizeof(double);
  if (counts) *counts = is_root() ? n : std::vector<int>{};
  return out;
#else
  return local;
#endif
}

DrawValues Ranks::gather_rows_to_root(const DrawValues& local, int rows) const {
  if (!split() || rows <= 0) return local;
  agree_before_collective();
#ifdef LOCKSTEP_WITH_MPI
  const int row = static_cast<int>(local.size() / static_cast<std::size_t>(rows));
  std::vector<int> n(size_), displ;
  check(MPI_Gather(&row, 1, MPI_INT, n.data(), 1, MPI_INT, 0, MPI_COMM_WORLD), "MPI_Gather");
  const long long total = is_root() ? displacements(n, displ) : 0;
  DrawValues out(is_root() ? static_cast<std::size_t>(total) * static_cast<std::size_t>(rows) : 0);
  for (int q = 0; q < rows; ++q)
    check(MPI_Gatherv(local.data() + static_cast<std::size_t>(q) * row, row, MPI_DOUBLE,
                      is_root() ? out.data() + static_cast<std::size_t>(q) * static_cast<std::size_t>(total) : nullptr,
                      n.data(), displ.data(), MPI_DOUBLE, 0, MPI_COMM_WORLD),
          "MPI_Gatherv");
  if (!is_root()) bytes_sent_ += local.size() * sizeof(double);
  return out;
#else
  return local;
#endif
}

double Ranks::sum(double x) const {
#ifdef LOCKSTEP_WITH_MPI
  if (split()) {
    // all-gathered and added in rank order: the same bits on every rank, whatever MPI's tree
    double s = 0;
    for (double v : all_gather({x})) s += v;
    return s;
  }
#endif
  return x;
}

std::uint64_t Ranks::from_root(std::uint64_t x) const {
  agree_before_collective();
#ifdef LOCKSTEP_WITH_MPI
  if (split()) check(MPI_Bcast(&x, 1, MPI_UINT64_T, 0, MPI_COMM_WORLD), "MPI_Bcast");
#endif
  return x;
}

double Ranks::max(double x) const {
#ifdef LOCKSTEP_WITH_MPI
  if (split()) {
    double m = x;
    for (double v : all_gather({x})) m = v > m ? v : m;
    return m;
  }
#endif
  return x;
}

void Ranks::abort(int code) const {
  std::fflush(stdout);
  std::fflush(stderr);
#ifdef LOCKSTEP_WITH_MPI
  if (split()) MPI_Abort(MPI_COMM_WORLD, code);
#endif
  std::_Exit(code);
}

void Ranks::finish() {
#ifdef LOCKSTEP_WITH_MPI
  if (started_) {
    MPI_Finalize();
    started_ = false;
  }
#endif
}

ChainShare chain_share(int total, int rank, int size, int block) {
  auto start = [&](int r, int b) {
    const long long at = static_cast<long long>(total) * r / size;
    return r == size ? total : static_cast<int>(at / b * b);
  };
  bool aligned = block > 1;
  for (int r = 0; r < size && aligned; ++r) aligned = start(r + 1, block) > start(r, block);
  const int b = aligned ? block : 1;
  ChainShare s;
  s.first = start(rank, b);
  s.count = start(rank + 1, b) - s.first;
  s.total = total;
  s.block_aligned = aligned;
  return s;
}

namespace {

// The input files every rank read (io::input_digests) against rank 0's: the same command line
// on every node must have meant the same bytes (a node with an older copy of the data would
// otherwise sample its own posterior in silence). Every rank compares the same gathered
// hashes and so throws the same InputError, which the lowest rank reports.
void check_same_inputs(const Ranks& ranks) {
  const std::vector<io::InputDigest> mine = io::input_digests();
  std::vector<double> local;  // each 64-bit hash as two exact 32-bit halves
  for (const io::InputDigest& d : mine) {
    local.push_back(static_cast<double>(d.hash >> 32));
    local.push_back(static_cast<double>(d.hash & 0xffffffffu));
  }
  std::vector<int> counts;
  const std::vector<double> all = ranks.all_gather(local, &counts);
  std::size_t offset = static_cast<std::size_t>(counts[0]);
  for (int r = 1; r < ranks.size(); ++r) {
    const double* theirs = all.data() + offset;
    if (counts[r] != counts[0])
      throw InputError("rank " + std::to_string(r) + " read " + std::to_string(counts[r] / 2) +
                       " input files and rank 0 read " + std::to_string(counts[0] / 2) +
                       "; every rank must run the same command on the same files");
    for (int k = 0; k < counts[0]; k += 2)
      if (theirs[k] != all[k] || theirs[k + 1] != all[k + 1])
        throw InputError(mine[k / 2].path + ": rank " + std::to_string(r) +
                         " read other contents than rank 0; every rank must read the same input files (a node "
                         "with its own, different copy?)");
    offset += static_cast<std::size_t>(counts[r]);
  }
}

}  // namespace

void check_same_command_line(int argc, const char* const* argv) {
  const Ranks& ranks = Ranks::world();
  if (!ranks.split()) return;
  // Every rank's arguments (not the program's path), each followed by a 0 byte, one byte a double.
  std::vector<double> local;
  for (int i = 1; i < argc; ++i) {
    for (const char* c = argv[i]; *c != '\0'; ++c) local.push_back(static_cast<unsigned char>(*c));
    local.push_back(0);
  }
  std::vector<int> counts;
  const std::vector<double> all = ranks.all_gather(local, &counts);
  auto arguments_of = [&](int r) {
    std::size_t at = 0;
    for (int k = 0; k < r; ++k) at += static_cast<std::size_t>(counts[k]);
    std::vector<std::string> args(1);
    for (int k = 0; k < counts[r]; ++k) {
      const char c = static_cast<char>(static_cast<int>(all[at + k]));
      if (c == '\0')
        args.emplace_back();
      else
        args.back() += c;
    }
    args.pop_back();  // after the last argument's 0
    return args;
  };
  const std::vector<std::string> first = arguments_of(0);
  for (int r = 1; r < ranks.size(); ++r) {
    const std::vector<std::string> theirs = arguments_of(r);
    if (theirs == first) continue;
    std::size_t i = 0;
    while (i < first.size() && i < theirs.size() && first[i] == theirs[i]) ++i;
    auto word = [&](const std::vector<std::string>& args) {
      return i < args.size() ? "'" + args[i] + "'" : std::string("nothing");
    };
    throw InputError("the ranks were started with different command lines: argument " + std::to_string(i + 1) +
                     " is " + word(first) + " on rank 0 and " + word(theirs) + " on rank " + std::to_string(r) +
                     "; every rank must run the same command (mpirun -np R lockstep ...)");
  }
}

void mark_collective_work() {
  Ranks& ranks_of_run = Ranks::world();
  ranks_of_run.agree_before_collective();
  if (ranks_of_run.split() && !g_collective_work) check_same_inputs(ranks_of_run);
  g_collective_work = true;
  // Test hook (tests/parallel/mpi_run_test.cpp): LOCKSTEP_FAIL_ON_RANK=r makes rank r fail here,
  // after the ranks started working together, as a rank that hits an error mid-run would.
  const char* fail = std::getenv("LOCKSTEP_FAIL_ON_RANK");
  const Ranks& ranks = Ranks::world();
  if (fail && ranks.split() && std::atoi(fail) == ranks.rank())
    throw std::runtime_error("failure injected for testing (LOCKSTEP_FAIL_ON_RANK=" + std::string(fail) + ")");
}
bool collective_work_started() { return g_collective_work; }

}  // namespace parallel
}  // namespace lockstep
