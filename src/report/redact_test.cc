#include "report/redact.h"

#include <gtest/gtest.h>

#include "model/json.h"

namespace dlenv::report {
namespace {

model::Snapshot Sample() {
  model::Snapshot s;
  s.host.hostname = "gpu-node-07";
  model::GpuInfo g;
  g.name = "NVIDIA A100-SXM4-80GB";
  g.uuid = "GPU-6f3c2a1b-1111-2222-3333-444455556666";
  g.serial = "1324021012345";
  g.pci_bus_id = "00000000:3B:00.0";
  s.gpus.push_back(g);
  model::Toolkit t;
  t.root = "/home/alice/miniconda3/envs/train";
  t.found_via = {"CONDA_PREFIX"};
  t.components["nvidia_cudnn_cu12"] = "9.1.0.70";
  s.toolkits.push_back(t);
  model::PythonEnv e;
  e.prefix = "/home/alice/.venv";
  e.kind = "venv";
  model::PackageRecord p;
  p.name = "torch";
  p.version = "2.3.1+cu121";
  p.direct_url = "http://10.1.2.3:8080/wheels/torch.whl";
  e.packages.push_back(p);
  s.python_envs.push_back(e);
  s.findings.push_back({"gpu.ecc_uncorrected", model::Severity::kError,
                        "GPU GPU-6f3c2a1b-1111-2222-3333-444455556666 on gpu-node-07",
                        "seen from fe80::1ff:fe23:4567:890a",
                        "ssh alice@gpu-node-07 nvidia-smi -r"});
  return s;
}

TEST(Redact, RemovesEverySecretFromEveryString) {
  const std::string out = nlohmann::json(Redact(Sample())).dump();
  for (const char* secret :
       {"gpu-node-07", "alice", "6f3c2a1b", "1324021012345", "10.1.2.3", "fe80::1ff"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " survived in " << out;
  }
}

TEST(Redact, PlaceholdersAreStableAndKeepStructure) {
  auto r = Redact(Sample());
  EXPECT_EQ(r.host.hostname, "<host>");
  EXPECT_EQ(r.toolkits[0].root, "/home/<user-1>/miniconda3/envs/train");
  EXPECT_EQ(r.python_envs[0].prefix, "/home/<user-1>/.venv");
  EXPECT_EQ(*r.gpus[0].uuid, "<gpu-uuid-1>");
  EXPECT_EQ(r.findings[0].title, "GPU <gpu-uuid-1> on <host>");
  // Two different addresses get two different placeholders.
  EXPECT_TRUE(*r.python_envs[0].packages[0].direct_url == "http://<ip-1>:8080/wheels/torch.whl" ||
              *r.python_envs[0].packages[0].direct_url == "http://<ip-2>:8080/wheels/torch.whl");
  EXPECT_EQ(r.findings[0].evidence.find(r.python_envs[0].packages[0].direct_url->substr(7, 6)),
            std::string::npos);
  // Two runs give the same text.
  EXPECT_EQ(nlohmann::json(Redact(Sample())).dump(), nlohmann::json(r).dump());
}

TEST(Redact, LeavesVersionsAndPciAddressesAlone) {
  auto r = Redact(Sample());
  EXPECT_EQ(r.toolkits[0].components.at("nvidia_cudnn_cu12"), "9.1.0.70");
  EXPECT_EQ(*r.gpus[0].pci_bus_id, "00000000:3B:00.0");
  EXPECT_EQ(r.python_envs[0].packages[0].version, "2.3.1+cu121");
  EXPECT_EQ(r.gpus[0].name, "NVIDIA A100-SXM4-80GB");
}

// A cluster home: HOME=/gpfs/users/alice_smith, the name in paths, the host in a fix.
model::Snapshot ClusterSample(const std::string& home, const std::string& host) {
  model::Snapshot s;
  s.host.hostname = host;
  model::PythonEnv e;
  e.prefix = home + "/envs/train";
  e.executable = home + "/envs/train/bin/python";
  e.kind = "venv";
  e.site_packages = {home + "/envs/train/lib/python3.11/site-packages"};
  s.python_envs.push_back(e);
  model::Toolkit t;
  t.root = "/scratch/alice_smith/cuda-12.4";
  s.toolkits.push_back(t);
  s.findings.push_back(
      {"env.base_env", model::Severity::kWarning, "an environment on " + host + ".",
       "seen in " + home + "/envs/train and /data/alice_smith",
       "ssh alice_smith@" + host + " nvm use; sysctl vm.max_map_count; ls /srv/vm-images"});
  return s;
}

TEST(Redact, ClusterHomesUsersAndHostsAreGone) {
  model::Identity who{.homes = {"/gpfs/users/alice_smith"},
                      .users = {"alice_smith"},
                      .hosts = {"gpu07.cluster.example.org", "gpu07"}};
  auto r = Redact(ClusterSample("/gpfs/users/alice_smith", "gpu07.cluster.example.org"), who);
  const std::string out = nlohmann::json(r).dump();
  for (const char* secret : {"alice_smith", "gpu07", "cluster.example.org"}) {
    EXPECT_EQ(out.find(secret), std::string::npos) << secret << " survived in " << out;
  }
  EXPECT_EQ(r.python_envs[0].prefix, "<home>/envs/train");
  EXPECT_EQ(r.toolkits[0].root, "/scratch/<user-1>/cuda-12.4");
  EXPECT_EQ(r.host.hostname, "<host>");
  EXPECT_EQ(r.findings[0].title, "an environment on <host>.");
  EXPECT_EQ(r.findings[0].evidence, "seen in <home>/envs/train and /data/<user-1>");
}

TEST(Redact, ShortNamesDoNotGarbleOrdinaryWords) {
  // A host called "vm" and a user called "an": whole words and path segments only.
  model::Identity who{.homes = {"/home/an"}, .users = {"an"}, .hosts = {"vm"}};
  auto s = ClusterSample("/scratch/an", "vm");
  auto r = Redact(s, who);
  EXPECT_EQ(r.python_envs[0].prefix, "/scratch/<user-1>/envs/train");
  EXPECT_EQ(r.findings[0].title, "an environment on <host>.");
  EXPECT_EQ(r.findings[0].fix,
            "ssh alice_smith@<host> nvm use; sysctl vm.max_map_count; ls /srv/vm-images");
  EXPECT_EQ(r.toolkits[0].root, "/scratch/alice_smith/cuda-12.4");
}

TEST(Redact, RedactJsonServesAnyDocument) {
  nlohmann::json doc = {
      {"path", "/data/bob7/x"}, {"host", "n1.example.org"}, {"note", "bob7@n1 ok"}};
  RedactJson(doc, {.homes = {}, .users = {"bob7"}, .hosts = {"n1"}}, "n1.example.org");
  EXPECT_EQ(doc["path"], "/data/<user-1>/x");
  EXPECT_EQ(doc["host"], "<host>");
  EXPECT_EQ(doc["note"], "<user-1>@<host> ok");
}

}  // namespace
}  // namespace dlenv::report
