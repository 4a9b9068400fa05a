"""Chapter 4's layers and maths: blocks pass check_layer, costs match Keras and TF's
profiler, pooling reproduces the course's example, the twins differ only by their skips."""

import dataclasses

import keras
import numpy as np
import pytest
import tensorflow as tf

from kerasbook.chapters import ch04_resnet as ch
from kerasbook.layers import costs
from kerasbook.layers.bottleneck import BottleneckBlock
from kerasbook.layers.inception import InceptionBlock
from kerasbook.layers.mobilenet import DepthwiseSeparableConv
from kerasbook.testing import check_layer

RNG = np.random.default_rng(4)


def images(shape):
    return RNG.normal(size=shape).astype("float32")


# --- every custom layer passes the shared checks -----------------------------------

def test_bottleneck_block_with_projection(tmp_path):
    out = check_layer(BottleneckBlock, {"filters": 4, "strides": (2, 2)}, images((2, 8, 8, 6)), tmp_path,
                      expected_output_shape=(2, 4, 4, 16))
    assert np.all(out >= 0)                                              # ends with a ReLU


def test_bottleneck_block_identity_shortcut(tmp_path):
    block = BottleneckBlock(2, expansion=4)
    block(images((1, 6, 6, 8)))
    assert block.proj is None                                            # same shape: no projection
    # gamma = 0 on the last batch norm: a fresh block is relu(x) in inference mode.
    x = images((2, 6, 6, 8))
    np.testing.assert_allclose(keras.ops.convert_to_numpy(block(x, training=False)), np.maximum(x, 0), atol=1e-6)
    check_layer(BottleneckBlock, {"filters": 2, "strides": (1, 1), "expansion": 4}, x, tmp_path)


def test_depthwise_separable_conv(tmp_path):
    check_layer(DepthwiseSeparableConv, {"filters": 5, "kernel_size": 3, "strides": 2}, images((2, 8, 8, 3)),
                tmp_path, expected_output_shape=(2, 4, 4, 5))


def test_inception_block(tmp_path):
    kwargs = {"f1": 2, "f3_reduce": 3, "f3": 4, "f5_reduce": 1, "f5": 2, "pool_proj": 3}
    out = check_layer(InceptionBlock, kwargs, images((2, 6, 6, 5)), tmp_path, expected_output_shape=(2, 6, 6, 11))
    assert np.all(out >= 0)


def test_inception_branches_are_concatenated_in_order():
    block = InceptionBlock(2, 3, 4, 1, 2, 3)
    x = images((1, 5, 5, 4))
    out = keras.ops.convert_to_numpy(block(x))
    np.testing.assert_allclose(out[..., :2], keras.ops.convert_to_numpy(block.b1(x)), atol=1e-6)
    np.testing.assert_allclose(out[..., 2:6], keras.ops.convert_to_numpy(block.b3(block.b3_reduce(x))), atol=1e-6)
    np.testing.assert_allclose(out[..., 8:], keras.ops.convert_to_numpy(block.pool_conv(block.pool(x))), atol=1e-6)


# --- parameter counts: our formulas against count_params() of real layers ------------

def counted(layer, shape):
    layer.build(shape)
    return layer.count_params()


@pytest.mark.parametrize("k, c_in, c_out, bias", [(3, 3, 8, True), (3, 64, 128, False), (5, 7, 2, True), (1, 16, 4, False)])
def test_conv_and_separable_params_match_keras(k, c_in, c_out, bias):
    shape = (None, 9, 9, c_in)
    assert costs.conv_params(k, c_in, c_out, bias) == counted(keras.layers.Conv2D(c_out, k, use_bias=bias), shape)
    assert costs.depthwise_params(k, c_in, bias) == counted(keras.layers.DepthwiseConv2D(k, use_bias=bias), shape)
    assert costs.separable_params(k, c_in, c_out, bias=bias) == counted(
        keras.layers.SeparableConv2D(c_out, k, use_bias=bias), shape)
    assert costs.separable_params(k, c_in, c_out, batchnorm=True) == counted(DepthwiseSeparableConv(c_out, k), shape)
    assert costs.batchnorm_params(c_out) == counted(keras.layers.BatchNormalization(), (None, 4, 4, c_out))


