// Host-device transfers: 256 MiB each way from pageable and from pinned host memory, each
// checked on the device afterwards.

#include <fmt/format.h>

#include <algorithm>
#include <cstring>
#include <utility>
#include <vector>

#include "bench/gpu_measurements.h"
#include "bench/result_json.h"

namespace dlenv::bench {

void MeasureTransfers(GpuRunner& runner) {
  namespace cuda = gpu::cuda;
  const cuda::Api& api = runner.api();
  // 256 MiB where memory allows; never more than a quarter of what is free.
  std::size_t free = 0, total = 0;
  if (api.mem_get_info) api.mem_get_info(&free, &total);
  const std::size_t kBytes =
      std::min(std::size_t{256} << 20, free ? free / 4 : std::size_t{256} << 20) &
      ~std::size_t{0xFFFF};
  cuda::DeviceMemory dev(api);
  if (dev.Allocate(kBytes) != cuda::kSuccess) {
    runner.Warn("could not allocate the transfer buffer");
    return;
  }
  std::vector<unsigned char> pageable(kBytes, 0x3c);
  cuda::PinnedMemory pinned(api);
  if (pinned.Allocate(kBytes) == cuda::kSuccess) {
    std::memset(pinned.get(), 0x3c, kBytes);
  } else {
    runner.Note("no pinned host memory (cuMemAllocHost); pinned transfers not measured");
  }
  struct Kind {
    const char* name;
    void* host;
  };
  for (const Kind& kind : {Kind{"pageable", pageable.data()}, Kind{"pinned", pinned.get()}}) {
    if (!kind.host) continue;
    for (bool to_device : {true, false}) {
      nlohmann::json m = {
          {"group", "gpu.transfer"},
          {"name",
           fmt::format("{} {}", to_device ? "host to device" : "device to host", kind.name)},
          {"unit", "GB/s"},
          {"work", static_cast<double>(kBytes)},
          {"params", {{"bytes", kBytes}}}};
      m["seconds"] = Sample(
          [&] {
            return runner.Timed([&] {
              if (to_device) {
                api.memcpy_htod(dev.get(), kind.host, kBytes);
              } else {
                api.memcpy_dtoh(kind.host, dev.get(), kBytes);
              }
            });
          },
          runner.options().policy);
      m["check"] = runner.CheckPattern(dev.get(), kBytes, 0x3c);
      runner.Add(std::move(m));
    }
  }
}

}  // namespace dlenv::bench
