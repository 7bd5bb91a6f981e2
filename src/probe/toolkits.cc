#include "probe/toolkits.h"

namespace dlenv::probe {

void ProbeToolkits(const ProbeContext&, model::Snapshot&) {
  // Not yet written.
}

}  // namespace dlenv::probe
