#pragma once
// dpkg's own database, read without running dpkg-query (a --root image may have no dpkg,
// and the probe layer reads files, not commands): /var/lib/dpkg/status, the deb822
// paragraphs of every package dpkg knows, and info/<package>[:<arch>].list, the files each
// installed package owns.

#include <optional>
#include <string>
#include <string_view>
#include <vector>

namespace dlenv::util {

struct DpkgPackage {
  std::string name;          // python3-torch
  std::string architecture;  // amd64, all; empty when the paragraph has none
  std::string version;       // verbatim, epoch kept: 1:2.0-1
  std::string status;        // "install ok installed"
  /// Depends, Pre-Depends and Provides verbatim, joined by ", " ("python3:any, libc6 (>= 2.34)").
  std::string relations;
  /// dpkg's Status field says the package is unpacked and configured ("... installed").
  bool installed() const;
};

/// The paragraphs of a status file that name a package and a version, in file order.
/// Paragraphs without Package or Version (dpkg writes none, but the file may be damaged)
/// are skipped; field names match case-insensitively, as deb822 says.
std::vector<DpkgPackage> ParseDpkgStatus(std::string_view text);

/// The package names a relations field names, in order, without versions, architecture
/// qualifiers or alternatives' bars: "python3:any (>= 3.11), a | b" -> python3, a, b.
std::vector<std::string_view> RelationNames(std::string_view relations);

/// The package and architecture an info/*.list file belongs to: "libc6:amd64.list" ->
/// {"libc6", "amd64"}, "python3-torch.list" -> {"python3-torch", ""}; nullopt for other names.
struct DpkgListName {
  std::string package;
  std::string architecture;
};
std::optional<DpkgListName> ParseDpkgListName(std::string_view file_name);

}  // namespace dlenv::util
