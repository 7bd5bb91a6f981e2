#include "bench/compare.h"

#include <fmt/format.h>

#include <algorithm>
#include <set>
#include <thread>

#include "bench/cpu_bench.h"
#include "bench/cpu_blas.h"
#include "bench/gpu_bench.h"
#include "bench/peaks.h"
#include "knowledge/frameworks.h"
#include "model/json.h"
#include "probe/driver.h"
#include "probe/host.h"
#include "probe/libraries.h"
#include "probe/python_envs.h"
#include "probe/toolkits.h"
#include "util/embedded.h"
#include "util/json_read.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::bench {
namespace {

// NumPy (the CPU baseline) first, then the core frameworks in the identity's order.
std::vector<std::string> AllFrameworks() {
  std::vector<std::string> all{"numpy"};
  for (const auto& id : knowledge::Frameworks().CoreIds()) all.push_back(id);
  return all;
}

bool Wanted(const std::vector<std::string>& only, const std::string& name) {
  return only.empty() || std::find(only.begin(), only.end(), name) != only.end();
}

std::string LastLine(const std::string& text) {
  auto lines = util::Lines(text);
  for (auto it = lines.rbegin(); it != lines.rend(); ++it) {
    auto t = util::Trim(*it);
    if (!t.empty()) return std::string(t);
  }
  return {};
}

// A child's document is read with util/json_read.h: a field of the wrong type reads as absent.
using util::JsonBoolOr;
using util::JsonNumberOr;
using util::JsonString;
using util::JsonStringOr;

Check ReadCheck(const nlohmann::json& j) {
  Check c;
  if (!j.is_object()) return c;
  c.done = JsonBoolOr(j, "done", false);
  c.passed = JsonBoolOr(j, "passed", false);
  c.detail = JsonStringOr(j, "detail", "");
  return c;
}

// The interpreters to run, each once, in the order given.
std::vector<std::string> Interpreters(const CompareOptions& options) {
  std::vector<std::string> out;
  const auto add = [&](const std::string& p) {
    if (!p.empty() && std::find(out.begin(), out.end(), p) == out.end()) out.push_back(p);
  };
  for (const auto& p : options.pythons) add(p);
  if (!out.empty()) return out;
  for (const auto& e : options.envs) {
    if (e.executable) add(*e.executable);
  }
  if (out.empty()) add("python3");
  return out;
}

struct Detected {
  std::vector<std::string> frameworks;
  std::optional<std::string> error;
};

Detected Detect(const std::string& python, const std::map<std::string, std::string>& env) {
  Detected d;
  auto script = util::FindEmbeddedFile("compare_detect.py");
  if (!script) {
    d.error = "this build carries no compare_detect.py";
    return d;
  }
  util::ChildOptions child;
  child.deadline = std::chrono::seconds(30);
  child.stdin_data = std::string(*script);
  child.env = env;
  auto r = util::RunCommand({python, "-"}, child);
  if (!r.ok()) {
    d.error = fmt::format("{}: {}", python, r.Describe());
    return d;
  }
  try {
    auto j = nlohmann::json::parse(LastLine(r.out));
    for (const auto& f : j.at("frameworks")) d.frameworks.push_back(f.get<std::string>());
  } catch (const std::exception& e) {
    d.error = fmt::format("{}: unreadable answer ({})", python, e.what());
  }
  return d;
}

double Throughput(const FrameworkRun& r) {
  if (r.time.median <= 0) return 0;
  if (r.unit == "us") return r.time.median * 1e6;
  if (r.unit == "steps/s") return r.work / r.time.median;
  return r.work / r.time.median / 1e9;
}

// The variant text of a workload, as compare_harness.py's workload_variant writes it.
std::string Variant(const nlohmann::json& spec) {
  const std::string w = spec.value("workload", "");
  if (w == "matmul")
    return fmt::format("{} {}", spec["n"].get<int>(), spec["dtype"].get<std::string>());
  if (w == "copy") return fmt::format("{} MiB", spec["bytes"].get<long long>() >> 20);
  return "";
}

// Framework dtype names against the GPU bench's (and the peaks table's).
constexpr std::pair<const char*, const char*> kGpuDtypes[] = {
    {"float32", "fp32"}, {"tfloat32", "tf32"}, {"float16", "fp16"}, {"bfloat16", "bf16"}};

std::string BenchDtype(const std::string& dtype) {
  for (const auto& [framework, bench] : kGpuDtypes) {
    if (dtype == framework) return bench;
  }
  return "";
}
std::string FrameworkDtype(const std::string& dtype) {
  for (const auto& [framework, bench] : kGpuDtypes) {
    if (dtype == bench) return framework;
  }
  return "";
}

// The datasheet peak of each GPU matmul and of the copy, in the units compare reports.
void FillPeaks(const std::string& gpu_name, const nlohmann::json& workloads,
               CompareReport& report) {
  auto peaks = FindGpuPeaks(BuiltinGpuPeaks(), gpu_name);
  if (!peaks) {
    if (!gpu_name.empty())
      report.notes.push_back(fmt::format("no datasheet peaks for {} in dlenv's table", gpu_name));
    return;
  }
  report.peak_source = fmt::format("{} datasheet: {}", peaks->name, peaks->source);
  for (const auto& spec : workloads) {
    const std::string w = spec.value("workload", "");
    if (w == "matmul") {
      auto it = peaks->tflops.find(BenchDtype(spec.value("dtype", "")));
      if (it != peaks->tflops.end()) report.peaks[Variant(spec)] = it->second * 1000;
    } else if (w == "copy" && peaks->memory_gbps) {
      report.peaks[Variant(spec)] = *peaks->memory_gbps;
    }
  }
}

// dlenv's own GPU GEMMs (each dtype the frameworks run, both cuBLAS routes for bf16) and device
// copy, in one child process before the frameworks: the baseline of a GPU comparison.
std::vector<FrameworkRun> MeasureGpuNative(const CompareOptions& options,
                                           const nlohmann::json& workloads, CompareReport& report) {
  BenchOptions bench = *options.gpu_native;
  bench.cpu = false;
  bench.policy = options.policy;
  bench.gpu_deadline_seconds = options.process_deadline_seconds;
  bench.sizes.clear();
  bench.gpu_parts = {};
  bench.gpu_parts.gemm = bench.gpu_parts.copy = false;
  bench.gpu_parts.stream = bench.gpu_parts.latency = bench.gpu_parts.transfers = false;
  std::string copy_variant;
  for (const auto& spec : workloads) {
    const std::string w = spec.value("workload", "");
    if (w == "matmul") {
      const std::string dtype = BenchDtype(spec.value("dtype", ""));
      if (dtype.empty()) continue;
      bench.gpu_parts.gemm = true;
      const int n = spec["n"].get<int>();
      if (std::find(bench.sizes.begin(), bench.sizes.end(), n) == bench.sizes.end())
        bench.sizes.push_back(n);
      auto& dtypes = bench.gpu_parts.gemm_dtypes;
      if (std::find(dtypes.begin(), dtypes.end(), dtype) == dtypes.end()) dtypes.push_back(dtype);
    } else if (w == "copy") {
      bench.gpu_parts.copy = true;
      copy_variant = Variant(spec);
    }
  }
  std::vector<FrameworkRun> runs;
  if (!bench.gpu_parts.gemm && !bench.gpu_parts.copy) return runs;
  if (options.progress) options.progress("dlenv native GPU baseline", 0);
  BenchReport measured;
  RunGpuBench(bench, measured);
  if (options.progress) options.progress("dlenv native GPU baseline", 1);
  for (const auto& w : measured.warnings) report.warnings.push_back("native baseline: " + w);
  for (const auto& n : measured.notes) report.notes.push_back("native baseline: " + n);
  for (const auto& m : measured.measurements) {
    FrameworkRun run;
    const auto param = [&m](const char* key) {
      auto it = m.params.find(key);
      return it == m.params.end() ? std::string() : it->second;
    };
    if (m.group == "gpu.gemm") {
      run.workload = "matmul";
      run.variant = fmt::format("{} {}", param("n"), FrameworkDtype(param("dtype")));
      run.mode = param("library") == "cuBLASLt" ? "native (cuBLASLt)" : "native";
    } else if (m.group == "gpu.memory") {
      run.workload = "copy";
      run.variant = copy_variant;
      run.mode = "native (cuMemcpyDtoD)";
    } else {
      continue;
    }
    run.framework = "dlenv";
    run.framework_version = DLENV_VERSION;
    run.device = "cuda:0";
    run.seconds = m.seconds;
    run.work = m.work;
    run.unit = m.unit;
    run.check = m.check;
    run.error = m.error;
    if (run.check.passed && m.value > 0) {
      double& best = report.native[run.variant];  // the faster route is the baseline
      best = std::max(best, m.value);
    }
    runs.push_back(std::move(run));
  }
  return runs;
}

}  // namespace

