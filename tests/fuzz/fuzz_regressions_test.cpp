// Every committed fuzz input -- the corpus (fuzz/corpus/<target>/, seeded with the repository's
// data files and grown by scripts/fuzz.sh) and any input that once crashed a reader
// (fuzz/regressions/<target>/) -- replayed through the same target functions libFuzzer runs:
// each must be read or refused with an InputError, nothing else.
#include <gtest/gtest.h>

#include <filesystem>
#include <fstream>
#include <functional>
#include <sstream>
#include <string>
#include <vector>

#include "fuzz/fuzz_targets.hpp"

namespace {

namespace fs = std::filesystem;

std::string slurp(const fs::path& p) {
  std::ifstream in(p, std::ios::binary);
  std::ostringstream s;
  s << in.rdbuf();
  return s.str();
}

/// Replays every file under fuzz/corpus/<target> and fuzz/regressions/<target>; returns how many.
int replay(const std::string& target, const std::function<void(const std::string&)>& run) {
  int n = 0;
  for (const char* kind : {"corpus", "regressions"}) {
    const fs::path dir = fs::path(LOCKSTEP_SOURCE_DIR) / "fuzz" / kind / target;
    if (!fs::is_directory(dir)) continue;
    for (const auto& e : fs::directory_iterator(dir)) {
      if (!e.is_regular_file()) continue;
      SCOPED_TRACE(e.path().string());
      EXPECT_NO_THROW(run(slurp(e.path())));
      ++n;
    }
  }
  return n;
}

TEST(FuzzRegressions, JsonData) { EXPECT_GE(replay("json_data", lockstep::fuzz::json_data), 4); }
TEST(FuzzRegressions, CsvData) { EXPECT_GE(replay("csv_data", lockstep::fuzz::csv_data), 4); }
TEST(FuzzRegressions, StanCsv) { EXPECT_GE(replay("stan_csv", lockstep::fuzz::stan_csv), 4); }
TEST(FuzzRegressions, SetOptions) { EXPECT_GE(replay("set_options", lockstep::fuzz::set_options), 3); }
TEST(FuzzRegressions, InitValues) { EXPECT_GE(replay("init_values", lockstep::fuzz::init_values), 4); }

// The targets do reach the readers: a good input is read, not refused.
TEST(FuzzTargets, GoodInputsAreReadNotRefused) {
  using lockstep::InputError;
  EXPECT_NO_THROW(lockstep::parse_json_data(slurp(fs::path(LOCKSTEP_SOURCE_DIR) / "data/eight_schools.json"), "es.json"));
  lockstep::RunInfo info;
  const std::string chain = slurp(fs::path(LOCKSTEP_SOURCE_DIR) / "tests/fixtures/cmdstan/eight_schools3-1.csv");
  const lockstep::DrawSet d = lockstep::io::read_stan_csv_texts({{"a.csv", chain}, {"b.csv", chain}}, &info);
  EXPECT_EQ(d.n_chains, 2);
  EXPECT_EQ(d.n_draws, 6);
  lockstep::RunSettings settings;
  lockstep::cli::apply_init_values(
      *lockstep::parse_json_data(R"({"mu": 1, "tau": 2, "theta": [1, 2, 3], "r": [[1, 2], [3, 4]]})", "i.json"),
      lockstep::fuzz::StubModel(), settings);
  ASSERT_EQ(settings.init_unconstrained.size(), 1u);
  EXPECT_EQ(settings.init_unconstrained[0], (std::vector<double>{1, std::log(2.0), 1, 2, 3, 1, 2, 3, 4}));
  EXPECT_THROW(lockstep::cli::parse_set_options({"dim=3", "dim=4"}), InputError);
}

}  // namespace
