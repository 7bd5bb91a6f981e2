#pragma once
// Where Triton finds the driver's libcuda, found Triton's own way (issue 20, part 3):
// TRITON_LIBCUDA_PATH; else the folders of the ld.so.cache lines that name libcuda.so.1 (Triton
// runs `/sbin/ldconfig -p`, which prints that cache); else the LD_LIBRARY_PATH folders that hold
// libcuda.so.1 (triton/backends/nvidia/driver.py, libcuda_dirs, 3.1 to 3.9). Nothing is run.

#include "model/snapshot.h"
#include "probe/context.h"

namespace dlenv::probe {

void ProbeTriton(const ProbeContext& ctx, model::Snapshot& snapshot);

}  // namespace dlenv::probe
