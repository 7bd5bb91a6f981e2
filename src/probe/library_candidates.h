#pragma once
// Where a framework on this machine would find an NVIDIA math or communication library: the
// files verify and bench then load (gpu/library_loader.h).

#include <string>
#include <vector>

#include "gpu/library_loader.h"
#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

/// Candidates in the order a framework here would meet them: the copy the dynamic loader
/// picks (LD_LIBRARY_PATH, ld.so.cache), the toolkit folders, then the NVIDIA pip wheels
/// of every Python environment found (torch reaches those through its RUNPATH). The
/// override variable, when set, is the only candidate.
std::vector<std::string> FindLibraryCandidates(const ProbeContext& ctx,
                                               const model::Snapshot& snapshot,
                                               const gpu::LibrarySpec& spec);

}  // namespace dlenv::probe
