#!/usr/bin/env python3
# Writes src/knowledge/data/error_signatures.json (the catalogue dlenv explain and verify read):
#   python3 scripts/gen-error-signatures.py > src/knowledge/data/error_signatures.json
# The JSON is the data of record; this script only keeps the many shared fix texts in one place.
import json
T = "tests/error-texts/"
DRIVER_FIX = "Install a newer NVIDIA driver and reboot: `sudo ubuntu-drivers install` (Ubuntu) or `sudo apt-get install nvidia-driver` (Debian); `dlenv install {framework}` prints a build this driver can run instead"
S = []
def sig(id, title, layer, configuration, patterns, causes, decided_by, confirm="dlenv verify", hint=None):
    d = {"id": id, "title": title, "layer": layer, "configuration": configuration,
         "patterns": patterns, "decided_by": decided_by, "causes": causes, "confirm": confirm}
    if hint: d["hint"] = hint
    S.append(d)
def pat(literal, regex, framework, versions, source, extracts=None):
    p = {"literal": literal, "regex": regex, "framework": framework, "versions": versions, "source": source}
    if extracts: p["extracts"] = extracts
    return p
def cause(id, says, when=None, finding=None, fix=None):
    c = {"id": id, "says": says, "when": when or []}
    if finding: c["finding"] = finding
    if fix: c["fix"] = fix
    return c

C10 = "pytorch/pytorch c10/cuda/CUDAFunctions.cpp (v2.15.0)"
CUDART = "CUDA runtime cudaGetErrorString (cuda_runtime_api.h, CUDA 13.0)"
NOT_HERE_DRIVER = cause("log_from_elsewhere", "the machine judged has a working driver, so the log was written where none was loaded (another machine or container, or before the driver was installed)", ["driver_loaded"], fix="Run `dlenv explain --from REPORT.json` with `dlenv doctor --json` from the machine that wrote the log")

NO_DRIVER_HERE = cause("no_driver_here", "this machine has no NVIDIA driver loaded, so the log comes from a machine that has one", ["no_driver"], fix="Judge the log against the machine that wrote it: `dlenv doctor --json > report.json` there, then `dlenv explain --from report.json LOG`")
# ---------------- driver ----------------
sig("torch.no_driver", "torch found no NVIDIA driver", "driver", True,
    [pat("Found no NVIDIA driver on your system", r"Found no NVIDIA driver on your system", "torch", "1.0 and later", C10 + "; captured: " + T + "torch-2.15.0-no-driver.txt")],
    [cause("container_without_gpus", "the container was started without the GPUs (no --gpus / NVIDIA runtime)", ["in_container", "no_driver"], "container.gpu_not_passed",
           "Start the container with `docker run --gpus all ...` (NVIDIA Container Toolkit on the host)"),
     cause("no_driver", "no NVIDIA driver is loaded on this machine", ["no_driver"], "driver.not_found",
           "Install the NVIDIA driver: `sudo ubuntu-drivers install` (Ubuntu) or `sudo apt-get install nvidia-driver` (Debian), then reboot"),
     NOT_HERE_DRIVER,
     cause("driver_missing", "no NVIDIA driver was loaded where the log was written", [], "driver.not_found",
           "Install the NVIDIA driver: `sudo ubuntu-drivers install` (Ubuntu) or `sudo apt-get install nvidia-driver` (Debian), then reboot")],
    "whether the machine has an NVIDIA driver loaded, and whether it is a container")
sig("cuda.insufficient_driver", "CUDA driver version is insufficient for CUDA runtime version", "driver", True,
    [pat("CUDA driver version is insufficient for CUDA runtime version", r"CUDA driver version is insufficient for CUDA runtime version", "CUDA runtime (torch, TensorFlow, CuPy, JAX)", "CUDA 8.0 and later",
         CUDART + " for cudaErrorInsufficientDriver (35); captured from CuPy: " + T + "cupy-14.2.0-no-driver.txt, " + T + "cupy-14.2.0-driver-too-old.txt"),
     pat("cudaErrorInsufficientDriver", r"cudaErrorInsufficientDriver", "CuPy", "all", "cupy cupy_backends/cuda/api/runtime.pyx (14.2.0): the error name before the text; captured: " + T + "cupy-14.2.0-no-driver.txt")],
    [cause("no_driver", "no NVIDIA driver is loaded: the CUDA runtime reports a missing libcuda as an insufficient driver", ["no_driver"], "driver.not_found",
           "Install the NVIDIA driver: `sudo ubuntu-drivers install` (Ubuntu) or `sudo apt-get install nvidia-driver` (Debian), then reboot"),
     cause("driver_too_old", "the driver is older than the CUDA runtime the framework was built with", ["finding:driver.too_old"], "driver.too_old", DRIVER_FIX),
     cause("stub_libcuda", "the CUDA toolkit's stub libcuda.so is loaded instead of the driver's", ["finding:driver.stub_library"], "driver.stub_library",
           "Remove the toolkit's stubs folder from LD_LIBRARY_PATH (`echo $LD_LIBRARY_PATH`)"),
     cause("runtime_newer_than_driver", "the framework's CUDA runtime is newer than the driver (no framework build on this machine was found too new: the job's environment may not be the one dlenv inspected; use --python)", [], "driver.too_old", DRIVER_FIX)],
    "whether a driver is loaded, doctor's driver.too_old and driver.stub_library findings")
sig("torch.driver_too_old", "torch: the NVIDIA driver is too old (found version N)", "driver", True,
    [pat("driver on your system is too old", r"NVIDIA driver on your system is too old \(found version (\d+)\)", "torch", "1.0 and later", C10 + "; captured on the fake driver: " + T + "torch-2.15.0-driver-too-old.txt", ["found_version"])],
    [cause("driver_older_than_build", "this machine's driver (CUDA {found_version}) is older than the CUDA this torch was built for", ["driver_cuda_is:found_version", "finding:driver.too_old"], "driver.too_old", DRIVER_FIX),
     cause("driver_older_than_build_other_env", "this machine's driver (CUDA {found_version}) is older than the CUDA the job's torch was built for (the environment dlenv inspected does not hold that torch: pass --python)", ["driver_cuda_is:found_version"], "driver.too_old", DRIVER_FIX),
     cause("driver_changed", "the log's driver (CUDA {found_version}) is not this machine's (CUDA {machine.driver_cuda}): the log comes from another machine, or the driver was upgraded since", ["driver_cuda_not:found_version"],
           fix="Run the job again here, or judge the log with `dlenv explain --from REPORT.json` from the machine that wrote it"),
     cause("driver_too_old", "the driver that wrote the log (CUDA {found_version}) is older than the CUDA this torch was built for", [], "driver.too_old", DRIVER_FIX)],
    "the driver's CUDA version on the machine against the one torch found (found version N)")
sig("nvml.driver_library_mismatch", "NVML: Driver/library version mismatch", "driver", True,
    [pat("Driver/library version mismatch", r"Driver/library version mismatch", "NVML (nvidia-smi, torch, pynvml)", "all", "NVML nvmlErrorString(NVML_ERROR_LIB_RM_VERSION_MISMATCH) (nvml.h, driver 550); nvidia-smi prints 'Failed to initialize NVML: Driver/library version mismatch'")],
    [cause("driver_upgraded_without_reboot", "the driver's user-space libraries were upgraded but the old kernel module is still loaded", ["finding:driver.version_mismatch"], "driver.version_mismatch",
           "Reboot, or reload the module: `sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia`"),
     cause("container_libraries_differ", "the container brings its own driver libraries that differ from the host's kernel module", ["in_container"],
           fix="Remove the driver libraries (libnvidia-ml.so.*, libcuda.so.*) installed in the image; the NVIDIA Container Toolkit mounts the host's at run time"),
     cause("mismatch", "the driver's user-space libraries and the loaded kernel module come from different releases", [], "driver.version_mismatch",
           "Reboot, or reload the module: `sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia`")],
    "doctor's driver.version_mismatch (kernel module version against libnvidia-ml's), container")
sig("cuda.unsupported_display_driver", "CUDA: system has unsupported display driver / cuda driver combination", "driver", True,
    [pat("unsupported display driver / cuda driver combination", r"system has unsupported display driver / cuda driver combination", "CUDA runtime (torch, CuPy, TensorFlow)", "CUDA 11.1 and later",
         CUDART + " for cudaErrorSystemDriverMismatch (803); captured on the fake driver (cuInit returns 803): " + T + "torch-2.15.0-cuinit-803.txt"),
     pat("CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", r"CUDA_ERROR_SYSTEM_DRIVER_MISMATCH", "CUDA driver API (JAX, TensorFlow)", "CUDA 11.1 and later", "cuda.h CUresult 803 (CUDA 13.0)")],
    [NO_DRIVER_HERE,
     cause("driver_upgraded_without_reboot", "libcuda and the loaded kernel module come from different driver releases (upgraded without a reboot)", ["finding:driver.version_mismatch"], "driver.version_mismatch",
           "Reboot, or reload the module: `sudo rmmod nvidia_uvm nvidia_drm nvidia_modeset nvidia && sudo modprobe nvidia`"),
     cause("compat_libcuda_older", "the loader picks a forward-compatibility libcuda (cuda-compat) built from an older driver than the loaded kernel module", ["finding:driver.compat_libcuda_older"], "driver.compat_libcuda_older",
           "Take the compat folder off the loader's path (LD_LIBRARY_PATH, /etc/ld.so.conf.d) and run `sudo ldconfig`; the driver runs its own CUDA and older without it"),
     cause("compat_libcuda", "a forward-compatibility libcuda (cuda-compat, /usr/local/cuda/compat) is loaded on a driver it does not match", [],
           fix="Remove /usr/local/cuda/compat (or the cuda-compat package's folder) from LD_LIBRARY_PATH and /etc/ld.so.conf.d, then `sudo ldconfig`")],
    "doctor's driver.version_mismatch and driver.compat_libcuda_older; otherwise a compat libcuda is assumed")
