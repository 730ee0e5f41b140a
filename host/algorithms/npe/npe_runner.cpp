#include "host/algorithms/npe/npe_runner.hpp"

#include <cstdio>

namespace lockstep {
namespace npe_detail {

void write_loss_csv(const std::string& path, const LossRows& rows) {
  io::AtomicFile f(path);
  f.write("epoch,train_loss,validation_loss,seconds,best,round\n");
  char line[192];
  for (std::size_t k = 0; k < rows.epochs.size(); ++k) {
    const npe::EpochLoss& e = rows.epochs[k];
    std::snprintf(line, sizeof line, "%d,%.10g,%.10g,%.6g,%d,%d\n", e.epoch, e.train, e.validation, e.seconds,
                  e.epoch == rows.best_epoch ? 1 : 0, rows.round[k]);
    f.write(line);
  }
  f.commit();
}

}  // namespace npe_detail
}  // namespace lockstep
