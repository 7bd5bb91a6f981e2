#include "bench/peaks.h"

#include <gtest/gtest.h>

namespace dlenv::bench {
namespace {

TEST(GpuPeaks, BuiltinTableMatchesRealDeviceNames) {
  const auto& table = BuiltinGpuPeaks();
  ASSERT_FALSE(table.empty());
  // Names as cuDeviceGetName / nvidia-smi print them.
  auto h100 = FindGpuPeaks(table, "NVIDIA H100 80GB HBM3");
  ASSERT_TRUE(h100);
  EXPECT_EQ(h100->name, "H100 SXM");
  EXPECT_DOUBLE_EQ(h100->tflops.at("bf16"), 989);  // shared/facts/compatibility.md
  EXPECT_DOUBLE_EQ(*h100->memory_gbps, 3350);
  EXPECT_EQ(FindGpuPeaks(table, "NVIDIA H100 PCIe")->name, "H100 PCIe");
  EXPECT_EQ(FindGpuPeaks(table, "NVIDIA H200")->name, "H200 SXM");
  EXPECT_FALSE(FindGpuPeaks(table, "NVIDIA GH200 480GB"));  // not an H200 row
  EXPECT_EQ(FindGpuPeaks(table, "NVIDIA A100-SXM4-80GB")->name, "A100 SXM 80GB");
  EXPECT_DOUBLE_EQ(FindGpuPeaks(table, "NVIDIA A100-SXM4-40GB")->tflops.at("tf32"), 156);
  EXPECT_FALSE(FindGpuPeaks(table, "NVIDIA GeForce RTX 4090"));  // third-party figures only
  for (const auto& row : table) EXPECT_FALSE(row.source.empty()) << row.name;
}

TEST(GpuPeaks, MalformedTablesAreRejectedWithAMessage) {
  EXPECT_THROW(ParseGpuPeaks("{"), std::runtime_error);
  EXPECT_THROW(ParseGpuPeaks(R"({"gpus":[{"name":"x","match":[],"tflops":{},"source":"s"}]})"),
               std::runtime_error);
  EXPECT_THROW(
      ParseGpuPeaks(R"({"gpus":[{"name":"x","match":["x"],"tflops":{"fp32":-1},"source":"s"}]})"),
      std::runtime_error);
  EXPECT_THROW(
      ParseGpuPeaks(R"({"gpus":[{"name":"x","match":["x"],"tflops":{"fp32":"a"},"source":"s"}]})"),
      std::runtime_error);
}

}  // namespace
}  // namespace dlenv::bench
