"""XLA: whether a chapter's training is compiled, measured rather than guessed.

Keras quietly turns `jit_compile=True` off (with only a warning) when a layer
cannot be compiled, and its own `"auto"` means "off" on a CPU. The book
decides instead:

* `--xla on|off` is obeyed, or the run stops with a one-line reason (see
  `check_strategy` for what cannot be compiled at all).
* `--xla auto` follows the decision `python -m kerasbook.bench CHAPTER`
  measured for the chapter on this kind of device: from the user's cache
  first, then from the table shipped with the package (`SHIPPED`). With no
  record, the chapter measures one training step each way now and records
  the faster.
* Under a strategy whose training steps XLA cannot compile here (the
  all-reduce of several replicas on CPU devices), `auto` is off and `on` is
  a usage error, before any worker trains.

Everything that times a step or records a decision lives here: the chapters
(through `kerasbook.training.start_run`), the benchmarks and the tests use it.
"""

from __future__ import annotations

import json
import time
from pathlib import Path

from kerasbook.cli import UsageError
from kerasbook.paths import cache_dir

# Measured decisions shipped with the book; `kerasbook.bench` writes the same
# format to the user's cache (which wins) when run on another machine.
SHIPPED = Path(__file__).with_name("xla_decisions.json")
FILE = "xla_decisions.json"
MARGIN = 0.95      # XLA must beat the plain step by 5 %, compile included: a tie goes to no compiling
COLLECTIVES_ON_CPU = ("XLA cannot compile the all-reduce of several replicas on CPU devices "
                      "(TensorFlow has no XLA collectives for CPUs)")


def device_kind() -> str:
    """`"cpu"` or the name of the first GPU, used as the key of XLA decisions."""
    import tensorflow as tf

    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return "cpu"
    details = tf.config.experimental.get_device_details(gpus[0])
    return "gpu:" + details.get("device_name", "unknown")


def _load(path: Path) -> dict:
    try:
        return json.loads(path.read_text())
    except (OSError, ValueError):
        return {}


def recorded(chapter: str, device: str):
    """The measured decision `(jit_compile, source)` for a chapter (or one timed part of it), or `None`."""
    for path in (cache_dir() / FILE, SHIPPED):
        entry = _load(path).get(chapter, {}).get(device)
        if entry is not None:
            return bool(entry["jit_compile"]), str(path)
    return None


def record(chapter: str, device: str, jit_compile: bool, measured: dict, path: Path | None = None):
    """Store a measured decision (by default in the user's cache)."""
    path = path or cache_dir() / FILE
    path.parent.mkdir(parents=True, exist_ok=True)
    table = _load(path)
    table.setdefault(chapter, {})[device] = {"jit_compile": bool(jit_compile), **measured}
    path.write_text(json.dumps(table, indent=2, sort_keys=True) + "\n")


def strategy_blocker(strategy: str, device: str, replicas: int) -> str | None:
    """Why XLA cannot compile a training step under `strategy` here, or `None` when it can.

    Several replicas add their gradients with an all-reduce inside the step
    Keras compiles. TensorFlow has XLA collectives for GPUs, not for CPU
    devices: `multiworker` on CPUs, and `mirrored` over several logical CPUs,
    fail to compile ("Collectives are not yet implemented for CPU devices").
    """
    if device == "cpu" and (strategy == "multiworker" or (strategy == "mirrored" and replicas > 1)):
        return COLLECTIVES_ON_CPU
    return None


def check_strategy(flag: str, strategy: str, device: str, replicas: int):
    """Stop `--xla on` at once (a usage error) where the strategy's step cannot be compiled."""
    blocker = strategy_blocker(strategy, device, replicas)
    if flag == "on" and blocker:
        raise UsageError(f"--xla on cannot run with --strategy {strategy} on this machine: {blocker}; "
                         "use --xla off or auto")


def resolve(flag: str, chapter: str, measure=None, strategy: str = "default", replicas: int = 1) -> tuple[bool, str]:
    """Turn `--xla auto|on|off` into `(jit_compile, why)`.

    `measure` is called as `measure()` -> `{"xla_on": s, "xla_off": s}` (seconds
    per step) when no decision is recorded for this device; its result is
    cached so the next run does not measure again. With no record and no
    `measure`, `auto` raises `ValueError` rather than guess. Under a strategy
    XLA cannot compile here (`strategy_blocker`), `auto` is off and `on` a
    usage error.
    """
    if flag == "off":
        return False, "--xla off"
    device = device_kind()
    check_strategy(flag, strategy, device, replicas)
    if flag == "on":
        return True, "--xla on"
    blocker = strategy_blocker(strategy, device, replicas)
    if blocker:
        return False, f"--xla auto: off under --strategy {strategy}, since {blocker}"
    found = recorded(chapter, device)
    if found is not None:
        on, source = found
        return on, f"--xla auto: measured faster on {device} ({Path(source).name})"
    if measure is None:
        # The decision is measured, never guessed: without a record we need a way to measure.
        raise ValueError(f"no XLA measurement for {chapter} on {device}; run `python -m kerasbook.bench {chapter}`")
    times = measure()
    on = times["xla_on"] < times["xla_off"]
    record(chapter, device, on, {"step_s_xla_on": times["xla_on"], "step_s_xla_off": times["xla_off"]})
    return on, f"--xla auto: measured now on {device} (on {times['xla_on']*1e3:.0f} ms, off {times['xla_off']*1e3:.0f} ms per step)"


