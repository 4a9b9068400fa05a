"""Chapter 7: GRU + CRNN, a captcha reader trained with CTC.

A CRNN reads text from an image without cutting it into characters. A small
residual CNN turns the 48x128 image into a 3x16 grid of features, keeping the
width axis as time; each of the 16 columns becomes one step of a sequence that
a bidirectional GRU stack reads left-to-right and right-to-left; a dense layer
scores every column over the 36 symbols plus the CTC blank. CTC (our own, in
`kerasbook.layers.ctc`) trains it from the text alone, summing over every way
the 5 characters could be laid out across the 16 columns.

Run it:

    python -m kerasbook.chapters.ch07_crnn            # default run, builtin data
    python -m kerasbook.chapters.ch07_crnn --quick    # about two minutes on a laptop
    python -m kerasbook.chapters.ch07_crnn predict --model RUN/model.keras a.png b.png

References:
    Shi, Bai, Yao, "An End-to-End Trainable Neural Network for Image-based
    Sequence Recognition" (CRNN), 2015. Cho et al., "Learning Phrase
    Representations using RNN Encoder-Decoder" (GRU), 2014. Graves et al.,
    "Connectionist Temporal Classification", 2006.
"""

from __future__ import annotations

import dataclasses
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from kerasbook import cli, saving
from kerasbook.data import DatasetSpec, cached_or_downloaded, register
from kerasbook.data import captcha as cap
from kerasbook import xla

CHAPTER = "ch07_crnn"
PROG = "python -m kerasbook.chapters.ch07_crnn"
TITLE = "GRU + CRNN"  # its name in the site's navigation
TRACK = "Sequence track"
TOPIC = "a captcha reader trained with CTC, greedy and beam decoding"
NUM_CLASSES = len(cap.ALPHABET) + 1          # 36 symbols + the CTC blank (class 0)
LAB_URL = "https://github.com/AakashKumarNain/CaptchaCracker/raw/master/captcha_images_v2.zip"


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 7 depends on."""

    train_size: int = 30_000        # builtin captchas drawn for training
    val_size: int = 1_000           # held out for the best-model checkpoint
    test_size: int = 1_000          # unseen captchas for the final numbers
    epochs: int = 3
    batch_size: int = 32            # small batches: more updates for the same work
    learning_rate: float = 3e-3     # peak of the warm-up + cosine schedule
    warmup_fraction: float = 0.1    # share of all steps spent warming up
    widths: tuple = (32, 32, 64, 128)  # stem, then the three residual stages
    rnn_units: int = 128            # per direction
    rnn_layers: int = 2
    dropout: float = 0.1
    beam_width: int = 8             # beam search at evaluation
    clipnorm: float = 5.0           # RNNs and CTC like a bounded step
    unroll: bool = True             # unroll the GRUs over the 16 steps where cuDNN is not used

    def quick(self) -> "Config":
        """A preset that finishes in about two minutes on a laptop CPU: one BiGRU layer, fewer captchas."""
        return dataclasses.replace(self, train_size=10_000, val_size=500, test_size=500, epochs=5, rnn_layers=1)
# --8<-- [end:config]


# --8<-- [start:data]
def _lab_folder(data_dir):
    """The lab folder to use: `--data-dir`, or the copy `keras.utils.get_file` cached."""
    if data_dir:
        return Path(data_dir)
    cached = Path(os.environ.get("KERAS_HOME", "~/.keras")).expanduser()
    hits = sorted((cached / "datasets").glob("captcha_images_v2*/**/*.png"))
    return hits[0].parent if hits else None


def _lab_available(data_dir):
    folder = _lab_folder(data_dir)
    if folder is None:
        return False, "the lab captcha folder is not cached; pass --data-dir DIR with images named by their text"
    try:
        cap.list_folder(folder)
    except ValueError as err:
        if data_dir:
            raise cli.UsageError(str(err)) from None
        return False, str(err)
    return True, ""


SPEC = register(DatasetSpec(
    name="captcha",
    builtin="captchas drawn by the captcha package (datasets/captcha_synth)",
    full="the course's lab captchas: a folder of images named by their text",
    full_available=_lab_available,
    full_url=LAB_URL,
))


def builtin_builder(cfg: Config, seed: int):
    """The TFDS builder of `datasets/captcha_synth` for this run's sizes and seed."""
    from kerasbook.datasets.captcha_synth.captcha_synth_dataset_builder import Builder, CaptchaConfig
    from kerasbook.paths import cache_dir

    config = CaptchaConfig.make(cfg.train_size, cfg.val_size, cfg.test_size, seed)
    if config.name in Builder.builder_configs:
        config = config.name  # TFDS refuses a custom config that shadows a named one
    return Builder(config=config, data_dir=str(cache_dir() / "tfds"))


