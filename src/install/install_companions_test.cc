// `dlenv install torch --with COMPANION` for the companions that no release rule pairs with torch
// (xformers, vllm, torchdata, flash-attn, ...): the release is the newest whose own Requires-Dist
// admits the chosen torch, read from the index's metadata, or from the wheel in byte ranges where
// the index has no PEP 658 file (install/remote_wheel.h). Plans from hand-made live indexes, then
// the fixture index on 127.0.0.1 (real zip archives, ranges served), then PyPI itself with pip's
// resolver as the oracle.
#include <gtest/gtest.h>

#include <cstdlib>
#include <filesystem>
#include <map>
#include <string>
#include <vector>

#include "install/install_plan.h"
#include "install/live_index.h"
#include "install/remote_wheel.h"
#include "install/test_machines.h"
#include "install/wheel.h"
#include "probe/http.h"
#include "testing/index_server.h"
#include "testing/require.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/strings.h"
#include "util/subprocess.h"

namespace dlenv::install {
namespace {

// xformers' real pins (each release's manylinux wheel, read 2026-12-03), newest first.
const std::vector<std::pair<std::string, std::string>> kXformers = {
    {"0.0.35", "torch>=2.10"},        {"0.0.34", "torch==2.10.0"},
    {"0.0.33.post2", "torch==2.9.1"}, {"0.0.33", "torch==2.9.0"},
    {"0.0.32.post2", "torch==2.8.0"}, {"0.0.31.post1", "torch==2.7.1"},
    {"0.0.30", "torch==2.7.0"},       {"0.0.29.post3", "torch==2.6.0"},
    {"0.0.28.post3", "torch==2.5.1"}, {"0.0.28.post1", "torch==2.4.1"},
};

TorchBuild PyPITorch(const std::string& version) {
  TorchBuild b;
  b.version = version;
  b.exact = true;
  b.variant = "cu128";
  b.cuda = util::DottedVersion::Parse("12.8");
  b.user_index = true;
  b.source = "test";
  b.wheels = {*ParseWheelName("torch-" + version + "-cp312-cp312-manylinux_2_28_x86_64.whl")};
  return b;
}

// A live index with the given torch releases and companions, whose metadata reads are counted.
struct Live {
  LiveIndex index;
  std::map<std::string, int> reads;

