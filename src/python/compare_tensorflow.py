"""dlenv compare: the workloads in TensorFlow, eager and tf.function. See compare_harness.py.

TensorFlow's CPU convolution takes NHWC only, so the convolutions run in NHWC and are
checked after transposing back to the reference's NCHW.
"""

if "sample" not in globals():  # run by hand; dlenv sends compare_harness.py ahead of this file
    from compare_harness import *  # noqa: F401,F403

import os

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import numpy as np
import tensorflow as tf

DTYPES = {"float32": tf.float32, "tfloat32": tf.float32, "float64": tf.float64,
          "float16": tf.float16, "bfloat16": tf.bfloat16}


class TensorFlowFramework:
    NAME = "tensorflow"

    def info(self, config):
        if config.get("threads"):
            tf.config.threading.set_intra_op_parallelism_threads(int(config["threads"]))
            tf.config.threading.set_inter_op_parallelism_threads(int(config["threads"]))
        gpus = tf.config.list_physical_devices("GPU")
        self.cuda = config.get("device") == "cuda"
        if self.cuda and not gpus:
            raise RuntimeError("TensorFlow sees no GPU")
        self.device = "/GPU:0" if self.cuda else "/CPU:0"
        # Honest fp32: TensorFlow enables TF32 on Ampere and later by default.
        tf.config.experimental.enable_tensor_float_32_execution(False)
        return {"version": tf.__version__, "device": "cuda:0" if self.cuda else "cpu"}

    def sync(self):
        if not self.cuda:
            return  # eager CPU kernels finish before the op returns
        sync_devices = getattr(getattr(tf.test, "experimental", None), "sync_devices", None)
        if sync_devices:
            sync_devices()

    def timer(self, fn):
        return wall_timer(fn, self.sync)

    def run(self, spec, mode, config):
        with tf.device(self.device):
            return self._run(spec, mode, config)

    def _run(self, spec, mode, config):
        policy = config.get("policy")
        w = spec["workload"]
        compiled = mode == "compiled"
        if w == "empty":
            if compiled:
                raise Skip("nothing to compile")
            return {"seconds": sample(self.timer(lambda: None), policy), "work": 0, "unit": "us"}
        if w == "matmul":
            n, name = spec["n"], spec["dtype"]
            if compiled:
                raise Skip("a single library call; compiling adds nothing")
            if name in ("tfloat32", "float16", "bfloat16") and not self.cuda:
                raise Skip("%s matmul is a GPU measurement" % name)
            if name == "float64" and self.cuda:
                raise Skip("float64 is a CPU measurement")
            rng = np.random.default_rng(1)
            a = tf.cast(tf.constant(rng.uniform(-1, 1, (n, n)).astype(np.float32)), DTYPES[name])
            b = tf.cast(tf.constant(rng.uniform(-1, 1, (n, n)).astype(np.float32)), DTYPES[name])
            tf.config.experimental.enable_tensor_float_32_execution(name == "tfloat32")
            out = {}

            def step():
                out["c"] = tf.linalg.matmul(a, b)

            seconds = sample(self.timer(step), policy)
            tf.config.experimental.enable_tensor_float_32_execution(False)
            rows = rng.integers(0, n, 64)
            cols = rng.integers(0, n, 64)
            an = tf.cast(a, tf.float64).numpy()
            bn = tf.cast(b, tf.float64).numpy()
            got = tf.cast(out["c"], tf.float64).numpy()[rows, cols]
            accumulate = {"float64": "float64", "tfloat32": "tfloat32"}.get(name, "float32")
            check = gemm_bound_check(np, an[rows], bn[:, cols], got, n, accumulate, name if name != "tfloat32" else "float32")
            return {"seconds": seconds, "work": 2.0 * n ** 3, "unit": "GFLOP/s", "check": check}
        if w == "copy":
            raise Skip("TensorFlow has no device copy that is sure not to alias its source")
        if w in ("conv2d_fwd", "conv2d_bwd"):
            x_np, w_np = conv_input(np, spec)
            x = tf.constant(np.transpose(x_np, (0, 2, 3, 1)))  # NHWC
            wt = tf.constant(np.transpose(w_np, (2, 3, 1, 0)))  # HWIO
            flops = 2.0 * x_np.shape[0] * w_np.shape[0] * x_np.shape[1] * 9 * x_np.shape[2] * x_np.shape[3]
            conv = lambda xx, ww: tf.nn.conv2d(xx, ww, strides=1, padding="SAME")
            if w == "conv2d_fwd":
                fn = tf.function(conv) if compiled else conv
                out = {}

                def fwd():
                    out["y"] = fn(x, wt)

                seconds = sample(self.timer(fwd), policy)
                got = np.transpose(out["y"].numpy()[0], (2, 0, 1))
                check = close_check(np, got, conv_reference_image0(np, x_np, w_np), 1e-4, "image 0 against float64")
                return {"seconds": seconds, "work": flops, "unit": "GFLOP/s", "check": check,
                        "compiler": "tf.function" if compiled else None}

            def fwd_bwd(xx, ww):
                with tf.GradientTape() as tape:
                    tape.watch([xx, ww])
                    y = tf.reduce_sum(conv(xx, ww))
                return tape.gradient(y, [xx, ww])

            fn = tf.function(fwd_bwd) if compiled else fwd_bwd
            out = {}

            def step():
                out["g"] = fn(x, wt)

            seconds = sample(self.timer(step), policy)
            got = np.transpose(out["g"][1].numpy(), (3, 2, 0, 1))  # HWIO -> OIHW
            ref = conv_weight_grad_reference(np, x_np)
            check = close_check(np, got, np.broadcast_to(ref, got.shape), 1e-4, "weight gradient against float64")
            return {"seconds": seconds, "work": 3 * flops, "unit": "GFLOP/s", "check": check,
                    "compiler": "tf.function" if compiled else None}
        if w == "mlp_train":
            weights, x_np, y_np = mlp_init(np, spec)
            lr = spec.get("lr", 0.01)
            x, y = tf.constant(x_np), tf.constant(y_np)
            params = [tf.Variable(v) for v in weights]

            def train_step():
                with tf.GradientTape() as tape:
                    h = x
                    for i, wm in enumerate(params):
                        h = tf.linalg.matmul(h, wm)
                        if i < len(params) - 1:
                            h = tf.nn.relu(h)
                    loss = tf.reduce_mean(tf.square(h - y))
                grads = tape.gradient(loss, params)
                for p, g in zip(params, grads):
                    p.assign_sub(lr * g)
                return loss

            fn = tf.function(train_step) if compiled else train_step
            loss = float(fn())
            ref_loss, ref_new = mlp_reference_step(np, weights, x_np, y_np, lr)
            check = close_check(np, params[-1].numpy(), ref_new[-1], 1e-4, "updated last layer")
            if abs(loss - ref_loss) > 1e-4 * abs(ref_loss):
                check = {"done": True, "passed": False, "detail": "loss %r, reference %r" % (loss, ref_loss)}
            seconds = sample(self.timer(fn), policy)
            dims = spec["dims"]
            flops = 3 * 2.0 * spec["batch"] * sum(dims[i] * dims[i + 1] for i in range(len(dims) - 1))
            return {"seconds": seconds, "work": flops, "unit": "GFLOP/s", "check": check,
                    "compiler": "tf.function" if compiled else None}
        if w == "rnn_dynamic":
            w_np, u_np, xs_np = rnn_init(np, spec)
            limit, ref_steps = rnn_limit(np, w_np, u_np, xs_np)
            wm, um, xs = tf.constant(w_np), tf.constant(u_np), tf.constant(xs_np)
            steps_max = xs_np.shape[0]

            if compiled:
                @tf.function
                def rnn():
                    def cond(t, total, h):
                        return tf.logical_and(t < steps_max, total < limit)

                    def body(t, total, h):
                        h = tf.tanh(tf.linalg.matmul(h, wm) + tf.linalg.matmul(xs[t], um))
                        return t + 1, total + tf.reduce_mean(tf.abs(h)), h

                    h0 = tf.zeros((xs_np.shape[1], w_np.shape[0]), tf.float32)
                    t, _, h = tf.while_loop(cond, body, (tf.constant(0), tf.constant(0.0), h0))
                    return t, h
            else:
                def rnn():
                    h = tf.zeros((xs_np.shape[1], w_np.shape[0]), tf.float32)
                    total, t = 0.0, 0
                    while t < steps_max and total < limit:
                        h = tf.tanh(tf.linalg.matmul(h, wm) + tf.linalg.matmul(xs[t], um))
                        total += float(tf.reduce_mean(tf.abs(h)))
                        t += 1
                    return t, h
            out = {}

            def step():
                out["t"], out["h"] = rnn()

            seconds = sample(self.timer(step), policy)
            steps = int(out["t"])
            _, ref_h, _ = rnn_reference(np, w_np, u_np, xs_np, limit)
            check = close_check(np, out["h"].numpy(), ref_h, 1e-3, "final state after %d steps" % steps)
            if steps != ref_steps:
                check = {"done": True, "passed": False, "detail": "%d steps, reference %d" % (steps, ref_steps)}
            return {"seconds": seconds, "work": ref_steps, "unit": "steps/s", "check": check,
                    "compiler": "tf.function" if compiled else None}
        raise Skip("unknown workload %s" % w)


if __name__ == "__main__":
    main(TensorFlowFramework())