def test_inception_params_match_keras():
    s = costs.INCEPTION_3A
    block = InceptionBlock(s.f1, s.f3_reduce, s.f3, s.f5_reduce, s.f5, s.pool_proj)
    assert costs.inception_params(192, s) == counted(block, (None, 28, 28, 192)) == 163_696
    assert s.out_channels == 256
    small = costs.InceptionSpec(2, 3, 4, 1, 2, 3)
    assert costs.inception_params(5, small) == counted(InceptionBlock(2, 3, 4, 1, 2, 3), (None, 6, 6, 5))


# --- multiply-adds: our formulas against TensorFlow's profiler (which counts 2 per MAC) ---

def profiled_macs(layer, shape):
    from tensorflow.python.framework.convert_to_constants import (
        convert_variables_to_constants_v2,
    )

    layer.build((None, *shape))

    @tf.function
    def forward(x):
        return layer(x)

    frozen = convert_variables_to_constants_v2(forward.get_concrete_function(tf.TensorSpec((1, *shape), tf.float32)))
    options = tf.compat.v1.profiler.ProfileOptionBuilder.float_operation()
    options["output"] = "none"
    info = tf.compat.v1.profiler.profile(graph=frozen.graph, run_meta=tf.compat.v1.RunMetadata(), cmd="op",
                                         options=options)
    return info.total_float_ops // 2


