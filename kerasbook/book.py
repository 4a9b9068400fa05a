"""The book's front door: `python -m kerasbook` lists the chapters and runs one.

    python -m kerasbook                    every chapter: topic, command, builtin data, last result
    python -m kerasbook list               the same
    python -m kerasbook CHAPTER ARGS ...   run a chapter (`ch07`, `ch07_crnn` and `7` all work)
    python -m kerasbook --help             usage

`CATALOGUE` is the one place the book keeps each chapter's title, topic and
the measured result of its default run. README's Results table quotes it row
for row, and a test keeps the two equal. A chapter whose default run has not
been measured yet has `result=None` and is listed as "not measured yet".

The listing shows only the chapters whose module exists (see
`kerasbook.chapters.registry`), and describes each one's builtin data with
the `DatasetSpec.builtin` text its module registers. Importing a chapter
module is cheap (TensorFlow is imported only when a run starts), so the
listing answers at once.
"""

from __future__ import annotations

import importlib
import re
import sys
import textwrap
from dataclasses import dataclass
from types import ModuleType

from kerasbook import cli
from kerasbook.chapters import registry
from kerasbook.data import DatasetSpec

PROG = "python -m kerasbook"
WIDTH = 100
NOT_MEASURED = "not measured yet"


@dataclass(frozen=True)
class Entry:
    """One chapter as the front door lists it.

    Attributes:
        key: the chapter's key, e.g. `"ch07"`.
        title: its short title, as in the site's navigation, e.g. `"GRU + CRNN"`.
        topic: one line on what the chapter teaches and builds.
        result: the headline result of the default run on builtin data, in
            Markdown exactly as README's Results table writes it, or `None`
            while it has not been measured.
        wall_time: that run's wall time as README writes it, e.g.
            `"11 min 51 s"`, or `None` with `result`.
    """

    key: str
    title: str
    topic: str
    result: str | None = None
    wall_time: str | None = None


CATALOGUE: dict[str, Entry] = {e.key: e for e in (
    Entry("ch01", "Foundations",
          "least squares vs gradient descent, k-NN, linear vs MLP, the training checklist",
          "spiral MLP 100.0 % on unseen points, linear softmax 36.8 %", "3 min 12 s"),
    Entry("ch02", "ANN",
          "batch, iteration and epoch; a cubic fitted by hand-written gradient descent; "
          "regression and 784-64-10 MLPs",
          "784-64-10 MLP 96.4 % on unseen handwritten digits; house prices R² 0.919", "30 s"),
    Entry("ch03", "CNN / VGG",
          "convolution, padding and pooling; a VGG-style CNN with augmentation; transfer learning",
          "VGG-style CNN 99.8 % on 2,000 unseen shapes; 10 labels per class: fine-tuning 76.6 % vs 25.8 % "
          "from scratch", "10 min 10 s"),
    Entry("ch04", "ResNet",
          "residual and bottleneck blocks, the degradation experiment, MobileNet and Inception costs",
          "ResNet-18-style network 99.3 % on 2,000 unseen shapes; 32-layer twins after the same training: "
          "residual loss 1.133 vs plain 1.892", "10 min 36 s"),
    Entry("ch05", "RNN",
          "the recurrence as our own cell, weight sharing, sliding-window forecasting against honest "
          "baselines, BPTT and the vanishing gradient",
          "simple RNN on real hourly temperatures: test MAE 0.770 °C = **0.762 × persistence** (linear "
          "autoregression 0.791); on a random walk nothing beats persistence", "50 s"),
    Entry("ch06", "LSTM",
          "an LSTM cell built from its gates; the adding problem, LSTM vs simple RNN; gate activations",
          "adding problem over 100 steps: LSTM test MSE **0.28 %** of the trivial baseline, simple RNN 94.1 %",
          "1 min 50 s"),
    Entry("ch07", "GRU + CRNN",
          "a captcha reader trained with CTC, greedy and beam decoding",
          "**96.3 % exact match** on 1,000 unseen captchas (CER 0.8 %); `--quick`: 91.0 % in 2 min 10 s",
          "4 min 36 s"),
    Entry("ch09", "U-Net",
          "the four vision tasks, encoder-decoder, skip connections: U-Net against its twin without skips; "
          "IoU, Dice and boundary IoU",
          "U-Net **0.915 mean IoU** on 1,000 unseen scenes (boundary IoU 0.877); the same network without "
          "skips 0.809 (boundary 0.711)", "6 min 16 s"),
    Entry("ch10", "Autoencoders",
          "dense and convolutional autoencoders, a linear AE vs PCA, denoising, a VAE with its own "
          "train_step, anomaly detection",
          "denoising at σ 0.4: PSNR 10.6 → 22.7 dB (**+12.1 dB**); a digit never seen in training found by "
          "reconstruction error with ROC AUC **0.983**; linear AE within 0.8° of PCA's subspace", "4 min 46 s"),
    Entry("ch11", "Colorization",
          "Let There Be Color: sRGB ↔ Lab in keras.ops, the fusion layer, joint scene classification, "
          "with vs without the global path",
          "colourising 1,000 unseen landscapes: ab error **4.74** with the global path and fusion layer "
          "against 11.12 without (**57 % lower**; grey 31.7); scene class right on 100 %", "6 min 35 s"),
    Entry("ch12", "Attention",
          "seq2seq with dot, general and additive attention from English into Korean word order; beam "
          "search, BLEU, word embeddings, n-gram language models",
          "translating 1,000 unseen English sentences into Korean word order: GRU + additive attention "
          "corpus BLEU **99.8** against 41.9 for the plain seq2seq (longest sentences **99.8 vs 19.6**); "
          "LSTM + general attention 86.6", "5 min 56 s"),
    Entry("ch13", "Transformer",
          "the Transformer from its parts against Keras' and keras-hub's; BERT-style pre-training, a GPT "
          "and its sampling, a ViT against a CNN",
          "Transformer translator BLEU **99.9** against 99.7 for chapter 12's GRU + attention on 1,000 "
          "unseen sentences; with 200 labels, BERT-style pre-training **91.0 %** against 75.8 % from scratch "
          "(bag of words 48.3 %); GPT perplexity 14.4 (Kneser-Ney 19.8); ViT 28.4 % against a CNN's 59.8 % "
          "at the same small budget", "8 min 40 s"),
    Entry("ch14", "GAN",
          "a DCGAN with its own train_step, judged by a digit classifier and a Fréchet distance; "
          "an SRGAN against bicubic up-sampling",
          result="DCGAN: **91.8 %** of generated digits read with confidence ≥ 0.9 (real 95.6 %), classes 7.7-13.7 %, Fréchet distance 10.3 (real vs real 3.9); SRResNet **+1.07 dB** PSNR over bicubic on 3 held-out photos (SRGAN +0.50 dB)",
          wall_time="10 min 0 s"),
)}

