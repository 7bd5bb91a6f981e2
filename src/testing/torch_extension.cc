#include "testing/torch_extension.h"

#include <string>

namespace dlenv::testing {
namespace {

constexpr const char* kExtension = R"(#include <c10/core/Device.h>
#include <c10/core/DeviceType.h>
#include <c10/util/Exception.h>
#include <string>
extern "C" int dlenv_test_extension(const char* device) {
  c10::Device d{std::string(device)};
  TORCH_CHECK(d.index() < 8, "device index ", d.index(), " out of range");
  return static_cast<int>(d.type()) + (c10::WarningUtils::get_warnAlways() ? 1 : 0) +
         static_cast<int>(c10::get_privateuse1_backend(true).size());
}
)";

}  // namespace

util::ChildResult BuildTorchTestExtension(const std::filesystem::path& torch, const TempTree& tree,
                                          std::filesystem::path* object, int cxx11_abi) {
  const std::filesystem::path source = tree.Write("ext.cc", kExtension);
  *object = tree.path() / "ext.so";
  util::ChildOptions opts;
  opts.deadline = std::chrono::seconds(300);
  return util::RunCommand(
      {"c++", "-std=c++17", "-shared", "-fPIC", "-O0",
       "-D_GLIBCXX_USE_CXX11_ABI=" + std::to_string(cxx11_abi), "-I" + (torch / "include").string(),
       source.string(), "-L" + (torch / "lib").string(), "-lc10", "-o", object->string()},
      opts);
}

}  // namespace dlenv::testing
