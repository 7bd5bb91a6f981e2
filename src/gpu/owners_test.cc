// The owners of gpu/owned.h and gpu/cuda_owners.h: each handle released exactly once, by the
// table that made it, moves included; then the CUDA owners against the fake driver
// (tests/fake_driver), whose cuMemGetInfo shows memory coming back.

#include <gtest/gtest.h>
#include <stdlib.h>

#include <algorithm>
#include <cstdio>
#include <functional>
#include <map>
#include <sstream>
#include <string>
#include <vector>

#include "gpu/cublaslt.h"
#include "gpu/cuda_owners.h"
#include "gpu/cudnn.h"
#include "gpu/nccl.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::gpu {
namespace {

// A cuDNN table whose tensor-descriptor destroy records what it was given.
std::vector<cudnnTensorDescriptor_t>& Destroyed() {
  static std::vector<cudnnTensorDescriptor_t> destroyed;
  return destroyed;
}
cudnnStatus_t RecordDestroy(cudnnTensorDescriptor_t d) {
  Destroyed().push_back(d);
  return kCudnnSuccess;
}
cudnnTensorDescriptor_t Fake(std::uintptr_t n) {
  return reinterpret_cast<cudnnTensorDescriptor_t>(n);
}

CudnnApi RecordingTable() {
  Destroyed().clear();
  CudnnApi api{};
  api.destroy_tensor = RecordDestroy;
  return api;
}

TEST(GpuOwned, ReleasesOnceThroughItsTable) {
  const CudnnApi api = RecordingTable();
  {
    CudnnTensorDescriptor d(api, Fake(1));
    EXPECT_EQ(d.get(), Fake(1));
    EXPECT_TRUE(d);
  }
  EXPECT_EQ(Destroyed(), std::vector{Fake(1)});
  { CudnnTensorDescriptor empty(api); }
  EXPECT_EQ(Destroyed().size(), 1u) << "an empty owner releases nothing";
}

TEST(GpuOwned, MovesHandOverWithoutReleasing) {
  const CudnnApi api = RecordingTable();
  {
    CudnnTensorDescriptor a(api, Fake(1));
    CudnnTensorDescriptor b(std::move(a));
    EXPECT_FALSE(a);  // NOLINT(bugprone-use-after-move): the moved-from state is the point
    EXPECT_EQ(b.get(), Fake(1));
    EXPECT_TRUE(Destroyed().empty());
    CudnnTensorDescriptor c(api, Fake(2));
    c = std::move(b);  // c's own handle goes, b's comes
    EXPECT_EQ(Destroyed(), std::vector{Fake(2)});
    std::vector<CudnnTensorDescriptor> many;
    for (std::uintptr_t i = 10; i < 20; ++i) many.emplace_back(api, Fake(i));  // grows by moving
    EXPECT_EQ(Destroyed().size(), 1u);
  }
  ASSERT_EQ(Destroyed().size(), 12u);
  EXPECT_EQ(std::count(Destroyed().begin(), Destroyed().end(), Fake(1)), 1);
}

TEST(GpuOwned, PutReleasesWhatItHeldAndTakesTheNewHandle) {
  const CudnnApi api = RecordingTable();
  CudnnTensorDescriptor d(api, Fake(1));
  *d.Put() = Fake(2);  // as cudnnCreateTensorDescriptor(d.Put()) writes it
  EXPECT_EQ(Destroyed(), std::vector{Fake(1)});
  d.Reset();
  EXPECT_EQ(Destroyed(), (std::vector{Fake(1), Fake(2)}));
  d.Reset();
  EXPECT_EQ(Destroyed().size(), 2u);
}

TEST(GpuOwned, AMissingReleaseEntryIsNotCalled) {
  const CudnnApi api{};  // an optional destroy the library does not export
  CudnnTensorDescriptor d(api, Fake(1));
  d.Reset();
  EXPECT_FALSE(d);
}

TEST(CudaOwners, MissingEntryPointsAreAnErrorNotACrash) {
  const cuda::Api api{};
  cuda::DeviceMemory device(api);
  EXPECT_EQ(device.Allocate(1024), cuda::kMissingEntryPoint);
  EXPECT_FALSE(device);
  cuda::PinnedMemory pinned(api);
  EXPECT_EQ(pinned.Allocate(1024), cuda::kMissingEntryPoint);
  EXPECT_FALSE(pinned);
  cuda::PrimaryContext context(api);
  EXPECT_EQ(context.Retain(0), cuda::kMissingEntryPoint);
  EXPECT_FALSE(context);
}

// Runs `body` in a child with the fake driver loaded for a one-GPU scenario of 64 MiB and
// its context current; the child prints "name value" lines, returned as a map.
std::map<std::string, long long> OnFakeDriver(
    const std::function<void(const cuda::Api&, std::map<std::string, long long>&)>& body) {
  testing::TempTree tree;
  const auto scenario = tree.Write("scenario.json", R"({"cuda_driver_version": 12040,
      "gpus": [{"name": "NVIDIA H100 80GB HBM3", "cc": [9, 0], "memory_total": 67108864}]})");
  util::ChildOptions options = ::dlenv::testing::ToolOptions();
  options.deadline = std::chrono::seconds(30);
  const auto child = util::RunInChild(
      [&] {
        setenv("DLENV_FAKE_DRIVER_CONFIG", scenario.c_str(), 1);
        auto lib = cuda::Load({DLENV_FAKE_DRIVER});
        if (!lib.usable() || lib.api.init(0) != cuda::kSuccess) return 2;
        std::map<std::string, long long> facts;
        {
          cuda::PrimaryContext context(lib.api);
          facts["retain"] = context.Retain(0);
          facts["set_current"] = lib.api.ctx_set_current(context.get());
          body(lib.api, facts);
        }
        for (const auto& [k, v] : facts) std::printf("%s %lld\n", k.c_str(), v);
        return 0;
      },
      options);
  EXPECT_TRUE(child.ok()) << child.Describe() << child.err;
  std::map<std::string, long long> facts;
  std::istringstream in(child.out);
  std::string name;
  long long value = 0;
  while (in >> name >> value) facts[name] = value;
  EXPECT_EQ(facts["retain"], cuda::kSuccess);
  EXPECT_EQ(facts["set_current"], cuda::kSuccess);
  return facts;
}

