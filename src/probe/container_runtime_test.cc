// The container runtime probes and rules on fixture roots: a healthy GPU host with docker, the
// NVIDIA container toolkit, a CDI spec and /dev/char links says nothing; each breakage names
// its cause and the toolkit's own fix. Device nodes are real character devices (mknod).

#include "probe/container_runtime.h"

#include <fmt/format.h>
#include <gtest/gtest.h>
#include <sys/stat.h>
#include <sys/sysmacros.h>
#include <unistd.h>

#include <algorithm>
#include <tuple>

#include "knowledge/knowledge.h"
#include "probe/driver.h"
#include "probe/host.h"
#include "rules/container_rules.h"
#include "rules/rules.h"
#include "testing/container_fixtures.h"
#include "testing/require.h"
#include "testing/temp_tree.h"

namespace dlenv::probe {
namespace {

constexpr const char* kProcVersion =
    "NVRM version: NVIDIA UNIX x86_64 Kernel Module  550.54.15  Tue Mar  5 22:23:56 UTC 2024\n"
    "GCC version:  gcc version 12.2.0 (Debian 12.2.0-14)\n";

struct Node {
  const char* name;
  unsigned major, minor;
};
// The numbers the NVIDIA driver gives its nodes (195 for the GPUs, nvidiactl and modeset; the
// UVM driver's major is dynamic, 511 here).
constexpr Node kNodes[] = {{"nvidia0", 195, 0},     {"nvidia1", 195, 1},
                           {"nvidiactl", 195, 255}, {"nvidia-modeset", 195, 254},
                           {"nvidia-uvm", 511, 0},  {"nvidia-uvm-tools", 511, 1}};

class Machine {
 public:
  Machine() {
    for (const char* bin : {"dockerd", "containerd", "nvidia-ctk", "nvidia-container-runtime",
                            "nvidia-container-runtime-hook", "nvidia-container-cli"}) {
      tree.Write(std::string("/usr/bin/") + bin, "");
    }
    tree.Write("/etc/docker/daemon.json", testing::kDockerDaemonNvidia);
    tree.Write("/etc/nvidia-container-runtime/config.toml", testing::kToolkitConfigDefault);
    tree.Write("/etc/cdi/nvidia.yaml", testing::CdiSpecNvidia("550.54.15"));
    tree.Write("/sys/fs/cgroup/cgroup.controllers", "cpuset cpu io memory pids\n");
    tree.MakeDir("/run/systemd/system");
    tree.Write("/proc/driver/nvidia/version", kProcVersion);
    tree.Write("/dev/dri/card1", "");
    tree.Write("/dev/dri/renderD128", "");
    mknod_ok = true;
    for (const Node& n : kNodes) {
      const auto path = tree / (std::string("/dev/") + n.name);
      if (::mknod(path.c_str(), S_IFCHR | 0666, makedev(n.major, n.minor)) != 0) mknod_ok = false;
      tree.Symlink(fmt::format("/dev/char/{}:{}", n.major, n.minor), std::string("../") + n.name);
    }
  }

  model::Snapshot Run() const {
    ProbeContext ctx;
    ctx.fs = util::RootFs(tree.path());
    ctx.env = util::Environment(env);
    ctx.ask_host_driver = false;
    model::Snapshot s;
    ProbeHost(ctx, s);
    ProbeDriver(ctx, s);
    ProbeContainerHost(ctx, s);
    ProbeContainerInside(ctx, s);
    s.findings = rules::Evaluate(s, knowledge::BuiltinKnowledge());
    return s;
  }

