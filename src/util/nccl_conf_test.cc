// nccl.conf's reader against the real NCCL: the library from NVIDIA's nvidia-nccl wheel reads
// a file through NCCL_CONF_FILE when ncclGetUniqueId initialises it (no GPU is needed for
// that), and what it then leaves in the process's environment is what dlenv must have read.

#include "util/nccl_conf.h"

#include <gtest/gtest.h>

#include <map>
#include <nlohmann/json.hpp>

#include "testing/nvidia_files.h"
#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::util {
namespace {

// Lines NCCL reads in ways a reader that trims would not: a comment only at column 0, names
// and values untrimmed, the first '=' splits, CR kept, the first setting of a name wins.
constexpr std::string_view kTricky =
    "NCCL_P2P_DISABLE=1\n"
    "#NCCL_IB_DISABLE=1\n"
    "NCCL_DEBUG = INFO\n"
    "  NCCL_ALGO=Ring\n"
    "NCCL_P2P_DISABLE=0\n"
    "NCCL_SOCKET_IFNAME=eth0=x\r\n"
    "=novar\n"
    "NCCL_PROTO\n"
    "\n"
    "NCCL_NET_GDR_LEVEL=";

TEST(NcclConf, ReadsLinesAsNcclDoes) {
  const auto got = ParseNcclConf(kTricky);
  std::vector<std::pair<std::string, std::string>> pairs;
  for (const auto& s : got) pairs.emplace_back(s.name, s.value);
  EXPECT_EQ(pairs,
            (std::vector<std::pair<std::string, std::string>>{{"NCCL_P2P_DISABLE", "1"},
                                                              {"NCCL_DEBUG ", " INFO"},
                                                              {"  NCCL_ALGO", "Ring"},
                                                              {"NCCL_P2P_DISABLE", "0"},
                                                              {"NCCL_SOCKET_IFNAME", "eth0=x\r"},
                                                              {"NCCL_NET_GDR_LEVEL", ""}}));
  EXPECT_TRUE(IsNcclVariableName("NCCL_P2P_DISABLE"));
  EXPECT_FALSE(IsNcclVariableName("NCCL_DEBUG "));
  EXPECT_FALSE(IsNcclVariableName("  NCCL_ALGO"));
  EXPECT_FALSE(IsNcclVariableName("NCCL_"));
  // NCCL's 1,023-byte buffers; a NUL ends the line as it ends NCCL's C string.
  const auto long_value = ParseNcclConf("NCCL_X=" + std::string(5000, 'v') + "\n");
  ASSERT_EQ(long_value.size(), 1u);
  EXPECT_EQ(long_value[0].value.size(), 1023u);
  EXPECT_TRUE(ParseNcclConf(std::string_view("NCCL_Y\0=1\n", 10)).empty());
}

TEST(NcclConf, TheRealNcclSetsWhatTheReaderReads) {
  DLENV_NVIDIA_FILES_OR_SKIP(nv);
  const auto nccl = nv.lib() / "libnccl.so.2";
  ASSERT_TRUE(std::filesystem::exists(nccl)) << nccl;
  testing::TempTree t;
  const auto conf = t.Write("/nccl.conf", std::string(kTricky));
  std::map<std::string, std::string> first;  // setenv(..., 0): the first one stays
  for (const auto& s : ParseNcclConf(kTricky)) first.emplace(s.name, s.value);
  nlohmann::json names = nlohmann::json::array();
  for (const auto& [name, value] : first) names.push_back(name);
  for (const char* absent :
       {"NCCL_IB_DISABLE", "#NCCL_IB_DISABLE", "NCCL_DEBUG", "NCCL_ALGO", "NCCL_PROTO"})
    names.push_back(absent);
  const auto script = t.Write("/oracle.py", R"(import ctypes, json, sys
nccl = ctypes.CDLL(sys.argv[1])
libc = ctypes.CDLL(None)
libc.getenv.restype = ctypes.c_char_p
unique_id = (ctypes.c_char * 128)()
rc = nccl.ncclGetUniqueId(ctypes.byref(unique_id))
out = {}
for name in json.loads(sys.argv[2]):
    v = libc.getenv(name.encode())
    out[name] = None if v is None else v.decode("latin-1")
print(json.dumps({"rc": rc, "env": out}))
)");
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  o.env = {
      {"NCCL_CONF_FILE", conf.string()}, {"PATH", "/usr/bin:/bin"}, {"HOME", t.path().string()}};
  auto r = RunCommand({"python3", script.string(), nccl.string(), names.dump()}, o);
  ASSERT_TRUE(r.ok()) << r.Describe() << r.err;
  const auto j = nlohmann::json::parse(r.out);
  // ncclGetUniqueId reads the files first; its result (5, ncclInvalidUsage, here: no interface
  // is named eth0=x) does not matter, the variables it set do.
  ASSERT_TRUE(j.at("rc").is_number()) << r.out;
  for (const auto& [name, value] : first) {
    ASSERT_TRUE(j["env"][name].is_string()) << name << ": NCCL did not set it; " << r.out;
    EXPECT_EQ(j["env"][name].get<std::string>(), value) << name;
  }
  for (const char* absent :
       {"NCCL_IB_DISABLE", "#NCCL_IB_DISABLE", "NCCL_DEBUG", "NCCL_ALGO", "NCCL_PROTO"})
    EXPECT_TRUE(j["env"][absent].is_null()) << absent << " " << r.out;
}

}  // namespace
}  // namespace dlenv::util
