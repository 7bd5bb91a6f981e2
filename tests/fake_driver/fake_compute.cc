// The compute half of libdlenv_fake_driver.so: what `dlenv verify` calls beyond the
// inventory that fake_driver.cc serves (contexts, memory with NVML accounting, copies, the
// JIT, kernel launches). Linked into the same library; it reads the same scenario file
// (DLENV_FAKE_DRIVER_CONFIG) and honours the same "returns", "hang" and "crash" keys for
// its own entry points. Device memory is host memory: a CUdeviceptr is a malloc'd address,
// so kernels (and the fake cuBLAS, cuDNN and NCCL of fake_libraries.cc) run on the CPU.
//
// Scenario keys it adds (all optional):
//
//   "jit_error": {"status": 222, "log": "ptxas ..."}  cuModuleLoadDataEx fails with this log
//   "wrong_kernel_result": true      dlenv_saxpy gets one element wrong
//   "memory_errors": 3               dlenv_fill leaves 3 words with a flipped bit (bad memory)
//   "nvml_process_accounting": false NVML lists this process but its memory never grows
//   "wrong_copy": true               cuMemcpyDtoD, cuMemcpyPeer and dlenv_stream_copy drop the
//                                    last byte
//   "peer_access": false             no GPU can access another's memory (a GeForce card's P2P
//                                    policy, ACS on the bridge): cuDeviceCanAccessPeer says 0
//
// CUDA events hold the host's steady clock at record time: every call here is synchronous,
// so an event pair times what ran between them on the CPU.
//
// and per GPU "memory_total" / "memory_used" (as fake_driver.cc) bound cuMemAlloc.

#include <signal.h>
#include <unistd.h>

#include <chrono>
#include <cstdint>
#include <cstdio>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <map>
#include <mutex>
#include <nlohmann/json.hpp>
#include <string>

#include "fake_abi.h"

