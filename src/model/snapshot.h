#pragma once
// The plain data that probes fill, rules read and reporters render. No behaviour lives
// here: "unknown", "unsupported" and "could not read" are std::nullopt, not exceptions.

#include <cstdint>
#include <map>
#include <optional>
#include <string>
#include <vector>

#include "model/finding.h"
#include "model/platform.h"
#include "model/python.h"

namespace dlenv::model {

/// Bumped whenever a field changes meaning or disappears; additions keep the version.
inline constexpr int kSchemaVersion = 1;

struct PciDevice {
  std::string address;  // 0000:3b:00.0
  std::string vendor_id;
  std::string device_id;
  std::string class_id;
  std::optional<std::string> kernel_driver;  // nvidia, nouveau, vfio-pci, ...
};

struct HostInfo {
  std::string os_id;       // debian
  std::string os_name;     // Debian GNU/Linux 12 (bookworm)
  std::string os_version;  // 12
  std::string kernel;
  std::string glibc;
  std::string cpu_model;
  int cpu_cores = 0;
  std::uint64_t memory_bytes = 0;
  std::string hostname;
  std::optional<std::string> container;  // docker, podman, kubernetes, lxc, ...
  bool wsl = false;
  std::vector<PciDevice> nvidia_pci_devices;  // vendor 0x10de, display/3D class
};

struct DeviceNode {
  std::string path;
  bool exists = false;
  bool accessible = false;  // this user can open it read-write
};

/// What the child process that talked to NVML and the CUDA driver API reported.
enum class ProbeStatus { kNotRun, kOk, kTimeout, kCrashed, kFailed };

struct DriverInfo {
  std::optional<std::string> kernel_module_version;  // from /proc/driver/nvidia/version
  std::optional<std::string> kernel_module_text;

  ProbeStatus probe_status = ProbeStatus::kNotRun;
  std::optional<std::string> probe_detail;  // signal name, timeout length, error text

  // NVML
  std::optional<std::string> nvml_library_path;  // the file that actually loaded
  std::optional<std::string> nvml_load_error;
  std::optional<int> nvml_init_status;  // nvmlReturn_t of nvmlInit
  std::optional<std::string> nvml_init_error;
  std::optional<int> nvml_device_count;            // nvmlDeviceGetCount
  std::optional<std::string> nvml_driver_version;  // 550.54.15
  std::optional<int> nvml_cuda_driver_version;     // 12040

  // CUDA driver API
  std::optional<std::string> cuda_library_path;
  std::optional<std::string> cuda_load_error;
  std::optional<int> cuda_init_status;         // CUresult of cuInit
  std::optional<std::string> cuda_init_error;  // cuGetErrorName of that CUresult
  std::optional<int> cuda_driver_version;      // cuDriverGetVersion, e.g. 12040
  std::optional<int> cuda_device_count;

