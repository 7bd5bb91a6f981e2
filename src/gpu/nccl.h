#pragma once
// NCCL through dlopen, declared by hand from nccl.h; nccl_abi_test.cc checks the values
// against the header where one is installed.

#include <cstddef>
#include <string>
#include <vector>

#include "gpu/library_loader.h"
#include "gpu/owned.h"

namespace dlenv::gpu {

struct ncclComm;
using ncclComm_t = ncclComm*;
using ncclResult_t = int;

inline constexpr ncclResult_t kNcclSuccess = 0;
inline constexpr int kNcclFloat32 = 7;  // ncclFloat32 (ncclFloat)
inline constexpr int kNcclSum = 0;      // ncclSum

// Streams are passed as the CUDA default stream (null), so they are plain pointers here.
#define DLENV_NCCL_SYMBOLS(X)                                                                    \
  X(kRequired, get_version, ncclResult_t, (int*), ("ncclGetVersion"))                            \
  X(kRequired, comm_init_all, ncclResult_t, (ncclComm_t*, int, const int*), ("ncclCommInitAll")) \
  X(kRequired, comm_destroy, ncclResult_t, (ncclComm_t), ("ncclCommDestroy"))                    \
  X(kRequired, all_reduce, ncclResult_t,                                                         \
    (const void*, void*, std::size_t, int, int, ncclComm_t, void*), ("ncclAllReduce"))           \
  X(kRequired, group_start, ncclResult_t, (), ("ncclGroupStart"))                                \
  X(kRequired, group_end, ncclResult_t, (), ("ncclGroupEnd"))                                    \
  X(kOptional, get_error_string, const char*, (ncclResult_t), ("ncclGetErrorString"))

struct NcclApi {
#define DLENV_FIELD(kind, member, ret, params, names) ret(*member) params = nullptr;
  DLENV_NCCL_SYMBOLS(DLENV_FIELD)
#undef DLENV_FIELD
};

/// An NCCL communicator, destroyed with ncclCommDestroy (gpu/owned.h).
using NcclComm = Owned<NcclApi, ncclComm_t, &NcclApi::comm_destroy>;

LibrarySpec NcclSpec();
LoadedLibrary<NcclApi> LoadNccl(const std::vector<std::string>& candidates);

/// ncclGetVersion's code as text: 22105 -> 2.21.5 (2.9 and newer), 2708 -> 2.7.8 (older).
std::string NcclVersionText(int code);
std::string NcclResultText(const NcclApi& api, ncclResult_t result);

}  // namespace dlenv::gpu
