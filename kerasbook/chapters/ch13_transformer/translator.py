"""The translator part: our encoder-decoder Transformer (and keras-hub's) against chapter 12's best
recurrent translator (a GRU with additive attention) on BLEU, training time to reach that BLEU and decoding speed,
and on what each generalises to: held-out structures and the compositional split (`enko.compositional_split`).
`warmup_cosine`, the learning-rate schedule, is shared by every part."""

from __future__ import annotations

import time

import numpy as np

from kerasbook.chapters.ch13_transformer.config import NAMES, Config


# --8<-- [start:schedule]
def warmup_cosine(peak: float, steps: int, warmup: float = 0.1):
    """Linear warm-up from 0 to `peak` over the first `warmup` of the steps, then cosine decay to 5 % of it.
    A Transformer trained at its full rate from the first step can diverge while its attention is still random."""
    import keras

    warm = max(1, int(steps * warmup))
    return keras.optimizers.schedules.CosineDecay(0.0, max(1, steps - warm), alpha=0.05, warmup_target=peak,
                                                  warmup_steps=warm)
# --8<-- [end:schedule]


class WholeModelStepper:
    """Decoding by running the whole translator on `[source, prefix]` at every step (for keras-hub's
    Transformer, whose blocks `TransformerStepper` does not take apart); no attention weights."""

    def __init__(self, model):
        self.model = model

    def encode(self, source_ids):
        return np.asarray(source_ids, np.int32), [np.zeros((len(source_ids), 0), np.int32)]

    def step(self, tokens, encoded, source_ids, state):
        from keras import ops

        prefix = np.concatenate([np.asarray(state[0], np.int32), np.asarray(tokens, np.int32).reshape(-1, 1)], axis=1)
        logits = self.model([np.asarray(encoded, np.int32), prefix], training=False)[:, -1, :]
        return ops.convert_to_numpy(ops.log_softmax(logits, axis=-1)), [prefix], None


def make_translator(model, source_vocab: list, target_vocab: list, max_source: int, max_target: int):
    """`seq2seq.Translator` with the stepper the model needs: ours for our Transformer, the whole model per
    token for keras-hub's, chapter 12's for the recurrent translator."""
    from kerasbook import seq2seq as s2s
    from kerasbook.layers.transformer import TransformerDecoderBlock
    from kerasbook.transformer_models import TransformerStepper

    if any(isinstance(layer, TransformerDecoderBlock) for layer in model.layers):
        stepper = TransformerStepper(model)
    elif model.name == "hub_transformer":
        stepper = WholeModelStepper(model)
    else:
        stepper = s2s.Stepper(model)
    return s2s.Translator(model, source_vocab, target_vocab, max_source, max_target, stepper)


