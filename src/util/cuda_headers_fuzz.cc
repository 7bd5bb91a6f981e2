// Every text-version parser on one input: header macros, version.json/txt, dist-info names,
// host_config.h's gcc limit.
#include <cstddef>
#include <cstdint>
#include <string_view>

#include "util/cuda_headers.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  std::string_view text(reinterpret_cast<const char*>(data), size);
  for (std::string_view family : {"cudnn", "cublas", "nccl", "nvinfer", "cudart", "cuda"}) {
    (void)dlenv::util::VersionFromHeader(family, text);
  }
  (void)dlenv::util::ParseToolkitVersionJson(text);
  (void)dlenv::util::ParseToolkitVersionTxt(text);
  (void)dlenv::util::ParseDistInfoName(text);
  (void)dlenv::util::HostConfigNewestGcc(text);
  return 0;
}
