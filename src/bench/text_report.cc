#include "bench/text_report.h"

#include <fmt/format.h>

#include <algorithm>
#include <cmath>
#include <map>
#include <string_view>

namespace dlenv::bench {

std::string FormatSeconds(double s) {
  if (s <= 0) return "-";
  if (s < 1e-3) return fmt::format("{:.3g} us", s * 1e6);
  if (s < 1) return fmt::format("{:.3g} ms", s * 1e3);
  return fmt::format("{:.3g} s", s);
}

std::string FormatValue(double value, const std::string& unit) {
  if (unit.empty()) return "-";
  // A GPU's GEMM reads better in TFLOP/s (989 TFLOP/s, not 989000 GFLOP/s).
  if (unit == "GFLOP/s" && value >= 1000) return FormatValue(value / 1000, "TFLOP/s");
  if (value >= 100) return fmt::format("{:.0f} {}", value, unit);
  return fmt::format("{:.3g} {}", value, unit);
}

std::string FormatSpread(const Summary& s) {
  if (s.n < 2 || s.median <= 0) return "-";
  return fmt::format("±{:.1f}%", 50 * s.iqr / s.median);
}

namespace {

std::string CheckText(const Check& c) {
  if (!c.done) return "not checked";
  return c.passed ? "ok" : "WRONG";
}

std::string ResultText(const Measurement& m) {
  if (m.error) return "failed";
  if (m.check.done && !m.check.passed) return "wrong result";
  return FormatValue(m.value, m.unit);
}

}  // namespace

std::string RenderBenchText(const BenchReport& r) {
  std::string out = fmt::format("dlenv bench {}  {}\n", r.date, r.host);
  if (r.gpu) out += fmt::format("GPU   {}\n", *r.gpu);
  if (r.blas) out += fmt::format("BLAS  {}\n", *r.blas);
  std::size_t name_width = std::string_view("measurement").size();
  for (const auto& m : r.measurements) name_width = std::max(name_width, m.name.size());
  name_width += 2;
  out +=
      fmt::format("\n  {:<{}}{:>16}{:>12}{:>10}{:>22}{:>6}{:>22}  {}\n", "measurement", name_width,
                  "result", "median", "spread", "min .. max", "runs", "of peak", "check");
  for (const auto& m : r.measurements) {
    std::string peak = "-";
    if (m.peak && *m.peak > 0 && !m.error) {
      peak = fmt::format("{:.0f}% of {}", 100 * m.value / *m.peak, FormatValue(*m.peak, m.unit));
    }
    out +=
        fmt::format("  {:<{}}{:>16}{:>12}{:>10}{:>22}{:>6}{:>22}  {}\n", m.name, name_width,
                    ResultText(m), FormatSeconds(m.time.median), FormatSpread(m.time),
                    fmt::format("{} .. {}", FormatSeconds(m.time.min), FormatSeconds(m.time.max)),
                    m.time.n, peak, CheckText(m.check));
  }
  if (r.gpu_before || r.gpu_after) {
    const auto state = [](const std::optional<GpuState>& s) {
      if (!s) return std::string("-");
      return fmt::format("SM {} MHz, {} C, {} W",
                         s->sm_clock_mhz ? std::to_string(*s->sm_clock_mhz) : "?",
                         s->temperature_c ? std::to_string(*s->temperature_c) : "?",
                         s->power_w ? fmt::format("{:.0f}", *s->power_w) : "?");
    };
    out +=
        fmt::format("\nGPU before: {}\nGPU after:  {}\n", state(r.gpu_before), state(r.gpu_after));
  }
  for (const auto& w : r.warnings) out += fmt::format("warning: {}\n", w);
  for (const auto& n : r.notes) out += fmt::format("note: {}\n", n);
  return out;
}

namespace {

std::string VerdictText(const CompareReport& r, std::size_t index) {
  for (const auto& v : r.verdicts) {
    if (v.run == index) {
      const auto& c = v.comparison;
      switch (c.verdict) {
        case Verdict::kFirstFaster:
          return fmt::format("slower x{:.2f} [{:.2f}-{:.2f}]", c.ratio, c.interval.low,
                             c.interval.high);
        case Verdict::kSecondFaster:
          return fmt::format("faster x{:.2f}", 1 / c.ratio);  // cannot happen against the fastest
        case Verdict::kSame:
          // Either the gap is inside the runs' own spread, or it is not statistically clear.
          if (std::fabs(c.ratio - 1) <= c.noise) {
            return fmt::format("within noise (x{:.2f}, noise {:.0f}%)", c.ratio, 100 * c.noise);
          }
          return fmt::format("not significant (x{:.2f}, p {:.2g} > {:.2g})", c.ratio, c.p_value,
                             NoiseOptions{}.alpha);
        case Verdict::kTooFewSamples:
          return "too few runs to tell";
      }
    }
    if (v.fastest == index) return "fastest";
  }
  return "";
}

std::string RunLabel(const FrameworkRun& run) {
  std::string version = run.framework_version.substr(0, run.framework_version.find('+'));
  return fmt::format("{} {}", run.framework, version);
}

}  // namespace

std::string RenderCompareText(const CompareReport& r) {
  std::string out = fmt::format("dlenv compare {}  device {}\n", r.date, r.device);
  // Runs grouped by workload variant, in the order they first appear.
  std::vector<std::string> order;
  std::map<std::string, std::vector<std::size_t>> groups;
  for (std::size_t i = 0; i < r.runs.size(); ++i) {
    const std::string key = r.runs[i].workload + " " + r.runs[i].variant;
    if (!groups.count(key)) order.push_back(key);
    groups[key].push_back(i);
  }
  for (const auto& key : order) {
    out += fmt::format("\n{}\n", key);
    const bool empty_workload = r.runs[groups[key].front()].workload == "empty";
    out += fmt::format("  {:<18}{:<28}{:>11}{:>9}{:>16}{:>9}{:>9}  {}\n", "framework", "mode",
                       "median", "spread", empty_workload ? "per call" : "throughput", "native",
                       "of peak", "verdict / check");
    for (std::size_t i : groups[key]) {
      const auto& run = r.runs[i];
      if (run.skipped || run.error) {
        out += fmt::format("  {:<18}{:<28}{}\n", RunLabel(run), run.mode,
                           run.skipped ? "skipped: " + *run.skipped : "error: " + *run.error);
        continue;
      }
      std::string tail = VerdictText(r, i);
      if (run.check.done && !run.check.passed) tail = "WRONG RESULT: " + run.check.detail;
      out += fmt::format(
          "  {:<18}{:<28}{:>11}{:>9}{:>16}{:>9}{:>9}  {}\n", RunLabel(run), run.mode,
          FormatSeconds(run.time.median), FormatSpread(run.time), FormatValue(run.value, run.unit),
          run.share_of_native ? fmt::format("{:.2f}", *run.share_of_native) : "-",
          run.share_of_peak ? fmt::format("{:.0f}%", 100 * *run.share_of_peak) : "-", tail);
    }
  }
  if (!r.native.empty()) {
    out += "\ndlenv native baseline\n";
    for (const auto& [variant, value] : r.native) {
      const bool copy = variant.ends_with(" MiB");
      out += fmt::format("  {:<6} {:<24}{}\n", copy ? "copy" : "matmul", variant,
                         FormatValue(value, copy ? "GB/s" : "GFLOP/s"));
    }
  }
  if (r.peak_source) out += fmt::format("\npeaks: {}\n", *r.peak_source);
  out += "\nprocesses (start, import and all workloads)\n";
  for (const auto& p : r.processes) {
    out += fmt::format("  {:<12}{:<44}{:>9}  import {:>8}  {}\n", p.framework, p.python,
                       FormatSeconds(p.wall_seconds), FormatSeconds(p.import_seconds),
                       p.error     ? "error: " + *p.error
                       : p.skipped ? "skipped: " + *p.skipped
                                   : "");
  }
  for (const auto& w : r.warnings) out += fmt::format("warning: {}\n", w);
  for (const auto& n : r.notes) out += fmt::format("note: {}\n", n);
  return out;
}

}  // namespace dlenv::bench
