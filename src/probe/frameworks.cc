#include "probe/frameworks.h"

#include <fmt/format.h>

#include <algorithm>
#include <cctype>
#include <nlohmann/json.hpp>
#include <set>

#include "knowledge/frameworks.h"
#include "knowledge/runtime_libraries.h"
#include "probe/frameworks_archs.h"
#include "probe/frameworks_files.h"
#include "probe/frameworks_loader.h"
#include "util/build_label.h"
#include "util/dotted_version.h"
#include "util/elf.h"
#include "util/fatbin.h"
#include "util/py_literal.h"
#include "util/strings.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;
using namespace frameworks_files;  // NOLINT: the helpers of this file, split out for size

// --- one environment -------------------------------------------------------------------

class EnvReader {
 public:
  EnvReader(const ProbeContext& ctx, const model::PythonEnv& env,
            const std::vector<model::LibraryCopy>& system, std::vector<std::string>* skipped)
      : ctx_(ctx), env_(env), search_(ctx, system), skipped_(skipped) {
    IndexNvidiaWheels();
  }

  std::vector<model::FrameworkBuild> Run() {
    std::vector<model::FrameworkBuild> out;
    for (auto read : {&EnvReader::Torch, &EnvReader::TensorFlow, &EnvReader::Jax, &EnvReader::Cupy,
                      &EnvReader::OnnxRuntime}) {
      if (auto build = (this->*read)()) out.push_back(std::move(*build));
    }
    if (auto numpy = ReadNumpyBuild(ctx_, env_, skipped_)) out.push_back(std::move(*numpy));
    return out;
  }

 private:
  /// The first site-packages folder holding `inside` (a package folder or file).
  std::optional<fs::path> Site(std::string_view inside) const {
    for (const auto& site : env_.site_packages) {
      if (ctx_.fs.Exists(fs::path(site) / inside)) return fs::path(site);
    }
    return std::nullopt;
  }

  // Reads each nvidia-* wheel's RECORD so that a library file maps to the wheel (and its
  // version) that installed it; RECORD is the wheel's own list of what it put where.
  void IndexNvidiaWheels() {
    for (const auto& p : env_.packages) {
      std::string name = p.normalized_name.empty() ? NormalizeName(p.name) : p.normalized_name;
      if (!name.starts_with("nvidia-") || p.record_kind != "dist-info") continue;
      model::NvidiaWheel wheel{name, p.version, {}};
      fs::path dist_info(p.record_path);
      fs::path site = dist_info.parent_path();
      if (auto record = ctx_.fs.ReadFile(dist_info / "RECORD", 4u << 20)) {
        for (auto line : util::Lines(*record)) {
          std::string file(line.substr(0, line.find(',')));
          fs::path rel(file);
          std::string base = rel.filename().string();
          if (!file.starts_with("nvidia/") || !base.starts_with("lib") ||
              base.find(".so") == std::string::npos)
            continue;
          fs::path abs = (site / rel).lexically_normal();
          wheel.libraries.push_back(abs.string());
          search_.AddWheelFile(abs, p.version);
        }
      }
      wheels_.push_back(std::move(wheel));
    }
  }

  /// The installed NVIDIA wheels that these packages require (any extra: installed is what counts).
  void AttachWheels(model::FrameworkBuild& build,
                    const std::vector<const model::PackageRecord*>& packages) {
    std::set<std::string> wanted;
    pins_.clear();
    // Through installed meta packages too: torch 2.15 requires cuda-toolkit[cudart,...], which
    // requires nvidia-cuda-runtime; jax's plugin requires jax-cuda13-pjrt and the nvidia wheels.
    std::vector<const model::PackageRecord*> queue(packages.begin(), packages.end());
    std::set<std::string> seen;
    for (std::size_t i = 0; i < queue.size() && i < 64; ++i) {
      const auto* p = queue[i];
      if (!p || !seen.insert(NormalizeName(p->name)).second) continue;
      for (const auto& req : p->requires_dist) {
        std::string name = RequirementName(req);
        if (name.starts_with("cuda-toolkit") || knowledge::Frameworks().PluginOf(name)) {
          if (const auto* meta = FindPackage(env_, name)) queue.push_back(meta);
          continue;
        }
        if (!name.starts_with("nvidia-")) continue;
        wanted.insert(name);
        if (auto pin = RequirementPin(req); pin && i < packages.size()) pins_[name] = *pin;
      }
    }
    for (const auto& wheel : wheels_) {
      if (wanted.count(wheel.package)) build.nvidia_wheels.push_back(wheel);
    }
  }

