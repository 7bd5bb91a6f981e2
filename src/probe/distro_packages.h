#pragma once
// Which distribution package owns each Python distribution: Debian's python3-torch owns
// /usr/lib/python3/dist-packages/torch-*.egg-info. Read from dpkg's own database (the status
// file and info/*.list), through ctx.fs so that --root reads an image's.

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// dpkg's database folder (its --admindir).
inline constexpr const char* kDpkgAdminDir = "/var/lib/dpkg";

/// Sets distro_package and distro_version on every package record (dist-info or egg-info,
/// not installed by pip or conda) whose folder an installed dpkg package lists. Reads
/// nothing when no record can be the distribution's, and leaves the records as they are
/// where there is no dpkg database.
void ProbeDistroPackages(const ProbeContext& ctx, model::Snapshot& snapshot);

}  // namespace dlenv::probe
