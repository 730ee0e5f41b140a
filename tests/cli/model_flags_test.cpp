// Model flags (ModelInfo::flags): a model family's own command-line flags reach its loader as
// options (repeatable ones as a list), are refused for models that do not declare them, and
// --print-model prints the resolved model without sampling.
#include <gtest/gtest.h>

#include <string>
#include <vector>

#include "host/cli/run_cli.hpp"
#include "host/registry/model_entry.hpp"
#include "models/std_normal.hpp"

namespace lockstep {
namespace {

/// A standard normal that declares --formula and a repeatable --prior, and refuses to load
/// with a message that shows what arrived (so the test can read it).
struct FlagEcho : models::StdNormal {
  static ModelInfo info() {
    ModelInfo i = models::StdNormal::info();
    i.name = "test_flag_echo";
    i.flags = {{"--formula", "formula", "F", "a formula", false}, {"--prior", "prior", "P", "a prior", true}};
    return i;
  }
  static Loaded<FlagEcho> load(ModelArgs& args) {
    const std::string formula = args.option_text("formula", "(none)");
    std::string priors;
    for (const std::string& p : args.option_list("prior")) priors += "[" + p + "]";
    if (formula == "echo") throw InputError("priors " + priors);
    const Loaded<models::StdNormal> s = models::StdNormal::load(args);
    Loaded<FlagEcho> out;
    out.data = s.data;
    out.names = s.names;
    return out;
  }
  static std::string describe(const Loaded<FlagEcho>&) { return "  (the echo model's own description)\n"; }
};

int run(std::vector<std::string> args, std::string* out, std::string* err) {
  args.insert(args.begin(), "lockstep");
  std::vector<char*> argv;
  for (std::string& a : args) argv.push_back(a.data());
  ::testing::internal::CaptureStdout();
  ::testing::internal::CaptureStderr();
  const int status = cli::run_cli(static_cast<int>(argv.size()), argv.data(), {make_model_entry<FlagEcho>()});
  *out = ::testing::internal::GetCapturedStdout();
  *err = ::testing::internal::GetCapturedStderr();
  return status;
}

TEST(ModelFlags, ReachTheLoaderRepeatedOnesAsAList) {
  std::string out, err;
  EXPECT_EQ(run({"sample", "test_flag_echo", "--formula", "echo", "--prior", "b ~ normal(0, 1)", "--prior",
                 "sigma ~ exponential(1)"},
                &out, &err),
            2);
  EXPECT_NE(err.find("priors [b ~ normal(0, 1)][sigma ~ exponential(1)]"), std::string::npos) << err;
}

TEST(ModelFlags, AreRefusedForOtherModelsAndWhenRepeatedWithoutLeave) {
  std::string out, err;
  EXPECT_EQ(run({"sample", "std_normal", "--formula", "y ~ x"}, &out, &err), 2);
  EXPECT_NE(err.find("--formula: not a flag of model 'std_normal' (a flag of: glmm, test_flag_echo)"), std::string::npos)
      << err;
  EXPECT_EQ(run({"check", "test_flag_echo", "--formula", "a", "--formula", "b"}, &out, &err), 2);
  EXPECT_NE(err.find("--formula: give it once"), std::string::npos) << err;
}

TEST(ModelFlags, DataForAModelWithoutDataIsRefused) {
  // `lockstep models` says "data: none": a --data file would otherwise be read and ignored
  std::string out, err;
  EXPECT_EQ(run({"sample", "std_normal", "--data", "data/eight_schools.json"}, &out, &err), 2);
  EXPECT_NE(err.find("--data data/eight_schools.json: model 'std_normal' takes no data (`lockstep models`); leave "
                     "--data out"),
            std::string::npos)
      << err;
}

TEST(ModelFlags, PrintModelDescribesWithoutSampling) {
  std::string out, err;
  ASSERT_EQ(run({"sample", "test_flag_echo", "--set", "dim=3", "--print-model"}, &out, &err), 0) << err;
  EXPECT_NE(out.find("model test_flag_echo"), std::string::npos) << out;
  EXPECT_NE(out.find("x[1], x[2], x[3]"), std::string::npos) << out;
  EXPECT_NE(out.find("the echo model's own description"), std::string::npos) << out;
  EXPECT_EQ(out.find("Wall time"), std::string::npos) << "no sampling";
}

}  // namespace
}  // namespace lockstep
