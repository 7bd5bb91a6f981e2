#pragma once
// The ptxas a Triton release compiles with for a GPU, and whether that ptxas knows the GPU
// (knowledge/data/triton_ptxas.json, with its sources). Triton is torch's GPU code generator
// (torch.compile, Triton kernels); its release comes pinned by torch.

#include <optional>
#include <string>
#include <string_view>

namespace dlenv::knowledge {

struct TritonPtxas {
  std::string triton;             // the table's row: "3.9"
  std::string ptxas;              // the CUDA release of the ptxas it uses for this GPU: "13.4"
  std::string binary;             // ptxas or ptxas-blackwell
  std::string override_variable;  // TRITON_PTXAS_PATH or TRITON_PTXAS_BLACKWELL_PATH
};

/// The bundled ptxas a Triton release (its version, "3.2.0") compiles with for a GPU of
/// compute capability sm (120 for 12.0); nullopt for a release older than the table (3.0 and
/// before) or a version that does not parse. A release newer than the table is read as the
/// newest row.
std::optional<TritonPtxas> TritonPtxasFor(std::string_view triton_version, int sm);

/// Whether a ptxas of this CUDA release ("12.4") accepts --gpu-name=sm_<sm>: the table's
/// newest row not above the release. nullopt for a release older than the table.
std::optional<bool> PtxasKnows(std::string_view ptxas_release, int sm);

/// Whether a Triton release links its launcher with -lcuda (the unversioned libcuda.so) rather
/// than -l:libcuda.so.1: true for 3.5 and older (before the table too), false from 3.6; nullopt
/// for a version that does not parse.
std::optional<bool> TritonLinksUnversionedLibcuda(std::string_view triton_version);

/// The oldest ptxas release in the table that knows the GPU ("12.8" for sm 120), or "".
std::string FirstPtxasKnowing(int sm);

/// The oldest Triton release whose ptxas for this GPU knows it ("3.3" for sm 120), or "".
std::string FirstTritonKnowing(int sm);

}  // namespace dlenv::knowledge