nlohmann::json DefaultWorkloads(bool cuda, const std::vector<int>& sizes,
                                const std::vector<std::string>& only) {
  using nlohmann::json;
  json list = json::array();
  const auto add = [&](json spec) {
    if (Wanted(only, spec["workload"].get<std::string>())) list.push_back(std::move(spec));
  };
  const json both = {"eager", "compiled"};
  add({{"workload", "empty"}});
  const std::vector<int> ns =
      sizes.empty() ? std::vector<int>{cuda ? kDefaultGpuMatmulSize : kDefaultCpuMatmulSize}
                    : sizes;
  const std::vector<std::string> dtypes =
      cuda ? std::vector<std::string>{"float32", "tfloat32", "float16", "bfloat16"}
           : std::vector<std::string>{"float32", "float64"};
  for (int n : ns) {
    for (const auto& d : dtypes) add({{"workload", "matmul"}, {"n", n}, {"dtype", d}});
  }
  add({{"workload", "copy"}, {"bytes", cuda ? (1LL << 30) : (64LL << 20)}});
  const json conv = {
      {"batch", cuda ? 32 : 4}, {"size", 56}, {"channels", 64}, {"filters", 64}, {"modes", both}};
  json fwd = conv, bwd = conv;
  fwd["workload"] = "conv2d_fwd";
  bwd["workload"] = "conv2d_bwd";
  add(fwd);
  add(bwd);
  add({{"workload", "mlp_train"},
       {"batch", cuda ? 512 : 64},
       {"dims", cuda ? json{4096, 4096, 4096, 1000} : json{1024, 1024, 1024, 10}},
       {"modes", both}});
  add({{"workload", "rnn_dynamic"},
       {"batch", cuda ? 64 : 16},
       {"hidden", cuda ? 1024 : 256},
       {"input", cuda ? 256 : 64},
       {"steps", cuda ? 256 : 64},
       {"modes", both}});
  return list;
}