long long FreeBytes(const cuda::Api& api) {
  std::size_t free = 0, total = 0;
  return api.mem_get_info(&free, &total) == cuda::kSuccess ? static_cast<long long>(free) : -1;
}

TEST(CudaOwners, DeviceMemoryComesBackOnceWhenItsOwnerGoes) {
  auto facts = OnFakeDriver([](const cuda::Api& api, std::map<std::string, long long>& f) {
    f["free_before"] = FreeBytes(api);
    {
      cuda::DeviceMemory a(api);
      f["alloc"] = a.Allocate(16 << 20);
      f["size"] = static_cast<long long>(a.size());
      f["free_allocated"] = FreeBytes(api);
      cuda::DeviceMemory b(std::move(a));
      a.Reset();  // moved from: frees nothing
      f["free_after_move"] = FreeBytes(api);
      cuda::DeviceMemory too_big(api);
      f["too_big"] = too_big.Allocate(std::size_t{1} << 30);
      f["too_big_held"] = static_cast<bool>(too_big);
    }
    f["free_after"] = FreeBytes(api);
  });
  EXPECT_EQ(facts["alloc"], cuda::kSuccess);
  EXPECT_EQ(facts["size"], 16 << 20);
  EXPECT_EQ(facts["free_before"] - facts["free_allocated"], 16 << 20);
  EXPECT_EQ(facts["free_after_move"], facts["free_allocated"]);
  EXPECT_EQ(facts["too_big"], 2);  // CUDA_ERROR_OUT_OF_MEMORY
  EXPECT_EQ(facts["too_big_held"], 0);
  EXPECT_EQ(facts["free_after"], facts["free_before"]);
}

TEST(CudaOwners, MemoryOfAnotherContextIsFreedInIt) {
  // The fake driver frees by address; what shows here is that the owner made its context
  // current for the free and that the memory came back.
  auto facts = OnFakeDriver([](const cuda::Api& api, std::map<std::string, long long>& f) {
    cuda::Context ctx = nullptr;
    api.device_primary_ctx_retain(&ctx, 0);
    const long long before = FreeBytes(api);
    {
      cuda::DeviceMemory m(api, ctx);
      f["alloc"] = m.Allocate(1 << 20);
      api.ctx_set_current(nullptr);  // nothing current: the fake's cuMemGetInfo fails
      f["free_without_context"] = FreeBytes(api);
    }
    f["came_back"] = FreeBytes(api) == before;  // works again: the owner set ctx current
  });
  EXPECT_EQ(facts["alloc"], cuda::kSuccess);
  EXPECT_EQ(facts["free_without_context"], -1);
  EXPECT_EQ(facts["came_back"], 1);
}

