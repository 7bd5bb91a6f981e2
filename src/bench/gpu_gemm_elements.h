#pragma once
// The element types of bench's GEMM operands as stored on the device (fp32, fp16, bf16 and
// fp8 e4m3), and their conversion from and to the host's floats.

#include <cstddef>
#include <vector>

namespace dlenv::bench {

enum class Elem { kF32, kF16, kBf16, kE4M3 };

std::size_t ElemBytes(Elem e);
/// The cudaDataType cuBLAS and cuBLASLt take for it (CUDA_R_16BF, ...).
int ElemCudaType(Elem e);
/// Its unit roundoff, for the GEMM check's bound.
double ElemRoundoff(Elem e);

/// Rounds `values` to `e` in place (so the reference sees what the GPU sees) and returns the
/// bytes to upload.
std::vector<unsigned char> Encode(Elem e, std::vector<float>& values);
/// The floats that device bytes of type `e` hold.
std::vector<float> Decode(Elem e, const std::vector<unsigned char>& bytes);

}  // namespace dlenv::bench
