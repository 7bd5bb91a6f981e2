#include "lock/commands.h"

#include <fmt/chrono.h>
#include <fmt/format.h>

#include <algorithm>
#include <cerrno>
#include <chrono>
#include <filesystem>

#include "doctor/doctor.h"
#include "lock/atomic_write.h"
#include "lock/check.h"
#include "lock/diff.h"
#include "model/json.h"
#include "probe/identity.h"
#include "probe/probes.h"
#include "report/redact.h"
#include "util/read_file.h"

namespace dlenv::lock {
namespace {

CommandResult Error(std::string message) { return {"", std::move(message), kExitBadInput}; }

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
    error = fmt::format("{}: cannot read: {}", path, r.missing ? "No such file or directory" : r.skipped);
    return std::nullopt;
  }
  return std::move(*r.data);
}

std::string LockText(const Lock& lock) { return ToJson(lock).dump(2) + "\n"; }

}  // namespace

MachineLock LockThisMachine(const MachineOptions& options) {
  doctor::DoctorOptions d;
  d.root = options.root;
  d.timeout_seconds = options.timeout_seconds;
  if (options.python) d.pythons.push_back(*options.python);
  probe::ProbeContext ctx = doctor::MakeProbeContext(d);
  model::Snapshot snapshot = probe::TakeSnapshot(ctx);
  const model::PythonEnv* env = SelectPythonEnv(snapshot, options.python, ctx.env);
  if (options.python && !env) {
    return {std::nullopt, fmt::format("--python {}: no Python environment found there (give the interpreter, "
                                      "e.g. /path/to/venv/bin/python)",
                                      *options.python)};
  }
  if (options.redact) {
    // The environment is chosen on the real paths, then locked from the redacted copy.
    std::ptrdiff_t index = env ? env - snapshot.python_envs.data() : -1;
    snapshot = report::Redact(snapshot, probe::ProbeIdentity(ctx.env));
    env = index >= 0 ? &snapshot.python_envs[static_cast<std::size_t>(index)] : nullptr;
  }
  Lock lock = BuildLock(snapshot, env);
  lock.generated_at = NowUtc();
  return {std::move(lock), ""};
}

MachineLock LoadLock(const std::string& path, const MachineOptions& machine) {
  if (path == "-") return LockThisMachine(machine);
  std::string error;
  auto text = ReadBounded(path, error);
  if (!text) return {std::nullopt, error};
  ReadResult r = ParseLock(*text, path);
  return {std::move(r.lock), r.error};
}

CommandResult RunLock(const LockCommandOptions& options) {
  MachineLock m = LockThisMachine(options.machine);
  if (!m.lock) return Error(m.error);
  std::string text = LockText(*m.lock);
  if (!options.output) return {text, "", 0};
  if (auto err = WriteFilesAtomically({{*options.output, text}}); !err.empty()) return Error(err);
  std::size_t packages = m.lock->python ? m.lock->python->packages.size() : 0;
  return {fmt::format("Locked {} ({} Python packages{}) to {}\n", m.lock->content_hash, packages,
                      m.lock->source_python ? " from " + *m.lock->source_python : "", *options.output),
          "", 0};
}

CommandResult RunDiff(const DiffCommandOptions& options) {
  MachineLock a = LoadLock(options.a, options.machine);
  if (!a.lock) return Error(a.error);
  MachineLock b = LoadLock(options.b, options.machine);
  if (!b.lock) return Error(b.error);
  std::string an = options.a == "-" ? "this machine" : options.a;
  std::string bn = options.b == "-" ? "this machine" : options.b;
  LockDiff diff = DiffLocks(*a.lock, *b.lock);
  CommandResult r;
  switch (options.format) {
    case DiffFormat::kText: r.out = RenderDiffText(diff, an, bn); break;
    case DiffFormat::kMarkdown: r.out = RenderDiffMarkdown(diff, an, bn); break;
    case DiffFormat::kJson: r.out = DiffToJson(diff, an, bn).dump(2) + "\n"; break;
  }
  r.exit_code = diff.empty() ? 0 : 1;
  return r;
}

CommandResult RunCheck(const CheckCommandOptions& options) {
  MachineLock team = LoadLock(options.lock, options.machine);
  if (!team.lock) return Error(team.error);
  MachineLock here = LockThisMachine(options.machine);
  if (!here.lock) return Error(here.error);
  auto findings = CheckAgainstLock(*team.lock, *here.lock, options.lock);
  CommandResult r;
  if (options.json) {
    nlohmann::json j = {{"lock", options.lock}, {"lock_hash", team.lock->content_hash},
                        {"machine_hash", here.lock->content_hash}, {"findings", findings}};
    r.out = j.dump(2) + "\n";
  } else {
    r.out = RenderCheckText(findings, options.lock);
  }
  r.exit_code = CheckExitCode(findings);
  return r;
}

CommandResult RunRecipe(const RecipeCommandOptions& options) {
  MachineLock m = LoadLock(options.lock, MachineOptions{});
  if (!m.lock) return Error(m.error);
  Recipe recipe = MakeRecipe(*m.lock, options.recipe, BuiltinCudaImages());
  // Never a recipe that silently builds another environment: nothing is written.
  bool framework = std::any_of(recipe.missing.begin(), recipe.missing.end(),
                               [](const auto& u) { return u.framework; });
  if (framework || (!recipe.missing.empty() && !options.recipe.allow_missing)) {
    std::string why =
        fmt::format("{}: the recipe cannot reproduce {}; nothing was written:\n{}", options.lock,
                    framework ? "a framework" : "these packages", DescribeMissing(recipe.missing));
    why += framework
               ? "A framework is what the environment is for: install it with pip, conda or the "
                 "distribution's package manager and lock again."
               : "Lock again after reinstalling them with pip, conda or the distribution's package "
                 "manager, "
                 "or pass --allow-missing to write the recipe without them.";
    return {"", why, kExitUnreproducible};
  }
  std::error_code ec;
  std::filesystem::path dir = options.output_dir;
  std::filesystem::create_directories(dir, ec);
  if (ec) return Error(fmt::format("{}: cannot create the folder: {}", dir.string(), ec.message()));
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  for (const auto& f : recipe.files) files.emplace_back(dir / f.name, f.contents);
  if (auto err = WriteFilesAtomically(files); !err.empty()) return Error(err);
  std::string out = fmt::format("Base image: {}\n", recipe.base.image);
  for (const auto& n : recipe.base.notes) out += "  " + n + "\n";
  for (const auto& f : files) out += "Wrote " + f.first.string() + "\n";
  for (const auto& n : recipe.notes) out += "Note: " + n + "\n";
  return {out, "", 0};
}

}  // namespace dlenv::lock
