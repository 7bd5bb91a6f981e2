// The container runtimes' configuration readers, on files in the shape their tools write:
// containerd's own `containerd config default` and the config Debian's package installs, the
// CDI project's example specs as Debian ships them, the NVIDIA toolkit's documented output.

#include "probe/container_configs.h"

#include <gtest/gtest.h>

#include <chrono>
#include <filesystem>

#include "testing/container_fixtures.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::probe {
namespace {

namespace fs = std::filesystem;

bool RequireTestEnvs() {
  const char* v = std::getenv("DLENV_REQUIRE_TEST_ENVS");
  return v && std::string(v) == "1";
}

const model::ContainerRuntimeEntry* Runtime(const std::vector<model::ContainerRuntimeEntry>& rs,
                                            std::string_view name) {
  for (const auto& r : rs) {
    if (r.name == name) return &r;
  }
  return nullptr;
}

TEST(DockerDaemonJson, AsNvidiaCtkWritesIt) {
  model::DockerConfig c;
  ParseDockerDaemonJson(testing::kDockerDaemonNvidia, c);
  EXPECT_FALSE(c.file.error);
  ASSERT_EQ(c.runtimes.size(), 1u);
  EXPECT_EQ(c.runtimes[0].name, "nvidia");
  EXPECT_EQ(c.runtimes[0].path, "nvidia-container-runtime");
  EXPECT_FALSE(c.default_runtime);
}

TEST(DockerDaemonJson, DefaultRuntimeAndCgroupDriver) {
  model::DockerConfig c;
  ParseDockerDaemonJson(
      R"({"default-runtime": "nvidia", "exec-opts": ["native.cgroupdriver=systemd"],
                            "runtimes": {"nvidia": {"path": "/usr/bin/nvidia-container-runtime", "runtimeArgs": []}}})",
      c);
  EXPECT_FALSE(c.file.error);
  EXPECT_EQ(c.default_runtime, "nvidia");
  EXPECT_EQ(c.cgroup_driver, "systemd");
  ASSERT_TRUE(Runtime(c.runtimes, "nvidia"));
  EXPECT_EQ(Runtime(c.runtimes, "nvidia")->path, "/usr/bin/nvidia-container-runtime");
}

TEST(DockerDaemonJson, MalformedEmptyAndWrongTypesAreErrorsNotCrashes) {
  for (const char* text : {"{", "", "{\"runtimes\": {\"nvidia\": {\"path\": }}}", "\x01\xff\xfe"}) {
    model::DockerConfig c;
    ParseDockerDaemonJson(text, c);
    ASSERT_TRUE(c.file.error) << text;
    EXPECT_NE(c.file.error->find("not valid JSON"), std::string::npos) << *c.file.error;
  }
  model::DockerConfig array;
  ParseDockerDaemonJson("[1, 2]", array);
  EXPECT_EQ(array.file.error, "not a JSON object");
  model::DockerConfig odd;  // values of other types than docker's are skipped, not trusted
  ParseDockerDaemonJson(
      R"({"runtimes": {"x": 3, "y": {"path": 4}}, "default-runtime": 7, "exec-opts": "a"})", odd);
  EXPECT_FALSE(odd.file.error);
  EXPECT_EQ(odd.runtimes.size(), 2u);
  EXPECT_FALSE(odd.runtimes[0].path);
  EXPECT_FALSE(odd.default_runtime);
}

TEST(DockerDaemonJson, TheFixCommandFindsTheSameError) {
  // container.config_invalid tells the user to check the file with `python3 -m json.tool`.
  testing::TempTree tree;
  const auto bad = tree.Write("/etc/docker/daemon.json", "{\n  \"runtimes\": {\n}");
  const auto good = tree.Write("/etc/docker/good.json", testing::kDockerDaemonNvidia);
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto bad_run = util::RunCommand({"python3", "-m", "json.tool", bad.string()}, o);
  auto good_run = util::RunCommand({"python3", "-m", "json.tool", good.string()}, o);
  EXPECT_FALSE(bad_run.ok()) << bad_run.Describe();
  EXPECT_NE(bad_run.err.find("line 3"), std::string::npos) << bad_run.err;
  EXPECT_TRUE(good_run.ok()) << good_run.err;
}

