#pragma once
// --python, resolved once and alike for every command (probe/python_arg.h says how).

#include <string>
#include <vector>

#include "cli/commands.h"
#include "probe/python_arg.h"

namespace dlenv::cli {

/// The interpreter --python ARG names, read inside `root`; a UsageError (exit 2) otherwise.
inline std::string ResolvePython(const std::string& arg, const std::string& root = "/") {
  auto resolved = probe::ResolvePythonArg(util::RootFs(root.empty() ? "/" : root),
                                          util::Environment::FromProcess(), arg);
  if (!resolved) throw UsageError(probe::PythonArgError(arg));
  return *resolved;
}

inline void ResolvePythons(std::vector<std::string>& args, const std::string& root = "/") {
  for (std::string& a : args) a = ResolvePython(a, root);
}

}  // namespace dlenv::cli