  testing::TempTree tree;
  std::map<std::string, std::string> env{{"HOME", "/root"}};
  bool mknod_ok = false;
};

std::vector<model::Finding> ContainerFindings(const model::Snapshot& s) {
  std::vector<model::Finding> out;
  for (const auto& f : s.findings) {
    if (f.id.starts_with("container.")) out.push_back(f);
  }
  return out;
}

const model::Finding* Find(const model::Snapshot& s, std::string_view id) {
  auto it =
      std::find_if(s.findings.begin(), s.findings.end(), [&](const auto& f) { return f.id == id; });
  return it == s.findings.end() ? nullptr : &*it;
}

std::string Ids(const model::Snapshot& s) {
  std::string ids;
  for (const auto& f : ContainerFindings(s)) ids += f.id + " (" + f.evidence + "); ";
  return ids;
}

bool Contains(const std::string& text, std::string_view part) {
  return text.find(part) != std::string::npos;
}

#define REQUIRE_MKNOD(m) \
  if (!(m).mknod_ok) GTEST_SKIP() << "mknod needs root (CAP_MKNOD)"

TEST(ContainerHost, HealthyHostSaysNothing) {
  Machine m;
  REQUIRE_MKNOD(m);
  const auto s = m.Run();
  EXPECT_TRUE(ContainerFindings(s).empty()) << Ids(s);
  for (const auto& f : s.findings)  // nor any other error: every rule ran on this snapshot
    EXPECT_NE(f.severity, model::Severity::kError) << f.id << ": " << f.evidence;
  const auto& h = s.container_host;
  EXPECT_TRUE(h.docker_installed);
  ASSERT_EQ(h.docker.size(), 1u);
  ASSERT_EQ(h.docker[0].runtimes.size(), 1u);
  EXPECT_TRUE(h.docker[0].runtimes[0].path_found);  // found on dockerd's PATH
  ASSERT_EQ(h.cdi_specs.size(), 1u);
  EXPECT_TRUE(h.cdi_specs[0].missing_device_nodes.empty());
  EXPECT_EQ(h.dev_char_links.size(), std::size(kNodes));
  EXPECT_TRUE(std::all_of(h.dev_char_links.begin(), h.dev_char_links.end(),
                          [](auto& l) { return l.present; }));
  const auto gpu0 = std::find_if(h.dev_char_links.begin(), h.dev_char_links.end(),
                                 [](auto& l) { return l.node == "/dev/nvidia0"; });
  ASSERT_NE(gpu0, h.dev_char_links.end());
  EXPECT_EQ(gpu0->link, "/dev/char/195:0");
}

TEST(ContainerHost, InvalidHugeAndUnreadableFilesAreNamed) {
  Machine m;
  m.tree.Write("/etc/docker/daemon.json", "{\n  \"runtimes\": {\n}");
  auto s = m.Run();
  const auto* f = Find(s, "container.config_invalid");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_TRUE(Contains(f->evidence, "/etc/docker/daemon.json: not valid JSON")) << f->evidence;
  EXPECT_TRUE(Contains(f->fix, "python3 -m json.tool /etc/docker/daemon.json"));

  m.tree.Write("/etc/docker/daemon.json", std::string(2u << 20, ' '));
  m.tree.Write("/etc/nvidia-container-runtime/config.toml", "[nvidia-container-cli\n");
  std::filesystem::remove(m.tree / "/etc/cdi/nvidia.yaml");
  ASSERT_EQ(::mkfifo((m.tree / "/etc/cdi/nvidia.yaml").c_str(), 0644),
            0);  // would block a plain read
  s = m.Run();
  std::string all;
  for (const auto& c : ContainerFindings(s)) {
    if (c.id == "container.config_invalid") all += c.evidence + "\n";
  }
  EXPECT_TRUE(Contains(all, "/etc/docker/daemon.json: larger than 1024 KiB")) << all;
  EXPECT_TRUE(Contains(all, "/etc/nvidia-container-runtime/config.toml: not valid TOML: line 1"))
      << all;
  EXPECT_TRUE(Contains(all, "/etc/cdi/nvidia.yaml: not read: a named pipe")) << all;
}

TEST(ContainerHost, DefaultRuntimeDockerDoesNotKnow) {
  Machine m;
  m.tree.Write("/etc/docker/daemon.json", R"({"default-runtime": "nvidia"})");
  const auto s = m.Run();
  const auto* f = Find(s, "container.docker_default_runtime_unknown");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(f->fix, "sudo nvidia-ctk runtime configure --runtime=docker"));
  m.tree.Write("/etc/docker/daemon.json", R"({"default-runtime": "runc"})");
  EXPECT_FALSE(Find(m.Run(), "container.docker_default_runtime_unknown"));
}

// A Kubernetes node (kubelet) whose containerd has Debian's own config.toml (CRI on, no NVIDIA
// runtime, no CDI): pods get no GPU. The same file on a docker-only host says nothing.
TEST(ContainerHost, KubernetesContainerdWithoutTheNvidiaRuntime) {
  Machine m;
  REQUIRE_MKNOD(m);
  std::string debian = testing::ReadAll("/etc/containerd/config.toml");
  if (debian.empty()) {
    if (testing::RequireTestEnvs()) FAIL() << "containerd's package installs its config.toml";
    GTEST_SKIP() << "/etc/containerd/config.toml is not here (containerd not installed)";
  }
  m.tree.Write("/etc/containerd/config.toml", debian);
  EXPECT_TRUE(ContainerFindings(m.Run()).empty()) << Ids(m.Run());  // docker only
  m.tree.Write("/usr/bin/kubelet", "");
  auto s = m.Run();
  EXPECT_TRUE(s.container_host.kubelet_installed);
  const auto* f = Find(s, "container.containerd_gpu_support_missing");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_EQ(f->severity, model::Severity::kWarning);
  EXPECT_TRUE(Contains(f->evidence, "/etc/containerd/config.toml: runtimes [] include none"))
      << f->evidence;
  EXPECT_EQ(f->fix,
            "sudo nvidia-ctk runtime configure --runtime=containerd && sudo systemctl restart "
            "containerd");
  // What that command adds (nvidia-ctk's AddRuntime on a config without runc): silent.
  m.tree.Write("/etc/containerd/config.toml", debian + testing::kContainerdNvidiaRuntime);
  EXPECT_TRUE(ContainerFindings(m.Run()).empty()) << Ids(m.Run());
  // ... unless the runtime it names is gone.
  std::filesystem::remove(m.tree / "/usr/bin/nvidia-container-runtime");
  s = m.Run();
  f = nullptr;
  for (const auto& x : s.findings) {
    if (x.id == "container.runtime_binary_missing" && x.evidence.starts_with("/etc/containerd/"))
      f = &x;
  }
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_EQ(f->id, "container.runtime_binary_missing");
  EXPECT_TRUE(Contains(f->evidence, "runtime \"nvidia\" runs /usr/bin/nvidia-container-runtime"))
      << f->evidence;
  // CDI on (enable_cdi = true in the CRI plugin) serves the GPUs without the runtime.
  std::string cdi = debian;
  const std::string header = "[plugins.\"io.containerd.grpc.v1.cri\"]\n";
  ASSERT_NE(cdi.find(header), std::string::npos) << cdi;
  cdi.insert(cdi.find(header) + header.size(), "    enable_cdi = true\n");
  m.tree.Write("/etc/containerd/config.toml", cdi);
  s = m.Run();
  EXPECT_EQ(s.container_host.containerd->enable_cdi, true);
  EXPECT_FALSE(Find(s, "container.containerd_gpu_support_missing")) << Ids(s);
}

// CRI-O is not in Debian: its files here have the shape its crio.conf(5) gives and the drop-in
// `nvidia-ctk runtime configure --runtime=crio` writes (/etc/crio/crio.conf.d/99-nvidia.conf:
// the low-level runtime's table copied, runtime_path and runtime_type = "oci";
// NVIDIA/nvidia-container-toolkit pkg/config/engine/crio/crio.go, AddRuntime).
TEST(ContainerHost, KubernetesCrioWithoutTheNvidiaRuntime) {
  Machine m;
  REQUIRE_MKNOD(m);
  std::filesystem::remove_all(m.tree / "/etc/cdi");  // CRI-O resolves CDI: no spec here
  m.tree.Write("/usr/bin/crio", "");
  m.tree.Write("/usr/bin/crun", "");
  m.tree.Write("/etc/crio/crio.conf",
               "[crio]\n[crio.runtime]\ndefault_runtime = \"crun\"\n\n"
               "[crio.runtime.runtimes.crun]\nruntime_path = \"\"\nruntime_type = \"oci\"\n"
               "runtime_root = \"/run/crun\"\n");
  EXPECT_TRUE(ContainerFindings(m.Run()).empty()) << Ids(m.Run());  // not a Kubernetes node
  m.tree.MakeDir("/var/lib/kubelet");
  auto s = m.Run();
  ASSERT_TRUE(s.container_host.crio);
  EXPECT_EQ(s.container_host.crio->default_runtime, "crun");
  const auto* f = Find(s, "container.crio_gpu_support_missing");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(f->evidence, "runtimes [crun]")) << f->evidence;
  EXPECT_EQ(f->fix,
            "sudo nvidia-ctk runtime configure --runtime=crio && sudo systemctl restart crio");
  m.tree.Write("/etc/crio/crio.conf.d/99-nvidia.conf",
               "[crio]\n  [crio.runtime]\n    [crio.runtime.runtimes]\n"
               "      [crio.runtime.runtimes.nvidia]\n        runtime_path = "
               "\"/usr/bin/nvidia-container-runtime\"\n        runtime_root = \"/run/crun\"\n"
               "        runtime_type = \"oci\"\n");
  s = m.Run();
  EXPECT_TRUE(ContainerFindings(s).empty()) << Ids(s);
  ASSERT_EQ(s.container_host.crio->files.size(), 2u);
  ASSERT_EQ(s.container_host.crio->runtimes.size(), 2u);
  std::filesystem::remove(m.tree / "/usr/bin/nvidia-container-runtime");
  s = m.Run();
  f = nullptr;
  for (const auto& x : s.findings) {
    if (x.id == "container.runtime_binary_missing" && x.evidence.starts_with("CRI-O")) f = &x;
  }
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_EQ(f->id, "container.runtime_binary_missing");
  EXPECT_EQ(f->severity, model::Severity::kWarning);  // not the default runtime
  // A drop-in that is not TOML is named; CRI-O does not start with it.
  m.tree.Write("/etc/crio/crio.conf.d/50-broken.conf", "[crio.runtime\n");
  s = m.Run();
  f = Find(s, "container.config_invalid");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(f->evidence, "/etc/crio/crio.conf.d/50-broken.conf")) << f->evidence;
}

