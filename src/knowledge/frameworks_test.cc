#include "knowledge/frameworks.h"

#include <gtest/gtest.h>

#include <stdexcept>

namespace dlenv::knowledge {
namespace {

std::string IdOf(std::string_view distribution) {
  const auto* f = Frameworks().FrameworkOf(distribution);
  return f ? f->id : "";
}

TEST(FrameworkIdentity, BuiltinTableParsesWithSources) {
  const auto& t = Frameworks();
  EXPECT_FALSE(t.date.empty());
  ASSERT_GE(t.frameworks.size(), 4u);
  for (const auto& f : t.frameworks) {
    EXPECT_FALSE(f.source.empty()) << f.id;
    for (const auto& c : f.companions) EXPECT_FALSE(c.source.empty()) << c.name;
  }
  EXPECT_EQ(t.CoreIds(), (std::vector<std::string>{"torch", "tensorflow", "jax", "cupy"}));
}

TEST(FrameworkIdentity, DistributionsInAnySpelling) {
  EXPECT_EQ(IdOf("torch"), "torch");
  EXPECT_EQ(IdOf("Tensorflow_CPU"), "tensorflow");
  EXPECT_EQ(IdOf("tf-nightly"), "tensorflow");
  EXPECT_EQ(IdOf("tensorflow-intel"), "tensorflow");
  EXPECT_EQ(IdOf("jaxlib"), "jax");
  EXPECT_EQ(IdOf("cupy-cuda12x"), "cupy");
  EXPECT_EQ(IdOf("cupy-rocm-5-0"), "cupy");
  EXPECT_EQ(IdOf("onnxruntime-gpu"), "onnxruntime");
  EXPECT_EQ(IdOf("mxnet-cu112"), "mxnet");
  EXPECT_EQ(IdOf("paddlepaddle-gpu"), "paddlepaddle");
}

// The copies this table replaced disagreed: verify's prefix test counted these as TensorFlow.
TEST(FrameworkIdentity, LookAlikesAreNotTheFramework) {
  for (const char* n :
       {"tensorflow-io", "tensorflow-io-gcs-filesystem", "tensorflow-estimator", "tensorflow-hub",
        "tensorboard", "tensorflow-text", "torchvision", "jax-cuda13-plugin", "jax-cuda12-pjrt",
        "numpy", "cupyx", "torch-scatter"}) {
    EXPECT_EQ(IdOf(n), "") << n;
  }
}

TEST(FrameworkIdentity, PluginsBelongToJaxWithoutBeingIt) {
  const auto& t = Frameworks();
  ASSERT_NE(t.PluginOf("jax-cuda13-plugin"), nullptr);
  EXPECT_EQ(t.PluginOf("jax_cuda12_pjrt")->id, "jax");
  EXPECT_EQ(t.PluginOf("jax-rocm60-plugin")->id, "jax");
  EXPECT_EQ(t.PluginOf("jax"), nullptr);
  EXPECT_EQ(t.PluginOf("torch"), nullptr);
  const auto* jax = t.Find(kJax);
  ASSERT_NE(jax, nullptr);
  EXPECT_TRUE(jax->ProvidesImport("jax"));
  EXPECT_FALSE(jax->ProvidesImport("jaxlib"));  // jaxlib alone gives no `import jax`
  EXPECT_TRUE(t.Find(kTensorFlow)->ProvidesImport("tensorflow-cpu"));
  EXPECT_FALSE(t.Find(kTensorFlow)->ProvidesImport("tensorflow-io"));
}

TEST(FrameworkIdentity, CompanionsAndHowTheyPin) {
  const auto& t = Frameworks();
  auto tv = t.FindCompanion("torchvision");
  ASSERT_TRUE(tv);
  EXPECT_EQ(tv->framework->id, "torch");
  EXPECT_TRUE(tv->companion->on_framework_index);
  ASSERT_TRUE(tv->companion->release);
  EXPECT_EQ(tv->companion->release->minor_offset, 15);
  EXPECT_EQ(t.FindCompanion("xformers")->companion->pin, CompanionPin::kBuiltFor);
  EXPECT_FALSE(t.FindCompanion("torch"));
  EXPECT_FALSE(t.FindCompanion("requests"));
}

TEST(FrameworkIdentity, VersionedWithFramework) {
  const auto& t = Frameworks();
  for (const char* n :
       {"torch", "torchvision", "torchaudio", "tensorflow-gpu", "jaxlib", "jax-cuda13-pjrt",
        "cupy-cuda11x", "onnxruntime", "paddlepaddle", "mxnet-cu117"}) {
    EXPECT_TRUE(t.VersionedWithFramework(n)) << n;
  }
  for (const char* n : {"numpy", "tensorflow-io", "xformers", "requests"}) {
    EXPECT_FALSE(t.VersionedWithFramework(n)) << n;
  }
}

TEST(FrameworkIdentity, ResolveAndCondaNames) {
  const auto& t = Frameworks();
  EXPECT_EQ(t.Resolve("pytorch")->id, "torch");
  EXPECT_EQ(t.Resolve("PyTorch")->id, "torch");
  EXPECT_EQ(t.Resolve("tensorflow")->id, "tensorflow");
  EXPECT_EQ(t.Resolve("pandas"), nullptr);
  EXPECT_EQ(t.PypiNameOfConda("pytorch"), "torch");
  EXPECT_EQ(t.PypiNameOfConda("tensorflow-base"), "tensorflow");
  EXPECT_EQ(t.PypiNameOfConda("cupy-core"), "cupy");
  EXPECT_EQ(t.PypiNameOfConda("tensorflow-gpu"), std::nullopt);  // a PyPI name of its own
  EXPECT_EQ(t.PypiNameOfConda("jax"), std::nullopt);
}

TEST(FrameworkIdentity, MalformedTablesAreRefused) {
  EXPECT_THROW(ParseFrameworkIdentities("{"), std::exception);
  EXPECT_THROW(ParseFrameworkIdentities(R"({"date":"x","frameworks":[{"id":"a"}]})"),
               std::exception);
  const char* both = R"({"date":"d","frameworks":[
    {"id":"a","display":"A","distributions":["x"],"import_names":["a"],"source":"s","companions":[]},
    {"id":"b","display":"B","distributions":["x"],"import_names":["b"],"source":"s","companions":[]}]})";
  EXPECT_THROW(ParseFrameworkIdentities(both), std::runtime_error);
  const char* unnormalized = R"({"date":"d","frameworks":[
    {"id":"a","display":"A","distributions":["Tensor_Flow"],"import_names":["a"],"source":"s","companions":[]}]})";
  EXPECT_THROW(ParseFrameworkIdentities(unnormalized), std::runtime_error);
}

}  // namespace
}  // namespace dlenv::knowledge
