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


def test_decoding_speeds_time_greedy_and_beam_on_every_sentence():
    import time

    from kerasbook.bench.common import decoding_speeds

    class Slow:
        calls = []

        def greedy(self, sentences):
            self.calls.append(("greedy", len(sentences)))
            time.sleep(0.001 * len(sentences))
            return [], None

        def beam(self, sentences, width, alpha):
            self.calls.append(("beam", len(sentences), width, alpha))
            time.sleep(0.004 * len(sentences))
            return []

    t = Slow()
    speeds = decoding_speeds(t, ["a"] * 50, 4, 0.6)
    assert t.calls == [("greedy", 8), ("greedy", 50), ("beam", 50, 4, 0.6)]         # a warm-up, then all of them
    assert 0 < speeds["beam_sentences_per_s"] < speeds["greedy_sentences_per_s"] <= 1000
