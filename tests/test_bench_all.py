"""`python -m kerasbook.bench all`: one table of every chapter's XLA on/off step, decisions recorded per device.

The per-chapter measurement is replaced by made-up step times, so these tests take seconds; one test
times a real chapter (chapter 2's small MLP) for a single step per mode.
"""

import json

import pytest

from kerasbook.bench import common, xla_report
from kerasbook.bench.__main__ import main
from kerasbook import xla

DEVICE = "gpu:Test GPU"


def timed(on_s, off_s, compile_s=0.5):
    """What `xla.time_train_steps` returns, for made-up step times."""
    return {True: {"compile_s": compile_s, "step_s": on_s, "samples_per_s": 32 / on_s},
            False: {"compile_s": 0.1, "step_s": off_s, "samples_per_s": 32 / off_s}}


def fake_parts(chapter, steps, quick):
    """Step parts like the real ones: odd chapters gain from XLA, ch13 has four models, ch14 two."""
    if chapter == "ch13":
        return [common.step_part("ch13_transformer" + suffix, suffix or "translator", timed(0.01, 0.02, 1.0), 1000)
                for suffix in ("", ".bert", ".gpt", ".vit")]
    if chapter == "ch14":
        return [common.step_part("ch14_gan", "DCGAN", timed(0.03, 0.02)),
                common.step_part("ch14_gan.srgan", "SRResNet", timed(0.009, 0.010, 60.0), 100)]
    fast = int(chapter[2:]) % 2 == 1
    return [common.step_part(f"{chapter}_model", "model", timed(0.01, 0.02) if fast else timed(0.02, 0.01))]


