#include "probe/host.h"

namespace dlenv::probe {

void ProbeHost(const ProbeContext&, model::Snapshot&) {
  // Not yet written.
}

}  // namespace dlenv::probe
