"""Every chapter as a notebook: open it in Colab or Jupyter, run it top to bottom.

The notebooks (`notebooks/chNN_name.ipynb` at the repository root) are made,
never edited: `python -m kerasbook.notebooks` builds each one from its
py:percent source next to it (`notebooks/chNN_name.py`, the chapter's story:
data, model, training, evaluation, figures) with jupytext, and adds the cells
every notebook shares (`kerasbook.notebooks.build`): the title from the chapter
list, a first cell that installs the book where `import kerasbook` fails and
says whether a GPU is there, the preset switch, the headline next to the book's
measured run, and the XLA timing. Inside a notebook, `Session`
(`kerasbook.notebooks.session`) holds the chapter's `Config` for the chosen
preset, runs the chapter and shows what the run wrote.

The sources sit beside the notebooks, outside the package: they are the
notebooks' text, not modules (their cells use names the shared cells define,
and they train a chapter top to bottom, which nothing in the package may do
when imported), and they matter only in a checkout, where notebooks are built.

This file holds what the notebooks, their generator and the site's links share:
where the book's repository is and what a chapter's notebook is called there.
"""

from __future__ import annotations

REPOSITORY = "https://github.com/kerasbook/kerasbook"    # mkdocs.yml's repo_url; a test keeps them equal
BRANCH = "main"
FOLDER = "notebooks"                                     # at the repository root: the .py sources and the .ipynb
INSTALL = f"kerasbook @ git+{REPOSITORY}"                # what the first cell installs where the book is missing
TOY_VARIABLE = "KERASBOOK_NOTEBOOK_TOY"                  # "1": tiny sizes (the test suite's), for a run in seconds


def notebook_file(module: str) -> str:
    """`"notebooks/ch07_crnn.ipynb"`: chapter `module`'s notebook, relative to the repository root."""
    return f"{FOLDER}/{module}.ipynb"


def source_file(module: str) -> str:
    """`"notebooks/ch07_crnn.py"`: the py:percent source the notebook is built from."""
    return f"{FOLDER}/{module}.py"


def colab_url(module: str) -> str:
    """The chapter's notebook opened in Google Colab, straight from the repository."""
    return f"{REPOSITORY.replace('https://github.com/', 'https://colab.research.google.com/github/')}" \
           f"/blob/{BRANCH}/{notebook_file(module)}"


def source_url(module: str) -> str:
    """The notebook's py:percent source on GitHub."""
    return f"{REPOSITORY}/blob/{BRANCH}/{source_file(module)}"


def __getattr__(name):
    # `from kerasbook.notebooks import Session` without importing the session (and TensorFlow) for the links.
    if name == "Session":
        from kerasbook.notebooks.session import Session

        return Session
    raise AttributeError(name)
