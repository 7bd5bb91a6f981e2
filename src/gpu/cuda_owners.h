#pragma once
// Owners for what the CUDA driver API hands out: device and pinned host memory, the primary
// context, events, streams and modules. Each releases through the dlopened table
// (cuda_driver.h) that made it, once, when it goes out of scope; each is move-only.
// `dlenv verify` and `dlenv bench` hold every resource in one of these, so an early return
// on a failed call leaks nothing.

#include <cstddef>

#include "gpu/cuda_driver.h"
#include "gpu/owned.h"

namespace dlenv::gpu::cuda {

/// What an owner's call returns when the driver does not export the entry point it needs
/// (an optional symbol of an old driver): an error to report, not a crash.
inline constexpr Result kMissingEntryPoint = -1;

using OwnedEvent = Owned<Api, Event, &Api::event_destroy>;
using OwnedStream = Owned<Api, Stream, &Api::stream_destroy>;
using OwnedModule = Owned<Api, Module, &Api::module_unload>;

/// cuMemAlloc'd device memory, freed with cuMemFree.
class DeviceMemory {
 public:
  DeviceMemory() = default;
  /// With `context`, that context is made current before the free: memory of one of
  /// several contexts (NCCL's ranks) is freed in its own.
  explicit DeviceMemory(const Api& api, Context context = nullptr)
      : api_(&api), context_(context) {}
  DeviceMemory(DeviceMemory&& other) noexcept;
  DeviceMemory& operator=(DeviceMemory&& other) noexcept;
  DeviceMemory(const DeviceMemory&) = delete;
  DeviceMemory& operator=(const DeviceMemory&) = delete;
  ~DeviceMemory() { Reset(); }

  /// Frees what it held, then allocates `bytes` in the current context; holds the memory
  /// only when the driver answers success.
  Result Allocate(std::size_t bytes);
  void Reset();

  DevicePtr get() const { return ptr_; }
  std::size_t size() const { return bytes_; }
  explicit operator bool() const { return ptr_ != 0; }

 private:
  const Api* api_ = nullptr;
  Context context_ = nullptr;
  DevicePtr ptr_ = 0;
  std::size_t bytes_ = 0;
};

/// Page-locked host memory from cuMemAllocHost, freed with cuMemFreeHost.
class PinnedMemory {
 public:
  PinnedMemory() = default;
  explicit PinnedMemory(const Api& api) : memory_(api), api_(&api) {}

  /// Frees what it held, then allocates `bytes`; holds the memory only on success.
  Result Allocate(std::size_t bytes);
  void Reset() { memory_.Reset(); }

  void* get() const { return memory_.get(); }
  unsigned char* bytes() const { return static_cast<unsigned char*>(memory_.get()); }
  explicit operator bool() const { return static_cast<bool>(memory_); }

 private:
  Owned<Api, void*, &Api::mem_free_host> memory_;
  const Api* api_ = nullptr;
};

/// A device's primary context, retained and released (cuDevicePrimaryCtxRetain/Release):
/// the context the CUDA runtime, and so cuBLAS and every framework, uses.
class PrimaryContext {
 public:
  PrimaryContext() = default;
  explicit PrimaryContext(const Api& api) : api_(&api) {}
  PrimaryContext(PrimaryContext&& other) noexcept;
  PrimaryContext& operator=(PrimaryContext&& other) noexcept;
  PrimaryContext(const PrimaryContext&) = delete;
  PrimaryContext& operator=(const PrimaryContext&) = delete;
  ~PrimaryContext() { Reset(); }

  /// Releases what it held, then retains `device`'s primary context; holds it only on success.
  Result Retain(Device device);
  void Reset();

  Context get() const { return context_; }
  explicit operator bool() const { return context_ != nullptr; }

 private:
  const Api* api_ = nullptr;
  Device device_ = 0;
  Context context_ = nullptr;
};

}  // namespace dlenv::gpu::cuda
