// Instantiates the samplers for the gaussian model.
#include "host/run/any_model_impl.hpp"
#include "host/run/models/factories.hpp"
#include "models/gaussian.hpp"

namespace lockstep {
std::unique_ptr<AnyModel> make_gaussian(ModelArgs& a) { return AnyModelImpl<models::Gaussian>::make(a); }
}  // namespace lockstep
