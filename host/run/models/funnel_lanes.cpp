// Instantiates the samplers for the funnel model.
#include "host/run/any_model_impl.hpp"
#include "host/run/models/factories.hpp"
#include "models/funnel.hpp"

namespace lockstep {
std::unique_ptr<AnyModel> make_funnel(ModelArgs& a) { return AnyModelImpl<models::Funnel>::make(a); }
}  // namespace lockstep
