#include "gpu/reference.h"

#include <gtest/gtest.h>

#include <cmath>

namespace dlenv::gpu {
namespace {

// Bit patterns from the IEEE 754 binary16 table (and bfloat16 as float's top half).
TEST(VerifyReference, HalfConversionsMatchKnownEncodings) {
  EXPECT_EQ(FloatToHalf(1.0f), 0x3c00);
  EXPECT_EQ(FloatToHalf(-2.0f), 0xc000);
  EXPECT_EQ(FloatToHalf(65504.0f), 0x7bff);                      // largest finite half
  EXPECT_EQ(FloatToHalf(65520.0f), 0x7c00);                      // rounds to infinity
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -24)), 0x0001);         // smallest subnormal
  EXPECT_EQ(FloatToHalf(std::ldexp(1.0f, -14)), 0x0400);         // smallest normal
  EXPECT_EQ(FloatToHalf(1.0f + std::ldexp(1.0f, -11)), 0x3c00);  // tie rounds to even
  EXPECT_EQ(FloatToHalf(1.0f + 3 * std::ldexp(1.0f, -11)), 0x3c02);
  EXPECT_EQ(HalfToFloat(0x3555), 0.333251953125f);
  EXPECT_EQ(HalfToFloat(0x0001), std::ldexp(1.0f, -24));
  EXPECT_TRUE(std::isnan(HalfToFloat(FloatToHalf(NAN))));
  EXPECT_EQ(FloatToBfloat16(1.0f), 0x3f80);
  EXPECT_EQ(FloatToBfloat16(1.0f + std::ldexp(1.0f, -8)), 0x3f80);  // tie to even
  EXPECT_EQ(Bfloat16ToFloat(0xc040), -3.0f);
}

TEST(VerifyReference, EveryHalfSurvivesARoundTrip) {
  for (std::uint32_t h = 0; h < 0x10000; ++h) {
    if ((h & 0x7c00) == 0x7c00 && (h & 0x3ff)) continue;  // NaN payloads
    ASSERT_EQ(FloatToHalf(HalfToFloat(static_cast<std::uint16_t>(h))), h) << std::hex << h;
  }
}

// E4M3 encodings from the OCP 8-bit floating point specification (v1.0, table 2): bias 7,
// largest normal 448 = S.1111.110, smallest normal 2^-6, smallest subnormal 2^-9.
TEST(VerifyReference, Fp8E4M3ConversionsMatchKnownEncodings) {
  EXPECT_EQ(FloatToFp8E4M3(1.0f), 0x38);
  EXPECT_EQ(FloatToFp8E4M3(-2.0f), 0xc0);
  EXPECT_EQ(FloatToFp8E4M3(448.0f), 0x7e);
  EXPECT_EQ(FloatToFp8E4M3(1e6f), 0x7e);  // saturates, never NaN
  EXPECT_EQ(FloatToFp8E4M3(-1e6f), 0xfe);
  EXPECT_EQ(FloatToFp8E4M3(std::ldexp(1.0f, -6)), 0x08);   // smallest normal
  EXPECT_EQ(FloatToFp8E4M3(std::ldexp(1.0f, -9)), 0x01);   // smallest subnormal
  EXPECT_EQ(FloatToFp8E4M3(std::ldexp(1.0f, -11)), 0x00);  // a quarter of it: zero
  EXPECT_EQ(FloatToFp8E4M3(1.0625f), 0x38);                // tie between 1 and 1.125: even
  EXPECT_EQ(FloatToFp8E4M3(1.1875f), 0x3a);                // tie between 1.125 and 1.25: even
  EXPECT_EQ(FloatToFp8E4M3(std::ldexp(7.5f, -9)),
            0x08);  // tie between 7 and 8 subnormal steps: even
  EXPECT_EQ(Fp8E4M3ToFloat(0x7e), 448.0f);
  EXPECT_EQ(Fp8E4M3ToFloat(0x07), std::ldexp(7.0f, -9));
  EXPECT_EQ(Fp8E4M3ToFloat(0xb4), -0.75f);
  EXPECT_TRUE(std::isnan(Fp8E4M3ToFloat(0x7f)));
  EXPECT_TRUE(std::isnan(Fp8E4M3ToFloat(0xff)));
  EXPECT_EQ(FloatToFp8E4M3(NAN), 0x7f);
}

TEST(VerifyReference, EveryFp8E4M3SurvivesARoundTripAndRoundsToTheNearest) {
  for (int v = 0; v < 256; ++v) {
    if ((v & 0x7f) == 0x7f) continue;  // NaN
    const float f = Fp8E4M3ToFloat(static_cast<std::uint8_t>(v));
    ASSERT_EQ(FloatToFp8E4M3(f), v) << std::hex << v;
    // Just above and below a code's value stay with it (never jump to a neighbour).
    if (f != 0 && std::fabs(f) < 448) {
      ASSERT_EQ(FloatToFp8E4M3(std::nextafter(f, 0.0f)), v) << std::hex << v;
      ASSERT_EQ(FloatToFp8E4M3(std::nextafter(f, 2 * f)), v) << std::hex << v;
    }
  }
}

TEST(VerifyReference, GemmAgainstHandComputedProduct) {
  // Column-major A (2x3) = [[1,2,3],[4,5,6]], B (3x2) = [[7,8],[9,10],[11,12]].
  std::vector<float> a = {1, 4, 2, 5, 3, 6}, b = {7, 9, 11, 8, 10, 12};
  auto ref = ReferenceGemm(a, b, 2, 2, 3);
  EXPECT_EQ(ref.c, (std::vector<double>{58, 139, 64, 154}));
  std::vector<float> good = {58, 139, 64, 154}, bad = {58, 139, 64, 155};
  EXPECT_TRUE(Compare(good, ref, GemmTolerance(GemmType::kFloat32)).ok());
  auto cmp = Compare(bad, ref, GemmTolerance(GemmType::kFloat32));
  EXPECT_EQ(cmp.failures, 1u);
  EXPECT_EQ(cmp.worst_index, 3u);
  std::vector<float> nan = {58, 139, NAN, 154};
  EXPECT_FALSE(Compare(nan, ref, 1.0).ok());
}

TEST(VerifyReference, ConvolutionOfOnesCountsTheWindow) {
  std::vector<float> x(1 * 2 * 4 * 4, 1.0f), w(3 * 2 * 3 * 3, 1.0f);
  auto ref = ReferenceConv2d(x, w, 1, 2, 4, 4, 3, 3, 3);
  ASSERT_EQ(ref.c.size(), 3u * 2 * 2);
  for (double v : ref.c) EXPECT_EQ(v, 18.0);
}

TEST(VerifyReference, TestValuesAreReproducibleAndInRange) {
  auto v = TestValues(1000, 7);
  EXPECT_EQ(v, TestValues(1000, 7));
  EXPECT_NE(v, TestValues(1000, 8));
  for (float x : v) EXPECT_TRUE(x >= -1.0f && x < 1.0f);
}

}  // namespace
}  // namespace dlenv::gpu