namespace {

using nlohmann::json;
// Status codes: fake_abi.h, checked against NVIDIA's headers.
using namespace fake_abi;

struct Allocation {
  int gpu;
  std::size_t bytes;
};

struct Compute {
  json config = json::object();
  int current_gpu = -1;  // the context current on the (only) thread that uses us
  std::map<std::uintptr_t, Allocation> device_memory;
  std::map<int, std::size_t> allocated;              // per GPU
  std::map<std::pair<int, int>, bool> peer_enabled;  // (current, peer)
};

Compute& State() {
  static Compute* s = [] {
    auto* c = new Compute;
    if (const char* path = std::getenv("DLENV_FAKE_DRIVER_CONFIG")) {
      std::ifstream in(path);
      c->config = json::parse(in, nullptr, false);
      if (!c->config.is_object()) c->config = json::object();
    }
    return c;
  }();
  return *s;
}

const json& Gpus() {
  static const json kEmpty = json::array();
  auto it = State().config.find("gpus");
  return it != State().config.end() && it->is_array() ? *it : kEmpty;
}

long long Forced(const char* name) {
  const json& c = State().config;
  if (auto h = c.find("hang"); h != c.end() && *h == name) {
    for (;;) pause();
  }
  if (auto k = c.find("crash"); k != c.end() && *k == name) raise(SIGSEGV);
  if (auto r = c.find("returns"); r != c.end() && r->is_object()) {
    if (auto v = r->find(name); v != r->end() && v->is_number_integer()) return v->get<long long>();
  }
  return -1;
}

#define ENTER(name)                                     \
  do {                                                  \
    long long forced_ = Forced(name);                   \
    if (forced_ >= 0) return static_cast<int>(forced_); \
  } while (0)

std::size_t GpuTotal(int gpu) { return Gpus()[gpu].value("memory_total", std::size_t{1} << 30); }
std::size_t GpuUsed(int gpu) { return Gpus()[gpu].value("memory_used", std::size_t{0}); }

int Current() {
  const int g = State().current_gpu;
  return g >= 0 && g < static_cast<int>(Gpus().size()) ? g : -1;
}

// Kernels from src/gpu/kernels/verify_kernels.ptx, run on the host with the parameter
// layouts the PTX declares.
// And from src/bench/gpu_bench.cc's PTX: dlenv_empty and dlenv_stream_copy.
enum class Kernel { kSaxpy, kFill, kCheck, kEmpty, kStreamCopy };

FAKE_ARITHMETIC std::uint32_t PatternWord(std::uint64_t i, std::uint32_t pattern,
                                          std::uint32_t walk) {
  return walk ? pattern ^ (1u << (i % 32)) : pattern;
}

FAKE_ARITHMETIC void RunKernel(Kernel k, void** params) {
  const json& c = State().config;
  switch (k) {
    case Kernel::kSaxpy: {
      auto* y = reinterpret_cast<float*>(*static_cast<std::uintptr_t*>(params[0]));
      auto* x = reinterpret_cast<const float*>(*static_cast<std::uintptr_t*>(params[1]));
      const float a = *static_cast<float*>(params[2]);
      const unsigned n = *static_cast<unsigned*>(params[3]);
      for (unsigned i = 0; i < n; ++i) y[i] = a * x[i] + y[i];
      if (c.value("wrong_kernel_result", false) && n > 12345) y[12345] += 1.0f;
      return;
    }
    case Kernel::kFill: {
      auto* buf = reinterpret_cast<std::uint32_t*>(*static_cast<std::uintptr_t*>(params[0]));
      const std::uint64_t n = *static_cast<std::uint64_t*>(params[1]);
      const std::uint32_t pattern = *static_cast<std::uint32_t*>(params[2]);
      const std::uint32_t walk = *static_cast<std::uint32_t*>(params[3]);
      for (std::uint64_t i = 0; i < n; ++i) buf[i] = PatternWord(i, pattern, walk);
      // A stuck bit in a few words: what a failing memory cell looks like.
      const std::uint64_t bad = c.value("memory_errors", 0u);
      for (std::uint64_t j = 0; j < bad && j < n; ++j) buf[(j * 7919 + 17) % n] ^= 0x10u;
      return;
    }
    case Kernel::kEmpty:
      return;
    case Kernel::kStreamCopy: {
      auto* src = reinterpret_cast<const unsigned char*>(*static_cast<std::uintptr_t*>(params[0]));
      auto* dst = reinterpret_cast<unsigned char*>(*static_cast<std::uintptr_t*>(params[1]));
      const std::uint64_t n4 = *static_cast<std::uint64_t*>(params[2]);
      std::memcpy(dst, src, n4 * 16 - (c.value("wrong_copy", false) ? 1 : 0));
      return;
    }
    case Kernel::kCheck: {
      auto* buf = reinterpret_cast<const std::uint32_t*>(*static_cast<std::uintptr_t*>(params[0]));
      const std::uint64_t n = *static_cast<std::uint64_t*>(params[1]);
      const std::uint32_t pattern = *static_cast<std::uint32_t*>(params[2]);
      const std::uint32_t walk = *static_cast<std::uint32_t*>(params[3]);
      auto* errors = reinterpret_cast<std::uint64_t*>(*static_cast<std::uintptr_t*>(params[4]));
      auto* first = reinterpret_cast<std::uint64_t*>(*static_cast<std::uintptr_t*>(params[5]));
      for (std::uint64_t i = 0; i < n; ++i) {
        if (buf[i] != PatternWord(i, pattern, walk)) {
          ++*errors;
          if (i < *first) *first = i;
        }
      }
      return;
    }
  }
}

struct Module {
  bool has_saxpy, has_fill, has_check, has_empty, has_stream_copy;
};

struct Event {
  std::chrono::steady_clock::time_point at;
  bool recorded = false;
};

struct ProcessInfo {
  unsigned pid;
  unsigned long long used;
  unsigned gpu_instance, compute_instance;
};

}  // namespace

