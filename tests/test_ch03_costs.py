"""Chapter 3's AlexNet and VGG-16 counts, and what transfer learning trains, against sums done by hand.

The reference numbers are written out here from the layer shapes with plain
arithmetic, never with the chapter's counting function.
"""

import re
from pathlib import Path

import pytest

from kerasbook.chapters import ch03_cnn as ch

PAGE = Path(__file__).resolve().parents[1] / "chapters" / "ch03_cnn.md"


def conv(k, c_in, c_out, groups=1):
    """Weights of a k x k convolution whose filters each read c_in / groups channels, plus biases."""
    return k * k * (c_in // groups) * c_out + c_out


def dense(n_in, n_out):
    return n_in * n_out + n_out


def alexnet_by_hand(groups=1):
    # 227 -> conv 11/4 -> 55 -> pool 3/2 -> 27 -> conv 5 (same) -> pool -> 13 -> three 3x3 (same) -> pool -> 6
    params = {"conv1": conv(11, 3, 96), "conv2": conv(5, 96, 256, groups), "conv3": conv(3, 256, 384),
              "conv4": conv(3, 384, 384, groups), "conv5": conv(3, 384, 256, groups),
              "fc6": dense(6 * 6 * 256, 4096), "fc7": dense(4096, 4096), "fc8": dense(4096, 1000)}
    sides = {"conv1": 55, "conv2": 27, "conv3": 13, "conv4": 13, "conv5": 13, "fc6": 1, "fc7": 1, "fc8": 1}
    outs = {"conv1": 96, "conv2": 256, "conv3": 384, "conv4": 384, "conv5": 256, "fc6": 4096, "fc7": 4096, "fc8": 1000}
    macs = {name: sides[name] ** 2 * (params[name] - outs[name]) for name in params}   # weights without biases
    return params, macs


@pytest.mark.parametrize("groups", [1, 2])
def test_alexnet_counts_equal_the_sums_by_hand(groups):
    rows = ch.layer_costs(ch.build_alexnet(groups=groups))
    params, macs = alexnet_by_hand(groups)
    assert [r["layer"] for r in rows] == list(params)
    assert {r["layer"]: r["params"] for r in rows} == params
    assert {r["layer"]: r["macs"] for r in rows} == macs
    total = sum(params.values())
    assert ch.cost_summary(rows)["params"] == total
    # The known figures: about 62.4 million as one tower, about 61 million ("60 million") on two GPUs.
    assert total == (62_378_344 if groups == 1 else 60_965_224)


def test_alexnet_shapes_follow_the_output_size_formula():
    model = ch.build_alexnet()
    assert ch.conv_output_size(227, 11, 0, 4) == 55
    assert tuple(model.get_layer("conv1").output.shape[1:]) == (55, 55, 96)
    assert tuple(model.get_layer("pool5").output.shape[1:]) == (6, 6, 256)
    assert model.get_layer("fc8").output.shape[-1] == 1000


def test_vgg16_count_equals_the_sum_by_hand():
    widths = [(3, 64), (64, 64), (64, 128), (128, 128), (128, 256), (256, 256), (256, 256),
              (256, 512), (512, 512), (512, 512), (512, 512), (512, 512), (512, 512)]
    by_hand = sum(conv(3, a, b) for a, b in widths) + dense(7 * 7 * 512, 4096) + dense(4096, 4096) + dense(4096, 1000)
    rows = ch.layer_costs(ch.vgg16_for_counting())
    summary = ch.cost_summary(rows)
    assert summary["params"] == by_hand == 138_357_544
    assert (summary["conv_layers"], summary["fc_layers"]) == (13, 3)
    blocks = ch.by_block(rows)
    assert [b["convs"] for b in blocks[:5]] == [2, 2, 3, 3, 3]
    assert blocks[4]["params"] == 3 * conv(3, 512, 512)


def test_feature_extraction_trains_the_head_and_fine_tuning_adds_the_top_block():
    cfg = ch.Config()
    split = ch.trainable_split(ch.backbone_of(ch.build_model(cfg)), 5, cfg)
    head = dense(4 * 4 * 128, 256) + dense(256, 128) + dense(128, 5)
    top_block = 3 * 3 * 64 * 128 + 3 * 3 * 128 * 128 + 2 * (2 * 128)       # two convs without bias, BN gamma and beta
    assert split["feature_extraction"] == head
    assert split["fine_tune"] == head + top_block


@pytest.fixture(scope="module")
def printed():
    return ch.costs_tables()


def _tables(text):
    """Every Markdown table in `text`, as a list of row lists."""
    tables, current = [], []
    for line in text.splitlines() + [""]:
        if line.startswith("|"):
            current.append(line.strip())
        elif current:
            tables.append(current)
            current = []
    return tables


def test_the_page_shows_the_tables_the_code_prints(printed):
    page = _tables(PAGE.read_text(encoding="utf-8"))
    for name, table in printed.items():
        assert table.splitlines() in page, f"the {name} table on ch03_cnn.md differs from `costs`"


def test_costs_command_prints_and_writes_the_tables(printed, tmp_path, capsys, monkeypatch):
    monkeypatch.setattr(ch, "costs_tables", lambda: printed)      # built once, by the fixture
    assert ch.main(["costs", "--out", str(tmp_path)]) == 0
    out = capsys.readouterr().out
    assert re.search(r"\| \*\*total\*\* \| \| \*\*62,378,344\*\* \|", out)
    assert "138,357,544" in out and (tmp_path / "costs.md").read_text() in out
