"""Code-reading snippets, read from the package's own source files.

A question never carries a pasted copy of the code it asks about. It names a
module and a region (a `# --8<-- [start:NAME]` marker pair, as the site's pages
use, or a function or class found with `ast`), and the snippet is cut from the
file when the bank loads. Nothing is imported to do it, so a snippet of a
module that imports TensorFlow costs no more than reading the file.
"""

from __future__ import annotations

import ast
import importlib.util
import io
import textwrap
import tokenize
from functools import lru_cache
from pathlib import Path

from kerasbook.quiz.schema import CodeRef


class SnippetError(ValueError):
    """The region a question points at is not in the source (any more)."""


@lru_cache(maxsize=None)
def _source(module: str) -> tuple[str, str]:
    try:
        spec = importlib.util.find_spec(module)
    except (ImportError, ValueError):
        spec = None
    if spec is None or not spec.origin or not spec.origin.endswith(".py"):
        raise SnippetError(f"module {module} has no Python source file")
    return spec.origin, Path(spec.origin).read_text(encoding="utf-8")


def _without_comments(source: str) -> list[str | None]:
    """Each line with its comment cut off; None for lines that were only a comment."""
    lines = source.splitlines()
    cut = {}
    for tok in tokenize.generate_tokens(io.StringIO(source).readline):
        if tok.type == tokenize.COMMENT:
            row, col = tok.start
            cut[row] = col
    out: list[str | None] = []
    for number, line in enumerate(lines, start=1):
        if number in cut:
            code = line[: cut[number]].rstrip()
            out.append(code if code.strip() else None)
        else:
            out.append(line)
    return out


def _region(ref: CodeRef, source: str) -> tuple[int, int]:
    """First and last line (1-based, inclusive) of the marker or object."""
    lines = source.splitlines()
    if ref.marker is not None:
        start_tag, end_tag = f"# --8<-- [start:{ref.marker}]", f"# --8<-- [end:{ref.marker}]"
        starts = [i for i, line in enumerate(lines, 1) if line.strip() == start_tag]
        ends = [i for i, line in enumerate(lines, 1) if line.strip() == end_tag]
        if not starts or not ends or ends[0] <= starts[0]:
            raise SnippetError(f"marker [start:{ref.marker}] ... [end:{ref.marker}] not found in {ref.module}")
        return starts[0] + 1, ends[0] - 1
    node = _find(ast.parse(source), ref.object.split("."))
    if node is None:
        raise SnippetError(f"{ref.object} not found in {ref.module}")
    first = min([node.lineno] + [d.lineno for d in getattr(node, "decorator_list", [])])
    return first, node.end_lineno


def _find(tree, path):
    body = tree.body
    node = None
    for name in path:
        node = next((n for n in body if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef))
                     and n.name == name), None)
        if node is None:
            return None
        body = node.body
    return node


def extract(ref: CodeRef) -> str:
    """The snippet `ref` points at, dedented, ready to show."""
    _, source = _source(ref.module)
    first, last = _region(ref, source)
    lines = source.splitlines()
    numbers = list(range(first, last + 1))
    if ref.start is not None:
        hits = [n for n in numbers if ref.start in lines[n - 1]]
        if not hits:
            raise SnippetError(f"no line containing {ref.start!r} in {ref.module}:{ref.marker or ref.object}")
        numbers = [n for n in numbers if n >= hits[0]]
    if ref.end is not None:
        hits = [n for n in numbers if ref.end in lines[n - 1]]
        if not hits:
            raise SnippetError(f"no line containing {ref.end!r} in {ref.module}:{ref.marker or ref.object}")
        numbers = [n for n in numbers if n <= hits[0]]
    shown = _without_comments(source) if ref.strip_comments else lines
    picked = [shown[n - 1] for n in numbers if shown[n - 1] is not None]
    return textwrap.dedent("\n".join(picked)).strip("\n")
