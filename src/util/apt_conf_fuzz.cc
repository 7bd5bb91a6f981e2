// apt.conf(5) files: /etc/apt/apt.conf and /etc/apt/apt.conf.d/*.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/apt_conf.h"

extern "C" int LLVMFuzzerTestOneInput(const uint8_t* data, size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  dlenv::util::AptConfig conf;
  (void)conf.Parse(text);
  (void)conf.Parse(text);  // a second file on top of the first, as apt.conf.d's parts are read
  (void)conf.Scalar("APT::Periodic::Unattended-Upgrade");
  (void)conf.List("Unattended-Upgrade::Package-Blacklist");
  (void)dlenv::util::AptReadsConfPart(text);
  return 0;
}
