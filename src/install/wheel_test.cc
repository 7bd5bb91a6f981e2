#include "install/wheel.h"

#include <gtest/gtest.h>

namespace dlenv::install {
namespace {

WheelHost Host(int minor, const char* arch = "x86_64", int glibc_minor = 36) {
  WheelHost h;
  h.python_known = true;
  h.python_major = 3;
  h.python_minor = minor;
  h.arch = arch;
  h.glibc_major = 2;
  h.glibc_minor = glibc_minor;
  return h;
}

TEST(WheelName, ParsesTagsAndLocalLabels) {
  auto w = ParseWheelName("torch-2.7.1+cu118-cp311-cp311-manylinux_2_28_x86_64.whl");
  ASSERT_TRUE(w);
  EXPECT_EQ(w->project, "torch");
  EXPECT_EQ(w->version, "2.7.1+cu118");
  EXPECT_EQ(w->python_tags, std::vector<std::string>{"cp311"});
  auto compressed =
      ParseWheelName("numpy-2.0.0-1-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl");
  ASSERT_TRUE(compressed);
  EXPECT_EQ(compressed->platform_tags.size(), 2u);
  EXPECT_FALSE(ParseWheelName("torch-2.7.1.tar.gz"));
  EXPECT_FALSE(ParseWheelName("torch-2.7.1-cp311.whl"));
  EXPECT_FALSE(ParseWheelName("-a-b-c-d.whl"));
}

TEST(WheelName, FitsByPythonGlibcAndArchitecture) {
  auto w = *ParseWheelName("torch-2.15.0-cp312-cp312-manylinux_2_28_x86_64.whl");
  EXPECT_TRUE(WheelFits(w, Host(12)));
  EXPECT_FALSE(WheelFits(w, Host(11)));
  EXPECT_FALSE(WheelFits(w, Host(12, "aarch64")));
  EXPECT_FALSE(WheelFits(w, Host(12, "x86_64", 27)));  // glibc 2.27 < 2.28
  EXPECT_NE(WheelMismatch(w, Host(12, "x86_64", 27)).find("glibc 2.27"), std::string::npos);
  auto legacy = *ParseWheelName("cupy-13.0.0-cp38-cp38-manylinux2014_aarch64.whl");
  EXPECT_TRUE(WheelFits(legacy, Host(8, "aarch64", 17)));
  EXPECT_FALSE(WheelFits(legacy, Host(8, "aarch64", 16)));
  auto pure = *ParseWheelName("jax-0.7.2-py3-none-any.whl");
  EXPECT_TRUE(WheelFits(pure, Host(14)));
  auto abi3 = *ParseWheelName("x-1.0-cp39-abi3-manylinux_2_17_x86_64.whl");
  EXPECT_TRUE(WheelFits(abi3, Host(13)));
  EXPECT_FALSE(WheelFits(abi3, Host(8)));
  auto free_threaded = *ParseWheelName("torch-2.15.0-cp314-cp314t-manylinux_2_28_x86_64.whl");
  EXPECT_FALSE(WheelFits(free_threaded, Host(14)));
  auto mac = *ParseWheelName("torch-2.15.0-cp312-none-macosx_11_0_arm64.whl");
  EXPECT_FALSE(WheelFits(mac, Host(12)));
}

}  // namespace
}  // namespace dlenv::install
