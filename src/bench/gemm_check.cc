#include "bench/gemm_check.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <optional>
#include <random>
#include <string>

namespace dlenv::bench {

double RmsRelativeErrorLimit(const GemmCheckSpec& spec) {
  return 16 * std::max({spec.output_roundoff, spec.input_roundoff,
                        std::sqrt(spec.k) * spec.accumulate_roundoff,
                        std::sqrt(spec.inner_block) * spec.inner_roundoff});
}

namespace {

/// The entrywise error bound's factor on sum |a_ip * b_pj| for these precisions (K products
/// accumulated in blocks, inputs and outputs rounded); nullopt, with the reason in `why`, where
/// the bound does not hold at this length.
std::optional<double> EntrywiseGamma(const GemmCheckSpec& spec, std::string& why) {
  if (spec.m <= 0 || spec.n <= 0 || spec.k <= 0) {
    why = "empty matrix";
    return std::nullopt;
  }
  const double ku = spec.k * spec.accumulate_roundoff;
  if (ku >= 1) {
    why = fmt::format("K = {} is too long for the bound at this precision", spec.k);
    return std::nullopt;
  }
  const double block_u = spec.inner_block * spec.inner_roundoff;
  if (block_u >= 1) {
    why = fmt::format("a block of {} products is too long for the bound at this precision",
                      spec.inner_block);
    return std::nullopt;
  }
  return ku / (1 - ku) + block_u / (1 - block_u) + 2 * spec.input_roundoff +
         spec.input_roundoff * spec.input_roundoff + spec.output_reductions * spec.output_roundoff;
}

}  // namespace

Check CheckGemm(const GemmCheckSpec& spec, const MatrixAt& a, const MatrixAt& b,
                const MatrixAt& c) {
  Check check;
  check.done = true;
  const std::optional<double> bound = EntrywiseGamma(spec, check.detail);
  if (!bound) return check;
  const double gamma = *bound;
  std::mt19937_64 rng(spec.seed);
  std::uniform_int_distribution<int> row(0, spec.m - 1), col(0, spec.n - 1);
  double worst_ratio = 0;  // error / tolerance
  double worst_error = 0;
  double error_squares = 0, exact_squares = 0;
  int checked = 0;
  // A small C is checked whole; a large one on a sample, the corners first (an off-by-one in a
  // leading dimension shows there).
  const long long all = static_cast<long long>(spec.m) * spec.n;
  const bool whole = all <= 16LL * spec.entries;
  const long long count = whole ? all : spec.entries;
  for (long long e = 0; e < count; ++e) {
    int i = whole ? static_cast<int>(e % spec.m) : e == 0 ? 0 : e == 1 ? spec.m - 1 : row(rng);
    int j = whole ? static_cast<int>(e / spec.m) : e == 0 ? 0 : e == 1 ? spec.n - 1 : col(rng);
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
      check.detail =
          fmt::format("C[{}][{}] = {} but the reference is {} (|error| {:.3g} > tolerance {:.3g})",
                      i, j, got, exact, error, tolerance);
      return check;
    }
    worst_ratio = std::max(worst_ratio, error / tolerance);
    worst_error = std::max(worst_error, error);
    error_squares += error * error;
    exact_squares += exact * exact;
  }
  // The entrywise bound is a worst case: with half-precision outputs and a long K it can
  // exceed the entries themselves (bf16 at K = 8192 admits an all-zero C). A correct result's
  // errors are far smaller on the whole, so the sample's normwise relative error must also
  // stay within a generous multiple of the precisions involved.
  const double rms_limit = RmsRelativeErrorLimit(spec);
  const double rms =
      exact_squares > 0 ? std::sqrt(error_squares / exact_squares) : std::sqrt(error_squares);
  if (!(rms <= rms_limit)) {
    check.passed = false;
    check.detail = fmt::format(
        "normwise relative error {:.3g} of the sampled entries exceeds its limit {:.3g}, though "
        "each entry is "
        "within its worst-case bound",
        rms, rms_limit);
    return check;
  }
  check.passed = true;
  check.detail = fmt::format(
      "{} entries match a float64 reference; largest error {:.3g}, {:.0f}% of its bound; normwise "
      "{:.2g} (limit "
      "{:.2g})",
      checked, worst_error, 100 * worst_ratio, rms, rms_limit);
  return check;
}

}  // namespace dlenv::bench