def seconds_per_step(steps_by_mode: dict, steps: int) -> dict:
    """`{"xla_on", "xla_off"}`: seconds per step with each mode's first (tracing, compiling) step spread over
    `steps` steps, and XLA's scaled by 1 / `MARGIN`. XLA's step can be a little faster and still lose a
    run to its compile time, and a difference inside the noise of a measurement should not flip the mode."""
    return {("xla_on" if k else "xla_off"): (v["step_s"] + v["compile_s"] / steps) / (MARGIN if k else 1.0)
            for k, v in steps_by_mode.items()}


def median_time(fn, repeats, warm_up: bool = True):
    """Median seconds of `fn()` over `repeats` calls, after one warm-up call (tracing, compiling) unless
    `warm_up` is false."""
    import numpy as np

    if warm_up:
        fn()
    times = []
    for _ in range(repeats):
        start = time.perf_counter()
        fn()
        times.append(time.perf_counter() - start)
    return float(np.median(times))


def time_train_steps(make_model, x, y, steps=10, modes=(True, False)):
    """Seconds per training step of `make_model(jit_compile)` with XLA on and off.

    `make_model(jit)` returns a compiled model; `x`, `y` is one batch. The first
    step (tracing and compilation) is timed on its own, then `steps` more.

    Returns `{True: {"compile_s", "step_s" (median), "samples_per_s"}, False: {...}}`.
    """
    batch = len(x) if not isinstance(x, (tuple, list, dict)) else len(next(iter(
        x.values() if isinstance(x, dict) else x)))
    out = {}
    for jit in modes:
        model = make_model(jit)
        start = time.perf_counter()
        model.train_on_batch(x, y)
        compile_s = time.perf_counter() - start
        step = median_time(lambda: model.train_on_batch(x, y), steps, warm_up=False)
        out[jit] = {"compile_s": compile_s, "step_s": step, "samples_per_s": batch / step}
    return out


def measure_modes(measure) -> dict:
    """`measure(modes)` with XLA on, then off, merged: what `time_train_steps` returns.

    A step XLA cannot compile on this device is a result, not a crash: its entry has an infinite step
    time and the reason under "error" (and `decide` turns XLA off). A step that fails without XLA too
    still raises.
    """
    out = {}
    try:
        out.update(measure((True,)))
    except Exception as err:  # noqa: BLE001 - which op lacks an XLA kernel differs by device
        out[True] = {"compile_s": float("nan"), "step_s": float("inf"), "samples_per_s": 0.0,
                     "error": f"XLA cannot compile this step here ({type(err).__name__})"}
    out.update(measure((False,)))
    return out


def decide(key: str, device: str, measured: dict, run_steps: int | None = None, ship: bool = False) -> bool:
    """Record the XLA decision for `key` on `device`; returns it (`True` = XLA on).

    Without `run_steps` the faster median step wins. With it, each mode's first step (tracing,
    compiling) is spread over a default run's `run_steps` steps and XLA must win by `MARGIN`. A step
    XLA could not compile here means off. The decision goes to the user's cache, and with `ship` also
    to the table shipped with the package.
    """
    on, off = measured[True], measured[False]
    if "error" in on:
        jit = False
    elif run_steps is None:
        jit = on["step_s"] < off["step_s"]
    else:
        per_step = seconds_per_step(measured, run_steps)
        jit = per_step["xla_on"] < per_step["xla_off"]
    entry = {"step_s_xla_on": None if "error" in on else on["step_s"], "step_s_xla_off": off["step_s"]}
    if run_steps is not None:
        entry.update(compile_s_xla_on=None if "error" in on else on["compile_s"], run_steps=run_steps)
    if "error" in on:
        entry["xla_on_error"] = on["error"]
    record(key, device, jit, entry)
    if ship:
        record(key, device, jit, entry, path=SHIPPED)
    return jit


def part_decision(run, part: str, first: str, measure_step_times, run_steps) -> tuple[bool, str]:
    """`(jit, why)` for one part of a chapter made of parts (13, 14): the run's own decision for its `first`
    part; for any other, the part's own, recorded as `CHAPTER.PART` by `python -m kerasbook.bench`, or else
    measured now from `measure_step_times(cfg, part, steps=5)` and spread over the `run_steps(cfg, part)`
    steps the run takes. Like the run's, it knows what the run's strategy cannot compile."""
    if part == first:
        return run.jit, run.why
    return resolve(run.args.xla, f"{run.chapter}.{part}", measure=lambda: seconds_per_step(
        measure_step_times(run.cfg, part, steps=5), run_steps(run.cfg, part)),
        strategy=run.args.strategy, replicas=run.strategy.num_replicas_in_sync)