sig("cuda.system_not_initialized", "CUDA: system not yet initialized (fabric manager)", "driver", True,
    [pat("system not yet initialized", r"system not yet initialized", "CUDA runtime (torch, CuPy)", "CUDA 11.0 and later",
         CUDART + " for cudaErrorSystemNotReady (802); captured on the fake driver (cuInit returns 802): " + T + "torch-2.15.0-cuinit-802.txt"),
     pat("CUDA_ERROR_SYSTEM_NOT_READY", r"CUDA_ERROR_SYSTEM_NOT_READY", "CUDA driver API (JAX, TensorFlow)", "CUDA 11.0 and later", "cuda.h CUresult 802 (CUDA 13.0)")],
    [NO_DRIVER_HERE,
     cause("fabric_manager_nvswitch", "this is an NVSwitch system ({machine.gpu}) and the NVIDIA Fabric Manager is not running, so CUDA cannot start", ["gpu_name:(SXM|HGX|DGX|H100 80GB HBM3|H200|B200|B100|GB200|A100-SXM|A800|H800)"],
           fix="Install and start the Fabric Manager of the driver's exact version: `sudo apt-get install nvidia-fabricmanager-<driver major>` then `sudo systemctl enable --now nvidia-fabricmanager`"),
     cause("fabric_manager", "the GPUs are not ready: on NVSwitch systems (HGX/DGX) the NVIDIA Fabric Manager is not running", [],
           fix="`systemctl status nvidia-fabricmanager`; install the Fabric Manager of the driver's version and `sudo systemctl enable --now nvidia-fabricmanager`")],
    "the GPU model (NVSwitch systems need the Fabric Manager)")
sig("cuda.unknown_error", "CUDA unknown error", "driver", True,
    [pat("CUDA unknown error - this may be due to an incorrectly set up environment", r"CUDA unknown error - this may be due to an incorrectly set up environment", "torch", "1.8 and later",
         C10 + "; captured on the fake driver (cuInit returns 999): " + T + "torch-2.15.0-cuinit-999.txt"),
     pat("cudaErrorUnknown", r"cudaErrorUnknown", "CuPy", "all", "cupy cupy_backends/cuda/api/runtime.pyx (14.2.0): cudaErrorUnknown: unknown error"),
     pat("CUDA_ERROR_UNKNOWN", r"CUDA_ERROR_UNKNOWN", "CUDA driver API (JAX, TensorFlow)", "all", "cuda.h CUresult 999 (CUDA 13.0)")],
    [NO_DRIVER_HERE,
     cause("visible_devices_changed", "CUDA_VISIBLE_DEVICES is set ({machine.cuda_visible_devices}); changing it after the program started CUDA gives this error", ["cuda_visible_devices_set"],
           fix="Set CUDA_VISIBLE_DEVICES before the program starts (in the shell or launcher), never from inside it after CUDA is initialised"),
     cause("uvm_after_suspend", "the nvidia_uvm module is in a bad state, typically after a suspend and resume", [],
           fix="Reload the UVM module: `sudo rmmod nvidia_uvm && sudo modprobe nvidia_uvm` (or reboot); to avoid it, enable the driver's suspend services: `sudo systemctl enable nvidia-suspend nvidia-resume`")],
    "whether CUDA_VISIBLE_DEVICES is set; otherwise the suspend/resume UVM state is assumed")
sig("cuda.forward_compat_unsupported", "CUDA: forward compatibility was attempted on non supported HW", "driver", True,
    [pat("forward compatibility was attempted on non supported HW", r"forward compatibility was attempted on non supported HW", "CUDA runtime (torch, CuPy)", "CUDA 11.1 and later",
         CUDART + " for cudaErrorCompatNotSupportedOnDevice (804); captured on the fake driver (cuInit returns 804): " + T + "torch-2.15.0-cuinit-804.txt")],
    [NO_DRIVER_HERE,
     cause("compat_on_geforce", "a forward-compatibility libcuda (cuda-compat) is in use on a GPU that does not support it (only data-center GPUs do)", [],
           fix="Remove /usr/local/cuda/compat from LD_LIBRARY_PATH and /etc/ld.so.conf.d (`sudo ldconfig` after), or upgrade the driver itself: `sudo ubuntu-drivers install`")],
    "none: the text names the cause")
sig("cuda.no_device", "CUDA sees no GPU", "driver", True,
    [pat("no CUDA-capable device is detected", r"no CUDA-capable device is detected", "CUDA runtime (TensorFlow, CuPy, torch)", "all", CUDART + " for cudaErrorNoDevice (100)"),
     pat("No CUDA GPUs are available", r"No CUDA GPUs are available", "torch", "1.5 and later", "pytorch/pytorch torch/csrc/cuda/Module.cpp (v2.15.0); captured on the fake driver with no GPU: " + T + "torch-2.15.0-no-gpus.txt"),
     pat("CUDA_ERROR_NO_DEVICE", r"CUDA_ERROR_NO_DEVICE", "CUDA driver API (JAX, TensorFlow)", "all", "cuda.h CUresult 100 (CUDA 13.0)")],
    [cause("container_without_gpus", "the container was started without GPUs", ["in_container", "finding:container.gpu_not_passed"], "container.gpu_not_passed", "Start the container with `docker run --gpus all ...`"),
     cause("visible_devices_hide_all", "CUDA_VISIBLE_DEVICES ({machine.cuda_visible_devices}) names no GPU that exists", ["cuda_visible_devices_set", "finding:gpu.none_visible"], "gpu.none_visible",
           "Unset CUDA_VISIBLE_DEVICES or set it to indices or UUIDs `nvidia-smi -L` lists"),
     cause("no_driver", "no NVIDIA driver is loaded", ["no_driver"], "driver.not_found", "Install the NVIDIA driver and reboot: `sudo ubuntu-drivers install` (Ubuntu) or `sudo apt-get install nvidia-driver` (Debian)"),
     cause("gpus_here", "this machine's driver sees GPUs ({machine.gpu}); the job ran with none visible (CUDA_VISIBLE_DEVICES, a scheduler's allocation, or another machine)", ["gpus_present"],
           fix="Check the job's CUDA_VISIBLE_DEVICES and GPU allocation (`srun --gpus=1`, `docker run --gpus all`); `nvidia-smi -L` lists the GPUs"),
     cause("no_gpu", "no GPU is visible to CUDA", [], "gpu.none_visible", "Check `nvidia-smi -L`, CUDA_VISIBLE_DEVICES and the device nodes (`ls -l /dev/nvidia*`)")],
    "container, CUDA_VISIBLE_DEVICES, whether a driver is loaded, the GPUs the driver lists")
sig("cuda.devices_busy", "CUDA-capable device(s) is/are busy or unavailable", "driver", True,
    [pat("is/are busy or unavailable", r"CUDA-capable device\(s\) is/are busy or unavailable", "CUDA runtime (torch, CuPy, TensorFlow)", "all",
         CUDART + " for cudaErrorDevicesUnavailable (46); captured on the fake driver (cuInit returns 46): " + T + "torch-2.15.0-cuinit-46.txt"),
     pat("CUDA_ERROR_DEVICE_UNAVAILABLE", r"CUDA_ERROR_DEVICE_UNAVAILABLE", "CUDA driver API", "all", "cuda.h CUresult 46 (CUDA 13.0)")],
    [NO_DRIVER_HERE,
     cause("exclusive_compute_mode", "the GPU is in an exclusive or prohibited compute mode and another process holds it (or it is a MIG parent without instances)", [],
           fix="See the mode and the holder: `nvidia-smi --query-gpu=index,compute_mode --format=csv` and `nvidia-smi`; set the default mode with `sudo nvidia-smi -c DEFAULT`")],
    "none here: the compute mode is not in the snapshot")
sig("cuda.os_call_failed", "CUDA: OS call failed or operation not supported on this OS", "driver", True,
    [pat("OS call failed or operation not supported on this OS", r"OS call failed or operation not supported on this OS", "CUDA runtime (torch, CuPy)", "all",
         CUDART + " for cudaErrorOperatingSystem (304); captured on the fake driver (cuInit returns 304): " + T + "torch-2.15.0-cuinit-304.txt")],
    [NO_DRIVER_HERE,
     cause("container_devices", "the container sees the driver but not all of its device nodes (/dev/nvidia-uvm, /dev/nvidiactl)", ["in_container"], "container.gpu_not_passed",
           "Start the container with the NVIDIA runtime (`docker run --gpus all`) rather than passing /dev/nvidia0 alone"),
     cause("device_permissions", "this user cannot open the NVIDIA device nodes, or /dev/nvidia-uvm is missing", [],
           fix="`ls -l /dev/nvidia*`: create the UVM node with `sudo nvidia-modprobe -u -c=0`, and add the user to the group owning the nodes (`sudo usermod -aG video $USER`)")],
    "container; otherwise the device nodes are assumed")
sig("cuda.api_not_supported", "CUDA: API call is not supported in the installed CUDA driver", "driver", True,
    [pat("API call is not supported in the installed CUDA driver", r"API call is not supported in the installed CUDA driver", "CUDA runtime (torch, CuPy)", "CUDA 10.0 and later",
         CUDART + " for cudaErrorNotSupported... (36, cudaErrorCallRequiresNewerDriver); captured on the fake driver: " + T + "torch-2.15.0-api-not-supported.txt")],
    [NO_DRIVER_HERE,
     cause("driver_too_old", "the driver is older than the CUDA runtime and lacks an entry point it calls", ["finding:driver.too_old"], "driver.too_old", DRIVER_FIX),
     cause("foreign_libcuda", "the libcuda that loaded lacks entry points the CUDA runtime needs (an old driver, or a libcuda that is not NVIDIA's: an emulator, a stub)", [],
           fix="Check which libcuda loads: `dlenv doctor` (driver section) and `ldconfig -p | grep libcuda`; install a current NVIDIA driver")],
    "doctor's driver.too_old")
