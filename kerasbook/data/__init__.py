"""The dataset registry: for each dataset, a builtin source and (where the course
used one) a full source through its real loader.

`--data builtin` always works offline. `--data full` uses the course's data
and fails with a one-line reason when it cannot. `--data auto` uses the full
data when it is cached, given with `--data-dir`, or downloadable (probed with
a short timeout, so a dead network never hangs the run), and otherwise falls
back to builtin with a one-line notice.
"""

from __future__ import annotations

import socket
from dataclasses import dataclass
from typing import Callable

from kerasbook.cli import UsageError


@dataclass(frozen=True)
class DatasetSpec:
    """How to get one dataset.

    Attributes:
        name: registry key.
        builtin: a short description of the builtin source.
        full: a short description of the full source, or `None`.
        full_available: `(data_dir) -> (bool, reason)`: can the full source be
            used now without a download? `reason` is printed when it cannot.
        full_url: where the full data is downloaded from, if it can be.
    """

    name: str
    builtin: str
    full: str | None = None
    full_available: Callable[[str | None], tuple[bool, str]] | None = None
    full_url: str | None = None


REGISTRY: dict[str, DatasetSpec] = {}


def register(spec: DatasetSpec) -> DatasetSpec:
    REGISTRY[spec.name] = spec
    return spec


def tfds_data_dir(data_dir=None):
    """Where TFDS keeps prepared datasets: `--data-dir`, `$TFDS_DATA_DIR`, or `~/tensorflow_datasets`."""
    import os
    from pathlib import Path

    return Path(data_dir or os.environ.get("TFDS_DATA_DIR", "~/tensorflow_datasets")).expanduser()


def tfds_prepared(name: str, title: str):
    """A `DatasetSpec.full_available` for TFDS dataset `name`: is it already prepared under the data folder?"""
    def available(data_dir):
        if any(tfds_data_dir(data_dir).glob(f"{name}/**/dataset_info.json")):       # VERSION/ or CONFIG/VERSION/
            return True, ""
        return False, f"{title} is not prepared under {tfds_data_dir(data_dir)}"

    return available


def cached_or_downloaded(find, data_dir, file_name: str, url: str, what: str):
    """`find(data_dir)`; when that finds nothing, download and extract `url` into Keras' cache with
    `keras.utils.get_file(file_name, url, extract=True)` and `find(None)` again.

    Raises `UsageError` when the downloaded archive does not hold `what` either.
    """
    found = find(data_dir)
    if found is None:
        import keras

        keras.utils.get_file(file_name, url, extract=True)
        found = find(None)
        if found is None:
            raise UsageError(f"the downloaded {file_name} holds no {what}; pass --data-dir DIR instead")
    return found


def network_reachable(url: str, timeout: float = 3.0) -> bool:
    """Can we open a TCP connection to the host of `url` within `timeout` seconds?"""
    from urllib.parse import urlparse

    parts = urlparse(url)
    port = parts.port or (443 if parts.scheme == "https" else 80)
    try:
        with socket.create_connection((parts.hostname, port), timeout=timeout):
            return True
    except OSError:
        return False


def choose_source(spec: DatasetSpec, mode: str, data_dir: str | None, reachable=None):
    """Resolve `--data` to `("builtin" | "full", notice)`.

    Raises `UsageError` for `--data full` when the full data cannot be had.
    """
    reachable = reachable or network_reachable
    if mode == "builtin":
        return "builtin", ""
    if spec.full is None:
        if mode == "full":
            raise UsageError(f"{spec.name} has no full dataset; use --data builtin")
        return "builtin", f"note: {spec.name} has no full dataset; using the builtin one"
    ok, reason = spec.full_available(data_dir) if spec.full_available else (False, "")
    if ok:
        return "full", ""
    if spec.full_url and reachable(spec.full_url):
        return "full", ""
    if mode == "full":
        raise UsageError(reason or f"the full {spec.name} data is not cached and cannot be downloaded; use --data builtin")
    return "builtin", f"note: full {spec.name} data unavailable ({reason or 'offline'}); using the builtin {spec.builtin}"


def prepare(builder):
    """`builder.download_and_prepare()`, drawing from Python's `random` whether or not it has to write.

    When TFDS writes a dataset it names its temporary folder with six random
    letters from Python's `random`; a dataset already in the cache is not
    written, so nothing is drawn. Keras seeds its initialisers from Python's
    `random`, so without the same draws a run would start its models from other
    weights, and report other numbers, depending only on whether its data was
    cached. The book's results are measured from an empty cache; a cached
    dataset therefore makes the same six draws (by TFDS's own function, without
    creating anything), and a run reports the same numbers either way.
    """
    if builder.is_prepared():
        from tensorflow_datasets.core.utils import file_utils

        file_utils._get_incomplete_dir(str(builder.data_dir))   # only the name's random letters
    else:
        builder.download_and_prepare()


def generated_splits(builder_cls, config, splits=("train", "validation", "test")) -> dict:
    """`{split: {feature: array}}`: every example of one of the book's generated TFDS datasets.

    The builder (a `kerasbook.datasets.base.GeneratedBuilder`) is prepared once
    under the book's cache (`with_config`), and each split is read whole and
    put back in drawing order by its `index` feature.
    """
    import numpy as np
    import tensorflow_datasets as tfds

    builder = builder_cls.with_config(config)
    prepare(builder)
    out = {}
    for split in splits:
        arrays = tfds.as_numpy(builder.as_dataset(split=split, batch_size=-1, shuffle_files=False))
        order = np.argsort(arrays["index"])
        out[split] = {name: values[order] for name, values in arrays.items()}
    return out
