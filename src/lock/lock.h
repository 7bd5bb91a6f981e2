#pragma once
// The lock file: what makes an environment behave, taken from a snapshot, in a form that
// two machines can compare. Everything under "environment" is sorted and free of
// timestamps and machine paths, so that its content hash is the same wherever the same
// environment is locked. docs/lock.md describes the format; schema/lock.schema.json is its
// JSON Schema.

#include <nlohmann/json.hpp>
#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/snapshot.h"
#include "util/environment.h"

namespace dlenv::lock {

/// Bumped when a field changes meaning or disappears; additions keep the version. A reader
/// refuses a lock whose version is higher than this.
inline constexpr int kLockVersion = 1;

struct LockedHost {
  std::string os_id;       // debian, ubuntu
  std::string os_version;  // 12, 22.04
  std::string os_name;
  std::string glibc;
};

struct LockedDriver {
  std::optional<std::string> version;  // 550.54.15
  std::optional<std::string> cuda;     // the highest CUDA it supports: 12.4
};

struct LockedGpu {
  std::string name;
  std::optional<std::string> compute_capability;  // 8.0
  int count = 1;
};

struct LockedLibrary {
  std::string family;  // cudart, cublas, cudnn, nccl, ...
  std::string version;
  bool loader_first = false;  // the copy dlopen("libX.so.N") picks
};

struct LockedPackage {
  std::string name;     // PEP 503 normalised
  std::string version;  // verbatim, local label kept
  std::optional<std::string> installer;
  std::optional<std::string> direct_url;
  // Where it came from when pip did not install it; written only when known, so that a lock
  // of a pip-only environment is the same as before these fields existed. Defaulted, so
  // that brace-initialising the four fields above stays warning-free.
  /// The dpkg package owning it (python3-torch) and that package's exact version.
  std::optional<std::string> distro_package = std::nullopt;
  std::optional<std::string> distro_version = std::nullopt;
  /// conda's channel (conda-forge, pkgs/main) and build string (py311h64a7726_0).
  std::optional<std::string> channel = std::nullopt;
  std::optional<std::string> build = std::nullopt;
  /// conda's package name where it is not `name` (pytorch installs torch).
  std::optional<std::string> conda_name = std::nullopt;
};

struct LockedFramework {
  std::string name;
  std::string package;
  std::string version;
  bool cuda_build = false;
  std::optional<std::string> cuda_version;
  std::optional<std::string> rocm_version;
  std::optional<std::string> cudnn_version;
  std::vector<std::string> cuda_archs;
  std::optional<std::string> numpy_abi;
};

struct LockedPython {
  std::optional<std::string> version;  // 3.11.7
  std::string kind;                    // venv, conda, system
  std::vector<LockedPackage> packages;
  std::vector<LockedFramework> frameworks;
};

struct Lock {
  int lock_version = kLockVersion;
  std::string content_hash;  // "sha256:" + hex of the canonical environment
  // Not hashed: when, by what and from where the lock was taken.
  std::string generated_at;
  std::string generated_by;
  std::optional<std::string> source_python;  // the interpreter or prefix that was locked

  LockedHost host;
  LockedDriver driver;
  std::vector<LockedGpu> gpus;
  std::vector<std::string> toolkits;  // versions: 12.4.1
  std::vector<LockedLibrary> cuda_libraries;
  std::optional<LockedPython> python;
};

/// conda's channel name as `conda env export` writes it, from the URL conda-meta records:
/// https://conda.anaconda.org/conda-forge/linux-64 -> conda-forge,
/// https://repo.anaconda.com/pkgs/main/noarch -> pkgs/main; other URLs lose only the subdir.
std::string CondaChannelName(std::string_view channel);

/// Which Python environment of a snapshot to lock: the one named with --python, else the
/// active VIRTUAL_ENV or CONDA_PREFIX, else the first found. nullptr when the snapshot has
/// none, or none matches `python`.
const model::PythonEnv* SelectPythonEnv(const model::Snapshot& snapshot,
                                        const std::optional<std::string>& python,
                                        const util::Environment& env);

/// Builds the lock from a snapshot and one of its Python environments (may be null).
/// generated_at is left empty for the caller to fill; the hash does not depend on it.
Lock BuildLock(const model::Snapshot& snapshot, const model::PythonEnv* python);

/// The hashed part, canonical (sorted keys, sorted arrays).
nlohmann::json EnvironmentJson(const Lock& lock);
/// The whole document, content_hash recomputed.
nlohmann::json ToJson(const Lock& lock);
/// "sha256:<hex>" of the canonical serialisation of lock_version and environment.
std::string ContentHash(int lock_version, const nlohmann::json& environment);

/// A lock read from a file, or why it could not be.
struct ReadResult {
  std::optional<Lock> lock;
  std::string error;  // names the file and what is wrong
};

/// Parses a lock document. `source` names the file in error messages. Never throws on bad
/// input: too large, truncated, hostile (deep nesting, huge numbers, wrong types), from a
/// newer dlenv, or edited so that its content hash no longer matches.
ReadResult ParseLock(std::string_view text, const std::string& source);

/// Documents larger than this are refused before parsing.
inline constexpr std::size_t kMaxLockBytes = 64u << 20;

}  // namespace dlenv::lock
