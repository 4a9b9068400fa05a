"""One source for results: each chapter's measured run in kerasbook/results/, every copy made or checked from it."""

import shutil
from pathlib import Path

import pytest
import yaml

from kerasbook import book, results
from kerasbook.chapters import chapters, registry
from kerasbook.site import __main__ as site

ROOT = Path(__file__).resolve().parents[1]


def test_every_chapter_has_its_measured_run_and_nothing_else_does():
    files = {p.stem for p in results.FOLDER.glob("*.yaml")}
    assert files == set(registry().values())
    for module in files:
        r = results.load(module)
        assert r.command == f"python -m kerasbook.chapters.{module}" and r.wall_s > 0
        assert r.headline and "{" not in r.headline and r.quoted


def test_the_generated_blocks_of_readme_home_page_api_and_navigation_are_up_to_date():
    assert site.stale() == [], "run `python -m kerasbook.site`"


@pytest.mark.parametrize("module", sorted(registry().values()))
def test_the_page_quotes_the_headline_numbers_as_the_results_file_rounds_them(module):
    r = results.load(module)
    page = (ROOT / "chapters" / f"{module}.md").read_text(encoding="utf-8")
    missing = [q for q in r.quoted if q not in page]
    assert missing == [], f"chapters/{module}.md does not quote {missing} (kerasbook/results/{module}.yaml)"


def test_numbers_are_written_one_way():
    assert results.quote(0.9925, ".2%") == "99.25 %" and results.quote(0.963, ".1%") == "96.3 %"
    assert results.quote(1.06547, "+.2f") == "+1.07" and results.quote(0.7115, ".3f") == "0.712"
    assert [results.wall_time(s) for s in (30, 59.6, 60, 276, 600)] == ["30 s", "1 min 0 s", "1 min 0 s",
                                                                         "4 min 36 s", "10 min 0 s"]


def test_a_result_changed_in_its_file_reaches_readme_home_page_and_front_door(tmp_path, monkeypatch):
    """The documented refresh: edit kerasbook/results/CHAPTER.yaml, run `python -m kerasbook.site`."""
    for name in ("README.md", "mkdocs.yml", "chapters/index.md", "chapters/api.md"):
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / name, tmp_path / name)
    folder = tmp_path / "results"
    shutil.copytree(results.FOLDER, folder, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    doc = yaml.safe_load((folder / "ch07_crnn.yaml").read_text(encoding="utf-8"))
    doc["numbers"]["test_exact_match_beam"] = 0.9876
    doc["wall_s"] = 299
    (folder / "ch07_crnn.yaml").write_text(yaml.safe_dump(doc, allow_unicode=True), encoding="utf-8")
    monkeypatch.setattr(results, "FOLDER", folder)
    results.load.cache_clear()
    try:
        assert set(site.stale(tmp_path)) == {"README.md", "chapters/index.md"}       # the copies disagree now
        for file, (_, new) in site.generate(tmp_path).items():
            (tmp_path / file).write_text(new, encoding="utf-8")
        assert site.stale(tmp_path) == []
        readme = (tmp_path / "README.md").read_text(encoding="utf-8")
        home = (tmp_path / "chapters/index.md").read_text(encoding="utf-8")
        assert "| ch07 | **98.8 % exact match** on 1,000 unseen captchas" in readme and "| 4 min 59 s |" in readme
        assert "98.8 % exact match" in home and "in 4 min 59 s |" in home
        listing = book.listing()
        assert "result  98.8 % exact match" in listing and "time    4 min 59 s" in listing
    finally:
        results.load.cache_clear()


def test_the_navigation_lists_every_chapter_page_once_in_its_track():
    nav = (ROOT / "mkdocs.yml").read_text(encoding="utf-8")
    for c in chapters():
        assert nav.count(f": {c.page}\n") == 1 and f'"{c.nav_title}": {c.page}' in nav
