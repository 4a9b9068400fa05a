"""Chapter 13: the Transformer from its parts, then BERT, GPT and the Vision Transformer.

Run it with `python -m kerasbook.chapters.ch13_transformer` (`--help` for the
flags, `translate` and `generate` for the trained models). Read `__main__.py`
first: it is the run, step by step; `config.py` holds `Config`, one module per
part (`translator.py`, `bert.py`, `gpt.py`, `vit.py`) trains and scores it,
`figures.py` draws the figures and `steps.py` times the training steps. The names
other code uses are importable from the package itself.
"""

from __future__ import annotations

from kerasbook.chapters.ch13_transformer.bert import (bag_of_words, bert_part, encode_texts, finetune, load_labelled,
                                                      pretrain_mlm, twin_flip_share, word_vocabulary)
from kerasbook.chapters.ch13_transformer.config import TITLE, TOPIC, TRACK  # noqa: F401 - what the chapter list reads
from kerasbook.chapters.ch13_transformer.config import (CHAPTER, HUB_PARTS, NAMES, PARTS, PROG, SAMPLERS, SPEC,
                                                        SPECIAL, Config)
from kerasbook.chapters.ch13_transformer.figures import scaling_numbers, translator_attention
from kerasbook.chapters.ch13_transformer.gpt import gpt_part, train_gpt, write_samples
from kerasbook.chapters.ch13_transformer.translator import (WholeModelStepper, bleu_clock, build_translator,
                                                            evaluate_translator, make_translator, seconds_to_reach,
                                                            train_translator, translation_part, warmup_cosine)
from kerasbook.chapters.ch13_transformer.vit import build_cnn, class_token_attention, train_image_model, vit_part
from kerasbook.chapters.ch13_transformer.steps import diagram_models, measure_step_times, part_xla, run_steps

__all__ = [
    "CHAPTER", "PROG", "PARTS", "HUB_PARTS", "SAMPLERS", "NAMES", "LENGTH_BUCKETS", "SPECIAL", "SPEC", "Config",
    "warmup_cosine", "bleu_by_length", "WholeModelStepper", "make_translator", "bleu_clock", "seconds_to_reach",
    "build_translator", "train_translator", "evaluate_translator", "translation_part",
    "word_vocabulary", "encode_texts", "pretrain_mlm", "finetune", "bag_of_words", "load_labelled", "bert_part",
    "twin_flip_share", "train_gpt", "write_samples", "gpt_part",
    "build_cnn", "train_image_model", "class_token_attention", "vit_part",
    "scaling_numbers", "translator_attention",
    "measure_step_times", "run_steps", "part_xla", "diagram_models", "main",
]


def main(argv=None):
    """Train (the default, or `train`), `translate` or `generate`; returns the exit code."""
    # Imported here, not at the top: `python -m` imports this package and then runs
    # __main__.py as the script; importing it here too would load it a second time.
    from kerasbook.chapters.ch13_transformer.__main__ import main as run

    return run(argv)


def __getattr__(name):
    # `LENGTH_BUCKETS` and `bleu_by_length` live in kerasbook.seq2seq, which imports Keras: fetched when asked for.
    if name not in ("LENGTH_BUCKETS", "bleu_by_length"):
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    from kerasbook import seq2seq

    return getattr(seq2seq, name)
