#pragma once
// Checks a GEMM's output on a sample of entries against a float64 dot product. The tolerance
// is the classical forward error bound of a length-K dot product in any summation order,
// |fl(x.y) - x.y| <= gamma_K * sum |x_i y_i| with gamma_K = K u / (1 - K u) (Higham, Accuracy
// and Stability of Numerical Algorithms, 2nd ed., eq. 3.5), plus one rounding of the result
// into the output type. A blocked or tensor-core GEMM does better than this bound, never worse.

#include <cstdint>
#include <functional>

#include "bench/result.h"

namespace dlenv::bench {

struct GemmCheckSpec {
  int m = 0, n = 0, k = 0;
  /// Unit roundoff of the accumulation (2^-24 for fp32, 2^-53 for fp64) and of the output
  /// type (2^-11 for fp16 output, 2^-8 for bf16).
  double accumulate_roundoff = 0;
  double output_roundoff = 0;
  /// Rounding of each input inside the unit (TF32 keeps 10 of fp32's 23 mantissa bits): each
  /// product is then off by up to (2 v + v^2) of itself.
  double input_roundoff = 0;
  /// Partial sums rounded to the output type: cuBLAS may reduce split-K partial results in the
  /// output precision unless told not to; each such rounding is bounded by output_roundoff
  /// times sum |a b|.
  int output_reductions = 0;
  /// Tensor cores that accumulate in fewer bits than fp32 for a stretch of K before handing
  /// the partial sum to an fp32 adder (Hopper's fp8 path keeps about 14 bits, promoted every
  /// 128 products: DeepSeek-V3 technical report, arXiv:2412.19437, section 3.3.2): each
  /// stretch adds gamma_block(inner_roundoff) times its sum |a b|.
  int inner_block = 0;
  double inner_roundoff = 0;
  /// Entries sampled; a C of at most 16 times as many entries is checked whole.
  int entries = 64;
  std::uint64_t seed = 1;
};

/// Row-major A (m x k), B (k x n), C (m x n), each read through an accessor that returns the
/// value as stored (already rounded to its type).
using MatrixAt = std::function<double(int row, int col)>;

/// Besides the entrywise bound, the sampled entries' normwise relative error
/// sqrt(sum err^2 / sum exact^2) must stay below 16 times the largest of: the output's unit
/// roundoff, the inputs', sqrt(K) times the accumulation's and sqrt(block) times the inner
/// block's (random rounding errors grow as the square root of their count; 16 is the margin).
double RmsRelativeErrorLimit(const GemmCheckSpec& spec);

Check CheckGemm(const GemmCheckSpec& spec, const MatrixAt& a, const MatrixAt& b, const MatrixAt& c);

/// Unit roundoffs u = eps / 2.
inline constexpr double kRoundoffFp64 = 1.1102230246251565e-16;  // 2^-53
inline constexpr double kRoundoffFp32 = 5.9604644775390625e-08;  // 2^-24
inline constexpr double kRoundoffTf32 = 4.8828125e-04;           // 2^-11: 10 stored mantissa bits
inline constexpr double kRoundoffFp16 = 4.8828125e-04;           // 2^-11
inline constexpr double kRoundoffBf16 = 3.90625e-03;             // 2^-8

}  // namespace dlenv::bench
