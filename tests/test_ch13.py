"""Chapter 13 at toy size: every part's artifacts, translate and generate, full data on TFDS mock
reviews, and the chapter's own maths (the √d_k numbers, attention maps, vocabularies)."""

import dataclasses
import json

import keras
import numpy as np
import pytest
import tensorflow_datasets as tfds

from kerasbook.chapters import ch13_transformer as ch
from kerasbook.chapters.ch13_transformer import __main__ as run_order
from kerasbook.data.enko import COMPOSITIONAL
from kerasbook.testing import run_artifacts, run_fresh, toy_run_fixture, usage_error


@dataclasses.dataclass(frozen=True)
class Tiny(ch.Config):
    val_size: int = 20
    test_size: int = 24
    heldout_size: int = 8
    compositional_size: int = 2
    d_model: int = 16
    ff_dim: int = 32
    num_layers: int = 1
    epochs: int = 1
    rnn_units: int = 16
    rnn_embed: int = 8
    rnn_epochs: int = 1
    bleu_sentences: int = 10
    beam_sentences: int = 3
    pretrain_size: int = 300
    label_sizes: tuple = (40,)
    label_val_size: int = 20
    label_test_size: int = 30
    pretrain_epochs: int = 1
    finetune_epochs: int = 1
    small_d: int = 16
    small_ff: int = 32
    small_layers: int = 1
    gpt_epochs: int = 1
    samples: int = 2
    image_train_size: int = 64
    image_val_size: int = 16
    image_test_size: int = 16
    vit_layers: int = 1
    image_epochs: int = 1
    cnn_widths: tuple = (4,)


# Every part, once; `Tiny` replaces `Config` where the run order (`__main__._train`) reads it.
toy_run = toy_run_fixture(run_order, Tiny, ["--train-size", "128", "--batch-size", "32", "--xla", "off",
                                            "--quiet", "--hub", "all"], cache=True)


def test_run_writes_every_part(toy_run):
    _, out = toy_run
    m = run_artifacts(toy_run, "model.keras", "metrics.json", "history.csv", "vocab.json", "rnn_translator/model.keras",
                      "hub_translator/model.keras", "bert/classifier.keras", "bert/vocab.json", "gpt/model.keras",
                      "gpt/vocab.json", "hub_gpt/model.keras", "vit/model.keras", "cnn/model.keras")
    assert sorted(p.name for p in (out / "figures").glob("*.png")) == sorted(
        ["scaling.png", "positional_encoding.png", "bleu_over_time.png", "attention_heads.png", "pretraining.png",
         "samples.png", "vit.png", "generalisation.png"])
    assert m["chapter"] == "ch13_transformer" and m["dataset"]["train"] == 128 and m["parts"] == list(ch.PARTS)
    cfg = m["config"]                                                            # Tiny, not Config
    assert cfg["epochs"] == cfg["pretrain_epochs"] == cfg["image_epochs"] == 1
    assert cfg["d_model"] == cfg["small_d"] == 16
    results = m["translator"]["results"]
    assert set(results) == {"rnn", "ours", "hub"}
    assert results["ours"]["params"] == results["hub"]["params"]                 # the same architecture
    for r in results.values():
        assert 0 <= r["bleu"] <= 100 and len(r["bleu_by_length"]) == len(ch.LENGTH_BUCKETS)
        assert r["beam_sentences"] == 3 and r["greedy_sentences_per_s"] > 0
        for key in ("exact_match", "exact_match_beam", "exact_match_heldout_structures"):   # beside every BLEU
            assert 0 <= r[key] <= 1
        assert set(r["compositional"]) == set(COMPOSITIONAL)
        assert all(c["n"] == 2 and 0 <= c["exact_match"] <= 1 for c in r["compositional"].values())
    assert m["dataset"]["heldout"] == 8 and m["dataset"]["compositional"] == 2 * len(COMPOSITIONAL)
    assert 0 <= m["final"]["compositional_exact_match_ours"] <= 1
    assert len(results["rnn"]["bleu_clock"]) == len(results["ours"]["bleu_clock"]) == 1 and not results["hub"]["bleu_clock"]
    bert = m["bert"]
    assert set(bert["models"]) == {"ours", "hub"} and bert["models"]["ours"]["params"] == bert["models"]["hub"]["params"]
    assert set(bert["models"]["ours"]["by_labels"]["40"]) == {"pretrained", "scratch", "gain"}
    assert 0 <= bert["models"]["ours"]["twin_flip_share"] <= 1
    gpt = m["gpt"]
    assert gpt["params"]["ours"] == gpt["params"]["hub"] and gpt["perplexity"]["GPT (ours)"] > 1
    assert set(gpt["samples"]) == set(ch.SAMPLERS) and all(len(v) == 2 for v in gpt["samples"].values())
    assert gpt["sample_stats"]["greedy"]["distinct"] == pytest.approx(1 / 50)    # one prompt, one greedy answer
    assert m["vit"]["vit"]["params"] > 0 and 0 <= m["vit"]["cnn"]["test_accuracy"] <= 1
    for key in ("bleu_ours", "pretraining_gain", "perplexity_gpt", "vit_accuracy", "cnn_accuracy"):
        assert key in m["final"]