void ParseFrameworkOutput(const std::string& stdout_text, const std::string& python,
                          FrameworkProcess& process, std::vector<FrameworkRun>& runs) {
  nlohmann::json doc;
  try {
    doc = nlohmann::json::parse(LastLine(stdout_text));
  } catch (const std::exception&) {
    process.error = "its output was not the expected JSON document";
    return;
  }
  if (!doc.is_object()) {
    process.error = "its output was not a JSON object";
    return;
  }
  if (auto e = JsonString(doc, "error")) {
    process.error = *e;
    return;
  }
  if (auto s = JsonString(doc, "skipped")) {
    process.skipped = *s;
    return;
  }
  process.import_seconds = JsonNumberOr(doc, "import_seconds", 0.0);
  const std::string version = JsonStringOr(doc, "version", "");
  const std::string device = JsonStringOr(doc, "device", "cpu");
  auto it = doc.find("runs");
  if (it == doc.end() || !it->is_array()) {
    process.error = "its document has no runs";
    return;
  }
  for (const auto& r : *it) {
    if (!r.is_object()) continue;
    FrameworkRun run;
    run.framework = process.framework;
    run.framework_version = version;
    run.device = device;
    run.python = python;
    run.workload = JsonStringOr(r, "workload", "");
    run.variant = JsonStringOr(r, "variant", "");
    run.mode = JsonStringOr(r, "mode", "eager");
    if (auto c = JsonString(r, "compiler")) run.mode += " (" + *c + ")";
    run.unit = JsonStringOr(r, "unit", "");
    run.work = JsonNumberOr(r, "work", 0.0);
    if (auto s = r.find("seconds"); s != r.end() && s->is_array()) {
      for (const auto& x : *s) {
        if (x.is_number()) run.seconds.push_back(x.get<double>());
      }
    }
    if (auto c = r.find("check"); c != r.end()) run.check = ReadCheck(*c);
    run.skipped = JsonString(r, "skipped");
    run.error = JsonString(r, "error");
    runs.push_back(std::move(run));
  }
}