  Live(const std::vector<std::string>& torch,
       const std::map<std::string, std::vector<std::pair<std::string, std::string>>>& companions,
       std::vector<std::string> unreadable = {}) {
    for (const auto& v : torch) index.torch.push_back(PyPITorch(v));
    index.torch_index_reached = true;  // these builds only, no table rows
    std::map<std::string, std::vector<std::string>> needs;
    for (const auto& [project, releases] : companions) {
      auto& wheels = index.companion_wheels[project];
      for (const auto& [version, torch_pin] : releases) {
        wheels.push_back({version, {}});
        needs[project + " " + version] = {"numpy", torch_pin};
      }
    }
    index.companion_requires = [this, needs, unreadable](
                                   const std::string& project, const CompanionWheel& w,
                                   std::string* error) -> std::optional<std::vector<std::string>> {
      ++reads[project];
      if (std::find(unreadable.begin(), unreadable.end(), w.version) != unreadable.end()) {
        *error = w.version + ": HTTP 416";
        return std::nullopt;
      }
      return needs.at(project + " " + w.version);
    };
  }
};

InstallPlan Plan(const std::vector<std::string>& with, const Live& live) {
  InstallRequest req;
  req.framework = "torch";
  req.with = with;
  auto snap = ScenarioMachine("580.65.06", 13000, {{9, 0}}, "3.12.1", "2.36");
  return PlanInstall(req, snap, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts(), &live.index,
                     {});
}

std::string Reasons(const InstallPlan& p) { return util::Join(p.reasons, "\n"); }

TEST(CompanionByMetadata, NewestTorchGetsTheNewestReleaseThatAdmitsIt) {
  Live live({"2.15.0"}, {{"xformers", kXformers}});
  auto plan = Plan({"xformers"}, live);
  ASSERT_TRUE(plan.ok) << plan.error << "\n" << Reasons(plan);
  EXPECT_NE(plan.command.find("'torch==2.15.0' 'xformers==0.0.35'"), std::string::npos)
      << plan.command;
  EXPECT_NE(Reasons(plan).find("xformers 0.0.35 declares torch>=2.10 (its metadata on the index)"),
            std::string::npos)
      << Reasons(plan);
  EXPECT_EQ(live.reads["xformers"], 1);  // the first release answered: nothing else read
  // torch from PyTorch's index, which carries no xformers: pip asks PyPI for it too.
  Live variant({"2.15.0"}, {{"xformers", kXformers}});
  variant.index.torch[0].version = "2.15.0+cu128";
  variant.index.torch[0].user_index = false;
  variant.index.torch[0].index_url = "https://download.pytorch.org/whl/cu128";
  plan = Plan({"xformers"}, variant);
  ASSERT_TRUE(plan.ok) << plan.error;
  EXPECT_TRUE(plan.command.ends_with(
      "'torch==2.15.0+cu128' 'xformers==0.0.35' --index-url https://download.pytorch.org/whl/cu128 "
      "--extra-index-url https://pypi.org/simple"))
      << plan.command;
}

TEST(CompanionByMetadata, AnOlderTorchWalksBackToItsPinAndNoFurther) {
  Live live({"2.8.0"}, {{"xformers", kXformers}});
  auto plan = Plan({"xformers"}, live);
  ASSERT_TRUE(plan.ok) << plan.error << "\n" << Reasons(plan);
  EXPECT_NE(plan.command.find("'torch==2.8.0' 'xformers==0.0.32.post2'"), std::string::npos)
      << plan.command;
  EXPECT_EQ(live.reads["xformers"], 5);  // 0.0.35 down to 0.0.32.post2
  // A torch no release pins, between two that are: each release pins one torch, and below
  // 2.7.1's (which pins a lower one) none will, so the walk stops there.
  Live gap({"2.7.2"}, {{"xformers", kXformers}});
  plan = Plan({"xformers"}, gap);
  ASSERT_FALSE(plan.ok);
  EXPECT_NE(
      plan.error.find("torch 2.7.2 passed over: no xformers release on the index declares it"),
      std::string::npos)
      << plan.error;
  EXPECT_EQ(gap.reads["xformers"], 6);
}

TEST(CompanionByMetadata, ATorchWithoutItsCompanionIsPassedOverForTheNewestThatHasOne) {
  // vllm pins one torch per release; torch 2.16.0 has none yet.
  Live live({"2.16.0", "2.15.0", "2.14.1"},
            {{"vllm", {{"0.33.0", "torch==2.15.0"}, {"0.32.0", "torch==2.13.0"}}},
             {"xformers", kXformers}});
  auto plan = Plan({"vllm", "xformers"}, live);
  ASSERT_TRUE(plan.ok) << plan.error << "\n" << Reasons(plan);
  EXPECT_NE(plan.command.find("'torch==2.15.0' 'vllm==0.33.0' 'xformers==0.0.35'"),
            std::string::npos)
      << plan.command;
  ASSERT_FALSE(plan.reasons.empty());
  EXPECT_EQ(plan.reasons.front(),
            "torch 2.16.0 passed over: no vllm release on the index declares it");
  // The rest of torch's line: vllm and xformers come from PyPI with it.
  EXPECT_EQ(plan.command.find("--index-url"), std::string::npos) << plan.command;
}

TEST(CompanionByMetadata, NoWheelOrNoIndexLeavesItUnpinnedAndSaysWhy) {
  Live live({"2.15.0"}, {{"flash-attn", {}}});
  auto plan = Plan({"flash-attn"}, live);
  ASSERT_TRUE(plan.ok) << plan.error << "\n" << Reasons(plan);
  EXPECT_EQ(plan.command.find("flash"), std::string::npos) << plan.command;
  EXPECT_NE(Reasons(plan).find("flash-attn not pinned: the index has no wheel of it for this host"),
            std::string::npos)
      << Reasons(plan);
  EXPECT_NE(Reasons(plan).find("`python -m pip install --no-build-isolation flash-attn`"),
            std::string::npos)
      << Reasons(plan);
  // Offline: no metadata to read.
  InstallRequest req;
  req.framework = "torch";
  req.with = {"xformers"};
  auto snap = ScenarioMachine("580.65.06", 13000, {{9, 0}}, "3.12.1", "2.36");
  plan = PlanInstall(req, snap, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts());
  ASSERT_TRUE(plan.ok) << plan.error << "\n" << Reasons(plan);
  EXPECT_NE(Reasons(plan).find("xformers not pinned: which release goes with a torch only its "
                               "metadata on the index says, and the index was not asked (offline)"),
            std::string::npos)
      << Reasons(plan);
}

TEST(CompanionByMetadata, UnreadableMetadataStopsAfterThreeAndIsNamed) {
  Live live({"2.8.0"}, {{"xformers", kXformers}}, {"0.0.35", "0.0.34", "0.0.33.post2"});
  auto plan = Plan({"xformers"}, live);
  ASSERT_FALSE(plan.ok);
  EXPECT_NE(plan.error.find("(metadata not read: 0.0.35: HTTP 416; 0.0.34: HTTP 416; "
                            "0.0.33.post2: HTTP 416)"),
            std::string::npos)
      << plan.error;
  EXPECT_EQ(live.reads["xformers"], 3);
}

TEST(RemoteWheel, ContentRangeTotal) {
  EXPECT_EQ(ContentRangeTotal("bytes 31503058-31503157/31503158"), 31503158u);
  EXPECT_FALSE(ContentRangeTotal("bytes 0-99/*"));
  EXPECT_FALSE(ContentRangeTotal("bytes 0-99/12x"));
  EXPECT_FALSE(ContentRangeTotal("items 0-99/100"));
  EXPECT_FALSE(ContentRangeTotal(""));
}

// A hostile directory: METADATA's local header said to lie past the file's end is an error
// that names it, not a read past the bytes.
TEST(RemoteWheel, AMemberOffsetPastTheEndIsAnError) {
  testing::TempTree dir;
  auto made = util::RunCommand(
      {"python3", "-c",
       "import sys, zipfile\n"
       "with zipfile.ZipFile(sys.argv[1], 'w', zipfile.ZIP_DEFLATED) as z:\n"
       "    z.writestr('x-1.dist-info/METADATA', 'Name: x\\nRequires-Dist: torch==2.8.0\\n')\n",
       (dir / "x.whl").string()},
      {});
  ASSERT_TRUE(made.ok()) << made.err;
  std::string file = testing::ReadAll(dir / "x.whl");
  auto ranges = [&](const probe::HttpRequest& r) {
    probe::HttpResponse out;
    out.status = 206;
    const std::size_t first =
        r.range.starts_with("-") ? 0 : std::stoull(r.range.substr(0, r.range.find('-')));
    out.body = file.substr(first);
    out.content_range = "bytes " + std::to_string(first) + "-" + std::to_string(file.size() - 1) +
                        "/" + std::to_string(file.size());
    return out;
  };
  InstallRequest req;
  std::string error;
  auto good = RemoteWheelMetadata("https://h/x-1-py3-none-any.whl", req, ranges, &error);
  ASSERT_TRUE(good) << error;
  EXPECT_NE(good->find("Requires-Dist: torch==2.8.0"), std::string::npos) << *good;
  // The central directory's header: its local-header offset is the 4 bytes at 42.
  const auto header = file.rfind(std::string("PK\x01\x02", 4));
  ASSERT_NE(header, std::string::npos);
  for (int i = 0; i < 4; ++i) file[header + 42 + i] = i == 3 ? '\x7f' : '\xff';
  EXPECT_FALSE(RemoteWheelMetadata("https://h/x-1-py3-none-any.whl", req, ranges, &error));
  EXPECT_NE(error.find("x-1-py3-none-any.whl: METADATA's header at 2147483647 lies past the "
                       "file's end"),
            std::string::npos)
      << error;
}

// The fixture index: xformers with no PEP 658 files, its wheels real zip archives served in
// ranges (tests/index-fixtures/add-packages.py says which shape takes which path).
TEST(CompanionByMetadata, FixtureIndexWheelsAreReadInRanges) {
  auto& server = testing::SharedIndexServer();
  ASSERT_TRUE(server.ok());
  InstallRequest req;
  req.framework = "torch";
  req.arch = "x86_64";
  req.torch_index = server.Url("/torch/whl");
  req.with = {"torchvision", "xformers", "flash-attn"};
  UserIndex user{server.Url("/pypi/simple"), {}, "test"};
  Host host = PythonHost(3, 11);
  int ranged = 0;
  auto fetch = [&](const probe::HttpRequest& r) {
    if (!r.range.empty()) ++ranged;
    return probe::HttpGet(r);
  };
  bool reached = false;
  auto live = FetchTorchBuilds(req, user, BuiltinFrameworkFacts(), host, fetch, &reached);
  ASSERT_TRUE(reached);
  ASSERT_EQ(live.companion_wheels["xformers"].size(), 4u);   // 0.0.28.post1 is cp310 only
  EXPECT_TRUE(live.companion_wheels["flash-attn"].empty());  // an sdist only
  // Each wheel's shape: the newest read from one tail; 0.0.31.post1 from the tail, then its
  // directory, then its METADATA; 0.0.33's host answers no ranges.
  std::string error;
  ranged = 0;
  auto newest = live.companion_requires("xformers", live.companion_wheels["xformers"][0], &error);
  ASSERT_TRUE(newest) << error;
  EXPECT_EQ(util::Join(*newest, "|"), "numpy|torch>=2.10");
  EXPECT_EQ(ranged, 1);
  ranged = 0;
  auto spread = live.companion_requires("xformers", live.companion_wheels["xformers"][3], &error);
  ASSERT_TRUE(spread) << error;
  EXPECT_EQ(util::Join(*spread, "|"), "numpy|torch==2.7.1");
  EXPECT_EQ(ranged, 3);
  auto plain = live.companion_requires("xformers", live.companion_wheels["xformers"][2], &error);
  EXPECT_FALSE(plain);
  EXPECT_NE(error.find("xformers-0.0.33-cp39-abi3-manylinux_2_28_x86_64.whl: the file host "
                       "answered a byte range with the whole file (it serves no ranges)"),
            std::string::npos)
      << error;
  // Read once: asked again, nothing goes out.
  ranged = 0;
  ASSERT_TRUE(live.companion_requires("xformers", live.companion_wheels["xformers"][3], &error));
  EXPECT_EQ(ranged, 0);

  // The plan on an A100 with driver 535: torch 2.15 has no torchvision on the index yet, so
  // 2.7.1, and the xformers that pins it, read past the release whose host answers no ranges.
  auto snap = ScenarioMachine("535.104.05", 12020, {{8, 0}}, "3.11.7", "2.36");
  auto plan =
      PlanInstall(req, snap, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts(), &live, user);
  ASSERT_TRUE(plan.ok) << plan.error << "\n" << Reasons(plan);
  EXPECT_NE(plan.command.find("'torch==2.7.1+cu128' 'torchvision==0.22.1' 'xformers==0.0.31.post1' "
                              "--index-url "),
            std::string::npos)
      << plan.command;
  EXPECT_NE(Reasons(plan).find("xformers 0.0.31.post1 declares torch==2.7.1"), std::string::npos)
      << Reasons(plan);
  // xformers is not on PyTorch's index: the user's index stays in the line (here as pip's extra).
  EXPECT_TRUE(plan.command.ends_with("--extra-index-url " + server.Url("/pypi/simple")))
      << plan.command;
  EXPECT_NE(Reasons(plan).find("flash-attn not pinned: the index has no wheel of it"),
            std::string::npos)
      << Reasons(plan);
}

// PyPI itself (its files answer byte ranges; it offers no PEP 658 file here): the xformers that
// goes with torch 2.8.0, read from the wheels' METADATA, and pip's own resolver as the oracle of
// the printed line (--use-feature=fast-deps: pip reads the wheels' metadata in ranges too, so
// nothing of torch's gigabyte is downloaded). The newest xformers, which declares no 2.8, must
// not resolve beside it.
TEST(OnlinePyPI, XformersForAnOlderTorchResolvesWithPip) {
  probe::HttpRequest ping;
  ping.url = "https://pypi.org/simple/xformers/";
  ping.accept = "application/vnd.pypi.simple.v1+json";
  ping.timeout_seconds = 30;
  if (auto r = probe::HttpGet(ping); r.status != 200)
    DLENV_SKIP_OR_FAIL("PyPI unreachable: " << r.error << " HTTP " << r.status);
  const std::string python = testing::TestEnvsDir() + "/tf/bin/python";
  if (!std::filesystem::exists(python))
    DLENV_SKIP_OR_FAIL(python << " missing (scripts/make-test-envs.sh makes it)");
  InstallRequest req;
  req.framework = "torch";
  req.with = {"xformers"};
  req.timeout_seconds = 60;
  req.python = python;
  Host host = PythonHost(3, 11);
  bool reached = false;
  auto live = FetchTorchBuilds(req, {}, BuiltinFrameworkFacts(), host, probe::HttpGet, &reached);
  ASSERT_TRUE(reached) << util::Join(live.notes, "\n");
  ASSERT_GE(live.companion_wheels["xformers"].size(), 8u);
  // The pick, made torch 2.8.0's PyPI build (CUDA 12.8, as its metadata says).
  std::erase_if(live.torch,
                [](const TorchBuild& b) { return b.version != "2.8.0" || !b.user_index; });
  ASSERT_EQ(live.torch.size(), 1u);
  live.torch[0].variant = "cu128";
  live.torch[0].cuda = util::DottedVersion::Parse("12.8");
  live.torch_index_reached = true;
  auto snap = ScenarioMachine("580.65.06", 13000, {{9, 0}}, "3.11.2", "2.36");
  snap.python_envs[0].executable = python;
  auto plan =
      PlanInstall(req, snap, knowledge::BuiltinKnowledge(), BuiltinFrameworkFacts(), &live, {});
  ASSERT_TRUE(plan.ok) << plan.error << "\n" << Reasons(plan);
  const auto pin = plan.command.find("'xformers==");
  ASSERT_NE(pin, std::string::npos) << plan.command;
  EXPECT_NE(plan.command.find("'torch==2.8.0' 'xformers=="), std::string::npos) << plan.command;
  EXPECT_NE(Reasons(plan).find(" declares torch==2.8.0 (its metadata on the index)"),
            std::string::npos)
      << Reasons(plan);
  const char* second_pass = std::getenv("DLENV_PIP_FIXES_RESOLVED");
  if (second_pass && std::string(second_pass) == "1") return;  // pip resolved it in the first
  auto resolve = [&](const std::string& command) {
    std::string cmd = command;
    cmd.insert(cmd.find(" -m pip install ") + 16,
               "--dry-run --quiet --use-feature=fast-deps --no-input --disable-pip-version-check ");
    util::ChildOptions o = ::dlenv::testing::ToolOptions();
    o.deadline = std::chrono::minutes(5);
    return util::RunCommand({"/bin/sh", "-c", cmd}, o);
  };
  auto ok = resolve(plan.command);
  EXPECT_TRUE(ok.ok()) << plan.command << "\n" << ok.Describe() << "\n" << ok.err;
  std::string newest = plan.command;
  const auto end = newest.find('\'', pin + 1);
  newest.replace(pin, end - pin + 1,
                 "'xformers==" + live.companion_wheels["xformers"].front().version + "'");
  auto conflict = resolve(newest);
  EXPECT_FALSE(conflict.ok()) << newest;
  EXPECT_NE(conflict.err.find("ResolutionImpossible"), std::string::npos) << conflict.err;
}

}  // namespace
}  // namespace dlenv::install
