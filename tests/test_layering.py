"""The package's layers: no import runs back up them.

    0 base       kerasbook (the package), startup, cli, paths, metrics, colour, plots, results
    1 data       data, datasets (the builders in the top-level datasets/ folder), layers
    2 core       xla, training, runs, saving, seq2seq, forecast, embeddings, ngram, pretraining,
                 transformer_models, hub_models, model_costs, testing
    3 chapters   chapters
    4 tools      bench, quiz, figures, book, site, notebooks, __main__

A module may import from its own layer and the ones below, never from a layer above, whether the
import sits at the top of the file or inside a function (a late import still ties the layers).
A module the table does not name fails the test until it is given a layer.
"""

import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
LAYERS = {
    0: ("kerasbook", "startup", "cli", "paths", "metrics", "colour", "plots", "results"),
    1: ("data", "datasets", "layers"),
    2: ("xla", "training", "runs", "saving", "seq2seq", "forecast", "embeddings", "ngram", "pretraining",
        "transformer_models", "hub_models", "model_costs", "testing"),
    3: ("chapters",),
    4: ("bench", "quiz", "figures", "book", "site", "notebooks", "__main__"),
}
LAYER_OF = {name: layer for layer, names in LAYERS.items() for name in names}


def sources():
    """`(module name, path)` of every Python file of the package, the dataset builders included."""
    for path in sorted((ROOT / "kerasbook").rglob("*.py")):
        parts = list(path.relative_to(ROOT).with_suffix("").parts)
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path
    for path in sorted((ROOT / "datasets").rglob("*.py")):
        parts = ["kerasbook", "datasets", *path.relative_to(ROOT / "datasets").with_suffix("").parts]
        yield ".".join(parts[:-1] if parts[-1] == "__init__" else parts), path


def imported(module: str, path: Path):
    """`(line, module)` for every kerasbook module `path` imports, relative imports resolved."""
    package = module.split(".") if path.name == "__init__.py" else module.split(".")[:-1]
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            targets = [a.name for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                base = ".".join(package[:len(package) - node.level + 1] + ([node.module] if node.module else []))
            # `from kerasbook import xla` imports the module kerasbook.xla; `from kerasbook.cli import run_main`
            # imports from kerasbook.cli.
            targets = [f"{base}.{a.name}" if base == "kerasbook" else base for a in node.names]
        else:
            continue
        yield from ((node.lineno, t) for t in targets if t == "kerasbook" or t.startswith("kerasbook."))


def layer(module: str) -> int:
    parts = module.split(".")
    name = parts[1] if len(parts) > 1 else "kerasbook"
    if name not in LAYER_OF:
        raise AssertionError(f"{module} has no layer; add {name!r} to LAYERS in {Path(__file__).name}")
    return LAYER_OF[name]


def test_no_import_runs_back_up_the_layers():
    upward = [f"{path.relative_to(ROOT)}:{line} (layer {layer(module)}) imports {target} (layer {layer(target)})"
              for module, path in sources() for line, target in imported(module, path)
              if layer(target) > layer(module)]
    assert upward == []


def test_the_check_sees_late_and_relative_imports(tmp_path):
    """The scan is not blind: an import inside a function and a relative one are both found."""
    package = tmp_path / "kerasbook" / "data"
    package.mkdir(parents=True)
    (package / "__init__.py").write_text("def f():\n    from kerasbook.training import fit\n")
    (package / "x.py").write_text("from ..chapters import ch07_crnn\n")
    found = {t for name in ("__init__", "x") for _, t in imported(
        "kerasbook.data" + ("" if name == "__init__" else ".x"), package / f"{name}.py")}
    assert found == {"kerasbook.training", "kerasbook.chapters"}
    assert layer("kerasbook.training") > layer("kerasbook.data.x")


def test_no_chapter_source_file_is_longer_than_700_lines():
    long = {str(p.relative_to(ROOT)): n for p in (ROOT / "kerasbook" / "chapters").rglob("*.py")
            if (n := len(p.read_text(encoding="utf-8").splitlines())) > 700}
    assert long == {}