  std::vector<DeviceNode> device_nodes;
  std::optional<std::string> cuda_visible_devices;
  std::optional<std::string> nvidia_visible_devices;
};

struct GpuInfo {
  int index = 0;
  std::optional<int> cuda_index;  // its CUDA ordinal, when CUDA sees it (CUDA_VISIBLE_DEVICES)
  std::string name;
  std::optional<std::string> uuid;
  std::optional<std::string> serial;
  std::optional<std::string> pci_bus_id;
  std::optional<int> cc_major;
  std::optional<int> cc_minor;
  std::optional<std::string> architecture;  // Hopper
  std::optional<std::uint64_t> memory_total_bytes;
  std::optional<std::uint64_t> memory_used_bytes;
  std::optional<bool> persistence_mode;
  std::optional<bool> mig_mode;
  std::optional<std::uint64_t> ecc_uncorrected_volatile;
  std::optional<std::uint64_t> ecc_uncorrected_aggregate;
  std::optional<bool> retired_pages_pending;
  std::optional<unsigned> retired_pages_count;
  std::optional<unsigned> remapped_rows_correctable;
  std::optional<unsigned> remapped_rows_uncorrectable;
  std::optional<bool> row_remap_pending;
  std::optional<bool> row_remap_failure;
  std::optional<unsigned> pcie_gen_current;
  std::optional<unsigned> pcie_gen_max;
  std::optional<unsigned> pcie_width_current;
  std::optional<unsigned> pcie_width_max;
  std::optional<unsigned> temperature_c;
  std::optional<double> power_limit_w;
  std::optional<double> power_draw_w;
  std::optional<unsigned> sm_clock_mhz;
  std::optional<unsigned> sm_clock_max_mhz;
  std::optional<unsigned> mem_clock_mhz;
  std::optional<unsigned> mem_clock_max_mhz;
  std::optional<std::uint64_t> throttle_reasons;
  /// nvmlDeviceGetP2PStatus (NVML_P2P_CAPS_INDEX_READ) towards each other GPU, by that GPU's
  /// NVML index: 0 OK, 1 chipset, 2 GPU, 3 IOH topology not supported, 4 disabled by regkey,
  /// 5 not supported, 6 unknown.
  std::map<std::string, int> p2p_read_status;
};

struct Toolkit {
  std::string root;                    // /usr/local/cuda-13.0 (real path)
  std::vector<std::string> found_via;  // /usr/local/cuda, CUDA_HOME, PATH, conda
  std::optional<std::string> version;  // 13.0.2 or 13.0
  std::optional<std::string> version_source;
  std::map<std::string, std::string> components;  // cuda_cudart -> 13.0.96
  std::optional<std::string> nvcc_path;
  bool nvcc_on_path = false;  // the nvcc first on PATH lives in this toolkit
  /// The newest gcc major its nvcc accepts as host compiler (include/crt/host_config.h).
  std::optional<int> newest_gcc;
  std::optional<std::string> host_config;  // the header that says so
};

/// The C compiler nvcc runs as its host compiler when torch builds an extension
/// (probe/host_compiler.h): $CC (torch passes -ccbin $CC), else NVCC_CCBIN, else gcc on PATH.
struct HostCompiler {
  std::string path;                           // as found: /usr/bin/gcc
  std::string real_path;                      // /usr/bin/x86_64-linux-gnu-gcc-12
  std::string found_via;                      // CC, NVCC_CCBIN, PATH
  std::optional<int> gcc_major;               // none for clang, or where no file says
  std::optional<std::string> version_source;  // file name ..., or .../lib/gcc/<triple>/<version>
  std::vector<std::string> other_gxx;         // other g++ majors on PATH: /usr/bin/g++-13
};

/// One copy of a CUDA library that the dynamic loader (or a toolkit folder) can see.
struct LibraryCopy {
  std::string
      family;  // cudart, cublas, cublasLt, cudnn, cudnn_ops, nccl, nvrtc, nvinfer, cuda, nvidia-ml
  std::string path;
  std::optional<std::string> real_path;
  std::optional<std::string> version;
  std::optional<std::string> version_source;  // header, file name, dist-info
  std::string found_via;                      // ld.so.cache, LD_LIBRARY_PATH, toolkit, pip wheel
  bool is_stub = false;
  bool loader_first = false;  // the copy dlopen("libX.so.N") would pick
};

/// Where Triton (torch.compile's GPU code generator) finds the driver's libcuda on this
/// machine, found its way (triton/backends/nvidia/driver.py, libcuda_dirs), and the variables
/// that point it at another ptxas (probe/triton.h).
struct TritonSetup {
  std::optional<std::string> libcuda_path;  // TRITON_LIBCUDA_PATH as set
  /// The folders Triton links libcuda from: TRITON_LIBCUDA_PATH, else the folders of the
  /// ld.so.cache lines that name libcuda.so.1, else the LD_LIBRARY_PATH folders holding it.
  std::vector<std::string> libcuda_dirs;
  std::string libcuda_dirs_via;  // TRITON_LIBCUDA_PATH, ld.so.cache, LD_LIBRARY_PATH, ""
  bool libcuda_found =
      false;  // one of them holds libcuda.so.1 (3.6 and later link -l:libcuda.so.1)
  bool unversioned_found = false;  // one of them holds libcuda.so (3.1 to 3.5 link -lcuda)
  std::vector<std::string> ptxas_overrides;  // TRITON_PTXAS_PATH=..., as set
};

struct Snapshot {
  int schema_version = kSchemaVersion;
  std::string dlenv_version;
  std::string knowledge_date;
  std::string root = "/";
  HostInfo host;
  DriverInfo driver;
  std::vector<GpuInfo> gpus;
  std::vector<Toolkit> toolkits;
  std::optional<HostCompiler> host_compiler;
  /// TORCH_CUDA_ARCH_LIST as set: the GPU code torch's extension builds compile (unset: the
  /// visible GPUs' own).
  std::optional<std::string> torch_cuda_arch_list;
  std::vector<LibraryCopy> libraries;
  std::vector<PythonEnv> python_envs;
  ContainerHost container_host;
  ContainerInside container_inside;
  DriverLifecycle driver_lifecycle;
  WslInfo wsl;
  GpuLinks gpu_links;
  TritonSetup triton;
  std::vector<Finding> findings;
};

}  // namespace dlenv::model