TEST(ContainerdToml, ContainerdsOwnDefaultConfigAndNvidiaCtksCopyOfRunc) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);  // a Go binary on a 2-core machine under sanitizer load
  auto run = util::RunCommand({"containerd", "config", "default"}, o);
  if (!run.ok()) {
    if (RequireTestEnvs())
      FAIL() << "containerd (Debian package) is needed: " << run.Describe() << "\n" << run.err;
    GTEST_SKIP() << "containerd is not installed: " << run.Describe();
  }
  model::ContainerdConfig c;
  ParseContainerdToml(run.out, c);
  ASSERT_FALSE(c.file.error) << *c.file.error;
  EXPECT_EQ(c.version, 2);
  EXPECT_FALSE(c.cri_disabled);
  EXPECT_EQ(c.default_runtime, "runc");
  EXPECT_EQ(c.systemd_cgroup, false);
  ASSERT_TRUE(Runtime(c.runtimes, "runc"));
  EXPECT_FALSE(Runtime(c.runtimes, "nvidia"));

  // nvidia-ctk copies runc's table to runtimes.nvidia and sets its BinaryName (config_v2.go).
  const std::string runc = "[plugins.\"io.containerd.grpc.v1.cri\".containerd.runtimes.runc";
  const std::size_t begin = run.out.find(runc + "]");
  const std::size_t end =
      run.out.find("\n\n      [plugins.\"io.containerd.grpc.v1.cri\".containerd.untrusted");
  ASSERT_NE(begin, std::string::npos);
  ASSERT_NE(end, std::string::npos);
  std::string block = run.out.substr(begin, end - begin);
  for (std::size_t at; (at = block.find(".runtimes.runc")) != std::string::npos;)
    block.replace(at, 14, ".runtimes.nvidia");
  block.replace(block.find("BinaryName = \"\""), 15,
                "BinaryName = \"/usr/bin/nvidia-container-runtime\"");
  model::ContainerdConfig with_nvidia;
  ParseContainerdToml(run.out + "\n" + block + "\n", with_nvidia);
  ASSERT_FALSE(with_nvidia.file.error) << *with_nvidia.file.error;
  ASSERT_TRUE(Runtime(with_nvidia.runtimes, "nvidia"));
  EXPECT_EQ(Runtime(with_nvidia.runtimes, "nvidia")->path, "/usr/bin/nvidia-container-runtime");
  EXPECT_FALSE(Runtime(with_nvidia.runtimes, "runc")->path);  // BinaryName "" is runc's default
}

TEST(ContainerdToml, DebiansInstalledConfigPlusTheNvidiaRuntime) {
  const fs::path installed = "/etc/containerd/config.toml";
  std::string text = testing::ReadAll(installed);
  if (text.empty()) {
    if (RequireTestEnvs()) FAIL() << "containerd's package installs " << installed;
    GTEST_SKIP() << installed << " is not here (containerd not installed)";
  }
  model::ContainerdConfig plain;
  ParseContainerdToml(text, plain);
  ASSERT_FALSE(plain.file.error) << *plain.file.error;
  EXPECT_EQ(plain.version, 2);
  EXPECT_FALSE(Runtime(plain.runtimes, "nvidia"));
  model::ContainerdConfig c;
  ParseContainerdToml(text + testing::kContainerdNvidiaRuntime, c);
  ASSERT_FALSE(c.file.error) << *c.file.error;
  ASSERT_TRUE(Runtime(c.runtimes, "nvidia"));
  EXPECT_EQ(Runtime(c.runtimes, "nvidia")->path, "/usr/bin/nvidia-container-runtime");
}

TEST(ContainerdToml, LayoutsOneAndThreeDockersDisabledCriAndSystemdCgroup) {
  model::ContainerdConfig v1;
  ParseContainerdToml(R"([plugins.cri.containerd]
  default_runtime_name = "nvidia"
[plugins.cri.containerd.runtimes.nvidia]
  runtime_type = "io.containerd.runc.v1"
[plugins.cri.containerd.runtimes.nvidia.options]
  BinaryName = "nvidia-container-runtime"
  SystemdCgroup = true
)",
                      v1);
  EXPECT_EQ(v1.version, 1);
  EXPECT_EQ(v1.default_runtime, "nvidia");
  EXPECT_EQ(v1.systemd_cgroup, true);
  ASSERT_TRUE(Runtime(v1.runtimes, "nvidia"));

  model::ContainerdConfig v3;
  ParseContainerdToml(R"(version = 3
[plugins."io.containerd.cri.v1.runtime".containerd.runtimes.runc.options]
  SystemdCgroup = true
)",
                      v3);
  EXPECT_EQ(v3.version, 3);
  EXPECT_EQ(v3.systemd_cgroup, true);  // runc is the default when none is named

  model::ContainerdConfig docker;  // docker's packages ship containerd this way
  ParseContainerdToml("disabled_plugins = [\"cri\"]\n", docker);
  EXPECT_TRUE(docker.cri_disabled);
  EXPECT_TRUE(docker.runtimes.empty());
}

