"""dlenv verify: does JAX really compute on the GPU?

Run by dlenv as `python -` with this file on stdin, in a child with a deadline. Prints ONE
JSON document on stdout; diagnostics go to stderr. Without a GPU the jitted matmul runs on
the CPU backend. Layout of the document: docs/verify.md ("Framework probe document").
"""
import json
import sys
import time
import traceback
import warnings

doc = {"framework": "jax", "installed": False, "version": None, "cuda_build": False,
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
            import jax
            import jax.numpy as jnp
        except ModuleNotFoundError as e:
            if (e.name or "").split(".")[0] != "jax":  # installed, but something it needs is not
                doc["errors"].append("%s: %s" % (type(e).__name__, e))
                doc["import_error"] = True
            return
        except Exception as e:  # OSError from a missing libcudnn, ...
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            doc["import_error"] = True
            return
        doc["installed"] = True
        doc["version"] = jax.__version__
        try:
            gpus = jax.devices("gpu")
        except Exception as e:  # "Unknown backend: 'gpu' requested, but no platforms ..."
            gpus = []
            doc["warnings"].append("%s: %s" % (type(e).__name__, e))
        # A CUDA jaxlib ships its GPU support as the jax-cudaNN-plugin distribution.
        try:
            from importlib import metadata
            plugins = [d.metadata["Name"] for d in metadata.distributions()
                       if (d.metadata["Name"] or "").lower().startswith("jax-cuda")]
            doc["cuda_build"] = bool(plugins)
            doc["plugins"] = plugins
        except Exception:
            pass
        doc["gpu_available"] = len(gpus) > 0
        doc["device_count"] = len(gpus)
        doc["devices"] = [getattr(d, "device_kind", str(d)) for d in gpus]
        doc["path"] = "gpu" if gpus else "cpu"
        device = gpus[0] if gpus else jax.devices("cpu")[0]
        try:
            a = [[((i * 7 + j * 3) % 11 - 5) / 8.0 for j in range(24)] for i in range(16)]
            b = [[((i * 5 + j * 2) % 13 - 6) / 8.0 for j in range(8)] for i in range(24)]
            want = [[sum(a[i][t] * b[t][j] for t in range(24)) for j in range(8)] for i in range(16)]
            ja = jax.device_put(jnp.array(a, dtype=jnp.float32), device)
            jb = jax.device_put(jnp.array(b, dtype=jnp.float32), device)
            # HIGHEST precision: on GPUs XLA may otherwise use TF32 or bf16 passes.
            mm = jax.jit(lambda x, y: jnp.matmul(x, y, precision=jax.lax.Precision.HIGHEST))
            c = mm(ja, jb).block_until_ready()
            got = c.tolist()
            err = max(abs(got[i][j] - want[i][j]) for i in range(16) for j in range(8))
            where = sorted(str(d) for d in c.devices()) if hasattr(c, "devices") else [str(device)]
            check("matmul", "pass" if err == 0.0 else "fail",
                  "jitted 16x24 @ 24x8 float32, max abs error %g against an exact reference" % err,
                  device=",".join(where), max_abs_error=err)
        except Exception as e:
            doc["errors"].append("%s: %s" % (type(e).__name__, e))
            check("matmul", "fail", "%s: %s" % (type(e).__name__, e), device=str(device))
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
