#include "bench/gpu_gemm_elements.h"

#include <gtest/gtest.h>

#include <vector>

namespace dlenv::bench {
namespace {

TEST(GpuBenchElements, EncodeRoundsInPlaceAndDecodeReadsItBack) {
  for (Elem e : {Elem::kF32, Elem::kF16, Elem::kBf16, Elem::kE4M3}) {
    std::vector<float> values = {0.0f, 1.0f, -2.5f, 0.1f, 3.14159f, -0.0078125f};
    const std::vector<float> original = values;
    const auto bytes = Encode(e, values);
    EXPECT_EQ(bytes.size(), values.size() * ElemBytes(e));
    // What the host keeps for the reference is exactly what the device will hold.
    EXPECT_EQ(Decode(e, bytes), values);
    // Exactly representable values survive every type; 0.1 only fp32.
    EXPECT_EQ(values[1], 1.0f);
    EXPECT_EQ(values[2], -2.5f);
    if (e == Elem::kF32) {
      EXPECT_EQ(values, original);
    } else {
      EXPECT_NE(values[3], original[3]);
      EXPECT_NEAR(values[3], original[3], original[3] * 2 * ElemRoundoff(e));
    }
  }
}

TEST(GpuBenchElements, SizesAndRoundoffsByType) {
  EXPECT_EQ(ElemBytes(Elem::kF32), 4u);
  EXPECT_EQ(ElemBytes(Elem::kBf16), 2u);
  EXPECT_EQ(ElemBytes(Elem::kE4M3), 1u);
  EXPECT_LT(ElemRoundoff(Elem::kF32), ElemRoundoff(Elem::kF16));
  EXPECT_LT(ElemRoundoff(Elem::kF16), ElemRoundoff(Elem::kBf16));
  EXPECT_LT(ElemRoundoff(Elem::kBf16), ElemRoundoff(Elem::kE4M3));
}

}  // namespace
}  // namespace dlenv::bench