TEST(ContainerdToml, MalformedNamesTheLine) {
  model::ContainerdConfig c;
  ParseContainerdToml("version = 2\n[plugins\nx = 1\n", c);
  ASSERT_TRUE(c.file.error);
  EXPECT_NE(c.file.error->find("not valid TOML: line 2"), std::string::npos) << *c.file.error;
  model::ContainerdConfig types;  // a table where a value belongs is skipped
  ParseContainerdToml("version = \"two\"\nplugins = 3\n", types);
  EXPECT_FALSE(types.file.error);
  EXPECT_TRUE(types.runtimes.empty());
}

TEST(ToolkitToml, TheDefaultConfigAndNoCgroups) {
  model::ToolkitConfig c;
  ParseToolkitToml(testing::kToolkitConfigDefault, c);
  ASSERT_FALSE(c.file.error) << *c.file.error;
  EXPECT_EQ(c.mode, "auto");
  EXPECT_FALSE(c.no_cgroups);  // commented out: unset, which means false

  // What `nvidia-ctk config --set nvidia-container-cli.no-cgroups --in-place` leaves.
  std::string set = testing::kToolkitConfigDefault;
  set.replace(set.find("#no-cgroups = false"), 19, "no-cgroups = true");
  model::ToolkitConfig rootless;
  ParseToolkitToml(set, rootless);
  EXPECT_EQ(rootless.no_cgroups, true);

  model::ToolkitConfig bad;
  ParseToolkitToml("[nvidia-container-cli]\nno-cgroups = yes\n", bad);
  ASSERT_TRUE(bad.file.error);
  EXPECT_NE(bad.file.error->find("line 2"), std::string::npos) << *bad.file.error;
}

TEST(CdiSpec, AsNvidiaCtkGeneratesIt) {
  model::CdiSpec s;
  ParseCdiSpec(testing::CdiSpecNvidia("575.64.03"), s);
  ASSERT_FALSE(s.file.error) << *s.file.error;
  EXPECT_EQ(s.kind, "nvidia.com/gpu");
  EXPECT_EQ(s.devices,
            (std::vector<std::string>{"0", "GPU-520e01f2-cf30-6396-abef-e8e9a5233b0e", "all"}));
  EXPECT_EQ(s.driver_versions, std::vector<std::string>{"575.64.03"});
  EXPECT_EQ(s.device_nodes,
            (std::vector<std::string>{"/dev/nvidia-modeset", "/dev/nvidia-uvm",
                                      "/dev/nvidia-uvm-tools", "/dev/nvidiactl", "/dev/nvidia0",
                                      "/dev/dri/card1", "/dev/dri/renderD128"}));
}

TEST(CdiSpec, TheFixtureIsValidAgainstTheCdiProjectsSchema) {
  // The CDI project's JSON schema, as Debian packages it, checks the fixture's shape (through
  // python3-yaml and python3-jsonschema), so a typo in it cannot pass unnoticed.
  const fs::path schema =
      "/usr/share/gocode/src/github.com/container-orchestrated-devices/"
      "container-device-interface/schema/schema.json";
  if (!fs::exists(schema)) {
    if (RequireTestEnvs())
      FAIL() << "golang-github-container-orchestrated-devices-container-device-interface-dev is "
                "needed";
    GTEST_SKIP() << schema << " is missing";
  }
  testing::TempTree tree;
  const auto spec = tree.Write("/nvidia.yaml", testing::CdiSpecNvidia("575.64.03"));
  const std::string script =
      "import json, sys, yaml, jsonschema, pathlib\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "base = pathlib.Path(sys.argv[1]).parent.as_uri() + '/'\n"
      "resolver = jsonschema.RefResolver(base, schema)\n"
      "jsonschema.validate(yaml.safe_load(open(sys.argv[2])), schema, resolver=resolver)\n";
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  auto run = util::RunCommand({"python3", "-c", script, schema.string(), spec.string()}, o);
  EXPECT_TRUE(run.ok()) << run.Describe() << "\n" << run.err;
}

