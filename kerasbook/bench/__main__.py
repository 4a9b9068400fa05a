"""Benchmarks: `python -m kerasbook.bench CHAPTER [--out FILE] [--steps N]`.

For chapter 7 it measures, in one process on this machine:

* compile time, median step time and samples/s of a training step with XLA
  on and off, and the mode `--xla auto` will therefore use (recorded in the
  user's cache, so runs on this device follow the measurement);
* input-pipeline throughput against what training consumes;
* our CTC loss (forward + gradient) against `keras.ops.ctc_loss`, batch 64,
  both compiled with XLA and both without.

It prints a table and writes the numbers as JSON. With `--bar` it also runs the
chapter's default training from an empty data cache (so data generation counts)
and checks the chapter's quality bar: for chapter 7, at least 95 % exact match
on 1,000 unseen captchas within 15 minutes of wall time.
"""

from __future__ import annotations

import json
import sys
import time
from pathlib import Path

import numpy as np

from kerasbook import cli

CHAPTERS = ("ch07",)
BARS = {"ch07": {"metric": "test_exact_match_beam", "at_least": 0.95, "wall_s_at_most": 15 * 60}}


def _median_time(fn, repeats):
    fn()  # warm-up (tracing / compilation)
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def bench_ctc(batch=64, steps=16, classes=37, max_len=5, repeats=30, seed=0):
    """Seconds per loss+gradient evaluation: ours vs keras.ops.ctc_loss, XLA on/off."""
    import tensorflow as tf
    from keras import ops

    from kerasbook.layers.ctc import ctc_loss

    rng = np.random.default_rng(seed)
    logits = tf.constant(rng.normal(size=(batch, steps, classes)).astype("float32"))
    labels = tf.constant(rng.integers(1, classes, size=(batch, max_len)).astype("int32"))
    label_len = tf.fill([batch], max_len)
    logit_len = tf.fill([batch], steps)

    def ours(z):
        return ctc_loss(labels, z, label_len, logit_len)

    def theirs(z):
        return ops.ctc_loss(labels, z, label_len, logit_len, mask_index=0)

    def loss_and_grad(fn):
        def step(z):
            with tf.GradientTape() as tape:
                tape.watch(z)
                loss = tf.reduce_mean(fn(z))
            return loss, tape.gradient(loss, z)
        return step

    result = {}
    for name, fn in (("ours", ours), ("keras.ops.ctc_loss", theirs)):
        for jit in (True, False):
            compiled = tf.function(loss_and_grad(fn), jit_compile=jit)
            try:
                seconds = _median_time(lambda: [t.numpy() for t in compiled(logits)], repeats)
            except Exception as err:  # noqa: BLE001 - a reference that cannot compile is a result too
                seconds = None
                result[f"{name} xla={'on' if jit else 'off'} error"] = f"{err.__class__.__name__}: {str(err)[:200]}"
            result[f"{name} xla={'on' if jit else 'off'}"] = seconds
    on_ours, on_ref = result["ours xla=on"], result["keras.ops.ctc_loss xla=on"]
    off_ours, off_ref = result["ours xla=off"], result["keras.ops.ctc_loss xla=off"]
    result["speedup_xla_on"] = on_ref / on_ours if on_ours and on_ref else None
    result["speedup_xla_off"] = off_ref / off_ours if off_ours and off_ref else None
    result["speedup_ours_xla_on_vs_keras_best"] = (
        min(t for t in (on_ref, off_ref) if t) / on_ours if on_ours and (on_ref or off_ref) else None
    )
    return result


def bench_pipeline(cfg, batch_size, seconds=5.0, seed=0):
    """Batches/s the tf.data pipeline delivers from cached in-memory data."""
    from kerasbook.chapters import ch07_crnn as ch
    from kerasbook.data import captcha as cap

    rng = np.random.default_rng(seed)
    n = 4 * batch_size * 8
    images = rng.integers(0, 256, (n, cap.HEIGHT, cap.WIDTH, 1), dtype=np.uint8)
    labels = rng.integers(1, ch.NUM_CLASSES, (n, cap.TEXT_LENGTH)).astype("int32")
    ds = ch.pipeline(images, labels, batch_size, shuffle_seed=seed).repeat()
    it = iter(ds)
    next(it)
    count, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        next(it)
        count += 1
    return count * batch_size / (time.perf_counter() - start)


def bench_draw(n=400):
    """Captchas drawn per second by one process (generation cost of the builtin data)."""
    from kerasbook.data import captcha as cap

    start = time.perf_counter()
    for i in range(n):
        cap.draw_example(0, "bench", i)
    return n / (time.perf_counter() - start)


def run_ch07(steps, quick, ship=False):
    from kerasbook import training
    from kerasbook.chapters import ch07_crnn as ch

    cfg = ch.Config()
    report = {"chapter": ch.CHAPTER, "device": training.device_kind(), "batch_size": cfg.batch_size}
    print(f"measuring training steps (batch {cfg.batch_size}, XLA on and off) on {report['device']} ...", flush=True)
    steps_by_mode = ch.measure_step_times(cfg, steps=steps)
    report["train_step"] = {("xla_on" if k else "xla_off"): v for k, v in steps_by_mode.items()}
    jit = steps_by_mode[True]["step_s"] < steps_by_mode[False]["step_s"]
    report["resolved_xla_auto"] = "on" if jit else "off"
    measured = {"step_s_xla_on": steps_by_mode[True]["step_s"], "step_s_xla_off": steps_by_mode[False]["step_s"]}
    training.record_xla(ch.CHAPTER, report["device"], jit, measured)
    if ship:
        training.record_xla(ch.CHAPTER, report["device"], jit, measured, path=training.SHIPPED_DECISIONS)
    print("measuring the input pipeline and captcha drawing ...", flush=True)
    consume = steps_by_mode[jit]["samples_per_s"]
    report["pipeline"] = {
        "pipeline_samples_per_s": bench_pipeline(cfg, cfg.batch_size, seconds=2.0 if quick else 5.0),
        "training_consumes_samples_per_s": consume,
        "draw_captchas_per_s_one_process": bench_draw(100 if quick else 400),
    }
    print("measuring CTC: ours vs keras.ops.ctc_loss (batch 64, loss + gradient) ...", flush=True)
    report["ctc"] = bench_ctc(repeats=10 if quick else 30)
    return report


