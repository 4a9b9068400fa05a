"""The chapter's figures: the DCGAN's samples, progress, animation, losses, scores and class shares; the dead
units; the super-resolved crops."""

from __future__ import annotations

from pathlib import Path

import numpy as np


def samples_figure(path: Path, frame, epoch: int, share: float, cfg):
    """The 64 digits of the fixed noise batch from the generator the run kept (`frame`: its grid)."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    fig, ax = plt.subplots(figsize=(5.2, 5.6))
    ax.imshow(frame, cmap="gray", vmin=0, vmax=255)
    ax.axis("off")
    ax.set_title(f"64 digits from fixed noise, the generator as of epoch {epoch}\n{share:.0%} of "
                 f"{cfg.generated:,} generated digits read with confidence ≥ {cfg.confidence}", fontsize=9)
    save_figure(fig, path, dpi=100)


def gan_figures(figs: Path, dcgan, real_shares, cfg):
    """Samples, progress over epochs, the animation, both losses, the judge's scores and the class shares."""
    import matplotlib.pyplot as plt
    from PIL import Image

    from kerasbook.plots import save_figure

    figs.mkdir(parents=True, exist_ok=True)
    frames = dcgan["frames"]
    r = dcgan["report"]
    kept_epoch = r.get("kept_epoch") or len(frames)
    samples_figure(figs / "samples.png", frames[kept_epoch - 1], kept_epoch, r["confident_share"], cfg)

    picks = sorted({1, *(e for e in (2, 5, 10, 20, 40, 70) if e < len(frames)), len(frames)})
    fig, axes = plt.subplots(len(picks), 1, figsize=(6.4, 0.95 * len(picks)))
    for ax, epoch in zip(np.atleast_1d(axes), picks):
        strip = frames[epoch - 1][: 34 + 2]                                        # the first row of the grid
        ax.imshow(strip, cmap="gray", vmin=0, vmax=255)
        ax.set_xticks([])
        ax.set_yticks([])
        ax.set_ylabel(f"epoch {epoch}", rotation=0, ha="right", va="center", fontsize=8)
    fig.suptitle("the same eight noise vectors, epoch by epoch", fontsize=9)
    save_figure(fig, figs / "progress.png", dpi=100)

    # The animation: the top half of the grid (32 digits), every second epoch and the last, kept small.
    kept = frames[::2] + ([frames[-1]] if len(frames) % 2 == 0 else [])
    pictures = [Image.fromarray(f[: f.shape[0] // 2 + 1]) for f in kept]
    pictures[0].save(figs / "training.gif", save_all=True, append_images=pictures[1:], duration=150, loop=0,
                     optimize=True)

    h = dcgan["history"]
    epochs = np.arange(1, len(h["d_loss"]) + 1)
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.3))
    a.plot(epochs, h["d_loss"], label="D loss (real + fake)")
    a.plot(epochs, h["g_loss"], label="G loss")
    a.set_xlabel("epoch")
    a.set_ylabel("binary cross-entropy")
    a.legend(fontsize=8)
    a.grid(alpha=0.3)
    b.plot(epochs, h["d_real_accuracy"], label="D right on real")
    b.plot(epochs, h["d_fake_accuracy"], label="D right on fake")
    b.axhline(0.5, color="grey", lw=0.8, ls="--")
    b.set_ylim(0, 1.02)
    b.set_xlabel("epoch")
    b.legend(fontsize=8)
    b.grid(alpha=0.3)
    fig.suptitle("the two players (means over each epoch's steps)", fontsize=9)
    save_figure(fig, figs / "losses.png", dpi=100)

    s = dcgan["report"]["scores_over_training"]
    fig, (a, b) = plt.subplots(1, 2, figsize=(9, 3.3))
    a.plot([p["epoch"] for p in s], [p["confident_share"] for p in s], "o-", label="generated")
    a.axhline(r["real_test_confident_share"], color="grey", ls="--", lw=1, label="real unseen digits")
    if r.get("kept_epoch") in [p["epoch"] for p in s]:
        kept = next(p for p in s if p["epoch"] == r["kept_epoch"])
        a.plot([kept["epoch"]], [kept["confident_share"]], "o", ms=11, mfc="none", mec="C3", label="generator kept")
    a.set_xlabel("epoch")
    a.set_ylabel(f"share read with confidence ≥ {cfg.confidence}")
    a.set_ylim(0, 1.02)
    a.legend(fontsize=8)
    a.grid(alpha=0.3)
    b.plot([p["epoch"] for p in s], [p["frechet_distance"] for p in s], "o-", label="generated vs real test")
    b.axhline(r["frechet_distance_real_train_vs_test"], color="grey", ls="--", lw=1, label="real train vs real test")
    b.set_yscale("log")
    b.set_xlabel("epoch")
    b.set_ylabel("Fréchet distance (judge's features)")
    b.legend(fontsize=8)
    b.grid(alpha=0.3)
    save_figure(fig, figs / "judge_scores.png", dpi=100)

    fig, ax = plt.subplots(figsize=(6, 3.2))
    digits = np.arange(10)
    ax.bar(digits - 0.2, r["class_shares"], width=0.4, label="generated")
    ax.bar(digits + 0.2, real_shares, width=0.4, label="real unseen digits")
    for y in (0.05, 0.15):
        ax.axhline(y, color="grey", ls="--", lw=0.8)
    ax.set_xticks(digits)
    ax.set_xlabel("class the judge reads")
    ax.set_ylabel("share")
    ax.legend(fontsize=8)
    ax.set_title("how evenly the generated digits cover the ten classes (bar: 5-15 % each)", fontsize=9)
    save_figure(fig, figs / "class_shares.png", dpi=100)


def dead_figure(path: Path, dead: dict, steps: int):
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    layers = len(next(iter(dead.values()))["after"])
    fig, ax = plt.subplots(figsize=(6.4, 3.3))
    width = 0.8 / len(dead)
    for k, (activation, r) in enumerate(dead.items()):
        xs = np.arange(layers) + (k - (len(dead) - 1) / 2) * width
        ax.bar(xs, np.array(r["after"]) * 100, width=width, label=activation)
    ax.set_xticks(range(layers))
    ax.set_xticklabels([f"hidden layer {i + 1}" for i in range(layers)])
    ax.set_ylabel("% of units never above 0")
    ax.set_title(f"discriminator units that never fire after {steps} steps (512 real + fake digits)", fontsize=9)
    ax.legend(fontsize=8)
    ax.grid(alpha=0.3, axis="y")
    save_figure(fig, path, dpi=100)


def sr_figure(path: Path, images: dict, report: dict, scale: int, crop: int = 96):
    """Per held-out photo, one zoomed crop: the input, bicubic, SRResNet, SRGAN and the original."""
    import matplotlib.pyplot as plt

    from kerasbook.plots import save_figure

    columns = ["low", "bicubic", "SRResNet", "SRGAN", "high"]
    titles = {"low": f"input (1/{scale})", "high": "original"}
    fig, axes = plt.subplots(len(images), len(columns), figsize=(2.1 * len(columns), 2.25 * len(images)),
                             squeeze=False)
    for row, (name, im) in zip(axes, images.items()):
        h, w = im["high"].shape[:2]
        top, left = (h - crop) // 2, (w - crop) // 2                                # the middle of the photo
        for ax, col in zip(row, columns):
            if col == "low":
                t, l, c = top // scale, left // scale, crop // scale
                picture = np.repeat(np.repeat(im["low"][t:t + c, l:l + c], scale, 0), scale, 1)
            else:
                picture = im[col][top:top + crop, left:left + crop]
            ax.imshow(np.clip(picture, 0, 1), interpolation="nearest")
            ax.set_xticks([])
            ax.set_yticks([])
            if col in report["per_photo"][name]:
                m = report["per_photo"][name][col]
                ax.set_title(f"{col}\n{m['psnr']:.2f} dB, SSIM {m['ssim']:.3f}", fontsize=8)
            else:
                ax.set_title(titles[col], fontsize=8)
        row[0].set_ylabel(name, fontsize=9)
    save_figure(fig, path, dpi=100)