  /// Folders of the NVIDIA wheels attached to the build, for frameworks that preload them.
  std::vector<fs::path> WheelDirs(const model::FrameworkBuild& build) const {
    std::vector<fs::path> dirs;
    for (const auto& w : build.nvidia_wheels) {
      for (const auto& lib : w.libraries) {
        fs::path dir = fs::path(lib).parent_path();
        if (std::find(dirs.begin(), dirs.end(), dir) == dirs.end()) dirs.push_back(dir);
      }
    }
    return dirs;
  }

  /// What the framework ships or pins for a soname: the version of the attached wheel that
  /// carries a file of that name, or the requirement pin of such a wheel.
  std::optional<std::string> ShippedVersion(const model::FrameworkBuild& build,
                                            const std::string& soname) const {
    for (const auto& w : build.nvidia_wheels) {
      for (const auto& lib : w.libraries) {
        if (fs::path(lib).filename() == soname) return w.version;
      }
    }
    // Not installed: the pin of the wheel that would carry it (nvidia-cudnn-cu12==9.1.0.70).
    std::string component = WheelComponent(soname);
    if (component.empty()) return std::nullopt;
    for (const auto& [name, pin] : pins_) {
      if (name == "nvidia-" + component || name.starts_with("nvidia-" + component + "-cu"))
        return pin;
    }
    return std::nullopt;
  }

  /// The NVIDIA wheel component that ships a soname (libcublasLt.so.12 -> cublas).
  static std::string WheelComponent(std::string_view soname) {
    static constexpr std::pair<std::string_view, std::string_view> kComponents[] = {
        {"libcudnn", "cudnn"},       {"libcublas", "cublas"},         {"libcudart", "cuda-runtime"},
        {"libnvrtc", "cuda-nvrtc"},  {"libcufft", "cufft"},           {"libcurand", "curand"},
        {"libcusolver", "cusolver"}, {"libcusparseLt", "cusparselt"}, {"libcusparse", "cusparse"},
        {"libnccl", "nccl"},         {"libnvJitLink", "nvjitlink"},   {"libcupti", "cuda-cupti"},
        {"libnvToolsExt", "nvtx"},   {"libcufile", "cufile"}};
    for (auto [prefix, component] : kComponents) {
      if (soname.starts_with(prefix)) return std::string(component);
    }
    return {};
  }

  void ResolveNeeds(model::FrameworkBuild& build, const std::vector<std::string>& sonames,
                    const LoaderObject& object, bool preloads_wheels) {
    std::vector<fs::path> fallback = preloads_wheels ? WheelDirs(build) : std::vector<fs::path>{};
    for (const auto& soname : sonames) {
      bool seen = std::any_of(build.libraries.begin(), build.libraries.end(),
                              [&](const auto& n) { return n.soname == soname; });
      if (seen) continue;
      auto need = search_.Resolve(soname, object, fallback);
      if (!need.expected_version) need.expected_version = ShippedVersion(build, soname);
      build.libraries.push_back(std::move(need));
    }
  }

  static LoaderObject ObjectOf(const ObjectFacts& o) {
    return {o.path.parent_path(), o.dynamic.rpath, o.dynamic.runpath};
  }

  static std::vector<std::string> CudaNeeded(const ObjectFacts& o) {
    std::vector<std::string> out;
    for (const auto& n : o.dynamic.needed) {
      if (IsCudaLibrary(n)) out.push_back(n);
    }
    return out;
  }

