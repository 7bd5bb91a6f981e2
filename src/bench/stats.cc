#include "bench/stats.h"

#include <algorithm>
#include <cmath>
#include <numeric>
#include <random>

namespace dlenv::bench {
namespace {

double SortedQuantile(const std::vector<double>& sorted, double p) {
  if (sorted.empty()) return 0;
  const double h = (static_cast<double>(sorted.size()) - 1) * std::clamp(p, 0.0, 1.0);
  const auto lo = static_cast<std::size_t>(std::floor(h));
  const std::size_t hi = std::min(lo + 1, sorted.size() - 1);
  return sorted[lo] + (h - static_cast<double>(lo)) * (sorted[hi] - sorted[lo]);
}

double Median(std::vector<double> v) {
  std::sort(v.begin(), v.end());
  return SortedQuantile(v, 0.5);
}

// Number of orderings of n a's and m b's with each U value (U = pairs with a > b), as
// doubles: the counts reach C(100, 50) ~ 1e29 at the largest size the exact path takes.
std::vector<double> UDistribution(std::size_t n, std::size_t m) {
  // f[i][j][u]; built row by row: an arrangement of i a's and j b's ends either with an a
  // (which exceeds all j b's: U grows by j) or with a b (U unchanged).
  std::vector<std::vector<std::vector<double>>> f(n + 1, std::vector<std::vector<double>>(m + 1));
  for (std::size_t i = 0; i <= n; ++i) {
    for (std::size_t j = 0; j <= m; ++j) {
      auto& cell = f[i][j];
      cell.assign(i * j + 1, 0.0);
      if (i == 0 || j == 0) {
        cell[0] = 1;
        continue;
      }
      const auto& with_a_last = f[i - 1][j];
      for (std::size_t u = 0; u < with_a_last.size(); ++u) cell[u + j] += with_a_last[u];
      const auto& with_b_last = f[i][j - 1];
      for (std::size_t u = 0; u < with_b_last.size(); ++u) cell[u] += with_b_last[u];
    }
  }
  return f[n][m];
}

}  // namespace

double Quantile(std::span<const double> samples, double p) {
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  return SortedQuantile(sorted, p);
}

Summary Summarize(std::span<const double> samples) {
  Summary s;
  s.n = samples.size();
  if (samples.empty()) return s;
  std::vector<double> sorted(samples.begin(), samples.end());
  std::sort(sorted.begin(), sorted.end());
  s.min = sorted.front();
  s.max = sorted.back();
  s.median = SortedQuantile(sorted, 0.5);
  s.q1 = SortedQuantile(sorted, 0.25);
  s.q3 = SortedQuantile(sorted, 0.75);
  s.iqr = s.q3 - s.q1;
  std::vector<double> deviations;
  deviations.reserve(sorted.size());
  for (double x : sorted) deviations.push_back(std::fabs(x - s.median));
  s.mad = Median(std::move(deviations));
  s.mean = std::accumulate(sorted.begin(), sorted.end(), 0.0) / static_cast<double>(s.n);
  if (s.n > 1) {
    double ss = 0;
    for (double x : sorted) ss += (x - s.mean) * (x - s.mean);
    s.stddev = std::sqrt(ss / static_cast<double>(s.n - 1));
  }
  s.cv = s.mean != 0 ? s.stddev / std::fabs(s.mean) : 0;
  s.robust_cv = s.median != 0 ? 1.4826 * s.mad / std::fabs(s.median) : 0;
  const double low_fence = s.q1 - 1.5 * s.iqr;
  const double high_fence = s.q3 + 1.5 * s.iqr;
  s.outliers = static_cast<std::size_t>(std::count_if(
      sorted.begin(), sorted.end(), [&](double x) { return x < low_fence || x > high_fence; }));
  return s;
}

std::optional<MannWhitney> MannWhitneyU(std::span<const double> a, std::span<const double> b) {
  if (a.empty() || b.empty()) return std::nullopt;
  const std::size_t n = a.size(), m = b.size(), total = n + m;
  struct Tagged {
    double value;
    bool from_a;
  };
  std::vector<Tagged> all;
  all.reserve(total);
  for (double x : a) all.push_back({x, true});
  for (double x : b) all.push_back({x, false});
  std::sort(all.begin(), all.end(),
            [](const Tagged& l, const Tagged& r) { return l.value < r.value; });

  // Mid-ranks for ties, and the tie term for the variance.
  double rank_sum_a = 0;
  double tie_term = 0;
  bool ties = false;
  for (std::size_t i = 0; i < total;) {
    std::size_t j = i;
    while (j < total && all[j].value == all[i].value) ++j;
    const double mid_rank = (static_cast<double>(i + 1) + static_cast<double>(j)) / 2;
    for (std::size_t k = i; k < j; ++k) {
      if (all[k].from_a) rank_sum_a += mid_rank;
    }
    const double t = static_cast<double>(j - i);
    if (t > 1) ties = true;
    tie_term += t * t * t - t;
    i = j;
  }

  MannWhitney result;
  const double nd = static_cast<double>(n), md = static_cast<double>(m), nm = nd * md;
  result.u = rank_sum_a - nd * (nd + 1) / 2;
  const double extreme = std::min(result.u, nm - result.u);

  if (!ties && n * m <= 2500) {
    const std::vector<double> counts = UDistribution(n, m);
    const double all_orderings = std::accumulate(counts.begin(), counts.end(), 0.0);
    double tail = 0;
    for (std::size_t u = 0; u <= static_cast<std::size_t>(extreme) && u < counts.size(); ++u)
      tail += counts[u];
    result.p = std::min(1.0, 2 * tail / all_orderings);
    result.exact = true;
    return result;
  }
  const double td = static_cast<double>(total);
  const double variance = nm / 12 * ((td + 1) - tie_term / (td * (td - 1)));
  if (variance <= 0) {
    result.p = 1;  // every value equal
    return result;
  }
  const double z = std::max(0.0, std::fabs(result.u - nm / 2) - 0.5) / std::sqrt(variance);
  result.p = std::erfc(z / std::sqrt(2.0));
  return result;
}

std::optional<RatioInterval> BootstrapMedianRatio(std::span<const double> a,
                                                  std::span<const double> b, double confidence,
                                                  int resamples, std::uint64_t seed) {
  if (a.empty() || b.empty() || resamples < 1) return std::nullopt;
  const double median_a = Quantile(a, 0.5);
  if (median_a == 0) return std::nullopt;
  RatioInterval r;
  r.ratio = Quantile(b, 0.5) / median_a;

  std::mt19937_64 rng(seed);
  std::vector<double> ratios;
  ratios.reserve(static_cast<std::size_t>(resamples));
  std::vector<double> ra(a.size()), rb(b.size());
  std::uniform_int_distribution<std::size_t> pick_a(0, a.size() - 1), pick_b(0, b.size() - 1);
  for (int i = 0; i < resamples; ++i) {
    for (double& x : ra) x = a[pick_a(rng)];
    for (double& x : rb) x = b[pick_b(rng)];
    const double ma = Median(ra);
    if (ma != 0) ratios.push_back(Median(rb) / ma);
  }
  std::sort(ratios.begin(), ratios.end());
  const double tail = (1 - confidence) / 2;
  r.low = SortedQuantile(ratios, tail);
  r.high = SortedQuantile(ratios, 1 - tail);
  return r;
}

std::string_view VerdictName(Verdict v) {
  switch (v) {
    case Verdict::kSame:
      return "within noise";
    case Verdict::kFirstFaster:
      return "first faster";
    case Verdict::kSecondFaster:
      return "second faster";
    case Verdict::kTooFewSamples:
      return "too few samples";
  }
  return "?";
}

Comparison CompareSamples(std::span<const double> a, std::span<const double> b,
                          const NoiseOptions& options) {
  Comparison c;
  if (a.size() < options.min_samples || b.size() < options.min_samples) return c;
  const auto mw = MannWhitneyU(a, b);
  const auto interval = BootstrapMedianRatio(a, b, options.confidence);
  if (!mw || !interval) return c;
  c.interval = *interval;
  c.ratio = interval->ratio;
  c.p_value = mw->p;
  c.noise = std::max(Summarize(a).robust_cv, Summarize(b).robust_cv);
  c.verdict = Verdict::kSame;
  const bool significant = mw->p < options.alpha;
  if (!significant) return c;
  if (interval->low > 1 && c.ratio - 1 > c.noise) c.verdict = Verdict::kFirstFaster;
  if (interval->high < 1 && 1 - c.ratio > c.noise) c.verdict = Verdict::kSecondFaster;
  return c;
}

}  // namespace dlenv::bench
