#pragma once

#include <map>
#include <optional>
#include <string>
#include <vector>

namespace dlenv::util {

/// The environment variables probes read, passed in rather than read with getenv so that
/// tests can give each scenario its own.
class Environment {
 public:
  Environment() = default;
  explicit Environment(std::map<std::string, std::string> vars) : vars_(std::move(vars)) {}
  static Environment FromProcess();

  std::optional<std::string> Get(const std::string& name) const;
  /// A ':'-separated variable split into its non-empty entries.
  std::vector<std::string> GetList(const std::string& name) const;
  void Set(const std::string& name, std::string value) { vars_[name] = std::move(value); }
  const std::map<std::string, std::string>& vars() const { return vars_; }

 private:
  std::map<std::string, std::string> vars_;
};

}  // namespace dlenv::util
