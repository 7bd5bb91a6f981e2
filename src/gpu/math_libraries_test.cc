// cuBLAS, cuDNN and NCCL tables against the real thing: the hand-declared values against
// the toolkit's headers (compiled by the system compiler in a scratch folder), and the
// symbol tables and version calls against the real libraries beside them.

#include <fmt/format.h>
#include <gtest/gtest.h>

#include <cstddef>
#include <cstdlib>
#include <filesystem>
#include <map>
#include <sstream>

#include "gpu/cublas.h"
#include "gpu/cublaslt.h"
#include "gpu/cudnn.h"
#include "gpu/nccl.h"
#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"
#include "verify/native_checks.h"

namespace dlenv::gpu {
namespace {

// Compiles a program that prints each named constant from the real headers.
std::map<std::string, long long> HeaderValues(const testing::NvidiaTree& nv,
                                              const std::vector<std::string>& headers,
                                              const std::vector<std::string>& names) {
  testing::TempTree tree;
  std::string program = "#include <cstdio>\n";
  for (const auto& h : headers) program += "#include <" + h + ">\n";
  program += "int main() {\n";
  for (const auto& n : names)
    program += "  std::printf(\"" + n + " %lld\\n\", (long long)(" + n + "));\n";
  program += "}\n";
  auto src = tree.Write("abi.cc", program);
  auto exe = tree / "abi";
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  auto built = util::RunCommand(
      {"c++", "-std=c++17", "-I" + nv.include().string(), src.string(), "-o", exe.string()}, opts);
  EXPECT_TRUE(built.ok()) << built.Describe() << built.err;
  auto ran = util::RunCommand({exe.string()}, opts);
  EXPECT_TRUE(ran.ok()) << ran.Describe();
  std::map<std::string, long long> values;
  std::istringstream in(ran.out);
  std::string name;
  long long value;
  while (in >> name >> value) values[name] = value;
  return values;
}

TEST(MathLibraryAbi, CublasValuesMatchHeaders) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto v = HeaderValues(nv, {"cublas_api.h"},
                        {"CUBLAS_STATUS_SUCCESS", "CUBLAS_OP_N", "CUBLAS_GEMM_DEFAULT",
                         "CUDA_R_32F", "CUDA_R_16F", "CUDA_R_16BF", "CUBLAS_COMPUTE_32F"});
  EXPECT_EQ(v["CUBLAS_STATUS_SUCCESS"], kCublasSuccess);
  EXPECT_EQ(v["CUBLAS_OP_N"], kCublasOpN);
  EXPECT_EQ(v["CUBLAS_GEMM_DEFAULT"], kCublasGemmDefault);
  EXPECT_EQ(v["CUDA_R_32F"], kCudaR32F);
  EXPECT_EQ(v["CUDA_R_16F"], kCudaR16F);
  EXPECT_EQ(v["CUDA_R_16BF"], kCudaR16BF);
  EXPECT_EQ(v["CUBLAS_COMPUTE_32F"], kCublasCompute32F);
}

TEST(MathLibraryAbi, CublasLtValuesAndStructsMatchHeaders) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto v = HeaderValues(nv, {"cstddef", "cublasLt.h"},
                        {"CUBLAS_OP_T", "CUDA_R_8F_E4M3", "CUBLASLT_MATMUL_DESC_TRANSA",
                         "CUBLASLT_MATMUL_DESC_TRANSB", "CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES",
                         "sizeof(cublasLtMatmulAlgo_t)", "sizeof(cublasLtMatmulHeuristicResult_t)",
                         "offsetof(cublasLtMatmulHeuristicResult_t,workspaceSize)",
                         "offsetof(cublasLtMatmulHeuristicResult_t,state)"});
  EXPECT_EQ(v["CUBLAS_OP_T"], kCublasOpT);
  EXPECT_EQ(v["CUDA_R_8F_E4M3"], kCudaR8FE4M3);
  EXPECT_EQ(v["CUBLASLT_MATMUL_DESC_TRANSA"], kCublasLtMatmulDescTransA);
  EXPECT_EQ(v["CUBLASLT_MATMUL_DESC_TRANSB"], kCublasLtMatmulDescTransB);
  EXPECT_EQ(v["CUBLASLT_MATMUL_PREF_MAX_WORKSPACE_BYTES"], kCublasLtMatmulPrefMaxWorkspaceBytes);
  EXPECT_EQ(v["sizeof(cublasLtMatmulAlgo_t)"],
            static_cast<long long>(sizeof(cublasLtMatmulAlgo_t)));
  EXPECT_EQ(v["sizeof(cublasLtMatmulHeuristicResult_t)"],
            static_cast<long long>(sizeof(cublasLtMatmulHeuristicResult_t)));
  EXPECT_EQ(v["offsetof(cublasLtMatmulHeuristicResult_t,workspaceSize)"],
            static_cast<long long>(offsetof(cublasLtMatmulHeuristicResult_t, workspace_size)));
  EXPECT_EQ(v["offsetof(cublasLtMatmulHeuristicResult_t,state)"],
            static_cast<long long>(offsetof(cublasLtMatmulHeuristicResult_t, state)));
}

