#include "host/core/interrupt.hpp"

#include <unistd.h>

#include <atomic>
#include <csignal>

namespace lockstep {
namespace {

std::atomic<int> g_signal{0};
std::atomic<bool> g_installed{false};

// Fixed-size, lock-free: the handler may only read atomics and call async-signal-safe
// functions (unlink, signal, raise).
constexpr int kSlots = 1 << 16;
std::atomic<const char*> g_temps[kSlots];

extern "C" void on_signal(int sig) {
  int expected = 0;
  if (g_signal.compare_exchange_strong(expected, sig)) return;  // the first: stop at the next boundary
  for (auto& slot : g_temps)                                     // the second: clean up and die of it
    if (const char* p = slot.load()) ::unlink(p);
  std::signal(sig, SIG_DFL);
  std::raise(sig);
}

}  // namespace

Interrupted::Interrupted(int signal, const std::string& where)
    : std::runtime_error("interrupted by " + signal_name(signal) + " " + where), signal_(signal) {}

void install_interrupt_handlers() {
  if (g_installed.exchange(true)) return;
  std::signal(SIGINT, on_signal);
  std::signal(SIGTERM, on_signal);
}

int interrupt_signal() { return g_signal.load(); }

std::string signal_name(int signal) {
  if (signal == SIGINT) return "SIGINT";
  if (signal == SIGTERM) return "SIGTERM";
  return "signal " + std::to_string(signal);
}

int register_temp_file(const char* path) {
  for (int i = 0; i < kSlots; ++i) {
    const char* empty = nullptr;
    if (g_temps[i].compare_exchange_strong(empty, path)) return i;
  }
  return -1;
}

void unregister_temp_file(int slot) {
  if (slot >= 0 && slot < kSlots) g_temps[slot].store(nullptr);
}

}  // namespace lockstep
