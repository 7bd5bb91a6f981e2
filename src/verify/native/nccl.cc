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

constexpr std::size_t kCount = 1u << 20;

// Rank i contributes (i + 1) * v: the sum is v * ranks * (ranks + 1) / 2, exact for these
// small integers.
std::vector<float> BaseValues() {
  std::vector<float> v(kCount);
  for (std::size_t i = 0; i < kCount; ++i) v[i] = static_cast<float>(i % 251);
  return v;
}

// Allocates each rank's buffers and uploads its contribution. False (with r said) on failure.
bool Upload(Session& session, const std::vector<GpuState*>& states, const std::vector<float>& v,
            std::vector<RankBuffers>& buffers, CheckResult& r) {
  const cuda::Api& api = session.api();
  for (GpuState* g : states) {
    buffers.push_back({cuda::DeviceMemory(api, g->context), cuda::DeviceMemory(api, g->context)});
  }
  for (std::size_t i = 0; i < states.size(); ++i) {
    std::vector<float> mine(kCount);
    for (std::size_t j = 0; j < kCount; ++j) mine[j] = v[j] * static_cast<float>(i + 1);
    if (session.Failed(r, "cuCtxSetCurrent", Call(api.ctx_set_current, states[i]->context)) ||
        session.Failed(r, "cuMemAlloc", buffers[i].send.Allocate(kCount * 4)) ||
        session.Failed(r, "cuMemAlloc", buffers[i].recv.Allocate(kCount * 4)) ||
        session.Failed(r, "cuMemcpyHtoD",
                       Call(api.memcpy_htod, buffers[i].send.get(),
                            static_cast<const void*>(mine.data()), kCount * 4))) {
      return false;
    }
  }
  return true;
}

// One grouped all-reduce (sum) over every rank. False (with r failed) on an NCCL error.
bool AllReduce(const gpu::NcclApi& nc, const std::vector<gpu::NcclComm>& comms,
               const std::vector<RankBuffers>& buffers, CheckResult& r) {
  nc.group_start();
  for (std::size_t i = 0; i < comms.size(); ++i) {
    if (auto rc = nc.all_reduce(reinterpret_cast<const void*>(buffers[i].send.get()),
                                reinterpret_cast<void*>(buffers[i].recv.get()), kCount,
                                gpu::kNcclFloat32, gpu::kNcclSum, comms[i].get(), nullptr);
        rc != gpu::kNcclSuccess) {
      nc.group_end();
      Fail(r, "ncclAllReduce failed: " + gpu::NcclResultText(nc, rc));
      return false;
    }
  }
  if (auto rc = nc.group_end(); rc != gpu::kNcclSuccess) {
    Fail(r, "ncclGroupEnd failed: " + gpu::NcclResultText(nc, rc));
    return false;
  }
  return true;
}

// Each rank's result against the exact sum. False (with r failed) on the first wrong rank.
bool CheckSums(Session& session, const std::vector<int>& gpus, const std::vector<GpuState*>& states,
               const std::vector<float>& v, const std::vector<RankBuffers>& buffers,
               CheckResult& r) {
  const cuda::Api& api = session.api();
  const int ranks = static_cast<int>(gpus.size());
  const float factor = static_cast<float>(ranks * (ranks + 1) / 2);
  std::vector<float> got(kCount);
  for (std::size_t i = 0; i < gpus.size(); ++i) {
    if (session.Failed(r, "cuCtxSetCurrent", Call(api.ctx_set_current, states[i]->context)) ||
        session.Failed(r, "cuCtxSynchronize", Call(api.ctx_synchronize)) ||
        session.Failed(r, "cuMemcpyDtoH",
                       Call(api.memcpy_dtoh, static_cast<void*>(got.data()), buffers[i].recv.get(),
                            kCount * 4))) {
      return false;
    }
    std::size_t wrong = 0;
    for (std::size_t j = 0; j < kCount; ++j) wrong += got[j] != v[j] * factor;
    if (wrong) {
      r.verdict = Verdict::kFail;
      r.summary =
          fmt::format("all-reduce on GPU {}: {} of {} values wrong", gpus[i], wrong, kCount);
      r.findings.push_back(WrongResultsFinding("nccl", gpus[i], r.summary));
      return false;
    }
  }
  return true;
}

}  // namespace

void CheckNccl(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  const NativePlan& plan = session.plan();
  if (plan.nccl_candidates.empty()) {
    r.summary = "no libnccl found (system loader, toolkits, pip wheels)";
    return;
  }
  const std::vector<GpuState*> states = session.UseAll(gpus, r);
  if (states.empty()) return;
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
  const std::vector<float> v = BaseValues();
  std::vector<RankBuffers> buffers;
  if (!Upload(session, states, v, buffers, r)) return;
  const auto start = Clock::now();
  if (!AllReduce(nc, comms, buffers, r)) return;
  if (!CheckSums(session, gpus, states, v, buffers, r)) return;
  r.evidence.push_back(
      fmt::format("all-reduce (sum) of {} floats across {} rank{} in {:.1f} ms: exact", kCount,
                  ranks, ranks == 1 ? "" : "s", Since(start) * 1000));
  r.verdict = Verdict::kPass;
  r.summary = fmt::format("communicator of {} GPU{} created, all-reduce correct", ranks,
                          ranks == 1 ? "" : "s");
}

}  // namespace dlenv::verify::native