def bleu_clock(translate, sources, references):
    """A callback that keeps `(training seconds so far, greedy BLEU on a few validation sentences)` after
    every epoch; the time spent translating is not counted as training."""
    import keras

    from kerasbook.seq2seq import corpus_bleu

    class BleuClock(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.points, self.seconds = [], 0.0         # this clock's own; each `fit` starts them afresh

        def on_train_begin(self, logs=None):
            self.points, self.seconds = [], 0.0

        def on_epoch_begin(self, epoch, logs=None):
            self.started = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            self.seconds += time.perf_counter() - self.started
            self.points.append((self.seconds, corpus_bleu(references, translate(self.model, sources))))

    return BleuClock()


def seconds_to_reach(points, target):
    """Training seconds at the first epoch whose BLEU reached `target` (None if none did)."""
    return next((s for s, b in points if b >= target - 1e-9), None)


# --8<-- [start:translator]
def build_translator(kind: str, cfg: Config, source_vocab: int, target_vocab: int):
    """"ours" / "hub": the Transformer from our layers or keras-hub's; "rnn": chapter 12's GRU + additive attention."""
    from kerasbook import hub_models, seq2seq, transformer_models

    if kind == "rnn":
        return seq2seq.build_translator("gru_additive", source_vocab, target_vocab, cfg.rnn_units, cfg.rnn_embed)
    build = transformer_models.build_transformer_translator if kind == "ours" else hub_models.build_hub_translator
    return build(source_vocab, target_vocab, cfg.d_model, cfg.num_heads, cfg.ff_dim, cfg.num_layers, cfg.dropout)


def train_translator(kind, data, vocab, cfg, run, out):
    """Build, train (best epoch by validation loss) and return `(Translator, history, info, BLEU clock points)`."""
    from kerasbook import seq2seq as s2s
    from kerasbook import training

    (src_v, tgt_v), (train, val) = vocab, data
    x = s2s.encode(src_v, [p["en"] for p in train])
    din, dout = s2s.teacher_forcing(s2s.encode(tgt_v, [f"{s2s.START} {p['ko_tokens']} {s2s.END}" for p in train]))
    xv = s2s.encode(src_v, [p["en"] for p in val])
    dvin, dvout = s2s.teacher_forcing(s2s.encode(tgt_v, [f"{s2s.START} {p['ko_tokens']} {s2s.END}" for p in val]))
    epochs = cfg.rnn_epochs if kind == "rnn" else cfg.epochs
    steps = epochs * (len(x) // cfg.batch_size)
    with run.strategy.scope():
        model = build_translator(kind, cfg, src_v.vocabulary_size(), tgt_v.vocabulary_size())
        rate = cfg.rnn_learning_rate if kind == "rnn" else warmup_cosine(cfg.learning_rate, steps)
        s2s.compile_translator(model, rate, run.jit)
    short = not run.jit                      # without XLA, batches of similar length cut to their longest sentence
    train_ds = s2s.batches((x, din), dout, cfg.batch_size, aligned=(1,), seed=run.seed, bucket=short, trim=short)
    val_ds = s2s.batches((xv, dvin), dvout, 256, aligned=(1,), bucket=False, trim=short)
    vocabularies = (src_v.get_vocabulary(), tgt_v.get_vocabulary(), cfg.max_source, cfg.max_target)
    clock = bleu_clock(lambda m, s: make_translator(m, *vocabularies).greedy(s)[0],
                       [p["en"] for p in val[: cfg.bleu_sentences]], [p["ko_tokens"] for p in val[: cfg.bleu_sentences]])
    clocked = kind != "hub" and cfg.bleu_sentences > 0      # keras-hub's decodes slowly: not clocked
    info = run.run_info()
    model, history = training.fit(model, train_ds, val_ds, epochs=epochs, out=out, info=info, train_examples=len(x),
                                  verbose=run.verbose(), extra_callbacks=(clock,) if clocked else ())
    return make_translator(model, *vocabularies), history, info, clock.points if clocked else []
# --8<-- [end:translator]


def evaluate_translator(translator, splits: dict, cfg: Config) -> dict:
    """BLEU and exact match on the test sentences (greedy, by length, and by beam search on the first
    `beam_sentences`), on the held-out structures and on each kind of the compositional split; decoding speed."""
    from kerasbook import seq2seq as s2s

    return s2s.evaluate(translator, splits["test"], splits.get("heldout", []), splits.get("compositional", []),
                        cfg.beam_sentences, cfg.beam_width, cfg.length_alpha)


def translation_part(splits, vocab, cfg, run, out) -> dict:
    """Chapter 12's best RNN, our Transformer and (if asked) keras-hub's, trained and scored on the same pairs."""
    kinds = ["rnn", "ours"] + (["hub"] if "translator" in cfg.hub else [])
    where = {"rnn": out / "rnn_translator", "ours": out, "hub": out / "hub_translator"}
    results, models, histories = {}, {}, {}
    for kind in kinds:
        print(f"translator: training {NAMES[kind]} ...", flush=True)
        start = time.perf_counter()
        translator, history, info, points = train_translator(kind, (splits["train"], splits["validation"]), vocab,
                                                             cfg, run, where[kind])
        train_s = time.perf_counter() - start
        r = evaluate_translator(translator, splits, cfg)
        r.update(train_s=train_s, epochs_run=info.epochs_run, bleu_clock=points, info=info)
        results[kind], models[kind], histories[kind] = r, translator, history
        held, exact = r["bleu_heldout_structures"], r["exact_match_heldout_structures"]
        held = "" if held is None else f"; held-out structures {held:.1f} ({exact:.1%} exact)"
        print(f"  {NAMES[kind]}: BLEU {r['bleu']:.1f} greedy ({r['exact_match']:.1%} exact), {r['bleu_beam']:.1f} beam"
              f"{held}; trained in {train_s:.0f}s; {r['greedy_sentences_per_s']:.0f} sentences/s greedy")
    target = max((b for _, b in results["rnn"]["bleu_clock"]), default=None)
    for r in results.values():
        r["seconds_to_rnn_best_bleu"] = seconds_to_reach(r["bleu_clock"], target) if r["bleu_clock"] else None
    return {"results": results, "translators": models, "histories": histories, "rnn_best_validation_bleu": target}
