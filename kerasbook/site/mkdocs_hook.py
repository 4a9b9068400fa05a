"""MkDocs hook: equations that render offline, notebook links, and figures that say where they came from.

**Equations.** Pages write maths as `\\( ... \\)` and `\\[ ... \\]`;
`pymdownx.arithmatex` wraps them, and KaTeX draws them in the browser. KaTeX
is a pinned npm package (`package.json`, `package-lock.json` at the repo
root). When `node_modules/katex` is missing the hook runs `npm ci` once, and
the build copies the script, the style sheet and the fonts into
`assets/katex/`, so the built site works with no network at all.

**Notebook links.** Under the title of every chapter page the hook puts
"Open in Colab", "Download notebook" and "View source": the chapter's notebook
(`notebooks/chNN_name.ipynb`, made by `python -m kerasbook.notebooks`) opened
in Colab from the repository, the same file served with the site, and its
py:percent source on GitHub. The chapters come from the chapter list and the
addresses from `kerasbook.notebooks`, so no page keeps a copy of them; a
chapter without its notebook stops the build.

**Figure captions.** `python -m kerasbook.figures CHAPTER` writes the PNGs
under `chapters/chNN_name/` together with `figures.json`, which records the
command, preset, date and final metrics of the run that drew them. Every
image on a page whose file is listed there becomes a `<figure>` whose caption
is the image's alt text plus that run's numbers.
"""

from __future__ import annotations

import html
import json
import logging
import re
import shutil
import subprocess
from pathlib import Path

from mkdocs.exceptions import PluginError
from mkdocs.structure.files import File

from kerasbook import notebooks as nbs
from kerasbook.chapters import registry

log = logging.getLogger("mkdocs.hooks.kerasbook_site")

KATEX_FILES = ("katex.min.js", "katex.min.css", "contrib/auto-render.min.js")
KATEX_URL = "assets/katex"


def katex_dist(root: Path) -> Path:
    """`node_modules/katex/dist` under `root`, installed with `npm ci` if it is missing."""
    dist = root / "node_modules" / "katex" / "dist"
    if (dist / "katex.min.js").is_file():
        return dist
    npm = shutil.which("npm")
    if npm is None:
        raise PluginError("the equation renderer is not installed and npm is missing: install Node.js/npm, "
                          "then run `npm ci` in the repository root")
    log.info("installing KaTeX from the npm registry (npm ci) ...")
    proc = subprocess.run([npm, "ci", "--no-audit", "--no-fund", "--ignore-scripts"], cwd=root,
                          capture_output=True, text=True, check=False)
    if proc.returncode != 0 or not (dist / "katex.min.js").is_file():
        last = (proc.stderr or proc.stdout).strip().splitlines()[-1:] or ["no output"]
        raise PluginError(f"`npm ci` could not install KaTeX ({last[0]}); run it by hand in {root}")
    return dist


def on_config(config, **kwargs):
    root = Path(config.config_file_path).resolve().parent
    config["_kerasbook_katex"] = str(katex_dist(root))
    config.extra_css.insert(0, f"{KATEX_URL}/katex.min.css")
    # Order matters: KaTeX, then its auto-render extension, then our call to it.
    for i, name in enumerate(("katex.min.js", "contrib/auto-render.min.js")):
        config.extra_javascript.insert(i, f"{KATEX_URL}/{name}")
    return config


def on_files(files, config, **kwargs):
    dist = Path(config["_kerasbook_katex"])
    names = list(KATEX_FILES) + [f"fonts/{p.name}" for p in sorted((dist / "fonts").iterdir())
                                 if p.suffix in (".woff2", ".woff", ".ttf")]
    for name in names:
        files.append(File.generated(config, f"{KATEX_URL}/{name}", abs_src_path=str(dist / name)))
    root = Path(config.config_file_path).resolve().parent
    for module in registry().values():
        notebook = root / nbs.notebook_file(module)
        if not notebook.is_file():
            raise PluginError(f"{nbs.notebook_file(module)} is missing; run `python -m kerasbook.notebooks`")
        files.append(File.generated(config, nbs.notebook_file(module), abs_src_path=str(notebook)))
    return files


# --- notebook links --------------------------------------------------------

