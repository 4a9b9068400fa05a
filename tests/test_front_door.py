"""The front door, `python -m kerasbook`: what it lists, that its results are README's, and how it runs a chapter."""

import importlib
import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from kerasbook import book, results
from kerasbook.chapters import chapters, registry
from kerasbook.testing import usage_error

ROOT = Path(__file__).resolve().parents[1]
CHAPTERS = registry()


def chapter(name):
    return importlib.import_module(f"kerasbook.chapters.{name}")


def flat(text):
    """`text` with every run of whitespace made one space, so wrapped lines compare with unwrapped ones."""
    return " ".join(text.split())


def blocks(listing):
    """`{"ch07": "ch07 · GRU + CRNN — ...\\n  run ...", ...}`: the listing's chapter blocks by key."""
    found = {}
    for block in listing.split("\n\n"):
        m = re.match(r"(ch\d\d) · ", block)
        if m:
            assert m.group(1) not in found, f"{m.group(1)} is listed twice"
            found[m.group(1)] = block
    return found


def test_the_listing_names_every_chapter_with_its_command_and_topic():
    listed = blocks(book.listing())
    assert set(listed) == set(CHAPTERS)
    for c in chapters():
        block = listed[c.key]
        assert block.startswith(f"{c.key} · {c.title} — ")
        assert flat(c.topic) in flat(block)
        assert f"\n  run     python -m kerasbook.chapters.{c.module}\n" in block


def test_the_listing_prints_each_measured_result_and_wall_time():
    listed = blocks(book.listing())
    measured = {c.key: r for c in chapters() if (r := results.load(c.module))}
    assert len(measured) >= 12
    for key, r in measured.items():
        assert f"result {flat(book.plain(r.headline))} time {r.wall_time}" in flat(listed[key])
        assert "**" not in listed[key] and "`" not in listed[key]


def test_a_chapter_without_a_result_reads_not_measured_yet(monkeypatch):
    real = results.load
    monkeypatch.setattr(results, "load", lambda module: None if module == "ch02_ann" else real(module))
    listed = blocks(book.listing())
    assert "\n  result  not measured yet" in listed["ch02"]
    assert "96.4 %" not in listed["ch02"] and "\n  time " not in listed["ch02"]
    assert "\n  result  not measured yet" not in listed["ch07"]


def test_only_chapters_whose_module_exists_are_listed(monkeypatch):
    from kerasbook import chapters as package

    present = {k: v for k, v in CHAPTERS.items() if k != "ch13"}
    monkeypatch.setattr(package, "registry", lambda: present)
    text = book.listing()
    assert set(blocks(text)) == set(present)
    assert "ch13_transformer" not in text


@pytest.mark.parametrize("name", sorted(CHAPTERS.values()))
def test_the_builtin_data_is_what_the_chapter_passes_to_setup(name, monkeypatch, capsys):
    from kerasbook import runs

    class Reached(Exception):
        pass

    def setup(argv, **kwargs):
        raise Reached(kwargs["specs"])

    monkeypatch.setattr(runs, "setup", setup)
    module = chapter(name)
    with pytest.raises(Reached) as got:
        module.main(["--epochs", "1"])
    used = got.value.args[0]
    found = book.chapter_specs(module)
    assert used and {id(s) for s in found} == {id(s) for s in used}
    block = blocks(book.listing())[name.split("_")[0]]
    for spec in used:
        assert flat(spec.builtin) in flat(block)


@pytest.mark.parametrize("typed", ["7", "07", "ch07", "ch7", "CH07", "ch07_crnn"])
def test_a_number_key_or_module_name_runs_the_same_chapter(typed, monkeypatch):
    calls = []
    monkeypatch.setattr(chapter("ch07_crnn"), "main", lambda argv: calls.append(argv) or 3)
    assert book.resolve(typed) == "ch07_crnn"
    assert book.main([typed, "--quick", "--seed", "4"]) == 3
    assert calls == [["--quick", "--seed", "4"]]


def test_chapter_flags_reach_the_chapters_own_parser(capsys):
    with pytest.raises(SystemExit) as exc:
        book.main(["ch02", "--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m kerasbook.chapters.ch02_ann") and "--quick" in out
    err = usage_error(book.main, ["2", "--epochs", "0"], capsys)
    assert err.startswith("python -m kerasbook.chapters.ch02_ann: error:") and "must be at least 1" in err


@pytest.mark.parametrize("typed", ["ch99", "0", "ch07_crnnx", "crnn", "8"])
def test_an_unknown_chapter_is_one_line_naming_it_and_the_valid_ones(typed, capsys):
    err = usage_error(book.main, [typed, "--quick"], capsys)
    assert err.startswith(f"python -m kerasbook: error: no chapter {typed!r}")
    assert ", ".join(sorted(CHAPTERS)) in err
    assert ("midterm" in err) == (typed == "8")


@pytest.mark.parametrize("argv, words", [(["--foo"], "unrecognized option '--foo'"),
                                         (["list", "ch07"], "list takes no arguments")])
def test_other_bad_input_is_one_line(argv, words, capsys):
    assert words in usage_error(book.main, argv, capsys)


def test_help_prints_the_usage(capsys):
    assert book.main(["--help"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("usage: python -m kerasbook [list]") and "CHAPTER [ARGS ...]" in out
    assert "ch01 · " not in out


def test_list_and_no_arguments_print_the_same(capsys):
    assert book.main([]) == 0
    bare = capsys.readouterr().out
    assert book.main(["list"]) == 0
    assert capsys.readouterr().out == bare == book.listing() + "\n"


def test_the_midterm_is_one_line_between_chapters_7_and_9():
    text = book.listing()
    assert text.count(book.MIDTERM_LINE) == 1
    assert text.index("ch07 · ") < text.index(book.MIDTERM_LINE) < text.index("ch09 · ")
    assert "exam --midterm" in book.MIDTERM_LINE


def test_the_quiz_and_site_commands_are_real():
    from kerasbook.quiz.__main__ import build_parser

    text = book.listing()
    quiz = [line.split("  ")[1] for line in text.splitlines() if line.startswith("  python -m kerasbook.quiz ")]
    assert len(quiz) == len(book.QUIZ_COMMANDS)
    parsed = [build_parser().parse_args(shlex.split(cmd)[3:]) for cmd in quiz]
    assert {a.command for a in parsed} == {"list", "run", "exam", "grade", "report"}
    assert any(getattr(a, "midterm", False) for a in parsed) and any(getattr(a, "final", False) for a in parsed)
    assert book.SITE_COMMAND[0] in text and book.SITE_COMMAND[0] in (ROOT / "README.md").read_text(encoding="utf-8")


def test_every_line_fits_a_100_column_terminal():
    lines = (book.listing() + "\n" + book.USAGE).splitlines()
    assert max(len(line) for line in lines) <= 100


def test_python_m_kerasbook_answers_without_importing_tensorflow():
    done = subprocess.run([sys.executable, "-X", "importtime", "-m", "kerasbook"], cwd=ROOT, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-2000:]
    assert done.stdout == book.listing() + "\n"
    imported = {line.rsplit("|", 1)[1].strip() for line in done.stderr.splitlines() if line.startswith("import time:")}
    assert "kerasbook.data.captcha" in imported             # so the chapter modules were imported
    assert not imported & {"tensorflow", "keras", "tensorflow_datasets", "matplotlib"}
