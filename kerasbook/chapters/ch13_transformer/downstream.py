"""One pre-trained network, many tasks: BERT's task heads and GPT-1's fine-tuning inputs.

Not part of the chapter's run: the functions here are small enough to read, and the tests build
every head on tiny networks and check what it reads.

* **BERT** changes the head, not the network. A task sees the encoder's output through one
  dense layer: on the `[CLS]` vector for a sentence or a sentence pair (the pair packed as
  `[CLS] A [SEP] B [SEP]`, with segment ids 0 for A and 1 for B), on every token's vector
  for tagging (NER), and as a start score and an end score per token for extractive question
  answering, whose answer is the best span of the context.
* **GPT-1** changes the input, not the network. Every task becomes one or more token sequences
  that a left-to-right model can read, framed by `[START]`, `[DELIM]` and `[EXTRACT]`; a linear
  layer reads the final state at `[EXTRACT]`, the last token, which has attended to everything
  before it. Fine-tuning adds the language-model loss on the same sequences, weighted by 0.5.

References:
    Devlin et al., "BERT: Pre-training of Deep Bidirectional Transformers for Language
    Understanding", NAACL 2019 (figure 4). Radford et al., "Improving Language Understanding by
    Generative Pre-Training", 2018 (section 3.3 and figure 1).
"""

from __future__ import annotations

import numpy as np

BERT_TASKS = ("sentence", "pair", "tagging", "span")
GPT1_TASKS = ("classification", "entailment", "similarity", "multiple_choice")
START, DELIM, EXTRACT = "[START]", "[DELIM]", "[EXTRACT]"


# --8<-- [start:bert_tasks]
def pack_pair(first_ids, second_ids=None, *, sequence_length: int, cls_id: int, sep_id: int):
    """BERT's input for one sentence or a pair, by keras-hub's `MultiSegmentPacker`.

    Returns `(token_ids, segment_ids)`, both `(sequence_length,)` int32: `[CLS] A [SEP]` or
    `[CLS] A [SEP] B [SEP]`, padded with 0; segment id 0 for `[CLS]`, A and its `[SEP]`, 1 for B
    and its `[SEP]` (and 0 for the padding). A pair too long to fit loses tokens from the end of the
    longer sentence first.
    """
    import keras_hub
    from keras import ops

    packer = keras_hub.layers.MultiSegmentPacker(sequence_length=sequence_length, start_value=cls_id,
                                                 end_value=sep_id, pad_value=0)
    segments = (list(first_ids),) if second_ids is None else (list(first_ids), list(second_ids))
    token_ids, segment_ids = packer(segments)
    return (ops.convert_to_numpy(token_ids).astype(np.int32), ops.convert_to_numpy(segment_ids).astype(np.int32))


def build_bert_task_model(backbone, task: str, num_classes: int = 2):
    """A task head on a BERT backbone (`keras_hub.models.BertBackbone`, which has segment embeddings).

    `"sentence"` and `"pair"`: class logits `(B, num_classes)` from the `[CLS]` vector; `"tagging"`:
    a label per token `(B, T, num_classes)`; `"span"`: start and end logits `(B, T)` each.
    """
    import keras
    from keras import layers

    if task not in BERT_TASKS:
        raise ValueError(f"unknown task {task!r}; choose from {', '.join(BERT_TASKS)}")
    inputs = {name: keras.Input((None,), dtype="int32", name=name)
              for name in ("token_ids", "segment_ids", "padding_mask")}
    x = backbone(inputs)["sequence_output"]                                  # (B, T, d)
    if task in ("sentence", "pair"):
        cls = x[:, 0, :]                                                     # (B, d): the [CLS] vector
        out = layers.Dense(num_classes, name="class_logits")(cls)            # (B, C)
    elif task == "tagging":
        out = layers.Dense(num_classes, name="tag_logits")(x)               # (B, T, C): a label per token
    else:
        scores = layers.Dense(2, name="span_logits")(x)                      # (B, T, 2)
        out = {"start": scores[..., 0], "end": scores[..., 1]}               # (B, T) each
    return keras.Model(inputs, out, name=f"bert_{task}")


def best_span(start_logits, end_logits, allowed=None, max_length: int | None = None):
    """The answer span `(start, end)`, end inclusive, with the highest start + end score.

    The end may not come before the start, the span may be at most `max_length` tokens, and both ends
    must be `allowed` positions (the context's tokens, say; all positions when None).
    """
    s, e = np.asarray(start_logits, float), np.asarray(end_logits, float)
    ok = np.ones(len(s), bool) if allowed is None else np.asarray(allowed, bool)
    score = s[:, None] + e[None, :]                                          # (T, T): start i, end j
    valid = np.triu(np.ones_like(score, bool)) & ok[:, None] & ok[None, :]   # j >= i
    if max_length is not None:
        valid &= ~np.triu(np.ones_like(valid), k=max_length)                 # j - i < max_length
    i, j = np.unravel_index(np.argmax(np.where(valid, score, -np.inf)), score.shape)
    return int(i), int(j)
