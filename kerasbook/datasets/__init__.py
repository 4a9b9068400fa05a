"""The TFDS builders of the datasets the book builds (top-level `datasets/`).

An installed kerasbook carries them inside this package; in a source checkout
they stay in the repository's `datasets/` folder, which we add to the search
path here so that `kerasbook.datasets.captcha_synth` imports the same way.
"""

from pathlib import Path

_checkout = Path(__file__).resolve().parents[2] / "datasets"
if _checkout.is_dir() and str(_checkout) not in __path__:
    __path__.append(str(_checkout))