sig("cuda.stub_library", "CUDA driver is a stub library", "driver", True,
    [pat("CUDA driver is a stub library", r"CUDA driver is a stub library", "CUDA runtime", "CUDA 11.1 and later", CUDART + " for cudaErrorStubLibrary (34)"),
     pat("CUDA_ERROR_STUB_LIBRARY", r"CUDA_ERROR_STUB_LIBRARY", "CUDA driver API (JAX, TensorFlow)", "CUDA 11.1 and later", "cuda.h CUresult 34 (CUDA 13.0)")],
    [cause("stubs_on_path", "the toolkit's stubs folder is on LD_LIBRARY_PATH, so its libcuda.so stub loads before the driver's", ["finding:toolkit.stubs_on_library_path"], "toolkit.stubs_on_library_path",
           "Remove .../lib64/stubs from LD_LIBRARY_PATH"),
     cause("stub_loaded", "the CUDA toolkit's stub libcuda loads instead of the driver's", ["finding:driver.stub_library"], "driver.stub_library", "Remove the toolkit's stubs folder from LD_LIBRARY_PATH"),
     cause("no_driver", "no NVIDIA driver is installed, so only the toolkit's stub libcuda could be found", ["no_driver"], "driver.not_found", "Install the NVIDIA driver: `sudo ubuntu-drivers install`"),
     cause("stub", "a stub libcuda.so (from a CUDA toolkit's stubs folder) loaded instead of the driver's", [], fix="Remove any .../stubs folder from LD_LIBRARY_PATH (`echo $LD_LIBRARY_PATH`)")],
    "doctor's toolkit.stubs_on_library_path and driver.stub_library, whether a driver is loaded")
sig("driver.libcuda_missing", "libcuda.so.1 cannot be opened", "driver", True,
    [pat("cannot open shared object file", r"(libcuda\.so(?:\.1)?): cannot open shared object file", "any (dlerror)", "all", "glibc dlerror: '%s: cannot open shared object file: No such file or directory' (elf/dl-load.c)", ["soname"])],
    [cause("container_without_gpus", "the container was started without the NVIDIA runtime, so the host's libcuda is not mounted", ["in_container"], "container.gpu_not_passed", "Start the container with `docker run --gpus all ...`"),
     cause("no_driver", "no NVIDIA driver is installed: libcuda.so.1 is the driver's own library", ["no_driver"], "driver.not_found", "Install the NVIDIA driver: `sudo ubuntu-drivers install` (Ubuntu) or `sudo apt-get install nvidia-driver` (Debian)"),
     NOT_HERE_DRIVER,
     cause("driver_missing", "no NVIDIA driver was installed where the log was written", [], "driver.not_found", "Install the NVIDIA driver: `sudo ubuntu-drivers install`")],
    "container, whether a driver is loaded")
sig("driver.nvml_missing", "NVML library not found", "driver", True,
    [pat("libnvidia-ml.so", r"(libnvidia-ml\.so(?:\.1)?): cannot open shared object file", "any (dlerror)", "all", "glibc dlerror (elf/dl-load.c)", ["soname"]),
     pat("NVML Shared Library Not Found", r"NVML Shared Library Not Found", "pynvml / nvidia-ml-py", "all", "nvidia-ml-py pynvml.py (12.560): NVMLError_LibraryNotFound string")],
    [cause("container_without_gpus", "the container was started without the NVIDIA runtime, so the host's libnvidia-ml is not mounted", ["in_container"], "container.gpu_not_passed", "Start the container with `docker run --gpus all ...`"),
     cause("no_driver", "no NVIDIA driver is installed (libnvidia-ml.so.1 is part of it)", ["no_driver"], "driver.not_found", "Install the NVIDIA driver: `sudo ubuntu-drivers install`"),
     NOT_HERE_DRIVER,
     cause("driver_missing", "no NVIDIA driver was installed where the log was written", [], "driver.not_found", "Install the NVIDIA driver: `sudo ubuntu-drivers install`")],
    "container, whether a driver is loaded")
sig("driver.smi_no_communication", "nvidia-smi couldn't communicate with the NVIDIA driver", "driver", True,
    [pat("couldn't communicate with the NVIDIA driver", r"NVIDIA-SMI has failed because it couldn't communicate with the NVIDIA driver", "nvidia-smi", "all", "nvidia-smi message when the kernel module is not loaded (driver 470-580)")],
    [cause("nouveau", "the nouveau driver holds the GPU, so the NVIDIA kernel module cannot bind", ["finding:driver.nouveau_bound"], "driver.nouveau_bound",
           "Blacklist nouveau: `echo 'blacklist nouveau' | sudo tee /etc/modprobe.d/blacklist-nouveau.conf && sudo update-initramfs -u` and reboot"),
     cause("module_not_loaded", "the NVIDIA kernel module is not loaded (a kernel upgrade without the DKMS module rebuilt, or Secure Boot refusing the unsigned module)", [],
           fix="`sudo modprobe nvidia`; if it fails: `dkms status`, `sudo apt-get install --reinstall nvidia-dkms-<version>`, and check `mokutil --sb-state` for Secure Boot")],
    "doctor's driver.nouveau_bound")

# ---------------- container toolkit ----------------
sig("docker.no_gpu_runtime", "docker: could not select device driver \"\" with capabilities: [[gpu]]", "container", True,
    [pat("could not select device driver", r"could not select device driver \"[^\"]*\" with capabilities: \[\[gpu\]\]", "docker", "19.03 and later", "moby/moby daemon/devices.go (v24): 'could not select device driver %q with capabilities: %v'")],
    [cause("no_driver_on_host", "this host has no NVIDIA driver loaded either: the container toolkit needs it first", ["no_driver", "not_in_container"], "driver.not_found",
           "Install the NVIDIA driver on the host (`sudo ubuntu-drivers install`), reboot, then `sudo apt-get install -y nvidia-container-toolkit && sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker`"),
     cause("toolkit_missing", "Docker has no GPU device driver: the NVIDIA Container Toolkit is not installed or not configured for Docker", [],
           fix="`sudo apt-get install -y nvidia-container-toolkit && sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker`")],
    "none: Docker's configuration is not in the snapshot")
sig("container.cli_nvml_missing", "nvidia-container-cli: load library failed: libnvidia-ml.so.1", "container", True,
    [pat("nvidia-container-cli: initialization error", r"nvidia-container-cli: initialization error: (.*)", "nvidia-container-toolkit", "1.0 and later", "NVIDIA/libnvidia-container src/cli/common.c (v1.17): 'initialization error: %s'", ["detail"])],
    [cause("no_host_driver", "the host has no NVIDIA driver loaded, which the container toolkit needs", ["no_driver"], "driver.not_found", "Install the NVIDIA driver on the host: `sudo ubuntu-drivers install`, then reboot"),
     cause("toolkit_init", "the NVIDIA Container Toolkit could not initialise on the host ({detail})", [], fix="On the host: `nvidia-smi` must work first; then `sudo nvidia-ctk runtime configure --runtime=docker && sudo systemctl restart docker`")],
    "whether the host has a driver")
sig("container.cdi_unresolvable", "unresolvable CDI devices nvidia.com/gpu", "container", True,
    [pat("unresolvable CDI devices", r"unresolvable CDI devices ([\w./=,-]+)", "podman / docker with CDI", "podman 4.1 and later", "cncf-tags/container-device-interface pkg/cdi/cache.go (v0.6): 'unresolvable CDI devices %s'", ["device"])],
    [cause("no_driver_on_host", "this host has no NVIDIA driver loaded, and CDI specifications are generated from the driver", ["no_driver", "not_in_container"], "driver.not_found",
           "Install the NVIDIA driver (`sudo ubuntu-drivers install`), reboot, then `sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml`"),
     cause("cdi_spec_missing", "no CDI specification for {device} exists (it is generated from the installed driver and must be regenerated after every driver upgrade)", [],
           fix="`sudo nvidia-ctk cdi generate --output=/etc/cdi/nvidia.yaml` then `nvidia-ctk cdi list`")],
    "none: the CDI specs are not in the snapshot")
sig("container.cuda_requirement", "nvidia-container-cli: requirement error: unsatisfied condition: cuda>=X", "container", True,
    [pat("unsatisfied condition: cuda", r"unsatisfied condition: cuda\s*>=\s*([\d.]+)", "nvidia-container-toolkit", "1.0 and later", "NVIDIA/libnvidia-container src/cli/common.c (v1.17): 'requirement error: unsatisfied condition: %s' with the image's NVIDIA_REQUIRE_CUDA", ["cuda"])],
    [cause("host_driver_too_old", "the host driver supports CUDA {machine.driver_cuda}, below the image's cuda>={cuda}", ["driver_cuda_below:cuda"],
           fix="Upgrade the host driver (`sudo ubuntu-drivers install`), or use an image built for CUDA {machine.driver_cuda} or older; `NVIDIA_DISABLE_REQUIRE=1` skips the check at your own risk"),
     cause("other_host", "this machine's driver (CUDA {machine.driver_cuda}) meets cuda>={cuda}: the container ran on another host", ["driver_cuda_at_least:cuda"],
           fix="Run `dlenv doctor` on the host that started the container"),
     cause("driver_too_old", "the host driver is older than the image's cuda>={cuda}", [], fix="Upgrade the host driver: `sudo ubuntu-drivers install`, or use an image for an older CUDA")],
    "the host driver's CUDA version against the image's requirement")

