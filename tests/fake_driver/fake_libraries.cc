// libdlenv_fake_libraries.so: a test-only cuBLAS, cuDNN and NCCL over the fake driver's
// device memory (host memory; see fake_compute.cc). dlenv verify loads it through
// DLENV_CUBLAS_LIBRARY, DLENV_CUDNN_LIBRARY and DLENV_NCCL_LIBRARY. It reads the same
// scenario file (DLENV_FAKE_DRIVER_CONFIG), honours "returns", "hang" and "crash" for its
// entry points, and adds:
//
//   "gemm_nondeterministic": true   every GEMM after the first flips the low bit of one element
//   "gemm_wrong": true              every GEMM gets one element badly wrong
//   "cublas_version": 120402        what cublasGetVersion answers
//   "cudnn_version": 90100          what cudnnGetVersion answers

#include <signal.h>
#include <unistd.h>

#include <cmath>
#include <cstdint>
#include <cstdlib>
#include <cstring>
#include <fstream>
#include <vector>

#include <nlohmann/json.hpp>

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

float Half(std::uint16_t h) {
  const std::uint32_t sign = (h & 0x8000u) << 16, exp = (h >> 10) & 0x1fu, mant = h & 0x3ffu;
  if (exp == 0) return (sign ? -1.0f : 1.0f) * std::ldexp(static_cast<float>(mant), -24);
  std::uint32_t bits = sign | ((exp + 112u) << 23) | (mant << 13);
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}
float Bfloat(std::uint16_t b) {
  std::uint32_t bits = static_cast<std::uint32_t>(b) << 16;
  float f;
  std::memcpy(&f, &bits, 4);
  return f;
}

int gemm_calls = 0;

// Column-major C = alpha * A * B + beta * C, accumulated in float like the GPU.
void Gemm(int m, int n, int k, float alpha, const void* a, int a_type, const void* b, int b_type, float beta, float* c) {
  auto at = [](const void* p, int type, std::size_t i) {
    if (type == 2) return Half(static_cast<const std::uint16_t*>(p)[i]);
    if (type == 14) return Bfloat(static_cast<const std::uint16_t*>(p)[i]);
    return static_cast<const float*>(p)[i];
  };
  for (int j = 0; j < n; ++j)
    for (int i = 0; i < m; ++i) {
      float sum = 0;
      for (int p = 0; p < k; ++p) sum += at(a, a_type, std::size_t(p) * m + i) * at(b, b_type, std::size_t(j) * k + p);
      c[std::size_t(j) * m + i] = alpha * sum + beta * c[std::size_t(j) * m + i];
    }
  if (Config().value("gemm_wrong", false)) c[7] += 100.0f;
  if (Config().value("gemm_nondeterministic", false) && gemm_calls > 0) {
    std::uint32_t bits;
    std::memcpy(&bits, &c[m * n / 2], 4);
    bits ^= 1u;
    std::memcpy(&c[m * n / 2], &bits, 4);
  }
  ++gemm_calls;
}

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

int cublasCreate_v2(void** h) { ENTER("cublasCreate_v2"); *h = new int(0); return 0; }
int cublasDestroy_v2(void* h) { ENTER("cublasDestroy_v2"); delete static_cast<int*>(h); return 0; }
int cublasGetVersion_v2(void*, int* v) { ENTER("cublasGetVersion_v2"); *v = Config().value("cublas_version", 120402); return 0; }
const char* cublasGetStatusString(int s) { return s == 0 ? "CUBLAS_STATUS_SUCCESS" : s == 13 ? "CUBLAS_STATUS_EXECUTION_FAILED" : "CUBLAS_STATUS_UNKNOWN"; }

int cublasSgemm_v2(void*, int, int, int m, int n, int k, const float* alpha, const float* a, int, const float* b, int,
                   const float* beta, float* c, int) {
  ENTER("cublasSgemm_v2");
  Gemm(m, n, k, *alpha, a, 0, b, 0, *beta, c);
  return 0;
}

