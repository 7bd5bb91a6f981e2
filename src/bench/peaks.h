#pragma once
// Datasheet peaks of known GPUs (knowledge/data/gpu_peaks.json), for "share of peak".

#include <map>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::bench {

struct GpuPeaks {
  std::string name;  // "H100 SXM"
  std::vector<std::string> match;
  std::vector<std::string> exclude;
  std::map<std::string, double> tflops;  // fp32, tf32, fp16, bf16, fp8
  std::optional<double> memory_gbps;
  std::string source;
};

/// Parses the table; throws std::runtime_error naming what is malformed.
std::vector<GpuPeaks> ParseGpuPeaks(const std::string& json_text);
/// The table compiled into this binary.
const std::vector<GpuPeaks>& BuiltinGpuPeaks();
/// The first row whose match strings the device name contains (case-insensitive).
std::optional<GpuPeaks> FindGpuPeaks(const std::vector<GpuPeaks>& table,
                                     std::string_view device_name);

}  // namespace dlenv::bench