# ---------------- libraries ----------------
LIBS = r"lib(?:cudnn|cudart|cublas|cublasLt|cufft|curand|cusolver|cusparse|cusparseLt|nccl|nvrtc|nvinfer|nvJitLink|cupti|cufile|nvshmem_host|nvToolsExt)[A-Za-z_]*\.so(?:\.\d+)*"
CUDA_LIBS_FIX = "Install the CUDA libraries the framework's own metadata requires (`dlenv doctor --python PYTHON` prints the exact `pip install`), or `dlenv install {framework}`"
sig("tf.dso_load_failed", "TensorFlow: Could not load dynamic library", "library", True,
    [pat("Could not load dynamic library", r"Could not load dynamic library '([^']+)'", "TensorFlow / XLA", "2.0 and later", "tensorflow/tensorflow third_party/xla/xla/tsl/platform/default/dso_loader.cc (v2.20): \"Could not load dynamic library '\" << name << \"'; dlerror: \"", ["soname"])],
    [cause("libs_missing", "{soname} is not installed where TensorFlow looks", ["finding:framework.cuda_libs_missing"], "framework.cuda_libs_missing", "Install TensorFlow with its CUDA wheels: `python -m pip install 'tensorflow[and-cuda]'`"),
     cause("on_disk_elsewhere", "{soname} is on this machine but not on the loader's search path", ["library_copy:soname"], fix="Add the folder holding {soname} to LD_LIBRARY_PATH, or `python -m pip install 'tensorflow[and-cuda]'`"),
     cause("not_installed", "{soname} is not installed: TensorFlow was installed without its CUDA wheels", [], "framework.cuda_libs_missing", "`python -m pip install 'tensorflow[and-cuda]'` (pinned to the installed TensorFlow version)")],
    "doctor's framework.cuda_libs_missing, whether a copy of the library exists")
sig("cudnn.sublibrary_load_failed", "cuDNN: Could not load library libcudnn_…", "library", True,
    [pat("Could not load library libcudnn", r"Could not load library (libcudnn\w*\.so(?:\.\d+)*)\. Error: (.*)", "cuDNN 8", "8.0-8.9", "cuDNN 8 loader message (libcudnn.so.8 strings): 'Could not load library %s. Error: %s'", ["soname", "detail"]),
     pat("Unable to load any of", r"Unable to load any of \{(libcudnn[^}]*)\}", "cuDNN 8", "8.0-8.9", "cuDNN 8 loader message (libcudnn.so.8 strings)", ["soname"])],
    [cause("libs_missing", "a cuDNN sub-library ({soname}) is missing", ["finding:framework.cuda_libs_missing"], "framework.cuda_libs_missing", CUDA_LIBS_FIX),
     cause("partial_cudnn", "the cuDNN install is incomplete: {soname} is not beside libcudnn.so", [], "framework.cuda_libs_missing", fix="Reinstall cuDNN as one piece: the `nvidia-cudnn-cu*` wheel the framework pins, or the distribution's cuDNN package")],
    "doctor's framework.cuda_libs_missing")
sig("lib.cannot_open", "a CUDA library cannot be opened", "library", True,
    [pat("cannot open shared object file", r"(" + LIBS + r"): cannot open shared object file", "any (dlerror): torch, TensorFlow, ONNX Runtime, CuPy", "all", "glibc dlerror: '%s: cannot open shared object file: No such file or directory' (elf/dl-load.c)", ["soname"])],
    [cause("libs_missing", "{soname} is not where the framework's loader looks", ["finding:framework.cuda_libs_missing"], "framework.cuda_libs_missing", CUDA_LIBS_FIX),
     cause("on_disk_elsewhere", "{soname} is on this machine but not on the loader's search path", ["library_copy:soname"],
           fix="Add the folder holding {soname} (`dlenv doctor` lists it) to LD_LIBRARY_PATH, or install the pip wheel that ships it beside the framework"),
     cause("not_installed", "{soname} is not installed (the framework's CUDA wheels are missing or the environment differs from the one inspected: pass --python)", [], "framework.cuda_libs_missing",
           "Install the CUDA libraries the framework's own metadata requires, {soname} among them (`dlenv doctor --python PYTHON` prints the exact `pip install`), or `dlenv install {framework}`")],
    "doctor's framework.cuda_libs_missing, whether a copy of the library exists on the machine")
sig("tf.cannot_dlopen_gpu_libs", "TensorFlow: Cannot dlopen some GPU libraries", "library", True,
    [pat("Cannot dlopen some GPU libraries", r"Cannot dlopen some GPU libraries", "TensorFlow", "2.1 and later", "tensorflow/tensorflow tensorflow/core/common_runtime/gpu/gpu_device.cc (v2.20): 'Cannot dlopen some GPU libraries. Please make sure the missing libraries mentioned above are installed properly ...'")],
    [cause("cpu_build", "this TensorFlow is a CPU-only build (tensorflow-cpu)", ["finding:framework.cpu_only_build"], "framework.cpu_only_build", "`python -m pip install 'tensorflow[and-cuda]'`"),
     cause("libs_missing", "CUDA libraries TensorFlow opens at run time are missing", ["finding:framework.cuda_libs_missing"], "framework.cuda_libs_missing", "`python -m pip install 'tensorflow[and-cuda]'`"),
     cause("no_gpu", "this machine has no NVIDIA GPU and driver, so TensorFlow skips the GPU", ["no_driver"], fix="Nothing to fix for CPU work; on a GPU machine install `tensorflow[and-cuda]`"),
     cause("libs_not_installed", "TensorFlow's CUDA libraries are not installed (it was installed without [and-cuda])", [], "framework.cuda_libs_missing", "`python -m pip install 'tensorflow[and-cuda]'`")],
    "doctor's framework.cpu_only_build and framework.cuda_libs_missing; whether a driver is loaded")
sig("torch.cudnn_version_incompatible", "torch: cuDNN version incompatibility", "library", True,
    [pat("cuDNN version incompatibility", r"cuDNN version incompatibility: PyTorch was compiled\s+against \((\d+), (\d+), (\d+)\) but found runtime version \((\d+), (\d+), (\d+)\)", "torch", "2.0 and later",
         "pytorch/pytorch torch/backends/cudnn/__init__.py (v2.15.0); captured: " + T + "torch-2.15.0-system-cudnn.txt", ["built_major", "built_minor", "built_patch", "found_major", "found_minor", "found_patch"])],
    [cause("shadowed", "another cuDNN ({found_major}.{found_minor}.{found_patch}) is found before the one torch was built with ({built_major}.{built_minor}.{built_patch})", ["finding:framework.lib_shadowed"], "framework.lib_shadowed",
           "Let torch load its own cuDNN: remove the folder holding the other libcudnn from LD_LIBRARY_PATH, or reinstall the pinned `nvidia-cudnn-cu*` wheel"),
     cause("bundled_missing", "torch's own cuDNN wheel is missing, so the system's cuDNN {found_major}.{found_minor}.{found_patch} loaded instead of {built_major}.{built_minor}.{built_patch}", ["finding:framework.cuda_libs_missing"], "framework.cuda_libs_missing", CUDA_LIBS_FIX),
     cause("other_cudnn", "a cuDNN {found_major}.{found_minor}.{found_patch} (LD_LIBRARY_PATH, the loader cache, a toolkit) loads before the {built_major}.{built_minor}.{built_patch} torch was built with", [],
           fix="Install the cuDNN torch pins (`dlenv doctor --python PYTHON` prints it) and take other cuDNN folders off LD_LIBRARY_PATH")],
    "doctor's framework.lib_shadowed and framework.cuda_libs_missing")
sig("xla.cudnn_version_mismatch", "TensorFlow/JAX: Loaded runtime CuDNN library but source was compiled with", "library", True,
    [pat("Loaded runtime CuDNN library", r"Loaded runtime CuDNN library: ([\d.]+) but source was compiled with: ([\d.]+)", "TensorFlow / JAX (XLA)", "TF 2.4 and later, jaxlib 0.3 and later", "openxla/xla xla/stream_executor/cuda/cuda_dnn.cc (2025): 'Loaded runtime CuDNN library: %s but source was compiled with: %s'", ["found", "built"])],
    [cause("shadowed", "cuDNN {found} loads before the {built} this build needs", ["finding:framework.lib_shadowed"], "framework.lib_shadowed", "Take the older cuDNN's folder off LD_LIBRARY_PATH; install the cuDNN wheel the framework pins"),
     cause("old_cudnn", "the cuDNN that loads ({found}) is older than the one this build was compiled with ({built})", [],
           fix="`python -m pip install -U 'jax[cuda13]'` or `'tensorflow[and-cuda]'` (brings the cuDNN wheel it needs) and remove other cuDNN folders from LD_LIBRARY_PATH")],
    "doctor's framework.lib_shadowed")
sig("nccl.undefined_symbol", "undefined symbol: nccl…", "library", True,
    [pat("undefined symbol: nccl", r"undefined symbol: (nccl\w+)", "torch (libtorch_cuda.so)", "all", "glibc dlerror 'undefined symbol: %s' (elf/dl-lookup.c); captured: " + T + "torch-2.15.0-nccl-undefined-symbol.txt", ["symbol"])],
    [cause("shadowed", "an older libnccl.so.2 without {symbol} loads before the NCCL torch pins", ["finding:framework.lib_shadowed"], "framework.lib_shadowed", "Take the folder of the older libnccl off LD_LIBRARY_PATH; reinstall the NCCL wheel torch pins"),
     cause("wheel_missing", "torch's NCCL wheel is missing, so an older system libnccl.so.2 (without {symbol}) loads instead", ["finding:framework.cuda_libs_missing"], "framework.cuda_libs_missing", CUDA_LIBS_FIX),
     cause("old_nccl", "the libnccl.so.2 that loads is older than the NCCL torch was built with (it lacks {symbol})", [],
           fix="Install the NCCL wheel torch pins (`dlenv doctor --python PYTHON` names it) and remove other NCCL folders from LD_LIBRARY_PATH")],
    "doctor's framework.lib_shadowed and framework.cuda_libs_missing")
