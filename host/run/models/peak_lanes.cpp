// Instantiates the samplers for the peak model (models/peak.hpp).
#include "host/run/any_model_impl.hpp"
#include "host/run/models/factories.hpp"
#include "models/peak.hpp"

namespace lockstep {

std::unique_ptr<AnyModel> make_peak(ModelArgs& a) { return AnyModelImpl<models::Peak>::make(a); }
}  // namespace lockstep
