"""The training runner every chapter shares.

It makes three decisions explicit instead of leaving them to defaults:

* **XLA.** Keras quietly turns `jit_compile=True` off (with only a warning)
  when some layer cannot be compiled, and its `"auto"` means "off" on a CPU.
  Here `--xla on|off` is obeyed or the run stops with a clear reason, and
  `--xla auto` picks the mode that `python -m kerasbook.bench CHAPTER` measured
  faster for this chapter on this kind of device.
* **Distribution.** `--strategy` picks a `tf.distribute` strategy: `default`
  (one device), `mirrored` (every local device) or `multiworker` (the cluster
  in `TF_CONFIG`). The dataset's batch is the global batch, split evenly over
  the replicas; the learning rate is the chapter's, not scaled.
* **Artifacts.** Every run writes `model.keras`, `metrics.json`,
  `history.csv` and `figures/*.png` to its output folder (on a cluster, the
  chief does; see `kerasbook.runs`).
"""

from __future__ import annotations

import concurrent.futures
import json
import os
import platform
import sys
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import keras
import tensorflow as tf

from kerasbook import saving, xla
from kerasbook.cli import UsageError, cluster_role

def start_run(args, chapter: str, measure_steps):
    """The start every chapter's training shares: seed, strategy, XLA decision, one line saying which.

    `args` are the parsed common flags; `measure_steps()` returns what
    `time_train_steps` returns and is only called when `--xla auto` has no
    recorded decision for this device. Returns `(strategy, jit_compile, why)`.
    """
    keras.utils.set_random_seed(args.seed)
    device = xla.device_kind()
    # `--xla on` where the strategy's step cannot be compiled stops here, before any worker waits for the others.
    # (Only `mirrored` needs the local devices counted: listing logical devices starts TensorFlow's runtime,
    # and a multi-worker strategy must configure it first.)
    xla.check_strategy(args.xla, args.strategy, device, local_replicas() if args.strategy == "mirrored" else 1)
    strategy = make_strategy(args.strategy)
    measure = None if measure_steps is None else (lambda: {
        ("xla_on" if k else "xla_off"): v["step_s"] for k, v in measure_steps().items()
    })
    jit, why = xla.resolve(args.xla, chapter, measure=measure, strategy=args.strategy,
                           replicas=strategy.num_replicas_in_sync)
    print(f"XLA: {'on' if jit else 'off'} ({why}); strategy: {args.strategy} "
          f"({strategy.num_replicas_in_sync} replica(s)); device: {device}")
    return strategy, jit, why


def local_replicas() -> int:
    """The replicas `--strategy mirrored` makes on this machine: one per GPU, else one per logical CPU."""
    return len(tf.config.list_logical_devices("GPU")) or len(tf.config.list_logical_devices("CPU"))


def make_strategy(name: str):
    """The `tf.distribute` strategy for `--strategy`."""
    if name == "default":
        return tf.distribute.get_strategy()
    if name == "mirrored":
        return tf.distribute.MirroredStrategy()
    if name == "multiworker":
        cluster_role()                     # a broken TF_CONFIG is a usage error, not a TensorFlow trace
        return MultiWorkerStrategy()
    raise UsageError(f"unknown strategy {name!r}; use default, mirrored or multiworker")


class MultiWorkerStrategy(tf.distribute.MultiWorkerMirroredStrategy):
    """`tf.distribute.MultiWorkerMirroredStrategy` that Keras 3's `fit` can run with.

    Keras 3's TensorFlow trainer asks this strategy for two reductions that
    `tf.distribute` answers only on a single machine:

    * Before the first step it takes one batch of the distributed dataset and
      calls `reduce("MEAN", batch, axis=None)` on the whole `(x, y)` structure,
      only to learn its shapes and dtypes for building the model's metrics.
      `reduce` takes a single value: `MirroredStrategy` hands a structure back
      untouched, but across workers the strategy tries a collective op on it
      and fails with `Attempt to convert a value (PerReplica:...)`. We answer a
      structure with this worker's first replica's values: the shapes and
      dtypes Keras asked for, with no communication.
    * After every step it averages each logged number (loss, metrics) over the
      replicas with `reduce("MEAN", value, axis=0)`, and these numbers are
      scalars, with no axis 0. For a scalar we average across replicas only
      (`axis=None`), as Keras does itself on a single machine.

    Every other reduction goes to `tf.distribute` unchanged.
    """

    def reduce(self, reduce_op, value, axis):
        if isinstance(value, (tuple, list, dict)):
            return tf.nest.map_structure(lambda v: self.experimental_local_results(v)[0], value)
        if axis is not None and self.experimental_local_results(value)[0].shape.rank == 0:
            axis = None
        return super().reduce(reduce_op, value, axis)


