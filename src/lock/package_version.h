#pragma once
// The view of PEP 440 versions a lock diff needs: ordering of the public version, and the
// local label (+cu121) kept apart so that a change of variant reads as "rebuilt", not as an
// upgrade. An adapter over util::Pep440Version, the project's one PEP 440 parser.

#include <compare>
#include <optional>
#include <string>
#include <string_view>

#include "util/pep440.h"

namespace dlenv::lock {

class PackageVersion {
 public:
  /// nullopt for text PEP 440 does not accept ("latest", "1.0-foo-bar").
  static std::optional<PackageVersion> Parse(std::string_view text) {
    auto v = util::Pep440Version::Parse(text);
    if (!v) return std::nullopt;
    return PackageVersion(std::move(*v));
  }

  /// Whether the first release numbers agree (2.3.1 and 2.0 do; 1.26.4 and 2.0.0 do not).
  bool SameMajor(const PackageVersion& o) const {
    return v_.release().front() == o.v_.release().front();
  }
  /// The normalised local label without '+' ("cu121"); empty when there is none.
  const std::string& local() const { return v_.local(); }
  /// PEP 440 ordering of the public part only (local labels ignored).
  std::strong_ordering ComparePublic(const PackageVersion& o) const {
    return v_.WithoutLocal() <=> o.v_.WithoutLocal();
  }

 private:
  explicit PackageVersion(util::Pep440Version v) : v_(std::move(v)) {}
  util::Pep440Version v_;
};

}  // namespace dlenv::lock
