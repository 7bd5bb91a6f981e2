// The NCCL check: a communicator across every selected GPU, and an all-reduce whose sum
// comes back exact on each.

#include "gpu/nccl.h"

#include <fmt/format.h>

#include <vector>

#include "verify/findings.h"
#include "verify/native/checks.h"

namespace dlenv::verify::native {
namespace {

// One rank's buffers, in its GPU's context (made current again to free them).
struct RankBuffers {
  cuda::DeviceMemory send, recv;
};

}  // namespace

void CheckNccl(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  const NativePlan& plan = session.plan();
  if (plan.nccl_candidates.empty()) {
    r.summary = "no libnccl found (system loader, toolkits, pip wheels)";
    return;
  }
  std::vector<GpuState*> states;
  for (int gpu : gpus) {
    GpuState* g = session.Use(gpu, r);
    if (!g) return;
    states.push_back(g);
  }
  const cuda::Api& api = session.api();
  auto lib = gpu::LoadNccl(plan.nccl_candidates);
  if (!lib.usable()) {
    r.summary = "no usable libnccl";
    r.evidence = lib.report.tried;
    return;
  }
  const auto& nc = lib.api;
  int code = 0;
  nc.get_version(&code);
  r.evidence.push_back("libnccl: " + *lib.report.path);
  r.evidence.push_back("NCCL " + gpu::NcclVersionText(code));
  const int ranks = static_cast<int>(gpus.size());
  std::vector<gpu::ncclComm_t> created(gpus.size(), nullptr);
  if (auto rc = nc.comm_init_all(created.data(), ranks, gpus.data()); rc != gpu::kNcclSuccess) {
    Fail(r, "ncclCommInitAll failed: " + gpu::NcclResultText(nc, rc));
    return;
  }
  std::vector<gpu::NcclComm> comms;
  for (auto c : created) comms.emplace_back(nc, c);
  constexpr std::size_t count = 1u << 20;
  std::vector<RankBuffers> buffers;
  for (GpuState* g : states) {
    buffers.push_back({cuda::DeviceMemory(api, g->context), cuda::DeviceMemory(api, g->context)});
  }
  // Rank i contributes (i + 1) * v: the sum is v * ranks * (ranks + 1) / 2, exact for
  // these small integers.
  std::vector<float> v(count);
  for (std::size_t i = 0; i < count; ++i) v[i] = static_cast<float>(i % 251);
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    std::vector<float> mine(count);
    for (std::size_t j = 0; j < count; ++j) mine[j] = v[j] * static_cast<float>(i + 1);
    if (session.Failed(r, "cuCtxSetCurrent", Call(api.ctx_set_current, states[i]->context)) ||
        session.Failed(r, "cuMemAlloc", buffers[i].send.Allocate(count * 4)) ||
        session.Failed(r, "cuMemAlloc", buffers[i].recv.Allocate(count * 4)) ||
        session.Failed(r, "cuMemcpyHtoD",
                       Call(api.memcpy_htod, buffers[i].send.get(),
                            static_cast<const void*>(mine.data()), count * 4))) {
      return;
    }
  }
  const auto start = Clock::now();
  nc.group_start();
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    if (auto rc = nc.all_reduce(reinterpret_cast<const void*>(buffers[i].send.get()),
                                reinterpret_cast<void*>(buffers[i].recv.get()), count,
                                gpu::kNcclFloat32, gpu::kNcclSum, comms[i].get(), nullptr);
        rc != gpu::kNcclSuccess) {
      nc.group_end();
      Fail(r, "ncclAllReduce failed: " + gpu::NcclResultText(nc, rc));
      return;
    }
  }
  if (auto rc = nc.group_end(); rc != gpu::kNcclSuccess) {
    Fail(r, "ncclGroupEnd failed: " + gpu::NcclResultText(nc, rc));
    return;
  }
  const float factor = static_cast<float>(ranks * (ranks + 1) / 2);
  std::vector<float> got(count);
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    if (session.Failed(r, "cuCtxSetCurrent", Call(api.ctx_set_current, states[i]->context)) ||
        session.Failed(r, "cuCtxSynchronize", Call(api.ctx_synchronize)) ||
        session.Failed(r, "cuMemcpyDtoH",
                       Call(api.memcpy_dtoh, static_cast<void*>(got.data()), buffers[i].recv.get(),
                            count * 4))) {
      return;
    }
    std::size_t wrong = 0;
    for (std::size_t j = 0; j < count; ++j) wrong += got[j] != v[j] * factor;
    if (wrong) {
      r.verdict = Verdict::kFail;
      r.summary = fmt::format("all-reduce on GPU {}: {} of {} values wrong", gpus[i], wrong, count);
      r.findings.push_back(WrongResultsFinding("nccl", gpus[i], r.summary));
      return;
    }
  }
  r.evidence.push_back(
      fmt::format("all-reduce (sum) of {} floats across {} rank{} in {:.1f} ms: exact", count,
                  ranks, ranks == 1 ? "" : "s", Since(start) * 1000));
  r.verdict = Verdict::kPass;
  r.summary = fmt::format("communicator of {} GPU{} created, all-reduce correct", ranks,
                          ranks == 1 ? "" : "s");
}

}  // namespace dlenv::verify::native
