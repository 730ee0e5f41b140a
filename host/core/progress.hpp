#pragma once
// Progress: a writer interface whose base does nothing. The CLI
// installs one that prints iterations, rate and time left on a terminal.
namespace lockstep {

class Progress {
 public:
  virtual ~Progress() = default;
  /// `done` of `total` iterations finished (every chain), `warmup` iterations are warmup.
  virtual void update(long done, long total, long warmup) { (void)done, (void)total, (void)warmup; }
  virtual void finish() {}
};

}  // namespace lockstep