TEST(ContainerHost, RuntimeBinaryMissing) {
  Machine m;
  std::filesystem::remove(m.tree / "/usr/bin/nvidia-container-runtime");
  auto s = m.Run();
  const auto* f = Find(s, "container.runtime_binary_missing");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_EQ(f->severity, model::Severity::kWarning);
  EXPECT_TRUE(Contains(f->evidence, "nvidia-container-runtime (not found on dockerd's PATH)"))
      << f->evidence;
  m.tree.Write(
      "/etc/docker/daemon.json",
      R"({"default-runtime": "nvidia", "runtimes": {"nvidia": {"path": "/usr/bin/nvidia-container-runtime"}}})");
  s = m.Run();
  ASSERT_TRUE(Find(s, "container.runtime_binary_missing"));
  EXPECT_EQ(Find(s, "container.runtime_binary_missing")->severity, model::Severity::kError);
}

TEST(ContainerHost, DockerWithoutAnyGpuSupport) {
  Machine m;
  REQUIRE_MKNOD(m);
  std::filesystem::remove(m.tree / "/usr/bin/nvidia-container-runtime-hook");
  m.tree.Write("/etc/docker/daemon.json", "{}");
  const auto s = m.Run();
  const auto* f = Find(s, "container.docker_gpu_support_missing");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(f->evidence, "could not select device driver"));
  // With the hook alone, `docker run --gpus all` works: no finding.
  m.tree.Write("/usr/bin/nvidia-container-runtime-hook", "");
  EXPECT_FALSE(Find(m.Run(), "container.docker_gpu_support_missing"));
  // And a CPU-only machine with docker is not asked for GPU support.
  Machine cpu;
  std::filesystem::remove(cpu.tree / "/usr/bin/nvidia-container-runtime-hook");
  for (const Node& n : kNodes) std::filesystem::remove(cpu.tree / (std::string("/dev/") + n.name));
  std::filesystem::remove_all(cpu.tree / "/etc/cdi");
  std::filesystem::remove(cpu.tree / "/proc/driver/nvidia/version");
  EXPECT_TRUE(ContainerFindings(cpu.Run()).empty()) << Ids(cpu.Run());
}

