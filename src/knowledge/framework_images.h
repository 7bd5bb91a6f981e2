#pragma once
// The official framework images `dlenv install FRAMEWORK --image` chooses from
// (src/knowledge/data/cuda_images.json, "framework_images": a sourced, dated table, since the
// registries are not asked) and the rule that picks the newest one a driver runs.

#include <optional>
#include <string>
#include <vector>

#include "util/dotted_version.h"

namespace dlenv::knowledge {

struct FrameworkImage {
  std::string framework;  // torch, tensorflow
  std::string family;     // pytorch/pytorch, nvcr.io/nvidia/pytorch, tensorflow/tensorflow
  std::string version;    // the framework's version (or the NGC release)
  std::string image;      // pytorch/pytorch:2.5.1-cuda12.4-cudnn9-runtime
  util::DottedVersion cuda;
  /// Older driver branches the release notes accept on data center GPUs through the image's
  /// forward-compatibility package: each the branch's lowest version (470.57 for R470).
  std::vector<util::DottedVersion> compat_drivers;
  std::string source;  // the text of the row's source
};

struct FrameworkImageTable {
  std::string date;
  std::vector<FrameworkImage> images;  // newest first within each family
};

/// Parses the "framework_images" part of cuda_images.json; throws std::runtime_error on
/// malformed data (a row without a source, a bad version).
FrameworkImageTable ParseFrameworkImages(const std::string& text);
const FrameworkImageTable& BuiltinFrameworkImages();

/// Whether a GPU is a data center part (Tesla, A100, H100, L40S, B200, ... by the name NVML
/// reports), where CUDA's forward compatibility works and persistence mode matters; never a
/// GeForce, TITAN, Quadro or RTX workstation card (CUDA Compatibility, "Forward Compatibility").
/// The one reading of a GPU's name for install --image, the container and life-cycle rules.
bool IsDatacenterGpu(const std::string& name);

struct ImagePick {
  const FrameworkImage* image = nullptr;
  bool forward_compat = false;  // runs only through the image's forward-compatibility package
};

/// The newest image of each family of the framework that a driver runs: natively when the
/// driver's CUDA is at least the image's, else through forward compatibility when the GPUs are
/// data center GPUs and the driver is at or above one of the row's compat_drivers within its
/// branch. Families with no runnable image are left out.
std::vector<ImagePick> PickFrameworkImages(const FrameworkImageTable& table,
                                           const std::string& framework,
                                           const util::DottedVersion& driver_cuda,
                                           const std::optional<util::DottedVersion>& driver,
                                           bool datacenter);

}  // namespace dlenv::knowledge
