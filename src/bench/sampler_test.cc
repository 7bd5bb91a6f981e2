#include "bench/sampler.h"

#include <gtest/gtest.h>

namespace dlenv::bench {
namespace {

// A run that takes a fixed, fake time, counting its calls.
struct FakeRun {
  double seconds;
  int calls = 0;
  double operator()() {
    ++calls;
    return seconds;
  }
};

TEST(Sampler, WarmupIsDiscardedAndMinimumsAreMet) {
  FakeRun run{0.1};
  SamplingPolicy p{.warmup_runs = 2,
                   .warmup_seconds = 0,
                   .min_samples = 7,
                   .max_samples = 100,
                   .min_seconds = 0.3,
                   .max_seconds = 10};
  auto samples = Sample(std::ref(run), p);
  // 7 samples of 0.1 s already exceed 0.3 s; the two warm-up runs are not among them.
  EXPECT_EQ(samples.size(), 7u);
  EXPECT_EQ(run.calls, 9);
}

TEST(Sampler, MinimumTimeExtendsSampling) {
  FakeRun run{0.01};
  SamplingPolicy p{.warmup_runs = 1,
                   .warmup_seconds = 0,
                   .min_samples = 3,
                   .max_samples = 1000,
                   .min_seconds = 0.5,
                   .max_seconds = 10};
  auto samples = Sample(std::ref(run), p);
  // 0.5 s at 0.01 s a run: 50 samples (floating-point sums may need one more).
  EXPECT_GE(samples.size(), 50u);
  EXPECT_LE(samples.size(), 51u);
}

TEST(Sampler, SlowRunsStopAtTheCapWithThreeSamples) {
  FakeRun run{2.0};
  SamplingPolicy p{.warmup_runs = 1,
                   .warmup_seconds = 0,
                   .min_samples = 7,
                   .max_samples = 100,
                   .min_seconds = 0.3,
                   .max_seconds = 3};
  auto samples = Sample(std::ref(run), p);
  EXPECT_EQ(samples.size(), 3u);  // the cap is reached after two, but three are always taken
}

TEST(Sampler, WarmupByTime) {
  FakeRun run{0.01};
  SamplingPolicy p{.warmup_runs = 0,
                   .warmup_seconds = 0.1,
                   .min_samples = 1,
                   .max_samples = 1,
                   .min_seconds = 0,
                   .max_seconds = 10};
  Sample(std::ref(run), p);
  EXPECT_GE(run.calls, 11);  // ten runs of warm-up (0.1 s), then one sample
  EXPECT_LE(run.calls, 12);
}

}  // namespace
}  // namespace dlenv::bench
