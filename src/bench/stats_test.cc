// Expected values are worked out by hand from the definitions (noted beside each), not
// copied from the code's output.

#include "bench/stats.h"

#include <gtest/gtest.h>

#include <cmath>
#include <vector>

namespace dlenv::bench {
namespace {

TEST(StatsSummarize, OneToFive) {
  const std::vector<double> v = {5, 3, 1, 4, 2};
  Summary s = Summarize(v);
  EXPECT_EQ(s.n, 5u);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.q1, 2);  // type 7: h = 4 * 0.25 = 1 -> second order statistic
  EXPECT_DOUBLE_EQ(s.q3, 4);
  EXPECT_DOUBLE_EQ(s.iqr, 2);
  EXPECT_DOUBLE_EQ(s.mad, 1);  // |x - 3| = {2,1,0,1,2}, median 1
  EXPECT_DOUBLE_EQ(s.min, 1);
  EXPECT_DOUBLE_EQ(s.max, 5);
  EXPECT_DOUBLE_EQ(s.mean, 3);
  EXPECT_DOUBLE_EQ(s.stddev, std::sqrt(10.0 / 4));  // sum of squares 4+1+0+1+4 over n-1
  EXPECT_DOUBLE_EQ(s.cv, std::sqrt(10.0 / 4) / 3);
  EXPECT_EQ(s.outliers, 0u);
}

TEST(StatsSummarize, OneWildSampleMovesMeanNotMedian) {
  const std::vector<double> v = {1, 2, 3, 4, 100};
  Summary s = Summarize(v);
  EXPECT_DOUBLE_EQ(s.median, 3);
  EXPECT_DOUBLE_EQ(s.mean, 22);
  EXPECT_DOUBLE_EQ(s.mad, 1);
  EXPECT_DOUBLE_EQ(s.robust_cv, 1.4826 / 3);
  EXPECT_EQ(s.outliers, 1u);  // upper fence 4 + 1.5 * 2 = 7
  EXPECT_GT(s.cv, 1.0);       // the plain CV is ruined by the one sample
}

TEST(StatsSummarize, EmptyAndSingle) {
  EXPECT_EQ(Summarize(std::vector<double>{}).n, 0u);
  Summary s = Summarize(std::vector<double>{7});
  EXPECT_DOUBLE_EQ(s.median, 7);
  EXPECT_DOUBLE_EQ(s.iqr, 0);
  EXPECT_DOUBLE_EQ(s.stddev, 0);
}

TEST(StatsQuantile, Interpolates) {
  const std::vector<double> v = {40, 10, 30, 20};
  EXPECT_DOUBLE_EQ(Quantile(v, 0.5), 25);     // h = 1.5
  EXPECT_DOUBLE_EQ(Quantile(v, 0.25), 17.5);  // h = 0.75
  EXPECT_DOUBLE_EQ(Quantile(v, 0), 10);
  EXPECT_DOUBLE_EQ(Quantile(v, 1), 40);
}

TEST(StatsMannWhitney, FullySeparatedSmallSetsExact) {
  const std::vector<double> a = {1, 2, 3, 4, 5}, b = {6, 7, 8, 9, 10};
  auto mw = MannWhitneyU(a, b);
  ASSERT_TRUE(mw);
  EXPECT_TRUE(mw->exact);
  EXPECT_DOUBLE_EQ(mw->u, 0);
  // Only the two fully separated orderings of C(10,5) = 252 are as extreme.
  EXPECT_NEAR(mw->p, 2.0 / 252, 1e-12);
  auto reversed = MannWhitneyU(b, a);
  EXPECT_DOUBLE_EQ(reversed->u, 25);
  EXPECT_NEAR(reversed->p, 2.0 / 252, 1e-12);
}

TEST(StatsMannWhitney, InterleavedThreeByThreeExact) {
  const std::vector<double> a = {1, 3, 5}, b = {2, 4, 6};
  auto mw = MannWhitneyU(a, b);
  ASSERT_TRUE(mw);
  EXPECT_DOUBLE_EQ(mw->u, 3);  // 3>2, 5>2, 5>4
  // U frequencies for n = m = 3 over 20 orderings: 1 1 2 3 3 3 3 2 1 1; P(U <= 3) = 7/20.
  EXPECT_NEAR(mw->p, 14.0 / 20, 1e-12);
}

TEST(StatsMannWhitney, LargeSetsNormalApproximation) {
  std::vector<double> a, b;
  for (int i = 1; i <= 60; ++i) {
    a.push_back(i);
    b.push_back(i + 0.5);
  }
  auto mw = MannWhitneyU(a, b);
  ASSERT_TRUE(mw);
  EXPECT_FALSE(mw->exact);  // 60 * 60 > 2500
  // a_i exceeds b_j = j + 0.5 for j < i: sum of (i - 1) = 1770. Mean 1800,
  // variance 60*60*121/12 = 36300.
  EXPECT_DOUBLE_EQ(mw->u, 1770);
  const double z = (30 - 0.5) / std::sqrt(36300.0);
  EXPECT_NEAR(mw->p, std::erfc(z / std::sqrt(2.0)), 1e-12);
}

TEST(StatsMannWhitney, TiesUseCorrectedVariance) {
  const std::vector<double> a(20, 1.0), b(20, 2.0);
  auto mw = MannWhitneyU(a, b);
  ASSERT_TRUE(mw);
  EXPECT_FALSE(mw->exact);
  EXPECT_DOUBLE_EQ(mw->u, 0);
  // Two tie groups of 20: sum(t^3 - t) = 2 * 7980; N = 40.
  const double variance = 400.0 / 12 * (41 - 15960.0 / (40 * 39));
  const double z = (200 - 0.5) / std::sqrt(variance);
  EXPECT_NEAR(mw->p, std::erfc(z / std::sqrt(2.0)), 1e-15);
  const std::vector<double> same(10, 3.0);
  EXPECT_DOUBLE_EQ(MannWhitneyU(same, same)->p, 1.0);
}

TEST(StatsBootstrap, ConstantSetsGiveAPointInterval) {
  const std::vector<double> a(10, 1.0), b(10, 2.0);
  auto r = BootstrapMedianRatio(a, b);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->ratio, 2);
  EXPECT_DOUBLE_EQ(r->low, 2);
  EXPECT_DOUBLE_EQ(r->high, 2);
}

