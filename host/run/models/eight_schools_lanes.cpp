// Instantiates the samplers for the Eight Schools models.
#include "host/run/any_model_impl.hpp"
#include "host/run/models/factories.hpp"
#include "models/eight_schools.hpp"

namespace lockstep {
std::unique_ptr<AnyModel> make_eight_schools_centered(ModelArgs& a) {
  return AnyModelImpl<models::EightSchoolsCentered>::make(a);
}
std::unique_ptr<AnyModel> make_eight_schools_noncentered(ModelArgs& a) {
  return AnyModelImpl<models::EightSchoolsNoncentered>::make(a);
}
}  // namespace lockstep
