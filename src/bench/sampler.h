#pragma once
// The timing loop shared by every native measurement: warm up, then sample until there are
// enough samples and enough time has passed, within a cap. The workload times itself (CPU
// code with the steady clock, GPU code with CUDA events), so the loop's own cost is not counted.

#include <functional>
#include <vector>

namespace dlenv::bench {

struct SamplingPolicy {
  // Warm-up absorbs first-touch page faults, lazy library initialisation, thread-pool start
  // and clock ramp-up; those runs are timed but discarded.
  int warmup_runs = 2;
  double warmup_seconds = 0.05;
  int min_samples = 7;
  int max_samples = 200;
  double min_seconds = 0.3;  // keep sampling until both min_samples and min_seconds are met
  double max_seconds = 3;    // then stop, even below min_samples (but after at least 3 samples)
};

/// Runs `run` (which returns the seconds it took) until the policy is met; returns the timed
/// samples without the warm-up. `progress`, when set, is called after each sample with the
/// fraction done (0..1).
std::vector<double> Sample(const std::function<double()>& run, const SamplingPolicy& policy,
                           const std::function<void(double)>& progress = {});

/// Seconds `f` takes by the steady clock.
double TimeCall(const std::function<void()>& f);

}  // namespace dlenv::bench
