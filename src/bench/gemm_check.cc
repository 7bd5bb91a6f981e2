#include "bench/gemm_check.h"

#include <algorithm>
#include <cmath>
#include <random>

#include <fmt/format.h>

namespace dlenv::bench {

Check CheckGemm(const GemmCheckSpec& spec, const MatrixAt& a, const MatrixAt& b, const MatrixAt& c) {
  Check check;
  check.done = true;
  if (spec.m <= 0 || spec.n <= 0 || spec.k <= 0) {
    check.detail = "empty matrix";
    return check;
  }
  const double ku = spec.k * spec.accumulate_roundoff;
  if (ku >= 1) {
    check.detail = fmt::format("K = {} is too long for the bound at this precision", spec.k);
    return check;
  }
  const double gamma = ku / (1 - ku) + 2 * spec.input_roundoff + spec.input_roundoff * spec.input_roundoff +
                       spec.output_reductions * spec.output_roundoff;
  std::mt19937_64 rng(spec.seed);
  std::uniform_int_distribution<int> row(0, spec.m - 1), col(0, spec.n - 1);
  double worst_ratio = 0;  // error / tolerance
  double worst_error = 0;
  int checked = 0;
  for (int e = 0; e < spec.entries; ++e) {
    // The corners first: an off-by-one in a leading dimension shows there.
    int i = e == 0 ? 0 : e == 1 ? spec.m - 1 : row(rng);
    int j = e == 0 ? 0 : e == 1 ? spec.n - 1 : col(rng);
    double exact = 0, magnitude = 0;
    for (int p = 0; p < spec.k; ++p) {
      const double term = a(i, p) * b(p, j);
      exact += term;
      magnitude += std::fabs(term);
    }
    const double got = c(i, j);
    // Tiny absolute floor: an all-zero row makes the bound zero, and 0 == 0 must pass.
    const double tolerance = gamma * magnitude + spec.output_roundoff * std::fabs(exact) + 1e-300;
    const double error = std::fabs(got - exact);
    ++checked;
    if (!(error <= tolerance)) {  // NaN fails too
      check.passed = false;
      check.detail = fmt::format("C[{}][{}] = {} but the reference is {} (|error| {:.3g} > tolerance {:.3g})", i,
                                 j, got, exact, error, tolerance);
      return check;
    }
    worst_ratio = std::max(worst_ratio, error / tolerance);
    worst_error = std::max(worst_error, error);
  }
  check.passed = true;
  check.detail = fmt::format("{} entries match a float64 reference; largest error {:.3g}, {:.0f}% of its bound",
                             checked, worst_error, 100 * worst_ratio);
  return check;
}

}  // namespace dlenv::bench
