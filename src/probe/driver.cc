#include "probe/driver.h"

namespace dlenv::probe {

void ProbeDriver(const ProbeContext&, model::Snapshot&) {
  // Not yet written.
}

}  // namespace dlenv::probe
