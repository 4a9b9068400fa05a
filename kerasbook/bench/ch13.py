"""Chapter 13 benchmark: XLA on/off for each part's training step, and decoding speed.

* compile time, median step time and samples/s of a training step with XLA on
  and off for each of the four model families, and the decision: XLA is on
  when it makes the part's training at least 5 % faster with its compile time
  spread over the steps of a default run (a step a few per cent faster does not
  pay for seconds of compiling, and noise should not flip the mode): the Transformer translator and
  the GPT (each on the batches it would get: whole-length with XLA, which
  compiles one program per shape, and cut to the typical length of a batch of
  sentences bucketed by length without it), the BERT encoder's masked-language
  -model step and the ViT (one shape either way); the translator's decision is
  the chapter's (`ch13_transformer`), the others are recorded as
  `ch13_transformer.bert`, `.gpt` and `.vit`, and each part of a run with
  `--xla auto` uses its own;
* sentences per second decoded greedily and by beam search (width 4) by an
  untrained Transformer translator of the chapter's size on 256 builtin
  sentences (the speed does not depend on the weights, only on the lengths).

Bars, on builtin data within 12 minutes of wall time: the Transformer
translator's BLEU is at least that of the GRU + additive attention translator
of chapter 12 trained in the same run, and fine-tuning after masked-language
-model pre-training beats the same model trained from scratch by at least 10
accuracy points at the small-label point.
"""

from __future__ import annotations

from kerasbook import xla

CHAPTER_MODULE = "kerasbook.chapters.ch13_transformer"
BAR = {"checks": [{"metric": "bleu_gain_over_rnn", "at_least": 0.0}, {"metric": "pretraining_gain", "at_least": 0.10}],
       "wall_s_at_most": 12 * 60}


MODELS = {"translator": "Transformer translator", "bert": "BERT, masked LM", "gpt": "GPT", "vit": "ViT"}


def step_times(steps, quick=False, cfg=None):
    """Each part's training step, timed with XLA on and off (`common.step_part`s, translator first).

    The translator's decision is the chapter's; the others are recorded as `ch13_transformer.PART`.
    Each part's compile time is spread over the steps of its default run.
    """
    from kerasbook.bench.common import step_part
    from kerasbook.xla import measure_modes
    from kerasbook.chapters import ch13_transformer as ch

    cfg = cfg or ch.Config()

    def measure(part):
        return measure_modes(lambda modes: ch.measure_step_times(cfg, part, steps=steps, modes=modes))

    return [step_part(ch.CHAPTER if part == "translator" else f"{ch.CHAPTER}.{part}", MODELS[part], measure(part),
                      ch.run_steps(cfg, part))
            for part in ch.PARTS]


def run(steps, quick, ship=False):
    import keras

    from kerasbook import seq2seq as s2s
    from kerasbook.bench.common import decoding_speeds, record_part
    from kerasbook.chapters import ch13_transformer as ch
    from kerasbook.data import enko

    cfg = ch.Config()
    device = xla.device_kind()
    report = {"chapter": ch.CHAPTER, "device": device, "batch_size": cfg.batch_size}
    print(f"measuring the training steps of the {', '.join(ch.PARTS)} (XLA on and off) on {device} ...", flush=True)
    report["parts"] = {part: record_part(p, device, ship) for part, p in zip(ch.PARTS, step_times(steps, quick))}
    report.update({k: report["parts"]["translator"][k] for k in ("train_step", "resolved_xla_auto")})
    pairs = enko.draw_split(0, "bench", 256)
    src, tgt = s2s.make_vectorizers([p["en"] for p in pairs], [p["ko_tokens"] for p in pairs], cfg.max_source,
                                    cfg.max_target)
    keras.utils.set_random_seed(0)
    model = ch.build_translator("ours", cfg, src.vocabulary_size(), tgt.vocabulary_size())
    translator = ch.make_translator(model, src.get_vocabulary(), tgt.get_vocabulary(), cfg.max_source, cfg.max_target)
    report.update(decoding_speeds(translator, [p["en"] for p in pairs], cfg.beam_width, cfg.length_alpha))
    return report


def rows(report):
    """Table rows `(label, value)` for the terminal."""
    out = [("device", report["device"])]
    for part, r in report["parts"].items():
        on, off = r["train_step"]["xla_on"], r["train_step"]["xla_off"]
        out.append((f"{part}: train step", f"XLA on {on['step_s'] * 1e3:.1f} ms (compile {on['compile_s']:.1f} s), "
                                           f"off {off['step_s'] * 1e3:.1f} ms -> --xla auto: {r['resolved_xla_auto']}"))
    return out + [("greedy decoding", f"{report['greedy_sentences_per_s']:.0f} sentences/s"),
                  ("beam search, width 4", f"{report['beam_sentences_per_s']:.0f} sentences/s")]
