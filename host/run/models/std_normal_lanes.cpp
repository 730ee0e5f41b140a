// Instantiates the samplers for the std_normal model.
#include "host/run/any_model_impl.hpp"
#include "host/run/models/factories.hpp"
#include "models/std_normal.hpp"

namespace lockstep {
std::unique_ptr<AnyModel> make_std_normal(ModelArgs& a) { return AnyModelImpl<models::StdNormal>::make(a); }
}  // namespace lockstep
