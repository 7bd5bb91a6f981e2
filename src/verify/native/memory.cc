// The memory check: an allocation of a fraction of free memory must show up in NVML's
// accounting ("watch the memory grow"), and hold every pattern written to it.

#include <fmt/format.h>

#include <algorithm>
#include <cstdint>
#include <vector>

#include "verify/findings.h"
#include "verify/native/checks.h"

namespace dlenv::verify::native {
namespace {

// Byte patterns 0x00, 0xFF, 0xAA, 0x55 and walking ones.
struct Pattern {
  std::uint32_t word;
  std::uint32_t walk;
  const char* name;
};
constexpr Pattern kPatterns[] = {{0x00000000u, 0, "0x00"},
                                 {0xffffffffu, 0, "0xFF"},
                                 {0xaaaaaaaau, 0, "0xAA"},
                                 {0x55555555u, 0, "0x55"},
                                 {0x00000000u, 1, "walking ones"}};

// At least 16 MiB so the growth stands out of NVML's 2 MiB granularity; never so much that
// the driver's own reserve is touched.
std::size_t BytesToTest(std::size_t free, double fraction) {
  std::size_t bytes = static_cast<std::size_t>(static_cast<double>(free) * fraction);
  bytes = std::max<std::size_t>(bytes, 16 * kMiB);
  bytes = std::min<std::size_t>(bytes, free > 64 * kMiB ? free - 64 * kMiB : free / 2);
  bytes &= ~(2 * kMiB - 1);
  return bytes;
}

// "Watch the memory grow": whether NVML saw at least 90% of `bytes` appear, with evidence.
bool Accounted(const Session& session, const GpuState& g, std::size_t bytes,
               std::optional<unsigned long long> before_process,
               std::optional<unsigned long long> before_device, CheckResult& r) {
  const double want = 0.9 * static_cast<double>(bytes);
  if (auto after = session.ProcessMemory(g); after && before_process) {
    const double grew = static_cast<double>(*after) - static_cast<double>(*before_process);
    r.evidence.push_back(fmt::format(
        "NVML: this process's memory on the GPU grew by {} (from {} to {})", Bytes(grew),
        Bytes(static_cast<double>(*before_process)), Bytes(static_cast<double>(*after))));
    return grew >= want;
  }
  if (auto used = session.DeviceUsedMemory(g); used && before_device) {
    const double grew = static_cast<double>(*used) - static_cast<double>(*before_device);
    r.evidence.push_back(fmt::format(
        "NVML: device memory in use grew by {} (per-process accounting unavailable)", Bytes(grew)));
    return grew >= want;
  }
  r.evidence.push_back("NVML cannot report memory use here; growth not confirmed");
  return true;
}

// Fills the buffer with one pattern and checks it on the GPU (the count of wrong words and
// the first one's offset land in `counters`), and a slice on the host as a second opinion.
// The wrong words, or nothing when a call failed (r says which).
std::optional<std::uint64_t> TestPattern(Session& session, GpuState& g,
                                         const cuda::DeviceMemory& buffer,
                                         const cuda::DeviceMemory& counters, const Pattern& p,
                                         CheckResult& r) {
  const cuda::Api& api = session.api();
  cuda::DevicePtr buffer_ptr = buffer.get();
  std::uint64_t words = buffer.size() / 4;
  const unsigned blocks = 1024;
  std::vector<std::uint32_t> slice(std::min<std::uint64_t>(words, 4096));
  std::uint64_t host_counters[2] = {0, ~std::uint64_t{0}};
  if (session.Failed(r, "cuMemcpyHtoD",
                     Call(api.memcpy_htod, counters.get(), static_cast<const void*>(host_counters),
                          sizeof host_counters))) {
    return std::nullopt;
  }
  cuda::DevicePtr errors_ptr = counters.get(), first_ptr = counters.get() + 8;
  std::uint32_t word = p.word, walk = p.walk;
  void* fill_params[] = {&buffer_ptr, &words, &word, &walk};
  if (session.Failed(r, fmt::format("dlenv_fill ({})", p.name),
                     session.Launch(g, "dlenv_fill", blocks, fill_params))) {
    return std::nullopt;
  }
  void* check_params[] = {&buffer_ptr, &words, &word, &walk, &errors_ptr, &first_ptr};
  if (session.Failed(r, fmt::format("dlenv_check ({})", p.name),
                     session.Launch(g, "dlenv_check", blocks, check_params))) {
    return std::nullopt;
  }
  if (session.Failed(r, "cuMemcpyDtoH",
                     Call(api.memcpy_dtoh, static_cast<void*>(host_counters), counters.get(),
                          sizeof host_counters))) {
    return std::nullopt;
  }
  if (session.Failed(r, "cuMemcpyDtoH",
                     Call(api.memcpy_dtoh, static_cast<void*>(slice.data()), buffer.get(),
                          slice.size() * 4))) {
    return std::nullopt;
  }
  std::uint64_t host_errors = 0;
  for (std::size_t i = 0; i < slice.size(); ++i) {
    const std::uint32_t expected = p.walk ? (p.word ^ (1u << (i % 32))) : p.word;
    if (slice[i] != expected) ++host_errors;
  }
  if (host_counters[0] || host_errors) {
    r.evidence.push_back(
        fmt::format("pattern {}: {} wrong words (first at byte offset {}), {} in the "
                    "first {} words read back on the host",
                    p.name, host_counters[0], host_counters[0] ? host_counters[1] * 4 : 0,
                    host_errors, slice.size()));
  }
  return host_counters[0] + host_errors;
}

}  // namespace

void CheckMemory(Session& session, const std::vector<int>& gpus, CheckResult& r) {
  const int gpu = gpus.at(0);
  GpuState* g = session.Use(gpu, r);
  if (!g) return;
  const cuda::Api& api = session.api();
  std::size_t free = 0, total = 0;
  if (session.Failed(r, "cuMemGetInfo", Call(api.mem_get_info, &free, &total))) return;
  const std::size_t bytes = BytesToTest(free, session.plan().memory_fraction);
  r.evidence.push_back(fmt::format("{} free of {}; testing {} ({:.1f}%)", Bytes(free), Bytes(total),
                                   Bytes(bytes), 100.0 * bytes / std::max<std::size_t>(free, 1)));
  const auto before_process = session.ProcessMemory(*g);
  const auto before_device = session.DeviceUsedMemory(*g);
  cuda::DeviceMemory buffer(api);
  if (session.Failed(r, fmt::format("cuMemAlloc of {}", Bytes(bytes)), buffer.Allocate(bytes))) {
    return;
  }
  const bool accounted = Accounted(session, *g, bytes, before_process, before_device, r);

  // The patterns are written and checked by kernels over the whole buffer, with a slice
  // read back on the host as a second opinion on the check kernel itself.
  if (!session.LoadModule(*g)) {
    Fail(r, "the pattern kernels did not load: " + session.Name(g->module_status));
    return;
  }
  cuda::DeviceMemory counters(api);
  if (session.Failed(r, "cuMemAlloc (counters)", counters.Allocate(16))) return;
  std::uint64_t total_errors = 0;
  for (const auto& p : kPatterns) {
    auto errors = TestPattern(session, *g, buffer, counters, p, r);
    if (!errors) return;
    total_errors += *errors;
  }
  if (total_errors) {
    r.verdict = Verdict::kFail;
    r.summary = fmt::format("{} memory errors in {}", total_errors, Bytes(bytes));
    r.findings.push_back(WrongResultsFinding("memory", gpu, r.summary));
    return;
  }
  r.evidence.push_back(
      fmt::format("patterns 0x00, 0xFF, 0xAA, 0x55, walking ones: no errors in {}", Bytes(bytes)));
  if (!accounted) {
    Fail(r, fmt::format("allocated {} but NVML did not see this process's memory grow by it",
                        Bytes(bytes)));
    return;
  }
  r.verdict = Verdict::kPass;
  r.summary = fmt::format("{} allocated, accounted and pattern-tested", Bytes(bytes));
}

}  // namespace dlenv::verify::native
