#pragma once
// NVIDIA's library wheels against each other (issue 20, part 4): nvidia-cusparse-cu12 12.5 needs
// symbols that only nvidia-nvjitlink-cu12 12.5 and later export; a pip upgrade or downgrade of
// one wheel leaves "undefined symbol: __nvJitLinkAddData_12_5, version libnvJitLink.so.12" at
// import. Each wheel library's versioned undefined symbols (.gnu.version_r names the soname they
// are asked of) are looked up in the library another wheel installed under that soname.

#include <vector>

#include "model/extension.h"
#include "model/python.h"
#include "probe/context.h"

namespace dlenv::probe {

/// The gaps between the nvidia-* wheels of `env`; reads RECORD files and ELF headers and symbol
/// tables only (mapped, never loaded).
std::vector<model::LibrarySymbolGap> ReadNvidiaLibraryGaps(const ProbeContext& ctx,
                                                           const model::PythonEnv& env);

}  // namespace dlenv::probe
