"""Datasets the book builds itself, one TFDS builder per folder."""