sig("lib.cuda_undefined_symbol", "undefined symbol in a CUDA library (cuBLAS, cuDNN, cuSPARSE, nvJitLink, ...)", "library", True,
    [pat("undefined symbol:", r"undefined symbol: ((?:cublas|cublasLt|cudnn|cusparse|cufft|curand|cusolver|nvrtc|__nvJitLink|nvJitLink|cuda)\w*)", "torch, TensorFlow, JAX, CuPy", "all", "glibc dlerror 'undefined symbol: %s' (elf/dl-lookup.c); captured with nvidia-cusparse-cu12 12.1.0.106 beside nvidia-nvjitlink-cu12 12.0.76: " + T + "nvidia-cusparse-cu12-12.1.0.106-nvjitlink-12.0.76-undefined-symbol.txt", ["symbol"])],
    [cause("nvidia_wheels_mismatched", "NVIDIA's library wheels of two CUDA releases are mixed in the environment: one needs {symbol}, which the other's library does not export (doctor names both wheels)", ["finding:env.nvidia_wheels_mismatched"], "env.nvidia_wheels_mismatched",
           "Install the wheel release doctor names: `dlenv doctor --python PYTHON` prints the exact `pip install`"),
     cause("shadowed", "a different version of the library that should provide {symbol} loads first", ["finding:framework.lib_shadowed"], "framework.lib_shadowed", "Take the other library's folder off LD_LIBRARY_PATH"),
     cause("mixed_versions", "CUDA libraries of different releases are mixed (e.g. a cusparse from one CUDA and nvJitLink from another), so {symbol} is missing", [],
           fix="Reinstall the framework's CUDA wheels together at the versions it pins (`dlenv doctor --python PYTHON` prints the command) and remove other CUDA folders from LD_LIBRARY_PATH")],
    "doctor's framework.lib_shadowed")
sig("cudnn.not_initialized", "cuDNN: CUDNN_STATUS_NOT_INITIALIZED", "library", True,
    [pat("CUDNN_STATUS_NOT_INITIALIZED", r"CUDNN_STATUS_NOT_INITIALIZED", "torch / TensorFlow", "all", "cudnn.h cudnnStatus_t 1001 / CUDNN_STATUS_NOT_INITIALIZED (cuDNN 9)"),
     pat("DNN library is not found", r"DNN library is not found", "TensorFlow / JAX (XLA)", "TF 2.x", "openxla/xla xla/stream_executor/cuda/cuda_dnn.cc: 'DNN library is not found.'"),
     pat("DNN library initialization failed", r"DNN library initialization failed", "TensorFlow / JAX (XLA)", "TF 2.x", "openxla/xla xla/stream_executor/cuda/cuda_dnn.cc: 'DNN library initialization failed.'")],
    [cause("shadowed", "a cuDNN of another version loads first", ["finding:framework.lib_shadowed"], "framework.lib_shadowed", "Take the other cuDNN's folder off LD_LIBRARY_PATH"),
     cause("missing", "cuDNN's libraries are missing", ["finding:framework.cuda_libs_missing"], "framework.cuda_libs_missing", CUDA_LIBS_FIX),
     cause("memory_or_version", "cuDNN could not start: usually the GPU's memory is already full (another process, a too-large batch) or the cuDNN does not match the CUDA runtime", [],
           fix="Check `nvidia-smi` for memory use by other processes; reinstall the cuDNN wheel the framework pins (`dlenv doctor --python PYTHON`)")],
    "doctor's framework.lib_shadowed and framework.cuda_libs_missing")
sig("nvrtc.builtins_missing", "NVRTC: failed to open libnvrtc-builtins", "library", True,
    [pat("libnvrtc-builtins", r"failed to open (libnvrtc-builtins\.so(?:\.\d+)*)", "torch (JIT fusers), CuPy", "all", "NVRTC message 'nvrtc: error: failed to open libnvrtc-builtins.so.X.Y' (CUDA 12/13)", ["soname"])],
    [cause("on_disk_elsewhere", "{soname} is on this machine but not where libnvrtc looks for it", ["library_copy:soname"],
           fix="Add the folder holding {soname} (`dlenv doctor` lists it) to LD_LIBRARY_PATH, or install the `nvidia-cuda-nvrtc` wheel of the framework's CUDA"),
     cause("nvrtc_mismatch", "libnvrtc and its builtins library come from different CUDA releases or the builtins are not on the loader path", [],
           fix="Install the matching NVRTC wheel (`nvidia-cuda-nvrtc` of the framework's CUDA) or add the toolkit's lib64 folder to LD_LIBRARY_PATH")],
    "none: the NVRTC pair is not in the snapshot")

# ---------------- builds ----------------
ARCH_FIX = "Install a build compiled for this GPU: `dlenv install {framework}` prints one (compare `dlenv doctor`'s compute capability with the build's arch list)"
sig("cuda.no_kernel_image", "no kernel image is available for execution on the device", "build", True,
    [pat("no kernel image is available for execution on the device", r"no kernel image is available for execution on the device", "CUDA runtime (torch, JAX, TensorFlow, CuPy)", "all", CUDART + " for cudaErrorNoKernelImageForDevice (209)"),
     pat("CUDA_ERROR_NO_BINARY_FOR_GPU", r"CUDA_ERROR_NO_BINARY_FOR_GPU", "CUDA driver API (JAX, TensorFlow)", "all", "cuda.h CUresult 209 (CUDA 13.0)"),
     pat("cudaErrorNoKernelImageForDevice", r"cudaErrorNoKernelImageForDevice", "CuPy", "all", "cupy cupy_backends/cuda/api/runtime.pyx (14.2.0)")],
    [cause("arch_missing", "the framework build has no machine code or PTX for this GPU's compute capability", ["finding:gpu.arch_unsupported"], "gpu.arch_unsupported", ARCH_FIX),
     cause("extension_arch_named", "an extension compiled without code for this GPU (doctor names the package and its architectures)", ["finding:extension.arch_unsupported"], "extension.arch_unsupported",
           "Rebuild the extension for this GPU: `dlenv doctor` prints the exact command"),
     cause("extension_arch", "the framework itself supports this GPU, so the kernel without an image is in an extension or a source build (TORCH_CUDA_ARCH_LIST without this GPU's sm_ value)", ["gpus_present"],
           fix="Rebuild the extension for this GPU: `TORCH_CUDA_ARCH_LIST=\"$(python -c 'import torch;print(\".\".join(map(str,torch.cuda.get_device_capability())))')\" pip install --no-build-isolation --force-reinstall --no-binary :all: PACKAGE`"),
     cause("arch_unsupported", "a library in the job has no code for its GPU's architecture (an old wheel on a new GPU, or a source build that left the GPU out)", [], "gpu.arch_unsupported", ARCH_FIX)],
    "doctor's gpu.arch_unsupported (the build's arch list against each GPU's compute capability)")
sig("torch.sm_not_compatible", "torch: GPU with CUDA capability sm_N is not compatible with the current PyTorch installation", "build", True,
    [pat("is not compatible with the current PyTorch installation", r"(.*?) with CUDA capability sm_(\d+) is not compatible with the current PyTorch installation", "torch", "1.9 and later",
         "pytorch/pytorch torch/cuda/__init__.py _check_capability (v2.15.0, line 502 of the installed wheel)", ["gpu", "sm"])],
    [cause("arch_missing", "this torch has no code for {gpu} (sm_{sm})", ["finding:gpu.arch_unsupported"], "gpu.arch_unsupported", ARCH_FIX),
     cause("this_gpu_other_env", "this machine's GPU is sm_{sm}: the torch that printed this is not the one dlenv inspected (pass --python)", ["gpu_sm_is:sm"], "gpu.arch_unsupported", ARCH_FIX),
     cause("other_machine", "no GPU here is sm_{sm} ({machine.gpu}): the log comes from another machine", ["gpu_sm_not:sm"],
           fix="On the machine with the sm_{sm} GPU: `dlenv install torch` prints a build that supports it (sm_120 needs torch 2.7 with CUDA 12.8 or newer)"),
     cause("arch_unsupported", "this torch build does not include sm_{sm} ({gpu})", [], "gpu.arch_unsupported", ARCH_FIX)],
    "doctor's gpu.arch_unsupported and the compute capability of this machine's GPUs against sm_N")
sig("torch.not_compiled_with_cuda", "torch: Torch not compiled with CUDA enabled", "build", True,
    [pat("Torch not compiled with CUDA enabled", r"Torch not compiled with CUDA enabled", "torch", "0.4 and later", "pytorch/pytorch torch/cuda/__init__.py _lazy_init; captured with Debian python3-torch 1.13.1: " + T + "torch-1.13.1-cpu-cuda.txt")],
    [cause("cpu_build", "this torch is a CPU-only build on a machine with an NVIDIA GPU", ["finding:framework.cpu_only_build"], "framework.cpu_only_build", "`dlenv install torch` prints the CUDA build for this driver"),
     cause("no_gpu_here", "torch is a CPU build, and this machine has no NVIDIA driver or GPU either: the code asks for CUDA on a machine without one", ["no_driver"],
           fix="Run on a GPU machine with a CUDA build of torch, or keep the work on the CPU (`device = 'cuda' if torch.cuda.is_available() else 'cpu'`)"),
     cause("cpu_build_assumed", "the torch that ran is a CPU-only build", [], "framework.cpu_only_build", "`dlenv install torch` prints the CUDA build for this machine's driver")],
    "doctor's framework.cpu_only_build, whether a driver is loaded")
sig("jax.no_gpu_backend", "JAX: Unknown backend 'gpu' requested", "build", True,
    [pat("Unknown backend", r"Unknown backend:? '?(gpu|cuda)'? requested", "JAX", "0.4 and later", "jax-ml/jax jax/_src/xla_bridge.py (0.7.2); captured: " + T + "jax-0.7.2-cpu-gpu-backend.txt", ["backend"]),
     pat("' failed to initialize", r"Backend '(gpu|cuda)' failed to initialize", "JAX", "0.4", "jax-ml/jax jax/_src/xla_bridge.py (0.4.x)", ["backend"])],
    [cause("cpu_jax", "jax has no CUDA plugin here (a CPU-only install)", ["finding:framework.cpu_only_build"], "framework.cpu_only_build", "`python -m pip install -U 'jax[cuda13]'` (or `dlenv install jax`)"),
     cause("no_driver", "this machine has no NVIDIA driver, so no GPU backend can start", ["no_driver"], "driver.not_found", "Install the NVIDIA driver: `sudo ubuntu-drivers install`, or run on a GPU machine"),
     cause("plugin_failed", "jax's CUDA plugin is missing or failed to load (the messages before this say which)", [], fix="`python -m pip install -U 'jax[cuda13]'`; run with `JAX_PLATFORMS=cuda` to see the plugin's own error")],
    "doctor's framework.cpu_only_build, whether a driver is loaded")
