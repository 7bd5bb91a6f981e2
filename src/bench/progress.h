#pragma once
// A one-line progress display for long measurements: drawn on stderr, only on a terminal,
// and only once the command has run for a second (short runs stay quiet).

#include <chrono>
#include <cstdio>
#include <string>
#include <string_view>

namespace dlenv::bench {

class TerminalProgress {
 public:
  /// Draws nothing unless `enabled` (the CLI passes isatty(stderr)).
  TerminalProgress(std::FILE* out, bool enabled);
  ~TerminalProgress();
  TerminalProgress(const TerminalProgress&) = delete;
  TerminalProgress& operator=(const TerminalProgress&) = delete;

  void Update(std::string_view what, double fraction);

 private:
  using Clock = std::chrono::steady_clock;
  std::FILE* out_;
  bool enabled_;
  bool drawn_ = false;
  Clock::time_point start_ = Clock::now();
  Clock::time_point last_{};
};

}  // namespace dlenv::bench
