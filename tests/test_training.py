"""The shared runner: XLA decisions, strategies, NaN stops, the CLI core."""

import json

import keras
import numpy as np
import pytest

from kerasbook import cli, training, xla


@pytest.fixture
def cache(monkeypatch, tmp_path):
    monkeypatch.setenv("KERASBOOK_CACHE", str(tmp_path))
    monkeypatch.setattr(xla, "SHIPPED", tmp_path / "shipped.json")
    return tmp_path


def test_xla_on_and_off_are_obeyed(cache):
    assert xla.resolve("on", "chx")[0] is True
    assert xla.resolve("off", "chx")[0] is False


def test_xla_auto_measures_once_then_follows_the_record(cache):
    calls = []

    def measure():
        calls.append(1)
        return {"xla_on": 0.02, "xla_off": 0.05}

    on, why = xla.resolve("auto", "chx", measure=measure)
    assert on is True and "measured now" in why
    on, why = xla.resolve("auto", "chx", measure=measure)
    assert on is True and "measured faster" in why
    assert len(calls) == 1
    saved = json.loads((cache / "xla_decisions.json").read_text())
    assert saved["chx"][xla.device_kind()]["jit_compile"] is True


def test_xla_auto_never_guesses(cache):
    with pytest.raises(ValueError, match="no XLA measurement"):
        xla.resolve("auto", "unmeasured")


def test_xla_auto_picks_off_when_off_is_faster(cache):
    on, _ = xla.resolve("auto", "chy", measure=lambda: {"xla_on": 0.09, "xla_off": 0.05})
    assert on is False


def test_user_measurement_wins_over_shipped_table(cache):
    device = xla.device_kind()
    xla.record("chz", device, True, {}, path=cache / "shipped.json")
    assert xla.resolve("auto", "chz")[0] is True
    xla.record("chz", device, False, {})
    assert xla.resolve("auto", "chz")[0] is False


class NoJit(keras.layers.Layer):
    def __init__(self, **kwargs):
        super().__init__(**kwargs)
        self.supports_jit = False

    def call(self, x):
        return x


def test_a_silent_xla_fallback_is_an_error():
    model = keras.Sequential([keras.Input((3,)), NoJit(name="stubborn"), keras.layers.Dense(1)])
    with pytest.raises(RuntimeError, match="stubborn"):
        training.compile_model(model, optimizer="sgd", loss="mse", metrics=[], jit_compile=True)
    plain = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    training.compile_model(plain, optimizer="sgd", loss="mse", metrics=[], jit_compile=True)
    assert plain.jit_compile is True


def test_nan_loss_stops_with_a_clear_message(tmp_path):
    model = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(1e30), loss="mse", jit_compile=False)
    x = np.full((64, 2), 1e10, "float32")
    ds = __import__("tensorflow").data.Dataset.from_tensor_slices((x, x[:, :1])).batch(8)
    info = training.RunInfo(jit_compile=False, xla_reason="", strategy="default", device="cpu")
    with pytest.raises(FloatingPointError, match="NaN/inf at epoch 1"):
        training.fit(model, ds, ds, epochs=3, out=tmp_path, info=info, train_examples=64, verbose=0)


def test_fit_returns_the_saved_best_model(tmp_path):
    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    ds = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", jit_compile=False)
    info = training.RunInfo(jit_compile=False, xla_reason="", strategy="default", device="cpu")
    best, history = training.fit(model, ds, ds, epochs=3, out=tmp_path, info=info, train_examples=64, verbose=0)
    assert (tmp_path / "model.keras").is_file() and (tmp_path / "history.csv").is_file()
    assert info.epochs_run == 3 and info.samples_per_s > 0
    assert history["val_loss"][-1] < history["val_loss"][0]
    np.testing.assert_allclose(best.predict(x, verbose=0), model.predict(x, verbose=0), atol=1e-6)


def test_fit_profile_puts_each_second_where_it_went(tmp_path):
    import time

    import tensorflow as tf

    rng = np.random.default_rng(0)
    x = rng.normal(size=(64, 3)).astype("float32")
    y = x @ np.array([[1.0], [-2.0], [0.5]], "float32")
    train = tf.data.Dataset.from_tensor_slices((x, y)).batch(16)           # 4 steps per epoch

    def slow(a, b):                                                          # 0.05 s per validation batch
        a = tf.py_function(lambda t: (time.sleep(0.05), t)[1], [a], tf.float32)
        return tf.ensure_shape(a, [None, 3]), b

    val = tf.data.Dataset.from_tensor_slices((x, y)).batch(32).map(slow)    # 2 batches per epoch
    model = keras.Sequential([keras.Input((3,)), keras.layers.Dense(1)])
    model.compile(optimizer=keras.optimizers.SGD(0.1), loss="mse", jit_compile=False)
    info = training.RunInfo(jit_compile=False, xla_reason="", strategy="default", device="cpu")
    training.fit(model, train, val, epochs=3, out=tmp_path, info=info, train_examples=64, verbose=0)
    p = info.extra["profile"]
    assert p["steps"] == 12
    assert p["validation_s"] >= 3 * 2 * 0.05                                 # the sleeps land in validation ...
    assert p["steps_s"] < 3 * 2 * 0.05                                       # ... not in the training steps
    parts = sum(p[k] for k in ("first_step_s", "steps_s", "validation_s", "epoch_end_s", "other_s"))
    assert parts <= info.train_seconds and parts >= 0.8 * info.train_seconds
    assert p["step_samples_per_s"] == pytest.approx(64 * 3 / 12 * 11 / p["steps_s"])
    line = training.profile_line(info.train_seconds, p)
    assert "11 more steps" in line and "validation" in line