TEST(MathLibraryAbi, CudnnValuesMatchHeaders) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto v = HeaderValues(
      nv, {"cudnn.h"},
      {"CUDNN_STATUS_SUCCESS", "CUDNN_TENSOR_NCHW", "CUDNN_DATA_FLOAT", "CUDNN_CROSS_CORRELATION",
       "CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM", "CUDNN_VERSION"});
  EXPECT_EQ(v["CUDNN_STATUS_SUCCESS"], kCudnnSuccess);
  EXPECT_EQ(v["CUDNN_TENSOR_NCHW"], kCudnnTensorNchw);
  EXPECT_EQ(v["CUDNN_DATA_FLOAT"], kCudnnDataFloat);
  EXPECT_EQ(v["CUDNN_CROSS_CORRELATION"], kCudnnCrossCorrelation);
  EXPECT_EQ(v["CUDNN_CONVOLUTION_FWD_ALGO_IMPLICIT_GEMM"], kCudnnFwdAlgoImplicitGemm);
}

TEST(MathLibraryAbi, NcclValuesMatchHeaders) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto v = HeaderValues(nv, {"nccl.h"}, {"ncclSuccess", "ncclFloat32", "ncclSum"});
  EXPECT_EQ(v["ncclSuccess"], kNcclSuccess);
  EXPECT_EQ(v["ncclFloat32"], kNcclFloat32);
  EXPECT_EQ(v["ncclSum"], kNcclSum);
}

TEST(MathLibraryAbi, VerifyJitValuesMatchCudaH) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto v = HeaderValues(
      nv, {"cuda.h"},
      {"CU_JIT_INFO_LOG_BUFFER", "CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES", "CU_JIT_ERROR_LOG_BUFFER",
       "CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES", "CUDA_ERROR_UNSUPPORTED_PTX_VERSION"});
  EXPECT_EQ(v["CU_JIT_INFO_LOG_BUFFER"], verify::jit::kInfoLogBuffer);
  EXPECT_EQ(v["CU_JIT_INFO_LOG_BUFFER_SIZE_BYTES"], verify::jit::kInfoLogBufferSizeBytes);
  EXPECT_EQ(v["CU_JIT_ERROR_LOG_BUFFER"], verify::jit::kErrorLogBuffer);
  EXPECT_EQ(v["CU_JIT_ERROR_LOG_BUFFER_SIZE_BYTES"], verify::jit::kErrorLogBufferSizeBytes);
  EXPECT_EQ(v["CUDA_ERROR_UNSUPPORTED_PTX_VERSION"], verify::jit::kErrorUnsupportedPtxVersion);
}

// The version calls need no GPU; each runs in a child, as every call into an NVIDIA
// library does, and is compared with the version macros of the headers beside it.
TEST(MathLibraryLoad, CudnnTableResolvesAndVersionMatchesHeader) {
#if defined(__has_feature)
#if __has_feature(address_sanitizer)
  // Seen once in a fresh-clone .ci/run (2026-12-02), under ctest -j2 only: cuDNN 9.19's
  // dispatch shim printed "Invalid handle. Cannot load symbol cudnnGetVersion" and aborted
  // when its sub-library would not load beside the ASan runtime; alone it passes. The g++
  // suite runs this test against the same wheel.
  GTEST_SKIP() << "cuDNN 9's loader shim under AddressSanitizer (the g++ run checks this)";
#endif
#endif
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto lib = nv.lib() / "libcudnn.so.9";
  auto v =
      HeaderValues(nv, {"cudnn_version.h"}, {"CUDNN_MAJOR", "CUDNN_MINOR", "CUDNN_PATCHLEVEL"});
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(30);
  auto r = util::RunInChild(
      [&] {
        auto loaded = LoadCudnn({lib.string()});
        if (!loaded.usable()) {
          std::printf("unusable: %s\n", util::Join(loaded.report.tried, "; ").c_str());
          return 1;
        }
        std::printf("%s", CudnnVersionText(loaded.api.get_version()).c_str());
        return 0;
      },
      opts);
  ASSERT_TRUE(r.ok()) << r.Describe() << r.out << r.err;
  EXPECT_EQ(r.out,
            fmt::format("{}.{}.{}", v["CUDNN_MAJOR"], v["CUDNN_MINOR"], v["CUDNN_PATCHLEVEL"]));
}

