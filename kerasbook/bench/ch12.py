"""Chapter 12 benchmark: XLA on/off for a translator's training step, and decoding speed.

* compile time, median step time and samples/s of a training step of the
  GRU + additive attention translator with XLA on and off, each on the batches
  it would get: whole-length (40 source, 33 target tokens) with XLA, which
  compiles one program per shape, and cut to the typical length of a batch of
  sentences bucketed by length without it; and the mode `--xla auto` will
  therefore use;
* sentences per second decoded greedily and by beam search (width 4), by an
  untrained translator of the chapter's size on 256 builtin sentences (the
  speed does not depend on the weights, only on the lengths decoded).

Bars, on the builtin corpus within 12 minutes of wall time: the best attentive
translator reaches corpus BLEU 90 on unseen sentences, and on the longest
sentences it beats the plain seq2seq by at least 20 BLEU points.
"""

from __future__ import annotations

from kerasbook.bench.common import chapter_report, chapter_steps, decoding_speeds, step_rows

CHAPTER_MODULE = "kerasbook.chapters.ch12_attention"
BAR = {"checks": [{"metric": "best_bleu", "at_least": 90.0}, {"metric": "longest_bucket_gain", "at_least": 20.0}],
       "wall_s_at_most": 12 * 60}


def step_times(steps, quick=False, cfg=None):
    """The training step this chapter's XLA decision is about, timed with XLA on and off (`common.step_part`)."""
    return chapter_steps(CHAPTER_MODULE, "GRU + attention", steps, cfg)


def run(steps, quick, ship=False):
    import keras

    from kerasbook import seq2seq as s2s
    from kerasbook.chapters import ch12_attention as ch
    from kerasbook.data import enko

    report, cfg = chapter_report(CHAPTER_MODULE, step_times, steps, quick, ship)
    pairs = enko.draw_split(0, "bench", 256)
    src, tgt = s2s.make_vectorizers([p["en"] for p in pairs], [p["ko_tokens"] for p in pairs], cfg.max_source,
                                    cfg.max_target)
    keras.utils.set_random_seed(0)
    model = s2s.build_translator("gru_additive", src.vocabulary_size(), tgt.vocabulary_size(), cfg.units, cfg.embed)
    translator = ch.Translator(model, src.get_vocabulary(), tgt.get_vocabulary(), cfg.max_source, cfg.max_target)
    report.update(decoding_speeds(translator, [p["en"] for p in pairs], cfg.beam_width, cfg.length_alpha))
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    return step_rows(report) + [("greedy decoding", f"{report['greedy_sentences_per_s']:.0f} sentences/s"),
                                ("beam search, width 4", f"{report['beam_sentences_per_s']:.0f} sentences/s")]
