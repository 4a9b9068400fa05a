"""The TFDS builders of the datasets the book builds (top-level `datasets/`).

Each folder `datasets/NAME` is the package `kerasbook.datasets.NAME`: an
installed kerasbook carries them inside this package; in a source checkout
they stay in the repository's `datasets/` folder, which we add to the search
path here so that `kerasbook.datasets.captcha_synth` imports the same way.
`datasets/README.md` says which `kerasbook/data` module draws each one;
`kerasbook.datasets.base` holds what the builders share.
"""

from pathlib import Path

_checkout = Path(__file__).resolve().parents[2] / "datasets"
if _checkout.is_dir() and str(_checkout) not in __path__:
    __path__.append(str(_checkout))
