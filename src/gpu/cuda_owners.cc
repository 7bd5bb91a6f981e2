#include "gpu/cuda_owners.h"

#include <utility>

namespace dlenv::gpu::cuda {

DeviceMemory::DeviceMemory(DeviceMemory&& other) noexcept
    : api_(other.api_),
      context_(other.context_),
      ptr_(std::exchange(other.ptr_, 0)),
      bytes_(std::exchange(other.bytes_, 0)) {}

DeviceMemory& DeviceMemory::operator=(DeviceMemory&& other) noexcept {
  if (this != &other) {
    Reset();
    api_ = other.api_;
    context_ = other.context_;
    ptr_ = std::exchange(other.ptr_, 0);
    bytes_ = std::exchange(other.bytes_, 0);
  }
  return *this;
}

Result DeviceMemory::Allocate(std::size_t bytes) {
  Reset();
  if (!api_ || !api_->mem_alloc) return kMissingEntryPoint;
  DevicePtr p = 0;
  const Result rc = api_->mem_alloc(&p, bytes);
  if (rc == kSuccess) {
    ptr_ = p;
    bytes_ = bytes;
  }
  return rc;
}

void DeviceMemory::Reset() {
  if (ptr_ && api_ && api_->mem_free) {
    if (context_ && api_->ctx_set_current) api_->ctx_set_current(context_);
    api_->mem_free(ptr_);
  }
  ptr_ = 0;
  bytes_ = 0;
}

Result PinnedMemory::Allocate(std::size_t bytes) {
  memory_.Reset();
  if (!api_ || !api_->mem_alloc_host) return kMissingEntryPoint;
  void* p = nullptr;
  const Result rc = api_->mem_alloc_host(&p, bytes);
  if (rc == kSuccess) memory_ = Owned<Api, void*, &Api::mem_free_host>(*api_, p);
  return rc;
}

PrimaryContext::PrimaryContext(PrimaryContext&& other) noexcept
    : api_(other.api_), device_(other.device_), context_(std::exchange(other.context_, nullptr)) {}

PrimaryContext& PrimaryContext::operator=(PrimaryContext&& other) noexcept {
  if (this != &other) {
    Reset();
    api_ = other.api_;
    device_ = other.device_;
    context_ = std::exchange(other.context_, nullptr);
  }
  return *this;
}

Result PrimaryContext::Retain(Device device) {
  Reset();
  if (!api_ || !api_->device_primary_ctx_retain) return kMissingEntryPoint;
  Context c = nullptr;
  const Result rc = api_->device_primary_ctx_retain(&c, device);
  if (rc == kSuccess) {
    device_ = device;
    context_ = c;
  }
  return rc;
}

void PrimaryContext::Reset() {
  if (context_ && api_ && api_->device_primary_ctx_release)
    api_->device_primary_ctx_release(device_);
  context_ = nullptr;
}

}  // namespace dlenv::gpu::cuda
