"""The one test every custom layer in kerasbook passes.

`check_layer` runs the checks a layer needs before a chapter can rely on it:
its config round-trips, it works on symbolic and eager inputs with the same
output shape, a model holding it saves to `.keras` and reloads with equal
outputs, and one `fit` step moves its weights.
"""

from __future__ import annotations

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