sig("jax.cuda_jaxlib_missing", "JAX: a CUDA-enabled jaxlib is not installed", "build", True,
    [pat("CUDA-enabled jaxlib is not installed", r"CUDA-enabled jaxlib is not installed", "JAX", "0.4 and later", "jax-ml/jax jax/_src/xla_bridge.py (0.7.2, line 864 of the installed wheel): 'An NVIDIA GPU may be present on this machine, but a CUDA-enabled jaxlib is not installed. Falling back to cpu.'")],
    [cause("cpu_jax_here", "jax here is a CPU-only install on a machine with an NVIDIA GPU", ["finding:framework.cpu_only_build"], "framework.cpu_only_build",
           "`python -m pip install -U 'jax[cuda13]'`"),
     cause("no_driver_here", "this machine has no NVIDIA driver: jax saw GPU hardware where the log was written", ["no_driver"],
           fix="On the machine that wrote the log: `python -m pip install -U 'jax[cuda13]'` (`dlenv install jax` there picks the CUDA major for its driver)"),
     cause("cpu_jax", "jax is installed without its CUDA plugin on a machine with an NVIDIA GPU", [], "framework.cpu_only_build", "`python -m pip install -U 'jax[cuda13]'` (`dlenv install jax` picks the CUDA major for this driver)")],
    "doctor's framework.cpu_only_build")
sig("jax.backend_init_failed", "JAX: Unable to initialize backend 'cuda'", "build", True,
    [pat("Unable to initialize backend", r"Unable to initialize backend '(cuda|gpu|rocm)': (.*)", "JAX", "0.4 and later", "jax-ml/jax jax/_src/xla_bridge.py (0.7.2, line 819): f\"Unable to initialize backend '{platform}': {err}\"", ["backend", "detail"])],
    [cause("no_driver", "no NVIDIA driver is loaded", ["no_driver"], "driver.not_found", "Install the NVIDIA driver: `sudo ubuntu-drivers install`"),
     cause("driver_too_old", "the driver is older than jax's CUDA plugin needs", ["finding:driver.too_old"], "driver.too_old", DRIVER_FIX),
     cause("libs_missing", "the CUDA plugin's libraries are missing", ["finding:framework.cuda_libs_missing"], "framework.cuda_libs_missing", CUDA_LIBS_FIX),
     cause("plugin_error", "jax's CUDA plugin could not start: {detail}", [], fix="Reinstall jax with its CUDA plugin at one version: `python -m pip install -U 'jax[cuda13]'`; `dlenv doctor` shows the driver and libraries")],
    "whether a driver is loaded; doctor's driver.too_old and framework.cuda_libs_missing")
sig("ptx.unsupported_toolchain", "the provided PTX was compiled with an unsupported toolchain", "build", True,
    [pat("the provided PTX was compiled with an unsupported toolchain", r"the provided PTX was compiled with an unsupported toolchain", "CUDA runtime (torch, triton, CuPy)", "CUDA 11.1 and later", CUDART + " for cudaErrorUnsupportedPtxVersion (222)"),
     pat("CUDA_ERROR_UNSUPPORTED_PTX_VERSION", r"CUDA_ERROR_UNSUPPORTED_PTX_VERSION", "CUDA driver API (JAX, TensorFlow, triton)", "CUDA 11.1 and later", "cuda.h CUresult 222 (CUDA 13.0)")],
    [cause("driver_too_old", "the PTX comes from a newer CUDA than this driver can compile", ["finding:driver.too_old"], "driver.too_old", DRIVER_FIX),
     cause("newer_toolkit", "code was compiled to PTX by a CUDA toolkit newer than the driver (a toolkit, triton's bundled ptxas, or a wheel's JIT)", [], "driver.too_old",
           "Upgrade the driver (`sudo ubuntu-drivers install`) or use a toolkit no newer than the driver's CUDA (`dlenv doctor` shows both)")],
    "doctor's driver.too_old")

# ---------------- companions ----------------
COMPANION = cause("companion_mismatch", "the companion package was built for another torch than the installed one (doctor's companion check agrees)", ["finding:companion.framework_mismatch"], "companion.framework_mismatch",
                  "Install the release made for the installed torch (`dlenv doctor --python PYTHON` prints the exact command)")

sig("torchvision.operator_missing", "torchvision: operator torchvision::nms does not exist", "build", True,
    [pat("operator torchvision::", r"operator torchvision::(\w+) does not exist", "torchvision", "0.15 and later", "pytorch/vision torchvision/_meta_registrations.py registering fakes for ops its _C did not load; captured with torchvision 0.20.1 on torch 2.15.0: " + T + "torchvision-0.20.1-torch-2.15.0-nms.txt" + "; and 0.28.0 on torch 2.15.0: " + T + "torchvision-0.28.0-nms-does-not-exist-torch-2.15.0.txt", ["op"])],
    [COMPANION,
     cause("pair_mismatch", "torchvision's compiled ops were built for another torch release than the installed one", ["package:torchvision"],
           fix="Install torch and torchvision as a released pair: `python -m pip install --upgrade torch torchvision` (or the torchvision release made for your torch, e.g. torch 2.5 with torchvision 0.20)"),
     cause("pair_mismatch_other_env", "torchvision's compiled ops were built for another torch release (the job's environment is not one dlenv inspected, so the pair could not be read: pass --python)", [],
           fix="Install torch and torchvision as a released pair: `python -m pip install --upgrade torch torchvision` (or the torchvision release made for your torch, e.g. torch 2.5 with torchvision 0.20)")],
    "none: torchvision's build is not in the snapshot; the message itself means a torch/torchvision pair that does not match")
sig("torchvision.extension_undefined_symbol", "torchvision: _C.so: undefined symbol (built for another torch)", "build", True,
    [pat("torchvision/_C.so: undefined symbol", r"torchvision/_C\.so: undefined symbol: (\S+)", "torchvision", "all", "glibc dlerror 'undefined symbol: SYMBOL' (elf/dl-lookup.c) on torchvision's extension; captured with torchvision 0.28.0 on torch 2.15.0: " + T + "torchvision-0.28.0-undefined-symbol-torch-2.15.0.txt", ["symbol"])],
    [COMPANION,
     cause("pair_mismatch", "torchvision's extension needs {symbol} from another torch release than the installed one", ["package:torchvision"], fix="Install torch and torchvision as a released pair: `python -m pip install --upgrade torch torchvision` (or the torchvision release made for your torch, e.g. torch 2.5 with torchvision 0.20)"),
     cause("pair_mismatch_other_env", "torchvision's extension was built for another torch release (the job's environment is not one dlenv inspected: pass --python)", [], fix="Install torch and torchvision as a released pair: `python -m pip install --upgrade torch torchvision` (or the torchvision release made for your torch, e.g. torch 2.5 with torchvision 0.20)")],
    "doctor's companion.framework_mismatch; whether an inspected environment has torchvision")
sig("torchvision.image_extension", "torchvision: Failed to load image Python extension", "build", True,
    [pat("Failed to load image Python extension", r"Failed to load image Python extension: (.*)", "torchvision", "0.10 and later", "pytorch/vision torchvision/io/image.py (0.20): warn(f\"Failed to load image Python extension: '{e}'...\")", ["detail"])],
    [cause("not_here", "no environment dlenv inspected has torchvision: the log comes from another environment (pass --python) or machine", ["not_package:torchvision"],
           fix="Run `dlenv explain --python JOB_PYTHON` with the job's interpreter; the usual fix there is `python -m pip install --upgrade torch torchvision`"),
     cause("pair_mismatch", "torchvision's image extension does not load: usually torchvision built for another torch, or a missing libjpeg/libpng ({detail})", [],
           fix="`python -m pip install --upgrade torch torchvision` (a released pair)")],
    "none: the pairing is read from the message")
sig("xformers.built_for_other_torch", "xFormers can't load C++/CUDA extensions", "build", True,
    [pat("xFormers can't load C++/CUDA extensions", r"xFormers can't load C\+\+/CUDA extensions", "xFormers", "0.0.16 and later", "facebookresearch/xformers xformers/_cpp_lib.py (0.0.28); captured with xformers 0.0.35 on torch 2.15.0: " + T + "xformers-0.0.35-cant-load-extensions-torch-2.15.0.txt"),
     pat("(you have", r"PyTorch ([\w.+]+) with CUDA (\w+) \(you have ([\w.+]+)\)", "xFormers", "0.0.16 and later", "facebookresearch/xformers xformers/_cpp_lib.py (0.0.28): '    PyTorch {} with CUDA {} (you have {})'", ["built_torch", "built_cuda", "torch"])],
    [COMPANION,
     cause("not_here", "no environment dlenv inspected has xformers: the log comes from another environment (pass --python) or machine", ["not_package:xformers"],
           fix="Run `dlenv explain --python JOB_PYTHON` with the job's interpreter; the usual fix there is to install the xFormers release made for its torch"),
     cause("other_torch", "xFormers was built for torch {built_torch} but torch {torch} is installed", [],
           fix="Install the xFormers release made for the installed torch: `python -m pip install -U xformers --index-url https://download.pytorch.org/whl/cu128` (the index of your torch's CUDA), or pin torch back to {built_torch}")],
    "none: both versions are in the message")
sig("flash_attn.undefined_symbol", "flash-attn: undefined symbol in flash_attn_2_cuda", "build", True,
    [pat("flash_attn", r"(flash_attn_\w*cuda\w*)\.\S*\.so: undefined symbol: (\S+)", "flash-attn", "2.0 and later", "glibc dlerror 'undefined symbol' on flash_attn_2_cuda.cpython-*.so (Dao-AILab/flash-attention issues)", ["module", "symbol"])],
    [cause("not_here", "no environment dlenv inspected has flash-attn: the log comes from another environment (pass --python) or machine", ["not_package:flash-attn"],
           fix="Run `dlenv explain --python JOB_PYTHON` with the job's interpreter; the usual fix there is `python -m pip install --no-build-isolation --force-reinstall flash-attn`"),
     cause("built_for_other_torch", "flash-attn's extension was compiled against another torch (or C++ ABI) than the installed one", [],
           fix="Rebuild it against the installed torch: `python -m pip install --no-build-isolation --no-cache-dir --force-reinstall flash-attn`")],
    "none: an undefined torch symbol in the extension means another torch build")
