"""Build each chapter's notebook from its py:percent source and the cells every notebook shares.

`notebooks/chNN_name.py` holds the chapter's story in jupytext's py:percent
format (`# %%` starts a code cell, `# %% [markdown]` a text cell; a comment
above the first cell is a note to the source's reader and is left out). Its
cells use `nb`, `cfg` and `TOY`, which the shared settings cell defines. Around it
this module puts the cells every notebook shares, so none of them is written
thirteen times:

1. the title, the chapter's topic and where its page and code are (from the
   chapter list, `kerasbook.chapters`);
2. the install cell: `pip install "kerasbook @ git+REPOSITORY"` only where
   `import kerasbook` fails, then whether a GPU is there;
3. the settings: `PRESET` (`"quick"` or `"default"`), the toy switch read
   from `KERASBOOK_NOTEBOOK_TOY`, and `nb = Session(...)`;
4. the story (the source's cells);
5. the headline of this run next to the book's measured run (`kerasbook.results`);
6. one training step timed with XLA on and off (`kerasbook.bench`).

A notebook is written without outputs and with numbered cell ids, so the same
sources always give the same file: `--check` compares the committed notebooks
with what this module makes.
"""

from __future__ import annotations

import importlib
from pathlib import Path

import jupytext
import nbformat
import nbformat.v4 as v4

from kerasbook import notebooks as nbs
from kerasbook.chapters import Chapter, chapters

ROOT = Path(__file__).resolve().parents[2]
FOLDER = ROOT / nbs.FOLDER
SITE = "https://kerasbook.github.io/kerasbook/"          # mkdocs.yml's site_url; a test keeps them equal

INSTALL = f'''\
# The book's package, installed from its repository only where it is missing (Colab, a fresh machine).
try:
    import kerasbook
except ImportError:
    import importlib
    import subprocess
    import sys

    subprocess.run([sys.executable, "-m", "pip", "install", "--quiet",
                    "{nbs.INSTALL}"], check=True)
    importlib.invalidate_caches()
    import kerasbook

from kerasbook import xla

device = xla.device_kind()
print(f"GPU: {{device[4:]}}" if device.startswith("gpu") else
      "No GPU: everything runs on the CPU (in Colab: Runtime > Change runtime type > GPU).")'''

SETTINGS = '''\
import os

PRESET = "quick"    # "quick": the chapter's --quick preset; "default": the run the book measured
TOY = os.environ.get("{toy}") == "1"    # tiny sizes (the test suite's), for a run in seconds

from kerasbook.notebooks import Session

nb = Session("{module}", PRESET, toy=TOY)
cfg = nb.cfg    # the chapter's Config for this preset: every size and setting of the run
print(nb)'''

HEADLINE = '''\
## The headline

This run's numbers next to those of the book's measured default run
(`kerasbook/results/{module}.yaml`, the numbers its page quotes). A quick run
trains on less for fewer epochs, and a toy run hardly trains at all, so expect
them lower.'''

XLA = '''\
## Speed: XLA on or off

Last, the chapter's benchmark step (`python -m kerasbook.bench {key}`): one
training step compiled by XLA and one without, timed on this notebook's device
at this notebook's sizes. Whether XLA wins depends on the model and the device,
which is why the book measures it rather than guessing (the page's *Speed*
section).'''


def title(chapter: Chapter) -> str:
    """The first cell: what the chapter is and where its page and code are."""
    module = importlib.import_module(f"kerasbook.chapters.{chapter.module}")
    code = f"kerasbook/chapters/{chapter.module}" + ("/" if hasattr(module, "__path__") else ".py")
    kind = "tree" if code.endswith("/") else "blob"
    return (f"# {chapter.nav_title}\n\n*{chapter.topic[0].upper() + chapter.topic[1:]}.*\n\n"
            f"The notebook of [the chapter's page]({SITE}{chapter.module}/), run step by step. Its code is "
            f"[`{code}`]({nbs.REPOSITORY}/{kind}/{nbs.BRANCH}/{code}); this notebook is built from "
            f"[`{nbs.source_file(chapter.module)}`]({nbs.source_url(chapter.module)}) by "
            "`python -m kerasbook.notebooks`.")


