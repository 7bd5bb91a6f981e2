// Any bytes as a remote wheel that `dlenv install` reads in byte ranges (its tail, its central
// directory, its METADATA), served by a fetch that answers each range from them: never a crash,
// a hang or a read past the bytes; a failure always says why.
#include <cstddef>
#include <cstdint>
#include <cstdlib>
#include <string>

#include "install/remote_wheel.h"

extern "C" int LLVMFuzzerTestOneInput(const std::uint8_t* data, std::size_t size) {
  using namespace dlenv;
  const std::string file(reinterpret_cast<const char*>(data), size);
  install::Fetch fetch = [&](const probe::HttpRequest& r) {
    probe::HttpResponse out;
    out.status = 206;
    std::uint64_t first = 0, last = 0;
    if (r.range.starts_with("-")) {
      const std::uint64_t n = std::stoull(r.range.substr(1));
      first = file.size() > n ? file.size() - n : 0;
      last = file.empty() ? 0 : file.size() - 1;
    } else {
      first = std::stoull(r.range);
      last = std::stoull(r.range.substr(r.range.find('-') + 1));
      if (first >= file.size()) {
        out.status = 416;
        return out;
      }
      last = std::min<std::uint64_t>(last, file.size() - 1);
    }
    if (!file.empty()) out.body = file.substr(first, last - first + 1);
    out.content_range = "bytes " + std::to_string(first) + "-" + std::to_string(last) + "/" +
                        std::to_string(file.size());
    return out;
  };
  install::InstallRequest req;
  std::string error;
  if (!install::RemoteWheelMetadata("https://files.example/x-1-py3-none-any.whl", req, fetch,
                                    &error) &&
      error.empty())
    std::abort();
  return 0;
}
