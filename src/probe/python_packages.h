#pragma once
// The package inventory of one Python environment, read from its metadata files the way
// pip's importlib backend finds distributions, so that it equals `pip list`.

#include <string>
#include <vector>

#include "model/python.h"
#include "probe/context.h"

namespace dlenv::probe {

/// Every *.dist-info and *.egg-info in `site_dirs` (in sys.path order), then the
/// conda-meta records of `prefix`. Within one folder dist-info comes before egg-info, as
/// importlib.metadata yields them; a later record of a name already seen is kept with
/// `shadowed` set. Conda records that own a dist-info annotate it; the others (non-Python
/// packages, or ones pip has since replaced) follow with record_kind "conda-meta".
/// Metadata files found but not read (a FIFO, a device, a link loop) are appended to
/// `skipped` as "path: why"; the rest of the inventory stands.
std::vector<model::PackageRecord> ReadPackages(const ProbeContext& ctx, const std::string& prefix,
                                               const std::vector<std::string>& site_dirs,
                                               std::vector<std::string>* skipped = nullptr);

/// The sys.path entries that site.py would add for `site_dir`: the folder itself, then
/// the existing folders named by its *.pth files ("import" lines are code, not paths).
std::vector<std::string> ExpandPthFiles(const ProbeContext& ctx, const std::string& site_dir);

}  // namespace dlenv::probe
