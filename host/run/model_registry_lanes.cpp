// The model table: name -> factory. Adding a model: write models/NAME.hpp, instantiate it in
// host/run/models/NAME_lanes.cpp, declare its factory in factories.hpp, add a row here.
#include "host/io/input_error.hpp"
#include "host/run/any_model.hpp"
#include "host/run/models/factories.hpp"
#include "models/eight_schools.hpp"
#include "models/funnel.hpp"
#include "models/gaussian.hpp"
#include "models/peak.hpp"
#include "models/std_normal.hpp"

namespace lockstep {

const std::vector<ModelEntry>& model_table() {
  static const std::vector<ModelEntry> table = {
      {models::EightSchoolsNoncentered::info(), &make_eight_schools_noncentered},
      {models::EightSchoolsCentered::info(), &make_eight_schools_centered},
      {models::StdNormal::info(), &make_std_normal},
      {models::Gaussian::info(), &make_gaussian},
      {models::Funnel::info(), &make_funnel},
      {models::Peak::info(), &make_peak},
  };
  return table;
}

std::unique_ptr<AnyModel> load_model(const std::string& name, ModelArgs& args) {
  std::string known;
  for (const auto& e : model_table()) {
    if (e.info.name == name) return e.make(args);
    known += (known.empty() ? "" : ", ") + e.info.name;
  }
  throw InputError("model '" + name + "' is unknown (known models: " + known + ")");
}

}  // namespace lockstep
