#pragma once
// JSON (de)serialisation of the model, shared by the --json report, the lock file and the
// driver probe's child-to-parent hand-off.

#include <nlohmann/json.hpp>
#include <optional>

#include "model/snapshot.h"

namespace nlohmann {
template <typename T>
struct adl_serializer<std::optional<T>> {
  static void to_json(json& j, const std::optional<T>& v) {
    if (v)
      j = *v;
    else
      j = nullptr;
  }
  static void from_json(const json& j, std::optional<T>& v) {
    if (j.is_null())
      v.reset();
    else
      v = j.get<T>();
  }
};
}  // namespace nlohmann

namespace dlenv::model {

NLOHMANN_JSON_SERIALIZE_ENUM(Severity, {{Severity::kInfo, "info"},
                                        {Severity::kWarning, "warning"},
                                        {Severity::kError, "error"}})
NLOHMANN_JSON_SERIALIZE_ENUM(ProbeStatus, {{ProbeStatus::kNotRun, "not_run"},
                                           {ProbeStatus::kOk, "ok"},
                                           {ProbeStatus::kTimeout, "timeout"},
                                           {ProbeStatus::kCrashed, "crashed"},
                                           {ProbeStatus::kFailed, "failed"}})

void to_json(nlohmann::json& j, const Finding& v);
void from_json(const nlohmann::json& j, Finding& v);
void to_json(nlohmann::json& j, const PciDevice& v);
void from_json(const nlohmann::json& j, PciDevice& v);
void to_json(nlohmann::json& j, const HostInfo& v);
void from_json(const nlohmann::json& j, HostInfo& v);
void to_json(nlohmann::json& j, const DeviceNode& v);
void from_json(const nlohmann::json& j, DeviceNode& v);
void to_json(nlohmann::json& j, const DriverInfo& v);
void from_json(const nlohmann::json& j, DriverInfo& v);
void to_json(nlohmann::json& j, const GpuInfo& v);
void from_json(const nlohmann::json& j, GpuInfo& v);
void to_json(nlohmann::json& j, const HostCompiler& v);
void from_json(const nlohmann::json& j, HostCompiler& v);
void to_json(nlohmann::json& j, const Toolkit& v);
void from_json(const nlohmann::json& j, Toolkit& v);
void to_json(nlohmann::json& j, const LibraryCopy& v);
void from_json(const nlohmann::json& j, LibraryCopy& v);
void to_json(nlohmann::json& j, const PackageRecord& v);
void from_json(const nlohmann::json& j, PackageRecord& v);
void to_json(nlohmann::json& j, const LibraryNeed& v);
void from_json(const nlohmann::json& j, LibraryNeed& v);
void to_json(nlohmann::json& j, const NvidiaWheel& v);
void from_json(const nlohmann::json& j, NvidiaWheel& v);
void to_json(nlohmann::json& j, const FrameworkBuild& v);
void from_json(const nlohmann::json& j, FrameworkBuild& v);
void to_json(nlohmann::json& j, const CompiledExtension& v);
void from_json(const nlohmann::json& j, CompiledExtension& v);
void to_json(nlohmann::json& j, const CudaLibraryVariants& v);
void from_json(const nlohmann::json& j, CudaLibraryVariants& v);
void to_json(nlohmann::json& j, const TritonSetup& v);
void from_json(const nlohmann::json& j, TritonSetup& v);
void to_json(nlohmann::json& j, const LibrarySymbolGap& v);
void from_json(const nlohmann::json& j, LibrarySymbolGap& v);
void to_json(nlohmann::json& j, const PythonEnv& v);
void from_json(const nlohmann::json& j, PythonEnv& v);
void to_json(nlohmann::json& j, const ConfigFile& v);
void from_json(const nlohmann::json& j, ConfigFile& v);
void to_json(nlohmann::json& j, const ContainerRuntimeEntry& v);
void from_json(const nlohmann::json& j, ContainerRuntimeEntry& v);
void to_json(nlohmann::json& j, const DockerConfig& v);
void from_json(const nlohmann::json& j, DockerConfig& v);
void to_json(nlohmann::json& j, const ContainerdConfig& v);
void from_json(const nlohmann::json& j, ContainerdConfig& v);
void to_json(nlohmann::json& j, const CrioConfig& v);
void from_json(const nlohmann::json& j, CrioConfig& v);
void to_json(nlohmann::json& j, const ToolkitConfig& v);
void from_json(const nlohmann::json& j, ToolkitConfig& v);
void to_json(nlohmann::json& j, const CdiSpec& v);
void from_json(const nlohmann::json& j, CdiSpec& v);
void to_json(nlohmann::json& j, const DevCharLink& v);
void from_json(const nlohmann::json& j, DevCharLink& v);
void to_json(nlohmann::json& j, const ContainerHost& v);
void from_json(const nlohmann::json& j, ContainerHost& v);
void to_json(nlohmann::json& j, const ContainerInside& v);
void from_json(const nlohmann::json& j, ContainerInside& v);
void to_json(nlohmann::json& j, const KernelModuleFile& v);
void from_json(const nlohmann::json& j, KernelModuleFile& v);
void to_json(nlohmann::json& j, const DkmsBuild& v);
void from_json(const nlohmann::json& j, DkmsBuild& v);
void to_json(nlohmann::json& j, const DriverPackage& v);
void from_json(const nlohmann::json& j, DriverPackage& v);
void to_json(nlohmann::json& j, const DriverLifecycle& v);
void from_json(const nlohmann::json& j, DriverLifecycle& v);
void to_json(nlohmann::json& j, const WslInfo& v);
void from_json(const nlohmann::json& j, WslInfo& v);
void to_json(nlohmann::json& j, const PciBridge& v);
void from_json(const nlohmann::json& j, PciBridge& v);
void to_json(nlohmann::json& j, const GpuPciPath& v);
void from_json(const nlohmann::json& j, GpuPciPath& v);
void to_json(nlohmann::json& j, const GpuLinks& v);
void from_json(const nlohmann::json& j, GpuLinks& v);
void to_json(nlohmann::json& j, const Snapshot& v);
void from_json(const nlohmann::json& j, Snapshot& v);

}  // namespace dlenv::model