  /// The libraries the framework dlopens at run time (knowledge rows with their sources),
  /// resolved as a request from `object` and marked with the source that says so.
  void ResolveDlopened(model::FrameworkBuild& build, const LoaderObject& object,
                       bool preloads_wheels, std::vector<std::string> extra = {}) {
    std::string source = "dlenv's fallback list";
    if (auto cuda =
            build.cuda_version ? util::DottedVersion::Parse(*build.cuda_version) : std::nullopt) {
      if (const auto* row =
              knowledge::BuiltinRuntimeLibraries().DlopenedBy(build.name, cuda->major())) {
        extra.insert(extra.begin(), row->sonames.begin(), row->sonames.end());
        source = row->source;
      }
    }
    std::size_t before = build.libraries.size();
    ResolveNeeds(build, extra, object, preloads_wheels);
    std::vector<std::string> added;
    for (std::size_t i = before; i < build.libraries.size(); ++i)
      added.push_back(build.libraries[i].soname);
    if (!added.empty())
      build.evidence.push_back(
          fmt::format("dlopened at run time ({}): {}", source, util::Join(added, " ")));
  }

  /// torch's own arch list (what torch._C._cuda_getArchFlags() returns) replaces the
  /// .nv_fatbin union; machine code the fatbin holds beyond it is listed apart.
  void TorchOwnArches(model::FrameworkBuild& b, const fs::path& libtorch_python) {
    if (!ctx_.fs.IsRegularFile(libtorch_python)) return;
    auto flags = FindArchFlagsStringInFile(ctx_.fs.Resolve(libtorch_python));
    if (!flags) return;
    std::vector<std::string> own = *flags, extra;
    for (const auto& arch : b.cuda_archs) {
      bool listed = std::find(own.begin(), own.end(), arch) != own.end();
      if (listed) continue;
      // PTX beside the list is part of the build (TORCH_CUDA_ARCH_LIST's "+PTX").
      if (arch.starts_with("compute_")) {
        own.push_back(arch);
      } else {
        extra.push_back(arch);
      }
    }
    std::string fatbin = b.archs_source.value_or("");
    if (!extra.empty()) {
      b.evidence.push_back(
          fmt::format("extra machine code, outside torch's own arch list: {} (from {})",
                      util::Join(extra, " "), fatbin));
    }
    b.cuda_archs = own;
    b.archs_source = "torch._C._cuda_getArchFlags() string in " + libtorch_python.string() +
                     (fatbin.empty() ? "" : "; PTX and extra machine code from " + fatbin);
  }

  /// The installed record of a framework: its distributions in the identity's order (tensorflow
  /// before tensorflow-cpu), then any that match its name patterns (cupy-cuda12x).
  const model::PackageRecord* FirstDistributionOf(std::string_view id) const {
    const auto* f = knowledge::Frameworks().Find(id);
    if (!f) return nullptr;
    for (const auto& name : f->distributions) {
      if (const auto* p = FindPackage(env_, name)) return p;
    }
    for (const auto& p : env_.packages) {
      if (f->IsDistribution(p.name)) return &p;
    }
    return nullptr;
  }

  /// The framework's installed CUDA plugins, newest CUDA major first (jax-cuda13-plugin,
  /// jax-cuda13-pjrt, then jax-cuda12-...).
  std::vector<const model::PackageRecord*> CudaPluginsOf(std::string_view id) const {
    const auto* f = knowledge::Frameworks().Find(id);
    std::vector<const model::PackageRecord*> out;
    if (!f) return out;
    for (const auto& p : env_.packages) {
      if (f->IsPlugin(p.name) && NormalizeName(p.name).find("-cuda") != std::string::npos)
        out.push_back(&p);
    }
    std::sort(out.begin(), out.end(), [](const auto* a, const auto* b) {
      return NormalizeName(a->name) > NormalizeName(b->name);
    });
    return out;
  }

  /// "13" from jax-cuda13-plugin.
  static std::string CudaMajorOfPlugin(const std::string& name) {
    auto at = name.find("-cuda");
    std::string digits;
    for (std::size_t i = at == std::string::npos ? name.size() : at + 5; i < name.size(); ++i) {
      if (!std::isdigit(static_cast<unsigned char>(name[i]))) break;
      digits += name[i];
    }
    return digits;
  }