def in_replica(fn, *args):
    """`fn(*args)` computed as one device would, also inside the run's strategy scope.

    A strategy's variables can only be read in one replica's context (or in
    `fit`), so work outside `fit` that reads them through a tape, such as a
    probe of a model's gradients, runs here: every replica computes `fn` on
    the same arguments, and the first replica's result is returned. Without
    a strategy it is simply `fn(*args)`.
    """
    if not tf.distribute.has_strategy():
        return fn(*args)
    strategy = tf.distribute.get_strategy()
    result = strategy.run(fn, args=args)
    return tf.nest.map_structure(lambda v: strategy.experimental_local_results(v)[0], result)


def outside_strategy(fn, *args, **kwargs):
    """`fn(*args, **kwargs)` on one device, outside the run's `tf.distribute` strategy.

    A strategy's scope holds for the thread that entered it, so `fn` runs on a
    thread of its own, where there is none: its variables are plain ones and
    it reads them as a single device does. For work that is not the run's
    training: chapter 2's hand-written gradient descent, or a metric object
    computed once over a whole corpus (`seq2seq.corpus_bleu`). Without a
    strategy it is simply `fn(*args, **kwargs)`.
    """
    if not tf.distribute.has_strategy():
        return fn(*args, **kwargs)
    with concurrent.futures.ThreadPoolExecutor(max_workers=1) as pool:
        return pool.submit(fn, *args, **kwargs).result()


def distribute_by_data(ds):
    """`ds` split across workers by examples: every worker reads it all and keeps its share of each batch.

    `AutoShardPolicy.DATA` says outright what `AUTO` falls back to for the book's
    in-memory pipelines (and avoids FILE sharding, which needs at least one file
    per worker). The split lines up only when every worker draws the same
    order, which the run's seed gives them. Anything but a `tf.data.Dataset`
    (NumPy arrays, `None`) passes through for Keras to split.
    """
    if not isinstance(ds, tf.data.Dataset):
        return ds
    options = tf.data.Options()
    options.experimental_distribute.auto_shard_policy = tf.data.experimental.AutoShardPolicy.DATA
    return ds.with_options(options)


def compile_model(model, *, optimizer, loss, metrics, jit_compile: bool):
    """`model.compile` that refuses to change the XLA decision behind our back."""
    model.compile(optimizer=optimizer, loss=loss, metrics=metrics, jit_compile=jit_compile)
    check_jit(model, jit_compile)


def check_jit(model, jit_compile: bool):
    if bool(model.jit_compile) != bool(jit_compile):
        blockers = [layer.name for layer in model._flatten_layers() if not layer.supports_jit]
        raise RuntimeError(
            f"XLA was requested ({jit_compile}) but Keras resolved jit_compile={model.jit_compile}; "
            f"layers that cannot be compiled: {', '.join(blockers) or 'none reported'}"
        )


class StopOnNaN(keras.callbacks.Callback):
    """Stop at the first NaN/inf loss and remember where it happened."""

    def __init__(self):
        super().__init__()
        self.where = None

    def on_train_batch_end(self, batch, logs=None):
        loss = (logs or {}).get("loss")
        if loss is not None and not (abs(float(loss)) < float("inf")):
            self.where = (self.epoch, batch)
            self.model.stop_training = True

    def on_epoch_begin(self, epoch, logs=None):
        self.epoch = epoch


class EpochTimer(keras.callbacks.Callback):
    """Where the training time goes: every epoch's wall time, split into its parts.

    `seconds` holds each epoch's wall time. `parts` adds up, over the run, the
    first step (tracing, and compiling with XLA), the other steps (each
    includes taking its batch from the input pipeline), validation, the work
    at each epoch's end (checkpoint, history) and what is left (progress bar
    and the loop between steps); `steps` counts the steps.
    """

    def on_train_begin(self, logs=None):
        self.seconds = []
        self.parts = dict.fromkeys(("first_step", "steps", "validation", "epoch_end", "other"), 0.0)
        self.steps = 0

    def on_epoch_begin(self, epoch, logs=None):
        self._start = self._mark = time.perf_counter()

    def on_train_batch_begin(self, batch, logs=None):
        now = time.perf_counter()
        self.parts["other"] += now - self._mark
        self._mark = now

    def on_train_batch_end(self, batch, logs=None):
        now = time.perf_counter()
        self.parts["first_step" if self.steps == 0 else "steps"] += now - self._mark
        self.steps += 1
        self._mark = now

    def on_test_begin(self, logs=None):
        now = time.perf_counter()
        self.parts["other"] += now - self._mark
        self._mark = now

    def on_test_end(self, logs=None):
        now = time.perf_counter()
        self.parts["validation"] += now - self._mark
        self._mark = now

    def on_epoch_end(self, epoch, logs=None):
        # Runs after the checkpoint and history callbacks, which come first in the list.
        now = time.perf_counter()
        self.parts["epoch_end"] += now - self._mark
        self.seconds.append(now - self._start)

    def profile(self, train_examples: int) -> dict:
        """The parts in seconds, plus the samples/s of the steps alone (the first one left out)."""
        out = {f"{k}_s": v for k, v in self.parts.items()}
        out["steps"] = self.steps
        if self.steps > 1 and self.parts["steps"] > 0:
            per_step = train_examples * len(self.seconds) / self.steps
            out["step_samples_per_s"] = per_step * (self.steps - 1) / self.parts["steps"]
        return out