def load_builtin(cfg: Config, seed: int, seconds=None):
    """`{split: (images (N, 48, 128, 1) uint8, labels (N, 5) int32, texts)}` from TFDS.

    `seconds`, a dict, gets `data_prepare` (drawing the captchas and writing
    them, or nothing when TFDS has them cached) and `data_read`.
    """
    import tensorflow_datasets as tfds

    start = time.perf_counter()
    from kerasbook.data import prepare

    builder = builtin_builder(cfg, seed)
    prepare(builder)
    prepared = time.perf_counter()
    splits = {}
    for split in ("train", "validation", "test"):
        arrays = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1))
        texts = [t.decode() for t in arrays["text"]]
        splits[split] = (arrays["image"], arrays["label"].astype("int32"), texts)
    if seconds is not None:
        seconds.update(data_prepare=prepared - start, data_read=time.perf_counter() - prepared)
    return splits


def load_lab(data_dir, seed: int):
    """The course's lab captchas, split 80/10/10 by a seeded shuffle."""
    folder = cached_or_downloaded(_lab_folder, data_dir, "captcha_images_v2.zip", LAB_URL, "PNG captchas")
    pairs = cap.list_folder(folder)
    images = np.stack([cap.load_image(p) for p, _ in pairs])[..., None]
    texts = [t for _, t in pairs]
    width = max(len(t) for t in texts)
    labels = np.zeros((len(texts), width), np.int32)       # padded with the blank (0)
    for i, t in enumerate(texts):
        labels[i, : len(t)] = cap.encode(t)
    order = np.random.default_rng(seed).permutation(len(texts))
    n_val = n_test = max(1, len(texts) // 10)
    parts = {"test": order[:n_test], "validation": order[n_test:n_test + n_val], "train": order[n_test + n_val:]}
    return {k: (images[idx], labels[idx], [texts[i] for i in idx]) for k, idx in parts.items()}


def pipeline(images, labels, batch_size, shuffle_seed=None):
    """A cached, shuffled, batched, prefetched `tf.data` pipeline."""
    import tensorflow as tf

    ds = tf.data.Dataset.from_tensor_slices((images, labels)).cache()
    if shuffle_seed is not None:
        ds = ds.shuffle(min(len(images), 10_000), seed=shuffle_seed, reshuffle_each_iteration=True)
    return ds.batch(batch_size, drop_remainder=shuffle_seed is not None).prefetch(tf.data.AUTOTUNE)
# --8<-- [end:data]


# --8<-- [start:model]
def build_model(cfg: Config, use_cudnn="auto"):
    """The CRNN: residual CNN over the image -> width as time -> BiGRU stack -> logits."""
    import keras
    import tensorflow as tf
    from keras import layers

    from kerasbook.layers.residual import ResidualBlock

    stem, w1, w2, w3 = cfg.widths
    # Unrolling the 16 GRU steps beats a while-loop on CPU; on a GPU without XLA
    # we keep the loop so that Keras can use the fused cuDNN kernel instead.
    unroll = cfg.unroll and (use_cudnn is False or not tf.config.list_physical_devices("GPU"))
    image = keras.Input((cap.HEIGHT, cap.WIDTH, 1), dtype="uint8", name="image")
    # Ink becomes positive and the pale background close to 0.
    x = layers.Rescaling(-1 / 255, offset=1.0, name="ink")(image)                 # (B, 48, 128, 1)
    x = layers.Conv2D(stem, 3, strides=2, padding="same", use_bias=False, name="stem_conv")(x)  # (B, 24, 64, 32)
    x = layers.BatchNormalization(momentum=0.9, name="stem_bn")(x)
    x = layers.ReLU(name="stem_relu")(x)
    x = ResidualBlock(w1, strides=2, name="res1")(x)                              # (B, 12, 32, 32)
    x = ResidualBlock(w2, strides=2, name="res2")(x)                              # (B, 6, 16, 64)
    # The last stage shrinks only the height: width is the time axis, and 16
    # columns (8 pixels each) leave room for 5 characters and the blanks between.
    x = ResidualBlock(w3, strides=(2, 1), name="res3")(x)                         # (B, 3, 16, 128)
    _, h, w, c = x.shape
    x = layers.Permute((2, 1, 3), name="width_first")(x)                          # (B, 16, 3, 128)
    x = layers.Reshape((w, h * c), name="to_sequence")(x)                         # (B, 16, 384)
    x = layers.Dense(cfg.rnn_units, activation="relu", name="column_proj")(x)     # (B, 16, units)
    x = layers.Dropout(cfg.dropout, name="column_dropout")(x)
    for i in range(cfg.rnn_layers):
        gru = layers.GRU(cfg.rnn_units, return_sequences=True, unroll=unroll,
                         use_cudnn=use_cudnn, name=f"gru{i + 1}")
        x = layers.Bidirectional(gru, name=f"bigru{i + 1}")(x)                   # (B, 16, 2 * units)
    logits = layers.Dense(NUM_CLASSES, name="logits")(x)                          # (B, 16, 37)
    return keras.Model(image, logits, name="crnn")
# --8<-- [end:model]


def compile_crnn(model, cfg: Config, steps_per_epoch: int, jit_compile: bool):
    """Adam with warm-up + cosine decay, our CTC loss and exact-match accuracy."""
    import keras

    from kerasbook.layers.ctc import CTCLoss, SequenceAccuracy
    from kerasbook.training import compile_model

    total = max(1, cfg.epochs * steps_per_epoch)
    warmup = int(total * cfg.warmup_fraction)
    schedule = keras.optimizers.schedules.CosineDecay(
        0.0 if warmup else cfg.learning_rate, total - warmup, alpha=0.02,
        warmup_target=cfg.learning_rate if warmup else None, warmup_steps=warmup,
    )
    optimizer = keras.optimizers.Adam(schedule, clipnorm=cfg.clipnorm)
    compile_model(model, optimizer=optimizer, loss=CTCLoss(), metrics=[SequenceAccuracy()], jit_compile=jit_compile)


def diagram_models():
    """The models the site draws with `keras.utils.plot_model`: the default CRNN."""
    return {"crnn": build_model(Config())}


def measure_step_times(cfg: Config, batch_size=None, steps=10, modes=(True, False), seed=0):
    """Seconds per training step with XLA on and off, plus compile time.

    Returns `{True: {"compile_s", "step_s" (median), "samples_per_s"}, False: {...}}`.
    """
    import keras


    batch_size = batch_size or cfg.batch_size
    rng = np.random.default_rng(seed)
    x = rng.integers(0, 256, (batch_size, cap.HEIGHT, cap.WIDTH, 1), dtype=np.uint8)
    y = rng.integers(1, NUM_CLASSES, (batch_size, cap.TEXT_LENGTH)).astype("int32")

    def make(jit):
        keras.utils.set_random_seed(seed)
        model = build_model(cfg, use_cudnn=False if jit else "auto")
        compile_crnn(model, cfg, steps_per_epoch=100, jit_compile=jit)
        return model

    return xla.time_train_steps(make, x, y, steps=steps, modes=modes)


def profile_step(cfg: Config, batch_size=None, repeats=10, jit=False, seed=0):
    """Where one training step's time goes: milliseconds per part, and the whole step.

    Each part runs on its own, compiled the same way as training (`jit`):
    the convolutional front end forward and backward, the recurrent part
    (column projection, GRUs, logits) forward and backward including the CTC
    loss, the CTC loss and its gradient alone, and the optimizer's update of
    every weight. `step_ms` is a whole `train_on_batch`. `parts_ms` adds up the
    three parts that make a step (front end, recurrent part, optimizer): timed
    one by one, each pays its own call and hands its gradients back, so they
    can add up to a little more than the whole step.
    """
    import keras
    import tensorflow as tf

    from kerasbook.xla import median_time
    from kerasbook.layers.ctc import ctc_loss

    batch_size = batch_size or cfg.batch_size
    rng = np.random.default_rng(seed)
    x = tf.constant(rng.integers(0, 256, (batch_size, cap.HEIGHT, cap.WIDTH, 1), dtype=np.uint8))
    y = tf.constant(rng.integers(1, NUM_CLASSES, (batch_size, cap.TEXT_LENGTH)).astype("int32"))
    keras.utils.set_random_seed(seed)
    model = build_model(cfg, use_cudnn=False if jit else "auto")
    compile_crnn(model, cfg, steps_per_epoch=100, jit_compile=jit)
    front = keras.Model(model.input, model.get_layer("to_sequence").output)
    columns = keras.Input(front.output.shape[1:])
    h = columns
    names = [layer.name for layer in model.layers]
    for layer in model.layers[names.index("to_sequence") + 1:]:      # column_proj ... logits
        h = layer(h)
    back = keras.Model(columns, h)
    features = tf.constant(rng.normal(size=(batch_size, *front.output.shape[1:])).astype("float32"))
    logits = tf.constant(rng.normal(size=(batch_size, *model.output.shape[1:])).astype("float32"))

    def grads_of(net, inputs, loss_fn):
        @tf.function(jit_compile=jit)
        def run():
            with tf.GradientTape() as tape:
                loss = loss_fn(net(inputs, training=True))
            return tape.gradient(loss, net.trainable_weights)
        return lambda: [g.numpy() for g in run()]

    @tf.function(jit_compile=jit)
    def ctc_alone():
        with tf.GradientTape() as tape:
            tape.watch(logits)
            loss = tf.reduce_mean(ctc_loss(y, logits))
        return tape.gradient(loss, logits)

    weights = model.trainable_variables
    zeros = [tf.zeros_like(w) for w in weights]
    model.optimizer.build(weights)
    update = tf.function(lambda: model.optimizer.apply(zeros, weights), jit_compile=jit)

    parts = {
        "conv_front_ms": grads_of(front, x, lambda f: tf.reduce_mean(f * features)),
        "gru_and_ctc_ms": grads_of(back, features, lambda z: tf.reduce_mean(ctc_loss(y, z))),
        "ctc_alone_ms": lambda: ctc_alone().numpy(),
        "optimizer_ms": lambda: [update(), weights[0].numpy()],
        "step_ms": lambda: model.train_on_batch(x, y),
    }
    result = {name: 1e3 * median_time(fn, repeats) for name, fn in parts.items()}
    result["parts_ms"] = result["conv_front_ms"] + result["gru_and_ctc_ms"] + result["optimizer_ms"]
    result["batch_size"] = batch_size
    result["xla"] = bool(jit)
    return result


# --8<-- [start:evaluate]
def decode_batch(logits, beam_width=0):
    """Texts from `(N, T, K)` logits: greedy (best path) or prefix beam search."""
    from keras import ops

    from kerasbook.layers.ctc import ctc_beam_search_decode, ctc_greedy_decode

    if beam_width <= 0:
        ids = ops.convert_to_numpy(ctc_greedy_decode(logits))
        return [cap.decode(row) for row in ids]
    from tqdm.auto import tqdm

    log_probs = ops.convert_to_numpy(ops.log_softmax(ops.convert_to_tensor(logits), axis=-1))
    rows = tqdm(log_probs, desc=f"beam search (width {beam_width})", unit=" img", leave=False,
                disable=len(log_probs) < 200)
    return [cap.decode(ctc_beam_search_decode(lp, beam_width, min_prob=1e-4)[0]) for lp in rows]


def evaluate(model, images, texts, beam_width, seconds=None):
    """Exact-match accuracy and character error rate, greedy and beam.

    `seconds`, a dict, gets `predict`, `greedy` and `beam_search`.
    """
    from kerasbook.metrics import character_error_rate, exact_match

    marks = [time.perf_counter()]
    logits = model.predict(images, batch_size=256, verbose=0)
    marks.append(time.perf_counter())
    greedy = decode_batch(logits)
    marks.append(time.perf_counter())
    beam = decode_batch(logits, beam_width)
    marks.append(time.perf_counter())
    if seconds is not None:
        seconds.update(zip(("predict", "greedy", "beam_search"), np.diff(marks).tolist()))
    metrics = {
        "test_exact_match_greedy": exact_match(greedy, texts),
        "test_cer_greedy": character_error_rate(greedy, texts),
        "test_exact_match_beam": exact_match(beam, texts),
        "test_cer_beam": character_error_rate(beam, texts),
    }
    return metrics, beam, logits
# --8<-- [end:evaluate]


def save_figures(out: Path, history, test_images, texts, predictions, logits):
    """Write curves.png, predictions.png and ctc_alignment.png to `out/figures`."""
    import matplotlib.pyplot as plt
    from keras import ops

    from kerasbook.plots import image_grid, plot_history, save_figure

    figs = out / "figures"
    plot_history(history, figs / "curves.png", title="CRNN + CTC on captchas")
    n = min(16, len(texts))
    captions = [p if p == t else f"{p or '∅'} ≠ {t}" for p, t in zip(predictions[:n], texts[:n])]
    wrong = [p != t for p, t in zip(predictions[:n], texts[:n])]
    image_grid(test_images[:n], captions, figs / "predictions.png", wrong=wrong,
               title="held-out captchas: read text (red: wrong, ≠ shows the truth)")

    # What CTC learns: per-column probabilities, mostly blank with sharp spikes.
    probs = ops.convert_to_numpy(ops.softmax(ops.convert_to_tensor(logits[0]), axis=-1))   # (T, K)
    fig, (top, bottom) = plt.subplots(2, 1, figsize=(7, 4.4), gridspec_kw={"height_ratios": [1, 1.4]})
    top.imshow(np.squeeze(test_images[0]), cmap="gray", aspect="auto")
    top.set_title(f"input (text {texts[0]!r}); each of the {probs.shape[0]} columns is one time step")
    top.axis("off")
    # Only the classes that matter somewhere (blank plus any above 5 %), so labels stay readable.
    rows = [k for k in range(NUM_CLASSES) if k == 0 or probs[:, k].max() > 0.05]
    bottom.imshow(probs[:, rows].T, aspect="auto", cmap="magma", vmin=0, vmax=1, interpolation="nearest")
    bottom.set_yticks(range(len(rows)), [("_" + cap.ALPHABET)[k] for k in rows], family="monospace")
    bottom.set_xticks(range(probs.shape[0]))
    bottom.set_xlabel("time step (one 8-pixel column group)")
    bottom.set_ylabel("class (_ = blank)")
    save_figure(fig, figs / "ctc_alignment.png", dpi=110)


def wall_time_line(seconds: dict) -> str:
    """Where a run's wall time went, from the `seconds` of its metrics.json."""
    details = {
        "data": ("drawing and writing {data_prepare:.0f}s, reading {data_read:.0f}s", "data_prepare"),
        "evaluate": ("beam search {beam_search:.0f}s", "beam_search"),
    }
    parts = []
    for key, label in (("data", "data"), ("train", "training"), ("evaluate", "evaluation"), ("figures", "figures")):
        if key in seconds:
            detail, needs = details.get(key, ("", None))
            parts.append(f"{label} {seconds[key]:.0f}s" + (f" ({detail.format(**seconds)})" if needs in seconds else ""))
    rest = seconds["total"] - sum(seconds.get(k, 0.0) for k in ("data", "train", "evaluate", "figures"))
    return f"wall time {seconds['total']:.0f}s: {', '.join(parts)}, start-up and the rest {rest:.0f}s"


def with_flags(cfg: Config, args) -> Config:
    """`cfg` with this chapter's own flags (`--learning-rate`, `--rnn-layers`) applied where given."""
    given = {k: v for k, v in (("learning_rate", args.learning_rate), ("rnn_layers", args.rnn_layers)) if v is not None}
    return dataclasses.replace(cfg, **given)


def _train(argv):
    from kerasbook import runs, training

    def add_arguments(parser):
        parser.add_argument("--learning-rate", type=float, default=None,
                            help=f"peak learning rate of the schedule (default: {Config().learning_rate:g})")
        parser.add_argument("--rnn-layers", type=cli.positive_int, default=None,
                            help=f"BiGRU layers (default: {Config().rnn_layers}; --quick: {Config().quick().rnn_layers})")

    def validate(args, cfg, sources):
        if args.learning_rate is not None and not 0 < args.learning_rate <= 1:
            raise cli.UsageError(f"--learning-rate must be above 0 and at most 1, got {args.learning_rate:g}")

    run = runs.setup(argv, chapter=CHAPTER, prog=PROG, description="Train the CRNN captcha reader (chapter 7).",
                     config=Config(), specs=(SPEC,), add_arguments=add_arguments, validate=validate,
                     measure=lambda run: measure_step_times(with_flags(run.cfg, run.args), steps=5))
    run.cfg = with_flags(run.cfg, run.args)
    cfg, out = run.cfg, run.out

    start, seconds = time.perf_counter(), {}
    splits = load_builtin(cfg, run.seed, seconds) if run.source == "builtin" else load_lab(run.args.data_dir, run.seed)
    data_seconds = time.perf_counter() - start
    (x_tr, y_tr, _), (x_va, y_va, _), (x_te, y_te, t_te) = (splits[k] for k in ("train", "validation", "test"))
    x_tr, y_tr = x_tr[: cfg.train_size], y_tr[: cfg.train_size]   # --train-size also caps a given folder
    run.require_batch(len(x_tr), "training images")
    print(f"data: {run.source}, {len(x_tr)} train / {len(x_va)} validation / {len(x_te)} test ({data_seconds:.0f}s)")

    train_ds = pipeline(x_tr, y_tr, cfg.batch_size, shuffle_seed=run.seed)
    val_ds = pipeline(x_va, y_va, cfg.batch_size)
    info = run.run_info()
    with run.strategy.scope():
        model = build_model(cfg, use_cudnn=False if run.jit else "auto")
        compile_crnn(model, cfg, steps_per_epoch=len(x_tr) // cfg.batch_size, jit_compile=run.jit)
    model, history = training.fit(model, train_ds, val_ds, epochs=cfg.epochs, out=out, info=info,
                                  train_examples=(len(x_tr) // cfg.batch_size) * cfg.batch_size,
                                  verbose=run.verbose())

    eval_start = time.perf_counter()
    metrics, predictions, logits = evaluate(model, x_te, t_te, cfg.beam_width, seconds)
    eval_seconds = time.perf_counter() - eval_start
    save_figures(out, history, x_te, t_te, predictions, logits)
    seconds["figures"] = time.perf_counter() - eval_start - eval_seconds
    metrics_json = run.finish(dataset=run.dataset_entry(len(x_tr), len(x_va), len(x_te)), info=info,
                              seconds={"data": data_seconds, "train": info.train_seconds, "evaluate": eval_seconds,
                                       **seconds},
                              final={**metrics, **{k: v[-1] for k, v in history.items()}})
    print(wall_time_line(metrics_json["seconds"]))
    print(f"test exact match: {metrics['test_exact_match_beam']:.3f} (beam {cfg.beam_width}), "
          f"{metrics['test_exact_match_greedy']:.3f} (greedy); CER {metrics['test_cer_beam']:.4f}; "
          f"XLA {'on' if run.jit else 'off'}; wrote {out}")
    return 0


def _predict(argv):
    parser = cli.OneLineParser(prog=f"{PROG} predict", description="Read the text in captcha images.")
    parser.add_argument("--model", required=True, help="a model.keras written by a chapter 7 run")
    parser.add_argument("--beam-width", type=int, default=Config.beam_width, help="0 for greedy decoding")
    parser.add_argument("images", nargs="+", help="image files (PNG or JPEG)")
    args = parser.parse_args(argv)
    cli.require_model_and_images(args.model, args.images, PROG)
    try:
        images = np.stack([cap.load_image(p) for p in args.images])[..., None]
    except ValueError as err:
        raise cli.UsageError(str(err)) from None

    import kerasbook.layers.ctc  # noqa: F401  (registers the custom objects)
    import kerasbook.layers.residual  # noqa: F401

    model = saving.load_user_model(args.model, "chapter 7")
    logits = model.predict(images, verbose=0)
    for path, text in zip(args.images, decode_batch(logits, args.beam_width)):
        print(f"{path}\t{text}")
    return 0


def main(argv=None):
    """Train (the default, or `train`) or read images (`predict`); returns the exit code."""
    return cli.chapter_main(argv, _train, PROG, predict=_predict)


if __name__ == "__main__":
    sys.exit(main())
