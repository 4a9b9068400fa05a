"""The command-line contract every chapter keeps, checked once for every registered chapter.

Bad flags stop with one line and exit code 2 before anything is written;
`--out` never writes over an earlier run; the multi-worker strategy needs
TF_CONFIG; `--help` lists the common flags and exits 0.
"""

import importlib

import pytest

from kerasbook.chapters import registry
from kerasbook.testing import usage_error

CHAPTERS = sorted(registry().values())
COMMON_FLAGS = ("--epochs", "--batch-size", "--train-size", "--quick", "--data", "--data-dir", "--xla", "--seed",
                "--out", "--overwrite", "--strategy", "--quiet")


def chapter(name):
    return importlib.import_module(f"kerasbook.chapters.{name}")


def test_every_chapter_so_far_is_registered():
    assert {"ch01_foundations", "ch02_ann", "ch03_cnn", "ch04_resnet", "ch05_rnn", "ch06_lstm",
            "ch07_crnn"} <= set(CHAPTERS)


@pytest.mark.parametrize("name", CHAPTERS)
@pytest.mark.parametrize("argv, words", [
    (["--epochs", "0"], "must be at least 1"),
    (["--batch-size", "ten"], "not a whole number"),
    (["--seed", "x"], "not a whole number"),
    (["--xla", "maybe"], "invalid choice"),
    (["--data", "cloud"], "invalid choice"),
    (["--strategy", "everywhere"], "invalid choice"),
    (["--no-such-flag"], "unrecognized arguments"),
    (["--strategy", "multiworker"], "TF_CONFIG"),
    (["--train-size", "8", "--batch-size", "16"], "smaller than --batch-size"),
    (["--data-dir", "/no/such/folder"], "is not a folder"),
])
def test_bad_input_is_one_line_and_exit_2(name, argv, words, capsys, monkeypatch, tmp_path):
    monkeypatch.delenv("TF_CONFIG", raising=False)
    monkeypatch.chdir(tmp_path)
    err = usage_error(chapter(name).main, argv, capsys)
    assert words in err
    assert err.startswith(f"python -m kerasbook.chapters.{name}: error:")
    assert list(tmp_path.iterdir()) == []


@pytest.mark.parametrize("name", CHAPTERS)
def test_multiworker_with_broken_tf_config_is_one_line(name, capsys, monkeypatch, tmp_path):
    monkeypatch.setenv("TF_CONFIG", "{not json")
    monkeypatch.chdir(tmp_path)
    assert "not valid JSON" in usage_error(chapter(name).main, ["--strategy", "multiworker"], capsys)


@pytest.mark.parametrize("name", CHAPTERS)
@pytest.mark.parametrize("kept", ["model.keras", "metrics.json"])
def test_out_refuses_an_earlier_run(name, kept, capsys, tmp_path):
    run = tmp_path / "earlier"
    run.mkdir()
    (run / kept).write_bytes(b"an earlier run")
    err = usage_error(chapter(name).main, ["--epochs", "1", "--out", str(run)], capsys)
    assert "already holds a run" in err and "--overwrite" in err
    assert [p.name for p in run.iterdir()] == [kept]
    assert (run / kept).read_bytes() == b"an earlier run"


@pytest.mark.parametrize("name", CHAPTERS)
def test_out_that_is_a_file_is_refused(name, capsys, tmp_path):
    (tmp_path / "file").write_text("keep me")
    assert "is a file" in usage_error(chapter(name).main, ["--out", str(tmp_path / "file")], capsys)
    assert (tmp_path / "file").read_text() == "keep me"


@pytest.mark.parametrize("name", CHAPTERS)
def test_help_lists_the_common_flags(name, capsys):
    with pytest.raises(SystemExit) as exc:
        chapter(name).main(["--help"])
    assert exc.value.code == 0
    out = capsys.readouterr().out
    assert out.startswith(f"usage: python -m kerasbook.chapters.{name}")
    for flag in COMMON_FLAGS:
        assert flag in out, flag