TEST(ContainerHost, RootlessDockerNeedsNoCgroups) {
  Machine m;
  REQUIRE_MKNOD(m);
  m.env["HOME"] = "/home/ana";
  m.tree.Write("/home/ana/.config/docker/daemon.json", testing::kDockerDaemonNvidia);
  auto s = m.Run();
  const auto* f = Find(s, "container.toolkit_no_cgroups");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(f->evidence, "/home/ana/.config/docker/daemon.json"));
  EXPECT_TRUE(
      Contains(f->fix, "nvidia-ctk config --set nvidia-container-cli.no-cgroups --in-place"));
  std::string set = testing::kToolkitConfigDefault;
  set.replace(set.find("#no-cgroups = false"), 19, "no-cgroups = true");
  m.tree.Write("/etc/nvidia-container-runtime/config.toml", set);
  s = m.Run();
  EXPECT_TRUE(ContainerFindings(s).empty()) << Ids(s);
}

TEST(ContainerHost, StaleCdiSpec) {
  Machine m;
  REQUIRE_MKNOD(m);
  m.tree.Write("/etc/cdi/nvidia.yaml", testing::CdiSpecNvidia("535.183.01"));
  const auto s = m.Run();
  const auto* f = Find(s, "container.cdi_spec_stale");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(f->evidence, "driver 535.183.01; the loaded driver is 550.54.15"))
      << f->evidence;
  EXPECT_TRUE(Contains(f->fix, "sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml"));
}