  // ---- PyTorch ----
  std::optional<model::FrameworkBuild> Torch() {
    auto site = Site("torch/version.py");
    if (!site) return std::nullopt;
    fs::path version_py = *site / "torch/version.py";
    auto literals = ReadPyLiterals(ctx_, version_py, skipped_);
    if (!literals) return std::nullopt;
    const auto* record = FindPackage(env_, knowledge::kTorch);
    model::FrameworkBuild b;
    b.name = knowledge::kTorch;
    b.package = record ? record->name : b.name;
    b.evidence.push_back(version_py.string());
    auto& names = literals->names;
    b.version = names["__version__"].AsString().value_or(record ? record->version : "");
    b.cuda_version = names["cuda"].AsString();
    b.rocm_version = names["hip"].AsString();
    b.debug = names["debug"].AsBool();
    b.cuda_build = b.cuda_version.has_value();
    if (auto git = names["git_version"].AsString()) b.evidence.push_back("git_version " + *git);
    for (const auto& s : literals->skipped)
      b.evidence.push_back(version_py.string() + ": skipped " + s);

    // torch <= 2.2 wheels were built against NumPy 1; 2.3.0 is the first built against NumPy 2
    // (PyTorch 2.3 release notes). torch declares no numpy requirement, so metadata cannot say.
    b.numpy_abi = NumpyAbiFromMetadata(record);
    if (!b.numpy_abi && !b.version.empty()) b.numpy_abi = AtLeast(b.version, "2.3") ? "2" : "1";

    AttachWheels(b, {record});
    // 1.10 - 1.12 split the CUDA code into two libraries; later releases have one.
    for (const char* lib : {"torch/lib/libtorch_cuda.so", "torch/lib/libtorch_cuda_cu.so",
                            "torch/lib/libtorch_cuda_cpp.so"}) {
      auto object = ReadObject(ctx_, *site / lib);
      if (!object) continue;
      b.evidence.push_back(object->path.string());
      if (!object->problem.empty()) b.evidence.push_back("could not read " + object->problem);
      AddArches(b, *object);
      ResolveNeeds(b, CudaNeeded(*object), ObjectOf(*object), false);
    }
    // The other libraries of the build NEED CUDA libraries too (libtorch_cpu.so needs cupti;
    // libtorch_cuda_linalg.so and libcaffe2_nvrtc.so are dlopened on first use).
    std::optional<LoaderObject> torch_lib;
    for (const char* lib : {"torch/lib/libtorch_cpu.so", "torch/lib/libc10_cuda.so",
                            "torch/lib/libtorch_python.so", "torch/lib/libtorch_cuda_linalg.so",
                            "torch/lib/libcaffe2_nvrtc.so", "torch/lib/libtorch_nvshmem.so"}) {
      auto object = ReadObject(ctx_, *site / lib);
      if (!object) continue;
      ResolveNeeds(b, CudaNeeded(*object), ObjectOf(*object), false);
      if (!torch_lib) torch_lib = ObjectOf(*object);
    }
    if (b.cuda_build && torch_lib) ResolveDlopened(b, *torch_lib, false);
    TorchOwnArches(b, *site / "torch/lib/libtorch_python.so");
    // cuDNN: what the build loads, by the version of the copy it resolves.
    for (const auto& need : b.libraries) {
      if (need.soname.starts_with("libcudnn.so") && !b.cudnn_version) {
        b.cudnn_version = need.expected_version ? need.expected_version : need.version;
      }
    }
    return b;
  }

  // The DSO loader runs inside these objects; their search paths together (each with its
  // own $ORIGIN expanded) are where TensorFlow's own copies can come from.
  std::vector<std::string> TensorFlowSearchDirs(const fs::path& site, model::FrameworkBuild& b) {
    std::vector<std::string> dirs;
    for (const char* lib :
         {"tensorflow/python/_pywrap_tensorflow_internal.so",
          "tensorflow/libtensorflow_framework.so.2", "tensorflow/libtensorflow_cc.so.2"}) {
      auto o = ReadObject(ctx_, site / lib);
      if (!o) continue;
      b.evidence.push_back(o->path.string());
      auto paths = o->dynamic.runpath ? o->dynamic.runpath : o->dynamic.rpath;
      if (!paths) continue;
      for (const auto& dir : ExpandSearchPath(*paths, o->path.parent_path())) {
        if (std::find(dirs.begin(), dirs.end(), dir.string()) == dirs.end())
          dirs.push_back(dir.string());
      }
    }
    return dirs;
  }

