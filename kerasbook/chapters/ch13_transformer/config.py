"""Chapter 13's settings: `Config`, the names of the parts and samplers, and the dataset it registers."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass

from kerasbook.data import DatasetSpec, register, tfds_prepared

CHAPTER = "ch13_transformer"
PROG = "python -m kerasbook.chapters.ch13_transformer"
TITLE = "Transformer"  # its name in the site's navigation
TRACK = "Language track"
TOPIC = ("the Transformer from its parts against Keras' and keras-hub's; BERT-style pre-training, a GPT and "
         "its sampling, a ViT against a CNN")
PARTS = ("translator", "bert", "gpt", "vit")
HUB_PARTS = ("translator", "bert", "gpt")
SAMPLERS = ("greedy", "top_k", "top_p", "beam")
NAMES = {"rnn": "GRU + additive attention", "ours": "Transformer (our layers)", "hub": "Transformer (keras-hub layers)"}
SPECIAL = ("", "[UNK]", "[CLS]", "[MASK]")                   # ids 0-3 of the BERT vocabulary


# --8<-- [start:config]
@dataclass(frozen=True)
class Config:
    """Everything a run of chapter 13 depends on."""

    # translator: chapter 12's English -> Korean pairs
    train_size: int = 10_000
    val_size: int = 500
    test_size: int = 1_000
    heldout_size: int = 500         # unseen sentences of the structures never trained on (enko.HELD_OUT)
    compositional_size: int = 100   # sentences of each kind of the compositional split (enko.COMPOSITIONAL)
    max_source: int = 40
    max_target: int = 32
    d_model: int = 128
    num_heads: int = 4
    ff_dim: int = 256
    num_layers: int = 2             # encoder blocks, and as many decoder blocks
    dropout: float = 0.1
    epochs: int = 12
    batch_size: int = 32
    learning_rate: float = 1e-3     # peak: linear warm-up over the first tenth of the steps, then cosine decay
    rnn_units: int = 128            # chapter 12's GRU + additive attention, with chapter 12's settings
    rnn_embed: int = 64
    rnn_epochs: int = 12
    rnn_learning_rate: float = 3e-3
    bleu_sentences: int = 100       # validation sentences translated after every epoch: BLEU against time
    beam_width: int = 4
    length_alpha: float = 0.6
    beam_sentences: int = 300
    # bert: the negation task (or IMDB reviews with --data full)
    pretrain_size: int = 20_000     # unlabelled sentences for the masked language model
    label_sizes: tuple = (200,)     # labelled sentences to fine-tune on (the small-label point first)
    label_val_size: int = 500
    label_test_size: int = 2_000
    max_length: int = 16            # [CLS] + tokens
    vocab_size: int | None = None   # keep the most frequent words only (None: all)
    pretrain_epochs: int = 6
    pretrain_batch_size: int = 128
    pretrain_learning_rate: float = 2e-3   # peak, with the translator's warm-up and cosine decay
    finetune_epochs: int = 20
    finetune_learning_rate: float = 1e-3
    # bert, gpt and vit share one small size
    small_d: int = 64
    small_heads: int = 4
    small_ff: int = 128
    small_layers: int = 2
    # gpt: the Korean side of the translator's training pairs
    gpt_epochs: int = 6
    samples: int = 4                # sentences written by each sampler
    sample_stats: int = 50          # sentences each sampler writes from [start] alone, for how many are distinct
    # vit: chapter 3's shapes
    image_train_size: int = 5_000
    image_val_size: int = 500
    image_test_size: int = 1_000
    patch_size: int = 8
    vit_layers: int = 4
    image_epochs: int = 10
    image_batch_size: int = 64
    image_learning_rate: float = 1e-3
    cnn_widths: tuple = (16, 32, 64)
    parts: tuple = PARTS
    hub: tuple = ()                 # parts also rebuilt from keras-hub layers and trained alike (`--hub all`)

    def quick(self) -> "Config":
        """A short preset that still shows the chapter's two headline points, the Transformer translator
        against the RNN and what pre-training buys, with smaller models and fewer epochs. GPT and the ViT are
        left to the default run (`--parts translator,bert,gpt,vit` adds them back), and so is the BLEU clock."""
        return dataclasses.replace(self, train_size=4_000, val_size=200, test_size=300, heldout_size=200,
                                   compositional_size=50, epochs=8, num_layers=1,
                                   learning_rate=2e-3, rnn_epochs=6, bleu_sentences=0, beam_sentences=100,
                                   pretrain_epochs=4, label_val_size=200, label_test_size=1_000, gpt_epochs=5,
                                   sample_stats=10, parts=("translator", "bert"))

    def full(self) -> "Config":
        """Sizes for IMDB reviews (`--data full`, the bert part): longer inputs, a capped vocabulary."""
        return dataclasses.replace(self, max_length=128, vocab_size=20_000, label_sizes=(200, 1_000),
                                   pretrain_size=25_000, label_test_size=5_000)
# --8<-- [end:config]


SPEC = register(DatasetSpec(
    name="reviews",
    builtin="two-clause sentences whose label turns on a 'not' (datasets/negation_twins), for the bert part; "
            "the translator and gpt parts use chapter 12's pairs (datasets/enko_pairs), the vit part shapes32",
    full="IMDB movie reviews through TFDS (imdb_reviews: 25,000 labelled for training, 25,000 for testing, "
         "50,000 unlabelled for pre-training), for the bert part",
    full_available=tfds_prepared("imdb_reviews", "IMDB reviews"),
    full_url="https://www.tensorflow.org/datasets/catalog/imdb_reviews",
))
