"""Chapter 12 at toy size: the run's artifacts, translate, the length buckets, romanisation."""

import dataclasses
import json

import numpy as np
import pytest

from kerasbook.chapters import ch12_attention as ch
from kerasbook.data.enko import COMPOSITIONAL
from kerasbook.testing import run_artifacts, run_fresh, toy_run_fixture, usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    val_size: int = 20
    test_size: int = 24
    heldout_size: int = 8
    compositional_size: int = 2
    units: int = 16
    embed: int = 8
    epochs: int = 1
    beam_sentences: int = 3
    lm_epochs: int = 1
    word_epochs: int = 1
    word_dim: int = 8


toy_run = toy_run_fixture(ch, Tiny, ["--train-size", "128", "--batch-size", "32", "--xla", "off",
                                     "--quiet"], cache=True)


def test_run_writes_every_artifact(toy_run):
    m = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "vocab.json", "plain/model.keras",
                      "lstm_general/model.keras", "figures/bleu_by_length.png", "figures/curves.png",
                      "figures/alignment_gru_additive.png", "figures/alignment_lstm_general.png",
                      "figures/generalisation.png",
                      "figures/language_models.png", "figures/word_vectors.png", "language_model/model.keras",
                      "word_vectors/words.tsv", "word_vectors/skipgram_vectors.tsv",
                      "word_vectors/cbow_vectors.tsv")
    assert m["chapter"] == "ch12_attention" and m["dataset"]["train"] == 128 and m["dataset"]["heldout"] == 8
    assert m["dataset"]["compositional"] == 2 * len(COMPOSITIONAL)
    assert set(m["results"]) == {"plain", "gru_additive", "lstm_general"}
    for r in m["results"].values():
        assert 0 <= r["bleu"] <= 100 and len(r["bleu_by_length"]) == len(ch.LENGTH_BUCKETS)
        for key in ("exact_match", "exact_match_beam", "exact_match_heldout_structures"):   # beside every BLEU
            assert 0 <= r[key] <= 1
        assert set(r["compositional"]) == set(COMPOSITIONAL)
        for c in r["compositional"].values():
            assert c["n"] == 2 and 0 <= c["exact_match"] <= 1 and 0 <= c["bleu"] <= 100 and len(c["failures"]) <= 3
            assert all(set(f) == {"en", "reference", "translation"} for f in c["failures"])
        assert r["beam_sentences"] == 3 and r["greedy_sentences_per_s"] > 0
        assert 0 <= r["token_accuracy_free_running"] <= 1 and 0 <= r["token_accuracy_teacher_forcing"] <= 1
    assert m["final"]["best_translator"] in ("gru_additive", "lstm_general")
    assert 0 <= m["final"]["best_compositional_exact_match"] <= 1 and 0 <= m["final"]["best_exact_match"] <= 1


def test_translate_prints_korean_and_draws_the_alignment(toy_run, tmp_path, capsys):
    _, out = toy_run
    heat = tmp_path / "heat.png"
    printed = run_fresh(ch, ["translate", "--model", out / "model.keras", "--heatmap", heat,
                             "The cat slept.", "the dog ran"])                          # loads in a new process
    lines = printed.strip().splitlines()
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
    from kerasbook.data.enko import romanize

    assert romanize("학생") == "haksaeng" and romanize("고양이") == "goyangi"
    assert romanize("선생님") == "seonsaengnim" and romanize("[end]") == "[end]"


def test_language_models_and_word_vectors_are_reported(toy_run):
    _, out = toy_run
    m = json.loads((out / "metrics.json").read_text())
    ppl = m["language_models"]["perplexity"]
    assert set(ppl) == set(ch.NGRAMS) | {ch.NEURAL_LM}
    for value in ppl.values():                     # better than nothing, no better than knowing every token
        assert 1 < value < m["language_models"]["vocabulary"] * 2
    assert m["final"]["perplexity_gru"] == ppl[ch.NEURAL_LM]
    wv = m["word_vectors"]
    words = (out / "word_vectors" / "words.tsv").read_text().split("\n")[:-1]
    assert len(words) == wv["words"]
    for name in ("skipgram", "cbow"):
        vectors = np.loadtxt(out / "word_vectors" / f"{name}_vectors.tsv", delimiter="\t")
        assert vectors.shape == (len(words), 8)
    for r in wv["models"].values():
        assert 0 <= r["analogy_top1"] <= r["analogy_top5"] <= 1 and 0 <= r["same_kind_share"] <= 1
        assert all(len(n) == 5 for n in r["neighbours"].values())


def test_tense_analogies_and_noun_kinds_come_from_the_grammar():
    index = {w: i for i, w in enumerate(["sells", "sold", "writes", "wrote", "eats", "cat", "dog", "apple"])}
    assert sorted(ch.tense_analogies(index)) == [("sells", "sold", "writes", "wrote"),
                                                  ("writes", "wrote", "sells", "sold")]   # "ate" is missing
    assert ch.noun_kinds(index) == {"cat": "animal", "dog": "animal", "apple": "food"}


