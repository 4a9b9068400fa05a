"""The builtin negation twins: sentences labelled by which clause holds "not" (a TFDS builder)."""
