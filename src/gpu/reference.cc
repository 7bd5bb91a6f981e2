#include "gpu/reference.h"

#include <algorithm>
#include <bit>
#include <cmath>
#include <limits>

namespace dlenv::gpu {

std::uint16_t FloatToHalf(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  const std::uint32_t sign = (x >> 16) & 0x8000u;
  const std::uint32_t abs = x & 0x7fffffffu;
  if (abs >= 0x7f800000u) {  // inf or NaN (keep NaN quiet)
    return static_cast<std::uint16_t>(sign | 0x7c00u | (abs > 0x7f800000u ? 0x200u : 0u));
  }
  if (abs >= 0x477ff000u) return static_cast<std::uint16_t>(sign | 0x7c00u);  // rounds to inf
  if (abs < 0x38800000u) {  // below the smallest normal half: subnormal or zero
    if (abs < 0x33000000u)
      return static_cast<std::uint16_t>(sign);  // under half of the smallest subnormal
    const std::uint32_t mant = (abs & 0x7fffffu) | 0x800000u;
    const int shift = 126 - static_cast<int>(abs >> 23);  // 14..24
    std::uint32_t h = mant >> shift;
    const std::uint32_t rem = mant & ((1u << shift) - 1);
    const std::uint32_t half = 1u << (shift - 1);
    if (rem > half || (rem == half && (h & 1u))) ++h;
    return static_cast<std::uint16_t>(sign | h);
  }
  std::uint32_t h = ((abs >> 13) - (112u << 10));  // rebias exponent 127 -> 15
  const std::uint32_t rem = abs & 0x1fffu;
  if (rem > 0x1000u || (rem == 0x1000u && (h & 1u))) ++h;
  return static_cast<std::uint16_t>(sign | h);
}

float HalfToFloat(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16;
  const std::uint32_t exp = (h >> 10) & 0x1fu;
  const std::uint32_t mant = h & 0x3ffu;
  if (exp == 0) {
    const float v = std::ldexp(static_cast<float>(mant), -24);
    return sign ? -v : v;
  }
  if (exp == 31) return std::bit_cast<float>(sign | 0x7f800000u | (mant << 13));
  return std::bit_cast<float>(sign | ((exp + 112u) << 23) | (mant << 13));
}

std::uint16_t FloatToBfloat16(float f) {
  const std::uint32_t x = std::bit_cast<std::uint32_t>(f);
  if ((x & 0x7fffffffu) > 0x7f800000u) return static_cast<std::uint16_t>((x >> 16) | 0x40u);
  const std::uint32_t rounding = 0x7fffu + ((x >> 16) & 1u);
  return static_cast<std::uint16_t>((x + rounding) >> 16);
}

float Bfloat16ToFloat(std::uint16_t b) {
  return std::bit_cast<float>(static_cast<std::uint32_t>(b) << 16);
}

std::uint8_t FloatToFp8E4M3(float f) {
  if (std::isnan(f)) return 0x7f;
  const std::uint8_t sign = std::signbit(f) ? 0x80 : 0;
  const float a = std::fabs(f);
  if (a >= 448.0f) return sign | 0x7e;
  if (a < std::ldexp(1.0f, -6)) {
    // Subnormal: multiples of 2^-9. nearbyint rounds to nearest even in the default mode;
    // 8 * 2^-9 is the smallest normal, whose code (0x08) follows on naturally.
    return sign | static_cast<std::uint8_t>(std::nearbyint(std::ldexp(a, 9)));
  }
  int exponent = 0;  // a = fraction * 2^exponent, fraction in [0.5, 1)
  std::frexp(a, &exponent);
  int e = exponent - 1;                                                       // a = 1.m * 2^e
  int mantissa = static_cast<int>(std::nearbyint(std::ldexp(a, 3 - e))) - 8;  // 0..8
  if (mantissa == 8) {
    mantissa = 0;
    ++e;
  }
  const int code = ((e + 7) << 3) | mantissa;
  return sign | static_cast<std::uint8_t>(std::min(code, 0x7e));  // 0x7f is NaN: saturate
}

float Fp8E4M3ToFloat(std::uint8_t v) {
  const int exponent = (v >> 3) & 0xf, mantissa = v & 0x7;
  float a;
  if (exponent == 0xf && mantissa == 0x7)
    a = std::numeric_limits<float>::quiet_NaN();
  else if (exponent == 0)
    a = std::ldexp(static_cast<float>(mantissa), -9);
  else
    a = std::ldexp(static_cast<float>(8 + mantissa), exponent - 10);
  return (v & 0x80) ? -a : a;
}

std::vector<float> TestValues(std::size_t n, std::uint32_t seed) {
  std::vector<float> v(n);
  std::uint32_t s = seed * 2654435761u + 1;
  for (auto& x : v) {
    s = s * 1664525u + 1013904223u;  // Numerical Recipes' LCG: reproducible everywhere
    x = static_cast<float>(s >> 8) / static_cast<float>(1u << 24) * 2.0f - 1.0f;
  }
  return v;
}

std::string GemmTypeName(GemmType t) {
  switch (t) {
    case GemmType::kFloat32:
      return "fp32";
    case GemmType::kFloat16:
      return "fp16";
    case GemmType::kBfloat16:
      return "bf16";
  }
  return "?";
}

double GemmTolerance(GemmType t) {
  switch (t) {
    case GemmType::kFloat32:
      return std::ldexp(1.0, -13);
    case GemmType::kFloat16:
      return std::ldexp(1.0, -10);
    case GemmType::kBfloat16:
      return std::ldexp(1.0, -7);
  }
  return 0;
}

GemmReference ReferenceGemm(std::span<const float> a, std::span<const float> b, int m, int n,
                            int k) {
  GemmReference ref;
  ref.c.assign(static_cast<std::size_t>(m) * n, 0.0);
  ref.magnitude.assign(ref.c.size(), 0.0);
  for (int j = 0; j < n; ++j) {
    for (int p = 0; p < k; ++p) {
      const double bv = b[static_cast<std::size_t>(j) * k + p];
      for (int i = 0; i < m; ++i) {
        const double prod = static_cast<double>(a[static_cast<std::size_t>(p) * m + i]) * bv;
        ref.c[static_cast<std::size_t>(j) * m + i] += prod;
        ref.magnitude[static_cast<std::size_t>(j) * m + i] += std::fabs(prod);
      }
    }
  }
  return ref;
}

Comparison Compare(std::span<const float> got, const GemmReference& want, double tolerance) {
  Comparison out;
  for (std::size_t i = 0; i < want.c.size(); ++i) {
    const double err =
        i < got.size() ? std::fabs(static_cast<double>(got[i]) - want.c[i]) : INFINITY;
    const double allowed = tolerance * want.magnitude[i] + 1e-30;
    const double ratio = std::isnan(err) ? INFINITY : err / allowed;
    if (ratio > 1.0) ++out.failures;
    if (ratio > out.worst_ratio || (i == 0 && out.failures)) {
      out.worst_ratio = ratio;
      out.worst_index = i;
    }
    if (err > out.max_abs_error || std::isnan(err))
      out.max_abs_error = std::isnan(err) ? INFINITY : err;
  }
  return out;
}

GemmReference ReferenceConv2d(std::span<const float> x, std::span<const float> w, int n, int c,
                              int h, int wd, int k, int r, int s) {
  const int p_out = h - r + 1, q_out = wd - s + 1;
  GemmReference ref;
  ref.c.assign(static_cast<std::size_t>(n) * k * p_out * q_out, 0.0);
  ref.magnitude.assign(ref.c.size(), 0.0);
  auto xi = [&](int in, int ic, int ih, int iw) {
    return x[((static_cast<std::size_t>(in) * c + ic) * h + ih) * wd + iw];
  };
  auto wi = [&](int ik, int ic, int ir, int is) {
    return w[((static_cast<std::size_t>(ik) * c + ic) * r + ir) * s + is];
  };
  for (int in = 0; in < n; ++in)
    for (int ik = 0; ik < k; ++ik)
      for (int p = 0; p < p_out; ++p)
        for (int q = 0; q < q_out; ++q) {
          double sum = 0, mag = 0;
          for (int ic = 0; ic < c; ++ic)
            for (int ir = 0; ir < r; ++ir)
              for (int is = 0; is < s; ++is) {
                const double prod =
                    static_cast<double>(xi(in, ic, p + ir, q + is)) * wi(ik, ic, ir, is);
                sum += prod;
                mag += std::fabs(prod);
              }
          const std::size_t o = ((static_cast<std::size_t>(in) * k + ik) * p_out + p) * q_out + q;
          ref.c[o] = sum;
          ref.magnitude[o] = mag;
        }
  return ref;
}

}  // namespace dlenv::gpu
