"""Chapter 1's `penalties` and `search` commands: the penalties against their formulas, toy runs of both."""

import json

import keras
import numpy as np
import pytest

from kerasbook.chapters import ch01_foundations as ch
from kerasbook.chapters.ch01_foundations import penalties, search
from kerasbook.testing import usage_error

W = np.array([[0.5, -2.0], [0.0, 1.5]], "float32")


@pytest.mark.parametrize("method, expected", [
    ("l1", 1e-4 * 4.0),                                           # lambda1 * sum |w|
    ("l2", 1e-3 * 6.5),                                           # lambda2 * sum w^2
    ("elastic_net", 0.5e-4 * 4.0 + 0.5e-3 * 6.5),                 # half of each
])
def test_each_penalty_is_its_formula(method, expected):
    reg = penalties.penalty(method, penalties.PenaltyConfig())
    assert float(keras.ops.convert_to_numpy(reg(W))) == pytest.approx(expected, rel=1e-6)


def test_no_penalty_and_dropout_add_nothing_to_the_loss():
    cfg = penalties.PenaltyConfig().quick()
    for method in ("none", "dropout"):
        assert penalties.penalty(method, cfg) is None
        assert not penalties.build_penalised_mlp(method, cfg).losses
    assert penalties.build_penalised_mlp("dropout", cfg).get_layer("dropout1").rate == cfg.dropout


def test_the_model_adds_the_penalty_of_every_weight_matrix_and_no_bias():
    cfg = penalties.PenaltyConfig().quick()
    model = penalties.build_penalised_mlp("l1", cfg)
    kernels = [v.numpy() for v in model.trainable_weights if v.path.endswith("kernel")]
    assert len(kernels) == 3                                      # dense1, dense2, logits
    by_hand = cfg.l1 * sum(np.abs(k).sum() for k in kernels)
    assert float(sum(keras.ops.convert_to_numpy(x) for x in model.losses)) == pytest.approx(by_hand, rel=1e-5)


def test_weight_stats_count_only_the_kernels():
    model = ch.build_mlp(2, 3, (4,))
    model.get_layer("dense1").set_weights([np.array([[0.0, 1e-4, -2.0, 3.0], [0.5, 0.0, 0.0, 1.0]], "float32"),
                                           np.full(4, 9.0, "float32")])
    model.get_layer("logits").set_weights([np.zeros((4, 3), "float32"), np.full(3, 9.0, "float32")])
    stats = penalties.weight_stats(model, near_zero=1e-3)
    assert stats["weights"] == 8 + 12
    assert stats["l1_norm"] == pytest.approx(6.5001)
    assert stats["near_zero_share"] == pytest.approx((4 + 12) / 20)


def test_noisy_spirals_flip_only_the_training_labels():
    cfg = penalties.PenaltyConfig()
    (x, y), flipped, val, test = penalties.noisy_spirals(cfg, 0)
    assert len(x) == cfg.train and flipped.sum() == round(cfg.label_noise * cfg.train)
    clean = ch.load_spirals(ch.Config(), 0)
    np.testing.assert_array_equal(val[1], clean["validation"][1])
    np.testing.assert_array_equal(y[~flipped], clean["train"][1][: cfg.train][~flipped])


def test_penalties_command_writes_its_table_figure_and_metrics(tmp_path, capsys):
    out = tmp_path / "run"
    assert ch.main(["penalties", "--quick", "--out", str(out), "--quiet"]) == 0
    printed = capsys.readouterr().out
    metrics = json.loads((out / "metrics.json").read_text())
    assert set(metrics["results"]) == set(penalties.METHODS)
    for r in metrics["results"].values():
        assert 0 <= r["near_zero_share"] <= 1 and r["l1_norm"] > 0 and len(r["val_ce_per_epoch"]) == 2
    assert (out / "figures" / "penalties.png").read_bytes()[:4] == b"\x89PNG"
    table = (out / "penalties.md").read_text()
    assert table in printed and table.splitlines()[0].count("|") == len(penalties.METHODS) + 2
    # A second run into the same folder is refused, as for every chapter run.
    assert "already holds a run" in usage_error(ch.main, ["penalties", "--quick", "--out", str(out)], capsys)


def test_the_grid_holds_two_values_per_hyper_parameter():
    assert search.grid_size(search.SearchConfig()) == 2 * 2 * 2 == search.SearchConfig().trials


def test_search_command_runs_both_tuners_in_the_same_box(tmp_path, capsys):
    out = tmp_path / "run"
    assert ch.main(["search", "--quick", "--out", str(out), "--quiet"]) == 0
    cfg = search.SearchConfig().quick()
    metrics = json.loads((out / "metrics.json").read_text())
    grid, rand = (metrics["results"][k]["trials"] for k in ("grid", "random"))
    assert len(grid) == len(rand) == cfg.trials
    # The grid walks its values in order, last hyper-parameter fastest: the first two points.
    assert [(t["units"], t["learning_rate"], t["dropout"]) for t in grid] == [(32, 1e-3, 0.0), (32, 1e-3, 0.5)]
    for t in rand:
        assert cfg.units[0] <= t["units"] <= cfg.units[1]
        assert cfg.learning_rate[0] <= t["learning_rate"] <= cfg.learning_rate[1]
        assert cfg.dropout[0] <= t["dropout"] <= cfg.dropout[1]
    for kind in ("grid", "random"):
        r = metrics["results"][kind]
        assert r["best"]["val_loss"] == min(t["val_loss"] for t in r["trials"])
        assert 0 <= r["test_accuracy"] <= 1
    assert (out / "figures" / "search.png").read_bytes()[:4] == b"\x89PNG"
    assert (out / "search.md").read_text() in capsys.readouterr().out
    assert (out / "tuner" / "grid" / "oracle.json").is_file()


def test_the_search_model_reads_digits_and_has_the_asked_for_width():
    model = search.build_digit_mlp(48, 1e-3, 0.25)
    assert model.get_layer("hidden").units == 48 and model.get_layer("dropout").rate == 0.25
    assert tuple(model.output.shape) == (None, 10)
    assert float(keras.ops.convert_to_numpy(model.optimizer.learning_rate)) == pytest.approx(1e-3)