TEST(CudaOwners, PinnedMemoryEventsAndModulesOnTheFakeDriver) {
  auto facts = OnFakeDriver([](const cuda::Api& api, std::map<std::string, long long>& f) {
    cuda::PinnedMemory pinned(api);
    f["pinned"] = pinned.Allocate(4096);
    if (pinned) pinned.bytes()[4095] = 1;  // writable to its end (ASan would say otherwise)
    cuda::OwnedEvent start(api), stop(api);
    f["event_start"] = api.event_create(start.Put(), 0);
    f["event_stop"] = api.event_create(stop.Put(), 0);
    api.event_record(start.get(), nullptr);
    api.event_record(stop.get(), nullptr);
    float ms = -1;
    f["elapsed"] = api.event_elapsed_time(&ms, start.get(), stop.get());
    cuda::OwnedModule module(api);
    f["module"] = api.module_load_data_ex(
        module.Put(), ".version 6.0\n.entry dlenv_empty()\n{ ret; }\n", 0, nullptr, nullptr);
    cuda::Function fn = nullptr;
    f["function"] = api.module_get_function(&fn, module.get(), "dlenv_empty");
  });
  for (const char* k : {"pinned", "event_start", "event_stop", "elapsed", "module", "function"}) {
    EXPECT_EQ(facts[k], cuda::kSuccess) << k;
  }
}

// cuDNN, cuBLASLt and NCCL objects from the fake libraries, released by their owners: a
// double or wrong release would be a double free (caught under ASan) or a crash here.
TEST(LibraryOwners, FakeLibrariesCreateAndReleaseThroughOwners) {
  auto facts = OnFakeDriver([](const cuda::Api&, std::map<std::string, long long>& f) {
    auto cudnn = LoadCudnn({DLENV_FAKE_LIBRARIES});
    auto lt = LoadCublasLt({DLENV_FAKE_LIBRARIES}, std::nullopt);
    auto nccl = LoadNccl({DLENV_FAKE_LIBRARIES});
    f["loaded"] = cudnn.usable() && lt.usable() && nccl.usable();
    if (!f["loaded"]) return;
    CudnnHandle handle(cudnn.api);
    CudnnTensorDescriptor x(cudnn.api);
    CudnnFilterDescriptor w(cudnn.api);
    CudnnConvolutionDescriptor c(cudnn.api);
    f["cudnn"] = cudnn.api.create(handle.Put()) | cudnn.api.create_tensor(x.Put()) |
                 cudnn.api.create_filter(w.Put()) | cudnn.api.create_convolution(c.Put());
    CublasLtHandle lt_handle(lt.api);
    CublasLtMatmulDesc desc(lt.api);
    CublasLtMatrixLayout layout(lt.api);
    CublasLtMatmulPreference preference(lt.api);
    f["cublaslt"] = lt.api.create(lt_handle.Put()) |
                    lt.api.matmul_desc_create(desc.Put(), kCublasCompute32F, kCudaR32F) |
                    lt.api.matrix_layout_create(layout.Put(), kCudaR32F, 4, 4, 4) |
                    lt.api.preference_create(preference.Put());
    std::vector<ncclComm_t> raw(1, nullptr);
    const int devices[] = {0};
    f["nccl"] = nccl.api.comm_init_all(raw.data(), 1, devices);
    NcclComm comm(nccl.api, raw[0]);
    f["all_held"] = handle && x && w && c && lt_handle && desc && layout && preference && comm;
  });
  EXPECT_EQ(facts["loaded"], 1);
  EXPECT_EQ(facts["cudnn"], 0);
  EXPECT_EQ(facts["cublaslt"], 0);
  EXPECT_EQ(facts["nccl"], 0);
  EXPECT_EQ(facts["all_held"], 1);
}

}  // namespace
}  // namespace dlenv::gpu
