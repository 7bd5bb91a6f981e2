// Checks dlenv's hand-written NVML and CUDA driver declarations, and the fake driver's own
// (tests/fake_driver/fake_abi.h), against NVIDIA's headers. The one file in dlenv that
// includes cuda.h, nvml.h and cuBLAS's headers; it is not part of the build: the test
// src/gpu/nvidia_abi_test.cc compiles and runs it against the headers of NVIDIA's PyPI wheels
// (testing::NvidiaFiles), so a machine without a CUDA toolkit checks it too.

#include <cublasLt.h>
#include <cublas_api.h>
#include <cuda.h>
#include <cudnn.h>
#include <gtest/gtest.h>
#include <nccl.h>
#include <nvml.h>

#include <array>
#include <cstddef>
#include <string>
#include <type_traits>
#include <vector>

#include "fake_abi.h"
#include "gpu/cuda_driver.h"
#include "gpu/nvml.h"

namespace dlenv::gpu {
namespace {

// A function type's "shape": per position (return first), the size of a value parameter, or
// for a pointer the size of what it points to (0 for void and incomplete handle structs).
// Enums and our int aliases compare equal by design; a 32-bit size where the header has
// size_t, a wrong pointee struct, or a missing parameter do not.
template <typename T>
constexpr long SizeOrZero() {
  if constexpr (std::is_void_v<T> || std::is_function_v<T>)
    return 0;
  else if constexpr (requires { sizeof(T); })
    return static_cast<long>(sizeof(T));
  else
    return 0;
}

template <typename T>
constexpr long Shape() {
  if constexpr (std::is_pointer_v<T>) {
    using P = std::remove_cv_t<std::remove_pointer_t<T>>;
    return 1000 + SizeOrZero<P>();
  } else {
    return SizeOrZero<T>();
  }
}

template <typename F>
struct Signature;
template <typename R, typename... A>
struct Signature<R (*)(A...)> {
  static std::vector<long> Get() { return {Shape<R>(), Shape<A>()...}; }
};

template <typename Ours, typename Theirs>
void ExpectSameShape(const char* name) {
  EXPECT_EQ(Signature<Ours>::Get(), Signature<Theirs>::Get())
      << name << ": dlenv's declaration differs from NVIDIA's header";
}

#define DLENV_EXPECT_SIGNATURE(api, field, symbol) \
  ExpectSameShape<decltype(api::field), decltype(&::symbol)>(#symbol)

TEST(NvidiaAbi, CudaDriverHeader) {
  EXPECT_EQ(CUDA_VERSION / 1000 >= 11, true);
  EXPECT_EQ(cuda::kSuccess, CUDA_SUCCESS);
  EXPECT_EQ(cuda::kErrorInvalidValue, CUDA_ERROR_INVALID_VALUE);
  EXPECT_EQ(cuda::kErrorNotInitialized, CUDA_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(cuda::kErrorStubLibrary, CUDA_ERROR_STUB_LIBRARY);
  EXPECT_EQ(cuda::kErrorNoDevice, CUDA_ERROR_NO_DEVICE);
  EXPECT_EQ(cuda::kErrorInvalidDevice, CUDA_ERROR_INVALID_DEVICE);
  EXPECT_EQ(cuda::kErrorSystemDriverMismatch, CUDA_ERROR_SYSTEM_DRIVER_MISMATCH);
  EXPECT_EQ(cuda::kErrorCompatNotSupportedOnDevice, CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE);
  EXPECT_EQ(cuda::kAttrMultiprocessorCount, CU_DEVICE_ATTRIBUTE_MULTIPROCESSOR_COUNT);
  EXPECT_EQ(cuda::kAttrPciBusId, CU_DEVICE_ATTRIBUTE_PCI_BUS_ID);
  EXPECT_EQ(cuda::kAttrPciDeviceId, CU_DEVICE_ATTRIBUTE_PCI_DEVICE_ID);
  EXPECT_EQ(cuda::kAttrPciDomainId, CU_DEVICE_ATTRIBUTE_PCI_DOMAIN_ID);
  EXPECT_EQ(cuda::kAttrComputeCapabilityMajor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MAJOR);
  EXPECT_EQ(cuda::kAttrComputeCapabilityMinor, CU_DEVICE_ATTRIBUTE_COMPUTE_CAPABILITY_MINOR);
  EXPECT_EQ(sizeof(cuda::Result), sizeof(CUresult));
  EXPECT_EQ(sizeof(cuda::Device), sizeof(CUdevice));
  EXPECT_EQ(sizeof(cuda::DevicePtr), sizeof(CUdeviceptr));
  EXPECT_EQ(sizeof(cuda::Uuid), sizeof(CUuuid));
  EXPECT_EQ(sizeof(cuda::JitOption), sizeof(CUjit_option));

  // The header maps each API name to the symbol dlenv resolves (cuDeviceTotalMem ->
  // cuDeviceTotalMem_v2, ...): checking the exported name checks the ABI dlenv calls.
  using Api = cuda::Api;
  DLENV_EXPECT_SIGNATURE(Api, init, cuInit);
  DLENV_EXPECT_SIGNATURE(Api, driver_get_version, cuDriverGetVersion);
  DLENV_EXPECT_SIGNATURE(Api, get_error_name, cuGetErrorName);
  DLENV_EXPECT_SIGNATURE(Api, get_error_string, cuGetErrorString);
  DLENV_EXPECT_SIGNATURE(Api, device_get_count, cuDeviceGetCount);
  DLENV_EXPECT_SIGNATURE(Api, device_get, cuDeviceGet);
  DLENV_EXPECT_SIGNATURE(Api, device_get_name, cuDeviceGetName);
  DLENV_EXPECT_SIGNATURE(Api, device_get_uuid, cuDeviceGetUuid_v2);
  DLENV_EXPECT_SIGNATURE(Api, device_get_pci_bus_id, cuDeviceGetPCIBusId);
  DLENV_EXPECT_SIGNATURE(Api, device_get_attribute, cuDeviceGetAttribute);
  DLENV_EXPECT_SIGNATURE(Api, device_total_mem, cuDeviceTotalMem_v2);
  DLENV_EXPECT_SIGNATURE(Api, device_primary_ctx_retain, cuDevicePrimaryCtxRetain);
  DLENV_EXPECT_SIGNATURE(Api, device_primary_ctx_release, cuDevicePrimaryCtxRelease_v2);
  DLENV_EXPECT_SIGNATURE(Api, ctx_destroy, cuCtxDestroy_v2);
  DLENV_EXPECT_SIGNATURE(Api, ctx_set_current, cuCtxSetCurrent);
  DLENV_EXPECT_SIGNATURE(Api, ctx_synchronize, cuCtxSynchronize);
  DLENV_EXPECT_SIGNATURE(Api, mem_get_info, cuMemGetInfo_v2);
  DLENV_EXPECT_SIGNATURE(Api, mem_alloc, cuMemAlloc_v2);
  DLENV_EXPECT_SIGNATURE(Api, mem_free, cuMemFree_v2);
  DLENV_EXPECT_SIGNATURE(Api, memcpy_htod, cuMemcpyHtoD_v2);
  DLENV_EXPECT_SIGNATURE(Api, memcpy_dtoh, cuMemcpyDtoH_v2);
  DLENV_EXPECT_SIGNATURE(Api, memcpy_dtod, cuMemcpyDtoD_v2);
  DLENV_EXPECT_SIGNATURE(Api, device_can_access_peer, cuDeviceCanAccessPeer);
  DLENV_EXPECT_SIGNATURE(Api, ctx_enable_peer_access, cuCtxEnablePeerAccess);
  DLENV_EXPECT_SIGNATURE(Api, memcpy_peer, cuMemcpyPeer);
  DLENV_EXPECT_SIGNATURE(Api, memset_d8, cuMemsetD8_v2);
  DLENV_EXPECT_SIGNATURE(Api, module_load_data_ex, cuModuleLoadDataEx);
  DLENV_EXPECT_SIGNATURE(Api, module_get_function, cuModuleGetFunction);
  DLENV_EXPECT_SIGNATURE(Api, module_unload, cuModuleUnload);
  DLENV_EXPECT_SIGNATURE(Api, launch_kernel, cuLaunchKernel);
  DLENV_EXPECT_SIGNATURE(Api, stream_create, cuStreamCreate);
  DLENV_EXPECT_SIGNATURE(Api, stream_destroy, cuStreamDestroy_v2);
  DLENV_EXPECT_SIGNATURE(Api, stream_synchronize, cuStreamSynchronize);
  DLENV_EXPECT_SIGNATURE(Api, event_create, cuEventCreate);
  DLENV_EXPECT_SIGNATURE(Api, event_record, cuEventRecord);
  DLENV_EXPECT_SIGNATURE(Api, event_synchronize, cuEventSynchronize);
  DLENV_EXPECT_SIGNATURE(Api, event_destroy, cuEventDestroy_v2);
#if CUDA_VERSION >= 12080
  DLENV_EXPECT_SIGNATURE(Api, event_elapsed_time, cuEventElapsedTime_v2);
#endif
  // cuCtxCreate_v2 is declared only for NVIDIA's internal build from CUDA 13 on (the public
  // name means cuCtxCreate_v4 there); its v2 signature is the one cuda.h 12.x declares:
  // (CUcontext*, unsigned int, CUdevice).
  ExpectSameShape<decltype(Api::ctx_create), CUresult (*)(CUcontext*, unsigned int, CUdevice)>(
      "cuCtxCreate_v2");
}

TEST(NvidiaAbi, NvmlHeader) {
  EXPECT_EQ(nvml::kSuccess, NVML_SUCCESS);
  EXPECT_EQ(nvml::kErrorUninitialized, NVML_ERROR_UNINITIALIZED);
  EXPECT_EQ(nvml::kErrorInvalidArgument, NVML_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(nvml::kErrorNotSupported, NVML_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(nvml::kErrorNoPermission, NVML_ERROR_NO_PERMISSION);
  EXPECT_EQ(nvml::kErrorNotFound, NVML_ERROR_NOT_FOUND);
  EXPECT_EQ(nvml::kErrorInsufficientSize, NVML_ERROR_INSUFFICIENT_SIZE);
  EXPECT_EQ(nvml::kErrorDriverNotLoaded, NVML_ERROR_DRIVER_NOT_LOADED);
  EXPECT_EQ(nvml::kErrorFunctionNotFound, NVML_ERROR_FUNCTION_NOT_FOUND);
  EXPECT_EQ(nvml::kErrorGpuIsLost, NVML_ERROR_GPU_IS_LOST);
  EXPECT_EQ(nvml::kErrorLibRmVersionMismatch, NVML_ERROR_LIB_RM_VERSION_MISMATCH);
  EXPECT_EQ(nvml::kErrorUnknown, NVML_ERROR_UNKNOWN);
  EXPECT_EQ(nvml::kMemoryErrorTypeUncorrected, NVML_MEMORY_ERROR_TYPE_UNCORRECTED);
  EXPECT_EQ(nvml::kVolatileEcc, NVML_VOLATILE_ECC);
  EXPECT_EQ(nvml::kAggregateEcc, NVML_AGGREGATE_ECC);
  EXPECT_EQ(nvml::kPageRetirementMultipleSingleBit,
            NVML_PAGE_RETIREMENT_CAUSE_MULTIPLE_SINGLE_BIT_ECC_ERRORS);
  EXPECT_EQ(nvml::kPageRetirementDoubleBit, NVML_PAGE_RETIREMENT_CAUSE_DOUBLE_BIT_ECC_ERROR);
  EXPECT_EQ(nvml::kTemperatureGpu, NVML_TEMPERATURE_GPU);
  EXPECT_EQ(nvml::kClockSm, NVML_CLOCK_SM);
  EXPECT_EQ(nvml::kClockMem, NVML_CLOCK_MEM);
  EXPECT_EQ(nvml::kP2pCapsIndexRead, NVML_P2P_CAPS_INDEX_READ);
  EXPECT_EQ(nvml::kP2pStatusOk, NVML_P2P_STATUS_OK);
  EXPECT_EQ(4, NVML_P2P_STATUS_DISABLED_BY_REGKEY);  // rules/gpu_link_rules.cc names 1..6
  EXPECT_EQ(6, NVML_P2P_STATUS_UNKNOWN);
  EXPECT_EQ(sizeof(int), sizeof(nvmlGpuP2PStatus_t));
  EXPECT_EQ(nvml::kSystemDriverVersionBufferSize, unsigned{NVML_SYSTEM_DRIVER_VERSION_BUFFER_SIZE});
  EXPECT_EQ(nvml::kDeviceNameV2BufferSize, unsigned{NVML_DEVICE_NAME_V2_BUFFER_SIZE});
  EXPECT_EQ(nvml::kDeviceUuidV2BufferSize, unsigned{NVML_DEVICE_UUID_V2_BUFFER_SIZE});
  EXPECT_EQ(nvml::kDeviceSerialBufferSize, unsigned{NVML_DEVICE_SERIAL_BUFFER_SIZE});

  EXPECT_EQ(sizeof(nvml::Memory), sizeof(nvmlMemory_t));
  EXPECT_EQ(sizeof(nvml::MemoryV2), sizeof(nvmlMemory_v2_t));
  EXPECT_EQ(offsetof(nvml::MemoryV2, used), offsetof(nvmlMemory_v2_t, used));
  EXPECT_EQ(nvml::kMemoryV2Version, nvmlMemory_v2);  // sizeof | 2 << 24, not a bare 2
  EXPECT_EQ(sizeof(nvml::PciInfo), sizeof(nvmlPciInfo_t));
  EXPECT_EQ(offsetof(nvml::PciInfo, busId), offsetof(nvmlPciInfo_t, busId));
  EXPECT_EQ(offsetof(nvml::PciInfo, pciDeviceId), offsetof(nvmlPciInfo_t, pciDeviceId));
  EXPECT_EQ(sizeof(nvml::EnableState), sizeof(nvmlEnableState_t));
  EXPECT_EQ(sizeof(nvml::Return), sizeof(nvmlReturn_t));

  using Api = nvml::Api;
  DLENV_EXPECT_SIGNATURE(Api, init, nvmlInit_v2);
  DLENV_EXPECT_SIGNATURE(Api, shutdown, nvmlShutdown);
  DLENV_EXPECT_SIGNATURE(Api, error_string, nvmlErrorString);
  DLENV_EXPECT_SIGNATURE(Api, system_get_driver_version, nvmlSystemGetDriverVersion);
  DLENV_EXPECT_SIGNATURE(Api, system_get_cuda_driver_version, nvmlSystemGetCudaDriverVersion_v2);
  DLENV_EXPECT_SIGNATURE(Api, device_get_count, nvmlDeviceGetCount_v2);
  DLENV_EXPECT_SIGNATURE(Api, device_get_handle_by_index, nvmlDeviceGetHandleByIndex_v2);
  DLENV_EXPECT_SIGNATURE(Api, device_get_name, nvmlDeviceGetName);
  DLENV_EXPECT_SIGNATURE(Api, device_get_uuid, nvmlDeviceGetUUID);
  DLENV_EXPECT_SIGNATURE(Api, device_get_serial, nvmlDeviceGetSerial);
  DLENV_EXPECT_SIGNATURE(Api, device_get_pci_info, nvmlDeviceGetPciInfo_v3);
  DLENV_EXPECT_SIGNATURE(Api, device_get_cuda_compute_capability,
                         nvmlDeviceGetCudaComputeCapability);
  DLENV_EXPECT_SIGNATURE(Api, device_get_memory_info_v2, nvmlDeviceGetMemoryInfo_v2);
  DLENV_EXPECT_SIGNATURE(Api, device_get_memory_info, nvmlDeviceGetMemoryInfo);
  DLENV_EXPECT_SIGNATURE(Api, device_get_persistence_mode, nvmlDeviceGetPersistenceMode);
  DLENV_EXPECT_SIGNATURE(Api, device_get_mig_mode, nvmlDeviceGetMigMode);
  DLENV_EXPECT_SIGNATURE(Api, device_get_total_ecc_errors, nvmlDeviceGetTotalEccErrors);
  DLENV_EXPECT_SIGNATURE(Api, device_get_retired_pages, nvmlDeviceGetRetiredPages);
  DLENV_EXPECT_SIGNATURE(Api, device_get_retired_pages_pending_status,
                         nvmlDeviceGetRetiredPagesPendingStatus);
  DLENV_EXPECT_SIGNATURE(Api, device_get_remapped_rows, nvmlDeviceGetRemappedRows);
  DLENV_EXPECT_SIGNATURE(Api, device_get_curr_pcie_link_generation,
                         nvmlDeviceGetCurrPcieLinkGeneration);
  DLENV_EXPECT_SIGNATURE(Api, device_get_max_pcie_link_generation,
                         nvmlDeviceGetMaxPcieLinkGeneration);
  DLENV_EXPECT_SIGNATURE(Api, device_get_curr_pcie_link_width, nvmlDeviceGetCurrPcieLinkWidth);
  DLENV_EXPECT_SIGNATURE(Api, device_get_max_pcie_link_width, nvmlDeviceGetMaxPcieLinkWidth);
  DLENV_EXPECT_SIGNATURE(Api, device_get_temperature, nvmlDeviceGetTemperature);
  DLENV_EXPECT_SIGNATURE(Api, device_get_enforced_power_limit, nvmlDeviceGetEnforcedPowerLimit);
  DLENV_EXPECT_SIGNATURE(Api, device_get_power_usage, nvmlDeviceGetPowerUsage);
  DLENV_EXPECT_SIGNATURE(Api, device_get_clock_info, nvmlDeviceGetClockInfo);
  DLENV_EXPECT_SIGNATURE(Api, device_get_max_clock_info, nvmlDeviceGetMaxClockInfo);
  DLENV_EXPECT_SIGNATURE(Api, device_get_current_clocks_event_reasons,
                         nvmlDeviceGetCurrentClocksEventReasons);
  DLENV_EXPECT_SIGNATURE(Api, device_get_p2p_status, nvmlDeviceGetP2PStatus);
}

// The fake driver answers with these values and fills these structs; dlenv's tests trust it
// only as far as it speaks NVIDIA's ABI.
TEST(FakeDriverAbi, NvmlAndCudaValuesAndStructs) {
  EXPECT_EQ(fake_abi::kNvmlSuccess, NVML_SUCCESS);
  EXPECT_EQ(fake_abi::kNvmlInvalidArgument, NVML_ERROR_INVALID_ARGUMENT);
  EXPECT_EQ(fake_abi::kNvmlNotSupported, NVML_ERROR_NOT_SUPPORTED);
  EXPECT_EQ(fake_abi::kNvmlInsufficientSize, NVML_ERROR_INSUFFICIENT_SIZE);
  EXPECT_EQ(fake_abi::kCudaSuccess, CUDA_SUCCESS);
  EXPECT_EQ(fake_abi::kCudaInvalidValue, CUDA_ERROR_INVALID_VALUE);
  EXPECT_EQ(fake_abi::kCudaNotInitialized, CUDA_ERROR_NOT_INITIALIZED);
  EXPECT_EQ(fake_abi::kCudaStub, CUDA_ERROR_STUB_LIBRARY);
  EXPECT_EQ(fake_abi::kCudaNoDevice, CUDA_ERROR_NO_DEVICE);
  EXPECT_EQ(fake_abi::kCudaInvalidDevice, CUDA_ERROR_INVALID_DEVICE);
  EXPECT_EQ(fake_abi::kCudaOutOfMemory, CUDA_ERROR_OUT_OF_MEMORY);
  EXPECT_EQ(fake_abi::kCudaInvalidContext, CUDA_ERROR_INVALID_CONTEXT);
  EXPECT_EQ(fake_abi::kCudaNotFound, CUDA_ERROR_NOT_FOUND);

  EXPECT_EQ(sizeof(fake_abi::PciInfo), sizeof(nvmlPciInfo_t));
  EXPECT_EQ(offsetof(fake_abi::PciInfo, domain), offsetof(nvmlPciInfo_t, domain));
  EXPECT_EQ(offsetof(fake_abi::PciInfo, bus), offsetof(nvmlPciInfo_t, bus));
  EXPECT_EQ(offsetof(fake_abi::PciInfo, device), offsetof(nvmlPciInfo_t, device));
  EXPECT_EQ(offsetof(fake_abi::PciInfo, pciDeviceId), offsetof(nvmlPciInfo_t, pciDeviceId));
  EXPECT_EQ(offsetof(fake_abi::PciInfo, pciSubSystemId), offsetof(nvmlPciInfo_t, pciSubSystemId));
  EXPECT_EQ(offsetof(fake_abi::PciInfo, busId), offsetof(nvmlPciInfo_t, busId));
  EXPECT_EQ(sizeof(fake_abi::MemoryV2), sizeof(nvmlMemory_v2_t));
  EXPECT_EQ(offsetof(fake_abi::MemoryV2, total), offsetof(nvmlMemory_v2_t, total));
  EXPECT_EQ(offsetof(fake_abi::MemoryV2, reserved), offsetof(nvmlMemory_v2_t, reserved));
  EXPECT_EQ(offsetof(fake_abi::MemoryV2, free), offsetof(nvmlMemory_v2_t, free));
  EXPECT_EQ(offsetof(fake_abi::MemoryV2, used), offsetof(nvmlMemory_v2_t, used));
  EXPECT_EQ(sizeof(fake_abi::Memory), sizeof(nvmlMemory_t));
  EXPECT_EQ(offsetof(fake_abi::Memory, free), offsetof(nvmlMemory_t, free));
  EXPECT_EQ(offsetof(fake_abi::Memory, used), offsetof(nvmlMemory_t, used));
}

TEST(FakeDriverAbi, CublasCudnnNcclValuesAndStructs) {
  EXPECT_EQ(fake_abi::kF32, CUDA_R_32F);
  EXPECT_EQ(fake_abi::kF16, CUDA_R_16F);
  EXPECT_EQ(fake_abi::kBf16, CUDA_R_16BF);
  EXPECT_EQ(fake_abi::kE4M3, CUDA_R_8F_E4M3);
  EXPECT_EQ(fake_abi::kCublasSuccess, CUBLAS_STATUS_SUCCESS);
  EXPECT_EQ(fake_abi::kCublasInvalidValue, CUBLAS_STATUS_INVALID_VALUE);
  EXPECT_EQ(fake_abi::kCublasExecutionFailed, CUBLAS_STATUS_EXECUTION_FAILED);
  EXPECT_EQ(fake_abi::kCublasNotSupported, CUBLAS_STATUS_NOT_SUPPORTED);
  EXPECT_EQ(fake_abi::kCublasOpT, CUBLAS_OP_T);
  EXPECT_EQ(fake_abi::kLtDescTransA, CUBLASLT_MATMUL_DESC_TRANSA);
  EXPECT_EQ(fake_abi::kLtDescTransB, CUBLASLT_MATMUL_DESC_TRANSB);
  EXPECT_EQ(sizeof(fake_abi::HeuristicResult), sizeof(cublasLtMatmulHeuristicResult_t));
  EXPECT_EQ(sizeof(fake_abi::HeuristicResult::algo), sizeof(cublasLtMatmulAlgo_t));
  EXPECT_EQ(offsetof(fake_abi::HeuristicResult, workspace_size),
            offsetof(cublasLtMatmulHeuristicResult_t, workspaceSize));
  EXPECT_EQ(offsetof(fake_abi::HeuristicResult, state),
            offsetof(cublasLtMatmulHeuristicResult_t, state));
  EXPECT_EQ(offsetof(fake_abi::HeuristicResult, waves_count),
            offsetof(cublasLtMatmulHeuristicResult_t, wavesCount));
  EXPECT_EQ(fake_abi::kCudnnSuccess, CUDNN_STATUS_SUCCESS);
  EXPECT_EQ(fake_abi::kNcclSuccess, ncclSuccess);
}

// The shape comparison itself must be able to fail.
TEST(NvidiaAbi, ShapeTellsThirtyTwoFromSixtyFourBitSizes) {
  using Old = int (*)(unsigned int*, int);  // cuDeviceTotalMem (v1)
  using New = int (*)(std::size_t*, int);   // cuDeviceTotalMem_v2
  EXPECT_NE(Signature<Old>::Get(), Signature<New>::Get());
  EXPECT_EQ(Signature<New>::Get(), Signature<decltype(cuda::Api::device_total_mem)>::Get());
}

}  // namespace
}  // namespace dlenv::gpu