def notebook_links(module: str) -> str:
    """The Markdown line of a chapter page's notebook links (the page sits beside `notebooks/` in the site)."""
    return (f'[Open in Colab]({nbs.colab_url(module)}){{ .md-button .kb-notebook }} '
            f'[Download notebook]({nbs.notebook_file(module)}){{ .md-button .kb-notebook download="{module}.ipynb" }} '
            f'[View source]({nbs.source_url(module)}){{ .md-button .kb-notebook }}')


def add_notebook_links(markdown: str, module: str) -> str:
    """`markdown` with the notebook links after its first title line."""
    lines = markdown.split("\n")
    at = next((i for i, line in enumerate(lines) if line.startswith("# ")), -1)
    return "\n".join(lines[:at + 1] + ["", notebook_links(module), ""] + lines[at + 1:])


def on_page_markdown(markdown, page, config, files, **kwargs):
    module = Path(page.file.src_uri).stem
    return add_notebook_links(markdown, module) if module in registry().values() else markdown


# --- figure captions -------------------------------------------------------

_IMG = re.compile(r'<p>\s*(<img\b[^>]*>)\s*</p>')
_ATTR = re.compile(r'(\w+)="([^"]*)"')

PERCENT_WORDS = ("accuracy", "match", "cer", "iou", "dice", "rate")
ACRONYMS = {"cer", "mae", "mse", "rmse", "iou", "r2", "psnr", "ssim", "xla"}


def format_metric(name: str, value) -> str:
    """`("test_accuracy", 0.9312)` -> "test accuracy 93.1 %"."""
    label = " ".join(w.upper() if w in ACRONYMS else w for w in name.split("_"))
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        return f"{label} {value}"
    if 0.0 <= value <= 1.0 and any(w in name.lower() for w in PERCENT_WORDS):
        return f"{label} {100 * value:.1f} %"
    if float(value).is_integer():
        return f"{label} {int(value):,}"
    return f"{label} {value:.4g}"


def run_note(record: dict) -> str:
    """One sentence about the run behind a chapter's figures."""
    final = record.get("final", {})
    shown = {k: v for k, v in final.items() if k.startswith("test_")} or final   # held-out numbers first
    metrics = ", ".join(format_metric(k, v) for k, v in shown.items())
    minutes = record.get("wall_s", 0) / 60
    note = (f"Drawn by <code>{html.escape(record['command'])}</code> "
            f"({html.escape(record.get('preset', 'quick'))} preset, {html.escape(record.get('date', ''))}, "
            f"{minutes:.1f} min on {html.escape(record.get('device', 'cpu'))})")
    return note + (f": {html.escape(metrics)}." if metrics else ".")


def _records(docs_dir: Path) -> dict[str, dict]:
    out = {}
    for path in docs_dir.glob("*/figures.json"):
        try:
            out[path.parent.name] = json.loads(path.read_text(encoding="utf-8"))
        except ValueError as err:
            raise PluginError(f"{path} is not valid JSON ({err}); rerun `python -m kerasbook.figures`") from None
    return out


def caption_figures(content: str, page_dir: str, records: dict[str, dict]) -> str:
    """Wrap each listed chapter image of a page in a `<figure>` with the run's note."""

    def wrap(match):
        attrs = dict(_ATTR.findall(match.group(1)))
        src = attrs.get("src", "")
        folder, _, name = src.rpartition("/")
        folder = folder.split("/")[-1] if folder else page_dir
        record = records.get(folder)
        if record is None:
            return match.group(0)
        if name in record.get("diagrams", {}):
            note = f"Drawn by <code>keras.utils.plot_model</code> from <code>{html.escape(record['diagrams'][name])}</code>."
        elif name in record.get("figures", []):
            note = run_note(record)
        else:
            return match.group(0)
        alt = html.escape(attrs.get("alt", ""), quote=False)
        return (f'<figure class="kb-figure">{match.group(1)}<figcaption>{alt}'
                f'{". " if alt and not alt.endswith(".") else " "}<span class="kb-run">{note}</span></figcaption></figure>')

    return _IMG.sub(wrap, content)


_run_records: dict[str, dict] = {}


def on_pre_build(config, **kwargs):
    # Read once per build (and again on every rebuild of `mkdocs serve`), not once per page.
    _run_records.clear()
    _run_records.update(_records(Path(config.docs_dir)))


def on_page_content(content, page, config, files, **kwargs):
    if not _run_records:
        return content
    return caption_figures(content, Path(page.file.src_uri).stem, _run_records)