TEST(ContainerHost, CdiSpecNamesDevicesThatAreGone) {
  Machine m;
  REQUIRE_MKNOD(m);
  std::filesystem::remove(m.tree / "/dev/dri/renderD128");
  std::filesystem::create_directories(m.tree / "/var/run");
  std::filesystem::rename(m.tree / "/etc/cdi", m.tree / "/var/run/cdi");
  const auto s = m.Run();
  const auto* f = Find(s, "container.cdi_device_missing");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(
      f->evidence,
      "/var/run/cdi/nvidia.yaml; device nodes it names that /dev lacks: /dev/dri/renderD128"))
      << f->evidence;
  EXPECT_FALSE(Find(s, "container.cdi_spec_stale"));
}

TEST(ContainerHost, NoCdiSpecWhereCdiIsUsed) {
  Machine m;
  REQUIRE_MKNOD(m);
  std::filesystem::remove_all(m.tree / "/etc/cdi");
  EXPECT_TRUE(ContainerFindings(m.Run()).empty());  // docker with --gpus needs none
  m.tree.Write("/usr/bin/podman", "");
  auto s = m.Run();
  ASSERT_TRUE(Find(s, "container.cdi_spec_missing")) << Ids(s);
  EXPECT_EQ(Find(s, "container.cdi_spec_missing")->severity, model::Severity::kWarning);
  std::string cdi = testing::kToolkitConfigDefault;
  cdi.replace(cdi.find("mode = \"auto\""), 13, "mode = \"cdi\"");
  m.tree.Write("/etc/nvidia-container-runtime/config.toml", cdi);
  s = m.Run();
  ASSERT_TRUE(Find(s, "container.cdi_spec_missing"));
  EXPECT_EQ(Find(s, "container.cdi_spec_missing")->severity, model::Severity::kError);
}

// A podman-only host with GPUs and no NVIDIA container toolkit: nothing could write the spec.
TEST(ContainerHost, PodmanWithoutTheToolkit) {
  Machine m;
  REQUIRE_MKNOD(m);
  std::filesystem::remove_all(m.tree / "/etc/cdi");
  std::filesystem::remove_all(m.tree / "/etc/docker");
  std::filesystem::remove_all(m.tree / "/etc/nvidia-container-runtime");
  for (const char* bin : {"dockerd", "nvidia-ctk", "nvidia-container-runtime",
                          "nvidia-container-runtime-hook", "nvidia-container-cli"})
    std::filesystem::remove(m.tree / (std::string("/usr/bin/") + bin));
  m.tree.Write("/usr/bin/podman", "");
  auto s = m.Run();
  const auto* f = Find(s, "container.cdi_spec_missing");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(f->evidence, "podman is installed, without the NVIDIA container toolkit"))
      << f->evidence;
  EXPECT_TRUE(f->fix.starts_with("Install the NVIDIA container toolkit")) << f->fix;
  // The same host without GPUs says nothing.
  for (const Node& n : kNodes) std::filesystem::remove(m.tree / (std::string("/dev/") + n.name));
  EXPECT_FALSE(Find(m.Run(), "container.cdi_spec_missing"));
}

TEST(ContainerHost, DevCharLinksUnderSystemdCgroups) {
  Machine m;
  REQUIRE_MKNOD(m);
  // A MIG host's capability nodes (their major is dynamic: /proc/devices' nvidia-caps), and an
  // NVSwitch node, which the toolkit's fix does not link, so dlenv does not ask for it.
  m.tree.MakeDir("/dev/nvidia-caps");
  for (auto [name, major, minor] : {std::tuple{"/dev/nvidia-caps/nvidia-cap1", 236u, 1u},
                                    std::tuple{"/dev/nvidia-caps/nvidia-cap2", 236u, 2u},
                                    std::tuple{"/dev/nvidia-nvswitch0", 237u, 0u}}) {
    ASSERT_EQ(::mknod((m.tree / name).c_str(), S_IFCHR | 0666, makedev(major, minor)), 0);
  }
  m.tree.Symlink("/dev/char/236:1", "../nvidia-caps/nvidia-cap1");
  m.tree.Symlink("/dev/char/236:2", "../nvidia-caps/nvidia-cap2");
  EXPECT_FALSE(Find(m.Run(), "container.dev_char_links_missing"));
  std::filesystem::remove(m.tree / "/dev/char/236:2");
  std::filesystem::remove(m.tree / "/dev/char/195:1");
  auto s = m.Run();
  const auto* f = Find(s, "container.dev_char_links_missing");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(f->evidence, "/dev/char/195:1 -> /dev/nvidia1")) << f->evidence;
  EXPECT_TRUE(Contains(f->evidence, "/dev/char/236:2 -> /dev/nvidia-caps/nvidia-cap2"))
      << f->evidence;
  EXPECT_FALSE(Contains(f->evidence, "nvswitch")) << f->evidence;
  EXPECT_TRUE(Contains(f->fix, "sudo nvidia-ctk system create-dev-char-symlinks --create-all"));
  // docker told to use cgroupfs: runc does not look for the links.
  m.tree.Write("/etc/docker/daemon.json", R"({"exec-opts": ["native.cgroupdriver=cgroupfs"],
      "runtimes": {"nvidia": {"args": [], "path": "nvidia-container-runtime"}}})");
  EXPECT_FALSE(Find(m.Run(), "container.dev_char_links_missing"));
  // containerd with SystemdCgroup for Kubernetes: again.
  m.tree.Write("/etc/containerd/config.toml", R"(version = 2
[plugins."io.containerd.grpc.v1.cri".containerd.runtimes.runc.options]
  SystemdCgroup = true
)");
  s = m.Run();
  ASSERT_TRUE(Find(s, "container.dev_char_links_missing")) << Ids(s);
  EXPECT_TRUE(Contains(Find(s, "container.dev_char_links_missing")->evidence,
                       "containerd (SystemdCgroup = true)"));
}

