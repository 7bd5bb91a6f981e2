#pragma once
// Which repositories unattended-upgrades may install from, decided as it decides (its
// get_allowed_origins and match_whitelist_string, unattended-upgrades 2.9.1 in Debian 12):
// Unattended-Upgrade::Allowed-Origins items ("${distro_id}:${distro_codename}-security") are
// turned into "o=ID,a=ARCHIVE" patterns, Origins-Pattern items are taken as they are, and a
// pattern matches a repository when each of its comma-separated `key=value` tokens matches
// the field the key names, with fnmatch wildcards. ${distro_id} and ${distro_codename} are
// substituted as Python's string.Template does. Tested against unattended-upgrade's own
// functions (unattended_origins_test.cc).

#include <optional>
#include <string>
#include <string_view>
#include <vector>

#include "model/platform.h"

namespace dlenv::rules {

/// What `lsb_release -i -s` and `-c -s` print, which unattended-upgrades substitutes.
struct DistroNames {
  std::string id;        // Debian
  std::string codename;  // bookworm
};

/// string.Template(text).substitute(distro_id=..., distro_codename=...): "$$" is "$", "$name"
/// and "${name}" are replaced; nullopt where Python raises (an unknown name, a '$' followed by
/// neither).
std::optional<std::string> SubstituteDistro(std::string_view text, const DistroNames& distro);

/// The patterns unattended-upgrades allows: each Allowed-Origins item as "o=ID,a=ARCHIVE" (split
/// at its first unescaped ':', else at whitespace), then each Origins-Pattern item, substituted.
/// An item unattended-upgrades could not read is left out and named in `unreadable`.
std::vector<std::string> AllowedOriginPatterns(const std::vector<std::string>& allowed_origins,
                                               const std::vector<std::string>& origins_pattern,
                                               const DistroNames& distro,
                                               std::vector<std::string>* unreadable = nullptr);

/// match_whitelist_string: every token of `pattern` matches (o/origin, l/label,
/// a/suite/archive, c/component, n/codename, site), "\," a literal comma. An empty pattern, an
/// unknown key or a token without '=' matches nothing (unattended-upgrades stops on those).
bool OriginPatternMatches(std::string_view pattern, const model::AptOrigin& origin,
                          const DistroNames& distro);

/// The origin as apt-cache policy writes it: "o=Debian,a=stable,n=bookworm,l=Debian,c=main".
std::string DescribeOrigin(const model::AptOrigin& origin);

}  // namespace dlenv::rules
