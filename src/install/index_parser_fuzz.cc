// libFuzzer target: a package index's project page (PEP 691 JSON and PEP 503 HTML), the
// wheel names in it and core metadata Requires-Dist (the CUDA, cuDNN and extras read from it),
// all from untrusted servers.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "install/index_parser.h"
#include "install/live_packages.h"
#include "install/wheel.h"
#include "util/metadata.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (auto type : {"application/vnd.pypi.simple.v1+json", "text/html"}) {
    auto page = dlenv::install::ParseProjectPage(text, type, "https://index.example/simple/torch/");
    dlenv::install::WheelHost host;
    for (const auto& f : page.files) {
      if (auto w = dlenv::install::ParseWheelName(f.filename))
        (void)dlenv::install::WheelFits(*w, host);
      (void)dlenv::install::LocalLabel(f.filename);
    }
  }
  auto meta = dlenv::util::ParseCoreMetadata(text);
  (void)dlenv::install::CudaFromRequiresDist(meta.requires_dist);
  (void)dlenv::install::CudnnFromRequiresDist(meta.requires_dist);
  for (const char* extra : {"and-cuda", "with-cuda", "ctk", "cuda13"})
    (void)dlenv::install::RequirementsOfExtra(meta.requires_dist, extra, "3.12");
  return 0;
}
