#pragma once
// Robust statistics for timings. A benchmark's samples are skewed (a run can only be slowed
// down: by an interrupt, a page fault, another process), so the centre is the median and
// the spread is the IQR or MAD; the mean and standard deviation are kept for reference.
// Two sample sets are called different only when the difference is both statistically
// significant and larger than the runs' own noise.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <span>
#include <string_view>
#include <vector>

namespace dlenv::bench {

struct Summary {
  std::size_t n = 0;
  double median = 0;
  double q1 = 0;  // quartiles by linear interpolation between order statistics (Hyndman-Fan type 7)
  double q3 = 0;
  double iqr = 0;
  double mad = 0;  // median absolute deviation, unscaled
  double min = 0;
  double max = 0;
  double mean = 0;
  double stddev = 0;  // sample standard deviation (n - 1)
  double cv = 0;      // stddev / mean
  /// 1.4826 * MAD / median: the coefficient of variation a normal distribution with this MAD
  /// would have, but unmoved by a few wild samples.
  double robust_cv = 0;
  /// Samples outside Tukey's fences (q1 - 1.5 IQR, q3 + 1.5 IQR); kept in the data, counted here.
  std::size_t outliers = 0;
};

/// Summary of the samples; all zero for an empty span.
Summary Summarize(std::span<const double> samples);

/// The p-quantile (0..1) of samples by linear interpolation (type 7); samples need not be sorted.
double Quantile(std::span<const double> samples, double p);

/// Two-sided p-value of the Mann-Whitney U test (are values of one set systematically larger
/// than the other's?). Exact distribution for small tie-free sets, normal approximation with tie
/// and continuity correction otherwise. nullopt when either set is empty.
struct MannWhitney {
  double u = 0;  // U of the first set: pairs (a, b) with a > b, ties counting one half
  double p = 1;
  bool exact = false;
};
std::optional<MannWhitney> MannWhitneyU(std::span<const double> a, std::span<const double> b);

/// Percentile bootstrap confidence interval of median(b) / median(a). Deterministic: the
/// resampling uses a fixed seed, so one data set always gives one answer.
struct RatioInterval {
  double ratio = 0;  // median(b) / median(a) on the samples themselves
  double low = 0;
  double high = 0;
};
std::optional<RatioInterval> BootstrapMedianRatio(std::span<const double> a,
                                                  std::span<const double> b,
                                                  double confidence = 0.95, int resamples = 2000,
                                                  std::uint64_t seed = 0x5eed);

enum class Verdict {
  kSame,          // within noise: no claim either way
  kFirstFaster,   // a's times are lower
  kSecondFaster,  // b's times are lower
  kTooFewSamples,
};
std::string_view VerdictName(Verdict v);

struct Comparison {
  Verdict verdict = Verdict::kTooFewSamples;
  double ratio = 0;  // median(b) / median(a): > 1 means a is faster
  RatioInterval interval;
  double p_value = 1;
  /// The larger robust CV of the two sets: a difference smaller than this is noise.
  double noise = 0;
};

struct NoiseOptions {
  double alpha = 0.01;  // significance level of the rank test
  double confidence = 0.95;
  std::size_t min_samples = 5;
};

/// Compares two sets of times (lower is better). A set is faster only when the rank test is
/// significant, the bootstrap interval of the ratio excludes 1, and the ratio differs from 1 by
/// more than the noise of the noisier set: "2% faster" is never said of runs that vary by 5%.
Comparison CompareSamples(std::span<const double> a, std::span<const double> b,
                          const NoiseOptions& options = {});

}  // namespace dlenv::bench
