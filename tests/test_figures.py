"""`python -m kerasbook.figures`: which chapters, where the PNGs go, what the record says."""

import json
import shutil

import pytest

from kerasbook import figures


def test_chapters_are_found_and_named_in_several_ways():
    known = figures.registry()
    assert known["ch07"] == "ch07_crnn"
    for text in ("ch07", "7", "07", "ch07_crnn"):
        assert figures.resolve(text, known) == "ch07_crnn"


def test_unknown_chapter_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit) as exc:
        figures.main(["ch99"])
    assert exc.value.code == 2
    err = capsys.readouterr().err.strip()
    assert "\n" not in err and "no chapter 'ch99'" in err and "ch07" in err


def test_a_run_copies_its_pngs_and_records_its_metrics(tmp_path, monkeypatch):
    made = tmp_path / "made"
    made.mkdir()
    for name in ("curves.png", "samples.png"):
        (made / name).write_bytes(b"\x89PNG\r\n\x1a\n" + name.encode())
    metrics = {"final": {"test_accuracy": 0.5}, "device": "cpu"}

    def fake_run(module_name, preset, quiet):
        assert (module_name, preset) == ("ch07_crnn", "quick")
        return metrics, sorted(made.glob("*.png")), 12.3, "python -m kerasbook.chapters.ch07_crnn --quick"

    monkeypatch.setattr(figures, "run_chapter", fake_run)
    docs = tmp_path / "docs"
    docs.mkdir()
    path = figures.make_figures("ch07_crnn", diagrams=False, docs=docs)
    record = json.loads(path.read_text())
    assert record["final"] == {"test_accuracy": 0.5} and record["wall_s"] == 12.3
    assert record["figures"] == ["curves.png", "samples.png"] and record["preset"] == "quick"
    assert (docs / "ch07_crnn" / "samples.png").read_bytes().endswith(b"samples.png")


def test_a_failed_run_changes_no_figure(tmp_path, monkeypatch, capsys):
    docs = tmp_path / "docs"
    (docs / "ch07_crnn").mkdir(parents=True)
    (docs / "ch07_crnn" / "curves.png").write_bytes(b"old")

    def failing(module_name, preset, quiet):
        raise figures.RunFailed("`python -m kerasbook.chapters.ch07_crnn --quick` exited with 1")

    monkeypatch.setattr(figures, "run_chapter", failing)
    assert figures.main(["ch07", "--docs", str(docs), "--no-diagrams"]) == 1
    assert "exited with 1" in capsys.readouterr().err
    assert (docs / "ch07_crnn" / "curves.png").read_bytes() == b"old"


@pytest.mark.skipif(figures.graphviz_missing() is not None, reason="graphviz or pydot is missing")
def test_diagrams_are_drawn_from_the_real_model(tmp_path):
    drawn = figures.draw_diagrams("ch07_crnn", tmp_path)
    assert drawn == {"model_crnn.png": "ch07_crnn.diagram_models()['crnn']"}
    assert (tmp_path / "model_crnn.png").read_bytes()[:4] == b"\x89PNG"


def test_missing_graphviz_is_a_note_not_a_failure(tmp_path, monkeypatch, capsys):
    monkeypatch.setattr(shutil, "which", lambda name: None)
    monkeypatch.setattr(figures, "run_chapter", lambda *a: ({"final": {}}, [], 1.0, "cmd"))
    path = figures.make_figures("ch07_crnn", docs=tmp_path)
    assert "architecture diagrams skipped" in capsys.readouterr().out
    assert "diagrams" not in json.loads(path.read_text())


def test_figures_can_come_from_a_finished_run(tmp_path):
    run = tmp_path / "run"
    (run / "figures").mkdir(parents=True)
    (run / "figures" / "curves.png").write_bytes(b"\x89PNG\r\n\x1a\nrun")
    (run / "metrics.json").write_text(json.dumps({"chapter": "ch07_crnn", "final": {"test_accuracy": 0.75},
                                                  "seconds": {"total": 600.0}}))
    docs = tmp_path / "docs"
    docs.mkdir()
    assert figures.main(["ch07", "--preset", "default", "--from-run", str(run), "--docs", str(docs),
                         "--no-diagrams"]) == 0
    record = json.loads((docs / "ch07_crnn" / "figures.json").read_text())
    assert record["command"] == "python -m kerasbook.chapters.ch07_crnn" and record["wall_s"] == 600.0
    assert record["final"] == {"test_accuracy": 0.75} and record["figures"] == ["curves.png"]


def test_a_run_of_another_chapter_is_refused(tmp_path, capsys):
    run = tmp_path / "run"
    run.mkdir()
    (run / "metrics.json").write_text(json.dumps({"chapter": "ch03_cnn"}))
    with pytest.raises(SystemExit) as exc:
        figures.main(["ch07", "--from-run", str(run), "--docs", str(tmp_path)])
    assert exc.value.code == 2 and "is a run of 'ch03_cnn', not ch07_crnn" in capsys.readouterr().err
