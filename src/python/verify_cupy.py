"""dlenv verify: does CuPy compute on the GPU?

Run by dlenv as `python -` with this file on stdin, in a child with a deadline. Prints ONE
JSON document on stdout; diagnostics go to stderr. CuPy has no CPU path: without a GPU it
reports why (the error text), which dlenv maps to a finding.
Layout of the document: docs/verify.md ("Framework probe document").
"""
import json
import sys
import time
import traceback
import warnings

doc = {"framework": "cupy", "installed": False, "version": None, "cuda_build": True,
       "cuda_version": None, "cudnn_version": None, "gpu_available": False, "device_count": 0,
       "devices": [], "arch_list": [], "checks": [], "errors": [], "warnings": []}


def check(name, status, detail="", **extra):
    entry = {"name": name, "status": status, "detail": detail}
    entry.update(extra)
    doc["checks"].append(entry)


def main():
    started = time.time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import cupy
        except ModuleNotFoundError as e:
            if (e.name or "").split(".")[0] != "cupy":  # installed, but something it needs is not
                doc["errors"].append("%s: %s" % (type(e).__name__, e))
                doc["import_error"] = True
            return
        except Exception as e:  # OSError from a missing libcudnn, ...
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            doc["import_error"] = True
            return
        doc["installed"] = True
        doc["version"] = cupy.__version__
        try:
            v = cupy.cuda.runtime.runtimeGetVersion()
            doc["cuda_version"] = "%d.%d" % (v // 1000, v % 1000 // 10)
            doc["device_count"] = cupy.cuda.runtime.getDeviceCount()
            doc["gpu_available"] = doc["device_count"] > 0
            doc["devices"] = [cupy.cuda.runtime.getDeviceProperties(i)["name"].decode()
                              for i in range(doc["device_count"])]
        except Exception as e:
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
        doc["path"] = "gpu" if doc["gpu_available"] else "none"
        if not doc["gpu_available"]:
            check("matmul", "skip", "CuPy has no CPU path and no GPU is usable")
            return
        try:
            pool = cupy.get_default_memory_pool()
            before = pool.used_bytes()
            a = [[((i * 7 + j * 3) % 11 - 5) / 8.0 for j in range(24)] for i in range(16)]
            b = [[((i * 5 + j * 2) % 13 - 6) / 8.0 for j in range(8)] for i in range(24)]
            want = [[sum(a[i][t] * b[t][j] for t in range(24)) for j in range(8)] for i in range(16)]
            c = cupy.asarray(a, dtype=cupy.float32) @ cupy.asarray(b, dtype=cupy.float32)
            grew = pool.used_bytes() - before
            got = cupy.asnumpy(c).tolist()
            err = max(abs(got[i][j] - want[i][j]) for i in range(16) for j in range(8))
            check("matmul", "pass" if err == 0.0 else "fail",
                  "16x24 @ 24x8 float32, max abs error %g against an exact reference" % err,
                  device="cuda:%d" % c.device.id, max_abs_error=err)
            check("memory", "pass" if grew > 0 else "fail",
                  "CuPy's memory pool grew by %d bytes" % grew, grew_bytes=grew)
        except Exception as e:
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            check("matmul", "fail", "%s: %s" % (type(e).__name__, e))
    doc["warnings"] += [str(w.message) for w in caught]
    doc["seconds"] = round(time.time() - started, 3)


if __name__ == "__main__":
    try:
        main()
    except Exception as e:
        doc["errors"].append("%s: %s" % (type(e).__name__, e))
        traceback.print_exc(file=sys.stderr)
    json.dump(doc, sys.stdout)
    sys.stdout.write("\n")
