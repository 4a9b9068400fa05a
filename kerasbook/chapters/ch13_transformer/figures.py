"""Chapter 13's figures: the √d_k scaling, the position encodings, BLEU against time, attention heads,
pre-training, the samplers' sentences and the ViT's class-token attention."""

from __future__ import annotations

import numpy as np

from kerasbook.chapters.ch13_transformer.config import NAMES
from kerasbook.chapters.ch13_transformer.vit import class_token_attention


# --8<-- [start:figures]
def translator_attention(model, source_ids, target_ids):
    """Per-head weights of our Transformer on one batch: the last encoder block's self-attention
    `(B, heads, S, S)` and the last decoder block's cross-attention `(B, heads, T, S)`."""
    from keras import ops

    from kerasbook.layers.transformer import TransformerDecoderBlock, TransformerEncoderBlock

    def embed(name, ids):
        x = model.get_layer(f"{name}_embedding")(ids)
        return model.get_layer(f"{name}_with_positions")([x, model.get_layer(f"{name}_positions")(x)])

    source_ids, target_ids = np.asarray(source_ids, np.int32), np.asarray(target_ids, np.int32)
    x = embed("source", source_ids)
    for block in [layer for layer in model.layers if isinstance(layer, TransformerEncoderBlock)]:
        x, self_w = block(x, padding_mask=source_ids != 0, return_attention_scores=True, training=False)
    y = embed("target", target_ids)
    for block in [layer for layer in model.layers if isinstance(layer, TransformerDecoderBlock)]:
        y, (_, cross_w) = block([y, x], decoder_mask=target_ids != 0, encoder_mask=source_ids != 0,
                                return_attention_scores=True, training=False)
    return ops.convert_to_numpy(self_w), ops.convert_to_numpy(cross_w)


def _korean_labels(tokens):
    from kerasbook.data.enko import romanize
    from kerasbook.plots import korean_font

    return tokens if korean_font() else [romanize(t) for t in tokens]


def attention_heads_figure(path, translator, sentence: str, translation: str):
    """One unseen sentence: each head's self-attention in the last encoder block (top) and its
    cross-attention in the last decoder block (bottom)."""
    import matplotlib.pyplot as plt

    from kerasbook import seq2seq as s2s
    from kerasbook.plots import save_figure

    src = sentence.split()
    tgt = [s2s.START] + translation.split()
    index = {w: i for i, w in enumerate(translator.target_vocab)}
    self_w, cross_w = translator_attention(translator.model, translator.ids([sentence]),
                                           np.array([[index.get(t, 1) for t in tgt]], np.int32))
    heads = self_w.shape[1]
    labels = _korean_labels(tgt)
    fig, axes = plt.subplots(2, heads, figsize=(3.3 * heads, 6.8))
    for h in range(heads):
        axes[0, h].imshow(self_w[0, h, : len(src), : len(src)], cmap="viridis", vmin=0, vmax=1)
        axes[0, h].set_xticks(range(len(src)), src, rotation=70, fontsize=6)
        axes[0, h].set_yticks(range(len(src)), src if h == 0 else [], fontsize=6)
        axes[0, h].set_title(f"encoder self-attention, head {h + 1}", fontsize=8)
        axes[1, h].imshow(cross_w[0, h, : len(tgt), : len(src)], cmap="viridis", vmin=0, vmax=1, aspect="auto")
        axes[1, h].set_xticks(range(len(src)), src, rotation=70, fontsize=6)
        axes[1, h].set_yticks(range(len(tgt)), labels if h == 0 else [], fontsize=6)
        axes[1, h].set_title(f"cross-attention, head {h + 1}", fontsize=8)
    fig.suptitle(f"{sentence}  →  {' '.join(labels[1:])}", fontsize=8)
    save_figure(fig, path, dpi=100)


