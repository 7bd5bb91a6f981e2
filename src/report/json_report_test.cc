// The --json document is checked against the published schema with an independent
// validator (Debian's python3-jsonschema), on the real binary's output.

#include <gtest/gtest.h>

#include <nlohmann/json.hpp>

#include "testing/temp_tree.h"
#include "testing/tools.h"
#include "util/subprocess.h"

namespace dlenv::report {
namespace {

util::ChildResult Validate(const std::string& document_path) {
  const std::string script =
      "import json, sys, jsonschema\n"
      "schema = json.load(open(sys.argv[1]))\n"
      "jsonschema.Draft202012Validator.check_schema(schema)\n"
      "jsonschema.validate(json.load(open(sys.argv[2])), schema, "
      "cls=jsonschema.Draft202012Validator)\n";
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  return util::RunCommand(
      {"/usr/bin/python3", "-c", script,
       std::string(DLENV_SOURCE_DIR) + "/schema/doctor.schema.json", document_path},
      o);
}

TEST(JsonReport, DoctorOutputValidatesAgainstSchema) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  auto doctor = util::RunCommand({DLENV_BINARY, "doctor", "--json"}, o);
  ASSERT_EQ(doctor.outcome, util::ChildResult::Outcome::kExited) << doctor.Describe();
  ASSERT_LE(doctor.exit_code, 1) << doctor.err;
  testing::TempTree t;
  auto path = t.Write("doctor.json", doctor.out);
  auto v = Validate(path.string());
  EXPECT_TRUE(v.ok()) << v.Describe() << "\n" << v.err;
}

TEST(JsonReport, SchemaRejectsDocumentWithoutFindings) {
  util::ChildOptions o = ::dlenv::testing::ToolOptions();
  o.deadline = std::chrono::seconds(60);
  auto doctor = util::RunCommand({DLENV_BINARY, "doctor", "--json"}, o);
  auto doc = nlohmann::json::parse(doctor.out);
  doc.erase("findings");
  testing::TempTree t;
  auto path = t.Write("doctor.json", doc.dump());
  auto v = Validate(path.string());
  EXPECT_EQ(v.outcome, util::ChildResult::Outcome::kExited);
  EXPECT_NE(v.exit_code, 0);
  EXPECT_NE(v.err.find("findings"), std::string::npos) << v.err;
}

}  // namespace
}  // namespace dlenv::report
