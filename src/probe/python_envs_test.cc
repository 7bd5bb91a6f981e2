#include "probe/python_envs.h"

#include <gtest/gtest.h>

#include <algorithm>

#include "testing/temp_tree.h"

namespace dlenv::probe {
namespace {

using testing::TempTree;

const model::PythonEnv* Find(const model::Snapshot& s, std::string_view prefix) {
  for (const auto& e : s.python_envs) {
    if (e.prefix == prefix) return &e;
  }
  return nullptr;
}

const model::PackageRecord* Package(const model::PythonEnv& env, std::string_view normalized,
                                    bool shadowed = false) {
  for (const auto& r : env.packages) {
    if (r.normalized_name == normalized && r.shadowed == shadowed) return &r;
  }
  return nullptr;
}

bool Via(const model::PythonEnv& env, std::string_view how) {
  return std::find(env.found_via.begin(), env.found_via.end(), how) != env.found_via.end();
}

model::Snapshot Probe(const TempTree& t, std::map<std::string, std::string> vars,
                      std::vector<std::string> extra_pythons = {}) {
  ProbeContext ctx;
  ctx.fs = util::RootFs(t.path());
  ctx.env = util::Environment(std::move(vars));
  ctx.extra_pythons = std::move(extra_pythons);
  model::Snapshot s;
  ProbePythonEnvs(ctx, s);
  return s;
}

// A Debian system interpreter, a project .venv on top of it, and a miniforge install with
// one named environment, all under --root.
void WriteMachine(const TempTree& t) {
  t.Write("/usr/bin/python3.11", "ELF");
  t.Symlink("/usr/bin/python3", "python3.11");
  t.Symlink("/bin", "usr/bin");
  t.Write("/usr/lib/python3.11/os.py", "");
  t.Write("/usr/include/python3.11/patchlevel.h", "#define PY_VERSION              \"3.11.2\"\n");
  t.Write("/usr/lib/python3/dist-packages/numpy-1.24.2.egg-info/PKG-INFO",
          "Metadata-Version: 2.1\nName: numpy\nVersion: 1.24.2\n");
  t.Write("/usr/lib/python3/dist-packages/six-1.16.0.egg-info",
          "Metadata-Version: 1.2\nName: six\nVersion: 1.16.0\n");
  t.Write("/usr/lib/python3/dist-packages/torch-1.13.1.egg-info/PKG-INFO",
          "Name: torch\nVersion: 1.13.1\n");
  t.Write("/usr/lib/python3/dist-packages/torch-1.13.1.egg-info/requires.txt",
          "typing_extensions\n[opt]\nscipy\n");
  t.Write("/usr/local/lib/python3.11/dist-packages/requests-2.31.0.dist-info/METADATA",
          "Name: requests\nVersion: 2.31.0\n");
  t.Write("/usr/local/lib/python3.11/dist-packages/requests-2.31.0.dist-info/INSTALLER", "pip\n");

  t.Write("/home/u/proj/.venv/pyvenv.cfg",
          "home = /usr/bin\ninclude-system-site-packages = false\nversion = 3.11.2\n");
  t.Symlink("/home/u/proj/.venv/bin/python", "/usr/bin/python3");
  std::string sp = "/home/u/proj/.venv/lib/python3.11/site-packages/";
  t.Write(sp + "torch-2.3.1+cu121.dist-info/METADATA",
          "Metadata-Version: 2.1\nName: torch\nVersion: 2.3.1+cu121\nRequires-Dist: filelock\n"
          "Requires-Dist: nvidia-cudnn-cu12 ==8.9.2.26 ; platform_system == \"Linux\"\n\nbody\n");
  t.Write(sp + "torch-2.3.1+cu121.dist-info/INSTALLER", "uv");
  t.Write(sp + "torch-2.3.1+cu121.dist-info/REQUESTED", "");
  t.Write(
      sp + "torch-2.3.1+cu121.dist-info/direct_url.json",
      R"({"url": "https://download.pytorch.org/whl/cu121/torch-2.3.1%2Bcu121-cp311-cp311-linux_x86_64.whl", "archive_info": {}})");
  t.Write(sp + "Broken-1.0.dist-info/METADATA", "\x7f\x45LF garbage without headers");

  std::string mf = "/home/u/miniforge3/";
  t.MakeDir(mf + "condabin");
  t.Write(mf + "conda-meta/python-3.12.1-hab00c5b_1_cpython.json",
          R"({"name":"python","version":"3.12.1","build":"hab00c5b_1_cpython"})");
  t.Write(mf + "lib/python3.12/os.py", "");
  t.Write(mf + "envs/dl/conda-meta/python-3.10.13-hd12c33a_1_cpython.json",
          R"({"name":"python","version":"3.10.13","build":"hd12c33a_1_cpython"})");
  t.Write(
      mf + "envs/dl/conda-meta/numpy-1.26.4-py310hb13e2d6_0.json",
      R"({"name":"numpy","version":"1.26.4","build":"py310hb13e2d6_0","channel":"https://conda.anaconda.org/conda-forge/linux-64",
              "requested_spec":"numpy","files":["lib/python3.10/site-packages/numpy-1.26.4.dist-info/METADATA"]})");
  t.Write(
      mf + "envs/dl/conda-meta/pytorch-2.1.0-py3.10_cuda12.1_cudnn8.9.2_0.json",
      R"({"name":"pytorch","version":"2.1.0","build":"py3.10_cuda12.1_cudnn8.9.2_0","channel":"pytorch"})");
  t.Write(mf + "envs/dl/conda-meta/broken.json", "{\"name\": ");
  t.Write(mf + "envs/dl/lib/python3.10/site-packages/numpy-1.26.4.dist-info/METADATA",
          "Name: numpy\nVersion: 1.26.4\n");
  t.Write(mf + "envs/dl/lib/python3.10/site-packages/numpy-1.26.4.dist-info/INSTALLER", "conda\n");
  t.Write("/home/u/.conda/environments.txt", "/home/u/miniforge3/envs/dl\n/home/u/gone\n");
}

TEST(PythonEnvs, FindsEveryKindOfEnvironmentFromFilesAlone) {
  TempTree t;
  WriteMachine(t);
  auto s = Probe(t, {{"PATH", "/home/u/proj/.venv/bin:/bin:/usr/bin"},
                     {"HOME", "/home/u"},
                     {"PWD", "/home/u/proj"},
                     {"CONDA_PREFIX", "/home/u/miniforge3/envs/dl"}});

  const auto* sys = Find(s, "/usr");
  ASSERT_TRUE(sys);
  EXPECT_EQ(sys->kind, "system");
  EXPECT_EQ(sys->python_version, "3.11.2");  // patch level from patchlevel.h
  EXPECT_TRUE(Via(*sys, "PATH"));
  EXPECT_EQ(sys->site_packages, (std::vector<std::string>{"/usr/local/lib/python3.11/dist-packages",
                                                          "/usr/lib/python3/dist-packages"}));
  ASSERT_TRUE(Package(*sys, "six"));  // an egg-info that is a single file
  const auto* torch = Package(*sys, "torch");
  ASSERT_TRUE(torch);
  EXPECT_EQ(torch->installer, "debian");
  EXPECT_EQ(torch->requires_dist,
            (std::vector<std::string>{"typing_extensions", "scipy ; extra == \"opt\""}));
  EXPECT_EQ(Package(*sys, "requests")->installer, "pip");

  const auto* venv = Find(s, "/home/u/proj/.venv");
  ASSERT_TRUE(venv);
  EXPECT_EQ(venv->kind, "venv");
  EXPECT_TRUE(Via(*venv, "PATH"));
  EXPECT_TRUE(Via(*venv, "./.venv"));
  EXPECT_EQ(venv->packages.size(), 1u);  // no system site packages; the nameless METADATA skipped
  const auto* vt = Package(*venv, "torch");
  ASSERT_TRUE(vt);
  EXPECT_EQ(vt->version, "2.3.1+cu121");
  EXPECT_EQ(vt->installer, "uv");
  EXPECT_TRUE(vt->requested);
  EXPECT_EQ(
      vt->direct_url,
      "https://download.pytorch.org/whl/cu121/torch-2.3.1%2Bcu121-cp311-cp311-linux_x86_64.whl");
  EXPECT_EQ(vt->requires_dist.size(), 2u);

  const auto* base = Find(s, "/home/u/miniforge3");
  ASSERT_TRUE(base);
  EXPECT_EQ(base->kind, "conda-base");
  EXPECT_EQ(base->python_version, "3.12.1");

  const auto* dl = Find(s, "/home/u/miniforge3/envs/dl");
  ASSERT_TRUE(dl);
  EXPECT_EQ(dl->kind, "conda");
  EXPECT_EQ(dl->python_version, "3.10.13");
  EXPECT_TRUE(Via(*dl, "CONDA_PREFIX"));
  EXPECT_TRUE(Via(*dl, "environments.txt"));
  const auto* np = Package(*dl, "numpy");
  ASSERT_TRUE(np);
  EXPECT_EQ(np->record_kind, "dist-info");
  EXPECT_EQ(np->conda_build, "py310hb13e2d6_0");
  EXPECT_TRUE(np->requested);
  const auto* pt = Package(*dl, "torch");  // conda's "pytorch", known by its PyPI name
  ASSERT_TRUE(pt);
  EXPECT_EQ(pt->name, "pytorch");
  EXPECT_EQ(pt->record_kind, "conda-meta");
  EXPECT_EQ(pt->conda_channel, "pytorch");

  EXPECT_FALSE(Find(s, "/home/u/gone"));
  EXPECT_EQ(s.python_envs.size(), 4u);  // /bin/python3 and /usr/bin/python3 are one
}

TEST(PythonEnvs, UserSiteComesFirstAndShadowsTheSystemCopy) {
  TempTree t;
  WriteMachine(t);
  t.Write("/home/u/.local/lib/python3.11/site-packages/numpy-2.0.0.dist-info/METADATA",
          "Name: numpy\nVersion: 2.0.0\n");
  auto s = Probe(t, {{"PATH", "/usr/bin"}, {"HOME", "/home/u"}});
  const auto* sys = Find(s, "/usr");
  ASSERT_TRUE(sys);
  EXPECT_EQ(sys->site_packages.front(), "/home/u/.local/lib/python3.11/site-packages");
  ASSERT_TRUE(Package(*sys, "numpy"));
  EXPECT_EQ(Package(*sys, "numpy")->version, "2.0.0");
  ASSERT_TRUE(Package(*sys, "numpy", /*shadowed=*/true));
  EXPECT_EQ(Package(*sys, "numpy", true)->version, "1.24.2");

  auto quiet = Probe(t, {{"PATH", "/usr/bin"}, {"HOME", "/home/u"}, {"PYTHONNOUSERSITE", "1"}});
  EXPECT_EQ(Package(*Find(quiet, "/usr"), "numpy")->version, "1.24.2");
}

TEST(PythonEnvs, SystemSiteVenvSeesItsBaseAfterItself) {
  TempTree t;
  WriteMachine(t);
  t.Write("/srv/v/pyvenv.cfg",
          "home = /usr/bin\ninclude-system-site-packages = true\nversion = 3.11.2\n");
  t.Write("/srv/v/lib/python3.11/site-packages/numpy-1.26.4.dist-info/METADATA",
          "Name: numpy\nVersion: 1.26.4\n");
  auto s = Probe(t, {{"PATH", ""}, {"VIRTUAL_ENV", "/srv/v"}});
  const auto* v = Find(s, "/srv/v");
  ASSERT_TRUE(v);
  EXPECT_EQ(v->site_packages.front(), "/srv/v/lib/python3.11/site-packages");
  EXPECT_EQ(Package(*v, "numpy")->version, "1.26.4");
  EXPECT_EQ(Package(*v, "numpy", true)->version, "1.24.2");
  EXPECT_TRUE(Package(*v, "torch"));
  EXPECT_TRUE(Via(*v, "VIRTUAL_ENV"));
}

TEST(PythonEnvs, FollowsPthFilesAndPyenvShims) {
  TempTree t;
  t.Write("/r/.pyenv/version", "3.12.1\n");
  t.Write("/r/.pyenv/shims/python3", "#!/usr/bin/env bash\nexec pyenv exec python3 \"$@\"\n");
  std::string p = "/r/.pyenv/versions/3.12.1/";
  t.Write(p + "lib/python3.12/os.py", "");
  t.Write(p + "lib/python3.12/site-packages/extra.pth",
          "# comment\nimport sys; sys.x = 1\n../../../src/pkg\n/nowhere\n");
  t.Write(p + "src/pkg/mine-0.1.egg-info/PKG-INFO", "Name: mine\nVersion: 0.1\n");
  auto s = Probe(t, {{"PATH", "/r/.pyenv/shims"}, {"HOME", "/r"}});
  const auto* env = Find(s, "/r/.pyenv/versions/3.12.1");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->python_version, "3.12.1");  // the folder's name states the patch level
  EXPECT_EQ(env->site_packages.back(), "/r/.pyenv/versions/3.12.1/src/pkg");
  EXPECT_TRUE(Package(*env, "mine"));

