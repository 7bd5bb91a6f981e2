#include "model/json.h"

namespace dlenv::model {

// The macros generate to_json/from_json; from_json tolerates missing keys (defaults), so
// documents from older dlenv versions of the same schema still load.
#define DLENV_JSON(Type, ...)                                                               \
  void to_json(nlohmann::json& nlohmann_json_j, const Type& nlohmann_json_t) {              \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_TO, __VA_ARGS__))                \
  }                                                                                         \
  void from_json(const nlohmann::json& nlohmann_json_j, Type& nlohmann_json_t) {            \
    const Type nlohmann_json_default_obj{};                                                 \
    NLOHMANN_JSON_EXPAND(NLOHMANN_JSON_PASTE(NLOHMANN_JSON_FROM_WITH_DEFAULT, __VA_ARGS__)) \
  }

DLENV_JSON(Finding, id, severity, title, evidence, fix)
DLENV_JSON(PciDevice, address, vendor_id, device_id, class_id, kernel_driver)
DLENV_JSON(HostInfo, os_id, os_name, os_version, kernel, glibc, cpu_model, cpu_cores, memory_bytes,
           hostname, container, wsl, nvidia_pci_devices)
DLENV_JSON(DeviceNode, path, exists, accessible)
DLENV_JSON(DriverInfo, kernel_module_version, kernel_module_text, probe_status, probe_detail,
           nvml_library_path, nvml_load_error, nvml_init_status, nvml_init_error, nvml_device_count,
           nvml_driver_version, nvml_cuda_driver_version, cuda_library_path, cuda_load_error,
           cuda_init_status, cuda_init_error, cuda_driver_version, cuda_device_count, device_nodes,
           cuda_visible_devices, nvidia_visible_devices)
DLENV_JSON(GpuInfo, index, cuda_index, name, uuid, serial, pci_bus_id, cc_major, cc_minor,
           architecture, memory_total_bytes, memory_used_bytes, persistence_mode, mig_mode,
           ecc_uncorrected_volatile, ecc_uncorrected_aggregate, retired_pages_pending,
           retired_pages_count, remapped_rows_correctable, remapped_rows_uncorrectable,
           row_remap_pending, row_remap_failure, pcie_gen_current, pcie_gen_max, pcie_width_current,
           pcie_width_max, temperature_c, power_limit_w, power_draw_w, sm_clock_mhz,
           sm_clock_max_mhz, mem_clock_mhz, mem_clock_max_mhz, throttle_reasons, p2p_read_status)
DLENV_JSON(Toolkit, root, found_via, version, version_source, components, nvcc_path, nvcc_on_path,
           newest_gcc, host_config)
DLENV_JSON(HostCompiler, path, real_path, found_via, gcc_major, version_source, other_gxx)
DLENV_JSON(LibraryCopy, family, path, real_path, version, version_source, found_via, is_stub,
           loader_first)
DLENV_JSON(PackageRecord, name, normalized_name, version, installer, requested, direct_url,
           record_kind, record_path, requires_dist, conda_build, conda_channel, shadowed,
           conda_name, conda_cuda_libraries, distro_package, distro_version)
DLENV_JSON(LibraryNeed, soname, resolved, found_via, version, expected_version)
DLENV_JSON(NvidiaWheel, package, version, libraries)
DLENV_JSON(FrameworkBuild, name, package, version, cuda_build, cuda_version, rocm_version,
           cudnn_version, debug, cuda_archs, archs_source, numpy_abi, libraries, evidence,
           nvidia_wheels)
DLENV_JSON(CompiledExtension, package, package_version, path, framework, framework_package,
           framework_version, expected_framework, expected_source, framework_libraries,
           framework_symbols, missing_count, missing_symbols, string_abi, framework_string_abi,
           cuda_runtime_major, cuda_archs, problem)
DLENV_JSON(LibrarySymbolGap, library, package, package_version, needed, provider, provider_package,
           provider_version, asked, missing_count, missing_symbols)
DLENV_JSON(CudaLibraryVariants, package, version, directory, file_prefix, variants,
           override_variable, override_value)
DLENV_JSON(PythonEnv, prefix, executable, python_version, kind, found_via, site_packages, packages,
           frameworks, extensions, nvidia_library_gaps, cuda_library_variants, skipped_files)
DLENV_JSON(ConfigFile, path, present, error)
DLENV_JSON(ContainerRuntimeEntry, name, path, path_found)
DLENV_JSON(DockerConfig, file, rootless, runtimes, default_runtime, cgroup_driver)
DLENV_JSON(ContainerdConfig, file, version, cri_disabled, runtimes, default_runtime, systemd_cgroup,
           enable_cdi)
DLENV_JSON(CrioConfig, files, runtimes, default_runtime)
DLENV_JSON(ToolkitConfig, file, mode, no_cgroups)
DLENV_JSON(CdiSpec, file, kind, devices, driver_versions, device_nodes, missing_device_nodes)
DLENV_JSON(DevCharLink, node, link, present)
DLENV_JSON(ContainerHost, docker_installed, containerd_installed, podman_installed,
           kubelet_installed, crio_installed, toolkit_binaries, docker, containerd, crio, toolkit,
           cdi_specs, cgroup_v2, systemd_running, dev_char_links)
DLENV_JSON(ContainerInside, shm_bytes, nvidia_driver_capabilities, image_cuda_version,
           image_cuda_source, compat_libcuda)
DLENV_JSON(KernelModuleFile, path, compression, version, signature_appended, error)
DLENV_JSON(DkmsBuild, module, version, kernel, arch, installed)
DLENV_JSON(AptOrigin, origin, label, archive, codename, component, site)
DLENV_JSON(DriverPackage, name, version, held, driver_libraries, origins)
DLENV_JSON(MokKey, path, enrolled, pending)
DLENV_JSON(DriverLifecycle, modules_dir, module_files, dkms_added, dkms_builds,
           sysfs_module_version, secure_boot, mok_keys, mok_list_error, packages,
           unattended_upgrades_installed, unattended_upgrade_periodic, unattended_blacklist,
           unattended_allowed_origins, unattended_origins_pattern, distro_id, distro_codename,
           apt_lists_unread, apt_conf_errors, nvswitch_nodes, fabric_manager_pid,
           fabric_manager_package)
DLENV_JSON(WslInfo, dxg, wsl1)
DLENV_JSON(PciBridge, address, acs, acs_offset, acs_control)
DLENV_JSON(GpuPciPath, gpu, root_complex, bridges, iommu_domain)
DLENV_JSON(GpuLinks, gpus, bridges, iommus, iommu_cmdline, nccl_settings, infiniband)
DLENV_JSON(TritonSetup, libcuda_path, libcuda_dirs, libcuda_dirs_via, libcuda_found,
           unversioned_found, ptxas_overrides)
DLENV_JSON(Snapshot, schema_version, dlenv_version, knowledge_date, root, host, driver, gpus,
           toolkits, host_compiler, torch_cuda_arch_list, libraries, python_envs, container_host,
           container_inside, driver_lifecycle, wsl, gpu_links, triton, findings)

}  // namespace dlenv::model
