"""The chapters: one runnable module each, `python -m kerasbook.chapters.chNN_name`."""

from __future__ import annotations


def registry() -> dict[str, str]:
    """`{"ch07": "ch07_crnn", ...}`: every chapter module in the package, by chapter key."""
    import pkgutil

    from kerasbook import chapters

    return {info.name.split("_")[0]: info.name for info in sorted(pkgutil.iter_modules(chapters.__path__),
                                                                  key=lambda i: i.name)
            if info.name.startswith("ch")}
