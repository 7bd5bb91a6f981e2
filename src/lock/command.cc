#include "lock/command.h"

#include <fmt/format.h>

#include <algorithm>
#include <filesystem>

#include "knowledge/knowledge.h"
#include "lock/check.h"
#include "lock/diff.h"
#include "lock/machine_lock.h"
#include "model/json.h"
#include "probe/probes.h"
#include "rules/container_rules.h"
#include "rules/rules.h"
#include "util/atomic_write.h"

namespace dlenv::lock {
namespace {

using model::CommandResult;
using model::ExitCode;

std::string LockText(const Lock& lock) { return ToJson(lock).dump(2) + "\n"; }

CommandResult Out(std::string text, ExitCode exit = ExitCode::kOk) {
  CommandResult r;
  r.out = std::move(text);
  r.exit = exit;
  return r;
}

}  // namespace

CommandResult RunLock(const LockOptions& options) {
  MachineLock m = LockThisMachine(options.machine, options.output.redact);
  if (!m.lock) return model::UsageError(m.error);
  std::string text = LockText(*m.lock);
  if (!options.output_file) return Out(std::move(text));
  if (auto err = util::WriteFilesAtomically({{*options.output_file, text}}); !err.empty())
    return model::UsageError(err);
  std::size_t packages = m.lock->python ? m.lock->python->packages.size() : 0;
  return Out(fmt::format("Locked {} ({} Python packages{}) to {}\n", m.lock->content_hash, packages,
                         m.lock->source_python ? " from " + *m.lock->source_python : "",
                         *options.output_file));
}

CommandResult RunDiff(const DiffOptions& options) {
  MachineLock a = LoadLock(options.a, options.machine);
  if (!a.lock) return model::UsageError(a.error);
  MachineLock b = LoadLock(options.b, options.machine);
  if (!b.lock) return model::UsageError(b.error);
  std::string an = options.a == "-" ? "this machine" : options.a;
  std::string bn = options.b == "-" ? "this machine" : options.b;
  LockDiff diff = DiffLocks(*a.lock, *b.lock);
  CommandResult r;
  r.document = DiffToJson(diff, an, bn);
  switch (options.output.format) {
    case model::Format::kText:
      r.out = RenderDiffText(diff, an, bn);
      break;
    case model::Format::kMarkdown:
      r.out = RenderDiffMarkdown(diff, an, bn);
      break;
    case model::Format::kJson:
      r.out = r.document.dump(2) + "\n";
      break;
  }
  r.exit = diff.empty() ? ExitCode::kOk : ExitCode::kFindings;
  return r;
}

CommandResult RunCheck(const CheckOptions& options) {
  MachineLock team = LoadLock(options.lock, options.machine);
  if (!team.lock) return model::UsageError(team.error);
  MachineLock here = LockThisMachine(options.machine);
  if (!here.lock) return model::UsageError(here.error);
  CommandResult r;
  r.findings = CheckAgainstLock(*team.lock, *here.lock, options.lock);
  r.document = {{"lock", options.lock},
                {"lock_hash", team.lock->content_hash},
                {"machine_hash", here.lock->content_hash},
                {"findings", r.findings}};
  r.out = options.output.format == model::Format::kJson ? r.document.dump(2) + "\n"
                                                        : RenderCheckText(r.findings, options.lock);
  r.exit = model::ExitFor(r.findings);
  return r;
}

namespace {

// The recipe's image needs `docker run --gpus all`: can this machine start it that way?
std::string HostCanRunWithGpus(const probe::MachineOptions& machine,
                               const std::optional<util::DottedVersion>& image_cuda) {
  const model::Snapshot here = probe::TakeSnapshot(probe::MakeProbeContext(machine));
  const auto& k = knowledge::BuiltinKnowledge();
  auto blockers = rules::GpuContainerBlockers(here, rules::Evaluate(here, k));
  if (image_cuda) {
    if (auto b = rules::ImageCudaBlocker(here, k, *image_cuda)) blockers.push_back(std::move(*b));
  }
  if (blockers.empty()) {
    return "This host can run it with its GPUs (docker and the NVIDIA container toolkit are in "
           "place).\n";
  }
  std::string out = "This host cannot run it with its GPUs yet:\n";
  for (const auto& b : blockers) out += "  - " + b + "\n";
  return out;
}

}  // namespace

CommandResult RunRecipe(const RecipeCommandOptions& options) {
  MachineLock m = LoadLock(options.lock, probe::MachineOptions{});
  if (!m.lock) return model::UsageError(m.error);
  Recipe recipe = MakeRecipe(*m.lock, options.recipe, BuiltinCudaImages());
  // Never a recipe that silently builds another environment: nothing is written.
  bool framework = std::any_of(recipe.missing.begin(), recipe.missing.end(),
                               [](const auto& u) { return u.framework; });
  if (framework || (!recipe.missing.empty() && !options.recipe.allow_missing)) {
    CommandResult r;
    r.error =
        fmt::format("{}: the recipe cannot reproduce {}; nothing was written:\n{}", options.lock,
                    framework ? "a framework" : "these packages", DescribeMissing(recipe.missing));
    r.error += framework
                   ? "A framework is what the environment is for: install it with pip, conda or "
                     "the distribution's package manager and lock again."
                   : "Lock again after reinstalling them with pip, conda or the distribution's "
                     "package manager, or pass --allow-missing to write the recipe without them.";
    r.exit = ExitCode::kFindings;
    return r;
  }
  std::error_code ec;
  std::filesystem::path dir = options.output_dir;
  std::filesystem::create_directories(dir, ec);
  if (ec)
    return model::UsageError(
        fmt::format("{}: cannot create the folder: {}", dir.string(), ec.message()));
  std::vector<std::pair<std::filesystem::path, std::string>> files;
  for (const auto& f : recipe.files) files.emplace_back(dir / f.name, f.contents);
  if (auto err = util::WriteFilesAtomically(files); !err.empty()) return model::UsageError(err);
  std::string out = fmt::format("Base image: {}\n", recipe.base.image);
  for (const auto& n : recipe.base.notes) out += "  " + n + "\n";
  for (const auto& f : files) out += "Wrote " + f.first.string() + "\n";
  for (const auto& n : recipe.notes) out += "Note: " + n + "\n";
  if (recipe.gpu_reason) out += HostCanRunWithGpus(options.machine, recipe.base.cuda);
  return Out(std::move(out));
}

}  // namespace dlenv::lock
