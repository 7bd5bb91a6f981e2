#include "bench/cpu_bench.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

#include "bench/gemm_check.h"
#include "testing/require.h"

namespace dlenv::bench {
namespace {

constexpr SamplingPolicy kTiny{.warmup_runs = 1,
                               .warmup_seconds = 0,
                               .min_samples = 3,
                               .max_samples = 5,
                               .min_seconds = 0,
                               .max_seconds = 1};

std::optional<CpuBlas> LoadBlasOrSkip() {
  std::string error;
  return CpuBlas::Load(&error);
}

TEST(CpuBench, SgemmAndDgemmThroughTheSystemBlasAreChecked) {
  auto blas = LoadBlasOrSkip();
  if (!blas) DLENV_SKIP_OR_FAIL("no BLAS on this machine (apt-get install libopenblas0)");
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
  GemmCheckSpec spec{.m = 2,
                     .n = 2,
                     .k = 2,
                     .accumulate_roundoff = kRoundoffFp32,
                     .output_roundoff = kRoundoffFp32};
  EXPECT_TRUE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
  s.c[3] = 50.01;  // far beyond 2 u * (|3*6| + |4*8|) + u * 50
  Check bad = CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c));
  EXPECT_FALSE(bad.passed);
  EXPECT_NE(bad.detail.find("C[1][1]"), std::string::npos) << bad.detail;
}

TEST(GemmCheck, ToleranceIsTheBoundFromKAndEpsilon) {
  Small s;
  GemmCheckSpec spec{
      .m = 2, .n = 2, .k = 2, .accumulate_roundoff = kRoundoffFp32, .output_roundoff = 0};
  // Entry [0][0] = 1*5 + 2*7 = 19, sum |a b| = 19; gamma_2 = 2u / (1 - 2u).
  const double u = kRoundoffFp32, bound = 2 * u / (1 - 2 * u) * 19;
  s.c[0] = 19 + 0.9 * bound;
  EXPECT_TRUE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
  s.c[0] = 19 + 1.1 * bound;
  EXPECT_FALSE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
  s.c[0] = std::nan("");
  EXPECT_FALSE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
}

TEST(GemmCheck, AReducedPrecisionInnerBlockWidensTheBoundByItsOwnGamma) {
  Small s;
  GemmCheckSpec spec{.m = 2,
                     .n = 2,
                     .k = 2,
                     .accumulate_roundoff = kRoundoffFp32,
                     .output_roundoff = 0,
                     .inner_block = 2,
                     .inner_roundoff = 1.0 / 16384};
  const double u = kRoundoffFp32, v = spec.inner_roundoff;
  const double bound = (2 * u / (1 - 2 * u) + 2 * v / (1 - 2 * v)) * 19;
  s.c[0] = 19 - 0.9 * bound;
  EXPECT_TRUE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
  s.c[0] = 19 - 1.1 * bound;
  EXPECT_FALSE(CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c)).passed);
  spec.inner_block = 16384;  // k u >= 1: no bound, so no pass
  s.c[0] = 19;
  Check c = CheckGemm(spec, s.At(s.a), s.At(s.b), s.At(s.c));
  EXPECT_FALSE(c.passed);
  EXPECT_NE(c.detail.find("too long"), std::string::npos) << c.detail;
}

// bf16 output at K = 4096: the worst-case entrywise bound (8 output roundings of sum |a b|)
// is larger than the entries themselves, so an all-zero C passes it; the normwise limit does not.
TEST(GemmCheck, AnAllZeroResultFailsEvenWhereTheEntrywiseBoundAdmitsIt) {
  const int k = 4096;
  std::vector<double> a(k), b(k);
  for (int p = 0; p < k; ++p) {
    a[p] = std::sin(p * 0.7);
    b[p] = std::cos(p * 1.3);
  }
  double exact = 0;
  for (int p = 0; p < k; ++p) exact += a[p] * b[p];
  GemmCheckSpec spec{.m = 1,
                     .n = 1,
                     .k = k,
                     .accumulate_roundoff = kRoundoffFp32,
                     .output_roundoff = kRoundoffBf16,
                     .output_reductions = 8,
                     .entries = 1};
  MatrixAt at_a = [&](int, int col) { return a[col]; };
  MatrixAt at_b = [&](int row, int) { return b[row]; };
  Check zero = CheckGemm(spec, at_a, at_b, [](int, int) { return 0.0; });
  EXPECT_FALSE(zero.passed);
  EXPECT_NE(zero.detail.find("normwise"), std::string::npos) << zero.detail;
  // The same value rounded to bf16 (relative error under 2^-8) passes.
  const double rounded = exact * (1 + 1.0 / 512);
  Check ok = CheckGemm(spec, at_a, at_b, [&](int, int) { return rounded; });
  EXPECT_TRUE(ok.passed) << ok.detail;
  EXPECT_DOUBLE_EQ(RmsRelativeErrorLimit(spec), 16 * kRoundoffBf16);
}

}  // namespace
}  // namespace dlenv::bench
