"""The builtin colourisation landscapes (a TFDS builder)."""