void Evaluate(CompareReport& report) {
  for (auto& r : report.runs) {
    r.time = Summarize(r.seconds);
    r.value = Throughput(r);
    if (r.value <= 0) continue;
    if (auto it = report.native.find(r.variant); it != report.native.end() && it->second > 0) {
      r.share_of_native = r.value / it->second;
    }
    if (auto it = report.peaks.find(r.variant); it != report.peaks.end() && it->second > 0) {
      r.share_of_peak = r.value / it->second;
    }
  }
  report.verdicts.clear();
  std::map<std::string, std::vector<std::size_t>> by_variant;
  for (std::size_t i = 0; i < report.runs.size(); ++i) {
    const auto& r = report.runs[i];
    const bool usable =
        !r.seconds.empty() && !r.error && !r.skipped && (!r.check.done || r.check.passed);
    if (usable && r.workload != "empty") by_variant[r.workload + "|" + r.variant].push_back(i);
  }
  for (const auto& [key, members] : by_variant) {
    if (members.size() < 2) continue;
    const std::size_t fastest =
        *std::min_element(members.begin(), members.end(), [&](std::size_t a, std::size_t b) {
          return report.runs[a].time.median < report.runs[b].time.median;
        });
    for (std::size_t i : members) {
      if (i == fastest) continue;
      report.verdicts.push_back(
          {i, fastest, CompareSamples(report.runs[fastest].seconds, report.runs[i].seconds)});
    }
  }
}

void DiscoverForCompare(const probe::ProbeContext& ctx, CompareOptions& options) {
  model::Snapshot snapshot;
  probe::ProbeHost(ctx, snapshot);
  probe::ProbeDriver(ctx, snapshot);
  probe::ProbePythonEnvs(ctx, snapshot);
  options.envs = snapshot.python_envs;
  options.gpu_present = snapshot.driver.cuda_device_count.value_or(0) > 0;
  options.host = DescribeHost(snapshot.host);
  options.env = ctx.env;
  if (options.gpu_present) {
    // The frameworks run on CUDA device 0, which is not always NVML's first GPU.
    for (const auto& gpu : snapshot.gpus) {
      if (gpu.cuda_index == 0 || (options.gpu_name.empty() && !gpu.cuda_index))
        options.gpu_name = gpu.name;
    }
    // Where dlenv's own cuBLAS/cuBLASLt would come from, for the native baseline.
    probe::ProbeToolkits(ctx, snapshot);
    probe::ProbeLibraries(ctx, snapshot);
    BenchOptions native;
    BenchOptionsFromSnapshot(ctx, snapshot, native);
    options.gpu_native = std::move(native);
  }
}