sig("torch.extension_undefined_symbol", "undefined symbol: _ZN3c10… (a compiled extension and the installed torch disagree)", "build", True,
    [pat("undefined symbol: _ZN", r"undefined symbol: (_ZNK?(?:3c10|2at|5torch|6caffe2)\w*)", "torch C++ extensions (xformers, vllm, torch_scatter, apex, mmcv, your own)", "all", "glibc dlerror 'undefined symbol: %s' (elf/dl-lookup.c); captured with an extension compiled with -D_GLIBCXX_USE_CXX11_ABI=0 beside torch 2.15.0: " + T + "torch-extension-cxx11-abi0-torch-2.15.0-undefined-symbol.txt", ["symbol"])],
    [cause("cxx11_abi", "the extension was compiled with the other std::string ABI (_GLIBCXX_USE_CXX11_ABI) than the installed torch", ["finding:extension.cxx11_abi_mismatch"], "extension.cxx11_abi_mismatch",
           "Rebuild the extension with torch's flag: `python -m pip install --force-reinstall --no-deps --no-build-isolation --no-binary PACKAGE PACKAGE` (torch.utils.cpp_extension passes -D_GLIBCXX_USE_CXX11_ABI itself)"),
     cause("other_torch", "the extension was compiled against another torch than the installed one", ["finding:extension.undefined_symbols"], "extension.undefined_symbols",
           "Install the extension's release made for the installed torch, or rebuild it against it"),
     cause("built_for_other_torch", "a compiled extension was built against another torch, or with the other C++ ABI, than the one installed", [],
           fix="`dlenv doctor --python JOB_PYTHON` names the extension (extension.undefined_symbols or extension.cxx11_abi_mismatch); install its release made for this torch, or rebuild it against the installed torch: `python -m pip install --force-reinstall --no-deps --no-build-isolation --no-binary PACKAGE PACKAGE`")],
    "doctor's extension findings: which package's objects lack torch symbols, and whether their std::string ABI differs from torch's")
sig("bitsandbytes.no_gpu_support", "bitsandbytes was compiled without GPU support", "build", True,
    [pat("compiled without GPU support", r"bitsandbytes was compiled without GPU support", "bitsandbytes", "0.39 and later", "bitsandbytes-foundation/bitsandbytes bitsandbytes/cextension.py (0.43): 'The installed version of bitsandbytes was compiled without GPU support.'"),
     pat("CUDA Setup failed despite GPU being available", r"CUDA Setup failed despite GPU being available", "bitsandbytes", "0.38-0.42", "bitsandbytes bitsandbytes/cuda_setup/main.py (0.41)")],
    [cause("no_driver", "there is no NVIDIA driver here, so bitsandbytes loaded its CPU library", ["no_driver"], "driver.not_found", "Install the NVIDIA driver, or run on a GPU machine"),
     cause("cuda_lib_not_found", "bitsandbytes found no CUDA runtime it has a library for (or is an old release without one for this CUDA)", [],
           fix="`python -m pip install -U bitsandbytes` (current releases ship libraries for CUDA 11.8-13); `python -m bitsandbytes` prints what it found")],
    "whether a driver is loaded")
sig("triton.ptxas_unknown_arch", "triton/ptxas: Value 'sm_N' is not defined for option 'gpu-name'", "build", True,
    [pat("is not defined for option 'gpu-name'", r"Value 'sm_(\d+)a?' is not defined for option 'gpu-name'", "ptxas (triton, torch.compile)", "all", "NVIDIA ptxas message for an unknown target; captured with triton 3.9.0's bundled ptxas (CUDA 12.9): " + T + "triton-3.9.0-ptxas-12.9-unknown-gpu-name.txt", ["sm"])],
    [cause("triton_release", "the ptxas that this environment's Triton release bundles is older than this GPU (doctor's Triton check agrees)", ["finding:companion.triton_ptxas_unsupported_gpu"], "companion.triton_ptxas_unsupported_gpu",
           "Install a torch whose Triton knows this GPU: `dlenv install torch`"),
     cause("this_gpu", "the ptxas triton uses is older than this GPU (sm_{sm})", ["gpu_sm_is:sm"],
           fix="Upgrade triton with torch (`python -m pip install -U torch triton`) or point TRITON_PTXAS_PATH at a ptxas from a CUDA toolkit that knows sm_{sm}"),
     cause("old_ptxas", "the ptxas in use does not know sm_{sm} (it is older than the GPU)", [],
           fix="Upgrade triton (`python -m pip install -U triton`), or set TRITON_PTXAS_PATH to a newer CUDA toolkit's ptxas")],
    "the GPUs' compute capability against sm_N")

sig("triton.libcuda_not_found", "triton: libcuda.so cannot found / cannot find -lcuda", "library", True,
    [pat("libcuda.so cannot found!", r"libcuda\.so cannot found!", "triton (torch.compile)", "3.0 and later", "triton/backends/nvidia/driver.py libcuda_dirs (3.1.0 to 3.9.0, the same text); captured with triton 3.9.0: " + T + "triton-3.9.0-libcuda-not-found.txt"),
     pat("cannot find -lcuda", r"cannot find -lcuda", "triton 3.1-3.5 (torch.compile), ld", "binutils ld", "GNU ld when -lcuda finds no libcuda.so (Triton 3.1 to 3.5 link their launcher with -lcuda); captured with binutils 2.40: " + T + "gcc-12-cannot-find-lcuda.txt")],
    [cause("triton_lookup", "Triton does not find the driver's libcuda where it looks (TRITON_LIBCUDA_PATH, ld.so.cache, LD_LIBRARY_PATH; doctor's Triton check agrees)", ["finding:companion.triton_libcuda_missing"], "companion.triton_libcuda_missing",
           "Point Triton at the driver's library: `dlenv doctor` prints the exact command"),
     cause("no_driver", "no NVIDIA driver is loaded on this machine, so there is no libcuda for Triton", ["no_driver"], "driver.not_found",
           "Install the NVIDIA driver: `sudo ubuntu-drivers install` (Ubuntu) or `sudo apt-get install nvidia-driver` (Debian), then reboot"),
     cause("not_in_cache", "the driver's libcuda.so.1 is not where Triton looks (no ld.so.cache entry, no TRITON_LIBCUDA_PATH), or the unversioned libcuda.so that Triton 3.1 to 3.5 link is missing", [],
           fix="`sudo ldconfig` when the driver's library folder is in /etc/ld.so.conf, else `export TRITON_LIBCUDA_PATH=FOLDER` (the folder of libcuda.so.1); for Triton 3.1 to 3.5 also `sudo ln -s libcuda.so.1 FOLDER/libcuda.so`")],
    "doctor's companion.triton_libcuda_missing; whether a driver is loaded")
sig("bitsandbytes.cuda_library_missing", "bitsandbytes: CUDA binary not found at .../libbitsandbytes_cudaXYZ.so", "build", True,
    [pat("binary not found at", r"Configured CUDA binary not found at \S*libbitsandbytes_cuda(\d+)\.so", "bitsandbytes", "0.43 to 0.49", "bitsandbytes/cextension.py get_native_library (0.49.2): f\"Configured {BNB_BACKEND} binary not found at {cuda_binary_path}\"; captured with 0.49.2 beside torch 2.15.0+cu132: " + T + "bitsandbytes-0.49.2-binary-not-found-torch-2.15.0.txt", ["variant"]),
     pat("No compatible CUDA binary found at", r"No compatible CUDA binary found at \S*libbitsandbytes_cuda(\d+)\.so", "bitsandbytes", "0.50 and later", "bitsandbytes/cextension.py get_native_library (0.50.2): f\"No compatible {BNB_BACKEND} binary found at {cuda_binary_path}\"; captured with 0.50.2 and BNB_CUDA_VERSION=999: " + T + "bitsandbytes-0.50.2-override-not-found-torch-2.15.0.txt", ["variant"])],
    [cause("override", "BNB_CUDA_VERSION makes bitsandbytes look for a library it does not ship or that cannot run beside torch (doctor agrees)", ["finding:companion.cuda_library_override"], "companion.cuda_library_override", "unset BNB_CUDA_VERSION"),
     cause("no_library", "this bitsandbytes release ships no library for the CUDA of the torch beside it (doctor agrees)", ["finding:companion.cuda_library_missing"], "companion.cuda_library_missing",
           "`python -m pip install --upgrade bitsandbytes`"),
     cause("other_env", "bitsandbytes has no libbitsandbytes_cuda{variant}.so: a release without a library for torch's CUDA, or BNB_CUDA_VERSION naming one it does not ship", [],
           fix="`unset BNB_CUDA_VERSION` if it is set, else `python -m pip install --upgrade bitsandbytes`; `dlenv doctor --python PYTHON` says which")],
    "doctor's companion.cuda_library_missing and companion.cuda_library_override")

# ---------------- NCCL ----------------
sig("nccl.unhandled_cuda_error", "NCCL: unhandled cuda error", "library", True,
    [pat("unhandled cuda error", r"unhandled cuda error", "NCCL (torch.distributed)", "2.x", "NVIDIA/nccl src/misc/utils.cc ncclGetErrorString(ncclUnhandledCudaError) (v2.21)")],
    [NO_DRIVER_HERE,
     cause("cuda_underneath", "a CUDA call inside NCCL failed; the CUDA error above or NCCL_DEBUG=INFO output names it", [],
           fix="Run again with `NCCL_DEBUG=INFO` to see the CUDA error; then `dlenv explain` that output")],
    "none: the CUDA error underneath decides")
