#pragma once
// apt's downloaded index files in /var/lib/apt/lists, read without running apt-cache (a --root
// image may have no apt): which repository (its Release file's Origin, Label, Suite, Codename,
// the component and the site) carries which package. unattended-upgrades decides by exactly
// these fields whether it may install a version (its Origins-Pattern), so a driver package
// only NVIDIA's CUDA repository carries is one it leaves alone on a stock configuration.
//
// File names are apt's URItoFileName of the index's URI: the scheme dropped, '/' -> '_',
// a literal '_' quoted as %5f. A repository's Release (or InRelease) names its "dists/SUITE"
// prefix; its Packages files add "_COMPONENT_binary-ARCH_Packages"; a flat repository
// ("deb URI /", as NVIDIA's CUDA repository is configured) adds "_Packages" only.

#include <functional>
#include <optional>
#include <set>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

/// The fields of a Release or InRelease file unattended-upgrades matches on.
struct AptRelease {
  std::string origin;    // Origin: Debian, Ubuntu, NVIDIA
  std::string label;     // Label: Debian-Security
  std::string suite;     // Suite: stable-security (apt calls it the archive, "a=")
  std::string codename;  // Codename: bookworm-security
};

/// The release paragraph of a Release file, or of an InRelease file's signed text (its PGP
/// armour skipped). nullopt when the text holds no field at all.
std::optional<AptRelease> ParseAptRelease(std::string_view text);

/// One Packages file in the lists directory, with the Release file of its repository.
struct AptPackagesList {
  std::string file;          // deb.debian.org_debian_dists_bookworm_main_binary-amd64_Packages
  std::string release_file;  // deb.debian.org_debian_dists_bookworm_InRelease
  std::string component;     // main; empty for a flat repository
  std::string site;          // deb.debian.org (the URI's host, unquoted)
  std::string compression;   // "", "gz", "xz", "zst", "lz4", "bz2": the file's extension
};

/// Pairs each Packages file among `names` (the lists directory's entries) with its repository's
/// Release file: the longest Release prefix it extends, InRelease preferred over Release. A
/// Packages file no Release file names is left out (apt does not use it either).
std::vector<AptPackagesList> PairAptLists(const std::vector<std::string>& names);

/// Adds to `found` each of `wanted` that a Packages file's text has a paragraph for
/// ("Package: NAME" at a line's start).
void PackagesNamed(std::string_view text, const std::set<std::string, std::less<>>& wanted,
                   std::set<std::string, std::less<>>& found);

}  // namespace dlenv::util
