#pragma once
// The CUDA driver API (libcuda) reached through dlopen. dlenv never includes cuda.h: the
// types, constants and signatures below are declared by hand and checked against the
// toolkit's header by src/gpu/nvidia_abi_test.cc wherever /usr/local/cuda/include exists.
//
// The table already lists, as optional symbols, the calls a GPU self-test needs (contexts,
// memory, copies, modules, launches, events, streams), so `dlenv verify` can use them
// without another loader.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpu/library_loader.h"
#include "util/dynamic_library.h"

namespace dlenv::gpu::cuda {

using Result = int;                                 // CUresult
inline constexpr Result kSuccess = 0;               // CUDA_SUCCESS
inline constexpr Result kErrorInvalidValue = 1;     // CUDA_ERROR_INVALID_VALUE
inline constexpr Result kErrorNotInitialized = 3;   // CUDA_ERROR_NOT_INITIALIZED
inline constexpr Result kErrorNoDevice = 100;       // CUDA_ERROR_NO_DEVICE
inline constexpr Result kErrorInvalidDevice = 101;  // CUDA_ERROR_INVALID_DEVICE
inline constexpr Result kErrorStubLibrary = 34;     // CUDA_ERROR_STUB_LIBRARY
inline constexpr Result kErrorCompatNotSupportedOnDevice = 804;
inline constexpr Result kErrorSystemDriverMismatch = 803;

using Device = int;                    // CUdevice
using DevicePtr = unsigned long long;  // CUdeviceptr on 64-bit hosts
struct CtxSt;
using Context = CtxSt*;
struct ModSt;
using Module = ModSt*;
struct FuncSt;
using Function = FuncSt*;
struct StreamSt;
using Stream = StreamSt*;
struct EventSt;
using Event = EventSt*;
using JitOption = int;  // CUjit_option
struct Uuid {           // CUuuid
  char bytes[16];
};

using DeviceAttribute = int;  // CUdevice_attribute
inline constexpr DeviceAttribute kAttrMultiprocessorCount = 16;
inline constexpr DeviceAttribute kAttrPciBusId = 33;
inline constexpr DeviceAttribute kAttrPciDeviceId = 34;
inline constexpr DeviceAttribute kAttrPciDomainId = 50;
inline constexpr DeviceAttribute kAttrComputeCapabilityMajor = 75;
inline constexpr DeviceAttribute kAttrComputeCapabilityMinor = 76;

// X(field, SymbolKind, return type, parameter list, exported names newest first...).
// Where an unversioned name has another ABI (cuDeviceTotalMem and cuMemAlloc take 32-bit
// sizes, cuCtxCreate in CUDA 13 is the _v4 call with a params struct), only the versioned
// name is listed: falling back to the old symbol would pass the wrong types.
#define DLENV_CUDA_SYMBOLS(X)                                                                     \
  X(init, kRequired, Result, (unsigned), "cuInit")                                                \
  X(driver_get_version, kRequired, Result, (int*), "cuDriverGetVersion")                          \
  X(get_error_name, kOptional, Result, (Result, const char**), "cuGetErrorName")                  \
  X(get_error_string, kOptional, Result, (Result, const char**), "cuGetErrorString")              \
  X(device_get_count, kOptional, Result, (int*), "cuDeviceGetCount")                              \
  X(device_get, kOptional, Result, (Device*, int), "cuDeviceGet")                                 \
  X(device_get_name, kOptional, Result, (char*, int, Device), "cuDeviceGetName")                  \
  X(device_get_uuid, kOptional, Result, (Uuid*, Device), "cuDeviceGetUuid_v2", "cuDeviceGetUuid") \
  X(device_get_pci_bus_id, kOptional, Result, (char*, int, Device), "cuDeviceGetPCIBusId")        \
  X(device_get_attribute, kOptional, Result, (int*, DeviceAttribute, Device),                     \
    "cuDeviceGetAttribute")                                                                       \
  X(device_total_mem, kOptional, Result, (std::size_t*, Device), "cuDeviceTotalMem_v2")           \
  /* For `dlenv verify`. */                                                                       \
  X(device_primary_ctx_retain, kOptional, Result, (Context*, Device), "cuDevicePrimaryCtxRetain") \
  X(device_primary_ctx_release, kOptional, Result, (Device), "cuDevicePrimaryCtxRelease_v2")      \
  X(ctx_create, kOptional, Result, (Context*, unsigned, Device), "cuCtxCreate_v2")                \
  X(ctx_destroy, kOptional, Result, (Context), "cuCtxDestroy_v2")                                 \
  X(ctx_set_current, kOptional, Result, (Context), "cuCtxSetCurrent")                             \
  X(ctx_synchronize, kOptional, Result, (), "cuCtxSynchronize")                                   \
  X(mem_get_info, kOptional, Result, (std::size_t*, std::size_t*), "cuMemGetInfo_v2")             \
  X(mem_alloc, kOptional, Result, (DevicePtr*, std::size_t), "cuMemAlloc_v2")                     \
  X(mem_free, kOptional, Result, (DevicePtr), "cuMemFree_v2")                                     \
  X(memcpy_htod, kOptional, Result, (DevicePtr, const void*, std::size_t), "cuMemcpyHtoD_v2")     \
  X(memcpy_dtoh, kOptional, Result, (void*, DevicePtr, std::size_t), "cuMemcpyDtoH_v2")           \
  X(memcpy_dtod, kOptional, Result, (DevicePtr, DevicePtr, std::size_t), "cuMemcpyDtoD_v2")       \
  X(device_can_access_peer, kOptional, Result, (int*, Device, Device), "cuDeviceCanAccessPeer")   \
  X(ctx_enable_peer_access, kOptional, Result, (Context, unsigned), "cuCtxEnablePeerAccess")      \
  X(memcpy_peer, kOptional, Result, (DevicePtr, Context, DevicePtr, Context, std::size_t),        \
    "cuMemcpyPeer")                                                                               \
  X(memset_d8, kOptional, Result, (DevicePtr, unsigned char, std::size_t), "cuMemsetD8_v2")       \
  X(module_load_data_ex, kOptional, Result, (Module*, const void*, unsigned, JitOption*, void**), \
    "cuModuleLoadDataEx")                                                                         \
  X(module_get_function, kOptional, Result, (Function*, Module, const char*),                     \
    "cuModuleGetFunction")                                                                        \
  X(module_unload, kOptional, Result, (Module), "cuModuleUnload")                                 \
  X(launch_kernel, kOptional, Result,                                                             \
    (Function, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, unsigned, Stream,      \
     void**, void**),                                                                             \
    "cuLaunchKernel")                                                                             \
  X(stream_create, kOptional, Result, (Stream*, unsigned), "cuStreamCreate")                      \
  X(stream_destroy, kOptional, Result, (Stream), "cuStreamDestroy_v2")                            \
  X(stream_synchronize, kOptional, Result, (Stream), "cuStreamSynchronize")                       \
  X(event_create, kOptional, Result, (Event*, unsigned), "cuEventCreate")                         \
  X(event_record, kOptional, Result, (Event, Stream), "cuEventRecord")                            \
  X(event_synchronize, kOptional, Result, (Event), "cuEventSynchronize")                          \
  X(event_elapsed_time, kOptional, Result, (float*, Event, Event), "cuEventElapsedTime_v2",       \
    "cuEventElapsedTime")                                                                         \
  X(event_destroy, kOptional, Result, (Event), "cuEventDestroy_v2")                               \
  X(mem_alloc_host, kOptional, Result, (void**, std::size_t), "cuMemAllocHost_v2")                \
  X(mem_free_host, kOptional, Result, (void*), "cuMemFreeHost")

struct Api {
#define DLENV_CUDA_FIELD(field, need, ret, params, ...) ret(*field) params = nullptr;
  DLENV_CUDA_SYMBOLS(DLENV_CUDA_FIELD)
#undef DLENV_CUDA_FIELD
};

/// DLENV_CUDA_LIBRARY when set, then libcuda.so.1, then libcuda.so.
std::vector<std::string> LibraryNames(const std::optional<std::string>& override_path);

using Library = LoadedLibrary<Api>;

Library Load(const std::vector<std::string>& names);

/// "CUDA_ERROR_STUB_LIBRARY" from cuGetErrorName when available, else "CUresult N".
std::string ErrorName(const Api& api, Result r);

}  // namespace dlenv::gpu::cuda