def run_bar(chapter, keep=None, extra_args=()):
    """Run the chapter's default training as a user would and check its bar.

    The run starts from an empty data cache; its output folder is `keep` if
    given (kept afterwards), else a temporary folder.
    """
    import os
    import subprocess
    import tempfile

    bar = BARS[chapter]
    with tempfile.TemporaryDirectory() as tmp:
        out = Path(keep) if keep else Path(tmp) / "run"
        env = {**os.environ, "KERASBOOK_CACHE": str(Path(tmp) / "cache")}
        start = time.perf_counter()
        proc = subprocess.run([sys.executable, "-m", "kerasbook.chapters.ch07_crnn", "--out", str(out), *extra_args],
                              env=env)
        wall = time.perf_counter() - start
        if proc.returncode != 0:
            return {"passed": False, "error": f"the run exited with {proc.returncode}", "wall_s": wall}
        metrics = json.loads((out / "metrics.json").read_text())
    value = metrics["final"][bar["metric"]]
    return {
        **bar, "value": value, "wall_s": wall, "jit_compile": metrics["jit_compile"],
        "passed": value >= bar["at_least"] and wall <= bar["wall_s_at_most"],
        "final": metrics["final"],
    }


def print_table(report):
    rows = [("device", report["device"])]
    for mode in ("xla_on", "xla_off"):
        r = report["train_step"][mode]
        rows.append((f"train step {mode.replace('_', ' ')}",
                     f"compile {r['compile_s']:.1f} s, median step {r['step_s'] * 1e3:.0f} ms, "
                     f"{r['samples_per_s']:.0f} samples/s"))
    rows.append(("--xla auto resolves to", report["resolved_xla_auto"]))
    p = report["pipeline"]
    rows.append(("input pipeline", f"{p['pipeline_samples_per_s']:.0f} samples/s "
                                   f"(training consumes {p['training_consumes_samples_per_s']:.0f})"))
    rows.append(("captcha drawing", f"{p['draw_captchas_per_s_one_process']:.0f} images/s per process"))
    c = report["ctc"]
    for key in ("ours xla=on", "keras.ops.ctc_loss xla=on", "ours xla=off", "keras.ops.ctc_loss xla=off"):
        rows.append((f"CTC {key}", "failed" if c[key] is None else f"{c[key] * 1e3:.2f} ms"))
    for key in ("speedup_xla_on", "speedup_xla_off", "speedup_ours_xla_on_vs_keras_best"):
        rows.append((key.replace("_", " "), "n/a" if c[key] is None else f"{c[key]:.1f}x"))
    if "bar" in report:
        b = report["bar"]
        if "value" in b:
            rows.append(("quality bar", f"{b['metric']} {b['value']:.3f} (need >= {b['at_least']}) in "
                                        f"{b['wall_s'] / 60:.1f} min (need <= {b['wall_s_at_most'] / 60:.0f}): "
                                        f"{'PASS' if b['passed'] else 'FAIL'}"))
        else:
            rows.append(("quality bar", f"FAIL: {b['error']}"))
    width = max(len(k) for k, _ in rows)
    for k, v in rows:
        print(f"{k:<{width}}  {v}")


def _main(argv):
    p = cli.OneLineParser(prog="python -m kerasbook.bench", description="Measure a chapter's speed.")
    p.add_argument("chapter", help=f"one of: {', '.join(CHAPTERS)}")
    p.add_argument("--steps", type=int, default=20, help="timed training steps per mode")
    p.add_argument("--quick", action="store_true", help="fewer repetitions")
    p.add_argument("--ship", action="store_true",
                   help="also record the XLA decision in the table shipped with the package")
    p.add_argument("--bar", action="store_true", help="also run the default training and check the quality bar")
    p.add_argument("--bar-out", help="keep the --bar run's output (model, metrics, figures) in this folder")
    p.add_argument("--out", help="JSON file to write (default runs/bench-CHAPTER.json)")
    args = p.parse_args(argv)
    chapter = args.chapter.split("_")[0]
    if chapter not in CHAPTERS:
        raise cli.UsageError(f"no benchmark for {args.chapter!r}; choose one of {', '.join(CHAPTERS)}")
    if args.steps < 1:
        raise cli.UsageError("--steps must be at least 1")
    report = run_ch07(args.steps, args.quick, ship=args.ship)
    if args.bar:
        print("running the default training from an empty cache to check the quality bar ...", flush=True)
        report["bar"] = run_bar(chapter, keep=args.bar_out)
    out = Path(args.out or f"runs/bench-{chapter}.json")
    out.parent.mkdir(parents=True, exist_ok=True)
    out.write_text(json.dumps(report, indent=2) + "\n")
    print_table(report)
    print(f"wrote {out}")
    return 1 if "bar" in report and not report["bar"]["passed"] else 0


def main(argv=None):
    return cli.run_main(_main, list(sys.argv[1:] if argv is None else argv), "python -m kerasbook.bench")


if __name__ == "__main__":
    sys.exit(main())
