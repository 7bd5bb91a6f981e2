// libdlenv_fake_libraries.so: a test-only cuBLAS (and cuBLASLt), cuDNN and NCCL over the fake
// driver's device memory (host memory; see fake_compute.cc). dlenv verify and bench load it through
// DLENV_CUBLAS_LIBRARY, DLENV_CUBLASLT_LIBRARY, DLENV_CUDNN_LIBRARY and DLENV_NCCL_LIBRARY. It
// reads the same scenario file (DLENV_FAKE_DRIVER_CONFIG), honours "returns", "hang" and "crash"
// for its entry points, and adds:
//
//   "gemm_nondeterministic": true   every GEMM after the first flips the low bit of one element
//   "gemm_wrong": true              every GEMM gets one element badly wrong
//   "cublas_version": 120402        what cublasGetVersion answers
//   "cudnn_version": 90100          what cudnnGetVersion answers
//   "lt_no_algorithm": true         cublasLtMatmulAlgoGetHeuristic finds no algorithm

#include <signal.h>
#include <unistd.h>

#include <bit>
#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <nlohmann/json.hpp>
#include <vector>

#include "fake_abi.h"

namespace {

using nlohmann::json;

const json& Config() {
  static const json* c = [] {
    auto* j = new json(json::object());
    if (const char* path = std::getenv("DLENV_FAKE_DRIVER_CONFIG")) {
      std::ifstream in(path);
      *j = json::parse(in, nullptr, false);
      if (!j->is_object()) *j = json::object();
    }
    return j;
  }();
  return *c;
}

long long Forced(const char* name) {
  const json& c = Config();
  if (auto h = c.find("hang"); h != c.end() && *h == name) {
    for (;;) pause();
  }
  if (auto k = c.find("crash"); k != c.end() && *k == name) raise(SIGSEGV);
  if (auto r = c.find("returns"); r != c.end() && r->is_object()) {
    if (auto v = r->find(name); v != r->end() && v->is_number_integer()) return v->get<long long>();
  }
  return -1;
}

#define ENTER(name)                                     \
  do {                                                  \
    long long forced_ = Forced(name);                   \
    if (forced_ >= 0) return static_cast<int>(forced_); \
  } while (0)

// Enum values, status codes and the heuristic result: fake_abi.h, checked against NVIDIA's headers.
using namespace fake_abi;

// IEEE binary16 by hand (clang 14 has no _Float16 on x86-64), rounding to nearest even.
FAKE_ARITHMETIC float HalfToFloat(std::uint16_t h) {
  const int e = (h >> 10) & 0x1f, m = h & 0x3ff;
  const float a = e == 31 ? (m ? NAN : INFINITY)
                  : e     ? std::ldexp(1024.0f + m, e - 25)
                          : std::ldexp(float(m), -24);
  return h & 0x8000 ? -a : a;
}
FAKE_ARITHMETIC std::uint16_t FloatToHalf(float v) {
  const std::uint16_t sign = std::signbit(v) ? 0x8000 : 0;
  const float a = std::fabs(v);
  if (std::isnan(v)) return 0x7e00;
  if (a >= 65520.0f) return sign | 0x7c00;
  if (a < std::ldexp(1.0f, -14))
    return sign | static_cast<std::uint16_t>(std::nearbyint(std::ldexp(a, 24)));
  int e = 0;
  std::frexp(a, &e);
  --e;  // a = 1.m * 2^e
  int m = static_cast<int>(std::nearbyint(std::ldexp(a, 10 - e))) - 1024;
  if (m == 1024) m = 0, ++e;
  return sign | static_cast<std::uint16_t>(((e + 15) << 10) | m);
}

FAKE_ARITHMETIC float Load(const void* p, int type, std::size_t i) {
  switch (type) {
    case kF16:
      return HalfToFloat(static_cast<const std::uint16_t*>(p)[i]);
    case kBf16:
      return std::bit_cast<float>(std::uint32_t{static_cast<const std::uint16_t*>(p)[i]} << 16);
    case kE4M3: {
      const std::uint8_t v = static_cast<const std::uint8_t*>(p)[i];
      const int e = (v >> 3) & 0xf, m = v & 7;
      const float a = e ? std::ldexp(8.0f + m, e - 10) : std::ldexp(float(m), -9);
      return v & 0x80 ? -a : a;
    }
    default:
      return static_cast<const float*>(p)[i];
  }
}

FAKE_ARITHMETIC void Store(void* p, int type, std::size_t i, float v) {
  switch (type) {
    case kF16:
      static_cast<std::uint16_t*>(p)[i] = FloatToHalf(v);
      return;
    case kBf16: {
      const std::uint32_t x = std::bit_cast<std::uint32_t>(v);
      static_cast<std::uint16_t*>(p)[i] =
          static_cast<std::uint16_t>((x + 0x7fffu + ((x >> 16) & 1u)) >> 16);
      return;
    }
    default:
      static_cast<float*>(p)[i] = v;
  }
}

int gemm_calls = 0;

// Column-major C = alpha * op(A) * op(B) + beta * C, accumulated in float like the GPU.
FAKE_ARITHMETIC void Gemm(int m, int n, int k, bool trans_a, bool trans_b, float alpha,
                          const void* a, int a_type, int lda, const void* b, int b_type, int ldb,
                          float beta, void* c, int c_type, int ldc) {
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      float sum = 0;
      for (int p = 0; p < k; ++p) {
        const std::size_t ai = trans_a ? std::size_t(i) * lda + p : std::size_t(p) * lda + i;
        const std::size_t bi = trans_b ? std::size_t(p) * ldb + j : std::size_t(j) * ldb + p;
        sum += Load(a, a_type, ai) * Load(b, b_type, bi);
      }
      const std::size_t ci = std::size_t(j) * ldc + i;
      Store(c, c_type, ci, alpha * sum + (beta != 0 ? beta * Load(c, c_type, ci) : 0.0f));
    }
  if (Config().value("gemm_wrong", false)) Store(c, c_type, 7, Load(c, c_type, 7) + 100.0f);
  if (Config().value("gemm_nondeterministic", false) && gemm_calls > 0) {
    const std::size_t mid = std::size_t(m) * n / 2;
    Store(c, c_type, mid, std::nextafter(Load(c, c_type, mid), 1e30f));
  }
  ++gemm_calls;
}