def positional_encoding_figure(path, length: int = 64, d_model: int = 128):
    """The sinusoids added to the embeddings, and how similar the encodings of two positions are."""
    import matplotlib.pyplot as plt
    from keras import ops

    from kerasbook.layers.transformer import SinusoidalPositionEncoding
    from kerasbook.plots import save_figure

    pe = ops.convert_to_numpy(SinusoidalPositionEncoding()(np.zeros((1, length, d_model), np.float32)))[0]
    unit = pe / np.linalg.norm(pe, axis=1, keepdims=True)
    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8), gridspec_kw={"width_ratios": [1.6, 1]})
    im = axes[0].imshow(pe, cmap="RdBu", vmin=-1, vmax=1, aspect="auto")
    axes[0].set_xlabel("dimension (sines in the even ones, cosines in the odd ones)")
    axes[0].set_ylabel("position")
    axes[0].set_title(f"sinusoidal position encoding, d_model = {d_model}", fontsize=9)
    fig.colorbar(im, ax=axes[0], fraction=0.04)
    im = axes[1].imshow(unit @ unit.T, cmap="viridis", vmin=0, vmax=1)
    axes[1].set_xlabel("position")
    axes[1].set_ylabel("position")
    axes[1].set_title("cosine similarity of two positions' encodings", fontsize=9)
    fig.colorbar(im, ax=axes[1], fraction=0.04)
    save_figure(fig, path, dpi=100)


def scaling_numbers(d_ks=(4, 16, 64, 256), keys: int = 16, n: int = 4_000, seed: int = 0) -> dict:
    """For random unit-variance queries and keys: the variance of q·k and of q·k/√d_k, and the mean of
    the largest softmax weight over `keys` keys without and with the scaling."""
    from keras import ops

    from kerasbook.layers.transformer import attention_weights

    rng = np.random.default_rng(seed)
    out = {}
    for d in d_ks:
        q = rng.standard_normal((n, 1, d)).astype(np.float32)
        k = rng.standard_normal((n, keys, d)).astype(np.float32)
        dots = (q @ k.transpose(0, 2, 1))[:, 0]
        scaled = ops.convert_to_numpy(attention_weights(q, k))[:, 0]
        unscaled = ops.convert_to_numpy(attention_weights(q * np.sqrt(d), k))[:, 0]     # cancels the 1/√d_k
        out[d] = {"var_dot": float(dots.var()), "var_scaled": float((dots / np.sqrt(d)).var()),
                  "max_weight_unscaled": float(unscaled.max(-1).mean()), "max_weight_scaled": float(scaled.max(-1).mean())}
    return out


def scaling_figure(path, numbers: dict):
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    d = list(numbers)
    fig, axes = plt.subplots(1, 2, figsize=(10, 3.4))
    axes[0].plot(d, [numbers[k]["var_dot"] for k in d], "o-", label="q · k")
    axes[0].plot(d, [numbers[k]["var_scaled"] for k in d], "o-", label="q · k / √d_k")
    axes[0].set_xscale("log", base=2)
    axes[0].set_yscale("log", base=2)
    axes[0].set_title("variance of the score (random unit-variance q, k)", fontsize=9)
    axes[1].plot(d, [numbers[k]["max_weight_unscaled"] for k in d], "o-", label="softmax(q · k)")
    axes[1].plot(d, [numbers[k]["max_weight_scaled"] for k in d], "o-", label="softmax(q · k / √d_k)")
    axes[1].set_xscale("log", base=2)
    axes[1].set_ylim(0, 1.02)
    axes[1].set_title("mean largest attention weight over 16 keys", fontsize=9)
    for ax in axes:
        ax.set_xlabel("d_k")
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    save_figure(fig, path, dpi=100)


def bleu_clock_figure(path, results: dict, target: float):
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    fig, ax = plt.subplots(figsize=(6.6, 3.8))
    for kind, r in results.items():
        if not r["bleu_clock"]:
            continue
        s, b = zip(*r["bleu_clock"])
        ax.plot(s, b, "o-", ms=3, label=NAMES[kind])
    ax.axhline(target, color="grey", lw=0.8, ls="--", label=f"best BLEU of the RNN ({target:.1f})")
    ax.set_xlabel("training seconds (translating the checks not counted)")
    ax.set_ylabel("BLEU, validation sentences, greedy")
    ax.set_ylim(0, 102)
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    save_figure(fig, path, dpi=100)


