#pragma once
// What every GPU measurement shares inside the bench's child process (gpu_bench.h): the
// driver, GPU 0's primary context, a pair of CUDA events for timing, the datasheet peaks and
// the JSON document the parent reads back. The measurements themselves are functions of a
// GpuRunner, a file each (bench/gpu_gemm.cc, gpu_copy.cc, ...; gpu_measurements.h), listed
// in the table in gpu_bench.cc.

#include <functional>
#include <nlohmann/json.hpp>
#include <optional>
#include <string>

#include "bench/bench.h"
#include "bench/peaks.h"
#include "bench/result.h"
#include "gpu/cuda_driver.h"
#include "gpu/cuda_owners.h"
#include "gpu/nvml.h"

namespace dlenv::bench {

class GpuRunner {
 public:
  /// Writes into `out`: "gpu", "before"/"after", "measurements", "warnings", "notes", or
  /// "no_gpu" with the reason there are no measurements.
  GpuRunner(const BenchOptions& options, nlohmann::json& out) : options_(options), out_(out) {}
  GpuRunner(const GpuRunner&) = delete;
  GpuRunner& operator=(const GpuRunner&) = delete;

  /// Loads the driver, reads GPU 0 and its NVML state, makes its primary context current and
  /// creates the timing events; false (with "no_gpu" or a warning) when measuring is not
  /// possible.
  bool Start();
  /// Reads NVML's state again, for the "after" half of the throttling check.
  void Finish();

  const BenchOptions& options() const { return options_; }
  const gpu::cuda::Api& api() const { return cuda_.api; }
  int cc_major() const { return cc_major_; }
  int cc_minor() const { return cc_minor_; }
  int sms() const { return sms_; }
  int l2_bytes() const { return l2_bytes_; }

  void Warn(std::string text) { out_["warnings"].push_back(std::move(text)); }
  void Note(std::string text) { out_["notes"].push_back(std::move(text)); }
  /// False on success; otherwise warns "<what> failed: <error name>".
  bool Bad(gpu::cuda::Result rc, const char* what);
  /// Adds one measurement's JSON to the document.
  void Add(nlohmann::json m) { out_["measurements"].push_back(std::move(m)); }

  /// Seconds between two events around `body`, on the null stream.
  double Timed(const std::function<void()>& body);
  /// "peak" and "peak_source" for the peaks table's `key` (fp8, memory) times `scale`, or
  /// nothing when this GPU is not in the table.
  nlohmann::json PeakFields(const char* key, double scale) const;
  /// Bytes for a copy: 1 GiB where memory allows, never more than a quarter of what is free.
  std::size_t CopyBytes() const;
  /// Whether `bytes` of device memory at `p` all hold `want`, from sixteen sampled blocks and
  /// the last one (a short copy shows at the end).
  Check CheckPattern(gpu::cuda::DevicePtr p, std::size_t bytes, unsigned char want);

 private:
  bool Stop(const std::string& why);
  void Attr(gpu::cuda::DeviceAttribute a, int& v);
  void OpenNvml();
  std::optional<double> Peak(const char* key, double scale) const;

  const BenchOptions& options_;
  nlohmann::json& out_;
  // Declared in the order they are made: released in reverse, events before the context
  // and the context before the library.
  gpu::cuda::Library cuda_;
  gpu::nvml::Library nvml_;
  std::optional<gpu::nvml::Device> nvml_device_;
  gpu::cuda::Device device_ = 0;
  std::string name_;
  int cc_major_ = 0, cc_minor_ = 0, sms_ = 0, l2_bytes_ = 0;
  std::optional<GpuPeaks> peaks_;
  gpu::cuda::PrimaryContext context_;
  gpu::cuda::OwnedEvent start_, stop_;
};

}  // namespace dlenv::bench
