"""Saving and loading the book's models: one place knows every custom object.

A `.keras` file names its custom layers and models (`kerasbook>NoiseMixture`,
...) and Keras finds them in its registry, which a class joins when the
module defining it is imported (`@keras.saving.register_keras_serializable`).
A command that loads a model before anything has imported that module fails
with a `TypeError`. `load_model` therefore imports every module that registers
objects (`CUSTOM_OBJECT_MODULES`: all of `kerasbook.layers`, and the models of
`seq2seq` and `transformer_models`) before loading; `custom_objects()` lists
what they register, for the tests.
"""

from __future__ import annotations

import importlib
import pkgutil
from pathlib import Path

PACKAGE = "kerasbook"
CUSTOM_OBJECT_MODULES = ("kerasbook.seq2seq", "kerasbook.transformer_models")


def register_custom_objects() -> list[str]:
    """Import every module that registers custom objects; returns their names."""
    from kerasbook import layers

    names = [f"kerasbook.layers.{info.name}" for info in pkgutil.iter_modules(layers.__path__)]
    names += list(CUSTOM_OBJECT_MODULES)
    for name in names:
        importlib.import_module(name)
    return names


def custom_objects() -> dict:
    """`{"kerasbook>Name": class}`: every object the book registers with Keras."""
    import keras

    register_custom_objects()
    return {k: v for k, v in keras.saving.get_custom_objects().items() if k.startswith(f"{PACKAGE}>")}


def load_model(path, **kwargs):
    """`keras.models.load_model(path, **kwargs)` with every custom object of the book registered first."""
    import keras

    register_custom_objects()
    return keras.models.load_model(path, **kwargs)


def load_user_model(path: str, chapter: str):
    """`load_model(path)` for a file a person named: a usage error, naming the chapter whose run writes
    such a file, when it is missing or is not a model of the book."""
    from kerasbook import cli

    if not Path(path).is_file():
        raise cli.UsageError(f"--model {path} does not exist; pass RUN/model.keras from a {chapter} run")
    try:
        return load_model(path)
    except Exception as err:  # noqa: BLE001 - any load failure is the same bad input
        raise cli.UsageError(f"cannot load {path} as a Keras model ({err.__class__.__name__}); pass a model.keras "
                             f"from a {chapter} run") from None