extern "C" {

// Contexts are 1-based GPU indices cast to pointers.
int cuDevicePrimaryCtxRetain(void** ctx, int dev) {
  ENTER("cuDevicePrimaryCtxRetain");
  if (dev < 0 || dev >= static_cast<int>(Gpus().size())) return 101;  // INVALID_DEVICE
  *ctx = reinterpret_cast<void*>(static_cast<std::uintptr_t>(dev) + 1);
  return kCudaSuccess;
}
int cuDevicePrimaryCtxRelease_v2(int) {
  ENTER("cuDevicePrimaryCtxRelease_v2");
  return kCudaSuccess;
}

int cuCtxSetCurrent(void* ctx) {
  ENTER("cuCtxSetCurrent");
  State().current_gpu = static_cast<int>(reinterpret_cast<std::uintptr_t>(ctx)) - 1;
  return Current() >= 0 ? kCudaSuccess : kCudaInvalidContext;
}

int cuCtxSynchronize() {
  ENTER("cuCtxSynchronize");
  return Current() >= 0 ? kCudaSuccess : kCudaInvalidContext;
}

int cuMemGetInfo_v2(std::size_t* free, std::size_t* total) {
  ENTER("cuMemGetInfo_v2");
  const int g = Current();
  if (g < 0) return kCudaInvalidContext;
  *total = GpuTotal(g);
  *free = *total - GpuUsed(g) - State().allocated[g];
  return kCudaSuccess;
}

int cuMemAlloc_v2(std::uintptr_t* ptr, std::size_t bytes) {
  ENTER("cuMemAlloc_v2");
  const int g = Current();
  if (g < 0) return kCudaInvalidContext;
  if (bytes == 0) return kCudaInvalidValue;
  if (GpuUsed(g) + State().allocated[g] + bytes > GpuTotal(g)) return kCudaOutOfMemory;
  void* p = std::calloc(1, bytes);
  if (!p) return kCudaOutOfMemory;
  *ptr = reinterpret_cast<std::uintptr_t>(p);
  State().device_memory[*ptr] = {g, bytes};
  State().allocated[g] += bytes;
  return kCudaSuccess;
}

int cuMemFree_v2(std::uintptr_t ptr) {
  ENTER("cuMemFree_v2");
  auto it = State().device_memory.find(ptr);
  if (it == State().device_memory.end()) return kCudaInvalidValue;
  State().allocated[it->second.gpu] -= it->second.bytes;
  State().device_memory.erase(it);
  std::free(reinterpret_cast<void*>(ptr));
  return kCudaSuccess;
}

int cuMemAllocHost_v2(void** p, std::size_t bytes) {
  ENTER("cuMemAllocHost_v2");
  *p = std::malloc(bytes);
  return *p ? kCudaSuccess : kCudaOutOfMemory;
}
int cuMemFreeHost(void* p) {
  ENTER("cuMemFreeHost");
  std::free(p);
  return kCudaSuccess;
}

int cuMemcpyHtoD_v2(std::uintptr_t dst, const void* src, std::size_t n) {
  ENTER("cuMemcpyHtoD_v2");
  std::memcpy(reinterpret_cast<void*>(dst), src, n);
  return kCudaSuccess;
}
int cuMemcpyDtoH_v2(void* dst, std::uintptr_t src, std::size_t n) {
  ENTER("cuMemcpyDtoH_v2");
  std::memcpy(dst, reinterpret_cast<const void*>(src), n);
  return kCudaSuccess;
}

int cuMemcpyDtoD_v2(std::uintptr_t dst, std::uintptr_t src, std::size_t n) {
  ENTER("cuMemcpyDtoD_v2");
  if (Current() < 0) return kCudaInvalidContext;
  std::memcpy(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src),
              n - (State().config.value("wrong_copy", false) && n ? 1 : 0));
  return kCudaSuccess;
}

int cuDeviceCanAccessPeer(int* can, int dev, int peer) {
  ENTER("cuDeviceCanAccessPeer");
  const int n = static_cast<int>(Gpus().size());
  if (dev < 0 || dev >= n || peer < 0 || peer >= n) return 101;  // INVALID_DEVICE
  *can = dev != peer && State().config.value("peer_access", true) ? 1 : 0;
  return kCudaSuccess;
}

int cuCtxEnablePeerAccess(void* peer_ctx, unsigned flags) {
  ENTER("cuCtxEnablePeerAccess");
  const int g = Current();
  const int peer = static_cast<int>(reinterpret_cast<std::uintptr_t>(peer_ctx)) - 1;
  if (g < 0 || peer < 0 || peer >= static_cast<int>(Gpus().size())) return kCudaInvalidContext;
  if (flags != 0) return kCudaInvalidValue;
  if (peer == g || !State().config.value("peer_access", true))
    return 217;                                     // PEER_ACCESS_UNSUPPORTED
  if (State().peer_enabled[{g, peer}]) return 704;  // PEER_ACCESS_ALREADY_ENABLED
  State().peer_enabled[{g, peer}] = true;
  return kCudaSuccess;
}

int cuMemcpyPeer(std::uintptr_t dst, void* dst_ctx, std::uintptr_t src, void* src_ctx,
                 std::size_t n) {
  ENTER("cuMemcpyPeer");
  if (!dst_ctx || !src_ctx) return kCudaInvalidContext;
  std::memcpy(reinterpret_cast<void*>(dst), reinterpret_cast<const void*>(src),
              n - (State().config.value("wrong_copy", false) && n ? 1 : 0));
  return kCudaSuccess;
}

int cuMemsetD8_v2(std::uintptr_t dst, unsigned char value, std::size_t n) {
  ENTER("cuMemsetD8_v2");
  if (Current() < 0) return kCudaInvalidContext;
  std::memset(reinterpret_cast<void*>(dst), value, n);
  return kCudaSuccess;
}

