#pragma once
// The input readers that face users' files and flags, as functions of one input text: each
// libFuzzer target (fuzz/fuzz_<name>.cpp) calls one, and the test suite replays the committed
// corpus and crash regressions through the same functions (tests/fuzz). Bad input may end
// only in InputError; another exception, a crash, a hang, a leak or undefined behaviour
// (the fuzz build runs under ASan and UBSan) is a bug.
#include <string>
#include <vector>

#include "fuzz/fuzz_common.hpp"
#include "fuzz/stub_model.hpp"
#include "host/cli/initial_values.hpp"
#include "host/cli/set_options.hpp"
#include "host/io/csv_data.hpp"
#include "host/io/json_data.hpp"
#include "host/io/stan_csv_reader.hpp"
#include "models/contract/model_args.hpp"

namespace lockstep {
namespace fuzz {

/// The JSON data reader and every accessor a model's loader uses.
inline void json_data(const std::string& text) {
  only_input_errors([&] {
    const auto src = parse_json_data(text, "fuzz.json");
    read_every_field(*src, {"J", "N", "y", "sigma", "x", "y_err", "Sigma", "mu", "county"});
  });
}

/// The CSV reader as a numeric file and as a table (text cells, missing values).
inline void csv_data(const std::string& text) {
  for (bool table : {false, true})
    only_input_errors([&] {
      const auto src = table ? parse_csv_table(text, "fuzz.csv") : parse_csv_data(text, "fuzz.csv");
      std::vector<std::string> fields = src->column_names();
      fields.push_back("x");
      read_every_field(*src, fields);
    });
}

/// The Stan CSV reader from memory: the text as one chain, and twice as two chains (the
/// cross-file checks), dropping and keeping warmup rows.
inline void stan_csv(const std::string& text) {
  for (bool keep_warmup : {false, true})
    for (int files : {1, 2})
      only_input_errors([&] {
        RunInfo info;
        io::StanCsvReadOptions options;
        options.keep_warmup = keep_warmup;
        std::vector<io::StanCsvText> texts = {{"fuzz_1.csv", text}};
        if (files == 2) texts.push_back({"fuzz_2.csv", text});
        io::read_stan_csv_texts(texts, &info, options);
      });
}

/// The --set parser, one option per line, and ModelArgs' typed reads of every option.
inline void set_options(const std::string& text) {
  std::vector<std::string> items(1);
  for (char c : text) {
    if (c == '\n')
      items.emplace_back();
    else
      items.back() += c;
  }
  only_input_errors([&] {
    const auto options = cli::parse_set_options(items);
    ModelArgs args("fuzz", options, nullptr);
    for (const auto& kv : options) {
      only_input_errors([&] { args.option_int(kv.first, 0, -1000000000L); });
      only_input_errors([&] { args.option_real(kv.first, 0.0); });
      only_input_errors([&] { args.option_text(kv.first, ""); });
      only_input_errors([&] { args.option_list(kv.first); });
    }
  });
}

/// The --init parser: a radius ("unif2", "0.5"), else JSON values by name mapped onto a
/// model's outputs ("theta[2]", "r[a,x]", or arrays under the base name), then unconstrained.
inline void init_values(const std::string& text) {
  static const StubModel model;
  only_input_errors([&] {
    RunSettings settings;
    if (!cli::apply_init_radius(text, settings)) cli::apply_init_values(*parse_json_data(text, "init.json"), model, settings);
  });
}

}  // namespace fuzz
}  // namespace lockstep