QUIZ_COMMANDS = (
    ("python -m kerasbook.quiz list", "the question banks and their sizes"),
    ("python -m kerasbook.quiz run ch07 --n 10", "an interactive quiz with feedback (--lang ko in Korean)"),
    ("python -m kerasbook.quiz exam --midterm", "the midterm: 30 questions on chapters 1-7"),
    ("python -m kerasbook.quiz exam --final", "the final: 30 questions on chapters 9-14"),
    ("python -m kerasbook.quiz grade sheet.yaml", "grade a sheet filled from `exam --format sheet`"),
    ("python -m kerasbook.quiz report", "your weakest tags and the sections to reread"),
)
SITE_COMMAND = ('pip install ".[docs]" && mkdocs serve', "the chapter pages at http://127.0.0.1:8000")
MIDTERM_LINE = "week 8 is the midterm, so there is no chapter 8: python -m kerasbook.quiz exam --midterm"

USAGE = f"""\
usage: {PROG} [list]
       {PROG} CHAPTER [ARGS ...]

The front door of kerasbook, a Keras 3 companion to a one-semester deep-learning course.

  (nothing), list     list every chapter: topic, command, builtin data, last measured result
  CHAPTER [ARGS ...]  run a chapter; CHAPTER is written ch07, ch07_crnn or 7, and ARGS go to the
                      chapter (`{PROG} ch07 --help` lists them)
  -h, --help          show this message"""


def plain(markdown: str) -> str:
    """`markdown` without its bold and code marks, for the terminal: `**96.3 %**` becomes `96.3 %`."""
    return markdown.replace("**", "").replace("`", "")


def resolve(text: str, known: dict[str, str] | None = None) -> str:
    """The module name of the chapter `text` names: `"ch07"`, `"ch7"`, `"7"` and `"ch07_crnn"` -> `"ch07_crnn"`.

    Args:
        text: what was typed.
        known: `{key: module name}`, by default `kerasbook.chapters.registry()`.

    Raises:
        cli.UsageError: no such chapter; the message names it and lists the valid ones.
    """
    known = registry() if known is None else known
    typed = text.strip().lower()
    if typed in known.values():
        return typed
    number = re.fullmatch(r"(?:ch)?(\d{1,2})", typed)
    key = f"ch{int(number.group(1)):02d}" if number else None
    if key in known:
        return known[key]
    midterm = " (week 8 is the midterm: python -m kerasbook.quiz exam --midterm)" if key == "ch08" else ""
    raise cli.UsageError(f"no chapter {text!r}{midterm}; choose one of {', '.join(sorted(known))} "
                         "(by key, number or module name)")


