// The transfers check: 64 MiB to the device and back, from pageable and from pinned host
// memory, compared byte for byte, with the rates as evidence.

#include <fmt/format.h>

#include <cstring>
#include <vector>

#include "verify/findings.h"
#include "verify/native/checks.h"

namespace dlenv::verify::native {

void CheckTransfers(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  const int gpu = gpus.at(0);
  GpuState* g = session.Use(gpu, r);
  if (!g) return;
  const cuda::Api& api = session.api();
  constexpr std::size_t bytes = 64 * kMiB;
  cuda::DeviceMemory dev(api);
  if (session.Failed(r, "cuMemAlloc", dev.Allocate(bytes))) return;
  auto run = [&](const char* kind, unsigned char* src, unsigned char* dst) {
    for (std::size_t i = 0; i < bytes; ++i) {
      src[i] = static_cast<unsigned char>((i * 2654435761u) >> 13);
    }
    std::memset(dst, 0, bytes);
    auto t0 = Clock::now();
    if (session.Failed(r, fmt::format("cuMemcpyHtoD ({})", kind),
                       Call(api.memcpy_htod, dev.get(), static_cast<const void*>(src), bytes))) {
      return false;
    }
    const double h2d = Since(t0);
    t0 = Clock::now();
    if (session.Failed(r, fmt::format("cuMemcpyDtoH ({})", kind),
                       Call(api.memcpy_dtoh, static_cast<void*>(dst), dev.get(), bytes))) {
      return false;
    }
    const double d2h = Since(t0);
    if (std::memcmp(src, dst, bytes) != 0) {
      std::size_t first = 0;
      while (first < bytes && src[first] == dst[first]) ++first;
      r.verdict = Verdict::kFail;
      r.summary = fmt::format("{} round trip of {} came back different (first at byte {})", kind,
                              Bytes(bytes), first);
      r.findings.push_back(WrongResultsFinding("transfers", gpu, r.summary));
      return false;
    }
    r.evidence.push_back(
        fmt::format("{}: host to device {:.1f} GB/s, device to host {:.1f} GB/s, {} checked", kind,
                    bytes / h2d / 1e9, bytes / d2h / 1e9, Bytes(bytes)));
    return true;
  };
  std::vector<unsigned char> a(bytes), b(bytes);
  if (!run("pageable", a.data(), b.data())) return;
  cuda::PinnedMemory pinned_src(api), pinned_dst(api);
  cuda::Result rc = pinned_src.Allocate(bytes);
  if (rc == cuda::kSuccess) rc = pinned_dst.Allocate(bytes);
  if (session.Failed(r, "cuMemAllocHost", rc)) return;
  if (!run("pinned", pinned_src.bytes(), pinned_dst.bytes())) return;
  r.verdict = Verdict::kPass;
  r.summary = "pageable and pinned round trips correct";
}

}  // namespace dlenv::verify::native
