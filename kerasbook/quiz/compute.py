"""Answers computed from the chapters' real code.

A question whose answer the code can work out (a parameter count, an output
shape, a CTC probability) names a function here instead of typing the number:

```yaml
- id: ch07-bigru1-params
  type: numeric
  compute: {fn: ch07.layer_params, args: {layer: bigru1}}
```

Functions are registered with `@computed("chNN.name")` in one module per
chapter under `kerasbook/quiz/computed/`; every module there is imported the
first time a name is looked up, so a new chapter adds its own file and nothing
else changes. A function is called as `fn(question, **args)` and returns the
answer in the form the question type stores: a number for `numeric`, a string
(or a list of strings: the answer first, then other accepted spellings) for
`short` and `code`, a letter or a list of letters for `single` and `multiple`.
"""

from __future__ import annotations

import functools
import importlib
import pkgutil
from typing import Callable

from kerasbook.quiz.schema import LETTERS

# The decoders' start and end tokens (`kerasbook.seq2seq.START` and `END`), spelled
# here so that listing the banks never imports Keras.
START, END = "[start]", "[end]"

_REGISTRY: dict[str, Callable] = {}
_discovered = False


def computed(name: str):
    """Register a function that computes answers under `name` ("chNN.what")."""

    def register(fn):
        if name in _REGISTRY and _REGISTRY[name] is not fn:
            raise ValueError(f"two functions are registered as {name}")
        _REGISTRY[name] = fn
        return fn

    return register


def _discover():
    global _discovered
    if _discovered:
        return
    from kerasbook.quiz import computed as package

    for info in pkgutil.iter_modules(package.__path__):
        importlib.import_module(f"{package.__name__}.{info.name}")
    _discovered = True


def get(name: str) -> Callable:
    """The function registered as `name`; KeyError if there is none."""
    _discover()
    if name not in _REGISTRY:
        raise KeyError(f"no answer function is registered as {name!r}")
    return _REGISTRY[name]


def names() -> list[str]:
    _discover()
    return sorted(_REGISTRY)


def number_spellings(value: float) -> list[str]:
    """The ways a student might write a computed number; the first is canonical."""
    if float(value).is_integer():
        return [str(int(value)), f"{float(value):.1f}"]
    return [f"{value:.4g}", f"{value:.3g}", str(value)]


def _batch_shape_forms(dims: list[str]) -> list[str]:
    spellings = [f"(B, {', '.join(dims)})", f"(None, {', '.join(dims)})", f"({', '.join(dims)})",
                 " x ".join(dims), " × ".join(dims), f"(batch, {', '.join(dims)})"]
    if len(dims) == 1:
        spellings.append(f"({dims[0]},)")
    return spellings


def shape_spellings(dims) -> list[str]:
    """A shape without its batch axis, `(7, 7, 32)`, as the ways a student might write it with one.

    The first spelling, `(B, 7, 7, 32)`, is canonical.
    """
    dims = [str(d) for d in dims]
    if not dims:                                          # one number per example
        return ["(B,)", "(None,)", "(batch,)", "(batch_size,)", "B"]
    return list(dict.fromkeys(_batch_shape_forms(dims)))


def output_shape_spellings(shape) -> list[str]:
    """A layer's output shape with its batch axis, `(None, 16, 384)`, as the ways a student might write it.

    The spellings of `shape_spellings`, the first canonical, but as chapters 5
    and 7 first listed them: a one-axis shape keeps its number twice (`8`
    written with " x " and with " × "), so their answer keys stay as they were.
    """
    return _batch_shape_forms([str(d) for d in tuple(shape)[1:]])


def answer(question, value):
    """A number for a numeric question, its spellings for a written one."""
    return value if question.type == "numeric" else number_spellings(value)


def list_spellings(values) -> list[str]:
    """`[2, 14, 9]` and the other ways to write a short list of numbers."""
    text = [number_spellings(v)[0] for v in values]
    return list(dict.fromkeys([f"[{', '.join(text)}]", f"({', '.join(text)})", ", ".join(text), " ".join(text),
                               ",".join(text)]))


def tuple_spellings(dims) -> list[str]:
    """A weight's or a mask's shape `(128, 64)` and its other spellings."""
    dims = [str(int(d)) for d in dims]
    return list(dict.fromkeys([f"({', '.join(dims)})", " x ".join(dims), " × ".join(dims), f"[{', '.join(dims)}]"]))


def pick_choices(question, hits, fit: str = "fit"):
    """The choices a computed answer picks: exactly one for a single-answer question, at least one otherwise.

    `fit` says what the picked choices do, for the error ("2 choices fit; a single choice needs one").
    """
    if question.type == "single":
        if len(hits) != 1:
            raise ValueError(f"{len(hits)} choices {fit}; a single choice needs one")
        return hits[0]
    if not hits:
        raise ValueError("no choice fits")
    return hits


def choice_name(choice) -> str:
    """A choice that names a code object (`Conv2D`), without its backticks."""
    return choice.en.strip("` ")


def weightless_choices(question, model):
    """The choices (each naming a layer of `model`, in backticks) whose layer has no parameters."""
    return pick_choices(question, [LETTERS[k] for k, choice in enumerate(question.choices)
                                   if model.get_layer(choice_name(choice)).count_params() == 0],
                        fit="name a layer without weights")


@functools.cache
def chapter_model(chapter: str):
    """`build_model(Config())` of `kerasbook.chapters.<chapter>`: the chapter's default model, built but
    never trained, once per process and shared by every question that asks about it."""
    module = importlib.import_module(f"kerasbook.chapters.{chapter}")
    return module.build_model(module.Config())


def max_slope(activation: str) -> float:
    """The largest value of the derivative of `tf.<activation>` (`"sigmoid"`, `"tanh"`) on [-8, 8], by autodiff."""
    import tensorflow as tf

    x = tf.linspace(-8.0, 8.0, 16001)
    with tf.GradientTape() as tape:
        tape.watch(x)
        y = getattr(tf, activation)(x)
    return float(tf.reduce_max(tape.gradient(y, x)))


def toy_vocabulary(table) -> list[str]:
    """The vocabulary of a toy next-token table `{token: {next token: probability}}`: padding, `[start]`,
    `[end]`, then the table's words in sorted order."""
    words = sorted({w for row in table.values() for w in row} | set(table) - {START, END})
    return ["", START, END, *words]


def decoded_answer(question, table, words, part: str):
    """What a decoder wrote after `[start]`, `words`, as the answer: the text ("text"; also accepted with
    `[end]`, and with both tokens) or the probability `table` gives the whole output, `[end]` included ("prob")."""
    if part == "text":
        text = " ".join(words)
        return [text, f"{text} {END}", f"{START} {text} {END}"]
    p, prev = 1.0, START
    for word in [*words, END]:
        p *= table[prev][word]
        prev = word
    return answer(question, p)