def test_saved_models_reload_in_safe_mode(toy_run):
    _, out = toy_run
    import kerasbook.transformer_models  # noqa: F401

    for name, shape in (("bert/classifier.keras", (2, 16)), ("vit/model.keras", (2, 32, 32, 3))):
        model = keras.models.load_model(out / name)
        x = np.ones(shape, "int32" if len(shape) == 2 else "float32")
        assert model.predict(x, verbose=0).shape[-1] in (2, 10)


def test_translate_prints_korean_and_names_unknown_words(toy_run, capsys):
    _, out = toy_run
    printed = run_fresh(ch, ["translate", "--model", out / "model.keras", "The cat slept.", "the dog ran"])
    lines = printed.strip().splitlines()                                                # loaded in a new process
    assert [line.split("\t")[0] for line in lines] == ["the cat slept", "the dog ran"]
    assert "unknown word(s) 'zebroid'" in usage_error(
        ch.main, ["translate", "--model", str(out / "model.keras"), "the zebroid slept"], capsys)
    assert "does not exist" in usage_error(ch.main, ["translate", "--model", str(out / "none.keras"), "hi"], capsys)


@pytest.mark.parametrize("sampler", ch.SAMPLERS)
def test_generate_writes_sentences_with_every_sampler(toy_run, sampler, capsys):
    _, out = toy_run
    args = ["generate", "--model", str(out / "gpt" / "model.keras"), "--sampler", sampler, "--n", "3"]
    if sampler == ch.SAMPLERS[0]:                       # the first sampler loads the GPT in a new process
        printed = run_fresh(ch, args)
    else:
        assert ch.main(args) == 0
        printed = capsys.readouterr().out
    assert len(printed.strip().splitlines()) == 3


def test_generate_refuses_unknown_prompts_and_samplers(toy_run, capsys):
    _, out = toy_run
    model = str(out / "gpt" / "model.keras")
    assert "unknown token(s) 'qqq'" in usage_error(ch.main, ["generate", "--model", model, "qqq"], capsys)
    assert "invalid choice" in usage_error(ch.main, ["generate", "--model", model, "--sampler", "hot"], capsys)
    assert "vocab.json is missing" in usage_error(ch.main, ["generate", "--model", str(out / "cnn" / "model.keras")],
                                                  capsys)


@pytest.mark.parametrize("argv, words", [
    (["--parts", "translator,music"], "unknown part 'music' in --parts"),
    (["--hub", "vit"], "unknown part 'vit' in --hub"),
    (["--hub", "gpt,,bert,vit"], "unknown part 'vit' in --hub"),
])
def test_bad_parts_are_one_line(argv, words, capsys, tmp_path, monkeypatch):
    monkeypatch.chdir(tmp_path)
    assert words in usage_error(ch.main, argv, capsys)
    assert list(tmp_path.iterdir()) == []


def test_full_data_fine_tunes_on_tfds_reviews(tmp_path, monkeypatch):
    """`--data full --parts bert` end to end on TFDS mock reviews (the loader is told the data is prepared)."""
    monkeypatch.setenv("KERASBOOK_CACHE", str(tmp_path / "cache"))
    monkeypatch.setattr(run_order, "Config", Tiny)
    data_dir = tmp_path / "tfds"
    (data_dir / "imdb_reviews" / "plain_text" / "1.0.0").mkdir(parents=True)
    (data_dir / "imdb_reviews" / "plain_text" / "1.0.0" / "dataset_info.json").write_text("{}")
    out = tmp_path / "run"
    with tfds.testing.mock_data(num_examples=60):
        code = ch.main(["--data", "full", "--data-dir", str(data_dir), "--parts", "bert", "--hub", "none",
                        "--train-size", "32", "--batch-size", "8", "--out", str(out), "--xla", "off", "--quiet"])
    assert code == 0
    m = json.loads((out / "metrics.json").read_text())
    assert m["bert"]["source"] == "full" and m["parts"] == ["bert"] and set(m["bert"]["models"]) == {"ours"}
    assert m["config"]["max_length"] == 128 and m["bert"]["bag_of_words"]["pretrain_labels"] is None
    assert m["config"]["pretrain_epochs"] == 1 and m["config"]["small_d"] == 16            # Tiny().full()
    assert m["dataset"]["source"] == "full" and m["dataset"]["pretrain"] == 60
    assert (out / "bert" / "classifier.keras").is_file() and not (out / "gpt").exists()


