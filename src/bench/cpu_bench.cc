#include "bench/cpu_bench.h"

#include <fmt/format.h>
#include <unistd.h>

#include <algorithm>
#include <atomic>
#include <barrier>
#include <chrono>
#include <cmath>
#include <random>
#include <thread>
#include <vector>

#include "bench/gemm_check.h"
#include "bench/host_buffer.h"

namespace dlenv::bench {
namespace {

template <typename T>
HostBuffer RandomMatrix(std::size_t count, std::uint64_t seed) {
  std::mt19937_64 rng(seed);
  std::uniform_real_distribution<double> dist(-1.0, 1.0);
  HostBuffer buffer(count * sizeof(T));
  for (auto& x : buffer.as<T>()) x = static_cast<T>(dist(rng));
  return buffer;
}

template <typename T, typename Gemm>
Measurement GemmMeasurement(const CpuBlas& blas, int n, const char* blas_name, double roundoff,
                            Gemm gemm, const SamplingPolicy& policy, const Progress& progress) {
  Measurement m;
  m.group = "cpu.gemm";
  m.name = fmt::format("{} {}", blas_name, n);
  m.unit = "GFLOP/s";
  const auto size = static_cast<std::size_t>(n) * static_cast<std::size_t>(n);
  m.params = {{"m", std::to_string(n)},
              {"n", std::to_string(n)},
              {"k", std::to_string(n)},
              {"dtype", sizeof(T) == 4 ? "float32" : "float64"},
              {"library", blas.path()}};
  if (auto t = blas.threads()) m.params["threads"] = std::to_string(*t);
  m.work = 2.0 * n * n * n;
  const HostBuffer a_buffer = RandomMatrix<T>(size, 1), b_buffer = RandomMatrix<T>(size, 2);
  const HostBuffer c_buffer(size * sizeof(T));
  const std::span<T> a = a_buffer.as<T>(), b = b_buffer.as<T>(), c = c_buffer.as<T>();
  m.seconds = Sample([&] { return TimeCall([&] { gemm(n, n, n, a.data(), b.data(), c.data()); }); },
                     policy, progress);
  m.time = Summarize(m.seconds);
  m.value = m.time.median > 0 ? m.work / m.time.median / 1e9 : 0;
  GemmCheckSpec spec{
      .m = n, .n = n, .k = n, .accumulate_roundoff = roundoff, .output_roundoff = roundoff};
  const auto at = [n](std::span<const T> v) {
    return [v, n](int r, int col) {
      return static_cast<double>(v[static_cast<std::size_t>(r) * n + col]);
    };
  };
  m.check = CheckGemm(spec, at(a), at(b), at(c));
  return m;
}

}  // namespace

Measurement RunCpuGemm(const CpuBlas& blas, GemmType type, int n, const SamplingPolicy& policy,
                       const Progress& progress) {
  if (type == GemmType::kFp32) {
    return GemmMeasurement<float>(
        blas, n, "sgemm", kRoundoffFp32,
        [&](int m, int nn, int k, const float* a, const float* b, float* c) {
          blas.Sgemm(m, nn, k, a, b, c);
        },
        policy, progress);
  }
  return GemmMeasurement<double>(
      blas, n, "dgemm", kRoundoffFp64,
      [&](int m, int nn, int k, const double* a, const double* b, double* c) {
        blas.Dgemm(m, nn, k, a, b, c);
      },
      policy, progress);
}

std::size_t DefaultTriadElements() {
  long llc = sysconf(_SC_LEVEL3_CACHE_SIZE);
  if (llc <= 0) llc = sysconf(_SC_LEVEL2_CACHE_SIZE);
  const std::size_t per_array =
      std::max<std::size_t>(32u << 20, 4 * static_cast<std::size_t>(std::max(llc, 0L)));
  return per_array / sizeof(double);
}

Measurement RunTriad(std::size_t elements, int threads, const SamplingPolicy& policy,
                     const Progress& progress) {
  Measurement m;
  m.group = "cpu.memory";
  m.name = "triad";
  m.unit = "GB/s";
  threads = std::max(1, threads);
  m.work = 3.0 * sizeof(double) * static_cast<double>(elements);
  m.params = {{"bytes_per_array", std::to_string(elements * sizeof(double))},
              {"threads", std::to_string(threads)},
              {"counted", "2 reads + 1 write per element"}};
  constexpr double kScalar = 3.0;
  const HostBuffer a_buffer(elements * sizeof(double)), b_buffer(elements * sizeof(double)),
      c_buffer(elements * sizeof(double));
  const std::span<double> a = a_buffer.as<double>(), b = b_buffer.as<double>(),
                          c = c_buffer.as<double>();
  for (std::size_t i = 0; i < elements; ++i) {
    b[i] = 1.0 + static_cast<double>(i % 1000) * 1e-3;
    c[i] = 2.0 - static_cast<double>(i % 777) * 1e-3;
  }
  const auto chunk = [&](int t, double* __restrict out, const double* __restrict x,
                         const double* __restrict y) {
    const std::size_t begin =
        elements * static_cast<std::size_t>(t) / static_cast<std::size_t>(threads);
    const std::size_t end =
        elements * static_cast<std::size_t>(t + 1) / static_cast<std::size_t>(threads);
    for (std::size_t i = begin; i < end; ++i) out[i] = x[i] + kScalar * y[i];
  };

  // The team lives across samples so thread start-up is not timed; the calling thread is
  // member 0 and times from the first barrier to the last.
  std::atomic<bool> more{true};
  std::barrier sync(threads);
  std::vector<std::jthread> team;
  for (int t = 1; t < threads; ++t) {
    team.emplace_back([&, t] {
      for (;;) {
        sync.arrive_and_wait();
        if (!more.load(std::memory_order_relaxed)) return;
        chunk(t, a.data(), b.data(), c.data());
        sync.arrive_and_wait();
      }
    });
  }
  m.seconds = Sample(
      [&] {
        sync.arrive_and_wait();
        const auto start = std::chrono::steady_clock::now();
        chunk(0, a.data(), b.data(), c.data());
        sync.arrive_and_wait();
        return std::chrono::duration<double>(std::chrono::steady_clock::now() - start).count();
      },
      policy, progress);
  more = false;
  sync.arrive_and_wait();
  team.clear();

  m.time = Summarize(m.seconds);
  m.value = m.time.median > 0 ? m.work / m.time.median / 1e9 : 0;
  m.check.done = true;
  m.check.passed = true;
  const std::size_t stride = std::max<std::size_t>(1, elements / 4096);
  for (std::size_t i = 0; i < elements; i += stride) {
    const double want = b[i] + kScalar * c[i];
    if (!(std::fabs(a[i] - want) <=
          2 * kRoundoffFp64 * (std::fabs(b[i]) + std::fabs(kScalar * c[i])))) {
      m.check.passed = false;
      m.check.detail = fmt::format("a[{}] = {} but b + s c = {}", i, a[i], want);
      return m;
    }
  }
  m.check.detail =
      fmt::format("{} sampled elements equal b + s c", (elements + stride - 1) / stride);
  return m;
}

}  // namespace dlenv::bench
