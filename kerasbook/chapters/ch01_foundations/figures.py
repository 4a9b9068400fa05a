"""Drawing helpers of chapter 1, and the figures of the main task (curves, decision regions, digits)."""

from __future__ import annotations

from pathlib import Path

import numpy as np

from kerasbook.chapters.ch01_foundations.methods import predict_probs


def _plt():
    import matplotlib.pyplot as plt

    import kerasbook.plots  # noqa: F401  (selects the file-only Agg backend)

    return plt


def _save(fig, path: Path):
    from kerasbook.plots import save_figure

    save_figure(fig, path, dpi=100)


def _regions(ax, predict, x, y, title, classes):
    """Colour the plane by the predicted class and draw the points on top."""
    lo, hi = x.min(0) - 0.3, x.max(0) + 0.3
    gx, gy = np.meshgrid(np.linspace(lo[0], hi[0], 150), np.linspace(lo[1], hi[1], 150))
    grid = np.stack([gx.ravel(), gy.ravel()], 1).astype("float32")                # (150², 2)
    from matplotlib.colors import ListedColormap

    colours = np.array(_plt().cm.tab10.colors[:classes])
    ax.contourf(gx, gy, predict(grid).reshape(gx.shape), levels=np.arange(classes + 1) - 0.5,
                cmap=ListedColormap(colours), alpha=0.25)
    ax.scatter(x[:, 0], x[:, 1], c=colours[y], s=4)
    ax.set_title(title, fontsize=9)
    ax.set_xticks([])
    ax.set_yticks([])


def save_main_figures(out: Path, history, models, test, classes):
    """curves.png, and linear_vs_mlp.png (2-D data) or predictions.png (images)."""
    from kerasbook.plots import image_grid, plot_history

    figs = out / "figures"
    plot_history(history, figs / "curves.png", title="MLP on the main task")
    x, y = test
    if x.shape[1] == 2:
        plt = _plt()
        fig, axes = plt.subplots(1, len(models), figsize=(4 * len(models), 3.6))
        for ax, (name, (model, acc)) in zip(axes, models.items()):
            _regions(ax, lambda g, m=model: predict_probs(m, g).argmax(1), x, y,
                     f"{name}: test accuracy {acc:.1%}", classes)
        _save(fig, figs / "linear_vs_mlp.png")
    else:
        model = models["MLP"][0]
        pred = predict_probs(model, x[:16]).argmax(1)
        images = (x[:16].reshape(-1, 28, 28) * 255).astype("uint8")
        image_grid(images, [f"{p} (true {t})" if p != t else str(p) for p, t in zip(pred, y[:16])],
                   figs / "predictions.png", wrong=pred != y[:16], title="MLP on test digits")
