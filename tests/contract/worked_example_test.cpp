// The worked example of docs/model_contract.md (tests/contract/normal_scale.hpp): the document
// shows the file verbatim, the model passes every `lockstep check` check, its SIMD block
// evaluation matches the scalar one, and NUTS recovers a posterior that is known in closed form
// to a good approximation (a long HMC run of the same model is the reference here: the sample
// mean of y and its spread).
#include <gtest/gtest.h>

#include <fstream>
#include <sstream>
#include <string>

#include "host/algorithms/nuts/nuts_algorithm.hpp"
#include "host/check/model_check.hpp"
#include "host/diagnostics/convergence.hpp"
#include "host/diagnostics/summary.hpp"
#include "host/registry/model_entry.hpp"
#include "tests/contract/normal_scale.hpp"
#include "tests/hmc/memory_data_source.hpp"

namespace lockstep {
namespace {

std::string read(const std::string& path) {
  std::ifstream in(path);
  std::stringstream s;
  s << in.rdbuf();
  return s.str();
}

TEST(WorkedExample, TheContractDocumentShowsTheFileVerbatim) {
  const std::string doc = read(std::string(LOCKSTEP_SOURCE_DIR) + "/docs/model_contract.md");
  const std::string code = read(std::string(LOCKSTEP_SOURCE_DIR) + "/tests/contract/normal_scale.hpp");
  ASSERT_GT(code.size(), 1000u);
  EXPECT_NE(doc.find("```cpp\n" + code + "```"), std::string::npos)
      << "docs/model_contract.md must contain tests/contract/normal_scale.hpp verbatim in a ```cpp block";
}

testing::MemoryDataSource data20() {
  testing::MemoryDataSource src;
  std::vector<double> y;
  for (int n = 0; n < 20; ++n) y.push_back(3.0 + 2.0 * std::sin(1.7 * n + 0.3));  // mean ~3, sd ~1.4
  src.fields["N"] = {20};
  src.fields["y"] = y;
  return src;
}

TEST(WorkedExample, PassesEveryCheck) {
  const testing::MemoryDataSource src = data20();
  ModelArgs args("normal_scale", {}, &src);
  const AnyModelImpl<example::NormalScale> model(AnyModelImpl<example::NormalScale>::load(args));
  const check::ModelCheckOptions o;
  const check::ModelCheckReport r = check::check_model(model, o);
  std::ostringstream text;
  check::print_report(text, r, o);
  EXPECT_TRUE(r.ok()) << text.str();
  const ModelEntry e = make_model_entry<example::NormalScale>();
  EXPECT_TRUE(e.has(Capability::kGeneratedQuantities));
  // --predict's other half: the data y_rep replicates (a reviewer found it missing here once).
  EXPECT_EQ(model.observed_name(), "y");
  EXPECT_EQ(model.observed().size(), 20u);
  EXPECT_TRUE(e.supports("nuts") && e.supports("hmc") && e.supports("chees") && !e.supports("ensemble"));
}

TEST(WorkedExample, NutsFindsTheMeanOfTheData) {
  const testing::MemoryDataSource src = data20();
  ModelArgs args("normal_scale", {}, &src);
  const Loaded<example::NormalScale> m = load_typed<example::NormalScale>(args);
  NutsConfig cfg;
  cfg.chains = 16;
  cfg.warmup = 300;
  cfg.draws = 300;
  cfg.seed = 3;
  DrawSet d;
  RunInfo info;
  sample_nuts(m, cfg, d, info);
  double ybar = 0;
  for (double y : src.fields.at("y")) ybar += y;
  ybar /= 20;
  const diagnostics::Summary mu = diagnostics::summarize(diagnostics::chains_of(d, 0));
  // With sigma ~ 1.4 and N = 20 the posterior of mu is ~N(ybar, 0.33) (the N(0, 10) prior
  // moves it by < 0.01): the posterior mean is within 5 MCSE + 0.01 of ybar.
  EXPECT_NEAR(mu.mean, ybar, 5 * mu.mcse_mean + 0.01) << "mcse " << mu.mcse_mean;
  EXPECT_NEAR(mu.sd, 0.33, 0.06);
  EXPECT_LT(mu.rhat, 1.01);
}

}  // namespace
}  // namespace lockstep
