#pragma once
// PEP 440 versions of Python packages, as far as a lock diff needs them: ordering of the
// public version, and the local label (+cu121) kept apart so that a change of variant reads
// as "rebuilt", not as an upgrade.
//
// A stand-in: util/pep440.h (python-envs) is the project's parser; once it is on main this
// file becomes a thin adapter over it. Nothing outside src/lock/ includes this header.

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::lock {

class PackageVersion {
 public:
  /// nullopt for text PEP 440 does not accept ("latest", "1.0-foo-bar").
  static std::optional<PackageVersion> Parse(std::string_view text);

  /// The first release number: 2 in 2.3.1+cu121, 0 when there is none.
  long long major() const { return release_.empty() ? 0 : release_[0]; }
  /// The local label without '+', normalised ("cu121"); empty when there is none.
  const std::string& local() const { return local_; }

  /// PEP 440 ordering of the public part only (local labels ignored).
  std::strong_ordering ComparePublic(const PackageVersion& o) const;

 private:
  long long epoch_ = 0;
  std::vector<long long> release_;
  // Pre-release: kind 0 a, 1 b, 2 rc.
  std::optional<std::pair<int, long long>> pre_;
  std::optional<long long> post_;
  std::optional<long long> dev_;
  std::string local_;
};

}  // namespace dlenv::lock
