// Every signature of the catalogue on the real text as its framework prints it
// (tests/error-texts: captured by running the wheels, or the framework's format string with
// its source), judged on fixture machines (snapshots as doctor would take them): the verdict
// and the fix. Each configuration signature appears with two machines that give two causes.

#include "rules/error_causes.h"

#include <gtest/gtest.h>

#include <algorithm>
#include <map>
#include <set>

#include "knowledge/error_signatures.h"
#include "rules/error_signatures.h"
#include "testing/error_texts.h"

namespace dlenv::rules {
namespace {

using model::Finding;
using model::GpuInfo;
using model::Snapshot;

GpuInfo Gpu(const std::string& name, int major, int minor) {
  GpuInfo g;
  g.name = name;
  g.cc_major = major;
  g.cc_minor = minor;
  return g;
}

Finding Error(const std::string& id, const std::string& fix) {
  return {id, model::Severity::kError, id + " (fixture)", "fixture evidence for " + id, fix};
}

// --- the fixture machines ---
Snapshot NoDriverHost() { return {}; }  // bare metal without an NVIDIA driver

Snapshot ContainerWithoutGpus() {
  Snapshot s;
  s.host.container = "docker";
  s.findings.push_back(
      Error("container.gpu_not_passed", "docker run --gpus all (from the finding)"));
  return s;
}

Snapshot WithDriver(const std::string& version, int cuda, std::vector<GpuInfo> gpus) {
  Snapshot s;
  s.driver.kernel_module_version = version;
  s.driver.nvml_driver_version = version;
  s.driver.cuda_driver_version = cuda;
  s.gpus = std::move(gpus);
  return s;
}

Snapshot OldDriverA100() {  // driver 470 (CUDA 11.4) with a torch built for CUDA 12.1
  auto s = WithDriver("470.82.01", 11040, {Gpu("NVIDIA A100-SXM4-80GB", 8, 0)});
  s.findings.push_back(
      Error("driver.too_old", "Install NVIDIA driver 525.60.13 or newer (from the finding)"));
  return s;
}
Snapshot H100() { return WithDriver("550.54.15", 12040, {Gpu("NVIDIA H100 80GB HBM3", 9, 0)}); }
Snapshot Rtx4090() {
  return WithDriver("550.54.15", 12040, {Gpu("NVIDIA GeForce RTX 4090", 8, 9)});
}
Snapshot Rtx5090OldTorch() {
  auto s = WithDriver("570.86.10", 12080, {Gpu("NVIDIA GeForce RTX 5090", 12, 0)});
  s.findings.push_back(Error("gpu.arch_unsupported",
                             "dlenv install torch --python /venv/bin/python (from the finding)"));
  return s;
}
Snapshot With(Snapshot s, const std::string& finding) {
  s.findings.push_back(Error(finding, "the fix of " + finding + " (from the finding)"));
  return s;
}
Snapshot VisibleDevices(Snapshot s, const std::string& value) {
  s.driver.cuda_visible_devices = value;
  return s;
}
Snapshot WithLibrary(Snapshot s, const std::string& path) {
  model::LibraryCopy copy;
  copy.family = "lib";
  copy.path = path;
  copy.found_via = "toolkit";
  s.libraries.push_back(copy);
  return s;
}
Snapshot WithPackage(Snapshot s, const std::string& name, const std::string& version) {
  model::PythonEnv env;
  env.prefix = "/venv";
  env.executable = "/venv/bin/python";
  model::PackageRecord p;
  p.name = p.normalized_name = name;
  p.version = version;
  env.packages.push_back(p);
  s.python_envs.push_back(env);
  return s;
}
Snapshot InContainer(Snapshot s) {
  s.host.container = "docker";
  return s;
}

struct Case {
  const char* text;     // tests/error-texts/<text>.txt
  const char* machine;  // said in the failure message
  Snapshot snapshot;
  const char* signature;  // the first (root) match
  const char* cause;
  const char* fix_has;  // a piece of the fix
};

std::vector<Case> Cases() {
  return {
      // driver layer
      {"torch-2.15.0-no-driver", "bare metal, no driver", NoDriverHost(), "torch.no_driver",
       "no_driver", "ubuntu-drivers"},
      {"torch-2.15.0-no-driver", "docker without --gpus", ContainerWithoutGpus(), "torch.no_driver",
       "container_without_gpus", "(from the finding)"},
      {"torch-2.15.0-no-driver", "H100 with a driver", H100(), "torch.no_driver",
       "log_from_elsewhere", "--from"},
      {"cupy-14.2.0-no-driver", "bare metal, no driver", NoDriverHost(), "cuda.insufficient_driver",
       "no_driver", "ubuntu-drivers"},
      {"cupy-14.2.0-driver-too-old", "A100 on driver 470", OldDriverA100(),
       "cuda.insufficient_driver", "driver_too_old", "525.60.13"},
      {"cupy-14.2.0-status-insufficient-driver", "stub libcuda",
       With(H100(), "driver.stub_library"), "cuda.insufficient_driver", "stub_libcuda",
       "(from the finding)"},
      {"torch-2.15.0-driver-too-old", "A100 on driver 470 (CUDA 11.4)", OldDriverA100(),
       "torch.driver_too_old", "driver_older_than_build", "525.60.13"},
      {"torch-2.15.0-driver-too-old", "H100 on driver 550 (CUDA 12.4)", H100(),
       "torch.driver_too_old", "driver_changed", "--from"},
      {"torch-2.15.0-driver-too-old", "driver 470 without a torch finding",
       WithDriver("470.82.01", 11040, {}), "torch.driver_too_old",
       "driver_older_than_build_other_env", "ubuntu-drivers"},
      {"nvidia-smi-550-driver-library-mismatch", "upgraded without reboot",
       With(H100(), "driver.version_mismatch"), "nvml.driver_library_mismatch",
       "driver_upgraded_without_reboot", "(from the finding)"},
      {"nvidia-smi-550-driver-library-mismatch", "container", InContainer(H100()),
       "nvml.driver_library_mismatch", "container_libraries_differ", "image"},
      {"torch-2.15.0-cuinit-803", "upgraded without reboot",
       With(H100(), "driver.version_mismatch"), "cuda.unsupported_display_driver",
       "driver_upgraded_without_reboot", "(from the finding)"},
      {"torch-2.15.0-cuinit-803", "an older compat libcuda loaded",
       InContainer(With(H100(), "driver.compat_libcuda_older")), "cuda.unsupported_display_driver",
       "compat_libcuda_older", "(from the finding)"},
      {"torch-2.15.0-cuinit-803", "H100, no mismatch finding", H100(),
       "cuda.unsupported_display_driver", "compat_libcuda", "compat"},
      {"torch-extension-cxx11-abi0-torch-2.15.0-undefined-symbol", "doctor saw the ABI",
       With(H100(), "extension.cxx11_abi_mismatch"), "torch.extension_undefined_symbol",
       "cxx11_abi", "(from the finding)"},
      {"torch-extension-cxx11-abi0-torch-2.15.0-undefined-symbol", "another torch",
       With(H100(), "extension.undefined_symbols"), "torch.extension_undefined_symbol",
       "other_torch", "(from the finding)"},
      {"torch-extension-cxx11-abi0-torch-2.15.0-undefined-symbol", "no extension finding", H100(),
       "torch.extension_undefined_symbol", "built_for_other_torch", "--no-binary"},
      {"torch-2.15.0-cuinit-802", "HGX H100", H100(), "cuda.system_not_initialized",
       "fabric_manager_nvswitch", "nvidia-fabricmanager"},
      {"torch-2.15.0-cuinit-802", "RTX 4090", Rtx4090(), "cuda.system_not_initialized",
       "fabric_manager", "nvidia-fabricmanager"},
      {"torch-2.15.0-cuinit-802", "no driver", NoDriverHost(), "cuda.system_not_initialized",
       "no_driver_here", "--from"},
      {"torch-2.15.0-cuinit-999", "CUDA_VISIBLE_DEVICES set", VisibleDevices(H100(), "1"),
       "cuda.unknown_error", "visible_devices_changed", "before the program starts"},
      {"torch-2.15.0-cuinit-999", "H100", H100(), "cuda.unknown_error", "uvm_after_suspend",
       "modprobe nvidia_uvm"},
      {"cupy-14.2.0-status-unknown", "RTX 4090", Rtx4090(), "cuda.unknown_error",
       "uvm_after_suspend", "nvidia-suspend"},
      {"torch-2.15.0-cuinit-804", "RTX 4090", Rtx4090(), "cuda.forward_compat_unsupported",
       "compat_on_geforce", "compat"},
      {"torch-2.15.0-cuinit-804", "no driver", NoDriverHost(), "cuda.forward_compat_unsupported",
       "no_driver_here", "--from"},
      {"torch-2.15.0-no-gpus", "bare metal, no driver", NoDriverHost(), "cuda.no_device",
       "no_driver", "ubuntu-drivers"},
      {"torch-2.15.0-no-gpus", "docker without --gpus", ContainerWithoutGpus(), "cuda.no_device",
       "container_without_gpus", "(from the finding)"},
      {"torch-2.15.0-cuinit-100", "H100", H100(), "cuda.no_device", "gpus_here",
       "CUDA_VISIBLE_DEVICES"},
      {"torch-2.15.0-cuinit-100", "CUDA_VISIBLE_DEVICES=7 on one GPU",
       With(VisibleDevices(H100(), "7"), "gpu.none_visible"), "cuda.no_device",
       "visible_devices_hide_all", "(from the finding)"},
      {"torch-2.15.0-cuinit-46", "H100", H100(), "cuda.devices_busy", "exclusive_compute_mode",
       "nvidia-smi -c DEFAULT"},
      {"torch-2.15.0-cuinit-46", "no driver", NoDriverHost(), "cuda.devices_busy", "no_driver_here",
       "--from"},
      {"torch-2.15.0-cuinit-304", "docker", InContainer(H100()), "cuda.os_call_failed",
       "container_devices", "--gpus all"},
      {"torch-2.15.0-cuinit-304", "bare metal H100", H100(), "cuda.os_call_failed",
       "device_permissions", "nvidia-modprobe"},
      {"torch-2.15.0-api-not-supported", "A100 on driver 470", OldDriverA100(),
       "cuda.api_not_supported", "driver_too_old", "525.60.13"},
      {"torch-2.15.0-api-not-supported", "H100", H100(), "cuda.api_not_supported",
       "foreign_libcuda", "ldconfig -p"},
      {"torch-2.15.0-cuinit-34", "stubs on LD_LIBRARY_PATH",
       With(H100(), "toolkit.stubs_on_library_path"), "cuda.stub_library", "stubs_on_path",
       "(from the finding)"},
      {"torch-2.15.0-cuinit-34", "no driver", NoDriverHost(), "cuda.stub_library", "no_driver",
       "ubuntu-drivers"},
      {"glibc-2.36-dlopen-libcuda", "docker", InContainer(NoDriverHost()), "driver.libcuda_missing",
       "container_without_gpus", "--gpus all"},
      {"glibc-2.36-dlopen-libcuda", "bare metal, no driver", NoDriverHost(),
       "driver.libcuda_missing", "no_driver", "ubuntu-drivers"},
      {"glibc-2.36-dlopen-libcuda", "H100", H100(), "driver.libcuda_missing", "log_from_elsewhere",
       "--from"},
      {"glibc-2.36-dlopen-libnvidia-ml", "bare metal, no driver", NoDriverHost(),
       "driver.nvml_missing", "no_driver", "ubuntu-drivers"},
      {"glibc-2.36-dlopen-libnvidia-ml", "docker", InContainer(NoDriverHost()),
       "driver.nvml_missing", "container_without_gpus", "--gpus all"},
      {"nvidia-smi-550-no-communication", "nouveau bound",
       With(NoDriverHost(), "driver.nouveau_bound"), "driver.smi_no_communication", "nouveau",
       "(from the finding)"},
      {"nvidia-smi-550-no-communication", "bare metal", NoDriverHost(),
       "driver.smi_no_communication", "module_not_loaded", "modprobe nvidia"},
      // container toolkit
      {"docker-24-no-gpu-driver", "host with driver", H100(), "docker.no_gpu_runtime",
       "toolkit_missing", "nvidia-ctk runtime configure"},
      {"docker-24-no-gpu-driver", "host without driver", NoDriverHost(), "docker.no_gpu_runtime",
       "no_driver_on_host", "ubuntu-drivers"},
      {"nvidia-container-toolkit-1.17-nvml", "host without driver", NoDriverHost(),
       "container.cli_nvml_missing", "no_host_driver", "ubuntu-drivers"},
      {"nvidia-container-toolkit-1.17-nvml", "host with driver", H100(),
       "container.cli_nvml_missing", "toolkit_init", "nvidia-ctk"},
      {"podman-4-cdi-unresolvable", "host with driver", H100(), "container.cdi_unresolvable",
       "cdi_spec_missing", "nvidia-ctk cdi generate"},
      {"podman-4-cdi-unresolvable", "host without driver", NoDriverHost(),
       "container.cdi_unresolvable", "no_driver_on_host", "ubuntu-drivers"},
      {"nvidia-container-toolkit-1.17-cuda-requirement", "driver 470 (CUDA 11.4)", OldDriverA100(),
       "container.cuda_requirement", "host_driver_too_old", "CUDA 11.4"},
      {"nvidia-container-toolkit-1.17-cuda-requirement", "driver 570 (CUDA 12.8)",
       Rtx5090OldTorch(), "container.cuda_requirement", "other_host", "dlenv doctor"},
      // libraries
      {"glibc-2.36-dlopen-libcudnn", "cuDNN missing (doctor agrees)",
       With(H100(), "framework.cuda_libs_missing"), "lib.cannot_open", "libs_missing",
       "(from the finding)"},
      {"glibc-2.36-dlopen-libcudnn", "cuDNN 8 in a toolkit",
       WithLibrary(H100(), "/usr/local/cuda-11.8/lib64/libcudnn.so.8"), "lib.cannot_open",
       "on_disk_elsewhere", "LD_LIBRARY_PATH"},
      {"glibc-2.36-dlopen-libcudnn", "H100, nothing known", H100(), "lib.cannot_open",
       "not_installed", "libcudnn.so.8"},
      {"tensorflow-2.11-dso-loader", "H100", H100(), "tf.dso_load_failed", "not_installed",
       "tensorflow[and-cuda]"},
      {"tensorflow-2.11-dso-loader", "cudart in a toolkit",
       WithLibrary(H100(), "/usr/local/cuda-11.8/lib64/libcudart.so.11.0"), "tf.dso_load_failed",
       "on_disk_elsewhere", "LD_LIBRARY_PATH"},
      {"tensorflow-2.15-cannot-dlopen", "tensorflow-cpu on a GPU machine",
       With(H100(), "framework.cpu_only_build"), "tf.cannot_dlopen_gpu_libs", "cpu_build",
       "(from the finding)"},
      {"tensorflow-2.15-cannot-dlopen", "no driver", NoDriverHost(), "tf.cannot_dlopen_gpu_libs",
       "no_gpu", "CPU"},
      {"torch-2.15.0-system-cudnn", "shadowed (doctor agrees)",
       With(H100(), "framework.lib_shadowed"), "torch.cudnn_version_incompatible", "shadowed",
       "(from the finding)"},
      {"torch-2.15.0-system-cudnn", "this machine's copy: wheel removed", NoDriverHost(),
       "torch.cudnn_version_incompatible", "other_cudnn", "cuDNN torch pins"},
      {"tensorflow-2.15-cudnn-version", "H100", H100(), "xla.cudnn_version_mismatch", "old_cudnn",
       "tensorflow[and-cuda]"},
      {"tensorflow-2.15-cudnn-version", "shadowed", With(H100(), "framework.lib_shadowed"),
       "xla.cudnn_version_mismatch", "shadowed", "(from the finding)"},
      {"torch-2.15.0-nccl-undefined-symbol", "this machine's copy: wheel removed", NoDriverHost(),
       "nccl.undefined_symbol", "old_nccl", "NCCL wheel"},
      {"torch-2.15.0-nccl-undefined-symbol", "NCCL wheel missing (doctor agrees)",
       With(H100(), "framework.cuda_libs_missing"), "nccl.undefined_symbol", "wheel_missing",
       "(from the finding)"},
      {"torch-2.2-nvjitlink-undefined-symbol", "H100", H100(), "lib.cuda_undefined_symbol",
       "mixed_versions", "pins"},
      {"torch-2.2-nvjitlink-undefined-symbol", "shadowed", With(H100(), "framework.lib_shadowed"),
       "lib.cuda_undefined_symbol", "shadowed", "(from the finding)"},
      {"nvidia-cusparse-cu12-12.1.0.106-nvjitlink-12.0.76-undefined-symbol",
       "nvidia wheels of two CUDA releases (doctor agrees)",
       With(H100(), "env.nvidia_wheels_mismatched"), "lib.cuda_undefined_symbol",
       "nvidia_wheels_mismatched", "(from the finding)"},
      {"nvidia-cusparse-cu12-12.1.0.106-nvjitlink-12.0.76-undefined-symbol", "H100", H100(),
       "lib.cuda_undefined_symbol", "mixed_versions", "pins"},
      {"torch-1.13-cudnn8-sublibrary", "no driver", NoDriverHost(), "driver.libcuda_missing",
       "no_driver", "ubuntu-drivers"},
      {"torch-1.13-cudnn8-ops-infer", "cuDNN missing (doctor agrees)",
       With(H100(), "framework.cuda_libs_missing"), "cudnn.sublibrary_load_failed", "libs_missing",
       "(from the finding)"},
      {"torch-1.13-cudnn8-ops-infer", "H100", H100(), "cudnn.sublibrary_load_failed",
       "partial_cudnn", "nvidia-cudnn-cu"},
      {"torch-2.1-cudnn-not-initialized", "H100", H100(), "cudnn.not_initialized",
       "memory_or_version", "nvidia-smi"},
      {"torch-2.1-cudnn-not-initialized", "cuDNN missing",
       With(H100(), "framework.cuda_libs_missing"), "cudnn.not_initialized", "missing",
       "(from the finding)"},
      {"torch-2.1-nvrtc-builtins", "H100", H100(), "nvrtc.builtins_missing", "nvrtc_mismatch",
       "nvidia-cuda-nvrtc"},
      {"torch-2.1-nvrtc-builtins", "builtins in a toolkit",
       WithLibrary(H100(), "/usr/local/cuda-12.1/lib64/libnvrtc-builtins.so.12.1"),
       "nvrtc.builtins_missing", "on_disk_elsewhere", "LD_LIBRARY_PATH"},
      {"torch-2.3-nccl-unhandled-cuda", "H100", H100(), "nccl.unhandled_cuda_error",
       "cuda_underneath", "NCCL_DEBUG=INFO"},
      {"torch-2.3-nccl-unhandled-cuda", "no driver", NoDriverHost(), "nccl.unhandled_cuda_error",
       "no_driver_here", "--from"},
      {"torch-2.3-nccl-system-error", "docker", InContainer(H100()), "nccl.system_error",
       "shm_in_container", "--ipc=host"},
      {"torch-2.3-nccl-system-error", "bare metal", H100(), "nccl.system_error", "system_call",
       "NCCL_DEBUG=INFO"},
      // builds
      {"torch-2.3-no-kernel-image", "K80 with a cu12 torch (doctor agrees)",
       With(H100(), "gpu.arch_unsupported"), "cuda.no_kernel_image", "arch_missing",
       "(from the finding)"},
      {"torch-2.3-no-kernel-image", "H100, torch fine: an extension", H100(),
       "cuda.no_kernel_image", "extension_arch", "TORCH_CUDA_ARCH_LIST"},
      {"cupy-14.2.0-status-no-kernel-image", "an extension without this GPU's code (doctor agrees)",
       With(H100(), "extension.arch_unsupported"), "cuda.no_kernel_image", "extension_arch_named",
       "(from the finding)"},
      {"cupy-14.2.0-status-no-kernel-image", "no driver", NoDriverHost(), "cuda.no_kernel_image",
       "arch_unsupported", "dlenv install"},
      {"torch-2.15.0-sm-not-compatible", "RTX 5090 with old torch (doctor agrees)",
       Rtx5090OldTorch(), "torch.sm_not_compatible", "arch_missing", "(from the finding)"},
      {"torch-2.15.0-sm-not-compatible", "RTX 5090, torch not inspected",
       WithDriver("570.86.10", 12080, {Gpu("NVIDIA GeForce RTX 5090", 12, 0)}),
       "torch.sm_not_compatible", "this_gpu_other_env", "dlenv install torch"},
      {"torch-2.15.0-sm-not-compatible", "H100", H100(), "torch.sm_not_compatible", "other_machine",
       "sm_120"},
      {"torch-1.13.1-cpu-cuda", "GPU machine, CPU torch", With(H100(), "framework.cpu_only_build"),
       "torch.not_compiled_with_cuda", "cpu_build", "(from the finding)"},
      {"torch-1.13.1-cpu-cuda", "no driver", NoDriverHost(), "torch.not_compiled_with_cuda",
       "no_gpu_here", "is_available"},
      {"jax-0.7.2-cpu-gpu-backend", "GPU machine, CPU jax",
       With(H100(), "framework.cpu_only_build"), "jax.no_gpu_backend", "cpu_jax",
       "(from the finding)"},
      {"jax-0.7.2-cpu-gpu-backend", "no driver", NoDriverHost(), "jax.no_gpu_backend", "no_driver",
       "ubuntu-drivers"},
      {"jax-0.7.2-cuda-jaxlib-missing", "GPU machine, CPU jax",
       With(H100(), "framework.cpu_only_build"), "jax.cuda_jaxlib_missing", "cpu_jax_here",
       "(from the finding)"},
      {"jax-0.7.2-cuda-jaxlib-missing", "no driver", NoDriverHost(), "jax.cuda_jaxlib_missing",
       "no_driver_here", "jax[cuda13]"},
      {"jax-0.7.2-backend-init", "no driver", NoDriverHost(), "jax.backend_init_failed",
       "no_driver", "ubuntu-drivers"},
      {"jax-0.7.2-backend-init", "old driver", OldDriverA100(), "jax.backend_init_failed",
       "driver_too_old", "525.60.13"},
      {"cupy-14.2.0-status-ptx-toolchain", "old driver", OldDriverA100(),
       "ptx.unsupported_toolchain", "driver_too_old", "525.60.13"},
      {"cupy-14.2.0-status-ptx-toolchain", "H100", H100(), "ptx.unsupported_toolchain",
       "newer_toolkit", "ubuntu-drivers"},
      {"torchvision-0.20.1-torch-2.15.0-nms", "torchvision inspected",
       WithPackage(NoDriverHost(), "torchvision", "0.20.1"), "torchvision.operator_missing",
       "pair_mismatch", "torch torchvision"},
      {"torchvision-0.20.1-torch-2.15.0-nms", "torchvision not inspected", NoDriverHost(),
       "torchvision.operator_missing", "pair_mismatch_other_env", "torch torchvision"},
      {"torchvision-0.28.0-nms-does-not-exist-torch-2.15.0", "doctor's companion check agrees",
       With(H100(), "companion.framework_mismatch"), "torchvision.operator_missing",
       "companion_mismatch", "(from the finding)"},
      {"torchvision-0.28.0-undefined-symbol-torch-2.15.0", "doctor's companion check agrees",
       With(H100(), "companion.framework_mismatch"), "torchvision.extension_undefined_symbol",
       "companion_mismatch", "(from the finding)"},
      {"torchvision-0.28.0-undefined-symbol-torch-2.15.0", "torchvision inspected",
       WithPackage(H100(), "torchvision", "0.28.0"), "torchvision.extension_undefined_symbol",
       "pair_mismatch", "torch torchvision"},
      {"torchvision-0.28.0-undefined-symbol-torch-2.15.0", "torchvision not inspected",
       NoDriverHost(), "torchvision.extension_undefined_symbol", "pair_mismatch_other_env",
       "torch torchvision"},
      {"xformers-0.0.35-cant-load-extensions-torch-2.15.0", "doctor's companion check agrees",
       With(H100(), "companion.framework_mismatch"), "xformers.built_for_other_torch",
       "companion_mismatch", "(from the finding)"},
      {"xformers-0.0.35-cant-load-extensions-torch-2.15.0", "xformers inspected",
       WithPackage(H100(), "xformers", "0.0.35"), "xformers.built_for_other_torch", "other_torch",
       "2.10.0+cu128"},
      {"torchvision-0.20-image-extension", "torchvision inspected",
       WithPackage(H100(), "torchvision", "0.20.1"), "torchvision.image_extension", "pair_mismatch",
       "torch torchvision"},
      {"torchvision-0.20-image-extension", "torchvision not inspected", H100(),
       "torchvision.image_extension", "not_here", "--python"},
      {"xformers-0.0.28-built-for", "xformers inspected", WithPackage(H100(), "xformers", "0.0.28"),
       "xformers.built_for_other_torch", "other_torch", "2.4.1+cu121"},
      {"xformers-0.0.28-built-for", "xformers not inspected", H100(),
       "xformers.built_for_other_torch", "not_here", "--python"},
      {"flash-attn-2.5-undefined-symbol", "flash-attn inspected",
       WithPackage(H100(), "flash-attn", "2.5.8"), "flash_attn.undefined_symbol",
       "built_for_other_torch", "--no-build-isolation"},
      {"flash-attn-2.5-undefined-symbol", "flash-attn not inspected", H100(),
       "flash_attn.undefined_symbol", "not_here", "--python"},
      {"bitsandbytes-0.43-no-gpu", "no driver", NoDriverHost(), "bitsandbytes.no_gpu_support",
       "no_driver", "NVIDIA driver"},
      {"bitsandbytes-0.43-no-gpu", "H100", H100(), "bitsandbytes.no_gpu_support",
       "cuda_lib_not_found", "pip install -U bitsandbytes"},
      {"triton-3.1-ptxas-sm120", "RTX 5090", Rtx5090OldTorch(), "triton.ptxas_unknown_arch",
       "this_gpu", "TRITON_PTXAS_PATH"},
      {"triton-3.1-ptxas-sm120", "H100", H100(), "triton.ptxas_unknown_arch", "old_ptxas",
       "triton"},
      {"triton-3.9.0-ptxas-12.9-unknown-gpu-name", "RTX 5090 with triton 3.2 (doctor agrees)",
       With(Rtx5090OldTorch(), "companion.triton_ptxas_unsupported_gpu"),
       "triton.ptxas_unknown_arch", "triton_release", "(from the finding)"},
      {"triton-3.9.0-libcuda-not-found", "Triton looks elsewhere (doctor agrees)",
       With(H100(), "companion.triton_libcuda_missing"), "triton.libcuda_not_found",
       "triton_lookup", "(from the finding)"},
      {"triton-3.9.0-libcuda-not-found", "no driver", NoDriverHost(), "triton.libcuda_not_found",
       "no_driver", "ubuntu-drivers"},
      {"gcc-12-cannot-find-lcuda", "H100", H100(), "triton.libcuda_not_found", "not_in_cache",
       "libcuda.so"},
      {"bitsandbytes-0.49.2-binary-not-found-torch-2.15.0", "bitsandbytes 0.49.2 (doctor agrees)",
       With(H100(), "companion.cuda_library_missing"), "bitsandbytes.cuda_library_missing",
       "no_library", "(from the finding)"},
      {"bitsandbytes-0.50.2-override-not-found-torch-2.15.0", "BNB_CUDA_VERSION (doctor agrees)",
       With(H100(), "companion.cuda_library_override"), "bitsandbytes.cuda_library_missing",
       "override", "(from the finding)"},
      {"bitsandbytes-0.49.2-binary-not-found-torch-2.15.0", "H100", H100(),
       "bitsandbytes.cuda_library_missing", "other_env", "bitsandbytes"},
      // not configuration: the same verdict on every machine
      {"torch-2.15.0-out-of-memory", "H100", H100(), "torch.out_of_memory", "program", ""},
      {"torch-2.15.0-out-of-memory", "no driver", NoDriverHost(), "torch.out_of_memory", "program",
       ""},
      {"tensorflow-2.20-oom", "H100", H100(), "tf.out_of_memory", "program", ""},
      {"jax-0.4-resource-exhausted", "H100", H100(), "jax.out_of_memory", "program", ""},
      {"cupy-14.2.0-out-of-memory", "H100", H100(), "cupy.out_of_memory", "program", ""},
      {"torch-2.15.0-cuinit-2", "H100", H100(), "cuda.out_of_memory", "program", ""},
      {"cupy-14.2.0-status-illegal-address", "H100", H100(), "cuda.illegal_memory_access",
       "program", ""},
      {"cupy-14.2.0-status-device-assert", "H100", H100(), "cuda.device_side_assert", "program",
       ""},
      {"torch-2.15.0-device-assert", "old driver", OldDriverA100(), "cuda.device_side_assert",
       "program", ""},
      {"torch-2.15.0-shape-mismatch", "no driver", NoDriverHost(), "torch.shape_mismatch",
       "program", ""},
      {"cupy-14.2.0-status-launch-failure", "H100", H100(), "cuda.launch_failure", "program", ""},
      {"torch-2.15.0-nccl-watchdog", "H100", H100(), "nccl.timeout", "program", ""},
  };
}

TEST(ErrorCauses, EveryRealTextGetsItsCauseAndFixOnItsMachine) {
  const auto& catalogue = knowledge::BuiltinErrorSignatures();
  for (const auto& c : Cases()) {
    SCOPED_TRACE(std::string(c.text) + " on " + c.machine);
    const auto matches = MatchErrorText(testing::ErrorText(c.text), catalogue);
    // The signature may share its text with a deeper one (the container toolkit's message
    // quotes dlerror's): the case is about this signature's match, wherever it is.
    const auto it = std::find_if(matches.begin(), matches.end(), [&](const SignatureMatch& m) {
      return m.signature->id == c.signature;
    });
    ASSERT_NE(it, matches.end()) << "no " << c.signature << " match";
    const auto& match = *it;
    MachineFacts facts;
    facts.snapshot = c.snapshot;
    const auto verdict = DecideCause(match, facts, "");
    EXPECT_EQ(verdict.cause->id, c.cause) << verdict.says;
    EXPECT_NE(verdict.fix.find(c.fix_has), std::string::npos) << verdict.fix;
    if (match.signature->configuration) {
      EXPECT_FALSE(verdict.fix.empty());
      // When the machine has the finding that covers the cause, its fix is the finding's.
      if (verdict.finding) {
        EXPECT_EQ(verdict.fix, verdict.finding->fix);
      }
      EXPECT_EQ(verdict.says.find("{"), std::string::npos) << verdict.says;
    }
  }
}

TEST(ErrorCauses, EverySignatureHasARealTextAndTwoCausesOnTwoMachines) {
  std::map<std::string, std::set<std::string>> causes;
  for (const auto& c : Cases()) causes[c.signature].insert(c.cause);
  const auto& catalogue = knowledge::BuiltinErrorSignatures();
  EXPECT_GE(catalogue.signatures.size(), 40u);
  for (const auto& s : catalogue.signatures) {
    ASSERT_TRUE(causes.count(s.id)) << s.id << " has no test on a real text";
    if (s.configuration) {
      EXPECT_GE(causes[s.id].size(), 2u) << s.id << " is tested on one cause only";
    }
  }
}

TEST(ErrorCauses, AnUnknownMachineGetsTheGeneralCauseAndSaysWhatItAssumed) {
  const auto matches = MatchErrorText(testing::ErrorText("torch-2.15.0-no-driver"),
                                      knowledge::BuiltinErrorSignatures());
  ASSERT_FALSE(matches.empty());
  const auto verdict = DecideCause(matches.front(), MachineFacts::Unknown(), "torch");
  EXPECT_EQ(verdict.cause->id, "driver_missing");
  ASSERT_FALSE(verdict.assumed.empty());
  EXPECT_NE(verdict.assumed.front().find("not known"), std::string::npos);
  EXPECT_TRUE(verdict.decided_by.empty());
}

TEST(ErrorCauses, ValuesAreExtractedAndFilledIn) {
  const auto matches = MatchErrorText(testing::ErrorText("torch-2.15.0-driver-too-old"),
                                      knowledge::BuiltinErrorSignatures());
  ASSERT_FALSE(matches.empty());
  EXPECT_EQ(matches.front().values.at("found_version"), "11040");
  MachineFacts facts;
  facts.snapshot = OldDriverA100();
  const auto verdict = DecideCause(matches.front(), facts, "torch");
  EXPECT_NE(verdict.says.find("CUDA 11.4"), std::string::npos) << verdict.says;
  ASSERT_FALSE(verdict.decided_by.empty());
  EXPECT_NE(verdict.decided_by.front().find("470.82.01"), std::string::npos);
  const auto cudnn = MatchErrorText(testing::ErrorText("torch-2.15.0-system-cudnn"),
                                    knowledge::BuiltinErrorSignatures());
  ASSERT_FALSE(cudnn.empty());
  EXPECT_EQ(cudnn.front().values.at("built_minor"), "26");
  EXPECT_EQ(cudnn.front().values.at("found_minor"), "19");
}

}  // namespace
}  // namespace dlenv::rules

