#pragma once
// Test fixture for the install scenarios: a machine (driver, GPUs by compute capability, one
// Python environment, glibc) as a snapshot. The planners' and the fetchers' view of it comes
// from Describe (plan.h), as in RunInstall.

#include <utility>
#include <vector>

#include "install/torch_pick.h"
#include "model/snapshot.h"

namespace dlenv::install {

inline const char* ScenarioGpuName(int cc_major) {
  switch (cc_major) {
    case 3:
      return "Tesla K80";
    case 7:
      return "Tesla V100";
    case 9:
      return "NVIDIA H100";
    case 12:
      return "NVIDIA GeForce RTX 5090";
    default:
      return "NVIDIA A100";
  }
}

/// `driver` "" : no driver; `gpus`: compute capabilities; the environment is /venv.
inline model::Snapshot ScenarioMachine(const char* driver, int driver_cuda,
                                       const std::vector<std::pair<int, int>>& gpus,
                                       const char* python, const char* glibc) {
  model::Snapshot snap;
  if (*driver) snap.driver.nvml_driver_version = driver;
  if (driver_cuda) snap.driver.cuda_driver_version = driver_cuda;
  int i = 0;
  for (auto [major, minor] : gpus) {
    model::GpuInfo g;
    g.index = i++;
    g.name = ScenarioGpuName(major);
    g.cc_major = major;
    g.cc_minor = minor;
    snap.gpus.push_back(g);
  }
  model::PythonEnv env;
  env.prefix = "/venv";
  env.executable = "/venv/bin/python";
  env.python_version = python;
  snap.python_envs.push_back(env);
  snap.host.glibc = glibc;
  return snap;
}

/// The fetchers' view of a host with CPython major.minor (x86_64, glibc unknown).
inline Host PythonHost(int major, int minor) {
  Host host;
  host.wheel.python_known = true;
  host.wheel.python_major = major;
  host.wheel.python_minor = minor;
  return host;
}

}  // namespace dlenv::install
