"""Step times and XLA: each part's training step timed with XLA on and off, the steps a run takes, each
part's XLA decision (`kerasbook.xla`), and the models the site draws."""

from __future__ import annotations

import numpy as np

from kerasbook.chapters.ch13_transformer.config import Config
from kerasbook.chapters.ch13_transformer.translator import build_translator


def measure_step_times(cfg: Config, part: str = "translator", steps=10, modes=(True, False), seed=0):
    """Seconds per training step of one part's model (ours), XLA on and off. The translator and the GPT
    are timed as they train: whole-length batches with XLA (one compiled shape), and batches cut to the
    typical bucketed length without it; BERT's and the ViT's batches have one shape either way."""
    import keras

    from kerasbook import seq2seq as s2s
    from kerasbook import xla

    rng = np.random.default_rng(seed)
    loss = keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)

    def compiled(build, jit, plain_loss=False):
        keras.utils.set_random_seed(seed)
        model = build()
        model.compile(optimizer=keras.optimizers.Adam(1e-4), jit_compile=jit,
                      loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True) if plain_loss else loss)
        return model

    out = {}
    for jit in modes:
        if part in ("translator", "gpt"):
            source, target = (cfg.max_source, cfg.max_target + 1) if jit else s2s.typical_batch_lengths(cfg.batch_size)
            din, y = (rng.integers(2, 300, (cfg.batch_size, target)).astype("int32") for _ in range(2))
            if part == "translator":
                x = [rng.integers(2, 200, (cfg.batch_size, source)).astype("int32"), din]
                build = lambda: build_translator("ours", cfg, 200, 300)                  # noqa: E731
            else:
                from kerasbook.pretraining import build_gpt

                x = din
                build = lambda: build_gpt(300, cfg.small_d, cfg.small_heads, cfg.small_ff, cfg.small_layers,  # noqa: E731
                                          cfg.max_target + 2, cfg.dropout)
            out.update(xla.time_train_steps(lambda j: compiled(build, j), x, y, steps=steps, modes=(jit,)))
            out[jit]["lengths"] = [source, target]
        elif part == "bert":
            from kerasbook import pretraining as P

            x = rng.integers(4, 200, (cfg.pretrain_batch_size, cfg.max_length)).astype("int32")
            y = np.where(rng.random(x.shape) < 0.15, x, 0).astype("int32")
            build = lambda: P.build_mlm(P.build_bert_encoder(200, cfg.small_d, cfg.small_heads, cfg.small_ff,  # noqa: E731
                                                             cfg.small_layers, cfg.max_length, cfg.dropout), 200)
            out.update(xla.time_train_steps(lambda j: compiled(build, j), x, y, steps=steps, modes=(jit,)))
        else:
            from kerasbook.transformer_models import build_vit

            x = rng.integers(0, 256, (cfg.image_batch_size, 32, 32, 3)).astype("float32")
            y = rng.integers(0, 10, (cfg.image_batch_size,)).astype("int32")
            build = lambda: build_vit(32, 3, 10, cfg.patch_size, cfg.small_d, cfg.small_heads, cfg.small_ff,  # noqa: E731
                                      cfg.vit_layers, cfg.dropout)
            out.update(xla.time_train_steps(lambda j: compiled(build, j, True), x, y, steps=steps, modes=(jit,)))
    return out


def run_steps(cfg: Config, part: str) -> int:
    """Training steps a run of `part` takes (the steps XLA's compile time is spread over)."""
    mlm_size = cfg.pretrain_size - max(1, cfg.pretrain_size // 20)    # bert.py keeps 1/20 to measure the MLM
    per_epoch = {"translator": cfg.train_size // cfg.batch_size, "gpt": cfg.train_size // cfg.batch_size,
                 "bert": mlm_size // cfg.pretrain_batch_size, "vit": cfg.image_train_size // cfg.image_batch_size}[part]
    epochs = {"translator": cfg.epochs, "gpt": cfg.gpt_epochs, "bert": cfg.pretrain_epochs,
              "vit": cfg.image_epochs}[part]
    return per_epoch * epochs


def part_xla(run, part: str):
    """`(jit, why)` for one part: the chapter's decision for the translator, and each other part's own
    (`python -m kerasbook.bench ch13` measures them and records them as `ch13_transformer.PART`)."""
    from kerasbook import xla

    return xla.part_decision(run, part, "translator", measure_step_times, run_steps)


def diagram_models():
    """The models the site draws."""
    from kerasbook import pretraining as P
    from kerasbook.transformer_models import build_vit

    cfg = Config()
    return {"transformer": build_translator("ours", cfg, 230, 400),
            "bert_classifier": P.build_classifier(P.build_bert_encoder(120, cfg.small_d, cfg.small_heads,
                                                                       cfg.small_ff, cfg.small_layers, cfg.max_length), 2),
            "vit": build_vit(32, 3, 10, cfg.patch_size, cfg.small_d, cfg.small_heads, cfg.small_ff, cfg.vit_layers)}