def test_same_kind_share_counts_neighbours_of_the_same_kind():
    words = ["<pad>", "cat", "dog", "apple", "cake"]
    kinds = {"cat": "animal", "dog": "animal", "apple": "food", "cake": "food"}
    grouped = np.array([[0, 0], [1, 0.1], [1, -0.1], [0.1, 1], [-0.1, 1]])
    assert ch.same_kind_share(grouped, words, kinds, k=1) == 1.0
    crossed = grouped[[0, 1, 3, 2, 4]]                             # dog and apple swap places
    assert ch.same_kind_share(crossed, words, kinds, k=1) == 0.0
    assert ch.same_kind_share(grouped, words, kinds, k=3) == pytest.approx(1 / 3)


def _write_pairs(folder, n=400):
    from kerasbook.data.enko import draw_split

    folder.mkdir(parents=True, exist_ok=True)
    lines = [f"{p['en'].capitalize()}.\t{p['ko']}.\tCC-BY 2.0 (France) Attribution" for p in draw_split(5, "train", n)]
    (folder / "kor.txt").write_text("\n".join(lines) + "\n", encoding="utf-8")
    (folder / "_about.txt").write_text("not pairs\n")
    return folder


def test_full_data_reads_a_tab_separated_pairs_file(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERASBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(ch, "Config", Tiny)
    folder = _write_pairs(tmp_path / "pairs")
    assert ch.pairs_file(folder) == folder / "kor.txt"               # the archive's _about.txt is not the data
    out = tmp_path / "run"
    assert ch.main(["--data-dir", str(folder), "--train-size", "128", "--batch-size", "32", "--epochs", "1",
                    "--translators", "gru_additive", "--out", str(out), "--xla", "off", "--quiet"]) == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["dataset"]["source"] == "full" and m["dataset"]["train"] == 128 and m["dataset"]["heldout"] == 0
    lines = [line.split("\t") for line in (folder / "kor.txt").read_text(encoding="utf-8").splitlines()]
    usable = [a for a, b, _ in lines if len(ch.tokenize(a).split()) <= 20 and len(ch.tokenize(b).split()) <= 20]
    assert 300 < len(usable) < 400                                 # the full preset's 20-token limit cut some
    assert m["dataset"]["test"] == len(usable) // 10 and m["dataset"]["validation"] == len(usable) // 10
    assert m["results"]["gru_additive"]["bleu_heldout_structures"] is None
    assert m["results"]["gru_additive"]["compositional"] == {} and m["dataset"]["compositional"] == 0
    vocab = json.loads((out / "vocab.json").read_text())
    assert "." in vocab["source"] and vocab["target_join"] == "spaces"     # punctuation is a token of real text
    capsys.readouterr()
    words = [w for w in vocab["source"][2:] if w.isalpha()][:3]
    assert ch.main(["translate", "--model", str(out / "model.keras"), " ".join(words).capitalize() + "."]) == 0
    assert capsys.readouterr().out.startswith(" ".join(words) + " .\t")


def test_full_data_names_a_bad_line_and_a_folder_without_pairs(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KERASBOOK_CACHE", str(tmp_path / "cache"))
    folder = _write_pairs(tmp_path / "pairs", n=50)
    with open(folder / "kor.txt", "a", encoding="utf-8") as f:
        f.write("only one field here\n")
    err = usage_error(ch.main, ["--data-dir", str(folder), "--out", str(tmp_path / "a")], capsys)
    assert "line 51" in err and not (tmp_path / "a" / "metrics.json").exists()
    empty = tmp_path / "empty"
    empty.mkdir()
    assert "no .txt or .tsv" in usage_error(ch.main, ["--data-dir", str(empty), "--out", str(tmp_path / "b")], capsys)


def test_tokenize_splits_punctuation_and_detokenize_joins_it():
    assert ch.tokenize("Hi, Tom!  Go.") == "hi , tom ! go ."
    assert ch.detokenize("¿ qué ? hola , tom !") == "¿ qué? hola, tom!"


def test_an_unknown_translator_is_named(tmp_path, capsys):
    err = usage_error(ch.main, ["--translators", "gru_additive,transformer", "--out", str(tmp_path / "r")], capsys)
    assert "'transformer'" in err and "plain" in err


def test_full_data_downloads_keras_ios_pairs_into_the_keras_cache(tmp_path, monkeypatch):
    import dataclasses as dc

    import keras

    from kerasbook import cli

    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    asked = []

    def fake_get_file(name, origin, extract):                   # what get_file leaves after extracting the zip
        asked.append((name, origin, extract))
        _write_pairs(tmp_path / "keras" / "datasets" / "spa-eng_extracted" / "spa-eng", n=300)
        (tmp_path / "keras" / "datasets" / "spa-eng_extracted" / "spa-eng" / "kor.txt").rename(
            tmp_path / "keras" / "datasets" / "spa-eng_extracted" / "spa-eng" / "spa.txt")

    monkeypatch.setattr(keras.utils, "get_file", fake_get_file)
    cfg = dc.replace(ch.Config().full(), batch_size=16)
    assert ch.pairs_file(None) is None
    splits = ch.load_full(cfg, None, seed=0)
    assert asked == [("spa-eng.zip", ch.FULL_URL, True)]
    assert len(splits["test"]) == len(splits["validation"]) > 20 and splits["heldout"] == []
    assert ch.load_full(cfg, None, seed=0) == splits and len(asked) == 1     # cached: no second download
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "empty"))
    monkeypatch.setattr(keras.utils, "get_file", lambda name, origin, extract: None)
    with pytest.raises(cli.UsageError, match="spa-eng.zip holds no spa.txt"):
        ch.load_full(cfg, None, seed=0)
