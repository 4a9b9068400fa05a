"""Helpers the tests share, importable without pytest where they run a chapter.

- `check_layer`: the shared checks for a custom layer, before a chapter relies on
  it: its config round-trips, it works on symbolic and eager inputs with the same
  output shape, a model holding it saves to `.keras` and reloads with equal
  outputs, and one `fit` step moves its weights.
- `run_toy` and `toy_run_fixture`: one chapter run at toy size through its own
  `main([...])`, with a small `Config` in place of the chapter's; `run_toy` needs
  no pytest, so a plain script (say, one started in a subprocess) can use it too.
- `toy_run_of`: the toy run a chapter's test file defines, for a script or a
  notebook outside pytest.
- `run_artifacts`: the start of every toy-run test: exit code 0, the named files
  written, `metrics.json` read back.
- `usage_error`: a command stops with exit code 2 and a one-line message.
- `reversal_task`, `train_reverser`, `check_reversal_decoding`,
  `check_stepper_reproduces_model`: a toy translation task (write the source
  backwards) and the checks every translator trained on it passes.
- `reloads_identically`: a saved model, saved again and reloaded, predicts the same.
- `run_fresh`: a chapter's command in a new Python process, where nothing has
  been imported yet (a saved model must load there too).
"""

from __future__ import annotations

import importlib
import json
import os
from pathlib import Path

import keras
import numpy as np


def _as_list(x):
    return list(x) if isinstance(x, (list, tuple)) else [x]


def check_layer(layer_cls, init_kwargs: dict, inputs, tmp_path: Path, expected_output_shape=None, atol=1e-5):
    """Run the shared layer checks; raise `AssertionError` on the first failure.

    Args:
        layer_cls: the layer class.
        init_kwargs: arguments for the constructor.
        inputs: a NumPy array, or a list of arrays for multi-input layers
            (batch dimension first).
        tmp_path: a folder for the `.keras` file.
        expected_output_shape: optional full output shape of the eager call.
        atol: tolerance for the reloaded model's outputs.

    Returns:
        The eager output, for further checks by the caller.
    """
    arrays = [np.asarray(a) for a in _as_list(inputs)]
    call_inputs = arrays if isinstance(inputs, (list, tuple)) else arrays[0]

    # 1. Config round trip: every constructor argument is stored and restored.
    layer = layer_cls(**init_kwargs)
    config = layer.get_config()
    for key, value in init_kwargs.items():
        assert key in config, f"{layer_cls.__name__}.get_config() lacks {key!r}"
        stored = config[key]
        if isinstance(value, (list, tuple)) and isinstance(stored, (list, tuple)):
            assert list(stored) == list(value), f"{key}: {stored!r} != {value!r}"
        else:
            assert stored == value, f"{key}: {stored!r} != {value!r}"
    clone = layer_cls.from_config(config)
    assert clone.get_config() == config, "from_config(get_config()) does not round-trip"

    # 2. Eager call and symbolic call agree on the output shape.
    eager = layer(call_inputs)
    if expected_output_shape is not None:
        assert tuple(eager.shape) == tuple(expected_output_shape), f"eager shape {eager.shape} != {expected_output_shape}"
    symbolic_inputs = [keras.Input(a.shape[1:], dtype=str(a.dtype), batch_size=a.shape[0]) for a in arrays]
    sym_arg = symbolic_inputs if isinstance(inputs, (list, tuple)) else symbolic_inputs[0]
    symbolic_out = layer_cls(**init_kwargs)(sym_arg)
    assert tuple(symbolic_out.shape) == tuple(eager.shape), f"symbolic {symbolic_out.shape} != eager {eager.shape}"

    # 3. A model holding the layer saves to .keras and reloads with equal outputs.
    model = keras.Model(sym_arg, symbolic_out)
    before = keras.ops.convert_to_numpy(model(call_inputs, training=False))
    path = Path(tmp_path) / f"{layer_cls.__name__}.keras"
    model.save(path)
    reloaded = keras.models.load_model(path)
    after = keras.ops.convert_to_numpy(reloaded(call_inputs, training=False))
    np.testing.assert_allclose(after, before, atol=atol, err_msg="reloaded model predicts differently")

    # 4. One fit step changes the trainable weights and gives a finite loss.
    if model.trainable_weights:
        start = [keras.ops.convert_to_numpy(w).copy() for w in model.trainable_weights]
        model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse")
        target = np.ones_like(before)
        logs = model.fit(call_inputs, target, batch_size=arrays[0].shape[0], epochs=1, verbose=0)
        assert np.isfinite(logs.history["loss"][0]), "loss is not finite after one step"
        moved = [not np.allclose(a, keras.ops.convert_to_numpy(w)) for a, w in zip(start, model.trainable_weights)]
        assert any(moved), "one fit step did not change any trainable weight"
    return keras.ops.convert_to_numpy(eager)


