#include "probe/libraries.h"

namespace dlenv::probe {

void ProbeLibraries(const ProbeContext&, model::Snapshot&) {
  // Not yet written.
}

}  // namespace dlenv::probe