def test_scaling_numbers_show_the_variance_of_q_dot_k():
    numbers = ch.scaling_numbers(d_ks=(4, 64), n=3_000)
    for d, r in numbers.items():
        assert r["var_dot"] == pytest.approx(d, rel=0.1)              # a sum of d products of variance 1
        assert r["var_scaled"] == pytest.approx(1.0, rel=0.1)
        assert r["max_weight_unscaled"] > r["max_weight_scaled"]
    assert numbers[64]["max_weight_unscaled"] > 0.8 > 0.5 > numbers[64]["max_weight_scaled"]


def test_translator_attention_rows_are_distributions_over_real_tokens():
    keras.utils.set_random_seed(0)
    model = ch.build_translator("ours", Tiny(), 30, 40)
    source = np.array([[5, 6, 7, 0, 0], [8, 9, 10, 11, 12]], np.int32)
    target = np.array([[2, 3, 4], [2, 3, 0]], np.int32)
    self_w, cross_w = ch.translator_attention(model, source, target)
    assert self_w.shape == (2, 4, 5, 5) and cross_w.shape == (2, 4, 3, 5)
    np.testing.assert_allclose(cross_w[0].sum(-1), 1, atol=1e-5)
    assert np.abs(cross_w[0, :, :, 3:]).max() < 1e-6                    # padding gets no attention
    np.testing.assert_allclose(self_w[0, :, :3].sum(-1), 1, atol=1e-5)


def test_class_token_attention_is_a_map_over_the_patches():
    from kerasbook.transformer_models import build_vit

    keras.utils.set_random_seed(0)
    model = build_vit(32, 3, 10, patch_size=8, d_model=16, num_heads=2, ff_dim=16, num_layers=1)
    maps = ch.class_token_attention(model, np.random.default_rng(0).uniform(0, 255, (3, 32, 32, 3)).astype("float32"))
    assert maps.shape == (3, 2, 4, 4) and (maps >= 0).all()
    assert (maps.sum(axis=(2, 3)) < 1).all()                              # the rest goes to the class token itself


def test_vocabulary_and_encoding():
    words = ch.word_vocabulary(["the cat is not happy", "the dog is happy"], size=7)
    assert words == ["", "[UNK]", "[CLS]", "[MASK]", "happy", "is", "the"]
    ids = ch.encode_texts(["the cat is happy", ""], {w: i for i, w in enumerate(words)}, 4)
    np.testing.assert_array_equal(ids, [[2, 6, 1, 5], [2, 0, 0, 0]])


def test_seconds_to_reach_takes_the_first_epoch_at_the_target():
    points = [(10.0, 40.0), (20.0, 91.0), (30.0, 89.0), (40.0, 95.0)]
    assert ch.seconds_to_reach(points, 90.0) == 20.0
    assert ch.seconds_to_reach(points, 95.0) == 40.0 and ch.seconds_to_reach(points, 96.0) is None


def test_a_bag_of_words_cannot_read_the_negation_task():
    from kerasbook.data import negation

    train, test = negation.draw_split(0, "train", 3_000), negation.draw_split(0, "test", 1_000)
    words = ch.word_vocabulary([e["text"] for e in train])
    index = {w: i for i, w in enumerate(words)}
    x, xt = (ch.encode_texts([e["text"] for e in s], index, 16) for s in (train, test))
    y, yt = (np.array([e["label"] for e in s]) for s in (train, test))
    assert ch.bag_of_words(x, y, xt, yt, len(words), 0) < 0.6


def test_importing_the_package_leaves_the_run_order_to_python_m():
    """`python -m` imports the package, then runs `__main__.py` as the script: the package must not import it too."""
    import subprocess
    import sys

    code = ("import sys, kerasbook.chapters.ch13_transformer as ch; "
            "assert 'kerasbook.chapters.ch13_transformer.__main__' not in sys.modules; "
            "assert 'tensorflow' not in sys.modules and callable(ch.main) and ch.make_translator")
    subprocess.run([sys.executable, "-c", code], check=True)
