// Device memory bandwidth through the driver's own copy (cuMemcpyDtoD), beside the
// datasheet's figure; bytes read and written both count.

#include <utility>

#include "bench/gpu_measurements.h"
#include "bench/result_json.h"

namespace dlenv::bench {

void MeasureDeviceCopy(GpuRunner& runner) {
  namespace cuda = gpu::cuda;
  const cuda::Api& api = runner.api();
  const std::size_t bytes = runner.CopyBytes();
  nlohmann::json m = {{"group", "gpu.memory"},
                      {"name", "device copy (cuMemcpyDtoD)"},
                      {"unit", "GB/s"},
                      {"work", 2.0 * static_cast<double>(bytes)},
                      {"params", {{"bytes", bytes}, {"counted", "bytes read + bytes written"}}}};
  m.update(runner.PeakFields("memory", 1));
  cuda::DeviceMemory src(api), dst(api);
  if (src.Allocate(bytes) != cuda::kSuccess || dst.Allocate(bytes) != cuda::kSuccess) {
    m["error"] = "could not allocate the copy buffers";
    runner.Add(std::move(m));
    return;
  }
  api.memset_d8(src.get(), 0x5a, bytes);
  api.memset_d8(dst.get(), 0, bytes);
  m["seconds"] =
      Sample([&] { return runner.Timed([&] { api.memcpy_dtod(dst.get(), src.get(), bytes); }); },
             runner.options().policy);
  m["check"] = runner.CheckPattern(dst.get(), bytes, 0x5a);
  src.Reset();
  dst.Reset();
  runner.Add(std::move(m));
}

}  // namespace dlenv::bench