// cuBLASLt's descriptors.
struct MatmulDesc {
  int transa = 0, transb = 0;
};
struct Layout {
  int type;
  std::uint64_t rows, cols;
  std::int64_t ld;
};

struct Descriptor {
  int n = 0, c = 0, h = 0, w = 0;
};

struct Reduction {
  const float* send;
  float* recv;
  std::size_t count;
};
std::vector<Reduction> pending;
bool in_group = false;

void Flush() {
  if (pending.empty()) return;
  std::vector<float> sum(pending[0].count, 0.0f);
  for (const auto& r : pending)
    for (std::size_t i = 0; i < r.count && i < sum.size(); ++i) sum[i] += r.send[i];
  for (const auto& r : pending) std::memcpy(r.recv, sum.data(), sum.size() * 4);
  pending.clear();
}

}  // namespace

extern "C" {

// ---- cuBLAS ------------------------------------------------------------------------------

int cublasCreate_v2(void** h) {
  ENTER("cublasCreate_v2");
  *h = new int(0);
  return 0;
}
int cublasDestroy_v2(void* h) {
  ENTER("cublasDestroy_v2");
  delete static_cast<int*>(h);
  return 0;
}
int cublasGetVersion_v2(void*, int* v) {
  ENTER("cublasGetVersion_v2");
  *v = Config().value("cublas_version", 120402);
  return 0;
}
const char* cublasGetStatusString(int s) {
  return s == kCublasSuccess           ? "CUBLAS_STATUS_SUCCESS"
         : s == kCublasExecutionFailed ? "CUBLAS_STATUS_EXECUTION_FAILED"
                                       : "CUBLAS_STATUS_UNKNOWN";
}

int cublasSetWorkspace_v2(void*, void* workspace, std::size_t bytes) {
  ENTER("cublasSetWorkspace_v2");
  return workspace || bytes == 0 ? kCublasSuccess : kCublasInvalidValue;
}

int cublasSgemm_v2(void*, int ta, int tb, int m, int n, int k, const float* alpha, const float* a,
                   int lda, const float* b, int ldb, const float* beta, float* c, int ldc) {
  ENTER("cublasSgemm_v2");
  Gemm(m, n, k, ta != 0, tb != 0, *alpha, a, kF32, lda, b, kF32, ldb, *beta, c, kF32, ldc);
  return 0;
}

int cublasGemmEx(void*, int ta, int tb, int m, int n, int k, const void* alpha, const void* a,
                 int a_type, int lda, const void* b, int b_type, int ldb, const void* beta, void* c,
                 int c_type, int ldc, int, int) {
  ENTER("cublasGemmEx");
  if (a_type == kE4M3 || b_type == kE4M3 || c_type == kE4M3)
    return kCublasNotSupported;  // fp8 is cuBLASLt's
  Gemm(m, n, k, ta != 0, tb != 0, *static_cast<const float*>(alpha), a, a_type, lda, b, b_type, ldb,
       *static_cast<const float*>(beta), c, c_type, ldc);
  return 0;
}

// ---- cuBLASLt ----------------------------------------------------------------------------
// Also honours "lt_no_algorithm": true (the heuristic finds nothing) and, like Hopper's
// kernels, takes fp8 only with A transposed ("TN").

int cublasLtCreate(void** h) {
  ENTER("cublasLtCreate");
  *h = new int(0);
  return 0;
}
int cublasLtDestroy(void* h) {
  delete static_cast<int*>(h);
  return 0;
}
std::size_t cublasLtGetVersion() { return Config().value("cublas_version", std::size_t{120402}); }
int cublasLtMatmulDescCreate(MatmulDesc** d, int, int) {
  ENTER("cublasLtMatmulDescCreate");
  *d = new MatmulDesc;
  return 0;
}
int cublasLtMatmulDescDestroy(MatmulDesc* d) {
  delete d;
  return 0;
}
int cublasLtMatmulDescSetAttribute(MatmulDesc* d, int attribute, const void* value,
                                   std::size_t size) {
  if (!d || !value) return kCublasInvalidValue;
  if ((attribute == kLtDescTransA || attribute == kLtDescTransB) && size != sizeof(int))
    return kCublasInvalidValue;  // int32
  if (attribute == kLtDescTransA) std::memcpy(&d->transa, value, sizeof(int));
  if (attribute == kLtDescTransB) std::memcpy(&d->transb, value, sizeof(int));
  return 0;
}
int cublasLtMatrixLayoutCreate(Layout** l, int type, std::uint64_t rows, std::uint64_t cols,
                               std::int64_t ld) {
  *l = new Layout{type, rows, cols, ld};
  return 0;
}
int cublasLtMatrixLayoutDestroy(Layout* l) {
  delete l;
  return 0;
}
int cublasLtMatmulPreferenceCreate(void** p) {
  *p = new int(0);
  return 0;
}
int cublasLtMatmulPreferenceDestroy(void* p) {
  delete static_cast<int*>(p);
  return 0;
}
int cublasLtMatmulPreferenceSetAttribute(void*, int, const void* value, std::size_t) {
  return value ? kCublasSuccess : kCublasInvalidValue;
}

int cublasLtMatmulAlgoGetHeuristic(void*, MatmulDesc* d, Layout* a, Layout*, Layout*, Layout*,
                                   void*, int requested, HeuristicResult* results, int* count) {
  ENTER("cublasLtMatmulAlgoGetHeuristic");
  if (requested < 1) return kCublasInvalidValue;
  *count = 0;
  if (Config().value("lt_no_algorithm", false) || (a->type == kE4M3 && d->transa != kCublasOpT))
    return kCublasNotSupported;
  results[0] = HeuristicResult{};
  results[0].algo[0] = 42;
  *count = 1;
  return 0;
}

int cublasLtMatmul(void*, MatmulDesc* d, const void* alpha, const void* a, Layout* al,
                   const void* b, Layout* bl, const void* beta, const void*, Layout*, void* out,
                   Layout* dl, const HeuristicResult*, void*, std::size_t, void*) {
  ENTER("cublasLtMatmul");
  if (al->type == kE4M3 && d->transa != kCublasOpT) return kCublasNotSupported;
  const int m = static_cast<int>(dl->rows), n = static_cast<int>(dl->cols);
  const int k = static_cast<int>(d->transa ? al->rows : al->cols);
  Gemm(m, n, k, d->transa != 0, d->transb != 0, *static_cast<const float*>(alpha), a, al->type,
       static_cast<int>(al->ld), b, bl->type, static_cast<int>(bl->ld),
       *static_cast<const float*>(beta), out, dl->type, static_cast<int>(dl->ld));
  return 0;
}

// ---- cuDNN -------------------------------------------------------------------------------

std::size_t cudnnGetVersion() { return Config().value("cudnn_version", std::size_t{90100}); }
const char* cudnnGetErrorString(int s) {
  return s == 0 ? "CUDNN_STATUS_SUCCESS" : "CUDNN_STATUS_INTERNAL_ERROR";
}
int cudnnCreate(void** h) {
  ENTER("cudnnCreate");
  *h = new int(0);
  return 0;
}
int cudnnDestroy(void* h) {
  delete static_cast<int*>(h);
  return 0;
}
int cudnnCreateTensorDescriptor(Descriptor** d) {
  *d = new Descriptor;
  return 0;
}
int cudnnDestroyTensorDescriptor(Descriptor* d) {
  delete d;
  return 0;
}
int cudnnSetTensor4dDescriptor(Descriptor* d, int, int, int n, int c, int h, int w) {
  *d = {n, c, h, w};
  return 0;
}
int cudnnCreateFilterDescriptor(Descriptor** d) {
  *d = new Descriptor;
  return 0;
}
int cudnnDestroyFilterDescriptor(Descriptor* d) {
  delete d;
  return 0;
}
int cudnnSetFilter4dDescriptor(Descriptor* d, int, int, int k, int c, int r, int s) {
  *d = {k, c, r, s};
  return 0;
}
int cudnnCreateConvolutionDescriptor(Descriptor** d) {
  *d = new Descriptor;
  return 0;
}
int cudnnDestroyConvolutionDescriptor(Descriptor* d) {
  delete d;
  return 0;
}
int cudnnSetConvolution2dDescriptor(Descriptor*, int, int, int, int, int, int, int, int) {
  return 0;
}
int cudnnGetConvolutionForwardWorkspaceSize(void*, Descriptor*, Descriptor*, Descriptor*,
                                            Descriptor*, int, std::size_t* bytes) {
  *bytes = 0;
  return 0;
}

static FAKE_ARITHMETIC void Convolve(const float* xs, const float* ws, float* ys,
                                     const Descriptor* xd, const Descriptor* wd,
                                     const Descriptor* yd) {
  const int C = xd->c, H = xd->h, W = xd->w, K = wd->n, R = wd->h, S = wd->w, P = yd->h, Q = yd->w;
  for (int k = 0; k < K; ++k)
    for (int p = 0; p < P; ++p)
      for (int q = 0; q < Q; ++q) {
        float sum = 0;
        for (int c = 0; c < C; ++c)
          for (int r = 0; r < R; ++r)
            for (int s = 0; s < S; ++s)
              sum += xs[(c * H + p + r) * W + q + s] * ws[((k * C + c) * R + r) * S + s];
        ys[(k * P + p) * Q + q] = sum;
      }
}

int cudnnConvolutionForward(void*, const void*, Descriptor* xd, const void* x, Descriptor* wd,
                            const void* w, Descriptor*, int, void*, std::size_t, const void*,
                            Descriptor* yd, void* y) {
  ENTER("cudnnConvolutionForward");
  Convolve(static_cast<const float*>(x), static_cast<const float*>(w), static_cast<float*>(y), xd,
           wd, yd);
  return 0;
}

// ---- NCCL --------------------------------------------------------------------------------

int ncclGetVersion(int* v) {
  ENTER("ncclGetVersion");
  *v = 22105;
  return 0;
}
const char* ncclGetErrorString(int r) { return r == 0 ? "no error" : "unhandled cuda error"; }
int ncclCommInitAll(void** comms, int n, const int*) {
  ENTER("ncclCommInitAll");
  for (int i = 0; i < n; ++i) comms[i] = new int(i);
  return 0;
}
int ncclCommDestroy(void* c) {
  delete static_cast<int*>(c);
  return 0;
}
int ncclGroupStart() {
  ENTER("ncclGroupStart");
  in_group = true;
  return 0;
}
int ncclGroupEnd() {
  ENTER("ncclGroupEnd");
  in_group = false;
  Flush();
  return 0;
}
int ncclAllReduce(const void* send, void* recv, std::size_t count, int, int, void*, void*) {
  ENTER("ncclAllReduce");
  pending.push_back({static_cast<const float*>(send), static_cast<float*>(recv), count});
  if (!in_group) Flush();
  return 0;
}

}  // extern "C"
