#include "testing/nvidia_files.h"

#include "testing/require.h"
#include "testing/temp_tree.h"
#include "util/subprocess.h"

namespace dlenv::testing {

std::optional<NvidiaTree> NvidiaFiles(std::string* where) {
  namespace fs = std::filesystem;
  const fs::path places[] = {fs::path(TestEnvsDir()) / "nvidia/cuda-13.0", "/usr/local/cuda-13.0"};
  std::string looked;
  for (const auto& p : places) {
    looked += (looked.empty() ? "" : ", ") + p.string();
    std::error_code ec;
    // The files every NVIDIA test needs: a header, a library and a tool.
    if (fs::exists(p / "include/cuda.h", ec) && fs::exists(p / "lib/libcudart.so.13", ec) &&
        fs::exists(p / "bin/ptxas", ec)) {
      return NvidiaTree{p};
    }
  }
  if (where) *where = looked;
  return std::nullopt;
}

void InstallToolkit(const NvidiaTree& nv, const TempTree& t, const std::string& inside) {
  namespace fs = std::filesystem;
  const fs::path dest = t.MakeDir(inside);
  for (auto it = fs::recursive_directory_iterator(nv.root);
       it != fs::recursive_directory_iterator(); ++it) {
    const fs::path to = dest / it->path().lexically_relative(nv.root);  // links not resolved
    if (it->is_symlink()) {
      fs::create_symlink(fs::read_symlink(it->path()), to);
      it.disable_recursion_pending();
    } else if (it->is_directory()) {
      fs::create_directories(to);
    } else {
      std::error_code ec;
      fs::create_hard_link(it->path(), to, ec);
      if (ec) fs::copy_file(it->path(), to);
    }
  }
}

std::string RunLdconfig(const TempTree& t, const std::string& conf) {
  t.Write("/etc/ld.so.conf", conf);
  util::ChildOptions o;
  o.deadline = std::chrono::seconds(60);
  auto r = util::RunCommand(
      {"ldconfig", "-C", "/etc/ld.so.cache", "-f", "/etc/ld.so.conf", "-r", t.path().string()}, o);
  return r.ok() ? "" : r.Describe() + " " + r.err;
}

}  // namespace dlenv::testing