@pytest.fixture
def isolated(tmp_path, monkeypatch):
    """A fresh user cache and shipped table, a made-up GPU, and the measurement replaced by `fake_parts`."""
    monkeypatch.setenv("KERASBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(xla, "SHIPPED", tmp_path / "shipped.json")
    monkeypatch.setattr(xla, "device_kind", lambda: DEVICE)
    calls = []

    def measure(chapter, steps, quick):
        calls.append((chapter, steps, quick))
        return fake_parts(chapter, steps, quick)

    monkeypatch.setattr(xla_report, "measure", measure)
    monkeypatch.setattr(xla_report, "_release", lambda: None)
    return tmp_path, calls


def table_rows(out: str) -> list[str]:
    lines = out.splitlines()
    header = next(i for i, line in enumerate(lines) if line.startswith("chapter "))
    return lines[header:header + 1 + sum(1 for line in lines[header + 1:] if line.startswith("ch"))]


def test_all_prints_one_table_and_records_every_decision_for_the_device(isolated, capsys):
    tmp, calls = isolated
    assert main(["all", "--quick", "--ship", "--out", str(tmp / "all.json")]) == 0
    chapters = sorted(common.chapters())
    assert calls == [(c, xla_report.QUICK_STEPS, True) for c in chapters]
    out = capsys.readouterr().out
    assert sum(line.startswith("[") for line in out.splitlines()) == len(chapters)    # one progress line each
    header, *rows = table_rows(out)
    assert header.split() == ["chapter", "model", "device", "XLA", "on", "XLA", "off", "speed-up", "decision"]
    assert len(rows) == len(chapters) + 3 + 1                                         # ch13: 4 models, ch14: 2
    by_key = {row.split()[0]: row for row in rows}
    assert "10.0 ms" in by_key["ch03_model"] and "20.0 ms" in by_key["ch03_model"] and "2.00x" in by_key["ch03_model"]
    assert by_key["ch03_model"].endswith("on") and by_key["ch04_model"].endswith("off")
    assert all(DEVICE in row for row in rows)
    # XLA's step is 10 % faster, but 60 s of compiling over 100 steps is not repaid: off, and the table says why
    assert "off: compile 60.0 s over 100 steps" in by_key["ch14_gan.srgan"]

    report = json.loads((tmp / "all.json").read_text())
    assert report["device"] == DEVICE and report["failed"] == [] and len(report["rows"]) == len(rows)
    for path in (tmp / "cache" / "xla_decisions.json", tmp / "shipped.json"):
        table = json.loads(path.read_text())
        for row in report["rows"]:
            entry = table[row["chapter"]][DEVICE]
            assert entry["jit_compile"] == (row["decision"] == "on")
            assert entry["step_s_xla_off"] == row["step_s_xla_off"]
        assert table["ch13_transformer.vit"][DEVICE]["run_steps"] == 1000
    assert xla.recorded("ch03_model", DEVICE)[0] is True


def test_a_failing_chapter_gets_an_error_row_while_the_others_still_run(isolated, capsys, monkeypatch):
    tmp, calls = isolated
    real = xla_report.measure

    def measure(chapter, steps, quick):
        if chapter == "ch07":
            raise RuntimeError("out of memory\nmore detail")
        return real(chapter, steps, quick)

    monkeypatch.setattr(xla_report, "measure", measure)
    code = main(["all", "--steps", "3", "--out", str(tmp / "all.json")])
    assert code == 1
    assert [c for c, _, _ in calls] == [c for c in sorted(common.chapters()) if c != "ch07"]
    captured = capsys.readouterr()
    rows = {row.split()[0]: row for row in table_rows(captured.out)[1:]}
    assert rows["ch07"].endswith("ERROR RuntimeError: out of memory")
    assert "ch09_model" in rows and "failed: ch07" in captured.err
    report = json.loads((tmp / "all.json").read_text())
    assert report["failed"] == ["ch07"] and report["steps"] == 3
    assert "Traceback" in next(r for r in report["rows"] if r["bench"] == "ch07")["traceback"]
    assert "ch07_model" not in json.loads((tmp / "cache" / "xla_decisions.json").read_text())
    assert not (tmp / "shipped.json").exists()                                       # no --ship, no shipped table


def test_a_step_xla_cannot_compile_is_decided_off_with_the_reason(isolated, capsys, monkeypatch):
    tmp, calls = isolated

    def sr_measure(modes):
        if modes == (True,):
            raise ValueError("no XLA kernel for ResizeBicubic")
        return {False: timed(1, 0.1)[False]}

    def measure(chapter, steps, quick):
        calls.append(chapter)
        if chapter != "ch14":
            return fake_parts(chapter, steps, quick)
        return [common.step_part("ch14_gan.srgan", "SRResNet", xla.measure_modes(sr_measure), 100)]

    monkeypatch.setattr(xla_report, "measure", measure)
    assert main(["all", "--only", "ch14,3", "--out", str(tmp / "all.json")]) == 0
    assert calls == ["ch03", "ch14"]                                                 # --only, in chapter order
    rows = table_rows(capsys.readouterr().out)[1:]
    assert len(rows) == 2 and rows[0].startswith("ch03_model")
    assert "cannot compile" in rows[1] and rows[1].endswith("off: XLA cannot compile this step here (ValueError)")
    entry = json.loads((tmp / "cache" / "xla_decisions.json").read_text())["ch14_gan.srgan"][DEVICE]
    assert entry["jit_compile"] is False and entry["step_s_xla_on"] is None and "ValueError" in entry["xla_on_error"]


@pytest.mark.parametrize("argv, message", [(["all", "--only", "ch99"], "no benchmark for 'ch99'"),
                                           (["ch03", "--only", "ch03"], "--only goes with all"),
                                           (["all", "--bar"], "name the chapter")])
def test_bad_all_arguments_are_one_line_errors(argv, message, capsys):
    with pytest.raises(SystemExit) as exc:
        main(argv)
    assert exc.value.code == 2 and message in capsys.readouterr().err


def test_every_chapter_bench_lists_its_timed_steps():
    for chapter in common.chapters():
        assert callable(common.load(chapter).step_times), chapter


def test_a_real_chapter_times_its_step_both_ways(tmp_path, monkeypatch):
    monkeypatch.setenv("KERASBOOK_CACHE", str(tmp_path))
    (part,) = xla_report.measure("ch02", 1, True)
    assert part["key"] == "ch02_ann" and part["run_steps"] is None
    assert all(part["measured"][jit]["step_s"] > 0 for jit in (True, False))
    row = xla_report.part_row("ch02", part, "cpu", ship=False)
    assert row["decision"] in ("on", "off") and xla.recorded("ch02_ann", "cpu")[0] == (row["decision"] == "on")


def test_one_chapter_bench_reports_a_step_xla_cannot_compile(isolated, monkeypatch):
    from kerasbook.bench import ch14

    tmp, _ = isolated

    def step_times(steps, quick=False):
        def sr(modes):
            if modes == (True,):
                raise ValueError("no XLA kernel for ResizeBicubic")
            return {False: timed(1, 0.2)[False]}

        return [common.step_part("ch14_gan", "DCGAN", timed(0.01, 0.02)),
                common.step_part("ch14_gan.srgan", "SRResNet", xla.measure_modes(sr), 100)]

    monkeypatch.setattr(ch14, "step_times", step_times)
    report = ch14.run(3, quick=True)
    assert report["resolved_xla_auto"] == "on" and report["srgan"]["resolved_xla_auto"] == "off"
    rows = dict(ch14.rows(report))
    assert rows["SRResNet train step"] == "XLA cannot compile this step here (ValueError), off 200.0 ms -> --xla auto: off"
    table = json.loads((tmp / "cache" / "xla_decisions.json").read_text())
    assert table["ch14_gan"][DEVICE]["jit_compile"] is True and table["ch14_gan.srgan"][DEVICE]["jit_compile"] is False
