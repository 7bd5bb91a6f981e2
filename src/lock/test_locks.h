#pragma once
// Test fixtures: a snapshot of a plausible GPU machine, and a lock built from it, for the
// lock tests to vary one field at a time.

#include "lock/lock.h"

namespace dlenv::lock::testing {

inline model::Snapshot GpuMachineSnapshot() {
  model::Snapshot s;
  s.dlenv_version = "0.1.0";
  s.host.os_id = "ubuntu";
  s.host.os_version = "22.04";
  s.host.os_name = "Ubuntu 22.04.4 LTS";
  s.host.glibc = "2.35";
  s.host.hostname = "node-17";
  s.driver.nvml_driver_version = "550.54.15";
  s.driver.nvml_cuda_driver_version = 12040;
  for (int i = 0; i < 2; ++i) {
    model::GpuInfo g;
    g.index = i;
    g.name = "NVIDIA A100-SXM4-40GB";
    g.uuid = "GPU-" + std::to_string(i);
    g.cc_major = 8;
    g.cc_minor = 0;
    s.gpus.push_back(g);
  }
  model::Toolkit t;
  t.root = "/usr/local/cuda-12.4";
  t.version = "12.4.1";
  s.toolkits.push_back(t);
  s.libraries.push_back({"cudnn", "/usr/lib/x86_64-linux-gnu/libcudnn.so.8", std::nullopt, "8.9.7",
                         "header", "ld.so.cache", false, true});
  s.libraries.push_back({"cuda", "/usr/local/cuda/lib64/stubs/libcuda.so", std::nullopt, "12.4",
                         "file name", "toolkit", true, false});
  model::PythonEnv env;
  env.prefix = "/home/ann/venv";
  env.executable = "/home/ann/venv/bin/python";
  env.python_version = "3.10.12";
  env.kind = "venv";
  env.found_via = {"VIRTUAL_ENV"};
  auto pkg = [](std::string name, std::string version) {
    model::PackageRecord r;
    r.name = name;
    r.normalized_name = name;
    r.version = version;
    r.installer = "pip";
    r.record_kind = "dist-info";
    return r;
  };
  env.packages = {pkg("torch", "2.3.1+cu121"), pkg("numpy", "1.26.4"), pkg("requests", "2.31.0"),
                  pkg("nvidia-cudnn-cu12", "8.9.2.26"), pkg("pip", "23.0.1")};
  model::FrameworkBuild torch;
  torch.name = "torch";
  torch.package = "torch";
  torch.version = "2.3.1+cu121";
  torch.cuda_build = true;
  torch.cuda_version = "12.1";
  torch.cudnn_version = "8.9.2";
  torch.cuda_archs = {"sm_90", "sm_80", "sm_86"};
  torch.numpy_abi = "1";
  env.frameworks.push_back(torch);
  s.python_envs.push_back(env);
  return s;
}

inline Lock GpuMachineLock() {
  auto s = GpuMachineSnapshot();
  return BuildLock(s, &s.python_envs.front());
}

/// Rebuilds `lock`'s hash after a test edited its fields.
inline Lock Rehash(Lock lock) {
  lock.content_hash = ContentHash(lock.lock_version, EnvironmentJson(lock));
  return lock;
}

inline LockedPackage* FindPackage(Lock& lock, const std::string& name) {
  for (auto& p : lock.python->packages) {
    if (p.name == name) return &p;
  }
  return nullptr;
}

}  // namespace dlenv::lock::testing
