"""Chapter 1's settings: the chapter's name, its command and `Config`, everything a run depends on."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

CHAPTER = "ch01_foundations"
PROG = "python -m kerasbook.chapters.ch01_foundations"
TITLE = "Foundations"  # its name in the site's navigation
TRACK = "Image track"
TOPIC = "least squares vs gradient descent, k-NN, linear vs MLP, the training checklist"
MNIST_URL = "https://storage.googleapis.com/cvdf-datasets/mnist/train-images-idx3-ubyte.gz"


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 1 depends on."""

    # The main task: spirals (builtin) or MNIST (full).
    train_size: int = 3_000         # spiral points drawn for training (MNIST: a cap)
    val_size: int = 600
    test_size: int = 600
    classes: int = 3                # spiral arms
    noise: float = 0.15             # angular noise of the spirals, in radians
    epochs: int = 60                # main MLP and the linear softmax model
    batch_size: int = 64
    learning_rate: float = 1e-2     # Adam, for every classifier in the chapter
    hidden: tuple = (64, 64)        # MLP hidden widths
    # Linear regression: closed form vs gradient descent.
    reg_samples: int = 500
    reg_features: int = 3
    gd_learning_rate: float = 0.1
    gd_steps: int = 300
    sgd_batch: int = 16
    # k-NN on Gaussian blobs (MNIST: a subset).
    knn_train: int = 600
    knn_test: int = 300
    knn_ks: tuple = (1, 3, 5, 9, 15, 25, 45, 75, 125)
    # The checklist.
    loss_check_classes: tuple = (2, 3, 5, 10, 20, 50, 100)
    tiny_batch: int = 16            # examples the MLP must learn by heart
    tiny_steps: int = 150
    sweep_lrs: tuple = (1e-4, 1e-3, 1e-2, 1e-1, 1.0)
    sweep_epochs: int = 8
    init_depth: int = 10            # layers in the initialisation experiment
    init_width: int = 256
    schedule_epochs: int = 25
    overfit_train: int = 300        # a small training set, so that the MLP overfits
    label_noise: float = 0.25       # share of its labels we flip to a wrong class
    overfit_width: int = 256
    overfit_epochs: int = 200
    dropout: float = 0.3
    patience: int = 25              # early stopping: epochs without a better val_loss

    def quick(self) -> Config:
        """A preset that finishes in about a minute on a laptop CPU."""
        return dataclasses.replace(self, train_size=1_500, val_size=300, test_size=300, epochs=30,
                                   sweep_epochs=4, tiny_steps=100, schedule_epochs=12, overfit_epochs=100)

    def mnist(self) -> Config:
        """Sizes for MNIST (`--data full`): fewer epochs over many more examples."""
        return dataclasses.replace(self, train_size=60_000, classes=10, epochs=8, batch_size=128, learning_rate=1e-3,
                                   hidden=(128, 64), knn_train=5_000, knn_test=1_000, sweep_epochs=1,
                                   schedule_epochs=3, overfit_train=1_000, overfit_epochs=60, patience=8)
# --8<-- [end:config]