def usage_error(main, argv, capsys) -> str:
    """Run a command's `main(argv)`, which must stop with exit code 2 and one line on stderr; return that line.

    The shared check behind every "bad input gets a one-line error" test:
    `capsys` is pytest's fixture, so the message is read from real stderr.
    """
    import pytest

    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2, f"exit code {exc.value.code}, not 2"
    err = capsys.readouterr().err.strip()
    assert len(err.splitlines()) == 1, f"the error is not one line:\n{err}"
    return err


def reversal_task(n: int = 1_200, seed: int = 0):
    """A toy translation task for the translators' tests: 3-6 words from w0 … w7, to be written backwards.

    Returns `(source vectorizer, target vectorizer, source ids, decoder input, decoder target)`.
    """
    from kerasbook import seq2seq as s2s

    rng = np.random.default_rng(seed)
    words = [f"w{i}" for i in range(8)]
    sources = [" ".join(rng.choice(words, rng.integers(3, 7))) for _ in range(n)]
    targets = [" ".join(reversed(s.split())) for s in sources]
    src, tgt = s2s.make_vectorizers(sources, targets, 6, 6)
    x, y = s2s.encode(src, sources), s2s.encode(tgt, [f"{s2s.START} {t} {s2s.END}" for t in targets])
    return (src, tgt, x, *s2s.teacher_forcing(y))


def train_reverser(build, n: int, learning_rate: float, epochs: int, min_accuracy: float):
    """Train `build(source vocabulary size, target vocabulary size)` on `reversal_task(n)`, from seed 1.

    The training must reach `min_accuracy` token accuracy. Returns `(model, source vectorizer,
    target vectorizer)`: the `reverser` fixture of the translators' tests.
    """
    from kerasbook import seq2seq as s2s

    src, tgt, x, din, dout = reversal_task(n)
    keras.utils.set_random_seed(1)
    model = build(src.vocabulary_size(), tgt.vocabulary_size())
    s2s.compile_translator(model, learning_rate=learning_rate)
    history = model.fit([x, din], dout, batch_size=64, epochs=epochs, verbose=0)
    assert history.history["token_accuracy"][-1] > min_accuracy
    return model, src, tgt


REVERSAL_SOURCES = ("w1 w2 w3 w4", "w7 w0 w5", "w3 w3 w6 w1 w2")