# --8<-- [end:bert_tasks]


# --8<-- [start:gpt1]
def gpt1_sequences(task: str, *texts) -> list[list[str]]:
    """GPT-1's input transformation: the token sequences (space-split words) one example becomes.

    * `classification`, `(text,)`: `[START] text [EXTRACT]`;
    * `entailment`, `(premise, hypothesis)`: `[START] premise [DELIM] hypothesis [EXTRACT]`;
    * `similarity`, `(a, b)`: the pair in both orders, two sequences (a pair has no natural order);
    * `multiple_choice`, `(context, answer_1, ..., answer_K)`: `[START] context [DELIM] answer_k
      [EXTRACT]` for every answer, K sequences.
    """
    def frame(*parts):
        body = []
        for i, part in enumerate(parts):
            body += ([DELIM] if i else []) + part.split()
        return [START, *body, EXTRACT]

    if task == "classification":
        return [frame(texts[0])]
    if task == "entailment":
        return [frame(texts[0], texts[1])]
    if task == "similarity":
        return [frame(texts[0], texts[1]), frame(texts[1], texts[0])]
    if task == "multiple_choice":
        return [frame(texts[0], answer) for answer in texts[1:]]
    raise ValueError(f"unknown task {task!r}; choose from {', '.join(GPT1_TASKS)}")


def build_gpt1_finetuner(gpt, task: str, length: int, sequences: int = 1, num_classes: int = 2):
    """GPT-1's fine-tuning model on a causal language model `gpt` (`pretraining.build_gpt`).

    Input: ids `(B, sequences, length)`, each row a `gpt1_sequences` sequence ending in `[EXTRACT]`,
    right-padded with 0. A linear layer reads the final state at each row's last real token:
    `classification` and `entailment` (one sequence) give class logits `(B, num_classes)`;
    `similarity` adds the states of its two orders first; `multiple_choice` scores every answer's
    sequence and gives `(B, sequences)` logits, one per answer. A second output, `"lm"`, keeps the
    next-token logits `(B, sequences, length, V)` for the auxiliary language-model loss.
    """
    import keras
    from keras import layers, ops

    if task not in GPT1_TASKS:
        raise ValueError(f"unknown task {task!r}; choose from {', '.join(GPT1_TASKS)}")
    body = keras.Model(gpt.input, gpt.get_layer("final_norm").output, name="gpt_body")   # ids -> (B, T, d)
    ids = keras.Input((sequences, length), dtype="int32", name="token_ids")              # (B, n, T)
    flat = ops.reshape(ids, (-1, length))                                                # (B n, T)
    h = body(flat)                                                                       # (B n, T, d)
    last = ops.sum(ops.cast(ops.not_equal(flat, 0), "int32"), axis=1) - 1                # (B n,): [EXTRACT]
    state = ops.take_along_axis(h, last[:, None, None], axis=1)[:, 0, :]                 # (B n, d)
    state = ops.reshape(state, (-1, sequences, h.shape[-1]))                             # (B, n, d)
    if task == "multiple_choice":
        task_out = ops.squeeze(layers.Dense(1, name="answer_score")(state), -1)         # (B, n): one per answer
    else:
        pooled = ops.sum(state, axis=1)                                                  # (B, d); both orders added
        task_out = layers.Dense(num_classes, name="class_logits")(pooled)                # (B, C)
    lm = gpt.get_layer("logits")(h)                                                      # (B n, T, V)
    lm = ops.reshape(lm, (-1, sequences, length, lm.shape[-1]))                          # (B, n, T, V)
    return keras.Model(ids, {"task": task_out, "lm": lm}, name=f"gpt1_{task}")


def compile_gpt1(model, lm_weight: float = 0.5, learning_rate: float = 6.25e-5):
    """L3 = L2 (the task's cross-entropy) + `lm_weight` * L1 (next-token cross-entropy on the inputs),
    GPT-1's fine-tuning objective with its lambda = 0.5 and learning rate."""
    import keras

    model.compile(optimizer=keras.optimizers.Adam(learning_rate),
                  loss={"task": keras.losses.SparseCategoricalCrossentropy(from_logits=True),
                        "lm": keras.losses.SparseCategoricalCrossentropy(from_logits=True, ignore_class=0)},
                  loss_weights={"task": 1.0, "lm": lm_weight})


def next_token_labels(ids) -> np.ndarray:
    """The language-model targets of `ids` (any leading shape, last axis time): each position's next
    token, 0 (ignored) after the last one."""
    ids = np.asarray(ids)
    return np.concatenate([ids[..., 1:], np.zeros_like(ids[..., :1])], axis=-1)
# --8<-- [end:gpt1]
