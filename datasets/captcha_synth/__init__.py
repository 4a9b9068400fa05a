"""The builtin captcha dataset (a TFDS builder)."""
