// Two measurements from dlenv's own PTX: kernel launch latency (back-to-back launches of an
// empty kernel) and the bandwidth a simple streaming copy kernel gets, beside cuMemcpyDtoD's.

#include <algorithm>
#include <utility>

#include "bench/gpu_measurements.h"
#include "bench/result_json.h"

namespace dlenv::bench {
namespace {

namespace cuda = gpu::cuda;

// Hand-written PTX: an empty kernel (launch latency) and a grid-stride float4 copy (the
// streaming bandwidth, every byte read once and written once). ISA 6.0 / sm_50 so that every
// driver dlenv supports can JIT it; gpu_bench_test.cc assembles it with the toolkit's ptxas.
constexpr const char* kPtx = R"(
.version 6.0
.target sm_50
.address_size 64

.visible .entry dlenv_empty()
{
  ret;
}

.visible .entry dlenv_stream_copy(
  .param .u64 src,
  .param .u64 dst,
  .param .u64 n4)
{
  .reg .pred %p;
  .reg .b32 %r<5>;
  .reg .b64 %rd<10>;
  .reg .f32 %f<4>;

  ld.param.u64 %rd1, [src];
  ld.param.u64 %rd2, [dst];
  ld.param.u64 %rd3, [n4];
  cvta.to.global.u64 %rd1, %rd1;
  cvta.to.global.u64 %rd2, %rd2;
  mov.u32 %r1, %ctaid.x;
  mov.u32 %r2, %ntid.x;
  mov.u32 %r3, %tid.x;
  mov.u32 %r4, %nctaid.x;
  mul.wide.u32 %rd4, %r1, %r2;
  cvt.u64.u32 %rd5, %r3;
  add.u64 %rd4, %rd4, %rd5;
  mul.wide.u32 %rd6, %r4, %r2;
  setp.ge.u64 %p, %rd4, %rd3;
  @%p bra DONE;
LOOP:
  shl.b64 %rd7, %rd4, 4;
  add.u64 %rd8, %rd1, %rd7;
  add.u64 %rd9, %rd2, %rd7;
  ld.global.v4.f32 {%f0, %f1, %f2, %f3}, [%rd8];
  st.global.v4.f32 [%rd9], {%f0, %f1, %f2, %f3};
  add.u64 %rd4, %rd4, %rd6;
  setp.lt.u64 %p, %rd4, %rd3;
  @%p bra LOOP;
DONE:
  ret;
}
)";

void MeasureLaunchLatency(GpuRunner& runner, cuda::Function empty) {
  const cuda::Api& api = runner.api();
  constexpr int kLaunches = 1000;
  nlohmann::json m = {{"group", "gpu.latency"},
                      {"name", "kernel launch"},
                      {"unit", "us"},
                      {"work", kLaunches},
                      {"params", {{"launches_per_sample", kLaunches}}}};
  cuda::Result rc = cuda::kSuccess;
  m["seconds"] = Sample(
      [&] {
        return runner.Timed([&] {
          for (int i = 0; i < kLaunches && rc == cuda::kSuccess; ++i) {
            rc = api.launch_kernel(empty, 1, 1, 1, 1, 1, 1, 0, nullptr, nullptr, nullptr);
          }
        }) / kLaunches;
      },
      runner.options().policy);
  if (rc != cuda::kSuccess) m["error"] = "cuLaunchKernel failed: " + cuda::ErrorName(api, rc);
  runner.Add(std::move(m));
}

void MeasureStreamingCopy(GpuRunner& runner, cuda::Function copy) {
  const cuda::Api& api = runner.api();
  const std::size_t bytes = runner.CopyBytes();
  nlohmann::json m = {{"group", "gpu.memory"},
                      {"name", "streaming kernel (float4 copy)"},
                      {"unit", "GB/s"},
                      {"work", 2.0 * static_cast<double>(bytes)},
                      {"params", {{"bytes", bytes}, {"counted", "bytes read + bytes written"}}}};
  m.update(runner.PeakFields("memory", 1));
  cuda::DeviceMemory src(api), dst(api);
  if (src.Allocate(bytes) == cuda::kSuccess && dst.Allocate(bytes) == cuda::kSuccess) {
    api.memset_d8(src.get(), 0xa5, bytes);
    api.memset_d8(dst.get(), 0, bytes);
    cuda::DevicePtr src_ptr = src.get(), dst_ptr = dst.get();
    unsigned long long n4 = bytes / 16;
    void* args[] = {&src_ptr, &dst_ptr, &n4};
    const unsigned blocks = static_cast<unsigned>(std::max(1, runner.sms()) * 4);
    cuda::Result rc = cuda::kSuccess;
    m["seconds"] = Sample(
        [&] {
          return runner.Timed([&] {
            rc = api.launch_kernel(copy, blocks, 1, 1, 512, 1, 1, 0, nullptr, args, nullptr);
          });
        },
        runner.options().policy);
    if (rc != cuda::kSuccess) {
      m["error"] = "cuLaunchKernel failed: " + cuda::ErrorName(api, rc);
    } else {
      m["check"] = runner.CheckPattern(dst.get(), bytes, 0xa5);
    }
  } else {
    m["error"] = "could not allocate the copy buffers";
  }
  src.Reset();
  dst.Reset();
  runner.Add(std::move(m));
}

}  // namespace

std::string_view BenchKernelsPtx() { return kPtx; }

void MeasureKernels(GpuRunner& runner) {
  const cuda::Api& api = runner.api();
  if (!api.module_load_data_ex || !api.module_get_function || !api.launch_kernel) {
    runner.Warn("this driver lacks the module calls the kernel measurements need");
    return;
  }
  cuda::OwnedModule module(api);
  if (runner.Bad(api.module_load_data_ex(module.Put(), kPtx, 0, nullptr, nullptr),
                 "cuModuleLoadDataEx (dlenv's bench PTX)")) {
    return;
  }
  cuda::Function empty = nullptr, copy = nullptr;
  if (runner.Bad(api.module_get_function(&empty, module.get(), "dlenv_empty"),
                 "cuModuleGetFunction") ||
      runner.Bad(api.module_get_function(&copy, module.get(), "dlenv_stream_copy"),
                 "cuModuleGetFunction")) {
    return;
  }
  const auto& parts = runner.options().gpu_parts;
  if (parts.latency) MeasureLaunchLatency(runner, empty);
  if (parts.stream) MeasureStreamingCopy(runner, copy);
}

}  // namespace dlenv::bench