// ---- inside a container ----------------------------------------------------------------

TEST(ContainerInside, SmallShmWithSeveralGpus) {
  Machine m;
  REQUIRE_MKNOD(m);
  m.tree.Write("/.dockerenv", "");
  m.tree.Write("/proc/self/mounts",
               "overlay / overlay rw 0 0\nshm /dev/shm tmpfs "
               "rw,nosuid,nodev,noexec,relatime,size=65536k 0 0\n");
  auto s = m.Run();
  const auto* f = Find(s, "container.shm_too_small");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_TRUE(Contains(f->evidence, "/dev/shm is 64 MiB in this docker container with 2 GPUs"))
      << f->evidence;
  EXPECT_TRUE(Contains(f->fix, "--shm-size=1g --ulimit memlock=-1"));
  // The host's files seen from inside are the image's: no host rule speaks.
  for (const auto& c : ContainerFindings(s)) EXPECT_TRUE(c.id == "container.shm_too_small") << c.id;

  m.tree.Write("/proc/self/mounts", "shm /dev/shm tmpfs rw,size=1048576k 0 0\n");
  EXPECT_FALSE(Find(m.Run(), "container.shm_too_small"));
  m.tree.Write("/proc/self/mounts", "shm /dev/shm tmpfs rw,size=65536k 0 0\n");
  std::filesystem::remove(m.tree / "/dev/nvidia1");
  EXPECT_FALSE(Find(m.Run(), "container.shm_too_small"));  // one GPU: NCCL has no peer here
}

TEST(ContainerInside, DriverCapabilitiesWithoutCompute) {
  Machine m;
  m.tree.Write("/run/.containerenv", "");
  m.env["NVIDIA_DRIVER_CAPABILITIES"] = "utility";
  auto s = m.Run();
  const auto* f = Find(s, "container.driver_capabilities_no_compute");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  for (const char* ok : {"compute,utility", "all", "", "UTILITY, Compute"}) {
    m.env["NVIDIA_DRIVER_CAPABILITIES"] = ok;
    EXPECT_FALSE(Find(m.Run(), "container.driver_capabilities_no_compute")) << ok;
  }
  // On a host the variable means nothing.
  std::filesystem::remove(m.tree / "/run/.containerenv");
  m.env["NVIDIA_DRIVER_CAPABILITIES"] = "utility";
  EXPECT_FALSE(Find(m.Run(), "container.driver_capabilities_no_compute"));
}

// ---- the image's CUDA against the injected driver ---------------------------------------

// The snapshot a container's probes leave, with what the driver's child would report.
model::Snapshot WithDriver(model::Snapshot s, const char* driver, int cuda,
                           std::vector<std::string> gpu_names) {
  s.driver.nvml_driver_version = driver;
  s.driver.nvml_cuda_driver_version = cuda;
  s.gpus.clear();
  for (std::size_t i = 0; i < gpu_names.size(); ++i) {
    model::GpuInfo g;
    g.index = static_cast<int>(i);
    g.name = gpu_names[i];
    s.gpus.push_back(g);
  }
  s.findings = rules::Evaluate(s, knowledge::BuiltinKnowledge());
  return s;
}

