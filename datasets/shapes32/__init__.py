"""The builtin coloured-shapes dataset (a TFDS builder)."""
