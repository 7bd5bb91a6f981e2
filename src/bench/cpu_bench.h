#pragma once
// The CPU's ceilings: SGEMM and DGEMM through the system BLAS, and memory bandwidth by a
// STREAM-style triad, so that `dlenv bench` says something useful on a machine without a GPU
// and `dlenv compare` has a native baseline on the CPU.

#include <cstddef>
#include <functional>
#include <string>

#include "bench/cpu_blas.h"
#include "bench/result.h"
#include "bench/sampler.h"

namespace dlenv::bench {

using Progress = std::function<void(double)>;

enum class GemmType { kFp32, kFp64 };

/// C = A * B with square n x n matrices of uniform [-1, 1) values, timed per call and
/// checked on a sample of entries afterwards.
Measurement RunCpuGemm(const CpuBlas& blas, GemmType type, int n, const SamplingPolicy& policy,
                       const Progress& progress = {});

/// a[i] = b[i] + s * c[i] over three arrays of `elements` doubles, split across `threads`
/// threads that stay alive across samples. Counts 24 bytes per element (two reads, one
/// write) as STREAM does; the write-allocate read the cache also makes is not counted.
Measurement RunTriad(std::size_t elements, int threads, const SamplingPolicy& policy,
                     const Progress& progress = {});

/// Triad arrays large enough that caches do not serve them: each array 4x the last-level
/// cache, at least 32 MiB.
std::size_t DefaultTriadElements();

}  // namespace dlenv::bench
