// io::read_input_file's digests (host/core/input_file.hpp): none are kept until
// record_input_digests() (a split MPI job turns it on; every other process reads without hashing),
// then each file read, in order, with the FNV-1a hash of its contents (the BOM dropped).
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/core/input_file.hpp"
#include "tests/temp_dir.hpp"

namespace lockstep {
namespace testing {
namespace {

TEST(InputFile, DigestsAreKeptOnlyOnceRecordingIsOn) {
  TempDir dir("input_digests");
  const std::string a = dir / "a.json", b = dir / "b.csv";
  write_text(a, "{\"J\": 8}");
  write_text(b, "\xEF\xBB\xBFx\n1\n");
  const auto kept = [](const std::string& path) {
    int n = 0;
    for (const io::InputDigest& d : io::input_digests()) n += d.path == path;
    return n;
  };
  (void)io::read_input_file(a);
  EXPECT_EQ(kept(a), 0) << "hashed before record_input_digests()";

  io::record_input_digests();
  (void)io::read_input_file(a);
  (void)io::read_input_file(b);
  const std::vector<io::InputDigest> d = io::input_digests();
  ASSERT_GE(d.size(), 2u);
  EXPECT_EQ(d[d.size() - 2].path, a);
  EXPECT_EQ(d[d.size() - 2].hash, io::fnv1a64("{\"J\": 8}"));
  EXPECT_EQ(d.back().path, b);
  EXPECT_EQ(d.back().hash, io::fnv1a64("x\n1\n")) << "the hash of what the reader got, without the BOM";
}

}  // namespace
}  // namespace testing
}  // namespace lockstep