int cublasGemmEx(void*, int, int, int m, int n, int k, const void* alpha, const void* a, int a_type, int, const void* b,
                 int b_type, int, const void* beta, void* c, int c_type, int, int, int) {
  ENTER("cublasGemmEx");
  if (c_type != 0) return 15;  // NOT_SUPPORTED: verify asks for float output only
  Gemm(m, n, k, *static_cast<const float*>(alpha), a, a_type, b, b_type, *static_cast<const float*>(beta),
       static_cast<float*>(c));
  return 0;
}

// ---- cuDNN -------------------------------------------------------------------------------

std::size_t cudnnGetVersion() { return Config().value("cudnn_version", std::size_t{90100}); }
const char* cudnnGetErrorString(int s) { return s == 0 ? "CUDNN_STATUS_SUCCESS" : "CUDNN_STATUS_INTERNAL_ERROR"; }
int cudnnCreate(void** h) { ENTER("cudnnCreate"); *h = new int(0); return 0; }
int cudnnDestroy(void* h) { delete static_cast<int*>(h); return 0; }
int cudnnCreateTensorDescriptor(Descriptor** d) { *d = new Descriptor; return 0; }
int cudnnDestroyTensorDescriptor(Descriptor* d) { delete d; return 0; }
int cudnnSetTensor4dDescriptor(Descriptor* d, int, int, int n, int c, int h, int w) { *d = {n, c, h, w}; return 0; }
int cudnnCreateFilterDescriptor(Descriptor** d) { *d = new Descriptor; return 0; }
int cudnnDestroyFilterDescriptor(Descriptor* d) { delete d; return 0; }
int cudnnSetFilter4dDescriptor(Descriptor* d, int, int, int k, int c, int r, int s) { *d = {k, c, r, s}; return 0; }
int cudnnCreateConvolutionDescriptor(Descriptor** d) { *d = new Descriptor; return 0; }
int cudnnDestroyConvolutionDescriptor(Descriptor* d) { delete d; return 0; }
int cudnnSetConvolution2dDescriptor(Descriptor*, int, int, int, int, int, int, int, int) { return 0; }
int cudnnGetConvolutionForwardWorkspaceSize(void*, Descriptor*, Descriptor*, Descriptor*, Descriptor*, int,
                                            std::size_t* bytes) {
  *bytes = 0;
  return 0;
}

int cudnnConvolutionForward(void*, const void*, Descriptor* xd, const void* x, Descriptor* wd, const void* w,
                            Descriptor*, int, void*, std::size_t, const void*, Descriptor* yd, void* y) {
  ENTER("cudnnConvolutionForward");
  const auto* xs = static_cast<const float*>(x);
  const auto* ws = static_cast<const float*>(w);
  auto* ys = static_cast<float*>(y);
  const int C = xd->c, H = xd->h, W = xd->w, K = wd->n, R = wd->h, S = wd->w, P = yd->h, Q = yd->w;
  for (int k = 0; k < K; ++k)
    for (int p = 0; p < P; ++p)
      for (int q = 0; q < Q; ++q) {
        float sum = 0;
        for (int c = 0; c < C; ++c)
          for (int r = 0; r < R; ++r)
            for (int s = 0; s < S; ++s) sum += xs[(c * H + p + r) * W + q + s] * ws[((k * C + c) * R + r) * S + s];
        ys[(k * P + p) * Q + q] = sum;
      }
  return 0;
}

// ---- NCCL --------------------------------------------------------------------------------

int ncclGetVersion(int* v) { ENTER("ncclGetVersion"); *v = 22105; return 0; }
const char* ncclGetErrorString(int r) { return r == 0 ? "no error" : "unhandled cuda error"; }
int ncclCommInitAll(void** comms, int n, const int*) {
  ENTER("ncclCommInitAll");
  for (int i = 0; i < n; ++i) comms[i] = new int(i);
  return 0;
}
int ncclCommDestroy(void* c) { delete static_cast<int*>(c); return 0; }
int ncclGroupStart() { ENTER("ncclGroupStart"); in_group = true; return 0; }
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
