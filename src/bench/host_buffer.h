#pragma once
// Host memory for the CPU measurements, allocated the way NumPy allocates large arrays: aligned
// to 2 MiB and, from 4 MiB up, marked for transparent huge pages (madvise MADV_HUGEPAGE; NumPy
// does the same, numpy/_core/src/multiarray/alloc.c). Without it a GEMM or triad over plain
// std::vector memory pays TLB misses that NumPy's does not, where the kernel's THP mode is
// "madvise", and the "native ceiling" comes out below the framework it is the ceiling of.

#include <cstddef>
#include <memory>
#include <span>

namespace dlenv::bench {

class HostBuffer {
 public:
  /// `bytes` zeroed bytes; throws std::bad_alloc when the memory is not there.
  explicit HostBuffer(std::size_t bytes);
  void* data() const { return data_.get(); }
  std::size_t size() const { return bytes_; }
  /// Whether madvise(MADV_HUGEPAGE) was asked for and accepted.
  bool huge_pages_advised() const { return advised_; }

  template <typename T>
  std::span<T> as() const {
    return {static_cast<T*>(data()), bytes_ / sizeof(T)};
  }

  static constexpr std::size_t kAlignment = std::size_t{2} << 20;
  static constexpr std::size_t kHugePageThreshold = std::size_t{4} << 20;

 private:
  struct Free {
    void operator()(void* p) const;
  };
  std::unique_ptr<void, Free> data_;
  std::size_t bytes_ = 0;
  bool advised_ = false;
};

}  // namespace dlenv::bench