TEST(CdiSpec, TheCdiProjectsOwnExamples) {
  const fs::path dir =
      "/usr/share/gocode/src/github.com/container-orchestrated-devices/"
      "container-device-interface/schema/testdata/good";
  if (!fs::exists(dir)) GTEST_SKIP() << dir << " is missing";
  int read = 0;
  for (const auto& e : fs::directory_iterator(dir)) {
    model::CdiSpec s;
    ParseCdiSpec(testing::ReadAll(e.path()), s);  // JSON is YAML to yaml-cpp
    EXPECT_FALSE(s.file.error) << e.path() << ": " << *s.file.error;
    EXPECT_TRUE(s.kind) << e.path();
    ++read;
  }
  EXPECT_GE(read, 2);
}

TEST(CdiSpec, BadInputIsAnErrorNotACrash) {
  for (const char* text : {"kind: [", "- a\n- b\n", "plain", "kind: x\ndevices: {a: 1}\n",
                           "kind: x\ncontainerEdits: [1, 2]\ndevices: [3, {name: [1]}]\n"}) {
    model::CdiSpec s;
    ParseCdiSpec(text, s);
    EXPECT_TRUE(s.file.error || s.devices.empty()) << text;
  }
  model::CdiSpec no_kind;
  ParseCdiSpec("cdiVersion: 0.5.0\ndevices: []\n", no_kind);
  EXPECT_EQ(no_kind.file.error, "not a CDI spec (no `kind`)");
  // A deep nest stops at yaml-cpp's depth guard instead of the stack's end.
  model::CdiSpec deep;
  ParseCdiSpec(std::string(100000, '[') + std::string(100000, ']'), deep);
  EXPECT_TRUE(deep.file.error);
  // Aliases that name one list many times stop at the visit budget.
  std::string bomb = "kind: nvidia.com/gpu\nx: &n\n";
  for (int i = 0; i < 2000; ++i) bomb += "  - path: /dev/n" + std::to_string(i) + "\n";
  bomb += "devices:\n";
  for (int i = 0; i < 2000; ++i)
    bomb += "- {name: d" + std::to_string(i) + ", containerEdits: {deviceNodes: *n}}\n";
  model::CdiSpec aliases;
  ParseCdiSpec(bomb, aliases);
  ASSERT_TRUE(aliases.file.error);
  EXPECT_NE(aliases.file.error->find("too many entries"), std::string::npos);
}

TEST(CdiSpec, DriverVersionOnlyFromTheDriversOwnLibraries) {
  model::CdiSpec s;
  ParseCdiSpec(R"(kind: nvidia.com/gpu
containerEdits:
  mounts:
  - {hostPath: /usr/lib/x86_64-linux-gnu/libnvidia-egl-wayland.so.1.1.19}
  - {hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.1}
  - {hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.535.183.01}
  - {hostPath: /usr/lib/x86_64-linux-gnu/libcuda.so.535.x}
)",
               s);
  EXPECT_EQ(s.driver_versions, std::vector<std::string>{"535.183.01"});
}

TEST(ShmSize, DockersDefaultTheHostsAndAnOverride) {
  EXPECT_EQ(ParseShmSize("shm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,size=65536k 0 0\n"),
            64u << 20);
  EXPECT_FALSE(ParseShmSize("tmpfs /dev/shm tmpfs rw,nosuid,nodev,inode64 0 0\n"));  // half the RAM
  EXPECT_FALSE(ParseShmSize("proc /proc proc rw 0 0\n"));
  EXPECT_EQ(ParseShmSize("shm /dev/shm tmpfs rw,size=65536k 0 0\n"
                         "tmpfs /dev/shm tmpfs rw,size=2g 0 0\n"),
            2ull << 30);
  EXPECT_FALSE(ParseShmSize("shm /dev/shm tmpfs rw,size=99999999999999999999999k 0 0\n"));
}

}  // namespace
}  // namespace dlenv::probe