namespace dlenv::rules {
namespace {

// The container toolkit's message quotes dlerror's "libnvidia-ml.so.1: cannot open ...": the
// missing driver library (driver layer) is the root, the toolkit's failure (container) follows.
TEST(ErrorCauses, TheDriverLibraryComesBeforeTheToolkitMessageThatQuotesIt) {
  const auto matches = MatchErrorText(testing::ErrorText("nvidia-container-toolkit-1.17-nvml"),
                                      knowledge::BuiltinErrorSignatures());
  ASSERT_EQ(matches.size(), 2u);
  EXPECT_EQ(matches[0].signature->id, "driver.nvml_missing");
  EXPECT_EQ(matches[1].signature->id, "container.cli_nvml_missing");
}

// verify's classifier is this one: a framework check's stderr becomes doctor's finding id.
TEST(ErrorCauses, VerifyClassifiesThroughTheSameCatalogue) {
  auto f = ClassifyErrorText("torch", testing::ErrorText("torch-2.15.0-driver-too-old"));
  ASSERT_TRUE(f.has_value());
  EXPECT_EQ(f->id, "driver.too_old");
  EXPECT_NE(f->evidence.find("found version 11040"), std::string::npos);
  EXPECT_FALSE(ClassifyErrorText("torch", testing::ErrorText("torch-2.15.0-out-of-memory")));
  auto cpu = ClassifyErrorText("torch", testing::ErrorText("torch-1.13.1-cpu-cuda"));
  ASSERT_TRUE(cpu.has_value());
  EXPECT_EQ(cpu->id, "framework.cpu_only_build");
}

}  // namespace
}  // namespace dlenv::rules