TEST(MathLibraryLoad, NcclTableResolvesAndVersionMatchesHeader) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto lib = nv.lib() / "libnccl.so.2";
  auto v = HeaderValues(nv, {"nccl.h"}, {"NCCL_MAJOR", "NCCL_MINOR", "NCCL_PATCH"});
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(30);
  auto r = util::RunInChild(
      [&] {
        auto loaded = LoadNccl({lib.string()});
        int code = 0;
        if (!loaded.usable() || loaded.api.get_version(&code) != kNcclSuccess) return 1;
        std::printf("%s", NcclVersionText(code).c_str());
        return 0;
      },
      opts);
  ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
  EXPECT_EQ(r.out, fmt::format("{}.{}.{}", v["NCCL_MAJOR"], v["NCCL_MINOR"], v["NCCL_PATCH"]));
}

// cublasLtGetVersion needs no GPU: the toolkit's copy answers with its header's CUBLAS_VERSION.
TEST(MathLibraryLoad, CublasLtTableResolvesInTheToolkitCopy) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto lib = nv.lib() / "libcublasLt.so.13";
  auto v = HeaderValues(nv, {"cublas_api.h"}, {"CUBLAS_VERSION"});
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  auto r = util::RunInChild(
      [&] {
        auto loaded = LoadCublasLt({lib.string()}, std::nullopt);
        if (!loaded.usable()) {
          std::printf("%s", util::Join(loaded.report.tried, "; ").c_str());
          return 1;
        }
        std::printf("%zu", loaded.api.get_version());
        return 0;
      },
      opts);
  ASSERT_TRUE(r.ok()) << r.Describe() << r.out << r.err;
  EXPECT_EQ(r.out, std::to_string(v["CUBLAS_VERSION"]));
}

TEST(MathLibraryLoad, CublasTableResolvesInTheToolkitCopy) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  auto lib = nv.lib() / "libcublas.so.13";
  util::ChildOptions opts = ::dlenv::testing::ToolOptions();
  opts.deadline = std::chrono::seconds(60);
  auto r = util::RunInChild(
      [&] {
        auto loaded = LoadCublas({lib.string()}, std::nullopt);
        std::printf("%s", util::Join(loaded.report.tried, "; ").c_str());
        return loaded.usable() && loaded.api.gemm_ex ? 0 : 1;
      },
      opts);
  EXPECT_TRUE(r.ok()) << r.Describe() << r.out << r.err;
}

TEST(MathLibraryLoad, RefusedCandidatesAreReportedAndTheNextIsTried) {
  testing::TempTree tree;
  auto bogus = tree.Write("libcublas.so.12", "not an ELF file");
  auto loaded = LoadCublas({bogus.string(), "/nonexistent/libcublas.so.11"}, std::nullopt);
  EXPECT_FALSE(loaded.usable());
  ASSERT_EQ(loaded.report.tried.size(), 2u);
  EXPECT_NE(loaded.report.tried[0].find(bogus.string()), std::string::npos);
}

TEST(MathLibraryLoad, CopiesNeedingANewerDriverGoLast) {
  // Neither file exists: the order they were tried in is what the report shows.
  auto loaded = LoadCublas({"/x/libcublas.so.13", "/x/libcublas.so.12"}, 12040);
  ASSERT_EQ(loaded.report.tried.size(), 2u);
  EXPECT_EQ(loaded.report.tried[0].rfind("/x/libcublas.so.12", 0), 0u);
}

TEST(MathLibraryVersions, EncodingsOfBothEras) {
  // CUDNN_VERSION of cuDNN 8.9.2 and 9.1.0; NCCL_VERSION_CODE of 2.7.8 and 2.21.5.
  EXPECT_EQ(CudnnVersionText(8902), "8.9.2");
  EXPECT_EQ(CudnnVersionText(90100), "9.1.0");
  EXPECT_EQ(NcclVersionText(2708), "2.7.8");
  EXPECT_EQ(NcclVersionText(22105), "2.21.5");
  EXPECT_EQ(SonameMajor("/usr/lib/libcublas.so.12.4.5.8"), 12);
  // CUBLAS_VERSION of cuBLAS 13.1.0 (cublas_api.h) and of cuBLAS 10.2.2 (major*1000 era).
  EXPECT_EQ(CublasVersionText(130100), "13.1.0");
  EXPECT_EQ(CublasVersionText(10202), "10.2.2");
  EXPECT_EQ(GemmComputeType32F(130100), kCublasCompute32F);
  EXPECT_EQ(GemmComputeType32F(10202), kCudaR32F);
  EXPECT_EQ(SonameMajor("libcublas.so"), std::nullopt);
}

}  // namespace
}  // namespace dlenv::gpu
