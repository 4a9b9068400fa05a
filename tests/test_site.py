"""The whole site in a real browser: every page of the strict build, served
locally, opens in headless Chromium with no console error, no failed or
outside request, no broken image, and with its equations drawn by KaTeX.
The ch07 page's screenshot is kept as an artifact (`artifacts/`, or the
folder in `KERASBOOK_ARTIFACTS`)."""

import json
import os
import re
from pathlib import Path

import pytest

from kerasbook.site import mkdocs_hook as hook

ROOT = Path(__file__).resolve().parents[1]


def site_pages(site):
    """URL paths of every page of the built site (the 404 page is for a web host)."""
    return sorted("/" + p.parent.relative_to(site).as_posix().strip(".") + ("/" if p.parent != site else "")
                  for p in site.rglob("index.html") if "assets" not in p.parts)


def test_katex_and_its_fonts_are_served_with_the_site(site):
    katex = site / "assets" / "katex"
    for name in hook.KATEX_FILES:
        assert (katex / name).is_file(), name
    assert len(list((katex / "fonts").glob("*.woff2"))) >= 10
    page = (site / "ch07_crnn" / "index.html").read_text(encoding="utf-8")
    assert "assets/katex/katex.min.js" in page and "assets/math.js" in page
    assert "cdn" not in page.lower() and "googleapis" not in page


@pytest.mark.parametrize("name", sorted(p.parent.name for p in (ROOT / "chapters").glob("ch*/figures.json")))
def test_figures_are_captioned_with_the_run_that_drew_them(site, name):
    record = json.loads((ROOT / "chapters" / name / "figures.json").read_text())
    source = (ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8")
    page = (site / name / "index.html").read_text(encoding="utf-8")
    shown = [f for f in record.get("figures", []) + list(record.get("diagrams", {})) if f"{name}/{f}" in source]
    assert shown, f"{name}.md shows none of the figures its run drew"
    for figure in shown:
        at = re.search(rf'src="(?:[^"]*/)?{re.escape(figure)}"', page).start()
        assert page.rfind('<figure class="kb-figure">', 0, at) > page.rfind("</figure>", 0, at), figure
    if record.get("command"):
        assert f"Drawn by <code>{record['command']}</code>" in page


def test_caption_wraps_only_listed_images():
    records = {"ch99_x": {"command": "python -m kerasbook.chapters.ch99_x --quick", "preset": "quick",
                          "date": "2026-01-02", "device": "cpu", "wall_s": 90.0,
                          "final": {"test_accuracy": 0.9312, "test_rmse": 2.5},
                          "figures": ["curves.png"], "diagrams": {"model_net.png": "ch99_x.diagram_models()['net']"}}}
    html = ('<p><img alt="Loss per epoch" src="../ch99_x/curves.png" /></p>\n'
            '<p><img alt="The net" src="../ch99_x/model_net.png" /></p>\n'
            '<p><img alt="Other" src="../ch99_x/other.png" /></p>')
    out = hook.caption_figures(html, "ch99_x", records)
    assert out.count('<figure class="kb-figure">') == 2
    assert ("Loss per epoch. <span class=\"kb-run\">Drawn by <code>python -m kerasbook.chapters.ch99_x --quick"
            "</code> (quick preset, 2026-01-02, 1.5 min on cpu): test accuracy 93.1 %, test RMSE 2.5.</span>") in out
    assert "plot_model</code> from <code>ch99_x.diagram_models()[&#x27;net&#x27;]" in out
    assert '<p><img alt="Other" src="../ch99_x/other.png" /></p>' in out


def test_every_page_renders_cleanly_in_the_browser(site, server, browser):
    pages = site_pages(site)
    assert {"/", "/ch07_crnn/", "/api/"} <= set(pages)
    math_pages = []
    for path in pages:
        page = browser.new_page(viewport={"width": 1280, "height": 1800})
        problems = []
        page.on("pageerror", lambda err, problems=problems: problems.append(f"script error: {err}"))
        page.on("console", lambda msg, problems=problems: problems.append(f"console {msg.type}: {msg.text}")
                if msg.type == "error" else None)
        page.on("requestfailed", lambda req, problems=problems: problems.append(f"request failed: {req.url}"))
        page.on("response", lambda res, problems=problems: problems.append(f"HTTP {res.status}: {res.url}")
                if res.status >= 400 else None)
        page.on("request", lambda req, problems=problems: problems.append(f"outside request: {req.url}")
                if not req.url.startswith(server) and not req.url.startswith("data:") else None)
        page.goto(server + path, wait_until="networkidle")
        page.evaluate("document.fonts.ready.then(() => true)")
        broken = page.evaluate("[...document.images].filter(i => !i.complete || i.naturalWidth === 0)"
                               ".map(i => i.getAttribute('src'))")
        assert broken == [], f"{path}: images that did not load: {broken}"
        math = page.locator(".arithmatex")
        if math.count():
            math_pages.append(path)
            # A practice exam page carries hundreds of questions: give KaTeX the time to draw them all.
            page.wait_for_function("[...document.querySelectorAll('.arithmatex')].every(e => e.querySelector('.katex'))",
                                   timeout=30_000, polling=250)
            undrawn = page.evaluate("[...document.querySelectorAll('.arithmatex')]"
                                    ".filter(e => !e.querySelector('.katex')).map(e => e.textContent.slice(0, 60))")
            assert undrawn == [], f"{path}: equations left as TeX: {undrawn[:3]}"
            assert page.locator(".katex-error").count() == 0, f"{path}: KaTeX could not parse an equation"
        if path == "/ch07_crnn/":
            folder = Path(os.environ.get("KERASBOOK_ARTIFACTS", ROOT / "artifacts"))
            folder.mkdir(parents=True, exist_ok=True)
            shot = folder / "ch07_crnn.png"
            page.screenshot(path=str(shot))
            assert shot.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
        page.close()
        assert problems == [], f"{path}: " + "; ".join(problems[:5])
    assert "/ch07_crnn/" in math_pages


@pytest.mark.parametrize("name", sorted(p.stem for p in (ROOT / "chapters").glob("ch*.md")))
def test_every_chapter_page_has_a_glossary_in_both_languages(name):
    text = (ROOT / "chapters" / f"{name}.md").read_text(encoding="utf-8")
    assert "## Glossary { #glossary }" in text
    table = text.split("## Glossary { #glossary }", 1)[1].split("\n## ", 1)[0]
    rows = [r for r in table.splitlines() if r.startswith("| ") and not r.startswith("| English")]
    assert len(rows) >= 8
    for row in rows:
        english, korean = [c.strip() for c in row.strip("|").split("|")[:2]]
        hangul = [any("\uac00" <= ch <= "\ud7a3" for ch in cell) for cell in (english, korean)]
        assert hangul == [False, True] and any(ch.isascii() and ch.isalpha() for ch in english), row