  // ---- TensorFlow ----
  std::optional<model::FrameworkBuild> TensorFlow() {
    auto site = Site("tensorflow/python/platform/build_info.py");
    if (!site) return std::nullopt;
    fs::path build_info_py = *site / "tensorflow/python/platform/build_info.py";
    auto literals = ReadPyLiterals(ctx_, build_info_py, skipped_);
    if (!literals) return std::nullopt;
    const model::PackageRecord* record = FirstDistributionOf(knowledge::kTensorFlow);
    model::FrameworkBuild b;
    b.name = knowledge::kTensorFlow;
    b.package = record ? record->name : b.name;
    b.version = record ? record->version : "";
    b.evidence.push_back(build_info_py.string());
    const util::PyValue* info =
        literals->names.count("build_info") ? &literals->names["build_info"] : nullptr;
    if (!info || info->kind != util::PyValue::Kind::kDict) {
      b.evidence.push_back(build_info_py.string() + ": no literal build_info dict");
      return b;
    }
    auto text = [&](const char* key) -> std::optional<std::string> {
      const auto* v = info->Get(key);
      return v ? v->AsString() : std::nullopt;
    };
    auto flag = [&](const char* key) -> std::optional<bool> {
      const auto* v = info->Get(key);
      return v ? v->AsBool() : std::nullopt;
    };
    b.cuda_build = flag("is_cuda_build").value_or(false);
    b.cuda_version = text("cuda_version");
    b.cudnn_version = text("cudnn_version");
    if (flag("is_rocm_build").value_or(false))
      b.rocm_version = text("rocm_version").value_or("unknown");
    if (const auto* caps = info->Get("cuda_compute_capabilities")) {
      b.cuda_archs = TensorFlowArchs(*caps);
      b.archs_source = build_info_py.string();
    }
    // NumPy 2 from TF 2.18 (TensorFlow 2.18 release notes).
    b.numpy_abi = NumpyAbiFromMetadata(record);
    if (!b.numpy_abi && !b.version.empty()) b.numpy_abi = AtLeast(b.version, "2.18") ? "2" : "1";

    AttachWheels(b, {record});
    if (!b.cuda_build || !b.cuda_version) return b;
    // TensorFlow dlopens its CUDA libraries (stream_executor's DSO loader) by these sonames,
    // searching the RUNPATH of its own extension modules first.
    const auto sonames = TensorFlowSonames(*b.cuda_version, b.cudnn_version);
    const auto dirs = TensorFlowSearchDirs(*site, b);
    LoaderObject object{*site / "tensorflow", std::nullopt, std::nullopt};
    if (!dirs.empty()) object.runpath = util::Join(dirs, ":");
    ResolveDlopened(b, object, /*preloads_wheels=*/!b.nvidia_wheels.empty(), sonames);
    for (auto& need : b.libraries) {
      if (need.soname.starts_with("libcudnn.so") && !need.expected_version)
        need.expected_version = b.cudnn_version;
    }
    return b;
  }

