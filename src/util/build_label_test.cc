#include "util/build_label.h"

#include <gtest/gtest.h>

namespace dlenv::util {
namespace {

struct Row {
  const char* version;  // as the project published it
  BuildLabel::Kind kind;
  const char* cuda;     // CudaVersion()
  const char* variant;  // TorchVariant()
  const char* cudnn;    // "" when none
  const char* source;
};

using K = BuildLabel::Kind;

// Real versions, each from where it was published.
const Row kRows[] = {
    {"2.3.1+cu121", K::kCuda, "12.1", "cu121", "", "download.pytorch.org/whl/cu121 torch"},
    {"2.15.0+cu132", K::kCuda, "13.2", "cu132", "",
     "download.pytorch.org/whl/cu132 (torch 2.15's CUDA 13.2 variant)"},
    {"2.0.1+cu118", K::kCuda, "11.8", "cu118", "", "download.pytorch.org/whl/cu118 torch"},
    {"1.4.0+cu92", K::kCuda, "9.2", "cu92", "", "download.pytorch.org/whl/torch_stable.html"},
    {"1.5.0+cu101", K::kCuda, "10.1", "cu101", "", "download.pytorch.org/whl/torch_stable.html"},
    {"1.2.0+cu100", K::kCuda, "10.0", "cu100", "", "download.pytorch.org/whl/torch_stable.html"},
    {"0.15.2+cu118", K::kCuda, "11.8", "cu118", "", "download.pytorch.org/whl/cu118 torchvision"},
    {"2.1.0+cu121.with.pypi.cudnn", K::kCuda, "12.1", "cu121", "",
     "download.pytorch.org/whl/cu121 torch 2.1.0 (the build that takes cuDNN from PyPI)"},
    {"2.3.1+cpu", K::kCpu, "", "cpu", "", "download.pytorch.org/whl/cpu"},
    {"2.1.0+cpu.cxx11.abi", K::kCpu, "", "cpu", "", "download.pytorch.org/whl/cpu-cxx11-abi"},
    {"2.4.1+rocm6.1", K::kRocm, "", "rocm6.1", "", "download.pytorch.org/whl/rocm6.1"},
    {"1.13.1+rocm5.2", K::kRocm, "", "rocm5.2", "", "download.pytorch.org/whl/rocm5.2"},
    {"2.5.0+xpu", K::kXpu, "", "xpu", "", "download.pytorch.org/whl/xpu"},
    {"0.1.69+cuda101", K::kCuda, "10.1", "cu101", "",
     "storage.googleapis.com/jax-releases/jax_releases.html (jaxlib 0.1.69 for CUDA 10.1)"},
    {"0.1.72+cuda111", K::kCuda, "11.1", "cu111", "", "jax_releases.html"},
    {"0.1.57+cuda110", K::kCuda, "11.0", "cu110", "", "jax_releases.html"},
    {"0.3.0+cuda11.cudnn805", K::kCuda, "11", "", "8.0.5",
     "jax_releases.html (jaxlib 0.3.0, CUDA 11, cuDNN 8.0.5)"},
    {"0.4.7+cuda11.cudnn86", K::kCuda, "11", "", "8.6", "jax_cuda_releases.html"},
    {"0.4.25+cuda12.cudnn89", K::kCuda, "12", "", "8.9", "jax_cuda_releases.html"},
    {"0.4.29+cuda12.cudnn91", K::kCuda, "12", "", "9.1",
     "jax_cuda_releases.html (the last monolithic CUDA jaxlib)"},
    {"2.1.2+pt23cu121", K::kCuda, "12.1", "cu121", "",
     "data.pyg.org/whl/torch-2.3.0+cu121.html (torch_scatter)"},
    {"1.6.3+pt113cpu", K::kCpu, "", "cpu", "",
     "data.pyg.org/whl/torch-1.13.0+cpu.html (torch_scatter for torch 1.13, CPU)"},
    {"0.6.3+cu118", K::kCuda, "11.8", "cu118", "",
     "github.com/vllm-project/vllm releases (vllm-0.6.3+cu118)"},
};

TEST(BuildLabel, RealLabelsOfEachProject) {
  for (const auto& r : kRows) {
    SCOPED_TRACE(std::string(r.version) + " from " + r.source);
    auto b = ParseBuildLabel(r.version);
    ASSERT_TRUE(b);
    EXPECT_EQ(b->kind, r.kind);
    EXPECT_EQ(b->CudaVersion(), r.cuda);
    EXPECT_EQ(b->TorchVariant(), r.variant);
    EXPECT_EQ(b->cudnn.value_or(""), r.cudnn);
  }
}

// The bug this parser fixed: jaxlib 0.1.69+cuda101 was read as CUDA 101.
TEST(BuildLabel, JaxlibCuda101IsTenPointOne) {
  auto b = ParseBuildLabel("0.1.69+cuda101");
  ASSERT_TRUE(b);
  EXPECT_EQ(b->cuda_major, 10);
  EXPECT_EQ(b->cuda_minor, 1);
}

TEST(BuildLabel, ExtrasAndBareLabels) {
  EXPECT_EQ(ParseBuildLabel("2.1.2+pt23cu121")->torch, "2.3");
  EXPECT_EQ(ParseBuildLabel("1.6.3+pt113cpu")->torch, "1.13");
  EXPECT_TRUE(ParseBuildLabel("2.1.0+cpu.cxx11.abi")->cxx11_abi);
  EXPECT_EQ(ParseBuildLabel("cu118")->CudaVersion(), "11.8");
  EXPECT_EQ(ParseBuildLabel("2.3.1+CU121")->TorchVariant(), "cu121");  // any case
  EXPECT_EQ(ParseBuildLabel("rocm5.4.2")->rocm, "5.4.2");
  EXPECT_EQ(ParseBuildLabel("1.24.2+dfsg")->kind, K::kOther);
}

TEST(BuildLabel, NoLabelOrNotALabel) {
  EXPECT_FALSE(ParseBuildLabel("2.3.1"));
  EXPECT_FALSE(ParseBuildLabel(""));
  EXPECT_FALSE(ParseBuildLabel("2.3.1+"));
  EXPECT_FALSE(ParseBuildLabel("2.3.1+cu12 1"));
  EXPECT_FALSE(ParseBuildLabel("2.3.1+" + std::string(100, 'a')));
  EXPECT_EQ(ParseBuildLabel("1.0+cu")->kind, K::kOther);
  EXPECT_EQ(ParseBuildLabel("1.0+cu1234")->kind, K::kOther);
  EXPECT_EQ(ParseBuildLabel("1.0+cu0")->kind, K::kOther);
}

TEST(BuildLabel, CudaDigitsOfEveryProject) {
  auto v = [](std::string_view d) {
    auto n = ParseCudaDigits(d);
    if (!n) return std::string("-");
    return std::to_string(n->major) + (n->minor ? "." + std::to_string(*n->minor) : "");
  };
  EXPECT_EQ(v("118"), "11.8");
  EXPECT_EQ(v("92"), "9.2");
  EXPECT_EQ(v("80"), "8.0");
  EXPECT_EQ(v("101"), "10.1");
  EXPECT_EQ(v("11"), "11");     // jaxlib cuda11, flash-attn cu11
  EXPECT_EQ(v("12x"), "12");    // cupy-cuda12x
  EXPECT_EQ(v("117"), "11.7");  // cupy-cuda117
  EXPECT_EQ(v("1"), "-");
  EXPECT_EQ(v("x"), "-");
  EXPECT_EQ(v("00"), "-");
}

TEST(CondaBuildVariant, EachChannelsSpelling) {
  struct Row {
    const char* build;
    bool known, cuda;
    const char* cuda_version;
  } rows[] = {
      {"cuda118_py311h8b1b7c5_300", true, true, "11.8"},  // conda-forge
      {"cuda126_generic_py311_h3a2b1c0_208", true, true, "12.6"},
      {"cpu_mkl_py311h4f0a9c2_108", true, false, ""},        // conda-forge CPU
      {"py3.11_cuda12.1_cudnn8.9.2_0", true, true, "12.1"},  // the pytorch channel
      {"py3.11_cpu_0", true, false, ""},
      {"gpu_cuda118py311h1e0b4f1_0", true, true, "11.8"},  // the defaults channel
      {"py311h64a7726_0", false, false, ""},               // says neither
  };
  for (const auto& r : rows) {
    auto v = ParseCondaBuildVariant(r.build);
    ASSERT_EQ(v.has_value(), r.known) << r.build;
    if (!v) continue;
    EXPECT_EQ(v->cuda, r.cuda) << r.build;
    EXPECT_EQ(v->cuda_version, r.cuda_version) << r.build;
  }
}

}  // namespace
}  // namespace dlenv::util
