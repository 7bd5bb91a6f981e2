#include "bench/host_buffer.h"

#include <sys/mman.h>

#include <algorithm>
#include <cstdlib>
#include <cstring>
#include <new>

namespace dlenv::bench {

void HostBuffer::Free::operator()(void* p) const { std::free(p); }

HostBuffer::HostBuffer(std::size_t bytes) : bytes_(bytes) {
  // aligned_alloc wants a multiple of the alignment.
  const std::size_t rounded =
      (std::max<std::size_t>(bytes, 1) + kAlignment - 1) / kAlignment * kAlignment;
  data_.reset(std::aligned_alloc(kAlignment, rounded));
  if (!data_) throw std::bad_alloc();
  if (rounded >= kHugePageThreshold) advised_ = madvise(data_.get(), rounded, MADV_HUGEPAGE) == 0;
  std::memset(data_.get(), 0, rounded);  // first touch after the advice, so huge pages back it
}

}  // namespace dlenv::bench
