"""ViT's layers against keras.ops.image.extract_patches, the shared layer test, and the model's shapes."""

import keras
import numpy as np

from kerasbook import transformer_models as tm
from kerasbook.layers.transformer import FirstToken
from kerasbook.layers.vit import ClassToken, Patches, Standardize
from kerasbook.testing import check_layer


def test_patches_match_keras_extract_patches_and_read_row_by_row():
    images = np.random.default_rng(0).random((2, 12, 8, 3)).astype("float32")
    ours = keras.ops.convert_to_numpy(Patches(4)(images))
    theirs = keras.ops.convert_to_numpy(keras.ops.image.extract_patches(images, 4))      # (2, 3, 2, 48)
    np.testing.assert_allclose(ours, theirs.reshape(2, 6, 48))
    np.testing.assert_allclose(ours[1, 3], images[1, 4:8, 4:8, :].reshape(-1))            # row 1, column 1


def test_class_token_goes_first_and_both_pass_the_layer_test(tmp_path):
    x = np.random.default_rng(1).random((2, 5, 6)).astype("float32")
    out = check_layer(ClassToken, {}, x, tmp_path, (2, 6, 6))
    np.testing.assert_allclose(out[:, 1:], x)
    images = np.random.default_rng(2).random((2, 8, 8, 3)).astype("float32")
    check_layer(Patches, {"patch_size": 4}, images, tmp_path, (2, 4, 48))


def test_standardize_matches_tensorflows_per_image_standardization(tmp_path):
    import tensorflow as tf

    rng = np.random.default_rng(3)
    images = np.concatenate([rng.uniform(0, 255, (2, 8, 8, 3)), np.full((1, 8, 8, 3), 7.0)]).astype("float32")
    ours = check_layer(Standardize, {}, images, tmp_path, (3, 8, 8, 3))
    np.testing.assert_allclose(ours, tf.image.per_image_standardization(images).numpy(), atol=1e-5)
    assert np.abs(ours[2]).max() == 0                                 # a flat image: the deviation's floor, no NaN


def test_first_token_reads_position_zero(tmp_path):
    x = np.random.default_rng(4).random((2, 5, 3)).astype("float32")
    np.testing.assert_allclose(check_layer(FirstToken, {}, x, tmp_path, (2, 3)), x[:, 0])


def test_vit_reads_patches_as_a_sequence():
    model = tm.build_vit(32, 3, 4, patch_size=8, d_model=16, num_heads=2, ff_dim=32, num_layers=2)
    assert model.get_layer("patches").output.shape == (None, 16, 192)
    assert model.get_layer("class_token").output.shape == (None, 17, 16)
    images = np.random.default_rng(3).integers(0, 256, (2, 32, 32, 3)).astype("float32")
    assert model(images).shape == (2, 4)


def test_vit_learns_where_the_bright_patch_is():
    """A task only the patch positions can solve: which quadrant holds the bright square."""
    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(4)
    labels = rng.integers(0, 4, 256)
    images = rng.integers(0, 60, (256, 16, 16, 3)).astype("float32")
    for img, q in zip(images, labels):
        r, c = divmod(int(q), 2)
        img[r * 8: r * 8 + 8, c * 8: c * 8 + 8] += 150
    model = tm.build_vit(16, 3, 4, patch_size=8, d_model=16, num_heads=2, ff_dim=32, num_layers=1, dropout=0.0)
    model.compile(optimizer=keras.optimizers.Adam(3e-3),
                  loss=keras.losses.SparseCategoricalCrossentropy(from_logits=True), metrics=["accuracy"])
    history = model.fit(images, labels, batch_size=32, epochs=25, verbose=0)
    assert history.history["accuracy"][-1] > 0.95