TEST(StatsBootstrap, SameDataIntervalContainsOneAndIsDeterministic) {
  std::vector<double> a;
  for (int i = 0; i < 31; ++i) a.push_back(1.0 + 0.01 * ((i * 7) % 31));
  auto r = BootstrapMedianRatio(a, a);
  ASSERT_TRUE(r);
  EXPECT_DOUBLE_EQ(r->ratio, 1);
  EXPECT_LE(r->low, 1);
  EXPECT_GE(r->high, 1);
  auto again = BootstrapMedianRatio(a, a);
  EXPECT_EQ(r->low, again->low);
  EXPECT_EQ(r->high, again->high);
  EXPECT_FALSE(BootstrapMedianRatio(std::vector<double>{}, a));
}

// n values spread evenly over [centre - width/2, centre + width/2].
std::vector<double> Uniform(double centre, double width, int n) {
  std::vector<double> v;
  for (int i = 0; i < n; ++i)
    v.push_back(centre + width * (static_cast<double>(i) / (n - 1) - 0.5));
  return v;
}

TEST(StatsCompare, TwoPercentApartWithFivePercentNoiseIsWithinNoise) {
  // Runs varying by +-5% (width 0.1), medians 2% apart. The rank test alone would call
  // this a difference; the noise guard must not.
  auto a = Uniform(1.00, 0.10, 200), b = Uniform(1.02, 0.10, 200);
  Comparison c = CompareSamples(a, b);
  EXPECT_LT(c.p_value, 0.01);
  EXPECT_NEAR(c.ratio, 1.02, 1e-9);
  // MAD of a uniform of width 0.1 is 0.025: robust CV ~ 1.4826 * 0.025 / 1.0.
  EXPECT_NEAR(c.noise, 1.4826 * 0.025, 0.002);
  EXPECT_EQ(c.verdict, Verdict::kSame);
}

TEST(StatsCompare, ClearDifferenceIsReported) {
  auto a = Uniform(1.0, 0.02, 30), b = Uniform(1.5, 0.03, 30);
  Comparison c = CompareSamples(a, b);
  EXPECT_EQ(c.verdict, Verdict::kFirstFaster);
  EXPECT_NEAR(c.ratio, 1.5, 1e-9);
  EXPECT_GT(c.interval.low, 1.4);
  EXPECT_EQ(CompareSamples(b, a).verdict, Verdict::kSecondFaster);
}

TEST(StatsCompare, IdenticalDistributionsAreWithinNoise) {
  auto a = Uniform(1.0, 0.1, 40);
  std::vector<double> b(a.rbegin(), a.rend());
  EXPECT_EQ(CompareSamples(a, b).verdict, Verdict::kSame);
}

TEST(StatsCompare, TooFewSamples) {
  const std::vector<double> a = {1, 2}, b = {3, 4, 5, 6, 7};
  EXPECT_EQ(CompareSamples(a, b).verdict, Verdict::kTooFewSamples);
}

}  // namespace
}  // namespace dlenv::bench