sig("nccl.system_error", "NCCL: unhandled system error", "library", True,
    [pat("unhandled system error", r"unhandled system error", "NCCL (torch.distributed)", "2.x", "NVIDIA/nccl src/misc/utils.cc ncclGetErrorString(ncclSystemError) (v2.21)")],
    [cause("shm_in_container", "in a container, /dev/shm is too small for NCCL's shared-memory transport (Docker's default is 64 MB)", ["in_container"],
           fix="Start the container with `--ipc=host` or `--shm-size=16g`"),
     cause("system_call", "a system call inside NCCL failed (shared memory, sockets, or an InfiniBand device)", [], fix="Run again with `NCCL_DEBUG=INFO`; check `df -h /dev/shm` and the network interfaces NCCL picked (NCCL_SOCKET_IFNAME)")],
    "container")

# ---------------- not configuration ----------------
OOM_HINT = "Lower the batch size or sequence length; check `nvidia-smi` for other processes holding memory; with torch, `PYTORCH_CUDA_ALLOC_CONF=expandable_segments:True` reduces fragmentation"
def nc(id, title, patterns, says, hint, layer="runtime"):
    sig(id, title, layer, False, patterns, [cause("program", says, [])], "none: not a configuration problem", confirm="", hint=hint)
nc("torch.out_of_memory", "torch: CUDA out of memory", [
    pat("CUDA out of memory", r"CUDA out of memory\. Tried to allocate ([\d.]+ [KMGT]?i?B)", "torch", "1.0 and later", "pytorch/pytorch c10/cuda/CUDACachingAllocator.cpp (v2.15.0; 'CUDA out of memory. Tried to allocate ' in libc10_cuda.so)", ["size"]),
    pat("OutOfMemoryError", r"torch\.(?:cuda\.)?OutOfMemoryError", "torch", "1.13 and later", "pytorch/pytorch torch/cuda/__init__.py (OutOfMemoryError)")],
   "the program asked for more GPU memory than was free (a real out-of-memory, not a setup problem)", OOM_HINT)
nc("tf.out_of_memory", "TensorFlow: OOM when allocating tensor", [
    pat("OOM when allocating tensor", r"OOM when allocating tensor(?: with shape| of shape)?\s*(\S*)", "TensorFlow", "1.x and later", "tensorflow/tensorflow tensorflow/core/framework/op_kernel.cc ('OOM when allocating tensor with shape' in libtensorflow_framework.so.2 of tensorflow-cpu 2.20.0)", ["shape"]),
    pat("ResourceExhaustedError", r"ResourceExhaustedError", "TensorFlow", "all", "tensorflow/tensorflow tensorflow/python/framework/errors_impl.py")],
   "TensorFlow ran out of GPU memory for a tensor (not a setup problem)", "Lower the batch size; let TensorFlow grow memory on demand (`tf.config.experimental.set_memory_growth(gpu, True)`); check `nvidia-smi` for other processes")
nc("jax.out_of_memory", "JAX/XLA: RESOURCE_EXHAUSTED: Out of memory", [
    pat("RESOURCE_EXHAUSTED", r"RESOURCE_EXHAUSTED: Out of memory(?: while trying to allocate (\d+) bytes)?", "JAX (XLA)", "0.4 and later", "openxla/xla xla/stream_executor/ and xla/pjrt (2025): 'RESOURCE_EXHAUSTED: Out of memory while trying to allocate %d bytes.'", ["bytes"])],
   "XLA ran out of GPU memory (not a setup problem)", "Lower the batch size; JAX preallocates 75% of the GPU: `XLA_PYTHON_CLIENT_MEM_FRACTION=.5` or `XLA_PYTHON_CLIENT_PREALLOCATE=false` when several processes share a GPU")
nc("cupy.out_of_memory", "CuPy: Out of memory allocating", [
    pat("Out of memory allocating", r"Out of memory allocating ([\d,]+) bytes", "CuPy", "all", "cupy cupy/cuda/memory.pyx (14.2.0): 'Out of memory allocating {:,} bytes (allocated so far: {:,} bytes).'", ["bytes"])],
   "CuPy ran out of GPU memory (not a setup problem)", "Free memory (`cupy.get_default_memory_pool().free_all_blocks()`), use smaller arrays; check `nvidia-smi` for other processes")
nc("cuda.out_of_memory", "CUDA: out of memory (cudaErrorMemoryAllocation)", [
    pat(": out of memory", r"(?:CUDA error|Error 2): out of memory", "CUDA runtime (torch, CuPy, TensorFlow)", "all",
        CUDART + " for cudaErrorMemoryAllocation (2); captured on the fake driver (cuInit returns 2): " + T + "torch-2.15.0-cuinit-2.txt"),
    pat("cudaErrorMemoryAllocation", r"cudaErrorMemoryAllocation", "CuPy", "all", "cupy cupy_backends/cuda/api/runtime.pyx (14.2.0)"),
    pat("CUDA_ERROR_OUT_OF_MEMORY", r"CUDA_ERROR_OUT_OF_MEMORY", "CUDA driver API (JAX, TensorFlow)", "all", "cuda.h CUresult 2 (CUDA 13.0)")],
   "the GPU had no memory left for the CUDA context or an allocation: other processes hold it, or the program asked for too much", "`nvidia-smi` shows who holds the memory; stop stale processes (`nvidia-smi --query-compute-apps=pid,used_memory --format=csv`); lower the batch size")
nc("cuda.illegal_memory_access", "CUDA: an illegal memory access was encountered", [
    pat("an illegal memory access was encountered", r"an illegal memory access was encountered", "CUDA runtime (torch, CuPy, TensorFlow, JAX)", "all", CUDART + " for cudaErrorIllegalAddress (700)"),
    pat("CUDA_ERROR_ILLEGAL_ADDRESS", r"CUDA_ERROR_ILLEGAL_ADDRESS", "CUDA driver API (JAX, TensorFlow)", "all", "cuda.h CUresult 700 (CUDA 13.0)")],
   "a kernel read or wrote outside its memory: a bug in the program, an extension or the framework, not in the setup",
   "Run with `CUDA_LAUNCH_BLOCKING=1` to get the failing kernel in the traceback, then `compute-sanitizer --tool memcheck python your_script.py`")
nc("cuda.device_side_assert", "CUDA: device-side assert triggered", [
    pat("device-side assert triggered", r"device-side assert triggered", "torch (CUDA kernels' assertions)", "all", CUDART + " for cudaErrorAssert (710); torch prints the assertion's text before it (e.g. 'Assertion `t >= 0 && t < n_classes` failed')"),
    pat("Assertion `", r"Assertion `(.+)` failed", "torch CUDA kernels", "all", "pytorch/pytorch aten/src/ATen/native/cuda/*.cu CUDA_KERNEL_ASSERT (v2.15.0)", ["assertion"])],
   "an assertion inside a CUDA kernel failed: usually an index out of range (labels >= the number of classes in a loss, a token id >= an embedding's size)",
   "Run with `CUDA_LAUNCH_BLOCKING=1` (or on the CPU) to see the exact failing operation; check label and index ranges")
nc("torch.shape_mismatch", "torch: shapes cannot be multiplied / size mismatch", [
    pat("shapes cannot be multiplied", r"mat1 and mat2 shapes cannot be multiplied \((\d+x\d+) and (\d+x\d+)\)", "torch", "1.8 and later", "pytorch/pytorch aten/src/ATen/native/LinearAlgebra.cpp (v2.15.0); captured: " + T + "torch-2.15.0-shape-mismatch.txt", ["left", "right"]),
    pat("must match the size of tensor", r"The size of tensor a \((\d+)\) must match the size of tensor b \((\d+)\)", "torch", "1.0 and later", "pytorch/pytorch aten/src/ATen/ExpandUtils.cpp (v2.15.0)", ["left", "right"]),
    pat("Incompatible shapes", r"Incompatible shapes: \[([\d,]*)\] vs\. \[([\d,]*)\]", "TensorFlow", "2.x", "tensorflow/tensorflow tensorflow/core/util/bcast.h (v2.20)", ["left", "right"])],
   "two tensors' shapes do not fit the operation: a bug in the model code or its input, not in the setup", "Print the shapes before the failing line; check the model's input size and the layer sizes")
nc("cuda.launch_failure", "CUDA: unspecified launch failure", [
    pat("unspecified launch failure", r"unspecified launch failure", "CUDA runtime", "all", CUDART + " for cudaErrorLaunchFailure (719)")],
   "a kernel crashed on the GPU: a program bug (like an illegal access) or, if it repeats on healthy code, a GPU or driver fault (Xid errors)", "Run with `CUDA_LAUNCH_BLOCKING=1` and `compute-sanitizer`; check `sudo dmesg | grep -i xid` for GPU faults")
nc("nccl.timeout", "NCCL watchdog: collective operation timeout", [
    pat("Watchdog caught collective operation timeout", r"Watchdog caught collective operation timeout: WorkNCCL\(SeqNum=(\d+), OpType=(\w+)", "torch.distributed (ProcessGroupNCCL)", "1.13 and later", "pytorch/pytorch torch/csrc/distributed/c10d/ProcessGroupNCCL.cpp (v2.15.0)", ["seq", "op"])],
   "ranks did not reach the same collective in time: one rank hung, crashed or diverged (a program or data problem, or a slow network), not a driver setup problem",
   "Find the rank that stopped first (its own log has the first error); `TORCH_NCCL_ASYNC_ERROR_HANDLING=1`, `NCCL_DEBUG=INFO`, and a larger `timeout=` in init_process_group while debugging")

doc = {"date": "2026-12-03",
       "source": "Each pattern names the framework release and the file or message table it comes from; texts marked 'captured' were produced on this project's machines by running the real wheels (tests/error-texts/, first line of each says how). CUDA runtime texts are cudaGetErrorString's, the same in every framework that prints them.",
       "layers": ["driver", "container", "library", "build", "runtime"],
       "signatures": S}
print(json.dumps(doc, indent=1, ensure_ascii=False))
