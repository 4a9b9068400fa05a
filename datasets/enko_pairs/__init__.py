"""The builtin English -> Korean sentence pairs (a TFDS builder)."""
