#include "util/build_label.h"

#include <cctype>
#include <vector>

#include "util/strings.h"

namespace dlenv::util {
namespace {

bool AllDigits(std::string_view s) {
  if (s.empty()) return false;
  for (char c : s) {
    if (!std::isdigit(static_cast<unsigned char>(c))) return false;
  }
  return true;
}

// "86" -> 8.6, "805" -> 8.0.5, "9" -> 9: cuDNN's digits, one per component (jaxlib's labels).
std::string DottedDigits(std::string_view digits) {
  std::string out;
  for (char c : digits) {
    if (!out.empty()) out += '.';
    out += c;
  }
  return out;
}

// PyG's pt23 -> 2.3, pt113 -> 1.13, pt210 -> 2.10: the first digit is torch's major.
std::string TorchOfPt(std::string_view digits) {
  return std::string(digits.substr(0, 1)) + "." + std::string(digits.substr(1));
}

std::vector<std::string> Segments(std::string_view label) {
  std::vector<std::string> out(1);
  for (char c : label) {
    if (c == '.' || c == '-' || c == '_') {
      out.emplace_back();
    } else {
      out.back() += static_cast<char>(std::tolower(static_cast<unsigned char>(c)));
    }
  }
  return out;
}

void SetCuda(BuildLabel& b, const CudaNumber& n) {
  if (b.cuda_major) return;  // the first CUDA segment wins
  b.cuda_major = n.major;
  b.cuda_minor = n.minor;
}

void ReadSegment(BuildLabel& b, const std::vector<std::string>& seg, std::size_t& i) {
  const std::string& s = seg[i];
  std::string_view v(s);
  if (v == "cpu") {
    b.kind = BuildLabel::Kind::kCpu;
  } else if (v == "xpu") {
    b.kind = BuildLabel::Kind::kXpu;
  } else if (v == "cxx11abi" || (v == "cxx11" && i + 1 < seg.size() && seg[i + 1] == "abi")) {
    b.cxx11_abi = true;
  } else if (v.starts_with("rocm") && AllDigits(v.substr(4))) {
    std::string rocm(v.substr(4));
    while (i + 1 < seg.size() && AllDigits(seg[i + 1]) && seg[i + 1].size() <= 3)
      rocm += "." + seg[++i];
    b.rocm = rocm;
  } else if (v.starts_with("cudnn") && AllDigits(v.substr(5)) && v.size() <= 9) {
    b.cudnn = DottedDigits(v.substr(5));
  } else if (v.starts_with("cuda")) {
    if (auto n = ParseCudaDigits(v.substr(4))) SetCuda(b, *n);
  } else if (v.starts_with("cu")) {
    if (auto n = ParseCudaDigits(v.substr(2))) SetCuda(b, *n);
  } else if (v.starts_with("pt")) {
    // pt23cu121, pt113cpu: torch's release, then the build.
    std::size_t end = 2;
    while (end < v.size() && std::isdigit(static_cast<unsigned char>(v[end]))) ++end;
    std::string_view pt = v.substr(2, end - 2);
    if (pt.size() < 2 || pt.size() > 3) return;
    b.torch = TorchOfPt(pt);
    std::string_view rest = v.substr(end);
    if (rest == "cpu") {
      b.kind = BuildLabel::Kind::kCpu;
    } else if (rest.starts_with("cu")) {
      if (auto n = ParseCudaDigits(rest.substr(2))) SetCuda(b, *n);
    }
  }
}

}  // namespace

std::optional<CudaNumber> ParseCudaDigits(std::string_view digits) {
  bool any_minor = false;
  if (digits.ends_with("x")) {
    any_minor = true;
    digits.remove_suffix(1);
  }
  if (!AllDigits(digits) || digits.size() > 3) return std::nullopt;
  CudaNumber n;
  if (any_minor || (digits.size() == 2 && digits[0] == '1')) {
    n.major = std::stoi(std::string(digits));
    if (n.major == 0) return std::nullopt;
    return n;
  }
  if (digits.size() < 2) return std::nullopt;
  n.major = std::stoi(std::string(digits.substr(0, digits.size() - 1)));
  n.minor = digits.back() - '0';
  if (n.major == 0) return std::nullopt;
  return n;
}

std::optional<BuildLabel> ParseBuildLabel(std::string_view text) {
  auto plus = text.find('+');
  std::string_view label = plus == std::string_view::npos ? text : text.substr(plus + 1);
  if (plus == std::string_view::npos) {
    // A bare label: it must look like one (cu118, cuda101), not like a version ("2.3.1").
    if (label.empty() || std::isdigit(static_cast<unsigned char>(label[0]))) return std::nullopt;
  }
  if (label.empty() || label.size() > 64) return std::nullopt;
  for (char c : label) {
    if (!std::isalnum(static_cast<unsigned char>(c)) && c != '.' && c != '-' && c != '_')
      return std::nullopt;
  }
  BuildLabel b;
  auto seg = Segments(label);
  for (const auto& s : seg) {
    if (!b.label.empty()) b.label += '.';
    b.label += s;
  }
  for (std::size_t i = 0; i < seg.size(); ++i) ReadSegment(b, seg, i);
  if (b.cuda_major) {
    b.kind = BuildLabel::Kind::kCuda;
  } else if (b.rocm) {
    b.kind = BuildLabel::Kind::kRocm;
  }
  return b;
}

std::string BuildLabel::CudaVersion() const {
  if (!cuda_major) return "";
  return cuda_minor ? std::to_string(*cuda_major) + "." + std::to_string(*cuda_minor)
                    : std::to_string(*cuda_major);
}

std::string BuildLabel::TorchVariant() const {
  switch (kind) {
    case Kind::kCuda:
      return cuda_minor ? "cu" + std::to_string(*cuda_major) + std::to_string(*cuda_minor) : "";
    case Kind::kCpu:
      return "cpu";
    case Kind::kRocm:
      return "rocm" + rocm.value_or("");
    case Kind::kXpu:
      return "xpu";
    case Kind::kOther:
      break;
  }
  return "";
}

std::optional<CondaVariant> ParseCondaBuildVariant(std::string_view build) {
  std::optional<CondaVariant> v;
  for (const auto& token : util::Split(build, '_')) {
    if (token.starts_with("cpu")) return CondaVariant{};
    if (token.starts_with("gpu") && !v) v = CondaVariant{true, ""};
    if (token.starts_with("cuda")) {
      std::string digits;
      for (char c : std::string_view(token).substr(4)) {
        if (!std::isdigit(static_cast<unsigned char>(c)) && c != '.') break;
        digits += c;
      }
      // conda-forge writes cuda118 and cuda120 for 11.8 and 12.0; the pytorch channel cuda12.1.
      if (digits.find('.') == std::string::npos && digits.size() >= 3) {
        digits.insert(digits.size() - 1, ".");
      }
      v = CondaVariant{true, digits};
    }
  }
  return v;
}

}  // namespace dlenv::util
