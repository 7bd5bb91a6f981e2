#include "bench/progress.h"

#include <fmt/format.h>

#include <algorithm>

namespace dlenv::bench {

TerminalProgress::TerminalProgress(std::FILE* out, bool enabled) : out_(out), enabled_(enabled) {}

TerminalProgress::~TerminalProgress() {
  if (drawn_) {
    std::fputs("\r\x1b[K", out_);
    std::fflush(out_);
  }
}

void TerminalProgress::Update(std::string_view what, double fraction) {
  if (!enabled_) return;
  const auto now = Clock::now();
  if (now - start_ < std::chrono::seconds(1)) return;
  if (drawn_ && now - last_ < std::chrono::milliseconds(100) && fraction < 1) return;
  last_ = now;
  drawn_ = true;
  const int pct = static_cast<int>(100 * std::clamp(fraction, 0.0, 1.0));
  fmt::print(out_, "\r\x1b[K{:>3}%  {}", pct, what);
  std::fflush(out_);
}

}  // namespace dlenv::bench
