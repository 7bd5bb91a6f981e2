#pragma once
// Which installer reproduces each package of a lock: pip's from requirements.txt, conda's
// from environment.yml with channel and build, the distribution's as pinned apt-get
// installs. What none of them can reproduce is listed, never silently dropped; `dlenv
// recipe` fails on it (frameworks always, the rest unless --allow-missing).

#include <optional>
#include <string>
#include <vector>

#include "lock/lock.h"

namespace dlenv::lock {

/// A package the recipe cannot install as the lock has it, and why.
struct Unreproducible {
  std::string name;
  std::string version;
  std::string why;
  bool framework = false;  // torch, tensorflow, jax, cupy, ...: never left out
};

struct PackagePlan {
  bool conda = false;            // an environment.yml (asked for, or conda packages in the lock)
  std::vector<std::string> apt;  // python3-torch=1.13.1+dfsg-4, sorted, unique
  std::vector<std::string> channels;     // conda channels, most used first
  std::vector<std::string> conda_specs;  // conda-forge::numpy=1.26.4=py311h64a7726_0
  bool conda_has_python = false;         // conda's own python record is among conda_specs
  bool conda_has_pip = false;
  std::vector<std::string> pip_options;       // --extra-index-url ...
  std::vector<std::string> pip_requirements;  // name==version, name @ url
  std::vector<Unreproducible> missing;
  std::vector<std::string> notes;  // approximations worth knowing (a conda build not recorded, ...)
};

/// Packages whose version or build is the framework itself (torch, tensorflow*, jax, jaxlib,
/// cupy*, ...), and every package the lock's framework list names except numpy.
bool IsFrameworkPackage(const Lock& lock, const std::string& name);

/// The official image of the lock's own distribution (debian:12, ubuntu:22.04), where the
/// distribution's pinned packages exist; nullopt for other systems.
std::optional<std::string> DistroImageOf(const LockedHost& host);

/// The plan for the lock's Python packages; `conda` asks for environment.yml even without
/// conda packages.
PackagePlan PlanPackages(const Lock& lock, bool conda);

/// "torch 2.3.1 (why)" lines, frameworks first.
std::string DescribeMissing(const std::vector<Unreproducible>& missing);

}  // namespace dlenv::lock