def settings_text(chapter: Chapter) -> str:
    from kerasbook import results

    measured = results.load(chapter.module)
    default = f" ({measured.wall_time}, {measured.machine})" if measured else ""
    return ("## Settings\n\n"
            f"`PRESET = \"quick\"` runs the chapter's `--quick` preset, minutes on a laptop CPU; `\"default\"` "
            f"runs what `{chapter.command}` runs{default}. With the environment variable "
            f"`{nbs.TOY_VARIABLE}=1` the notebook takes the tiny sizes of the book's tests instead and "
            "runs in a minute or two: that is how the tests run it.")


def notebook(chapter: Chapter):
    """The chapter's notebook, an `nbformat` node: the shared cells around the story of its source."""
    source = FOLDER / f"{chapter.module}.py"
    if not source.is_file():
        raise FileNotFoundError(f"{source} is missing: every chapter's notebook is built from its py:percent source")
    story = jupytext.read(source, fmt="py:percent").cells
    note = story[0]["source"].splitlines() if story and story[0]["cell_type"] == "code" else []
    if note and all(line.startswith("#") for line in note):
        story = story[1:]                    # the comment above the first cell speaks to the source's reader only
    cells = [v4.new_markdown_cell(title(chapter)), v4.new_code_cell(INSTALL),
             v4.new_markdown_cell(settings_text(chapter)),
             v4.new_code_cell(SETTINGS.format(toy=nbs.TOY_VARIABLE, module=chapter.module)),
             *story,
             v4.new_markdown_cell(HEADLINE.format(module=chapter.module)), v4.new_code_cell("nb.headline()"),
             v4.new_markdown_cell(XLA.format(key=chapter.key)), v4.new_code_cell("nb.time_xla()")]
    for i, cell in enumerate(cells):
        cell["id"] = f"{chapter.key}-{i:02d}"
        cell["metadata"] = {}
        if cell["cell_type"] == "code":
            cell["outputs"], cell["execution_count"] = [], None
    metadata = {"kernelspec": {"display_name": "Python 3", "language": "python", "name": "python3"},
                "language_info": {"name": "python"},
                # Colab opens it on a GPU runtime where one is free; the first cell says which it got.
                "accelerator": "GPU", "colab": {"provenance": [], "toc_visible": True}}
    return v4.new_notebook(cells=cells, metadata=metadata)


def text(chapter: Chapter) -> str:
    """The notebook as the `.ipynb` file's text."""
    return nbformat.writes(notebook(chapter)) + "\n"


def target(chapter: Chapter) -> Path:
    return ROOT / nbs.notebook_file(chapter.module)


def stale(book: list[Chapter] | None = None) -> list[str]:
    """What `--check` reports: each notebook missing or unlike what its source makes, and any stray one."""
    book = chapters() if book is None else book
    problems = [f"{nbs.notebook_file(c.module)} is {'out of date' if target(c).is_file() else 'missing'}"
                for c in book if not target(c).is_file() or target(c).read_text(encoding="utf-8") != text(c)]
    known = {target(c).name for c in chapters()}
    problems += [f"{nbs.FOLDER}/{p.name} belongs to no chapter" for p in sorted(FOLDER.glob("*.ipynb"))
                 if p.name not in known]
    return problems


def write(book: list[Chapter] | None = None) -> list[Path]:
    """Write every chapter's notebook; returns the files that changed."""
    changed = []
    for chapter in chapters() if book is None else book:
        new, path = text(chapter), target(chapter)
        if not path.is_file() or path.read_text(encoding="utf-8") != new:
            path.write_text(new, encoding="utf-8")
            changed.append(path)
    return changed
