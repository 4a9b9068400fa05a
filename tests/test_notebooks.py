"""Every chapter as a notebook: each one valid and equal to what `python -m kerasbook.notebooks` makes from
today's sources, the cheapest one run top to bottom under nbclient at toy size (all thirteen: slow), and
the links every chapter page carries pointing at notebooks that exist."""

import json
import os
import re
import time
from pathlib import Path

import nbformat
import pytest
import yaml

from kerasbook import notebooks as nbs
from kerasbook.chapters import chapters
from kerasbook.notebooks import build

ROOT = Path(__file__).resolve().parents[1]
BOOK = chapters()
CHEAPEST = "ch05_rnn"          # its toy notebook runs in about 20 s on 2 cores


def execute(module: str, workdir: Path, timeout: int = 600):
    """Run chapter `module`'s committed notebook top to bottom in a fresh kernel, in toy mode, from `workdir`
    (its runs and data cache go there). The kernel imports the book from this checkout, as the tests do, so
    toy mode finds the test files' toy runs. Returns the executed notebook; a failing cell raises."""
    from nbclient import NotebookClient

    notebook = nbformat.read(ROOT / nbs.notebook_file(module), as_version=4)
    path = os.pathsep.join(filter(None, [str(ROOT), os.environ.get("PYTHONPATH")]))
    env = {nbs.TOY_VARIABLE: "1", "KERASBOOK_CACHE": str(workdir / "cache"), "PYTHONPATH": path}
    old = {k: os.environ.get(k) for k in env}
    os.environ.update(env)                   # the kernel inherits this process's environment
    try:
        NotebookClient(notebook, timeout=timeout, kernel_name="python3",
                       resources={"metadata": {"path": str(workdir)}}).execute()
    finally:
        for k, v in old.items():
            if v is None:
                os.environ.pop(k, None)
            else:
                os.environ[k] = v
    return notebook


def outputs(notebook, kind: str) -> list:
    return [o for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs
            if kind in o.get("data", {})]


def printed(notebook) -> str:
    """Everything the cells printed or showed as text."""
    return "\n".join(o.get("text", "") + o.get("data", {}).get("text/plain", "")
                     for cell in notebook.cells if cell.cell_type == "code" for o in cell.outputs)


@pytest.mark.parametrize("chapter", BOOK, ids=lambda c: c.module)
def test_every_notebook_is_valid_and_what_the_generator_makes(chapter):
    path = ROOT / nbs.notebook_file(chapter.module)
    text = path.read_text(encoding="utf-8")
    notebook = nbformat.reads(text, as_version=4)
    nbformat.validate(notebook)
    assert text == build.text(chapter), f"{path.name} is stale: run python -m kerasbook.notebooks"
    code = [c for c in notebook.cells if c.cell_type == "code"]
    assert all(not c.outputs and c.execution_count is None for c in code), "committed with outputs"
    # The install cell comes first and installs only where the book is missing; the story trains the chapter
    # through the session, shows a model summary, figures, the headline and the XLA timing.
    assert code[0].source.startswith("# The book's package") and "except ImportError:" in code[0].source
    assert f'"{nbs.INSTALL}"' in code[0].source
    source = "\n".join(c.source for c in code)
    for needed in ("PRESET = \"quick\"", nbs.TOY_VARIABLE, ".summary()", "nb.train(", "nb.figures(",
                   "nb.headline()", "nb.time_xla()"):
        assert needed in source, f"{chapter.module}: no {needed}"


def test_the_check_finds_a_stale_notebook(tmp_path, monkeypatch):
    assert build.stale() == []
    monkeypatch.setattr(build, "ROOT", tmp_path)
    monkeypatch.setattr(build, "FOLDER", tmp_path / nbs.FOLDER)
    (tmp_path / nbs.FOLDER).mkdir()
    (tmp_path / nbs.FOLDER / "ch99_stray.ipynb").write_text("{}")
    first = BOOK[0]
    (tmp_path / nbs.FOLDER / f"{first.module}.py").write_text((ROOT / nbs.source_file(first.module)).read_text())
    assert f"{nbs.notebook_file(first.module)} is missing" in build.stale([first])
    assert build.write([first]) == [tmp_path / nbs.notebook_file(first.module)]
    assert build.stale([first]) == [f"{nbs.FOLDER}/ch99_stray.ipynb belongs to no chapter"]
    with (tmp_path / nbs.FOLDER / f"{first.module}.py").open("a") as source:
        source.write("\n# %%\nprint('one more cell')\n")
    assert build.stale([first])[0] == f"{nbs.notebook_file(first.module)} is out of date"