def check_reversal_decoding(stepper, src, tgt):
    """Decode `REVERSAL_SOURCES` with a translator trained by `train_reverser`, through the shared decoders.

    Greedy decoding writes each sentence backwards; its attention rows are
    distributions that give the padded source positions no weight; beam search
    (width 3) finds the same sentences, and width 1 without length penalty is greedy.

    Returns a namespace (ids, start, end, greedy, attention, beam) for the caller's further checks.
    """
    from types import SimpleNamespace

    from kerasbook import seq2seq as s2s

    vocab = tgt.get_vocabulary()
    start, end = vocab.index(s2s.START), vocab.index(s2s.END)
    ids = s2s.encode(src, list(REVERSAL_SOURCES))
    greedy, attention = s2s.greedy_decode(stepper, ids, start, end, 8)
    texts = [s2s.ids_to_text(g, vocab) for g in greedy]
    assert texts == [" ".join(reversed(s.split())) for s in REVERSAL_SOURCES]
    # Attention rows are distributions over the source; padded source positions get no weight.
    assert np.allclose(attention.sum(-1), 1, atol=1e-5) and np.abs(attention[1, :, 3:]).max() < 1e-6
    beam = s2s.beam_decode(stepper, ids, start, end, 8, width=3)
    assert [s2s.ids_to_text(b, vocab) for b in beam] == texts
    assert s2s.beam_decode(stepper, ids, start, end, 8, width=1, alpha=0.0) == greedy   # width 1 is greedy
    return SimpleNamespace(ids=ids, start=start, end=end, greedy=greedy, attention=attention, beam=beam)


def check_stepper_reproduces_model(model, stepper, src, tgt, **call):
    """Step by step, `stepper` gives the log-probabilities the teacher-forced `model(..., **call)` gives.

    Checked on "w5 w1 w0" and its reversal over 4 decoder steps; returns the model's log-probabilities
    (steps x target vocabulary).
    """
    from kerasbook import seq2seq as s2s

    ids = s2s.encode(src, ["w5 w1 w0"])
    din, _ = s2s.teacher_forcing(s2s.encode(tgt, [f"{s2s.START} w0 w1 w5 {s2s.END}"]))
    full = keras.ops.convert_to_numpy(keras.ops.log_softmax(model([ids, din[:, :4]], **call), axis=-1))[0]
    encoded, state = stepper.encode(ids)
    for t in range(4):
        logp, state, _ = stepper.step(din[:, t], encoded, ids, state)
        np.testing.assert_allclose(logp[0], full[t], atol=1e-4)
    return full


def _run_order(chapter):
    """The module a chapter's run reads `Config` from, and whose `main` runs it.

    `chapter` is a module or its dotted name. For a chapter that is a package
    (ch01_foundations, ch13_transformer, ch14_gan) that is its `__main__`; a
    single-module chapter is its own run order.
    """
    module = importlib.import_module(chapter) if isinstance(chapter, str) else chapter
    if hasattr(module, "__path__"):                      # a package: its run is __main__.py
        module = importlib.import_module(f"{module.__name__}.__main__")
    return module


def run_toy(chapter, tiny_config, argv, out, cache=None):
    """Run a chapter at toy size: `main(argv + ["--out", out])` with `tiny_config` as its `Config`.

    Args:
        chapter: the chapter's module (or its dotted name), e.g.
            `kerasbook.chapters.ch02_ann`; for a package chapter, the package or
            its `__main__` module; `Config` is replaced in the module its run
            order reads it from (see `_run_order`).
        tiny_config: the class to use as `Config` during the run.
        argv: the command line, without `--out`.
        out: the run folder (a path; need not exist yet).
        cache: when given, `KERASBOOK_CACHE` points there during the run.

    Both replacements are undone when `main` returns or raises. No pytest needed.

    Returns:
        `(exit code, Path(out))`.
    """
    module = _run_order(chapter)
    if not hasattr(module, "Config"):
        raise AttributeError(f"{module.__name__} has no Config to replace")
    out = Path(out)
    old_config, old_cache = module.Config, os.environ.get("KERASBOOK_CACHE")
    module.Config = tiny_config
    if cache is not None:
        os.environ["KERASBOOK_CACHE"] = str(cache)
    try:
        code = module.main([*argv, "--out", str(out)])
    finally:
        module.Config = old_config
        if cache is not None:
            if old_cache is None:
                os.environ.pop("KERASBOOK_CACHE", None)
            else:
                os.environ["KERASBOOK_CACHE"] = old_cache
    return code, out


TOY_RUNS: dict[str, tuple] = {}       # chapter name -> (chapter, tiny config, argv, cache), one per toy_run_fixture