TEST(ContainerInside, ImageCudaReadFromEnvironmentThenVersionJson) {
  Machine m;
  m.tree.Write("/.dockerenv", "");
  // As the toolkit's installer writes it (CUDA 12.4.1's version.json, first keys).
  m.tree.Write("/usr/local/cuda/version.json",
               R"J({"cuda" : {"name" : "CUDA SDK", "version" : "12.4.1"},)J"
               R"J( "cuda_cudart" : {"name" : "CUDA Runtime (cudart)", "version" : "12.4.127"}})J");
  auto s = m.Run();
  EXPECT_EQ(s.container_inside.image_cuda_version, "12.4.1");
  EXPECT_EQ(s.container_inside.image_cuda_source, "/usr/local/cuda/version.json");
  EXPECT_FALSE(s.container_inside.compat_libcuda);
  m.env["CUDA_VERSION"] = "12.8.1";  // NVIDIA's images set it; it wins
  m.tree.Write("/usr/local/cuda/compat/libcuda.so.570.124.06", "");
  m.tree.Symlink("/usr/local/cuda/compat/libcuda.so.1", "libcuda.so.570.124.06");
  m.tree.Symlink("/usr/local/cuda/compat/libcuda.so", "libcuda.so.1");
  s = m.Run();
  EXPECT_EQ(s.container_inside.image_cuda_version, "12.8.1");
  EXPECT_EQ(s.container_inside.image_cuda_source, "CUDA_VERSION");
  EXPECT_EQ(s.container_inside.compat_libcuda, "/usr/local/cuda/compat/libcuda.so.570.124.06");
}

TEST(ContainerInside, ImageCudaNewerThanTheDriverWithoutCompat) {
  Machine m;
  m.tree.Write("/.dockerenv", "");
  m.env["CUDA_VERSION"] = "12.4.1";
  const auto s = WithDriver(m.Run(), "470.223.02", 11040, {"NVIDIA A100-SXM4-80GB"});
  const auto* f = Find(s, "container.image_cuda_newer_than_driver");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_TRUE(Contains(f->evidence,
                       "the image's CUDA is 12.4.1 (CUDA_VERSION); the driver "
                       "470.223.02 supports CUDA 11.4"))
      << f->evidence;
  EXPECT_TRUE(Contains(f->fix, "use an image built for CUDA 11.4 or older")) << f->fix;
  EXPECT_TRUE(Contains(f->fix, "upgrade the host's driver to 525.60.13 or newer")) << f->fix;
  EXPECT_TRUE(Contains(f->fix, "cuda-compat-12-4")) << f->fix;  // datacenter GPU: an option
  // A GeForce card is not offered forward compatibility.
  const auto geforce = WithDriver(m.Run(), "470.223.02", 11040, {"NVIDIA GeForce RTX 3090"});
  ASSERT_TRUE(Find(geforce, "container.image_cuda_newer_than_driver"));
  EXPECT_FALSE(Contains(Find(geforce, "container.image_cuda_newer_than_driver")->fix, "compat"));
}

TEST(ContainerInside, ForwardCompatWorksOnDatacenterGpusOnly) {
  Machine m;
  m.tree.Write("/.dockerenv", "");
  m.env["CUDA_VERSION"] = "12.4.1";
  m.tree.Write("/usr/local/cuda/compat/libcuda.so.550.54.15", "");
  EXPECT_FALSE(Find(WithDriver(m.Run(), "470.223.02", 11040, {"NVIDIA A100-SXM4-80GB"}),
                    "container.image_cuda_newer_than_driver"));
  const auto s = WithDriver(m.Run(), "470.223.02", 11040, {"NVIDIA GeForce RTX 3090"});
  const auto* f = Find(s, "container.image_cuda_newer_than_driver");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_EQ(f->severity, model::Severity::kError);
  EXPECT_TRUE(Contains(f->evidence, "CUDA_ERROR_COMPAT_NOT_SUPPORTED_ON_DEVICE (804)"))
      << f->evidence;
  const auto unnamed = WithDriver(m.Run(), "470.223.02", 11040, {});
  ASSERT_TRUE(Find(unnamed, "container.image_cuda_newer_than_driver"));
  EXPECT_EQ(Find(unnamed, "container.image_cuda_newer_than_driver")->severity,
            model::Severity::kWarning);
}

TEST(ContainerInside, ImageCudaTheDriverRunsSaysNothing) {
  Machine m;
  m.tree.Write("/.dockerenv", "");
  m.env["CUDA_VERSION"] = "12.4.1";
  // Same major: minor-version compatibility runs it (toolkit.newer_than_driver names limits).
  EXPECT_FALSE(Find(WithDriver(m.Run(), "535.183.01", 12020, {"NVIDIA H100 80GB HBM3"}),
                    "container.image_cuda_newer_than_driver"));
  EXPECT_FALSE(Find(WithDriver(m.Run(), "550.54.15", 12040, {"NVIDIA H100 80GB HBM3"}),
                    "container.image_cuda_newer_than_driver"));
  std::filesystem::remove(m.tree / "/.dockerenv");  // on a host, CUDA_VERSION is just a variable
  EXPECT_FALSE(Find(WithDriver(m.Run(), "470.223.02", 11040, {"NVIDIA H100 80GB HBM3"}),
                    "container.image_cuda_newer_than_driver"));
}

