#pragma once
// One owner type for every handle a dlopened NVIDIA library hands out (a cuBLAS handle, a
// cuDNN descriptor, a CUDA event, device memory): move-only, and released through the same
// function table that created it when it goes out of scope. std::unique_ptr cannot hold
// them: several are integers (CUdeviceptr), and the deleter needs the table, not a function
// known at compile time.

#include <utility>

namespace dlenv::gpu {

/// `Destroy` names the table's release entry (`&CudnnApi::destroy_tensor`); a table whose
/// entry is missing (an optional symbol) releases nothing.
template <typename Api, typename Handle, auto Destroy>
class Owned {
 public:
  Owned() = default;
  explicit Owned(const Api& api) : api_(&api) {}
  /// Takes `handle` over; it is released with `api`.
  Owned(const Api& api, Handle handle) : api_(&api), handle_(handle) {}
  Owned(Owned&& other) noexcept
      : api_(other.api_), handle_(std::exchange(other.handle_, Handle{})) {}
  Owned& operator=(Owned&& other) noexcept {
    if (this != &other) {
      Reset();
      api_ = other.api_;
      handle_ = std::exchange(other.handle_, Handle{});
    }
    return *this;
  }
  Owned(const Owned&) = delete;
  Owned& operator=(const Owned&) = delete;
  ~Owned() { Reset(); }

  Handle get() const { return handle_; }
  explicit operator bool() const { return handle_ != Handle{}; }

  /// Releases what it holds and returns where a create call writes the new handle:
  /// `d.create_tensor(x.Put())`.
  Handle* Put() {
    Reset();
    return &handle_;
  }

  /// Releases the handle now (a no-op when empty).
  void Reset() {
    if (handle_ != Handle{} && api_ && api_->*Destroy) (api_->*Destroy)(handle_);
    handle_ = Handle{};
  }

 private:
  const Api* api_ = nullptr;
  Handle handle_{};
};

}  // namespace dlenv::gpu
