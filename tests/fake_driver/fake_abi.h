#pragma once
// The NVIDIA ABI the fake driver and the fake libraries speak: status codes, enum values and
// the structs they fill in, written here once. The fake driver is dlenv's test double for
// libcuda, libnvidia-ml, cuBLAS(Lt), cuDNN and NCCL; if it shared a wrong value with dlenv,
// the tests would pass against a fake that no real library matches. So every name below is
// checked against NVIDIA's own headers (cuda.h, nvml.h, cublas_api.h, cublasLt.h, cudnn.h,
// nccl.h) by tests/abi/nvidia_abi_check.cc, which src/gpu/nvidia_abi_test.cc compiles against
// the headers of NVIDIA's PyPI wheels (scripts/make-nvidia-files.sh).

#include <cstddef>
#include <cstdint>

// The fakes' arithmetic (kernels, GEMMs, convolutions, their element conversions) stands in for
// NVIDIA's GPU code, which no sanitizer sees either: under clang's sanitizer build it is left
// uninstrumented, so that the suite's sanitizer run spends its time in dlenv's code, not in a
// CPU imitation of a GPU (VerifyFakeDriver.PeerCopiesBetweenEachPairAreCheckedAndTimed: 96 s,
// 60% of it in these loops under ASan+UBSan+coverage). The fakes' API surface (what reads and
// writes dlenv's arguments) stays instrumented.
#if defined(__clang__)
#define FAKE_ARITHMETIC __attribute__((no_sanitize("address", "undefined", "coverage")))
#else
#define FAKE_ARITHMETIC
#endif

namespace fake_abi {

// nvmlReturn_t
constexpr int kNvmlSuccess = 0, kNvmlInvalidArgument = 2, kNvmlNotSupported = 3,
              kNvmlInsufficientSize = 7;
// CUresult
constexpr int kCudaSuccess = 0, kCudaInvalidValue = 1, kCudaOutOfMemory = 2,
              kCudaNotInitialized = 3, kCudaStub = 34, kCudaNoDevice = 100,
              kCudaInvalidDevice = 101, kCudaInvalidContext = 201, kCudaNotFound = 500;

// nvmlPciInfo_t (nvmlDeviceGetPciInfo_v3), nvmlMemory_v2_t, nvmlMemory_t.
struct PciInfo {
  char busIdLegacy[16];
  unsigned domain, bus, device, pciDeviceId, pciSubSystemId;
  char busId[32];
};
struct MemoryV2 {
  unsigned version;
  unsigned long long total, reserved, free, used;
};
struct Memory {
  unsigned long long total, free, used;
};

// cudaDataType: CUDA_R_32F, CUDA_R_16F, CUDA_R_16BF, CUDA_R_8F_E4M3.
constexpr int kF32 = 0, kF16 = 2, kBf16 = 14, kE4M3 = 28;
// cublasStatus_t
constexpr int kCublasSuccess = 0, kCublasInvalidValue = 7, kCublasExecutionFailed = 13,
              kCublasNotSupported = 15;
// cublasOperation_t CUBLAS_OP_T; cublasLtMatmulDescAttributes_t TRANSA, TRANSB.
constexpr int kCublasOpT = 1, kLtDescTransA = 3, kLtDescTransB = 4;
// cublasLtMatmulHeuristicResult_t (its algo is cublasLtMatmulAlgo_t, 8 uint64_t).
struct HeuristicResult {
  std::uint64_t algo[8];
  std::size_t workspace_size;
  int state;
  float waves_count;
  int reserved[4];
};
// cudnnStatus_t CUDNN_STATUS_SUCCESS; ncclResult_t ncclSuccess.
constexpr int kCudnnSuccess = 0, kNcclSuccess = 0;

}  // namespace fake_abi