// `dlenv recipe` on a host: an image of a newer CUDA major than the driver's blocks it, unless
// the GPUs are datacenter GPUs (the image's forward-compatibility libraries run there).
TEST(ContainerHost, RecipeImageCudaAgainstTheHostDriver) {
  Machine m;
  const auto& k = knowledge::BuiltinKnowledge();
  const auto cuda124 = *util::DottedVersion::Parse("12.4.1");
  const auto geforce = WithDriver(m.Run(), "470.223.02", 11040, {"NVIDIA GeForce RTX 3090"});
  const auto blocker = rules::ImageCudaBlocker(geforce, k, cuda124);
  ASSERT_TRUE(blocker);
  EXPECT_TRUE(Contains(*blocker,
                       "built on CUDA 12.4, and this host's driver 470.223.02 supports "
                       "CUDA 11.4"))
      << *blocker;
  EXPECT_TRUE(Contains(*blocker, "upgrade the driver to 525.60.13 or later")) << *blocker;
  EXPECT_FALSE(rules::ImageCudaBlocker(
      WithDriver(m.Run(), "470.223.02", 11040, {"NVIDIA A100-SXM4-80GB"}), k, cuda124));
  EXPECT_FALSE(rules::ImageCudaBlocker(
      WithDriver(m.Run(), "535.183.01", 12020, {"NVIDIA GeForce RTX 3090"}), k, cuda124));
  EXPECT_FALSE(rules::ImageCudaBlocker(m.Run(), k, cuda124));  // no driver: nothing to compare
}

// A container started right (docker run --gpus all --shm-size=16g, an image of the driver's CUDA):
// no rule has anything to say above info.
TEST(ContainerInside, HealthyContainerSaysNothing) {
  Machine m;
  REQUIRE_MKNOD(m);
  m.tree.Write("/.dockerenv", "");
  m.tree.Write("/proc/self/mounts",
               "overlay / overlay rw 0 0\nshm /dev/shm tmpfs rw,nosuid,nodev,noexec,relatime,"
               "size=16777216k 0 0\n");
  m.env["NVIDIA_VISIBLE_DEVICES"] = "all";
  m.env["NVIDIA_DRIVER_CAPABILITIES"] = "compute,utility";
  m.env["CUDA_VERSION"] = "12.4.1";
  const auto s =
      WithDriver(m.Run(), "550.54.15", 12040, {"NVIDIA H100 80GB HBM3", "NVIDIA H100 80GB HBM3"});
  EXPECT_EQ(s.host.container, "docker");
  for (const auto& f : s.findings) {
    EXPECT_NE(f.severity, model::Severity::kError) << f.id << ": " << f.evidence;
    EXPECT_NE(f.severity, model::Severity::kWarning) << f.id << ": " << f.evidence;
  }
}

TEST(ContainerInside, DriverCapabilitiesWithoutUtility) {
  Machine m;
  m.tree.Write("/.dockerenv", "");
  m.env["NVIDIA_VISIBLE_DEVICES"] = "all";
  m.env["NVIDIA_DRIVER_CAPABILITIES"] = "compute";
  auto s = m.Run();
  const auto* f = Find(s, "container.driver_capabilities_no_utility");
  ASSERT_TRUE(f) << Ids(s);
  EXPECT_EQ(f->severity, model::Severity::kWarning);
  EXPECT_TRUE(Contains(f->evidence,
                       "NVIDIA_VISIBLE_DEVICES=all and NVIDIA_DRIVER_CAPABILITIES="
                       "compute has no `utility`"))
      << f->evidence;
  EXPECT_FALSE(Find(s, "container.driver_capabilities_no_compute"));
  for (const char* ok : {"compute,utility", "all", "", " Utility ,compute"}) {
    m.env["NVIDIA_DRIVER_CAPABILITIES"] = ok;
    EXPECT_FALSE(Find(m.Run(), "container.driver_capabilities_no_utility")) << ok;
  }
  m.env["NVIDIA_DRIVER_CAPABILITIES"] = "compute";
  for (const char* none : {"void", "none", ""}) {
    m.env["NVIDIA_VISIBLE_DEVICES"] = none;
    EXPECT_FALSE(Find(m.Run(), "container.driver_capabilities_no_utility")) << none;
  }
}

}  // namespace
}  // namespace dlenv::probe
