"""Every saved model loads anywhere: one place (`kerasbook.saving`) registers every custom object."""

import inspect
import subprocess
import sys
import textwrap

import keras
import numpy as np

from kerasbook import saving


def _defined_classes():
    """Every Keras layer, model, loss or metric class the book defines in the modules that save models."""
    import importlib

    kinds = (keras.layers.Layer, keras.losses.Loss, keras.metrics.Metric)
    for name in saving.register_custom_objects():
        module = importlib.import_module(name)
        for _, cls in inspect.getmembers(module, inspect.isclass):
            if cls.__module__ == name and issubclass(cls, kinds):
                yield cls


def test_every_custom_class_is_registered_under_its_own_name():
    registered = saving.custom_objects()
    classes = list(_defined_classes())
    assert len(classes) >= 30
    # Models with their own train_step (the GANs, the VAE) are saved as their parts, never whole, and a base
    # class that others extend is never saved itself; every other class a .keras file can name is registered.
    unsaved = {"GAN", "SRGAN", "VAE"}
    bases = {c for c in classes if any(other is not c and issubclass(other, c) for other in classes)}
    missing = [c.__name__ for c in classes
               if c not in bases and c.__name__ not in unsaved and registered.get(f"kerasbook>{c.__name__}") is not c]
    assert missing == []
    assert {c.__name__ for c in bases} >= {"ScoredAttention"}          # the check above is not vacuous


def test_a_fresh_process_loads_a_custom_layer_only_through_saving(tmp_path):
    from kerasbook.layers.gan import SubPixelUpsampling

    inputs = keras.Input((3, 3, 8))
    model = keras.Model(inputs, SubPixelUpsampling(2)(inputs))
    model.save(tmp_path / "m.keras")
    x = np.arange(72, dtype="float32").reshape(1, 3, 3, 8)
    np.save(tmp_path / "x.npy", x)
    np.save(tmp_path / "y.npy", model.predict(x, verbose=0))
    script = textwrap.dedent(f"""
        import sys
        import numpy as np
        import keras
        path = {str(tmp_path / "m.keras")!r}
        if sys.argv[1] == "plain":
            keras.models.load_model(path)
        else:
            from kerasbook import saving
            y = saving.load_model(path).predict(np.load({str(tmp_path / "x.npy")!r}), verbose=0)
            assert np.array_equal(y, np.load({str(tmp_path / "y.npy")!r}))
        print("loaded")
    """)
    plain = subprocess.run([sys.executable, "-c", script, "plain"], capture_output=True, text=True, timeout=300)
    assert plain.returncode != 0 and "SubPixelUpsampling" in plain.stderr      # what saving is there for
    ours = subprocess.run([sys.executable, "-c", script, "ours"], capture_output=True, text=True, timeout=300)
    assert ours.returncode == 0 and ours.stdout.strip() == "loaded", ours.stderr