int cuEventCreate(void** event, unsigned) {
  ENTER("cuEventCreate");
  if (Current() < 0) return kCudaInvalidContext;
  *event = new Event;
  return kCudaSuccess;
}
int cuEventDestroy_v2(void* event) {
  ENTER("cuEventDestroy_v2");
  delete static_cast<Event*>(event);
  return kCudaSuccess;
}
int cuEventRecord(void* event, void*) {
  ENTER("cuEventRecord");
  if (!event) return kCudaInvalidValue;
  *static_cast<Event*>(event) = {std::chrono::steady_clock::now(), true};
  return kCudaSuccess;
}
int cuEventSynchronize(void* event) {
  ENTER("cuEventSynchronize");
  return event ? kCudaSuccess : kCudaInvalidValue;
}
int cuEventElapsedTime_v2(float* ms, void* start, void* stop) {
  ENTER("cuEventElapsedTime_v2");
  const auto* a = static_cast<const Event*>(start);
  const auto* b = static_cast<const Event*>(stop);
  if (!a || !b || !ms) return kCudaInvalidValue;
  if (!a->recorded || !b->recorded) return 600;  // CUDA_ERROR_NOT_READY
  *ms = std::chrono::duration<float, std::milli>(b->at - a->at).count();
  return kCudaSuccess;
}

int cuModuleLoadDataEx(void** module, const void* image, unsigned n, int* options, void** values) {
  ENTER("cuModuleLoadDataEx");
  const json& c = State().config;
  const std::string ptx = image ? static_cast<const char*>(image) : "";
  if (auto e = c.find("jit_error"); e != c.end() && e->is_object()) {
    char* log = nullptr;
    std::size_t size = 0;
    for (unsigned i = 0; i < n; ++i) {
      if (options[i] == 5) log = static_cast<char*>(values[i]);                 // ERROR_LOG_BUFFER
      if (options[i] == 6) size = reinterpret_cast<std::uintptr_t>(values[i]);  // its size
    }
    if (log && size) std::snprintf(log, size, "%s", e->value("log", "").c_str());
    return e->value("status", 218);
  }
  if (ptx.find(".version ") == std::string::npos) return 218;  // CUDA_ERROR_INVALID_PTX
  *module = new Module{ptx.find(".entry dlenv_saxpy(") != std::string::npos,
                       ptx.find(".entry dlenv_fill(") != std::string::npos,
                       ptx.find(".entry dlenv_check(") != std::string::npos,
                       ptx.find(".entry dlenv_empty(") != std::string::npos,
                       ptx.find(".entry dlenv_stream_copy(") != std::string::npos};
  return kCudaSuccess;
}

int cuModuleUnload(void* module) {
  ENTER("cuModuleUnload");
  delete static_cast<Module*>(module);
  return kCudaSuccess;
}

// Function handles are 1 + the Kernel enum.
int cuModuleGetFunction(void** f, void* module, const char* name) {
  ENTER("cuModuleGetFunction");
  const auto* m = static_cast<const Module*>(module);
  if (!m) return kCudaInvalidValue;
  const std::string n = name;
  Kernel k;
  if (n == "dlenv_saxpy" && m->has_saxpy)
    k = Kernel::kSaxpy;
  else if (n == "dlenv_fill" && m->has_fill)
    k = Kernel::kFill;
  else if (n == "dlenv_check" && m->has_check)
    k = Kernel::kCheck;
  else if (n == "dlenv_empty" && m->has_empty)
    k = Kernel::kEmpty;
  else if (n == "dlenv_stream_copy" && m->has_stream_copy)
    k = Kernel::kStreamCopy;
  else
    return kCudaNotFound;
  *f = reinterpret_cast<void*>(static_cast<std::uintptr_t>(k) + 1);
  return kCudaSuccess;
}

int cuLaunchKernel(void* f, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned,
                   void*, void** params, void**) {
  ENTER("cuLaunchKernel");
  if (Current() < 0) return kCudaInvalidContext;
  const auto k = reinterpret_cast<std::uintptr_t>(f);
  if (k < 1 || k > 5 || (!params && k != static_cast<std::uintptr_t>(Kernel::kEmpty) + 1))
    return kCudaInvalidValue;
  RunKernel(static_cast<Kernel>(k - 1), params);
  return kCudaSuccess;
}

// NVML's view of this process: what cuMemAlloc handed out on that GPU, plus the context's
// own footprint, like the real accounting.
int nvmlDeviceGetComputeRunningProcesses_v3(void* device, unsigned* count, ProcessInfo* infos) {
  ENTER("nvmlDeviceGetComputeRunningProcesses_v3");
  const auto g = static_cast<int>(reinterpret_cast<std::uintptr_t>(device)) - 1;
  if (g < 0 || g >= static_cast<int>(Gpus().size()) || !count) return kNvmlInvalidArgument;
  const bool touched = State().current_gpu >= 0;
  if (!touched) {
    *count = 0;
    return kNvmlSuccess;
  }
  if (*count < 1) {
    *count = 1;
    return kNvmlInsufficientSize;
  }
  const bool accounting = State().config.value("nvml_process_accounting", true);
  infos[0] = {static_cast<unsigned>(getpid()),
              (512ull << 20) + (accounting ? State().allocated[g] : 0), 0, 0};
  *count = 1;
  return kNvmlSuccess;
}

}  // extern "C"
