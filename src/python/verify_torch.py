"""dlenv verify: does PyTorch really compute on the GPU?

Run by dlenv as `python -` with this file on stdin, in a child with a deadline. Prints ONE
JSON document on stdout; diagnostics go to stderr. Without a usable GPU the same work runs on
the CPU path, so the framework itself is still checked. Layout of the document:
docs/verify.md ("Framework probe document").
"""
import json
import sys
import time
import traceback
import warnings

doc = {"framework": "torch", "installed": False, "version": None, "cuda_build": False,
       "cuda_version": None, "cudnn_version": None, "cudnn_enabled": None,
       "gpu_available": False, "device_count": 0, "devices": [], "arch_list": [],
       "checks": [], "errors": [], "warnings": []}


def check(name, status, detail="", **extra):
    entry = {"name": name, "status": status, "detail": detail}
    entry.update(extra)
    doc["checks"].append(entry)


def reference_matmul(a, b):
    n, k, m = len(a), len(b), len(b[0])
    return [[sum(a[i][t] * b[t][j] for t in range(k)) for j in range(m)] for i in range(n)]


def reference_conv2d(x, w):
    # x: [C][H][W], w: [K][C][R][S]; stride 1, no padding, cross-correlation (as torch).
    c_in, h, wd = len(x), len(x[0]), len(x[0][0])
    k_out, r, s = len(w), len(w[0][0]), len(w[0][0][0])
    return [[[sum(x[c][i + p][j + q] * w[k][c][p][q]
                  for c in range(c_in) for p in range(r) for q in range(s))
              for j in range(wd - s + 1)] for i in range(h - r + 1)] for k in range(k_out)]


def max_error(got, want):
    if isinstance(want, list):
        return max(max_error(g, w) for g, w in zip(got, want))
    return abs(got - want)


def main():
    started = time.time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import torch
        except ModuleNotFoundError as e:
            if (e.name or "").split(".")[0] != "torch":  # installed, but something it needs is not
                doc["errors"].append("%s: %s" % (type(e).__name__, e))
                doc["import_error"] = True
            return
        except Exception as e:  # OSError from a missing libcudnn, ...
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            doc["import_error"] = True
            return
        doc["installed"] = True
        doc["version"] = torch.__version__
        doc["cuda_version"] = torch.version.cuda
        doc["cuda_build"] = torch.version.cuda is not None
        try:
            doc["cudnn_version"] = torch.backends.cudnn.version()
            doc["cudnn_enabled"] = bool(torch.backends.cudnn.enabled)
        except Exception as e:
            doc["errors"].append("cudnn: %s: %s" % (type(e).__name__, e))
        try:
            doc["gpu_available"] = bool(torch.cuda.is_available())
            doc["device_count"] = torch.cuda.device_count()
            doc["devices"] = [torch.cuda.get_device_name(i) for i in range(doc["device_count"])]
            doc["arch_list"] = list(torch.cuda.get_arch_list()) if doc["cuda_build"] else []
        except Exception as e:
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            doc["gpu_available"] = False

        # Small exact-ish inputs: integers over 8, so float32 products and sums are exact and
        # any difference is a wrong answer, not rounding.
        a = [[((i * 7 + j * 3) % 11 - 5) / 8.0 for j in range(24)] for i in range(16)]
        b = [[((i * 5 + j * 2) % 13 - 6) / 8.0 for j in range(8)] for i in range(24)]
        x = [[[((c * 3 + i * 5 + j) % 9 - 4) / 4.0 for j in range(8)] for i in range(8)] for c in range(3)]
        w = [[[[((k + c * 2 + p * 3 + q) % 5 - 2) / 4.0 for q in range(3)] for p in range(3)]
              for c in range(3)] for k in range(4)]
        want_mm = reference_matmul(a, b)
        want_conv = reference_conv2d(x, w)
        device = "cuda:0" if doc["gpu_available"] else "cpu"
        doc["path"] = "gpu" if doc["gpu_available"] else "cpu"

        try:
            before = torch.cuda.memory_allocated(0) if doc["gpu_available"] else None
            ta = torch.tensor(a, dtype=torch.float32, device=device)
            tb = torch.tensor(b, dtype=torch.float32, device=device)
            big = torch.empty(64 << 20, dtype=torch.uint8, device=device) if doc["gpu_available"] else None
            if doc["gpu_available"]:
                after = torch.cuda.memory_allocated(0)
                grew = after - before
                check("memory", "pass" if grew >= (64 << 20) else "fail",
                      "memory_allocated grew by %d bytes for a 64 MiB tensor" % grew, grew_bytes=grew)
                del big
            tc = ta @ tb
            if doc["gpu_available"]:
                torch.cuda.synchronize()
            err = max_error(tc.cpu().tolist(), want_mm)
            check("matmul", "pass" if err == 0.0 else "fail",
                  "16x24 @ 24x8 float32, max abs error %g against an exact reference" % err,
                  device=str(tc.device), max_abs_error=err)
        except Exception as e:
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            check("matmul", "fail", "%s: %s" % (type(e).__name__, e), device=device)

        try:
            tx = torch.tensor([x], dtype=torch.float32, device=device)
            tw = torch.tensor(w, dtype=torch.float32, device=device)
            ty = torch.nn.functional.conv2d(tx, tw)
            if doc["gpu_available"]:
                torch.cuda.synchronize()
            err = max_error(ty[0].cpu().tolist(), want_conv)
            # cuDNN may use TF32 on Ampere and newer; inputs are multiples of 1/16 with at most
            # 5 significant bits, which TF32's 10-bit mantissa holds exactly.
            check("conv2d", "pass" if err <= 1e-6 else "fail",
                  "conv2d 1x3x8x8 * 4x3x3x3 float32, max abs error %g" % err,
                  device=str(ty.device), max_abs_error=err,
                  cudnn_used=bool(doc["gpu_available"] and torch.backends.cudnn.is_available()))
        except Exception as e:
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            check("conv2d", "fail", "%s: %s" % (type(e).__name__, e), device=device)

    doc["warnings"] = [str(w.message) for w in caught]
    doc["seconds"] = round(time.time() - started, 3)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:  # never leave stdout without a document
        doc["errors"].append("%s: %s" % (type(e).__name__, e))
        traceback.print_exc(file=sys.stderr)
    json.dump(doc, sys.stdout)
    sys.stdout.write("\n")
