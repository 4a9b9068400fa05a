"""The builtin segmentation scenes (a TFDS builder)."""