  auto system_choice =
      Probe(t, {{"PATH", "/r/.pyenv/shims"}, {"HOME", "/r"}, {"PYENV_VERSION", "system"}});
  EXPECT_TRUE(system_choice.python_envs.empty());
}

TEST(PythonEnvs, ExplicitPythonAndHostileFilesAreHandled) {
  TempTree t;
  // sizeof - 1: the literal holds a NUL, so strlen would stop at it.
  static constexpr char kHostileCfg[] = "\0\xff\xfe=\n==\nversion_info = 3.13.0.final.0\n";
  t.Write("/x/pyvenv.cfg", std::string(kHostileCfg, sizeof kHostileCfg - 1));
  t.Symlink("/x/bin/python", "python");  // a loop
  t.Write("/x/lib/python3.13/site-packages/a-1.dist-info/METADATA", std::string(1 << 16, ':'));
  t.Write("/x/lib/python3.13/site-packages/b-1.dist-info/METADATA", "Name: b\nVersion: 1\n");
  t.Write("/x/lib/python3.13/site-packages/b-1.dist-info/direct_url.json", "{not json");
  auto s = Probe(t, {}, {"/x/bin/python"});
  const auto* env = Find(s, "/x");
  ASSERT_TRUE(env);
  EXPECT_EQ(env->python_version, "3.13.0");
  EXPECT_TRUE(Via(*env, "--python"));
  ASSERT_EQ(env->packages.size(), 1u);
  EXPECT_FALSE(env->packages[0].direct_url);
}

}  // namespace
}  // namespace dlenv::probe
