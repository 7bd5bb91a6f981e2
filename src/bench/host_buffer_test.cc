#include "bench/host_buffer.h"

#include <gtest/gtest.h>

#include <cstdint>
#include <fstream>
#include <sstream>
#include <string>

namespace dlenv::bench {
namespace {

TEST(HostBuffer, AlignedAndZeroed) {
  HostBuffer b(3 * sizeof(double) + 1);
  EXPECT_EQ(reinterpret_cast<std::uintptr_t>(b.data()) % HostBuffer::kAlignment, 0u);
  EXPECT_EQ(b.as<double>().size(), 3u);
  for (double x : b.as<double>()) EXPECT_EQ(x, 0.0);
  EXPECT_FALSE(b.huge_pages_advised());  // small: left alone
}

// The kernel's own account of the mapping (/proc/self/smaps): a large buffer is eligible for
// transparent huge pages where the kernel's mode allows it ("always" or "madvise").
TEST(HostBuffer, LargeBuffersAreEligibleForHugePages) {
  std::ifstream mode_file("/sys/kernel/mm/transparent_hugepage/enabled");
  std::string mode((std::istreambuf_iterator<char>(mode_file)), {});
  if (mode.find("[never]") != std::string::npos || mode.empty())
    GTEST_SKIP() << "THP off here: " << mode;
  HostBuffer b(std::size_t{16} << 20);
  EXPECT_TRUE(b.huge_pages_advised());
  const auto address = reinterpret_cast<std::uintptr_t>(b.data());
  std::ifstream smaps("/proc/self/smaps");
  std::string line;
  bool inside = false, found = false;
  while (std::getline(smaps, line)) {
    std::uintptr_t lo = 0, hi = 0;
    char dash = 0;
    std::istringstream header(line);
    if (header >> std::hex >> lo >> dash >> hi && dash == '-') {
      inside = lo <= address && address < hi;
      continue;
    }
    if (inside && line.rfind("THPeligible:", 0) == 0) {
      found = true;
      EXPECT_NE(line.find('1'), std::string::npos) << line;
    }
  }
  if (!found) GTEST_SKIP() << "this kernel's smaps has no THPeligible field";
}

}  // namespace
}  // namespace dlenv::bench
