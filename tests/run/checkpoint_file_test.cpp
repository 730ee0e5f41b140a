// The checkpoint file (host/run/checkpoint_file.hpp): what is written is read back field by
// field; a truncated, altered, foreign or other-build file is refused with one line naming it.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/run/checkpoint_file.hpp"
#include "models/contract/input_error.hpp"

namespace lockstep {
namespace {

io::CheckpointFile example() {
  io::CheckpointFile c;
  c.version = "0.2.0";
  c.build = io::build_identity();
  c.args = {"sample", "eight_schools_noncentered", "--data", "data/eight_schools.json", "--checkpoint", "c.ckpt"};
  c.model = "eight_schools_noncentered";
  c.data_file = "data/eight_schools.json";
  c.data_hash = 0x1234567890abcdefull;
  c.seed = 987654321;
  SamplerSnapshot& s = c.snapshot;
  s.sampler = "nuts";
  s.dim = 10;
  s.n_pad = 24;
  s.n_chains = 4;
  s.next_iteration = 650;
  s.window_start = 575;
  s.pooled_da[0] = 0.1;
  s.pooled_da[1] = -0.25;
  s.pooled_da[2] = 3.5;
  s.pooled_da[3] = 17;
  s.warmup_seconds = 1.5;
  s.arrays = {{"q", {1, 2, 3, 255}}, {"empty", {}}};
  s.draws.n_chains = 2;
  s.draws.n_draws = 3;
  s.draws.n_warmup_saved = 1;
  s.draws.names = {"mu", "tau"};
  s.draws.values = {1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12};
  s.draws.stat_names = {"lp__"};
  s.draws.stats = {-1, -2, -3, -4, -5, -6};
  return c;
}

std::string error_of(const std::string& bytes) {
  try {
    io::decode_checkpoint(bytes, "c.ckpt");
  } catch (const InputError& e) {
    return e.what();
  }
  return "(no error)";
}

TEST(CheckpointFile, RoundTrip) {
  const io::CheckpointFile c = example();
  const io::CheckpointFile r = io::decode_checkpoint(io::encode_checkpoint(c), "c.ckpt");
  EXPECT_EQ(r.version, c.version);
  EXPECT_EQ(r.build, c.build);
  EXPECT_EQ(r.args, c.args);
  EXPECT_EQ(r.model, c.model);
  EXPECT_EQ(r.data_file, c.data_file);
  EXPECT_EQ(r.data_hash, c.data_hash);
  EXPECT_EQ(r.seed, c.seed);
  const SamplerSnapshot &a = r.snapshot, &b = c.snapshot;
  EXPECT_EQ(a.sampler, b.sampler);
  EXPECT_EQ(a.dim, b.dim);
  EXPECT_EQ(a.n_pad, b.n_pad);
  EXPECT_EQ(a.n_chains, b.n_chains);
  EXPECT_EQ(a.next_iteration, b.next_iteration);
  EXPECT_EQ(a.window_start, b.window_start);
  for (int i = 0; i < 4; ++i) EXPECT_EQ(a.pooled_da[i], b.pooled_da[i]);
  EXPECT_EQ(a.warmup_seconds, b.warmup_seconds);
  EXPECT_EQ(a.arrays, b.arrays);
  EXPECT_EQ(a.draws.n_chains, 2);
  EXPECT_EQ(a.draws.n_draws, 3);
  EXPECT_EQ(a.draws.n_warmup_saved, 1);
  EXPECT_EQ(a.draws.names, b.draws.names);
  EXPECT_EQ(a.draws.values, b.draws.values);
  EXPECT_EQ(a.draws.stat_names, b.draws.stat_names);
  EXPECT_EQ(a.draws.stats, b.draws.stats);
}

TEST(CheckpointFile, DamagedOrForeignFilesAreRefusedWithOneLine) {
  const std::string good = io::encode_checkpoint(example());
  EXPECT_EQ(error_of("{\"J\": 8}"), "c.ckpt: not a lockstep checkpoint");
  EXPECT_EQ(error_of(good.substr(0, 30)), "c.ckpt: not a complete lockstep checkpoint (truncated)");
  EXPECT_EQ(error_of(good.substr(0, good.size() - 1)).rfind("c.ckpt: not a complete lockstep checkpoint (", 0), 0u);
  std::string flipped = good;
  flipped[good.size() - 5] ^= 1;
  EXPECT_EQ(error_of(flipped), "c.ckpt: corrupt lockstep checkpoint (checksum mismatch)");
  std::string format = good;
  format[20] = 9;
  EXPECT_EQ(error_of(format), "c.ckpt: checkpoint format 9, this lockstep reads format 1");
  io::CheckpointFile other = example();
  other.build = "lockstep 0.0.1, CUDA build, GPU layout W=1, float";
  EXPECT_EQ(error_of(io::encode_checkpoint(other)),
            "c.ckpt: a checkpoint of lockstep 0.0.1, CUDA build, GPU layout W=1, float; this is " +
                io::build_identity() + " (a resumed run must be the same build to give the same draws)");
}

TEST(CheckpointFile, Fnv1a64KnownValues) {
  // FNV-1a 64 reference values (Fowler, Noll, Vo): "" and "a".
  EXPECT_EQ(io::fnv1a64(""), 0xcbf29ce484222325ull);
  EXPECT_EQ(io::fnv1a64("a"), 0xaf63dc4c8601ec8cull);
}

}  // namespace
}  // namespace lockstep
