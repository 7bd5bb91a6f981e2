#pragma once
// CPU references for the GPU checks and the tolerances they are compared with. Pure
// functions, so the numerics are unit-tested without a GPU.

#include <cstdint>
#include <span>
#include <string>
#include <vector>

namespace dlenv::gpu {

/// IEEE binary16 and bfloat16 from float, rounding to nearest even (as the GPU's own
/// conversions do), and back. Hand-written: the core links nothing that has them.
std::uint16_t FloatToHalf(float f);
float HalfToFloat(std::uint16_t h);
std::uint16_t FloatToBfloat16(float f);
float Bfloat16ToFloat(std::uint16_t b);

/// fp8 E4M3 (the OCP "FN" variant NVIDIA's CUDA_R_8F_E4M3 is: bias 7, 3 mantissa bits, no
/// infinities, 0x7f/0xff NaN, largest finite 448) from float, rounding to nearest even and
/// saturating at +-448 (as __nv_cvt_float_to_fp8 with __NV_SATFINITE), and back.
std::uint8_t FloatToFp8E4M3(float f);
float Fp8E4M3ToFloat(std::uint8_t v);

/// Deterministic inputs in [-1, 1): the same on every run, so a failure reproduces.
std::vector<float> TestValues(std::size_t n, std::uint32_t seed);

enum class GemmType { kFloat32, kFloat16, kBfloat16 };
std::string GemmTypeName(GemmType t);

/// Largest error allowed per element, relative to sum_k |a_ik * b_kj|: fp32 accumulation
/// of k products leaves at most about k * 2^-24 of it; 2^-13 also admits TF32 (10-bit
/// mantissa) should a user force it with NVIDIA_TF32_OVERRIDE. Half and bfloat16 inputs are
/// rounded before the reference sees them, so only the tensor cores' accumulation remains
/// (2^-10 and 2^-7, the dtypes' own epsilons, leave room for their reduced-precision adders).
double GemmTolerance(GemmType t);

/// C = A * B in double, column-major as cuBLAS stores them (A is m x k, B is k x n), and the
/// matching sum of absolute products that the tolerance scales with.
struct GemmReference {
  std::vector<double> c;
  std::vector<double> magnitude;
};
GemmReference ReferenceGemm(std::span<const float> a, std::span<const float> b, int m, int n,
                            int k);

/// The worst element: its index and its error divided by its allowed error (> 1 fails).
struct Comparison {
  std::size_t worst_index = 0;
  double worst_ratio = 0;
  double max_abs_error = 0;
  std::size_t failures = 0;
  bool ok() const { return failures == 0; }
};
Comparison Compare(std::span<const float> got, const GemmReference& want, double tolerance);

/// Cross-correlation as cuDNN's CUDNN_CROSS_CORRELATION computes it: NCHW input, KCRS
/// filter, stride 1, no padding; returns NKPQ output as a GemmReference (same comparison).
GemmReference ReferenceConv2d(std::span<const float> x, std::span<const float> w, int n, int c,
                              int h, int wd, int k, int r, int s);

}  // namespace dlenv::gpu
