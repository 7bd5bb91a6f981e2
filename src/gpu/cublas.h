#pragma once
// cuBLAS through dlopen. The ABI below is declared by hand from cublas_api.h and
// library_types.h (dlenv never includes NVIDIA headers); cublas_abi_test.cc checks it
// against the real headers where a toolkit is installed.

#include <cstddef>
#include <cstdint>
#include <string>
#include <vector>

#include "gpu/library_loader.h"
#include "gpu/owned.h"

namespace dlenv::gpu {

struct cublasContext;
using cublasHandle_t = cublasContext*;
using cublasStatus_t = int;  // CUBLAS_STATUS_SUCCESS = 0

inline constexpr cublasStatus_t kCublasSuccess = 0;
inline constexpr int kCublasOpN = 0;           // CUBLAS_OP_N
inline constexpr int kCublasGemmDefault = -1;  // CUBLAS_GEMM_DEFAULT
inline constexpr int kCudaR32F = 0;            // cudaDataType CUDA_R_32F
inline constexpr int kCudaR16F = 2;            // CUDA_R_16F
inline constexpr int kCudaR16BF = 14;          // CUDA_R_16BF
/// cublasComputeType_t CUBLAS_COMPUTE_32F. cuBLAS 10 took a cudaDataType there instead
/// (CUDA_R_32F); GemmComputeType32F picks by version.
inline constexpr int kCublasCompute32F = 68;

#define DLENV_CUBLAS_SYMBOLS(X)                                                                   \
  X(kRequired, create, cublasStatus_t, (cublasHandle_t*), ("cublasCreate_v2"))                    \
  X(kRequired, destroy, cublasStatus_t, (cublasHandle_t), ("cublasDestroy_v2"))                   \
  X(kRequired, get_version, cublasStatus_t, (cublasHandle_t, int*), ("cublasGetVersion_v2"))      \
  X(kRequired, sgemm, cublasStatus_t,                                                             \
    (cublasHandle_t, int, int, int, int, int, const float*, const float*, int, const float*, int, \
     const float*, float*, int),                                                                  \
    ("cublasSgemm_v2"))                                                                           \
  X(kOptional, gemm_ex, cublasStatus_t,                                                           \
    (cublasHandle_t, int, int, int, int, int, const void*, const void*, int, int, const void*,    \
     int, int, const void*, void*, int, int, int, int),                                           \
    ("cublasGemmEx"))                                                                             \
  X(kOptional, get_status_string, const char*, (cublasStatus_t), ("cublasGetStatusString"))       \
  X(kOptional, set_workspace, cublasStatus_t, (cublasHandle_t, void*, std::size_t),               \
    ("cublasSetWorkspace_v2"))

struct CublasApi {
#define DLENV_FIELD(kind, member, ret, params, names) ret(*member) params = nullptr;
  DLENV_CUBLAS_SYMBOLS(DLENV_FIELD)
#undef DLENV_FIELD
};

/// A cuBLAS handle, destroyed with cublasDestroy (gpu/owned.h).
using CublasHandle = Owned<CublasApi, cublasHandle_t, &CublasApi::destroy>;

/// libcublas as PyTorch, TensorFlow or a toolkit program would find it.
LibrarySpec CublasSpec();

/// Loads the first usable candidate. With the driver's CUDA version known, copies whose
/// major version needs a newer driver (libcublas.so.13 on a CUDA 12 driver) go last:
/// they load, but cublasCreate fails.
LoadedLibrary<CublasApi> LoadCublas(std::vector<std::string> candidates,
                                    std::optional<int> driver_cuda_version);

/// cublasGetVersion's number as text: 130100 -> 13.1.0. CUDA 12 and 13 headers define it as
/// major*10000 + minor*100 + patch; older ones used major*1000, which this also reads.
std::string CublasVersionText(int cublas_version);
/// CUBLAS_COMPUTE_32F for cuBLAS 11 and newer, CUDA_R_32F before (cuBLAS 10 took a
/// cudaDataType as the compute type).
int GemmComputeType32F(int cublas_version);

/// "CUBLAS_STATUS_EXECUTION_FAILED (13)" style text; the library's own where it has one.
std::string CublasStatusText(const CublasApi& api, cublasStatus_t status);

}  // namespace dlenv::gpu