def test_a_session_holds_the_chapter_config_of_its_preset():
    from kerasbook.chapters import ch07_crnn as ch
    from kerasbook.notebooks import Session

    quick, default = Session("ch07_crnn"), Session("ch07_crnn", "default", out="somewhere")
    assert quick.cfg == ch.Config().quick() and quick.argv == ["--quick", "--overwrite"]
    assert default.cfg == ch.Config() and default.command.endswith("--overwrite --out somewhere")
    toy = Session("ch07_crnn", toy=True)       # test_ch07.py's toy run, its own flags (--rnn-layers 2) applied
    assert toy.cfg.val_size == 64 and toy.cfg.rnn_layers == 2 and toy.cfg.learning_rate == 0.004 and toy.seed == 3
    with pytest.raises(ValueError, match="PRESET"):
        Session("ch07_crnn", "fast")
    with pytest.raises(ValueError, match="no chapter"):
        Session("ch08_midterm")


def test_the_repository_is_named_once():
    """The notebooks' install cell and links, mkdocs.yml and pyproject.toml name the same repository and site."""
    config = yaml.safe_load((ROOT / "mkdocs.yml").read_text().replace("!!python", "#"))
    assert config["repo_url"] == nbs.REPOSITORY and config["site_url"] == build.SITE
    assert config["edit_uri"].startswith(f"edit/{nbs.BRANCH}/")
    pyproject = (ROOT / "pyproject.toml").read_text()
    assert f'Source = "{nbs.REPOSITORY}"' in pyproject and f'Documentation = "{build.SITE}"' in pyproject


def test_the_cheapest_notebook_runs_top_to_bottom_at_toy_size(tmp_path):
    start = time.perf_counter()
    notebook = execute(CHEAPEST, tmp_path)
    assert time.perf_counter() - start < 120
    run = json.loads((tmp_path / "runs" / f"{CHEAPEST}-notebook" / "metrics.json").read_text())
    assert run["config"]["units"] == 4 and run["config"]["epochs"] == 3     # the test suite's toy run
    assert len(outputs(notebook, "image/png")) == 6                         # the series and the run's 5 figures
    text = printed(notebook)
    assert "Total params" in text and "reloaded RNN: test MAE" in text
    markdown = "\n".join(o["data"]["text/markdown"] for o in outputs(notebook, "text/markdown"))
    assert "the book's default run" in markdown and "XLA on" in markdown


@pytest.mark.slow
@pytest.mark.parametrize("chapter", BOOK, ids=lambda c: c.module)
def test_every_notebook_runs_top_to_bottom_at_toy_size(chapter, tmp_path):
    notebook = execute(chapter.module, tmp_path, timeout=900)
    assert (tmp_path / "runs" / f"{chapter.module}-notebook" / "metrics.json").is_file()
    assert outputs(notebook, "image/png"), "no figure shown"


def test_every_chapter_page_links_its_notebook(site):
    """The built pages carry Open in Colab, Download notebook and View source, pointing at files that exist."""
    for chapter in BOOK:
        page = (site / chapter.module / "index.html").read_text(encoding="utf-8")
        assert f'href="{nbs.colab_url(chapter.module)}"' in page
        assert f'href="{nbs.source_url(chapter.module)}"' in page
        download = [dict(re.findall(r'(\w+)="([^"]*)"', tag)) for tag in re.findall(r"<a [^>]*>", page)
                    if 'download="' in tag]
        assert len(download) == 1 and download[0]["href"].endswith(f"/{chapter.module}.ipynb"), chapter.module
        served = (site / chapter.module / download[0]["href"]).resolve()
        assert served.read_bytes() == (ROOT / nbs.notebook_file(chapter.module)).read_bytes()


def test_the_links_name_files_of_the_repository():
    for chapter in BOOK:
        for url, file in ((nbs.colab_url(chapter.module), nbs.notebook_file(chapter.module)),
                          (nbs.source_url(chapter.module), nbs.source_file(chapter.module))):
            assert url.endswith(f"/blob/{nbs.BRANCH}/{file}") and (ROOT / file).is_file()