def toy_run_fixture(chapter, tiny_config, argv, cache=False):
    """A module-scoped pytest fixture: one `run_toy` shared by a test file's tests; it gives `(code, out)`.

    Use it as `toy_run = toy_run_fixture(ch, Tiny, [...])`. The run folder is a
    fresh temporary `.../toy`; with `cache=True`, so is `KERASBOOK_CACHE`. The
    toy run is also listed in `TOY_RUNS` under the chapter's name, so another
    test (say, one running every chapter's toy run under a strategy) can repeat it.
    """
    import pytest

    name = _run_order(chapter).__name__.removesuffix(".__main__").rsplit(".", 1)[-1]
    TOY_RUNS[name] = (chapter, tiny_config, list(argv), cache)

    @pytest.fixture(scope="module")
    def toy_run(tmp_path_factory):
        """One toy run through the chapter's main([...]), shared by the tests of the file."""
        where = tmp_path_factory.mktemp("cache") if cache else None
        return run_toy(chapter, tiny_config, argv, tmp_path_factory.mktemp("run") / "toy", cache=where)

    return toy_run


def toy_run_of(name: str, tests=None) -> tuple:
    """The toy run chapter `name` (`"ch07_crnn"`)'s test file defines: its `TOY_RUNS` entry `(chapter, tiny
    config, argv, cache)`.

    The test file (`tests/test_ch07.py`) is imported from `tests`, by default the `tests/` folder of the
    repository this package was installed from (an editable install, or a checkout on `sys.path`): the
    toy sizes live with the tests that check them, and a script or a notebook in toy mode reuses them.

    Raises:
        FileNotFoundError: there is no such test file (the package was installed without its repository).
    """
    import sys

    folder = Path(tests) if tests is not None else Path(__file__).resolve().parents[1] / "tests"
    test_file = folder / f"test_{name.split('_')[0]}.py"
    if not test_file.is_file():
        raise FileNotFoundError(f"{test_file} is missing: the toy sizes of {name} are its test file's, so a toy "
                                "run needs a checkout of the book's repository (pip install -e .)")
    if str(folder) not in sys.path:
        sys.path.insert(0, str(folder))
    importlib.import_module(test_file.stem)
    return TOY_RUNS[name]


def run_artifacts(toy_run, *names) -> dict:
    """Check a toy run: exit code 0 and every named file (relative to the run folder) written.

    Returns the run's `metrics.json`, read.
    """
    code, out = toy_run
    assert code == 0, f"exit code {code}"
    for name in names:
        assert (out / name).is_file(), name
    return json.loads((out / "metrics.json").read_text())


def reloads_identically(path, x, tmp_path, atol=1e-6):
    """Load the model saved at `path`, save it again and reload that: both predict the same on `x`.

    Returns `(the loaded model, its predictions on x)` for the caller's further checks.
    """
    model = keras.models.load_model(path)
    first = model.predict(x, verbose=0)
    again = Path(tmp_path) / "again.keras"
    model.save(again)
    second = keras.models.load_model(again).predict(x, verbose=0)
    np.testing.assert_allclose(first, second, atol=atol, err_msg=f"{path} predicts differently once saved again")
    return model, first


def run_fresh(chapter, args, timeout=300) -> str:
    """Run `python -m CHAPTER ARGS...` in a new process; check it exits 0 and return what it printed.

    `chapter` is the chapter's module or package (or its dotted name). In a new
    process no layer module has been imported yet, so a sub-command that loads
    a saved model proves that the model loads anywhere (`kerasbook.saving`).
    """
    import subprocess
    import sys

    name = chapter if isinstance(chapter, str) else chapter.__name__
    name = name.removesuffix(".__main__")
    done = subprocess.run([sys.executable, "-m", name, *map(str, args)], capture_output=True, text=True,
                          timeout=timeout)
    assert done.returncode == 0, f"python -m {name} {' '.join(map(str, args))} exited {done.returncode}: " \
                                 f"{done.stderr[-2000:]}"
    return done.stdout