def chapter_specs(module: ModuleType) -> list[DatasetSpec]:
    """The datasets a chapter module works with, in the order the module names them.

    A chapter either registers its own `DatasetSpec` at module level (`SPEC = register(...)`)
    or imports a data module that does (`from kerasbook.data import digits as dg`, whose
    `dg.SPEC` it passes to `runs.setup`); both are found here, each once.
    """
    found: dict[int, DatasetSpec] = {}
    for value in vars(module).values():
        if isinstance(value, ModuleType) and value.__name__.startswith("kerasbook.data."):
            value = getattr(value, "SPEC", None)
        if isinstance(value, DatasetSpec):
            found.setdefault(id(value), value)
    return list(found.values())


def entry(key: str, module: ModuleType) -> Entry:
    """The catalogue's entry for chapter `key`, or one made from `module`'s docstring when it has none."""
    if key in CATALOGUE:
        return CATALOGUE[key]
    summary = (module.__doc__ or "").strip().splitlines()[0] if module.__doc__ else ""
    summary = re.sub(r"^Chapter \d+:\s*", "", summary).rstrip(".")
    return Entry(key, module.__name__.rsplit(".", 1)[-1].split("_", 1)[-1], summary or "see the chapter's page")


def _fill(text: str, first: str = "", rest: str = "") -> str:
    # Wrap on spaces only: a command, a file name or "deep-learning" is never split across lines.
    return textwrap.fill(text, WIDTH, initial_indent=first, subsequent_indent=rest,
                         break_long_words=False, break_on_hyphens=False)


def _field(label: str, text: str) -> str:
    return _fill(text, f"  {label:<8}", " " * 10)


def chapter_block(key: str, module_name: str) -> str:
    """The listing's lines for one chapter: title and topic, command, builtin data, result, wall time."""
    module = importlib.import_module(f"kerasbook.chapters.{module_name}")
    e = entry(key, module)
    data = "; ".join(spec.builtin for spec in chapter_specs(module)) or "see the chapter's page"
    lines = [_fill(f"{key} · {e.title} — {e.topic}", rest=" " * 10),
             _field("run", f"python -m kerasbook.chapters.{module_name}"),
             _field("data", data),
             _field("result", plain(e.result) if e.result else NOT_MEASURED)]
    if e.result and e.wall_time:
        lines.append(_field("time", e.wall_time))
    return "\n".join(lines)


def listing() -> str:
    """The whole front page: every chapter whose module exists, the midterm, the quizzes and the site."""
    chapters = registry()
    out = [_fill("kerasbook: runnable Keras 3 chapters, a website and exam-prep quizzes for a one-semester "
                 "deep-learning course."),
           "",
           _fill(f"Run a chapter with `{PROG} ch07` (or 7, or ch07_crnn) and any of its flags: --quick for a "
                 "preset that finishes in a few minutes on a laptop CPU, --help for them all. Each result is "
                 "the default run on builtin data, measured on a 2-core CPU from an empty data cache, and its "
                 "time is the run's wall time."),
           ""]
    midterm_shown = False
    for key in sorted(chapters):
        if key > "ch08" and not midterm_shown:
            out += [MIDTERM_LINE, ""]
            midterm_shown = True
        out += [chapter_block(key, chapters[key]), ""]
    if not midterm_shown:
        out += [MIDTERM_LINE, ""]
    pad = max(len(cmd) for cmd, _ in (*QUIZ_COMMANDS, SITE_COMMAND)) + 2
    out.append("Exam practice (every chapter's quiz, in English and Korean):")
    out += [f"  {cmd:<{pad}}{what}" for cmd, what in QUIZ_COMMANDS]
    out += ["", "The website (the chapter pages, their figures and the API reference):",
            f"  {SITE_COMMAND[0]:<{pad}}{SITE_COMMAND[1]}"]
    return "\n".join(out)


def _main(argv: list[str]) -> int:
    if not argv or argv == ["list"]:
        print(listing())
        return 0
    first, rest = argv[0], argv[1:]
    if first in ("-h", "--help"):
        print(USAGE)
        return 0
    if first == "list":
        raise cli.UsageError(f"list takes no arguments, got {' '.join(rest)!r}")
    if first.startswith("-"):
        raise cli.UsageError(f"unrecognized option {first!r}; a chapter's flags go after it (see --help)")
    module = importlib.import_module(f"kerasbook.chapters.{resolve(first)}")
    return module.main(rest)


def main(argv=None) -> int:
    """`python -m kerasbook [list | CHAPTER ARGS ...]`; returns the exit code (a chapter's own, when one ran).

    An unknown chapter stops with one line on stderr and exit code 2.
    """
    return cli.run_main(_main, list(sys.argv[1:] if argv is None else argv), PROG)
