#pragma once
// Ctrl-C and SIGTERM for the command line (install_interrupt_handlers; a library user's
// program keeps its own signal handling unless it calls it).
//
// The first SIGINT or SIGTERM only records the signal: a run stops at its next segment
// boundary (host/cli/interrupt_check.hpp throws Interrupted from the progress callback every
// sampler calls between segments), its buffers and unfinished output temporaries are released
// by the normal unwinding, nothing half-written appears, and the command exits 128 + the
// signal (130, 143) with one line. An output already being written when the signal arrives
// is finished first (it is all or nothing, and it is nearly done). A second signal does not
// wait: the handler removes every output temporary still registered (PATH.tmp-PID, see
// host/io/atomic_file.hpp) and the process dies of the signal at once; committed files are
// never touched.
//
// With --checkpoint FILE the commands also write a checkpoint at that boundary, from which
// `lockstep resume FILE` continues (host/cli/checkpoints.hpp).
#include <stdexcept>
#include <string>

namespace lockstep {

/// A run stopped by a signal at a segment boundary.
class Interrupted : public std::runtime_error {
 public:
  Interrupted(int signal, const std::string& where);
  int signal() const { return signal_; }

 private:
  int signal_;
};

/// Installs the SIGINT and SIGTERM handlers (idempotent).
void install_interrupt_handlers();
/// The signal received (SIGINT, SIGTERM), or 0.
int interrupt_signal();
/// "SIGINT", "SIGTERM", or "signal N".
std::string signal_name(int signal);

/// The registry of output temporaries a second signal removes: a slot per file being
/// written (the path must stay valid until unregister_temp_file). -1 when the registry is
/// full (the file is then simply not cleaned up by the handler).
int register_temp_file(const char* path);
void unregister_temp_file(int slot);

}  // namespace lockstep
