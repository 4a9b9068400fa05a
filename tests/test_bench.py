"""The benchmark's pieces run and report what they measure."""

import pytest

from kerasbook.bench.__main__ import bench_ctc, main


def test_ctc_benchmark_times_both_implementations_both_ways():
    result = bench_ctc(batch=4, steps=8, classes=5, max_len=3, repeats=2)
    for key in ("ours xla=on", "ours xla=off", "keras.ops.ctc_loss xla=off"):
        assert result[key] is not None and result[key] > 0
    assert result["speedup_xla_off"] == pytest.approx(result["keras.ops.ctc_loss xla=off"] / result["ours xla=off"])


def test_unknown_chapter_is_a_one_line_error(capsys):
    with pytest.raises(SystemExit) as exc:
        main(["ch99"])
    assert exc.value.code == 2
    assert "no benchmark for 'ch99'" in capsys.readouterr().err
