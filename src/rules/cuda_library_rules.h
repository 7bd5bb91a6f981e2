#pragma once
// Companions that load one of their own native libraries by the framework's CUDA (issue 20,
// part 3): bitsandbytes' libbitsandbytes_cuda132.so for torch's CUDA 13.2, or what
// BNB_CUDA_VERSION names. Pure: the libraries come from probe/extensions.h
// (PythonEnv::cuda_library_variants), the rules of the choice from knowledge (cuda_library).

#include <optional>
#include <string>
#include <vector>

#include "knowledge/knowledge.h"
#include "model/finding.h"
#include "model/snapshot.h"

namespace dlenv::rules {

/// The library a companion loads for CUDA major.minor among the variants it ships ("118",
/// "132": the major is the first two digits): the exact one; with `same_major_fallback`, else
/// the highest lower, else the lowest higher of the same major. nullopt when none is chosen.
std::optional<std::string> ChooseCudaLibrary(const std::vector<std::string>& variants, int major,
                                             int minor, bool same_major_fallback);

/// Whether the installed release of the companion falls back within a major (knowledge:
/// cuda_library.same_major_fallback_from).
bool SameMajorFallback(const model::CudaLibraryVariants& v);

void CheckCudaLibraryVariants(const model::Snapshot& snapshot,
                              const knowledge::Knowledge& knowledge,
                              std::vector<model::Finding>& out);

}  // namespace dlenv::rules