  // ---- JAX ----
  std::optional<model::FrameworkBuild> Jax() {
    // jax carries the import; jaxlib is its compiled part (both in the identity, in that order).
    const auto& names = knowledge::Frameworks().Find(knowledge::kJax)->distributions;
    const auto* jax = FindPackage(env_, names.at(0));
    const auto* jaxlib = names.size() > 1 ? FindPackage(env_, names[1]) : nullptr;
    if (!jax && !jaxlib) return std::nullopt;
    model::FrameworkBuild b;
    b.name = knowledge::kJax;
    b.package = jax ? jax->name : jaxlib->name;
    b.version = jax ? jax->version : jaxlib->version;
    if (jaxlib) {
      b.evidence.push_back("jaxlib " + jaxlib->version);
      // The monolithic CUDA jaxlib (up to 0.4.29) says its build in the local label:
      // 0.4.25+cuda12.cudnn89 (CUDA 12, cuDNN 8.9), 0.1.69+cuda101 (CUDA 10.1).
      if (auto label = util::ParseBuildLabel(jaxlib->version); label && label->cuda_major) {
        b.cuda_build = true;
        b.cuda_version = label->CudaVersion();
        if (label->cudnn) b.cudnn_version = label->cudnn;
      }
    }
    std::vector<const model::PackageRecord*> plugins = CudaPluginsOf(knowledge::kJax);
    for (const auto* p : plugins) {
      b.evidence.push_back(fmt::format("{} {}", p->name, p->version));
      if (!b.cuda_build) {
        b.cuda_build = true;
        b.cuda_version = CudaMajorOfPlugin(p->normalized_name.empty() ? NormalizeName(p->name)
                                                                      : p->normalized_name);
      }
    }
    b.numpy_abi = NumpyAbiFromMetadata(jaxlib);
    // jaxlib 0.4.26 is the first built against NumPy 2 (jax CHANGELOG).
    if (!b.numpy_abi && jaxlib) b.numpy_abi = AtLeast(jaxlib->version, "0.4.26") ? "2" : "1";
    AttachWheels(b, plugins);
    if (!b.cuda_build || !b.cuda_version) return b;

    std::string major = b.cuda_version->substr(0, b.cuda_version->find('.'));
    auto site = Site(fmt::format("jax_plugins/xla_cuda{}", major));
    LoaderObject object{site ? *site / "jax_plugins" : fs::path("/"), std::nullopt, std::nullopt};
    if (site) {
      fs::path dir = *site / fmt::format("jax_plugins/xla_cuda{}", major);
      for (const auto& name : ctx_.fs.ListDir(dir)) {
        if (!name.ends_with(".so")) continue;
        if (auto o = ReadObject(ctx_, dir / name)) {
          b.evidence.push_back(o->path.string());
          AddArches(b, *o);
          if (o->dynamic.runpath || o->dynamic.rpath) object = ObjectOf(*o);
        }
      }
    }
    // The CUDA plugin dlopens these (cuDNN 9 since jax 0.4.26, per its installation guide).
    std::vector<std::string> sonames = {"libcudart.so." + major, "libcublas.so." + major,
                                        "libcublasLt.so." + major};
    sonames.push_back(b.cudnn_version && b.cudnn_version->starts_with("8") ? "libcudnn.so.8"
                                                                           : "libcudnn.so.9");
    ResolveDlopened(b, object, /*preloads_wheels=*/true, sonames);
    return b;
  }

  // ---- CuPy ----
  std::optional<model::FrameworkBuild> Cupy() {
    const model::PackageRecord* record = FirstDistributionOf(knowledge::kCupy);
    auto site = Site("cupy");
    if (!record && !site) return std::nullopt;
    model::FrameworkBuild b;
    b.name = knowledge::kCupy;
    b.package = record ? record->name : b.name;
    b.version = record ? record->version : "";
    if (site) {
      if (auto lit = ReadPyLiterals(ctx_, *site / "cupy/_version.py", skipped_)) {
        if (auto v = lit->names["__version__"].AsString()) b.version = *v;
        b.evidence.push_back((*site / "cupy/_version.py").string());
      }
    }
    // cupy-cuda12x: any CUDA 12 minor; cupy-cuda117: exactly 11.7; cupy-cuda102: 10.2.
    std::string n = NormalizeName(b.package);
    if (n.starts_with("cupy-cuda")) {
      b.cuda_build = true;
      if (auto cuda = util::ParseCudaDigits(n.substr(9))) {
        b.cuda_version =
            std::to_string(cuda->major) + (cuda->minor ? "." + std::to_string(*cuda->minor) : "");
      }
    } else if (n.starts_with("cupy-rocm")) {
      b.rocm_version = n.substr(9);
    }
    if (site) {
      // Wheels record their build in cupy/.data/_wheel.json ({"cuda": "12.x", ...}).
      fs::path wheel_json = *site / "cupy/.data/_wheel.json";
      if (auto text = ctx_.fs.ReadFile(wheel_json, 1u << 20)) {
        auto doc = nlohmann::json::parse(*text, nullptr, false);
        if (doc.is_object() && doc.contains("cuda") && doc["cuda"].is_string()) {
          std::string cuda = doc["cuda"].get<std::string>();
          if (cuda.ends_with(".x")) cuda.resize(cuda.size() - 2);
          b.cuda_version = cuda;
          b.cuda_build = true;
          b.evidence.push_back(wheel_json.string());
        }
      }
    }
    b.numpy_abi = NumpyAbiFromMetadata(record);
    // CuPy 13.2 is the first release with NumPy 2 support (CuPy release notes).
    if (!b.numpy_abi && !b.version.empty()) b.numpy_abi = AtLeast(b.version, "13.2") ? "2" : "1";
    AttachWheels(b, {record});
    if (!site) return b;
    int read = 0;
    for (const char* folder :
         {"cupy/cuda", "cupy/_core", "cupy_backends/cuda/libs", "cupy_backends/cuda/api"}) {
      fs::path dir = *site / folder;
      for (const auto& name : ctx_.fs.ListDir(dir)) {
        if (name.find(".so") == std::string::npos || ++read > 64) continue;
        // NCCL, cuTENSOR, cuDNN and cuSPARSELt are CuPy's optional libraries (install.rst,
        // "Optional Libraries"): their modules load only when used, and no extra brings them.
        if (name.starts_with("nccl") || name.starts_with("cutensor") || name.starts_with("cudnn") ||
            name.starts_with("cusparselt")) {
          continue;
        }
        if (auto o = ReadObject(ctx_, dir / name)) {
          AddArches(b, *o);
          ResolveNeeds(b, CudaNeeded(*o), ObjectOf(*o), /*preloads_wheels=*/true);
        }
      }
    }
    if (b.cuda_build)
      ResolveDlopened(b, LoaderObject{*site / "cupy", std::nullopt, std::nullopt}, true);
    return b;
  }

