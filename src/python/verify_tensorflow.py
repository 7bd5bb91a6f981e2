"""dlenv verify: does TensorFlow really compute on the GPU?

Run by dlenv as `python -` with this file on stdin, in a child with a deadline. Prints ONE
JSON document on stdout; diagnostics go to stderr. Without a GPU the same work runs on the
CPU path. Layout of the document: docs/verify.md ("Framework probe document").
"""
import json
import os
import sys
import time
import traceback
import warnings

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "1")  # keep TF's INFO chatter off stderr

doc = {"framework": "tensorflow", "installed": False, "version": None, "cuda_build": False,
       "cuda_version": None, "cudnn_version": None, "gpu_available": False, "device_count": 0,
       "devices": [], "arch_list": [], "checks": [], "errors": [], "warnings": []}


def check(name, status, detail="", **extra):
    entry = {"name": name, "status": status, "detail": detail}
    entry.update(extra)
    doc["checks"].append(entry)


def reference_matmul(a, b):
    return [[sum(a[i][t] * b[t][j] for t in range(len(b))) for j in range(len(b[0]))]
            for i in range(len(a))]


def max_error(got, want):
    if isinstance(want, list):
        return max(max_error(g, w) for g, w in zip(got, want))
    return abs(got - want)


def main():
    started = time.time()
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        try:
            import tensorflow as tf
        except ModuleNotFoundError as e:
            if (e.name or "").split(".")[0] != "tensorflow":  # installed, but something it needs is not
                doc["errors"].append("%s: %s" % (type(e).__name__, e))
                doc["import_error"] = True
            return
        except Exception as e:  # OSError from a missing libcudnn, ...
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            doc["import_error"] = True
            return
        doc["installed"] = True
        doc["version"] = tf.__version__
        try:
            info = tf.sysconfig.get_build_info()
            doc["cuda_build"] = bool(info.get("is_cuda_build", False))
            doc["cuda_version"] = info.get("cuda_version")
            doc["cudnn_version"] = info.get("cudnn_version")
            caps = info.get("cuda_compute_capabilities") or []
            doc["arch_list"] = list(caps)
        except Exception as e:
            doc["errors"].append("build_info: %s: %s" % (type(e).__name__, e))
        try:
            gpus = tf.config.list_physical_devices("GPU")
            doc["device_count"] = len(gpus)
            doc["devices"] = [g.name for g in gpus]
            doc["gpu_available"] = len(gpus) > 0
        except Exception as e:
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
        device = "/GPU:0" if doc["gpu_available"] else "/CPU:0"
        doc["path"] = "gpu" if doc["gpu_available"] else "cpu"

        a = [[((i * 7 + j * 3) % 11 - 5) / 8.0 for j in range(24)] for i in range(16)]
        b = [[((i * 5 + j * 2) % 13 - 6) / 8.0 for j in range(8)] for i in range(24)]
        want = reference_matmul(a, b)
        try:
            with tf.device(device):
                c = tf.matmul(tf.constant(a, dtype=tf.float32), tf.constant(b, dtype=tf.float32))
            err = max_error(c.numpy().tolist(), want)
            check("matmul", "pass" if err == 0.0 else "fail",
                  "16x24 @ 24x8 float32, max abs error %g against an exact reference" % err,
                  device=c.device, max_abs_error=err)
        except Exception as e:
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            check("matmul", "fail", "%s: %s" % (type(e).__name__, e), device=device)

        try:
            # NHWC input, HWIO filter: TF's layout. Checked against the same convolution on
            # the CPU, which is the reference when the GPU did it.
            x = [[[[((c * 3 + i * 5 + j) % 9 - 4) / 4.0 for c in range(3)] for j in range(8)]
                  for i in range(8)]]
            w = [[[[((k + c * 2 + p * 3 + q) % 5 - 2) / 4.0 for k in range(4)] for c in range(3)]
                  for q in range(3)] for p in range(3)]
            with tf.device(device):
                y = tf.nn.conv2d(tf.constant(x), tf.constant(w), strides=1, padding="VALID")
            with tf.device("/CPU:0"):
                ref = tf.nn.conv2d(tf.constant(x), tf.constant(w), strides=1, padding="VALID")
            # Independent of TF: direct sum over the window.
            direct = [[[sum(x[0][i + p][j + q][c] * w[p][q][c][k]
                            for p in range(3) for q in range(3) for c in range(3))
                        for k in range(4)] for j in range(6)] for i in range(6)]
            err = max(max_error(y.numpy()[0].tolist(), direct), max_error(ref.numpy()[0].tolist(), direct))
            check("conv2d", "pass" if err <= 1e-6 else "fail",
                  "conv2d 1x8x8x3 * 3x3x3x4 float32, max abs error %g" % err,
                  device=y.device, max_abs_error=err)
        except Exception as e:
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            check("conv2d", "fail", "%s: %s" % (type(e).__name__, e), device=device)
        if doc["gpu_available"]:
            try:
                mem = tf.config.experimental.get_memory_info("GPU:0")
                check("memory", "pass" if mem.get("peak", 0) > 0 else "fail",
                      "TensorFlow's allocator peak on GPU:0: %d bytes" % mem.get("peak", 0),
                      grew_bytes=mem.get("peak", 0))
            except Exception as e:
                doc["warnings"].append("memory info: %s" % e)

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
