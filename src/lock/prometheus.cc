#include "lock/prometheus.h"

#include "lock/diff.h"
#include "lock/machine_lock.h"
#include "report/redact.h"
#include "util/atomic_write.h"

namespace dlenv::lock {
namespace {

// The version of the copy the loader meets first, else of any copy of the family.
std::string LoaderFirst(const Lock& here, std::string_view family) {
  for (const auto& l : here.cuda_libraries)
    if (l.family == family && l.loader_first) return l.version;
  for (const auto& l : here.cuda_libraries)
    if (l.family == family) return l.version;
  return "";
}

}  // namespace

report::PrometheusEnvironment PrometheusEnvironmentOf(const Lock& here) {
  report::PrometheusEnvironment env;
  env.environment_hash = here.content_hash;
  env.driver_version = here.driver.version.value_or("");
  env.cuda_driver_version = here.driver.cuda.value_or("");
  env.cuda_toolkit_version = here.toolkits.empty() ? "" : here.toolkits.front();
  env.cudnn_version = LoaderFirst(here, "cudnn");
  env.nccl_version = LoaderFirst(here, "nccl");
  if (here.python) {
    env.python_version = here.python->version.value_or("");
    for (const auto& f : here.python->frameworks)
      env.frameworks.push_back(
          {f.name, f.version, f.cuda_version.value_or(""), f.cudnn_version.value_or("")});
  }
  return env;
}

report::PrometheusDrift MakeDrift(const Lock& team, std::string lock_path, const Lock& here) {
  const LockDiff diff = DiffLocks(team, here);
  return {std::move(lock_path), team.content_hash, diff.Count(Impact::kBreaking),
          diff.Count(Impact::kNotable), diff.Count(Impact::kCosmetic)};
}

std::string WritePrometheusTextfile(const std::filesystem::path& path,
                                    const model::Snapshot& snapshot, const Lock& here,
                                    const std::optional<report::PrometheusDrift>& drift,
                                    const report::PrometheusRun& run) {
  const report::PrometheusEnvironment env = PrometheusEnvironmentOf(here);
  const std::string text =
      run.redact ? report::RenderPrometheus(report::Redact(snapshot, run.who), env, drift, run)
                 : report::RenderPrometheus(snapshot, env, drift, run);
  return util::WriteFilesAtomically({{path, text}});
}

std::string WritePrometheus(const std::string& path, const std::optional<std::string>& lock_path,
                            const model::Snapshot& snapshot, const model::PythonEnv* env,
                            const report::PrometheusRun& run) {
  const Lock here = BuildLock(snapshot, env);
  std::optional<report::PrometheusDrift> drift;
  if (lock_path) {
    MachineLock team = LoadLock(*lock_path, probe::MachineOptions{});
    if (!team.lock) return team.error;
    drift = MakeDrift(*team.lock, *lock_path, here);
  }
  return WritePrometheusTextfile(path, snapshot, here, drift, run);
}

}  // namespace dlenv::lock
