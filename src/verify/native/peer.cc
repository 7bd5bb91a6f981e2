// The peer check: between each ordered pair of selected GPUs, whether the driver allows peer
// access, and a timed copy of 64 MiB from one GPU's memory to the other's (cuMemcpyPeer, which
// goes over NVLink or PCIe where peer access is on, through the host where it is not), read
// back and compared byte for byte, with the bandwidth of each pair as evidence. NCCL's
// "peer access is not supported" and its hangs behind ACS start here.

#include <fmt/format.h>

#include <cstring>
#include <vector>

#include "verify/findings.h"
#include "verify/native/checks.h"

namespace dlenv::verify::native {
namespace {

constexpr std::size_t kPeerBytes = 64 * kMiB;

// Whether `from` may access `to`'s memory, enabling it when the driver says it can. Evidence
// names the pair either way; false only when a call failed (r says which).
bool PeerAccess(Session& session, const GpuState& from, const GpuState& to, int a, int b,
                bool& enabled, CheckResult& r) {
  const cuda::Api& api = session.api();
  enabled = false;
  int can = 0;
  if (session.Failed(r, fmt::format("cuDeviceCanAccessPeer ({} -> {})", a, b),
                     Call(api.device_can_access_peer, &can, from.device, to.device))) {
    return false;
  }
  if (!can) return true;
  if (session.Failed(r, "cuCtxSetCurrent", Call(api.ctx_set_current, from.context))) return false;
  const cuda::Result rc = Call(api.ctx_enable_peer_access, to.context, 0u);
  constexpr cuda::Result kAlreadyEnabled = 704;  // CUDA_ERROR_PEER_ACCESS_ALREADY_ENABLED
  if (rc != cuda::kSuccess && rc != kAlreadyEnabled) {
    session.Failed(r, fmt::format("cuCtxEnablePeerAccess ({} -> {})", a, b), rc);
    return false;
  }
  enabled = true;
  return true;
}

// One timed, checked copy from GPU a to GPU b. False when it failed (r says why).
bool CopyBetween(Session& session, const GpuState& ga, const GpuState& gb, int a, int b,
                 const std::vector<unsigned char>& pattern, CheckResult& r) {
  const cuda::Api& api = session.api();
  cuda::DeviceMemory src(api, ga.context), dst(api, gb.context);
  if (session.Failed(r, "cuCtxSetCurrent", Call(api.ctx_set_current, ga.context)) ||
      session.Failed(r, "cuMemAlloc", src.Allocate(kPeerBytes)) ||
      session.Failed(
          r, "cuMemcpyHtoD",
          Call(api.memcpy_htod, src.get(), static_cast<const void*>(pattern.data()), kPeerBytes)) ||
      session.Failed(r, "cuCtxSetCurrent", Call(api.ctx_set_current, gb.context)) ||
      session.Failed(r, "cuMemAlloc", dst.Allocate(kPeerBytes))) {
    return false;
  }
  bool enabled = false;
  if (!PeerAccess(session, ga, gb, a, b, enabled, r)) return false;
  const auto start = Clock::now();
  if (session.Failed(
          r, fmt::format("cuMemcpyPeer ({} -> {})", a, b),
          Call(api.memcpy_peer, dst.get(), gb.context, src.get(), ga.context, kPeerBytes)) ||
      session.Failed(r, "cuCtxSetCurrent", Call(api.ctx_set_current, gb.context)) ||
      session.Failed(r, "cuCtxSynchronize", Call(api.ctx_synchronize))) {
    return false;
  }
  const double seconds = Since(start);
  std::vector<unsigned char> back(kPeerBytes);
  if (session.Failed(
          r, "cuMemcpyDtoH",
          Call(api.memcpy_dtoh, static_cast<void*>(back.data()), dst.get(), kPeerBytes))) {
    return false;
  }
  if (std::memcmp(back.data(), pattern.data(), kPeerBytes) != 0) {
    std::size_t first = 0;
    while (first < kPeerBytes && back[first] == pattern[first]) ++first;
    r.verdict = Verdict::kFail;
    r.summary = fmt::format("copy from GPU {} to GPU {} came back different (first at byte {})", a,
                            b, first);
    r.findings.push_back(WrongResultsFinding("peer", b, r.summary));
    return false;
  }
  r.evidence.push_back(
      fmt::format("GPU {} -> GPU {}: {:.1f} GB/s, {} checked ({})", a, b,
                  kPeerBytes / seconds / 1e9, Bytes(kPeerBytes),
                  enabled ? "peer access on" : "no peer access: the copy goes through the host"));
  return true;
}

}  // namespace

void CheckPeer(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  if (gpus.size() < 2) {
    r.summary = "one GPU: no pair to copy between";
    return;
  }
  const cuda::Api& api = session.api();
  if (!api.device_can_access_peer || !api.ctx_enable_peer_access || !api.memcpy_peer) {
    r.summary = "this driver has no peer-access entry points";
    return;
  }
  const std::vector<GpuState*> states = session.UseAll(gpus, r);
  if (states.empty()) return;
  std::vector<unsigned char> pattern(kPeerBytes);
  for (std::size_t i = 0; i < kPeerBytes; ++i) {
    pattern[i] = static_cast<unsigned char>((i * 2654435761u) >> 11);
  }
  std::size_t pairs = 0;
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    for (std::size_t j = 0; j < gpus.size(); ++j) {
      if (i == j) continue;
      if (!CopyBetween(session, *states[i], *states[j], gpus[i], gpus[j], pattern, r)) return;
      ++pairs;
    }
  }
  r.verdict = Verdict::kPass;
  r.summary = fmt::format("{} GPU pairs: each copy correct", pairs);
}

}  // namespace dlenv::verify::native