namespace {

// dlenv's own CPU matmul baseline, measured in two halves, before and after the frameworks,
// so that a load that changes while compare runs weighs on both sides alike.
class CpuBaseline {
 public:
  CpuBaseline(const CompareOptions& options, const nlohmann::json& workloads, bool cuda,
              int threads, CompareReport& report)
      : options_(options), workloads_(workloads) {
    if (!options.native_baseline || cuda || !Wanted(options.workloads, "matmul")) return;
    std::string error;
    blas_ = CpuBlas::Load(&error);
    if (blas_)
      blas_->SetThreads(threads);
    else
      report.warnings.push_back(fmt::format("no native baseline: {}", error));
    half_ = options.policy;
    half_.min_samples = std::max(3, (options.policy.min_samples + 1) / 2);
    half_.min_seconds /= 2;
    half_.max_seconds /= 2;
  }

  void Measure(int pass) {
    if (!blas_) return;
    for (const auto& spec : workloads_) {
      if (spec["workload"] != "matmul") continue;
      const int n = spec["n"].get<int>();
      const std::string dtype = spec["dtype"].get<std::string>();
      const std::string what = fmt::format("dlenv native {} matmul {} ({}/2)", dtype, n, pass);
      auto m = RunCpuGemm(*blas_, dtype == "float64" ? GemmType::kFp64 : GemmType::kFp32, n, half_,
                          [&](double f) {
                            if (options_.progress) options_.progress(what, f);
                          });
      FrameworkRun& run = runs_[fmt::format("{} {}", n, dtype)];
      if (run.framework.empty()) {
        run.workload = "matmul";
        run.variant = fmt::format("{} {}", n, dtype);
        run.framework = "dlenv";
        run.framework_version = DLENV_VERSION;
        run.mode = "native";
        run.device = "cpu";
        run.unit = "GFLOP/s";
        run.work = m.work;
        run.check = m.check;
      } else if (!m.check.passed) {
        run.check = m.check;
      }
      run.seconds.insert(run.seconds.end(), m.seconds.begin(), m.seconds.end());
    }
  }

  /// The runs of both halves; report.native gets each variant's GFLOP/s.
  std::vector<FrameworkRun> Finish(CompareReport& report) {
    std::vector<FrameworkRun> natives;
    for (auto& [variant, run] : runs_) {
      const Summary t = Summarize(run.seconds);
      if (run.check.passed && t.median > 0) report.native[variant] = run.work / t.median / 1e9;
      natives.push_back(std::move(run));
    }
    return natives;
  }

 private:
  const CompareOptions& options_;
  const nlohmann::json& workloads_;
  std::optional<CpuBlas> blas_;
  SamplingPolicy half_;
  std::map<std::string, FrameworkRun> runs_;
};

nlohmann::json HarnessConfig(bool cuda, int threads, const nlohmann::json& workloads,
                             const SamplingPolicy& p) {
  return {{"device", cuda ? "cuda" : "cpu"},
          {"threads", threads},
          {"workloads", workloads},
          {"policy",
           {{"warmup_runs", p.warmup_runs},
            {"warmup_seconds", p.warmup_seconds},
            {"min_samples", p.min_samples},
            {"max_samples", p.max_samples},
            {"min_seconds", p.min_seconds},
            {"max_seconds", p.max_seconds}}}};
}

// One framework in one interpreter: its own process, timing itself.
FrameworkProcess RunFramework(const std::string& python, const std::string& framework,
                              const std::string& config_text,
                              const std::map<std::string, std::string>& child_env,
                              const CompareOptions& options, std::vector<FrameworkRun>& runs) {
  FrameworkProcess process;
  process.framework = framework;
  process.python = python;
  auto harness = util::FindEmbeddedFile("compare_harness.py");
  auto script = util::FindEmbeddedFile(fmt::format("compare_{}.py", framework));
  if (!harness || !script) {
    process.error = "this build carries no workload script for it";
    return process;
  }
  if (options.progress) options.progress(fmt::format("{} in {}", framework, python), 0);
  util::ChildOptions child;
  child.deadline =
      std::chrono::milliseconds(static_cast<long long>(options.process_deadline_seconds * 1000));
  child.stdin_data = std::string(*harness) + "\n" + std::string(*script);
  child.env = child_env;
  auto r = util::RunCommand({python, "-", config_text}, child);
  process.wall_seconds = r.seconds;
  if (r.ok()) {
    ParseFrameworkOutput(r.out, python, process, runs);
  } else {
    // A process that timed out may still have printed nothing usable; say so plainly.
    const std::string last = LastLine(r.err);
    process.error = last.empty() ? r.Describe() : fmt::format("{}: {}", r.Describe(), last);
  }
  if (options.progress) options.progress(fmt::format("{} in {}", framework, python), 1);
  return process;
}

}  // namespace

