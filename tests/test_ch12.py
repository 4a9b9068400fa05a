"""Chapter 12 at toy size: the run's artifacts, translate, the length buckets, romanisation."""

import dataclasses
import json

import pytest

from kerasbook.chapters import ch12_attention as ch
from kerasbook.testing import usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    val_size: int = 20
    test_size: int = 24
    heldout_size: int = 8
    units: int = 16
    embed: int = 8
    epochs: int = 1
    beam_sentences: int = 3


@pytest.fixture(scope="module")
def toy_run(tmp_path_factory):
    mp = pytest.MonkeyPatch()
    mp.setenv("KERASBOOK_CACHE", str(tmp_path_factory.mktemp("cache")))
    mp.setattr(ch, "Config", Tiny)
    out = tmp_path_factory.mktemp("run") / "toy"
    code = ch.main(["--train-size", "128", "--batch-size", "32", "--out", str(out), "--xla", "off", "--quiet"])
    mp.undo()
    return code, out


def test_run_writes_every_artifact(toy_run):
    code, out = toy_run
    assert code == 0
    for name in ("model.keras", "metrics.json", "history.csv", "vocab.json", "plain/model.keras",
                 "lstm_general/model.keras", "figures/bleu_by_length.png", "figures/curves.png",
                 "figures/alignment_gru_additive.png", "figures/alignment_lstm_general.png"):
        assert (out / name).is_file(), name
    m = json.loads((out / "metrics.json").read_text())
    assert m["chapter"] == "ch12_attention" and m["dataset"]["train"] == 128 and m["dataset"]["heldout"] == 8
    assert set(m["results"]) == {"plain", "gru_additive", "lstm_general"}
    for r in m["results"].values():
        assert 0 <= r["bleu"] <= 100 and len(r["bleu_by_length"]) == len(ch.LENGTH_BUCKETS)
        assert r["beam_sentences"] == 3 and r["greedy_sentences_per_s"] > 0
    assert m["final"]["best_translator"] in ("gru_additive", "lstm_general")


def test_translate_prints_korean_and_draws_the_alignment(toy_run, tmp_path, capsys):
    _, out = toy_run
    heat = tmp_path / "heat.png"
    assert ch.main(["translate", "--model", str(out / "model.keras"), "--heatmap", str(heat),
                    "The cat slept.", "the dog ran"]) == 0
    lines = capsys.readouterr().out.strip().splitlines()
    assert lines[0].startswith("the cat slept\t") and lines[1].startswith("the dog ran\t")
    assert heat.is_file()
    assert ch.main(["translate", "--model", str(out / "model.keras"), "--beam", "2", "the cat slept"]) == 0


def test_translate_names_unknown_words_and_missing_files(toy_run, tmp_path, capsys):
    _, out = toy_run
    err = usage_error(ch.main, ["translate", "--model", str(out / "model.keras"), "the spaceship slept"], capsys)
    assert "'spaceship'" in err and "vocab.json" in err
    assert "does not exist" in usage_error(ch.main, ["translate", "--model", str(tmp_path / "x.keras"), "a"], capsys)
    plain = out / "plain" / "model.keras"                          # vocab.json lives with the main model only
    assert "vocab.json" in usage_error(ch.main, ["translate", "--model", str(plain), "the cat slept"], capsys)


def test_bleu_by_length_buckets():
    refs = ["a b c d", "a b c d", "x y z w"]
    hyps = ["a b c d", "a b c d", "q q q q"]
    lengths = [3, 8, 25]
    buckets = ch.bleu_by_length(refs, hyps, lengths)
    assert buckets[0] == pytest.approx(100) and buckets[1] is None and buckets[2] is None and buckets[3] == 0


def test_romanize_spells_hangul_in_latin_letters():
    assert ch.romanize("학생") == "haksaeng" and ch.romanize("고양이") == "goyangi"
    assert ch.romanize("선생님") == "seonsaengnim" and ch.romanize("[end]") == "[end]"
