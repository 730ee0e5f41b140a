#include "host/run/checkpoint_file.hpp"

#include <filesystem>
#include <cstring>
#include <fstream>
#include <sstream>
#include <stdexcept>

#include "host/backend/lanes.hpp"
#include "host/backend/place.hpp"
#include "host/io/atomic_file.hpp"
#include "kernels/core/config.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace io {
namespace {

constexpr char kMagic[] = "LOCKSTEP-CHECKPOINT\n";
constexpr std::size_t kMagicBytes = sizeof(kMagic) - 1;

class SnapshotWriter {
 public:
  void u64(std::uint64_t v) { raw(&v, sizeof v); }
  void i64(std::int64_t v) { raw(&v, sizeof v); }
  void f64(double v) { raw(&v, sizeof v); }
  void str(const std::string& s) {
    u64(s.size());
    out_.append(s);
  }
  void bytes(const std::vector<unsigned char>& b) {
    u64(b.size());
    out_.append(reinterpret_cast<const char*>(b.data()), b.size());
  }
  template <class Vector>  // std::vector<double> or DrawValues
  void doubles(const Vector& v) {
    u64(v.size());
    if (!v.empty()) raw(v.data(), v.size() * sizeof(double));
  }
  void strings(const std::vector<std::string>& v) {
    u64(v.size());
    for (const auto& s : v) str(s);
  }
  const std::string& text() const { return out_; }

 private:
  void raw(const void* p, std::size_t n) { out_.append(static_cast<const char*>(p), n); }
  std::string out_;
};

class SnapshotReader {
 public:
  SnapshotReader(const std::string& bytes, std::size_t at, const std::string& origin) : b_(bytes), at_(at), origin_(origin) {}
  std::uint64_t u64() { return pod<std::uint64_t>(); }
  std::int64_t i64() { return pod<std::int64_t>(); }
  double f64() { return pod<double>(); }
  std::string str() {
    const std::uint64_t n = count(1);
    std::string s = b_.substr(at_, n);
    at_ += n;
    return s;
  }
  std::vector<unsigned char> bytes() {
    const std::uint64_t n = count(1);
    std::vector<unsigned char> v(b_.begin() + static_cast<long>(at_), b_.begin() + static_cast<long>(at_ + n));
    at_ += n;
    return v;
  }
  template <class Vector = std::vector<double>>  // or DrawValues
  Vector doubles() {
    const std::uint64_t n = count(sizeof(double));
    Vector v(n);
    if (n) std::memcpy(v.data(), b_.data() + at_, n * sizeof(double));
    at_ += n * sizeof(double);
    return v;
  }
  std::vector<std::string> strings() {
    const std::uint64_t n = count(8);
    std::vector<std::string> v;
    for (std::uint64_t i = 0; i < n; ++i) v.push_back(str());
    return v;
  }
  bool done() const { return at_ == b_.size(); }

 private:
  template <class T>
  T pod() {
    need(sizeof(T));
    T v;
    std::memcpy(&v, b_.data() + at_, sizeof(T));
    at_ += sizeof(T);
    return v;
  }
  /// A count of items of `size` bytes each that must fit in what is left.
  std::uint64_t count(std::size_t size) {
    const std::uint64_t n = u64();
    if (n > (b_.size() - at_) / size) corrupt();
    return n;
  }
  void need(std::size_t n) {
    if (b_.size() - at_ < n) corrupt();
  }
  [[noreturn]] void corrupt() const { throw InputError(origin_ + ": not a complete lockstep checkpoint (truncated)"); }
  const std::string& b_;
  std::size_t at_;
  std::string origin_;
};

}  // namespace

std::string build_identity() {
  return std::string("lockstep ") + LOCKSTEP_VERSION + ", " + (backend::is_cuda_build() ? "CUDA" : "CPU") + " build, " +
         backend::shape_name() + ", " + (sizeof(Real) == 4 ? "float" : "double");
}

std::string encode_checkpoint(const CheckpointFile& c) {
  SnapshotWriter w;
  w.str(c.version);
  w.str(c.build);
  w.strings(c.args);
  w.str(c.model);
  w.str(c.data_file);
  w.u64(c.data_hash);
  w.u64(c.seed);
  const SamplerSnapshot& s = c.snapshot;
  w.str(s.sampler);
  w.i64(s.dim);
  w.i64(s.n_pad);
  w.i64(s.n_chains);
  w.i64(s.next_iteration);
  w.i64(s.window_start);
  for (double v : s.pooled_da) w.f64(v);
  w.f64(s.warmup_seconds);
  w.u64(s.arrays.size());
  for (const auto& a : s.arrays) {
    w.str(a.first);
    w.bytes(a.second);
  }
  w.i64(s.draws.n_chains);
  w.i64(s.draws.n_draws);
  w.i64(s.draws.n_warmup_saved);
  w.strings(s.draws.names);
  w.doubles(s.draws.values);
  w.strings(s.draws.stat_names);
  w.doubles(s.draws.stats);

  const std::string& payload = w.text();
  std::string out(kMagic, kMagicBytes);
  const std::uint32_t format = kCheckpointFormat;
  const std::uint64_t size = payload.size(), sum = fnv1a64(payload);
  out.append(reinterpret_cast<const char*>(&format), sizeof format);
  out.append(reinterpret_cast<const char*>(&size), sizeof size);
  out.append(reinterpret_cast<const char*>(&sum), sizeof sum);
  out.append(payload);
  return out;
}

