#pragma once
// Dotted numeric versions as NVIDIA writes them (driver 550.54.15, CUDA 12.4, cuDNN
// 9.1.0.70). Python package versions follow PEP 440 and live in util/pep440.h.

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

class DottedVersion {
 public:
  DottedVersion() = default;
  /// Accepts "12", "12.4", "550.54.15"; leading "v" allowed; nullopt on anything else.
  static std::optional<DottedVersion> Parse(std::string_view text);
  /// CUDA's integer encoding: 12040 -> 12.4, 11080 -> 11.8.
  static DottedVersion FromCudaInt(int v);

  int major() const { return part(0); }
  int minor() const { return part(1); }
  int part(std::size_t i) const { return i < parts_.size() ? parts_[i] : 0; }
  std::size_t size() const { return parts_.size(); }
  /// The text it was parsed from (NVIDIA's zero-padded 530.30.02 stays so), else the parts.
  std::string ToString() const;

  /// Missing trailing parts compare as zero: 12.4 == 12.4.0.
  std::strong_ordering operator<=>(const DottedVersion& o) const;
  bool operator==(const DottedVersion& o) const { return (*this <=> o) == 0; }

 private:
  std::vector<int> parts_;
  std::string text_;
};

}  // namespace dlenv::util
