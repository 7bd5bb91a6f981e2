#pragma once
// cuBLASLt through dlopen: the matmul API that fp8 GEMM needs (cublasGemmEx has no fp8), and
// a second route to bf16 so that bench can show both. The ABI is declared by hand from
// cublasLt.h and library_types.h (dlenv never includes NVIDIA headers);
// math_libraries_test.cc and nvidia_abi_test.cc check it against the toolkit's headers.

#include <cstddef>
#include <cstdint>
#include <optional>
#include <string>
#include <vector>

#include "gpu/cublas.h"
#include "gpu/library_loader.h"
#include "gpu/owned.h"

namespace dlenv::gpu {

struct cublasLtContext;
struct cublasLtMatmulDescOpaque_t;
struct cublasLtMatrixLayoutOpaque_t;
struct cublasLtMatmulPreferenceOpaque_t;
using cublasLtHandle_t = cublasLtContext*;
using cublasLtMatmulDesc_t = cublasLtMatmulDescOpaque_t*;
using cublasLtMatrixLayout_t = cublasLtMatrixLayoutOpaque_t*;
using cublasLtMatmulPreference_t = cublasLtMatmulPreferenceOpaque_t*;

/// cublasLtMatmulAlgo_t: semi-opaque, filled by the heuristic and passed back to the matmul.
struct cublasLtMatmulAlgo_t {
  std::uint64_t data[8];
};
/// cublasLtMatmulHeuristicResult_t.
struct cublasLtMatmulHeuristicResult_t {
  cublasLtMatmulAlgo_t algo;
  std::size_t workspace_size;
  cublasStatus_t state;
  float waves_count;
  int reserved[4];
};

inline constexpr int kCublasOpT = 1;                 // CUBLAS_OP_T
inline constexpr int kCudaR8FE4M3 = 28;              // cudaDataType CUDA_R_8F_E4M3
inline constexpr int kCublasLtMatmulDescTransA = 3;  // CUBLASLT_MATMUL_DESC_TRANSA
inline constexpr int kCublasLtMatmulDescTransB = 4;  // CUBLASLT_MATMUL_DESC_TRANSB
inline constexpr int kCublasLtMatmulPrefMaxWorkspaceBytes =
    1;  // CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES

#define DLENV_CUBLASLT_SYMBOLS(X)                                                                  \
  X(kRequired, create, cublasStatus_t, (cublasLtHandle_t*), ("cublasLtCreate"))                    \
  X(kRequired, destroy, cublasStatus_t, (cublasLtHandle_t), ("cublasLtDestroy"))                   \
  X(kRequired, get_version, std::size_t, (), ("cublasLtGetVersion"))                               \
  X(kRequired, matmul_desc_create, cublasStatus_t, (cublasLtMatmulDesc_t*, int, int),              \
    ("cublasLtMatmulDescCreate"))                                                                  \
  X(kRequired, matmul_desc_destroy, cublasStatus_t, (cublasLtMatmulDesc_t),                        \
    ("cublasLtMatmulDescDestroy"))                                                                 \
  X(kRequired, matmul_desc_set_attribute, cublasStatus_t,                                          \
    (cublasLtMatmulDesc_t, int, const void*, std::size_t), ("cublasLtMatmulDescSetAttribute"))     \
  X(kRequired, matrix_layout_create, cublasStatus_t,                                               \
    (cublasLtMatrixLayout_t*, int, std::uint64_t, std::uint64_t, std::int64_t),                    \
    ("cublasLtMatrixLayoutCreate"))                                                                \
  X(kRequired, matrix_layout_destroy, cublasStatus_t, (cublasLtMatrixLayout_t),                    \
    ("cublasLtMatrixLayoutDestroy"))                                                               \
  X(kRequired, preference_create, cublasStatus_t, (cublasLtMatmulPreference_t*),                   \
    ("cublasLtMatmulPreferenceCreate"))                                                            \
  X(kRequired, preference_destroy, cublasStatus_t, (cublasLtMatmulPreference_t),                   \
    ("cublasLtMatmulPreferenceDestroy"))                                                           \
  X(kRequired, preference_set_attribute, cublasStatus_t,                                           \
    (cublasLtMatmulPreference_t, int, const void*, std::size_t),                                   \
    ("cublasLtMatmulPreferenceSetAttribute"))                                                      \
  X(kRequired, algo_get_heuristic, cublasStatus_t,                                                 \
    (cublasLtHandle_t, cublasLtMatmulDesc_t, cublasLtMatrixLayout_t, cublasLtMatrixLayout_t,       \
     cublasLtMatrixLayout_t, cublasLtMatrixLayout_t, cublasLtMatmulPreference_t, int,              \
     cublasLtMatmulHeuristicResult_t*, int*),                                                      \
    ("cublasLtMatmulAlgoGetHeuristic"))                                                            \
  X(kRequired, matmul, cublasStatus_t,                                                             \
    (cublasLtHandle_t, cublasLtMatmulDesc_t, const void*, const void*, cublasLtMatrixLayout_t,     \
     const void*, cublasLtMatrixLayout_t, const void*, const void*, cublasLtMatrixLayout_t, void*, \
     cublasLtMatrixLayout_t, const cublasLtMatmulAlgo_t*, void*, std::size_t, void*),              \
    ("cublasLtMatmul"))

struct CublasLtApi {
#define DLENV_FIELD(kind, member, ret, params, names) ret(*member) params = nullptr;
  DLENV_CUBLASLT_SYMBOLS(DLENV_FIELD)
#undef DLENV_FIELD
};

/// cuBLASLt's handle and a matmul's descriptors, each destroyed with its own call (gpu/owned.h).
using CublasLtHandle = Owned<CublasLtApi, cublasLtHandle_t, &CublasLtApi::destroy>;
using CublasLtMatmulDesc =
    Owned<CublasLtApi, cublasLtMatmulDesc_t, &CublasLtApi::matmul_desc_destroy>;
using CublasLtMatrixLayout =
    Owned<CublasLtApi, cublasLtMatrixLayout_t, &CublasLtApi::matrix_layout_destroy>;
using CublasLtMatmulPreference =
    Owned<CublasLtApi, cublasLtMatmulPreference_t, &CublasLtApi::preference_destroy>;

/// libcublasLt as a framework here would find it (the same folders as libcublas; the
/// cuBLAS pip wheel ships both).
LibrarySpec CublasLtSpec();

/// As LoadCublas: copies whose major version needs a newer driver go last.
LoadedLibrary<CublasLtApi> LoadCublasLt(std::vector<std::string> candidates,
                                        std::optional<int> driver_cuda_version);

/// The GPUs with fp8 (e4m3) tensor-core GEMM in cuBLASLt: Ada (8.9), Hopper (9.0) and later.
bool HasFp8Gemm(int cc_major, int cc_minor);

/// cuBLAS' recommended workspace: 32 MiB from Hopper on, 4 MiB before (cuBLAS documentation,
/// cublasSetWorkspace; the figure PyTorch and MLX also use on Hopper).
std::size_t RecommendedCublasWorkspace(int cc_major);

}  // namespace dlenv::gpu
