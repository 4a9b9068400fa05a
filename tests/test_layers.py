"""The residual block (`kerasbook.layers.residual.ResidualBlock`): the shared layer checks
(`kerasbook.testing.check_layer`) on four settings, its identity-plus-ReLU start, and a 1x1 projection
only where the shape changes.

Other custom layers meet `check_layer` in the tests of what uses them (test_recurrent.py,
test_attention.py, test_transformer_layers.py, test_vit.py, test_ch04_layers.py, the chapters' own files).
"""

import numpy as np
import pytest

from kerasbook.layers.residual import ResidualBlock
from kerasbook.testing import check_layer


@pytest.mark.parametrize("kwargs, in_shape, out_shape", [
    ({"filters": 4}, (2, 6, 8, 4), (2, 6, 8, 4)),                   # identity shortcut
    ({"filters": 6, "strides": (2, 1)}, (2, 6, 8, 4), (2, 3, 8, 6)),  # 1x1 projection
    ({"filters": 4, "strides": (2, 2)}, (2, 6, 8, 4), (2, 3, 4, 4)),  # stride alone also projects
    ({"filters": 4, "zero_init": False}, (2, 6, 8, 4), (2, 6, 8, 4)),  # the last batch norm starts at gamma = 1
])
def test_residual_block(kwargs, in_shape, out_shape, tmp_path):
    x = np.random.default_rng(0).normal(size=in_shape).astype("float32")
    check_layer(ResidualBlock, kwargs, x, tmp_path, expected_output_shape=out_shape)


def test_residual_block_starts_as_identity_plus_relu():
    # The last batch norm starts with gamma = 0, so a fresh block computes relu(x).
    x = np.random.default_rng(1).normal(size=(2, 4, 4, 3)).astype("float32")
    out = ResidualBlock(3)(x, training=False)
    np.testing.assert_allclose(np.asarray(out), np.maximum(x, 0), atol=1e-6)
    # Without the zero start the residual branch adds to x from the first step.
    block = ResidualBlock(3, zero_init=False)
    assert not np.allclose(np.asarray(block(x, training=False)), np.maximum(x, 0), atol=1e-3)
    np.testing.assert_array_equal(np.asarray(block.bn2.gamma), np.ones(3))


def test_projection_only_when_needed():
    same = ResidualBlock(3)
    same(np.zeros((1, 4, 4, 3), "float32"))
    assert same.proj is None
    wider = ResidualBlock(5)
    wider(np.zeros((1, 4, 4, 3), "float32"))
    assert wider.proj is not None