def test_strategies(monkeypatch):
    assert training.make_strategy("default").num_replicas_in_sync == 1
    assert training.make_strategy("mirrored").num_replicas_in_sync >= 1
    monkeypatch.setenv("TF_CONFIG", "{not json")
    with pytest.raises(cli.UsageError, match="not valid JSON"):
        training.make_strategy("multiworker")


def test_output_dir_rules(tmp_path):
    (tmp_path / "file").write_text("x")
    with pytest.raises(cli.UsageError, match="is a file"):
        cli.output_dir("ch", str(tmp_path / "file"), overwrite=False)
    run = tmp_path / "run"
    run.mkdir()
    assert cli.output_dir("ch", str(run), overwrite=False) == run  # empty folder is fine
    (run / "metrics.json").write_text("{}")
    with pytest.raises(cli.UsageError, match="already holds a run"):
        cli.output_dir("ch", str(run), overwrite=False)
    assert cli.output_dir("ch", str(run), overwrite=True) == run


def test_quick_preset_and_overrides():
    from kerasbook.chapters.ch07_crnn import Config

    parser = cli.common_parser("p", "d")
    cfg = cli.apply_overrides(Config(), parser.parse_args(["--quick", "--epochs", "2"]))
    assert cfg.epochs == 2 and cfg.train_size == Config().quick().train_size
    assert cli.apply_overrides(Config(), parser.parse_args([])) == Config()


def test_xla_knows_what_a_strategy_cannot_compile_on_cpu(cache):
    """Several replicas on CPU devices: `auto` is off whatever the record says, `on` is a usage error."""
    device = xla.device_kind()
    xla.record("chs", device, True, {})
    assert xla.resolve("auto", "chs")[0] is True
    assert xla.resolve("auto", "chs", strategy="mirrored", replicas=1)[0] is True
    if device != "cpu":
        pytest.skip("the collectives limit is a CPU one")
    for strategy, replicas in (("multiworker", 1), ("multiworker", 2), ("mirrored", 2)):
        on, why = xla.resolve("auto", "chs", strategy=strategy, replicas=replicas)
        assert on is False and "all-reduce" in why
        with pytest.raises(cli.UsageError, match="--xla on cannot run with --strategy"):
            xla.resolve("on", "chs", strategy=strategy, replicas=replicas)
        assert xla.resolve("off", "chs", strategy=strategy, replicas=replicas)[0] is False


def test_a_held_strategy_scope_lasts_until_the_command_returns():
    import tensorflow as tf

    strategy = tf.distribute.MirroredStrategy()
    seen = {}

    def command(argv):
        cli.hold(strategy.scope())
        seen["inside"] = tf.distribute.get_strategy() is strategy
        seen["model"] = keras.Sequential([keras.Input((2,)), keras.layers.Dense(1)]).distribute_strategy is strategy
        seen["outside"] = training.outside_strategy(tf.distribute.has_strategy)
        return 0

    assert cli.run_main(command, [], "prog") == 0
    assert seen == {"inside": True, "model": True, "outside": False}
    assert not tf.distribute.has_strategy()                                  # left when the command returned

    def failing(argv):
        cli.hold(strategy.scope())
        raise cli.UsageError("bad")

    with pytest.raises(SystemExit):
        cli.run_main(failing, [], "prog")
    assert not tf.distribute.has_strategy()                                  # and when it failed


def test_a_chapter_parts_decision_knows_the_strategy_too(cache):
    from types import SimpleNamespace

    xla.record("chp.second", xla.device_kind(), True, {})
    run = SimpleNamespace(jit=False, why="run's", chapter="chp", cfg=None, args=SimpleNamespace(xla="auto"),
                          strategy=SimpleNamespace(num_replicas_in_sync=2))
    assert xla.part_decision(run, "first", "first", None, None) == (False, "run's")
    run.args.strategy = "default"
    assert xla.part_decision(run, "second", "first", None, None)[0] is True              # the recorded decision
    if xla.device_kind() == "cpu":
        run.args.strategy = "multiworker"
        assert xla.part_decision(run, "second", "first", None, None)[0] is False         # no collectives on CPU
