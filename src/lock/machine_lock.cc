#include "lock/machine_lock.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <chrono>
#include <filesystem>

#include "probe/identity.h"
#include "probe/probes.h"
#include "report/redact.h"
#include "util/read_file.h"

namespace dlenv::lock {
namespace {

std::string NowUtc() {
  auto now = std::chrono::floor<std::chrono::seconds>(std::chrono::system_clock::now());
  return fmt::format("{:%Y-%m-%dT%H:%M:%SZ}", now);
}

// Reads at most kMaxLockBytes + 1 bytes, so a huge file is refused by ParseLock rather than
// read whole; a FIFO or a device (/dev/zero) is refused without reading.
std::optional<std::string> ReadBounded(const std::string& path, std::string& error) {
  std::error_code ec;
  if (std::filesystem::is_directory(path, ec)) {
    error = path + ": is a folder; give a lock file (made with `dlenv lock -o FILE`)";
    return std::nullopt;
  }
  util::FileRead r = util::ReadRegularFile(path, kMaxLockBytes + 1);
  if (!r.data) {
    error = fmt::format("{}: cannot read: {}", path,
                        r.missing ? "No such file or directory" : r.skipped);
    return std::nullopt;
  }
  return std::move(*r.data);
}

}  // namespace

MachineLock LockThisMachine(const probe::MachineOptions& machine, bool redact) {
  probe::ProbeContext ctx = probe::MakeProbeContext(machine);
  model::Snapshot snapshot = probe::TakeSnapshot(ctx);
  const std::optional<std::string> python =
      machine.pythons.empty() ? std::nullopt : std::optional<std::string>(machine.pythons.front());
  const model::PythonEnv* env = SelectPythonEnv(snapshot, python, ctx.env);
  if (python && !env) {
    return {std::nullopt,
            fmt::format("--python {}: no Python environment found there (give the interpreter, "
                        "e.g. /path/to/venv/bin/python)",
                        *python)};
  }
  if (redact) {
    // The environment is chosen on the real paths, then locked from the redacted copy.
    std::ptrdiff_t index = env ? env - snapshot.python_envs.data() : -1;
    snapshot = report::Redact(snapshot, probe::ProbeIdentity(ctx.env));
    env = index >= 0 ? &snapshot.python_envs[static_cast<std::size_t>(index)] : nullptr;
  }
  Lock lock = BuildLock(snapshot, env);
  lock.generated_at = NowUtc();
  return {std::move(lock), ""};
}

MachineLock LoadLock(const std::string& path, const probe::MachineOptions& machine) {
  if (path == "-") return LockThisMachine(machine);
  std::string error;
  auto text = ReadBounded(path, error);
  if (!text) return {std::nullopt, error};
  ReadResult r = ParseLock(*text, path);
  return {std::move(r.lock), r.error};
}

}  // namespace dlenv::lock
