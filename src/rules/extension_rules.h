#pragma once
// Compiled extensions built against another torch (issue 20, part 2): symbols the installed
// torch does not export, a CUDA runtime major other than torch's. Pure: the extensions come
// from probe/extensions.h.

#include <vector>

#include "model/extension.h"
#include "model/finding.h"
#include "model/snapshot.h"

namespace dlenv::rules {

void CheckExtensions(const model::PythonEnv& env,
                     const std::vector<model::CompiledExtension>& extensions,
                     std::vector<model::Finding>& out);

}  // namespace dlenv::rules
