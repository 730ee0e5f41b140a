#pragma once
// Factory functions, one per registered model; each is defined in a *_lanes.cpp file so
// that model families compile in parallel (and by nvcc under the CUDA backend).
#include <memory>

#include "host/io/model_args.hpp"
#include "host/run/any_model.hpp"

namespace lockstep {
std::unique_ptr<AnyModel> make_eight_schools_centered(ModelArgs& a);
std::unique_ptr<AnyModel> make_eight_schools_noncentered(ModelArgs& a);
std::unique_ptr<AnyModel> make_std_normal(ModelArgs& a);
std::unique_ptr<AnyModel> make_gaussian(ModelArgs& a);
std::unique_ptr<AnyModel> make_funnel(ModelArgs& a);
std::unique_ptr<AnyModel> make_peak(ModelArgs& a);
}  // namespace lockstep
