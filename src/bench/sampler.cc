#include "bench/sampler.h"

#include <algorithm>
#include <chrono>

namespace dlenv::bench {

double TimeCall(const std::function<void()>& f) {
  const auto start = std::chrono::steady_clock::now();
  f();
  return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
}

std::vector<double> Sample(const std::function<double()>& run, const SamplingPolicy& policy,
                           const std::function<void(double)>& progress) {
  double spent = 0;
  for (int i = 0; i < policy.warmup_runs || spent < policy.warmup_seconds; ++i) {
    spent += run();
    if (spent >= policy.max_seconds) break;  // a single run longer than the cap
  }
  std::vector<double> samples;
  double sampled = 0;
  const auto done = [&] {
    const auto n = static_cast<int>(samples.size());
    if (n >= policy.max_samples) return true;
    if (sampled >= policy.max_seconds && n >= 3) return true;
    return n >= policy.min_samples && sampled >= policy.min_seconds;
  };
  while (!done()) {
    const double t = run();
    samples.push_back(t);
    sampled += t;
    if (progress) {
      const double by_count = static_cast<double>(samples.size()) / policy.min_samples;
      const double by_time = policy.min_seconds > 0 ? sampled / policy.min_seconds : 1;
      progress(std::clamp(std::min(by_count, by_time), 0.0, 1.0));
    }
  }
  return samples;
}

}  // namespace dlenv::bench
