#pragma once
// `dlenv recipe`: a lock turned into files that rebuild its environment: a Dockerfile on the
// nvidia/cuda image matching the lock's CUDA and cuDNN (or the lock's own distribution's
// image when its packages are pinned with apt), and a pinned requirements.txt (or an
// environment.yml for conda). Which installer reproduces each package: lock/recipe_plan.h.

#include <map>
#include <optional>
#include <string>
#include <vector>

#include "lock/lock.h"
#include "lock/recipe_plan.h"
#include "util/dotted_version.h"

namespace dlenv::lock {

struct CudaImageRow {
  util::DottedVersion cuda;         // 12.4.1
  int cudnn_major = 0;              // the cuDNN the -cudnn tag carries
  std::string cudnn_tag;            // cudnn8, cudnn9, cudnn
  std::vector<std::string> ubuntu;  // 24.04, 22.04
};

struct CudaImageTable {
  std::string date;
  std::vector<CudaImageRow> images;
  std::map<std::string, std::string> distro_python;  // "ubuntu:22.04" -> "3.10"
};

/// Parses src/knowledge/data/cuda_images.json; throws std::runtime_error on malformed data.
CudaImageTable ParseCudaImages(const std::string& text);
/// The table compiled into this binary.
const CudaImageTable& BuiltinCudaImages();

/// The CUDA and cuDNN an environment needs, and where the lock says so.
struct LockCuda {
  std::optional<util::DottedVersion> cuda;
  std::string cuda_source;  // "torch build (CUDA 12.1)"
  std::optional<int> cudnn_major;
  std::string cudnn_source;
};
LockCuda CudaOfLock(const Lock& lock);

struct BaseImage {
  std::string image;   // nvidia/cuda:12.4.1-cudnn-runtime-ubuntu22.04, or debian:12 without CUDA
  std::string distro;  // ubuntu:22.04
  std::optional<util::DottedVersion> cuda;   // the image's CUDA
  std::optional<int> cudnn_major;            // the image's cuDNN
  std::optional<std::string> distro_python;  // its python3, 3.10
  std::vector<std::string> notes;            // compromises made in choosing it
};

/// The runtime image for a CUDA release and cuDNN major: the same CUDA major.minor at its
/// newest patch, else the nearest newer minor of the same major (minor-version
/// compatibility); the Ubuntu whose python3 is `python_minor` where one is, else the newest.
/// nullopt when no image has this CUDA major.
std::optional<BaseImage> ChooseCudaImage(const CudaImageTable& table,
                                         const util::DottedVersion& cuda,
                                         std::optional<int> cudnn_major,
                                         const std::optional<std::string>& python_minor);

/// The base image for a whole lock (nvidia/cuda when it needs CUDA, its own distribution's
/// image when not).
BaseImage ChooseBaseImage(const CudaImageTable& table, const Lock& lock);

/// The PyTorch index serving this package's variant (+cu121 -> .../whl/cu121), if it is one.
std::optional<std::string> PytorchIndexFor(const LockedPackage& p);

struct RecipeOptions {
  bool jupyter = false;
  bool ssh = false;
  bool conda = false;
  /// Write the recipe even when packages other than frameworks cannot be reproduced (they
  /// are listed in the files and the notes). A framework that cannot be is always an error.
  bool allow_missing = false;
};

struct RecipeFile {
  std::string name;  // Dockerfile, requirements.txt, environment.yml
  std::string contents;
};

struct Recipe {
  BaseImage base;
  /// Why its container needs the GPUs (its run line has --gpus all); nullopt when it does not.
  std::optional<std::string> gpu_reason;
  std::vector<RecipeFile> files;
  std::vector<std::string> notes;  // what the user should know (packages left out, ...)
  /// What no installer the recipe uses can reproduce; RunRecipe refuses to write the files
  /// while this holds a framework, or anything without allow_missing.
  std::vector<Unreproducible> missing;
};

Recipe MakeRecipe(const Lock& lock, const RecipeOptions& options, const CudaImageTable& table);

}  // namespace dlenv::lock
