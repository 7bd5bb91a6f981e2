#pragma once
// cuDNN through dlopen, declared by hand from cudnn_graph.h / cudnn_ops.h / cudnn_cnn.h
// (cuDNN 9) and cudnn_ops_infer.h / cudnn_cnn_infer.h (cuDNN 8); cudnn_abi_test.cc checks
// the values against the headers where they are installed. Only the legacy
// descriptor API, which both majors export from libcudnn.so.N, is used.

#include <cstddef>
#include <string>
#include <vector>

#include "gpu/library_loader.h"
#include "gpu/owned.h"

namespace dlenv::gpu {

struct cudnnContext;
struct cudnnTensorStruct;
struct cudnnFilterStruct;
struct cudnnConvolutionStruct;
using cudnnHandle_t = cudnnContext*;
using cudnnTensorDescriptor_t = cudnnTensorStruct*;
using cudnnFilterDescriptor_t = cudnnFilterStruct*;
using cudnnConvolutionDescriptor_t = cudnnConvolutionStruct*;
using cudnnStatus_t = int;

inline constexpr cudnnStatus_t kCudnnSuccess = 0;
inline constexpr int kCudnnTensorNchw = 0;           // CUDNN_TENSOR_NCHW
inline constexpr int kCudnnDataFloat = 0;            // CUDNN_DATA_FLOAT
inline constexpr int kCudnnCrossCorrelation = 1;     // CUDNN_CROSS_CORRELATION
inline constexpr int kCudnnFwdAlgoImplicitGemm = 0;  // CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM

#define DLENV_CUDNN_SYMBOLS(X)                                                                  \
  X(kRequired, get_version, std::size_t, (), ("cudnnGetVersion"))                               \
  X(kRequired, create, cudnnStatus_t, (cudnnHandle_t*), ("cudnnCreate"))                        \
  X(kRequired, destroy, cudnnStatus_t, (cudnnHandle_t), ("cudnnDestroy"))                       \
  X(kRequired, create_tensor, cudnnStatus_t, (cudnnTensorDescriptor_t*),                        \
    ("cudnnCreateTensorDescriptor"))                                                            \
  X(kRequired, set_tensor_4d, cudnnStatus_t,                                                    \
    (cudnnTensorDescriptor_t, int, int, int, int, int, int), ("cudnnSetTensor4dDescriptor"))    \
  X(kRequired, destroy_tensor, cudnnStatus_t, (cudnnTensorDescriptor_t),                        \
    ("cudnnDestroyTensorDescriptor"))                                                           \
  X(kRequired, create_filter, cudnnStatus_t, (cudnnFilterDescriptor_t*),                        \
    ("cudnnCreateFilterDescriptor"))                                                            \
  X(kRequired, set_filter_4d, cudnnStatus_t,                                                    \
    (cudnnFilterDescriptor_t, int, int, int, int, int, int), ("cudnnSetFilter4dDescriptor"))    \
  X(kRequired, destroy_filter, cudnnStatus_t, (cudnnFilterDescriptor_t),                        \
    ("cudnnDestroyFilterDescriptor"))                                                           \
  X(kRequired, create_convolution, cudnnStatus_t, (cudnnConvolutionDescriptor_t*),              \
    ("cudnnCreateConvolutionDescriptor"))                                                       \
  X(kRequired, set_convolution_2d, cudnnStatus_t,                                               \
    (cudnnConvolutionDescriptor_t, int, int, int, int, int, int, int, int),                     \
    ("cudnnSetConvolution2dDescriptor"))                                                        \
  X(kRequired, destroy_convolution, cudnnStatus_t, (cudnnConvolutionDescriptor_t),              \
    ("cudnnDestroyConvolutionDescriptor"))                                                      \
  X(kRequired, forward_workspace_size, cudnnStatus_t,                                           \
    (cudnnHandle_t, cudnnTensorDescriptor_t, cudnnFilterDescriptor_t,                           \
     cudnnConvolutionDescriptor_t, cudnnTensorDescriptor_t, int, std::size_t*),                 \
    ("cudnnGetConvolutionForwardWorkspaceSize"))                                                \
  X(kRequired, convolution_forward, cudnnStatus_t,                                              \
    (cudnnHandle_t, const void*, cudnnTensorDescriptor_t, const void*, cudnnFilterDescriptor_t, \
     const void*, cudnnConvolutionDescriptor_t, int, void*, std::size_t, const void*,           \
     cudnnTensorDescriptor_t, void*),                                                           \
    ("cudnnConvolutionForward"))                                                                \
  X(kOptional, get_error_string, const char*, (cudnnStatus_t), ("cudnnGetErrorString"))

struct CudnnApi {
#define DLENV_FIELD(kind, member, ret, params, names) ret(*member) params = nullptr;
  DLENV_CUDNN_SYMBOLS(DLENV_FIELD)
#undef DLENV_FIELD
};

/// A cuDNN handle and its descriptors, each destroyed with its own call (gpu/owned.h).
using CudnnHandle = Owned<CudnnApi, cudnnHandle_t, &CudnnApi::destroy>;
using CudnnTensorDescriptor = Owned<CudnnApi, cudnnTensorDescriptor_t, &CudnnApi::destroy_tensor>;
using CudnnFilterDescriptor = Owned<CudnnApi, cudnnFilterDescriptor_t, &CudnnApi::destroy_filter>;
using CudnnConvolutionDescriptor =
    Owned<CudnnApi, cudnnConvolutionDescriptor_t, &CudnnApi::destroy_convolution>;

LibrarySpec CudnnSpec();
LoadedLibrary<CudnnApi> LoadCudnn(const std::vector<std::string>& candidates);

/// cudnnGetVersion's number as a dotted version: 90100 -> 9.1.0, 8902 -> 8.9.2
/// (cuDNN 9 encodes major*10000 + minor*100 + patch, cuDNN 8 and older major*1000 + ...).
std::string CudnnVersionText(std::size_t version);
std::string CudnnStatusText(const CudnnApi& api, cudnnStatus_t status);

}  // namespace dlenv::gpu