def pretraining_figure(path, bert: dict, n: int):
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    fig, axes = plt.subplots(1, 2, figsize=(11, 3.8))
    for kind, r in bert["models"].items():
        h = r["mlm_history"]
        epochs = np.arange(1, len(h["loss"]) + 1)
        axes[0].plot(epochs, h["val_masked_accuracy"], "o-", ms=3, label=f"{kind}: masked tokens guessed")
    axes[0].set_xlabel("pre-training epoch")
    axes[0].set_ylabel("validation accuracy at the masked positions")
    axes[0].set_title("masked-language-model pre-training", fontsize=9)
    for name, curve in bert["curves"].items():
        kind, start_from, size = name.split()
        if int(size) == n:
            axes[1].plot(np.arange(1, len(curve) + 1), curve, "-" if start_from == "pretrained" else "--",
                         label=f"{kind}, {'pre-trained' if start_from == 'pretrained' else 'from scratch'}")
    axes[1].axhline(0.5, color="grey", lw=0.8, ls=":", label="chance")
    axes[1].set_xlabel("fine-tuning epoch")
    axes[1].set_ylabel("validation accuracy")
    axes[1].set_title(f"fine-tuning on {n} labelled sentences", fontsize=9)
    for ax in axes:
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    save_figure(fig, path, dpi=100)


def samples_figure(path, samples: dict, prompts: list):
    """The sentences each sampler wrote, as text (Korean joined into words)."""
    import matplotlib.pyplot as plt

    from kerasbook.data.enko import join_korean
    from kerasbook.plots import save_figure

    hangul = _korean_labels(["가"]) == ["가"]
    import textwrap

    lines = []
    for sampler, texts in samples.items():
        lines.append(f"{sampler}:")
        for p, t in zip(prompts, texts):
            shown = join_korean(t) if hangul else " ".join(_korean_labels(t.split()))
            lines += textwrap.wrap(f"[{p or 'start'}] {shown}", 80, initial_indent="    ", subsequent_indent="        ")
    fig = plt.figure(figsize=(10, 0.21 * len(lines) + 0.3))
    fig.text(0.01, 1 - 0.1 / (0.21 * len(lines) + 0.3), "\n".join(lines), va="top", fontsize=9, linespacing=1.5)
    save_figure(fig, path, dpi=100, tight=False)


def vit_figure(path, vit: dict, model, count: int = 6):
    """Validation accuracy of the ViT and the CNN per epoch, and where the ViT's class token looks."""
    import matplotlib.pyplot as plt

    from kerasbook.data.shapes import CLASSES
    from kerasbook.plots import save_figure

    images, labels = vit["test"][0][:count], vit["test"][1][:count]
    attention = class_token_attention(model, images.astype(np.float32)).mean(axis=1)
    fig = plt.figure(figsize=(2.1 * count, 6.2))
    ax = fig.add_subplot(2, 1, 1)
    for kind, h in vit["histories"].items():
        ax.plot(np.arange(1, len(h["val_accuracy"]) + 1), h["val_accuracy"], "o-", ms=3,
                label=f"{'ViT' if kind == 'vit' else 'CNN'} ({vit['report'][kind]['params']:,} parameters)")
    ax.axhline(0.1, color="grey", lw=0.8, ls=":", label="chance")
    ax.set_xlabel("epoch")
    ax.set_ylabel("validation accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    for i in range(count):
        a = fig.add_subplot(2, count, count + i + 1)
        a.imshow(images[i])
        a.imshow(np.kron(attention[i], np.ones((32 // attention.shape[1],) * 2)), cmap="magma", alpha=0.55)
        a.set_title(CLASSES[labels[i]], fontsize=8)
        a.axis("off")
    fig.suptitle("ViT: the class token's attention over the patches in the last block (mean of heads)", fontsize=9)
    save_figure(fig, path, dpi=100)
# --8<-- [end:figures]
