#include "util/nvidia_proc_version.h"

#include <gtest/gtest.h>

namespace dlenv::util {
namespace {

// Verbatim from machines with the proprietary (535) and the open (550, aarch64) modules.
TEST(NvidiaProcVersion, ProprietaryModule) {
  auto m = ParseNvidiaProcVersion(
      "NVRM version: NVIDIA UNIX x86_64 Kernel Module  535.129.03  Thu Oct 19 18:56:32 UTC 2023\n"
      "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->version, "535.129.03");
  EXPECT_FALSE(m->open);
  EXPECT_EQ(m->gcc_version, "gcc version 12.2.0 (Debian 12.2.0-14)");
}

TEST(NvidiaProcVersion, OpenModuleWithArchAfterName) {
  auto m = ParseNvidiaProcVersion(
      "NVRM version: NVIDIA UNIX Open Kernel Module for aarch64  550.54.15  Release Build  "
      "(dvs-builder@U16-I3-B03-4-3)  Tue Mar  5 22:07:13 UTC 2024\n"
      "GCC version:  gcc version 11.4.0 (Ubuntu 11.4.0-1ubuntu1~22.04)\n");
  ASSERT_TRUE(m);
  EXPECT_EQ(m->version, "550.54.15");
  EXPECT_TRUE(m->open);
}

TEST(NvidiaProcVersion, RejectsTextWithoutVersion) {
  EXPECT_FALSE(ParseNvidiaProcVersion(""));
  EXPECT_FALSE(ParseNvidiaProcVersion("NVRM version: NVIDIA UNIX x86_64 Kernel Module\n"));
  EXPECT_FALSE(ParseNvidiaProcVersion("GCC version: 12.2.0\n"));
  EXPECT_FALSE(ParseNvidiaProcVersion("NVRM version: 1. .2 3.x\n"));
}

}  // namespace
}  // namespace dlenv::util