@pytest.mark.parametrize("h, k, c_in, c_out, strides", [(6, 3, 4, 8, 1), (8, 3, 3, 5, 2), (5, 5, 2, 3, 1)])
def test_mac_formulas_match_the_tf_profiler(h, k, c_in, c_out, strides):
    out = -(-h // strides)                                       # "same" padding: ceil(h / s)
    conv = keras.layers.Conv2D(c_out, k, strides=strides, padding="same", use_bias=False)
    assert costs.conv_macs(out, out, k, c_in, c_out) == profiled_macs(conv, (h, h, c_in))
    depthwise = keras.layers.DepthwiseConv2D(k, strides=strides, padding="same", use_bias=False)
    assert costs.depthwise_macs(out, out, k, c_in) == profiled_macs(depthwise, (h, h, c_in))
    separable = keras.layers.SeparableConv2D(c_out, k, strides=strides, padding="same", use_bias=False)
    assert costs.separable_macs(out, out, k, c_in, c_out) == profiled_macs(separable, (h, h, c_in))


def test_separable_saving_is_one_over_c_out_plus_one_over_k_squared():
    for k, c_in, c_out in ((3, 32, 64), (3, 512, 512), (5, 16, 24)):
        ratio = costs.separable_macs(7, 7, k, c_in, c_out) / costs.conv_macs(7, 7, k, c_in, c_out)
        assert ratio == pytest.approx(costs.separable_ratio(k, c_out))
        assert ratio == pytest.approx(costs.separable_params(k, c_in, c_out) / costs.conv_params(k, c_in, c_out, False))
    assert 8 < 1 / costs.separable_ratio(3, 512) < 9                   # "about 9x" for 3x3 kernels


def test_cost_table_rows_are_checked_and_ordered():
    rows = {r["block"].split(",")[0]: r for r in ch.cost_table()}
    assert rows["depthwise-separable 3x3"]["macs"] * 7 < rows["3x3 conv"]["macs"]
    inception = [r for r in ch.cost_table() if r["block"].startswith("Inception")]
    assert inception[1]["params"] * 2 < inception[0]["params"]         # the 1x1 reductions more than halve it


# --- pooling: the course's worked example, through the real Keras layers ---------------

def test_pooling_worked_example():
    result = ch.pooling_example()
    np.testing.assert_array_equal(result["max"], [[9, 7], [8, 6]])
    np.testing.assert_allclose(result["average"], [[4.25, 4.25], [4.25, 3.5]])
    assert result["global_average"] == pytest.approx(np.mean(ch.POOL_EXAMPLE))


def test_pooling_matches_numpy_on_random_grids():
    grid = RNG.integers(0, 10, (6, 6))
    blocks = grid.reshape(3, 2, 3, 2).transpose(0, 2, 1, 3).reshape(3, 3, 4)
    result = ch.pooling_example(grid.tolist())
    np.testing.assert_array_equal(result["max"], blocks.max(-1))
    np.testing.assert_allclose(result["average"], blocks.mean(-1), rtol=1e-6)


# --- the models -----------------------------------------------------------------------

def test_imagenet_stem_takes_224_to_112_to_56():
    x = keras.Input((224, 224, 3))
    model = keras.Model(x, ch.stem(x, "imagenet", 64))
    assert model.get_layer("stem_conv").output.shape == (None, 112, 112, 64)
    assert model.output.shape == (None, 56, 56, 64)
    small = keras.Input((32, 32, 3))
    assert ch.stem(small, "small", 16).shape == (None, 32, 32, 16)
    with pytest.raises(ValueError, match="unknown stem"):
        ch.stem(small, "huge", 16)


def test_resnet18_imagenet_has_the_published_parameter_count():
    model = ch.build_resnet(ch.Config(), input_shape=(224, 224, 3), num_classes=1000, stem_kind="imagenet", width=64)
    trainable = sum(int(np.prod(w.shape)) for w in model.trainable_weights)
    assert trainable == 11_689_512                                     # torchvision's resnet18
    assert model.get_layer("stage4_block2").output.shape == (None, 7, 7, 512)


def test_small_resnet_shapes():
    cfg = dataclasses.replace(ch.Config(), width=4)
    model = ch.build_resnet(cfg)
    assert [model.get_layer(f"stage{s}_block1").output.shape for s in (1, 2, 3, 4)] == [
        (None, 32, 32, 4), (None, 16, 16, 8), (None, 8, 8, 16), (None, 4, 4, 32)]
    assert model.output.shape == (None, ch.NUM_CLASSES)


def test_twins_share_every_layer_but_the_skips():
    cfg = dataclasses.replace(ch.Config(), deep_blocks=2, deep_width=4)
    plain, residual = ch.build_deep_net(cfg, residual=False), ch.build_deep_net(cfg, residual=True)
    convs = [layer.name for layer in plain.layers if layer.name.startswith("conv")]
    assert len(convs) == 6 * 2 + 1 and plain.name == "plain14"
    extra = {layer.name for layer in residual.layers} - {layer.name for layer in plain.layers}
    assert extra == {"proj2", "proj2_bn", "proj3", "proj3_bn", *(f"add{n:02d}" for n in range(3, 14, 2))}
    copied = ch.copy_shared_weights(plain, residual)
    assert copied == len([layer for layer in plain.layers if layer.weights])
    for layer in plain.layers:
        for a, b in zip(layer.get_weights(), residual.get_layer(layer.name).get_weights()):
            np.testing.assert_array_equal(a, b)


def test_residual_block_with_a_silent_branch_passes_its_input_through():
    """f(x) + x: with the branch's last batch norm set to output 0, a block returns relu(x)."""
    cfg = dataclasses.replace(ch.Config(), deep_blocks=1, deep_width=4)
    model = ch.build_deep_net(cfg, residual=True)
    bn = model.get_layer("bn03")
    bn.set_weights([np.zeros_like(w) for w in bn.get_weights()[:2]] + bn.get_weights()[2:])
    probe = keras.Model(model.input, [model.get_layer("relu01").output, model.get_layer("relu03").output])
    x = RNG.integers(0, 256, (2, 32, 32, 3), dtype=np.uint8)
    before, after = (keras.ops.convert_to_numpy(t) for t in probe(x, training=False))
    np.testing.assert_allclose(after, before, atol=1e-6)


def test_gradient_norms_match_a_hand_written_tape():
    cfg = dataclasses.replace(ch.Config(), deep_blocks=1, deep_width=4)
    keras.utils.set_random_seed(0)
    model = ch.build_deep_net(cfg, residual=False)
    x = RNG.integers(0, 256, (4, 32, 32, 3), dtype=np.uint8)
    y = np.array([0, 1, 2, 3], "int32")
    norms = ch.conv_gradient_norms(model, x, y)
    assert len(norms) == 7
    with tf.GradientTape() as tape:
        logits = model(x, training=True)
        loss = tf.reduce_mean(tf.nn.sparse_softmax_cross_entropy_with_logits(y, logits))
    grad = tape.gradient(loss, model.get_layer("conv07").kernel)
    assert norms[-1] == pytest.approx(float(np.sqrt(np.sum(np.square(grad.numpy())))), rel=1e-4)
