#include "bench/gpu_gemm_elements.h"

#include <cstdint>
#include <cstring>

#include "bench/gemm_check.h"
#include "gpu/cublas.h"
#include "gpu/cublaslt.h"
#include "gpu/reference.h"

namespace dlenv::bench {

std::size_t ElemBytes(Elem e) { return e == Elem::kF32 ? 4 : e == Elem::kE4M3 ? 1 : 2; }
int ElemCudaType(Elem e) {
  switch (e) {
    case Elem::kF32:
      return gpu::kCudaR32F;
    case Elem::kF16:
      return gpu::kCudaR16F;
    case Elem::kBf16:
      return gpu::kCudaR16BF;
    case Elem::kE4M3:
      return gpu::kCudaR8FE4M3;
  }
  return gpu::kCudaR32F;
}
double ElemRoundoff(Elem e) {
  switch (e) {
    case Elem::kF32:
      return kRoundoffFp32;
    case Elem::kF16:
      return kRoundoffFp16;
    case Elem::kBf16:
      return kRoundoffBf16;
    case Elem::kE4M3:
      return 0.0625;  // 2^-4: 3 mantissa bits
  }
  return kRoundoffFp32;
}

std::vector<unsigned char> Encode(Elem e, std::vector<float>& values) {
  std::vector<unsigned char> bytes(values.size() * ElemBytes(e));
  for (std::size_t i = 0; i < values.size(); ++i) {
    switch (e) {
      case Elem::kF32:
        std::memcpy(&bytes[4 * i], &values[i], 4);
        break;
      case Elem::kF16: {
        const std::uint16_t h = gpu::FloatToHalf(values[i]);
        values[i] = gpu::HalfToFloat(h);
        std::memcpy(&bytes[2 * i], &h, 2);
        break;
      }
      case Elem::kBf16: {
        const std::uint16_t h = gpu::FloatToBfloat16(values[i]);
        values[i] = gpu::Bfloat16ToFloat(h);
        std::memcpy(&bytes[2 * i], &h, 2);
        break;
      }
      case Elem::kE4M3:
        bytes[i] = gpu::FloatToFp8E4M3(values[i]);
        values[i] = gpu::Fp8E4M3ToFloat(bytes[i]);
        break;
    }
  }
  return bytes;
}

std::vector<float> Decode(Elem e, const std::vector<unsigned char>& bytes) {
  std::vector<float> out(bytes.size() / ElemBytes(e));
  for (std::size_t i = 0; i < out.size(); ++i) {
    std::uint16_t h = 0;
    switch (e) {
      case Elem::kF32:
        std::memcpy(&out[i], &bytes[4 * i], 4);
        break;
      case Elem::kF16:
        std::memcpy(&h, &bytes[2 * i], 2);
        out[i] = gpu::HalfToFloat(h);
        break;
      case Elem::kBf16:
        std::memcpy(&h, &bytes[2 * i], 2);
        out[i] = gpu::Bfloat16ToFloat(h);
        break;
      case Elem::kE4M3:
        out[i] = gpu::Fp8E4M3ToFloat(bytes[i]);
        break;
    }
  }
  return out;
}

}  // namespace dlenv::bench
