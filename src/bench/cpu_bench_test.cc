#include "bench/cpu_bench.h"

#include <cmath>
#include <vector>

#include <gtest/gtest.h>

#include "bench/gemm_check.h"

namespace dlenv::bench {
namespace {

constexpr SamplingPolicy kTiny{.warmup_runs = 1, .warmup_seconds = 0, .min_samples = 3, .max_samples = 5,
                               .min_seconds = 0, .max_seconds = 1};

std::optional<CpuBlas> LoadBlasOrSkip() {
  std::string error;
  return CpuBlas::Load(&error);
}

TEST(CpuBench, SgemmAndDgemmThroughTheSystemBlasAreChecked) {
  auto blas = LoadBlasOrSkip();
  if (!blas) GTEST_SKIP() << "no BLAS on this machine (apt-get install libopenblas0)";
  for (GemmType t : {GemmType::kFp32, GemmType::kFp64}) {
    Measurement m = RunCpuGemm(*blas, t, 96, kTiny);
    EXPECT_TRUE(m.check.done);
    EXPECT_TRUE(m.check.passed) << m.check.detail;
    EXPECT_GE(m.seconds.size(), 3u);
    EXPECT_DOUBLE_EQ(m.work, 2.0 * 96 * 96 * 96);
    EXPECT_GT(m.value, 0);
    EXPECT_EQ(m.unit, "GFLOP/s");
  }
}

TEST(CpuBench, TriadComputesAndCountsThreeArrays) {
  Measurement m = RunTriad(1 << 16, 2, kTiny);
  EXPECT_TRUE(m.check.passed) << m.check.detail;
  EXPECT_DOUBLE_EQ(m.work, 3.0 * 8 * (1 << 16));
  EXPECT_GT(m.value, 0);
}

// A 2x2 product checked with its exact inputs.
struct Small {
  std::vector<double> a = {1, 2, 3, 4}, b = {5, 6, 7, 8}, c = {19, 22, 43, 50};
  MatrixAt At(const std::vector<double>& v) const {
    return [&v](int r, int col) { return v[static_cast<std::size_t>(r) * 2 + col]; };
  }
};

TEST(GemmCheck, AcceptsTheExactProductAndRejectsAWrongEntry) {
  Small s;
  GemmCheckSpec spec{.m = 2, .n = 2, .k = 2, .accumulate_roundoff = kRoundoffFp32, .output_roundoff = kRoundoffFp32};
  EXPECT_TRUE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
  s.c[3] = 50.01;  // far beyond 2 u * (|3*6| + |4*8|) + u * 50
  Check bad = CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c));
  EXPECT_FALSE(bad.passed);
  EXPECT_NE(bad.detail.find("C[1][1]"), std::string::npos) << bad.detail;
}

TEST(GemmCheck, ToleranceIsTheBoundFromKAndEpsilon) {
  Small s;
  GemmCheckSpec spec{.m = 2, .n = 2, .k = 2, .accumulate_roundoff = kRoundoffFp32, .output_roundoff = 0};
  // Entry [0][0] = 1*5 + 2*7 = 19, sum |a b| = 19; gamma_2 = 2u / (1 - 2u).
  const double u = kRoundoffFp32, bound = 2 * u / (1 - 2 * u) * 19;
  s.c[0] = 19 + 0.9 * bound;
  EXPECT_TRUE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
  s.c[0] = 19 + 1.1 * bound;
  EXPECT_FALSE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
  s.c[0] = std::nan("");
  EXPECT_FALSE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
}

}  // namespace
}  // namespace dlenv::bench