@dataclass
class RunInfo:
    """What `fit` did, as recorded in metrics.json."""

    jit_compile: bool
    xla_reason: str
    strategy: str
    device: str
    replicas: int = 1                        # copies of the model training in lockstep, over all workers
    workers: int = 1
    epochs_run: int = 0
    train_seconds: float = 0.0
    samples_per_s: float = 0.0
    extra: dict = field(default_factory=dict)


def fit(model, train_ds, val_ds, *, epochs, out: Path, info: RunInfo, train_examples: int,
        monitor="val_loss", verbose=1, extra_callbacks=()):
    """Train with progress bar, history CSV, best-model checkpoint and NaN stop.

    The best model (by `monitor`) is saved to `out/model.keras` and returned,
    reloaded from that file, so what the run evaluates is exactly what it saved.
    Under a multi-worker strategy the datasets are split across workers by
    examples (`distribute_by_data`); each worker writes to its own `out`.
    """
    out.mkdir(parents=True, exist_ok=True)
    if isinstance(model.distribute_strategy, tf.distribute.MultiWorkerMirroredStrategy):
        train_ds, val_ds = distribute_by_data(train_ds), distribute_by_data(val_ds)
    nan_stop, timer = StopOnNaN(), EpochTimer()
    callbacks = [
        keras.callbacks.CSVLogger(str(out / "history.csv")),
        keras.callbacks.ModelCheckpoint(str(out / "model.keras"), monitor=monitor, save_best_only=True),
        nan_stop,
        timer,
        *extra_callbacks,
    ]
    start = time.perf_counter()
    # Datasets arrive shuffled by their pipeline; shuffle=False only stops Keras warning about it.
    history = model.fit(train_ds, validation_data=val_ds, epochs=epochs, callbacks=callbacks, verbose=verbose,
                        shuffle=False)
    info.train_seconds = time.perf_counter() - start
    check_jit(model, info.jit_compile)
    info.epochs_run = len(timer.seconds)
    if timer.seconds:
        # The first epoch includes tracing/compilation; report the steady rate when we can.
        steady = timer.seconds[1:] or timer.seconds
        info.samples_per_s = train_examples * len(steady) / sum(steady)
        info.extra["first_epoch_s"] = timer.seconds[0]
        info.extra["profile"] = timer.profile(train_examples)
        if verbose:
            print(profile_line(info.train_seconds, info.extra["profile"]))
    if nan_stop.where is not None:
        epoch, batch = nan_stop.where
        raise FloatingPointError(
            f"the loss became NaN/inf at epoch {epoch + 1}, batch {batch}; lower the learning rate or check the data"
        )
    if not (out / "model.keras").exists():
        model.save(out / "model.keras")
    return saving.load_model(out / "model.keras"), history.history


def profile_line(total: float, profile: dict) -> str:
    """One line saying where the training time went, from `EpochTimer.profile`."""
    rate = profile.get("step_samples_per_s")
    steps = profile["steps"] - 1
    return (f"training {total:.0f}s: first step (tracing) {profile['first_step_s']:.1f}s, "
            f"{steps} more steps {profile['steps_s']:.0f}s"
            + (f" ({rate:.0f} samples/s)" if rate else "")
            + f", validation {profile['validation_s']:.1f}s, checkpoints and history {profile['epoch_end_s']:.1f}s, "
            f"progress bar and loop {profile['other_s']:.1f}s")


def write_metrics(out: Path, metrics: dict):
    """Write `metrics.json` (sorted keys, numbers rounded for reading)."""

    def clean(v):
        if isinstance(v, float):
            return float(f"{v:.6g}")
        if isinstance(v, dict):
            return {k: clean(x) for k, x in v.items()}
        if isinstance(v, (list, tuple)):
            return [clean(x) for x in v]
        return v

    (out / "metrics.json").write_text(json.dumps(clean(metrics), indent=2, sort_keys=True) + "\n")


def environment() -> dict:
    """Versions and machine, for metrics.json."""
    return {
        "python": platform.python_version(),
        "tensorflow": tf.__version__,
        "keras": keras.__version__,
        "machine": platform.machine(),
        "cpus": os.cpu_count(),
        "argv": sys.argv[1:],
    }


def run_info_dict(info: RunInfo) -> dict:
    return asdict(info)