CheckpointFile decode_checkpoint(const std::string& bytes, const std::string& origin) {
  const std::size_t head = kMagicBytes + 4 + 8 + 8;
  if (bytes.size() < kMagicBytes || bytes.compare(0, kMagicBytes, kMagic) != 0)
    throw InputError(origin + ": not a lockstep checkpoint");
  if (bytes.size() < head) throw InputError(origin + ": not a complete lockstep checkpoint (truncated)");
  std::uint32_t format;
  std::uint64_t size, sum;
  std::memcpy(&format, bytes.data() + kMagicBytes, 4);
  std::memcpy(&size, bytes.data() + kMagicBytes + 4, 8);
  std::memcpy(&sum, bytes.data() + kMagicBytes + 12, 8);
  if (format != kCheckpointFormat)
    throw InputError(origin + ": checkpoint format " + std::to_string(format) + ", this lockstep reads format " +
                     std::to_string(kCheckpointFormat));
  if (bytes.size() - head != size)
    throw InputError(origin + ": not a complete lockstep checkpoint (" + std::to_string(bytes.size() - head) +
                     " of " + std::to_string(size) + " bytes)");
  const std::string payload = bytes.substr(head);
  if (fnv1a64(payload) != sum) throw InputError(origin + ": corrupt lockstep checkpoint (checksum mismatch)");

  SnapshotReader r(payload, 0, origin);
  CheckpointFile c;
  c.version = r.str();
  c.build = r.str();
  if (c.build != build_identity())
    throw InputError(origin + ": a checkpoint of " + c.build + "; this is " + build_identity() +
                     " (a resumed run must be the same build to give the same draws)");
  c.args = r.strings();
  c.model = r.str();
  c.data_file = r.str();
  c.data_hash = r.u64();
  c.seed = r.u64();
  SamplerSnapshot& s = c.snapshot;
  s.sampler = r.str();
  s.dim = static_cast<int>(r.i64());
  s.n_pad = static_cast<int>(r.i64());
  s.n_chains = static_cast<int>(r.i64());
  s.next_iteration = r.i64();
  s.window_start = r.i64();
  for (double& v : s.pooled_da) v = r.f64();
  s.warmup_seconds = r.f64();
  const std::uint64_t n_arrays = r.u64();
  for (std::uint64_t i = 0; i < n_arrays && !r.done(); ++i) {
    std::string name = r.str();
    s.arrays.emplace_back(std::move(name), r.bytes());
  }
  s.draws.n_chains = static_cast<int>(r.i64());
  s.draws.n_draws = static_cast<int>(r.i64());
  s.draws.n_warmup_saved = static_cast<int>(r.i64());
  s.draws.names = r.strings();
  s.draws.values = r.doubles<DrawValues>();
  s.draws.stat_names = r.strings();
  s.draws.stats = r.doubles<DrawValues>();
  if (!r.done() || s.arrays.size() != n_arrays)
    throw InputError(origin + ": corrupt lockstep checkpoint (fields do not add up)");
  return c;
}

void write_checkpoint(const std::string& path, const CheckpointFile& c) {
  remove_stale_temporaries(path);  // a killed run's FILE.tmp-PID
  AtomicFile f(path);
  f.write(encode_checkpoint(c));
  f.commit();
}

CheckpointFile read_checkpoint(const std::string& path) {
  // Only a regular file can be a checkpoint (which may be larger than any input file: it holds
  // the draws so far); a device or a pipe (/dev/zero) would be read without end.
  std::error_code ec;
  if (std::filesystem::exists(path, ec) && !std::filesystem::is_regular_file(path, ec))
    throw InputError(path + ": not a regular file, so not a lockstep checkpoint");
  std::ifstream in(path, std::ios::binary);
  if (!in) throw InputError(path + ": cannot read the checkpoint");
  std::ostringstream s;
  s << in.rdbuf();
  return decode_checkpoint(s.str(), path);
}

}  // namespace io
}  // namespace lockstep
