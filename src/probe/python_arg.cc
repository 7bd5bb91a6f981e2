#include "probe/python_arg.h"

#include <fmt/format.h>
#include <unistd.h>

#include <filesystem>

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

bool IsExecutableFile(const util::RootFs& fs, const fs::path& p) {
  return fs.IsRegularFile(p) && ::access(fs.Resolve(p).c_str(), X_OK) == 0;
}

}  // namespace

std::optional<std::string> ResolvePythonArg(const util::RootFs& fs, const util::Environment& env,
                                            const std::string& arg) {
  if (arg.empty()) return std::nullopt;
  fs::path p = arg;
  if (arg.find('/') == std::string::npos && !fs.Exists(p)) {
    // `--python python3.11`: what the shell would run.
    for (const std::string& dir : env.GetList("PATH")) {
      if (!dir.empty() && IsExecutableFile(fs, fs::path(dir) / arg))
        return (fs::path(dir) / arg).string();
    }
    return std::nullopt;
  }
  if (IsExecutableFile(fs, p)) return arg;
  if (!fs.IsDirectory(p)) return std::nullopt;
  for (const char* name : {"bin/python", "bin/python3"}) {
    if (IsExecutableFile(fs, p / name)) return (p / name).string();
  }
  if (fs.IsRegularFile(p / "pyvenv.cfg") || fs.IsDirectory(p / "conda-meta")) return arg;
  return std::nullopt;
}

std::string PythonArgError(const std::string& arg) {
  return fmt::format("--python {}: not a Python interpreter or environment", arg);
}

}  // namespace dlenv::probe
