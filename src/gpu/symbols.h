#pragma once
// Shared by the NVML and CUDA driver symbol tables.

#include <initializer_list>
#include <string>
#include <vector>

#include "util/dynamic_library.h"

namespace dlenv::gpu {

/// The first of `names` (newest versioned name first) that the library exports.
void* FirstSymbol(const util::DynamicLibrary& lib, std::initializer_list<const char*> names);

/// "libcuda.so.1 lacks cuInit, cuDriverGetVersion" or empty when nothing is missing.
std::string MissingSymbolsError(const util::DynamicLibrary& lib,
                                const std::vector<std::string>& missing);

}  // namespace dlenv::gpu
