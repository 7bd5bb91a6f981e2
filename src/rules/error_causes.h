#pragma once
// The join of a recognised error with a machine's facts: which of the signature's causes it
// is on that machine, which facts decided, which had to be assumed, and the fix (the doctor
// finding's own fix when the machine has that finding: one source of fixes). Pure.
//
// The facts a cause's "when" may name (knowledge/data/error_signatures.json):
//   finding:ID                 the machine has doctor finding ID
//   no_driver, driver_loaded   no NVIDIA kernel module, NVML or libcuda answered / one did
//   driver_cuda_is:KEY, driver_cuda_not:KEY, driver_cuda_below:KEY, driver_cuda_at_least:KEY
//                              the driver's CUDA version against the match's value KEY
//                              ("11040", "12.4")
//   gpus_present, no_gpus      the driver lists GPUs / none
//   gpu_sm_is:KEY, gpu_sm_not:KEY   a GPU here has / no GPU here has compute capability sm_KEY
//   gpu_name:REGEX             a GPU's name matches
//   in_container, wsl          the host facts
//   cuda_visible_devices_set   CUDA_VISIBLE_DEVICES is set
//   library_copy:KEY           a (non-stub) copy of the library named by KEY is on the machine
//   package:NAME               an inspected Python environment has distribution NAME
//   not_FACT                   the opposite of FACT (not_in_container, not_package:xformers)

#include <optional>
#include <string>
#include <vector>

#include "model/snapshot.h"
#include "rules/error_signatures.h"

namespace dlenv::rules {

/// The machine a log is judged against, and which parts of it are known: a `doctor --json`
/// report knows everything, a fleet snapshot only GPUs and findings, nothing at all in verify.
struct MachineFacts {
  model::Snapshot snapshot;
  std::string source = "this machine";
  bool driver_known = true;
  bool gpus_known = true;
  bool host_known = true;
  bool libraries_known = true;
  bool findings_known = true;
  bool envs_known = true;  // the Python environments and their packages

  static MachineFacts Unknown();
};

struct CauseVerdict {
  const knowledge::ErrorCause* cause = nullptr;
  std::string says;                       // the cause, its values filled in
  std::vector<std::string> decided_by;    // the facts that held
  std::vector<std::string> assumed;       // facts the machine's data could not tell
  std::vector<std::string> ruled_out;     // other causes, and the fact that excludes each
  std::string finding_id;                 // the doctor finding that covers the cause
  std::optional<model::Finding> finding;  // that finding, when the machine has it
  std::string fix;
};

/// `framework` fills {framework} in the catalogue's fixes ("" lets the match's own text
/// decide, falling back to torch).
CauseVerdict DecideCause(const SignatureMatch& match, const MachineFacts& facts,
                         const std::string& framework);

/// "{name}" replaced by values[name] ("?" when absent); machine.* names come from the facts.
std::string FillTemplate(const std::string& text, const std::map<std::string, std::string>& values);

/// 11040 -> "11.4"; the CUDA version integer of the driver API.
std::string CudaVersionText(int version);

}  // namespace dlenv::rules
