#include "util/py_literal.h"

#include <gtest/gtest.h>

namespace dlenv::util {
namespace {

TEST(PyLiterals, ReadsTorchVersionPyWithAnnotations) {
  // The shape of torch/version.py from 2.x wheels (tools/generate_torch_version.py).
  auto m = ParsePyLiterals(
      "from typing import Optional\n"
      "\n"
      "__all__ = ['__version__', 'debug', 'cuda', 'git_version', 'hip']\n"
      "__version__ = '2.3.1+cu121'\n"
      "debug = False\n"
      "cuda: Optional[str] = '12.1'\n"
      "git_version = 'd44533f9d073df13895333e70b66f81c513c1889'\n"
      "hip: Optional[str] = None\n");
  EXPECT_EQ(m.names["__version__"].AsString(), "2.3.1+cu121");
  EXPECT_EQ(m.names["debug"].AsBool(), false);
  EXPECT_EQ(m.names["cuda"].AsString(), "12.1");
  EXPECT_EQ(m.names["hip"].kind, PyValue::Kind::kNone);
  EXPECT_EQ(m.names["__all__"].items.size(), 5u);
  EXPECT_TRUE(m.skipped.empty());
}

TEST(PyLiterals, ReadsBuildInfoAsDictLiteralOrderedDictAndItemAssignments) {
  auto a = ParsePyLiterals(
      "\"\"\"Auto-generated module providing information about the build.\"\"\"\n"
      "import collections\n"
      "build_info = collections.OrderedDict([('cuda_version', '11.2'), ('cudnn_version', '8'),\n"
      "    ('cuda_compute_capabilities', ['sm_35', 'sm_50', 'compute_80']), ('is_cuda_build', "
      "True)])\n");
  const PyValue& bi = a.names["build_info"];
  ASSERT_EQ(bi.kind, PyValue::Kind::kDict);
  EXPECT_EQ(bi.Get("cuda_version")->AsString(), "11.2");
  EXPECT_EQ(bi.Get("cuda_compute_capabilities")->items.size(), 3u);
  EXPECT_EQ(bi.Get("is_cuda_build")->AsBool(), true);

  auto b = ParsePyLiterals(
      "build_info = {'cpu_compiler': '/usr/lib/llvm-17/bin/clang', # comment\n"
      "  'is_rocm_build': False, 'msvcp_dll_names': \"msvcp140.dll,\" \"msvcp140_1.dll\",}\n");
  EXPECT_EQ(b.names["build_info"].Get("is_rocm_build")->AsBool(), false);
  EXPECT_EQ(b.names["build_info"].Get("msvcp_dll_names")->AsString(),
            "msvcp140.dll,msvcp140_1.dll");

  auto c = ParsePyLiterals(
      "build_info = collections.OrderedDict()\n"
      "build_info['cuda_version'] = '64_101'\n"
      "build_info['is_cuda_build'] = True\n");
  EXPECT_EQ(c.names["build_info"].Get("cuda_version")->AsString(), "64_101");
  EXPECT_EQ(c.names["build_info"].Get("missing"), nullptr);

  auto d = ParsePyLiterals("build_info = dict(is_cuda_build=False, cuda_version=None)\n");
  EXPECT_EQ(d.names["build_info"].Get("is_cuda_build")->AsBool(), false);
}

TEST(PyLiterals, SkipsWhatIsNotALiteralWithoutGuessing) {
  auto m = ParsePyLiterals(
      "import os\n"
      "version = os.environ.get('X')\n"
      "name = f'torch-{version}'\n"
      "if True:\n"
      "    indented = 'not a module fact'\n"
      "def f(x=1):\n"
      "    return x\n"
      "ok = 'yes'\n"
      "hex_value = 0x1F\n"
      "neg = -3\n"
      "flt = 1.5\n");
  EXPECT_EQ(m.names.count("version"), 0u);
  EXPECT_EQ(m.names.count("name"), 0u);
  EXPECT_EQ(m.names.count("indented"), 0u);
  EXPECT_EQ(m.names.count("flt"), 0u);
  EXPECT_EQ(m.names["ok"].AsString(), "yes");
  EXPECT_EQ(m.names["hex_value"].integer, 31);
  EXPECT_EQ(m.names["neg"].integer, -3);
  EXPECT_EQ(m.skipped.size(), 3u);  // version, name, flt
}

TEST(PyLiterals, LaterNonLiteralBindingHidesEarlierLiteral) {
  auto m = ParsePyLiterals("cuda = '11.8'\ncuda = compute()\n");
  EXPECT_EQ(m.names.count("cuda"), 0u);
}

TEST(PyLiterals, EscapesAndTripleQuotes) {
  auto m =
      ParsePyLiterals("a = 'it\\'s'\nb = r'c:\\path'\nc = '''one\ntwo'''\nd = 'x' \\\n  'y'\n");
  EXPECT_EQ(m.names["a"].AsString(), "it's");
  EXPECT_EQ(m.names["b"].AsString(), "c:\\path");
  EXPECT_EQ(m.names["c"].AsString(), "one\ntwo");
  EXPECT_EQ(m.names["d"].AsString(), "xy");
}

TEST(PyLiterals, HostileInputEndsCleanly) {
  EXPECT_TRUE(ParsePyLiterals("").names.empty());
  EXPECT_TRUE(ParsePyLiterals("x = 'unterminated\n").names.empty());
  EXPECT_TRUE(ParsePyLiterals("x = '''never closed").names.empty());
  EXPECT_TRUE(ParsePyLiterals("x = [[[[").names.empty());
  EXPECT_TRUE(ParsePyLiterals(")))]]]}}} = 1").names.empty());
  EXPECT_TRUE(ParsePyLiterals("x = 99999999999999999999999").names.empty());
  std::string deep = "x = " + std::string(100000, '[') + std::string(100000, ']') + "\n";
  auto m = ParsePyLiterals(deep);
  EXPECT_EQ(m.names.count("x"), 0u);
  EXPECT_EQ(m.skipped.size(), 1u);
}

}  // namespace
}  // namespace dlenv::util
