#include "host/algorithms/npe/npe_runner.hpp"

#include <cstdio>

namespace lockstep {
namespace npe_detail {

void write_loss_csv(const std::string& path, const npe::TrainResult& r) {
  io::AtomicFile f(path);
  f.write("epoch,train_loss,validation_loss,seconds,best\n");
  char line[160];
  for (const npe::EpochLoss& e : r.history) {
    std::snprintf(line, sizeof line, "%d,%.10g,%.10g,%.6g,%d\n", e.epoch, e.train, e.validation, e.seconds,
                  e.epoch == r.best_epoch ? 1 : 0);
    f.write(line);
  }
  f.commit();
}

}  // namespace npe_detail
}  // namespace lockstep