  // ---- ONNX Runtime ----
  std::optional<model::FrameworkBuild> OnnxRuntime() {
    const auto* gpu = FindPackage(env_, "onnxruntime-gpu");
    const auto* cpu = FindPackage(env_, "onnxruntime");
    auto site = Site("onnxruntime/capi");
    if (!gpu && !cpu && !site) return std::nullopt;
    const auto* record = gpu ? gpu : cpu;
    model::FrameworkBuild b;
    b.name = knowledge::kOnnxRuntime;
    b.package = record ? record->name : b.name;
    b.version = record ? record->version : "";
    if (gpu && cpu)
      b.evidence.push_back(
          "both onnxruntime and onnxruntime-gpu are installed; they share one folder");
    b.numpy_abi = NumpyAbiFromMetadata(record);
    // onnxruntime 1.19 is the first built against NumPy 2 (its release notes).
    if (!b.numpy_abi && !b.version.empty()) b.numpy_abi = AtLeast(b.version, "1.19") ? "2" : "1";
    AttachWheels(b, {record});
    if (!site) return b;
    auto provider = ReadObject(ctx_, *site / "onnxruntime/capi/libonnxruntime_providers_cuda.so");
    if (!provider) return b;
    b.evidence.push_back(provider->path.string());
    b.cuda_build = true;
    AddArches(b, *provider);
    auto needed = CudaNeeded(*provider);
    for (const auto& soname : needed) {
      // The runtime's soname major is the CUDA major the provider was built for.
      if (soname.starts_with("libcudart.so.")) b.cuda_version = soname.substr(13);
      if (soname.starts_with("libcudnn.so.")) b.cudnn_version = soname.substr(12);
    }
    ResolveNeeds(b, needed, ObjectOf(*provider), /*preloads_wheels=*/true);
    return b;
  }

  const ProbeContext& ctx_;
  const model::PythonEnv& env_;
  LoaderSearch search_;
  std::vector<std::string>* skipped_;  // files found but not read (a FIFO, a device): path: why
  std::vector<model::NvidiaWheel> wheels_;
  std::map<std::string, std::string>
      pins_;  // nvidia-* requirement pins of the framework being read
};

}  // namespace

std::vector<model::FrameworkBuild> ReadFrameworkBuilds(
    const ProbeContext& ctx, const model::PythonEnv& env,
    const std::vector<model::LibraryCopy>& system_libraries, std::vector<std::string>* skipped) {
  return EnvReader(ctx, env, system_libraries, skipped).Run();
}

}  // namespace dlenv::probe
