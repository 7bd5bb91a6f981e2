#pragma once
// Compiled extensions built against another torch (issue 20, part 2): symbols the installed
// torch does not export, a CUDA runtime major other than torch's. Pure: the extensions come
// from probe/extensions.h.

#include <vector>

#include "knowledge/knowledge.h"
#include "model/extension.h"
#include "model/finding.h"
#include "model/snapshot.h"

namespace dlenv::rules {

/// The extensions of one environment; one finding per package and kind.
void CheckExtensions(const model::PythonEnv& env,
                     const std::vector<model::CompiledExtension>& extensions,
                     std::vector<model::Finding>& out);

/// Every environment's extensions, as doctor's probe put them in PythonEnv::extensions.
void CheckCompiledExtensions(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                             std::vector<model::Finding>& out);

/// NVIDIA wheels of different CUDA releases in one environment: a library asking another
/// wheel's library for versioned symbols it lacks (PythonEnv::nvidia_library_gaps).
void CheckNvidiaLibraryGaps(const model::Snapshot& snapshot, const knowledge::Knowledge& knowledge,
                            std::vector<model::Finding>& out);

}  // namespace dlenv::rules
