#pragma once
// Python package versions (PEP 440) and version specifiers, with the ordering and matching
// rules of the `packaging` library that pip vendors, so that dlenv prints versions as
// `pip list` does and judges requirements as `pip check` does.
//
// Hand-written rather than a library: no Debian C++ library implements PEP 440, and the
// grammar is small. Numbers are kept as digit strings, so no version overflows.

#include <compare>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

class Pep440Version {
 public:
  /// Accepts every spelling PEP 440 normalizes ("1.0-RC1", "v2.0.post", "1.0+CU121");
  /// nullopt for anything else (pip's old LegacyVersion cases).
  static std::optional<Pep440Version> Parse(std::string_view text);

  /// The normalized form, as str(packaging.version.Version(text)): "1.0rc1", "2.0.post0".
  std::string ToString() const;
  /// Without the local label: "2.3.1+cu121" -> "2.3.1".
  std::string Public() const;
  /// Epoch and release only: "1!2.0rc1" -> "1!2.0".
  std::string BaseVersion() const;

  const std::vector<std::string>& release() const { return release_; }
  const std::string& local() const { return local_; }
  bool has_local() const { return !local_.empty(); }
  bool is_prerelease() const { return pre_kind_ != 0 || dev_.has_value(); }
  bool is_postrelease() const { return post_.has_value(); }
  /// A copy without the local label.
  Pep440Version WithoutLocal() const;

  std::strong_ordering operator<=>(const Pep440Version& o) const;
  bool operator==(const Pep440Version& o) const { return (*this <=> o) == 0; }

 private:
  std::string epoch_ = "0";
  std::vector<std::string> release_;  // digit strings without leading zeros
  char pre_kind_ = 0;                 // 0, 'a', 'b' or 'c' (rc)
  std::string pre_num_;
  std::optional<std::string> post_;
  std::optional<std::string> dev_;
  std::string local_;  // lower case, '.'-separated; empty when absent
};

/// One clause of a specifier set: ">=2.5", "==1.*", "~=3.1", "!=2.0.1".
struct VersionSpecifier {
  std::string op;       // ~= == != <= >= < > ===
  std::string version;  // as written (trimmed), ".*" kept
};

/// A comma-separated specifier set, as in a Requires-Dist line.
class SpecifierSet {
 public:
  /// nullopt when a clause is not a valid PEP 440 specifier.
  static std::optional<SpecifierSet> Parse(std::string_view text);
  /// Whether `version` satisfies every clause, pre-releases allowed (what `pip check` asks).
  /// A version that is not PEP 440 matches only `===` clauses.
  bool Contains(std::string_view version) const;
  /// As packaging prints it: clauses sorted, joined by ",".
  std::string ToString() const;
  bool empty() const { return specs_.empty(); }
  const std::vector<VersionSpecifier>& specifiers() const { return specs_; }

 private:
  std::vector<VersionSpecifier> specs_;
};

/// Whether one clause matches; `prereleases` follows packaging's Specifier.contains.
bool SpecifierMatches(const VersionSpecifier& spec, const Pep440Version& v);

/// PEP 503 normalized project name: lower case, runs of "-", "_" and "." become "-".
std::string NormalizeProjectName(std::string_view name);

}  // namespace dlenv::util
