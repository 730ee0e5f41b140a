#pragma once
// Reading an input file (data JSON/CSV, Stan CSV draws, --init values) whole, safely: a
// directory, a missing file, a read error or a file too large to hold are one-line
// InputErrors naming the path, never std::bad_alloc (`--data /dev/zero` reads forever). A
// UTF-8 byte-order mark at the start is dropped (spreadsheet exports write one; left in, it
// would become an invisible first character of the first column name).
#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

namespace lockstep {
namespace io {

/// The largest input file read: 1 GiB (a data set or a chain's draws; lockstep's own runs
/// that need more write netCDF, which is never read back whole).
constexpr std::size_t kMaxInputFileBytes = std::size_t{1} << 30;

/// The contents of `path` without a leading UTF-8 BOM. `expected` completes the directory
/// message: "data.json: is a directory, expected a JSON file".
std::string read_input_file(const std::string& path, const std::string& expected = "a file");

/// FNV-1a, 64 bits (Fowler, Noll, Vo) over bytes.
std::uint64_t fnv1a64(const std::string& bytes);

/// A file read_input_file read: its path and the FNV-1a hash of what it held.
struct InputDigest {
  std::string path;
  std::uint64_t hash = 0;
};
/// After record_input_digests(), every file this process reads with read_input_file, in the
/// order read (before it, none: hashing is a pass over every byte, which `lockstep summary` of
/// many Stan CSV files would pay for nothing). The ranks of an MPI run turn it on when they start
/// (parallel::Ranks::start_from_launcher) and compare the digests before they work together
/// (parallel::mark_collective_work): the same command line must mean the same inputs on every
/// node, or each rank's chains would sample a posterior of their own.
void record_input_digests();
std::vector<InputDigest> input_digests();

/// The command line's guard against writing over an input (`--summary` naming the `--data`
/// file, `summary a_1.csv --summary a_1.csv`). After guard_inputs(), every path passed to
/// remember_input and every file read by read_input_file is an input of this process, and
/// check_not_input -- called by check_writable and by AtomicFile before they create anything --
/// refuses a path that names one of them (the same file, however spelled). Off by default:
/// a library user's program may well read a file and then rewrite it.
void guard_inputs();
void remember_input(const std::string& path);
/// InputError "FLAG PATH: is an input of this run; refusing to overwrite it" (FLAG may be "").
void check_not_input(const std::string& path, const std::string& flag);

}  // namespace io
}  // namespace lockstep