CompareReport MeasureCompare(const CompareOptions& options) {
  CompareReport report;
  report.dlenv_version = DLENV_VERSION;
  report.date = UtcNow();
  report.host = options.host;
  const bool cuda = options.device == "cuda" || (options.device == "auto" && options.gpu_present);
  report.device = cuda ? "cuda" : "cpu";
  const int threads = options.threads > 0
                          ? options.threads
                          : static_cast<int>(std::max(1u, std::thread::hardware_concurrency()));
  if (!cuda) {
    report.notes.push_back(fmt::format(
        "CPU run: matmul at {} rather than the article's 8192 (a GPU size), smaller batches for "
        "the other "
        "workloads; every framework and dlenv's own baseline use {} threads.",
        options.sizes.empty() ? kDefaultCpuMatmulSize : options.sizes.front(), threads));
  }
  const nlohmann::json workloads = DefaultWorkloads(cuda, options.sizes, options.workloads);

  // The child environment: same thread count for every BLAS and OpenMP runtime.
  auto child_env = options.env.vars();
  for (const char* var : {"OMP_NUM_THREADS", "OPENBLAS_NUM_THREADS", "MKL_NUM_THREADS"}) {
    child_env[var] = std::to_string(threads);
  }
  CpuBaseline baseline(options, workloads, cuda, threads, report);
  baseline.Measure(1);

  std::vector<FrameworkRun> gpu_natives;
  if (cuda) {
    if (!options.gpu_name.empty()) report.notes.push_back("GPU: " + options.gpu_name);
    FillPeaks(options.gpu_name, workloads, report);
    if (options.native_baseline && options.gpu_native)
      gpu_natives = MeasureGpuNative(options, workloads, report);
  }

  const std::string config_text = HarnessConfig(cuda, threads, workloads, options.policy).dump();
  const std::vector<std::string> interpreters = Interpreters(options);
  for (const auto& python : interpreters) {
    Detected found = Detect(python, child_env);
    if (found.error) {
      report.warnings.push_back(fmt::format("skipped interpreter {}", *found.error));
      continue;
    }
    for (const std::string& framework : AllFrameworks()) {
      if (!Wanted(options.frameworks, framework)) continue;
      if (std::find(found.frameworks.begin(), found.frameworks.end(), framework) ==
          found.frameworks.end())
        continue;
      report.processes.push_back(
          RunFramework(python, framework, config_text, child_env, options, report.runs));
    }
  }
  if (report.processes.empty()) {
    report.warnings.push_back(fmt::format(
        "no framework to compare: none of {} is installed for {}",
        util::Join(options.frameworks.empty() ? AllFrameworks() : options.frameworks, ", "),
        util::Join(interpreters, ", ")));
  }
  baseline.Measure(2);
  std::vector<FrameworkRun> natives = baseline.Finish(report);
  report.runs.insert(report.runs.begin(), natives.begin(), natives.end());
  report.runs.insert(report.runs.begin(), gpu_natives.begin(), gpu_natives.end());
  Evaluate(report);
  for (const auto& r : report.runs) {
    if (r.check.done && !r.check.passed) {
      report.warnings.push_back(
          fmt::format("{} {} {} {}: wrong result, its time is not compared: {}", r.framework,
                      r.workload, r.variant, r.mode, r.check.detail));
    }
  }
  return report;
}

}  // namespace dlenv::bench
