#pragma once
// NVML (libnvidia-ml) reached through dlopen. dlenv never includes nvml.h: every type,
// constant and struct version the probe uses is declared here by hand, and
// src/gpu/nvidia_abi_test.cc checks them against NVIDIA's header where one is available.

#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpu/library_loader.h"
#include "util/dynamic_library.h"

namespace dlenv::gpu::nvml {

using Return = int;  // nvmlReturn_t
inline constexpr Return kSuccess = 0;
inline constexpr Return kErrorUninitialized = 1;
inline constexpr Return kErrorInvalidArgument = 2;
inline constexpr Return kErrorNotSupported = 3;
inline constexpr Return kErrorNoPermission = 4;
inline constexpr Return kErrorNotFound = 6;
inline constexpr Return kErrorInsufficientSize = 7;
inline constexpr Return kErrorDriverNotLoaded = 9;
inline constexpr Return kErrorFunctionNotFound = 13;
inline constexpr Return kErrorGpuIsLost = 15;
inline constexpr Return kErrorLibRmVersionMismatch = 18;
inline constexpr Return kErrorUnknown = 999;

struct DeviceSt;
using Device = DeviceSt*;  // nvmlDevice_t

using EnableState = int;                               // nvmlEnableState_t: 0 disabled, 1 enabled
inline constexpr int kMemoryErrorTypeUncorrected = 1;  // NVML_MEMORY_ERROR_TYPE_UNCORRECTED
inline constexpr int kVolatileEcc = 0;                 // NVML_VOLATILE_ECC
inline constexpr int kAggregateEcc = 1;                // NVML_AGGREGATE_ECC
inline constexpr int kPageRetirementMultipleSingleBit = 0;
inline constexpr int kPageRetirementDoubleBit = 1;
inline constexpr int kTemperatureGpu = 0;    // NVML_TEMPERATURE_GPU
inline constexpr int kClockSm = 1;           // NVML_CLOCK_SM
inline constexpr int kClockMem = 2;          // NVML_CLOCK_MEM
inline constexpr int kP2pCapsIndexRead = 0;  // NVML_P2P_CAPS_INDEX_READ
inline constexpr int kP2pStatusOk = 0;  // NVML_P2P_STATUS_OK; 1..6: why not (nvmlGpuP2PStatus_t)

inline constexpr unsigned kSystemDriverVersionBufferSize = 80;
inline constexpr unsigned kDeviceNameV2BufferSize = 96;
inline constexpr unsigned kDeviceUuidV2BufferSize = 96;
inline constexpr unsigned kDeviceSerialBufferSize = 30;

struct Memory {  // nvmlMemory_t
  unsigned long long total;
  unsigned long long free;
  unsigned long long used;
};

struct MemoryV2 {  // nvmlMemory_v2_t
  unsigned int version;
  unsigned long long total;
  unsigned long long reserved;
  unsigned long long free;
  unsigned long long used;
};

/// NVML_STRUCT_VERSION: the size in the low bits and the version in the top byte. Setting a
/// bare `2` here (as nvtop once did) makes nvmlDeviceGetMemoryInfo_v2 answer
/// NVML_ERROR_ARGUMENT_VERSION_MISMATCH.
constexpr unsigned StructVersion(std::size_t size, unsigned version) {
  return static_cast<unsigned>(size) | (version << 24);
}
inline constexpr unsigned kMemoryV2Version = StructVersion(sizeof(MemoryV2), 2);

struct PciInfo {  // nvmlPciInfo_t as nvmlDeviceGetPciInfo_v2/_v3 fill it
  char busIdLegacy[16];
  unsigned int domain;
  unsigned int bus;
  unsigned int device;
  unsigned int pciDeviceId;
  unsigned int pciSubSystemId;
  char busId[32];
};

/// nvmlProcessInfo_t as nvmlDeviceGetComputeRunningProcesses_v3 (and _v2, whose
/// nvmlProcessInfo_v2_t has the same layout) fill it; v1's struct lacks the last two fields.
struct ProcessInfo {
  unsigned int pid;
  unsigned long long usedGpuMemory;
  unsigned int gpuInstanceId;
  unsigned int computeInstanceId;
};

// X(field, SymbolKind, return type, parameter list, exported names newest first...).
// Only names that share one signature may share an entry: nvmlDeviceGetPciInfo (v1) fills
// an older struct layout, so it is deliberately not a fallback of _v3/_v2.
#define DLENV_NVML_SYMBOLS(X)                                                                      \
  X(init, kRequired, Return, (), "nvmlInit_v2", "nvmlInit")                                        \
  X(shutdown, kRequired, Return, (), "nvmlShutdown")                                               \
  X(error_string, kOptional, const char*, (Return), "nvmlErrorString")                             \
  X(system_get_driver_version, kOptional, Return, (char*, unsigned), "nvmlSystemGetDriverVersion") \
  X(system_get_cuda_driver_version, kOptional, Return, (int*),                                     \
    "nvmlSystemGetCudaDriverVersion_v2", "nvmlSystemGetCudaDriverVersion")                         \
  X(device_get_count, kOptional, Return, (unsigned*), "nvmlDeviceGetCount_v2",                     \
    "nvmlDeviceGetCount")                                                                          \
  X(device_get_handle_by_index, kOptional, Return, (unsigned, Device*),                            \
    "nvmlDeviceGetHandleByIndex_v2", "nvmlDeviceGetHandleByIndex")                                 \
  X(device_get_name, kOptional, Return, (Device, char*, unsigned), "nvmlDeviceGetName")            \
  X(device_get_uuid, kOptional, Return, (Device, char*, unsigned), "nvmlDeviceGetUUID")            \
  X(device_get_serial, kOptional, Return, (Device, char*, unsigned), "nvmlDeviceGetSerial")        \
  X(device_get_pci_info, kOptional, Return, (Device, PciInfo*), "nvmlDeviceGetPciInfo_v3",         \
    "nvmlDeviceGetPciInfo_v2")                                                                     \
  X(device_get_cuda_compute_capability, kOptional, Return, (Device, int*, int*),                   \
    "nvmlDeviceGetCudaComputeCapability")                                                          \
  X(device_get_memory_info_v2, kOptional, Return, (Device, MemoryV2*),                             \
    "nvmlDeviceGetMemoryInfo_v2")                                                                  \
  X(device_get_memory_info, kOptional, Return, (Device, Memory*), "nvmlDeviceGetMemoryInfo")       \
  X(device_get_persistence_mode, kOptional, Return, (Device, EnableState*),                        \
    "nvmlDeviceGetPersistenceMode")                                                                \
  X(device_get_mig_mode, kOptional, Return, (Device, unsigned*, unsigned*),                        \
    "nvmlDeviceGetMigMode")                                                                        \
  X(device_get_total_ecc_errors, kOptional, Return, (Device, int, int, unsigned long long*),       \
    "nvmlDeviceGetTotalEccErrors")                                                                 \
  X(device_get_retired_pages, kOptional, Return, (Device, int, unsigned*, unsigned long long*),    \
    "nvmlDeviceGetRetiredPages")                                                                   \
  X(device_get_retired_pages_pending_status, kOptional, Return, (Device, EnableState*),            \
    "nvmlDeviceGetRetiredPagesPendingStatus")                                                      \
  X(device_get_remapped_rows, kOptional, Return,                                                   \
    (Device, unsigned*, unsigned*, unsigned*, unsigned*), "nvmlDeviceGetRemappedRows")             \
  X(device_get_curr_pcie_link_generation, kOptional, Return, (Device, unsigned*),                  \
    "nvmlDeviceGetCurrPcieLinkGeneration")                                                         \
  X(device_get_max_pcie_link_generation, kOptional, Return, (Device, unsigned*),                   \
    "nvmlDeviceGetMaxPcieLinkGeneration")                                                          \
  X(device_get_curr_pcie_link_width, kOptional, Return, (Device, unsigned*),                       \
    "nvmlDeviceGetCurrPcieLinkWidth")                                                              \
  X(device_get_max_pcie_link_width, kOptional, Return, (Device, unsigned*),                        \
    "nvmlDeviceGetMaxPcieLinkWidth")                                                               \
  X(device_get_temperature, kOptional, Return, (Device, int, unsigned*),                           \
    "nvmlDeviceGetTemperature")                                                                    \
  X(device_get_enforced_power_limit, kOptional, Return, (Device, unsigned*),                       \
    "nvmlDeviceGetEnforcedPowerLimit")                                                             \
  X(device_get_power_usage, kOptional, Return, (Device, unsigned*), "nvmlDeviceGetPowerUsage")     \
  X(device_get_clock_info, kOptional, Return, (Device, int, unsigned*), "nvmlDeviceGetClockInfo")  \
  X(device_get_max_clock_info, kOptional, Return, (Device, int, unsigned*),                        \
    "nvmlDeviceGetMaxClockInfo")                                                                   \
  X(device_get_current_clocks_event_reasons, kOptional, Return, (Device, unsigned long long*),     \
    "nvmlDeviceGetCurrentClocksEventReasons", "nvmlDeviceGetCurrentClocksThrottleReasons")         \
  /* For the multi-GPU link rules: can GPU a read GPU b's memory directly. */                      \
  X(device_get_p2p_status, kOptional, Return, (Device, Device, int, int*),                         \
    "nvmlDeviceGetP2PStatus")                                                                      \
  /* For `dlenv verify`: this process's memory on a GPU. */                                        \
  X(device_get_compute_running_processes, kOptional, Return, (Device, unsigned*, ProcessInfo*),    \
    "nvmlDeviceGetComputeRunningProcesses_v3", "nvmlDeviceGetComputeRunningProcesses_v2")

/// One function pointer per symbol; a missing optional symbol stays nullptr.
struct Api {
#define DLENV_NVML_FIELD(field, need, ret, params, ...) ret(*field) params = nullptr;
  DLENV_NVML_SYMBOLS(DLENV_NVML_FIELD)
#undef DLENV_NVML_FIELD
};

/// The library names tried, in order: DLENV_NVML_LIBRARY when set (an override users and
/// the tests use), then the versioned soname, then the development link.
std::vector<std::string> LibraryNames(const std::optional<std::string>& override_path);

/// A loaded libnvidia-ml with its symbol table. `error` says why nothing usable loaded.
using Library = LoadedLibrary<Api>;

Library Load(const std::vector<std::string>& names);

/// nvmlErrorString when the library has it, else "NVML error N".
std::string ErrorString(const Api& api, Return r);

}  // namespace dlenv::gpu::nvml
