"""Figures every chapter saves: training curves and image grids with captions, all written by `save_figure`."""

from __future__ import annotations

from pathlib import Path

import matplotlib

matplotlib.use("Agg")  # files only; never needs a screen
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402


def save_figure(fig, path, *, dpi: int, tight: bool = True, rect=None, **savefig) -> Path:
    """Lay `fig` out, write it to `path` (making its folder) at `dpi` and close it; returns `path`.

    `tight` runs `fig.tight_layout(rect=rect)` first; pass False for a figure laid out another way (a
    colour bar beside its panels, `bbox_inches="tight"`). Other keywords go to `fig.savefig`.
    """
    if tight:
        fig.tight_layout(rect=rect)
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fig.savefig(path, dpi=dpi, **savefig)
    plt.close(fig)
    return path


def plot_history(history: dict, path: Path, title: str = "") -> Path:
    """One panel per metric (loss, then the rest), train and validation together."""
    names = [k for k in history if not k.startswith("val_") and k not in ("learning_rate", "lr")]
    names.sort(key=lambda k: (k != "loss", k))
    fig, axes = plt.subplots(1, len(names), figsize=(4.2 * len(names), 3.2), squeeze=False)
    for ax, name in zip(axes[0], names):
        epochs = np.arange(1, len(history[name]) + 1)
        ax.plot(epochs, history[name], "o-", ms=3, label="train")
        if f"val_{name}" in history:
            ax.plot(epochs, history[f"val_{name}"], "s-", ms=3, label="validation")
        ax.set_xlabel("epoch")
        ax.set_title(name)
        if name == "loss" and min(history[name]) > 0:
            ax.set_yscale("log")
        ax.grid(alpha=0.3)
        ax.legend()
    if title:
        fig.suptitle(title)
    return save_figure(fig, path, dpi=110)


def image_grid(images, captions, path: Path, wrong=None, cols: int = 4, title: str = "") -> Path:
    """A grid of grey images with a caption under each; `wrong[i]` captions go red."""
    n = len(images)
    rows = max(1, -(-n // cols))
    fig, axes = plt.subplots(rows, cols, figsize=(2.6 * cols, 1.25 * rows + 0.4), squeeze=False)
    for i, ax in enumerate(axes.flat):
        ax.axis("off")
        if i >= n:
            continue
        ax.imshow(np.squeeze(images[i]), cmap="gray", vmin=0, vmax=255)
        bad = bool(wrong[i]) if wrong is not None else False
        ax.set_title(captions[i], fontsize=9, color="crimson" if bad else "black", family="monospace")
    if title:
        fig.suptitle(title, fontsize=10)
    return save_figure(fig, path, dpi=110)


def korean_font():
    """Make Matplotlib draw Hangul with an installed CJK font (Noto Sans CJK KR, Nanum ...); returns its name,
    or None when none is installed (Hangul would then be drawn as empty boxes)."""
    from matplotlib import font_manager

    for name in ("Noto Sans CJK KR", "NanumGothic", "Noto Sans KR", "UnDotum", "Baekmuk Gulim"):
        if any(f.name == name for f in font_manager.fontManager.ttflist):
            matplotlib.rcParams["font.family"] = [name, "DejaVu Sans"]
            return name
    return None
