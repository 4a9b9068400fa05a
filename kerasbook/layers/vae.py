"""The pieces of a variational autoencoder: the sampling layer, the KL term and the model.

An autoencoder's encoder maps an image to one point z. A VAE's encoder maps it
to a *distribution*, a Gaussian with mean mu and log-variance log(sigma^2) per
latent dimension, and the decoder reads a sample from it. Two things make that
trainable:

* the reparameterisation trick: z = mu + sigma * eps with eps ~ N(0, I) drawn
  outside the network, so the gradient reaches mu and sigma (`Sampling`);
* the KL divergence from N(mu, sigma^2) to the prior N(0, I), added to the
  reconstruction loss, so the codes fill a smooth region around the origin
  that the decoder can be sampled from (`kl_divergence`).

`VAE` is a subclassed `keras.Model` whose `train_step` adds the two losses and
reports them separately.

Reference: Kingma and Welling, "Auto-Encoding Variational Bayes", ICLR 2014.
"""

from __future__ import annotations

import keras
from keras import ops


# --8<-- [start:sampling]
@keras.saving.register_keras_serializable(package="kerasbook")
class Sampling(keras.layers.Layer):
    """Draw z = mu + exp(log_var / 2) * eps, eps ~ N(0, I): the reparameterisation trick.

    The randomness comes from a `keras.random.SeedGenerator` the layer owns, so
    a seeded run draws the same noise every time.

    Args:
        seed: int. Seed of the layer's noise.
        **kwargs: passed to `keras.layers.Layer`.

    Call arguments:
        inputs: tuple `(mean, log_var)`, each `(B, latent)`.

    Example:
        >>> z = Sampling(seed=1)([keras.ops.zeros((4, 2)), keras.ops.zeros((4, 2))])
        >>> z.shape
        (4, 2)
    """

    def __init__(self, seed=0, **kwargs):
        super().__init__(**kwargs)
        self.seed = seed
        self.seed_generator = keras.random.SeedGenerator(seed)

    def call(self, inputs):
        mean, log_var = inputs                                                        # (B, latent) each
        eps = keras.random.normal(ops.shape(mean), seed=self.seed_generator)          # (B, latent)
        return mean + ops.exp(0.5 * log_var) * eps

    def get_config(self):
        return {**super().get_config(), "seed": self.seed}
# --8<-- [end:sampling]


# --8<-- [start:kl]
def kl_divergence(mean, log_var):
    """KL( N(mean, exp(log_var)) || N(0, I) ) per example, summed over the latent dimensions.

    For one dimension, KL = 0.5 * (sigma^2 + mu^2 - 1 - log sigma^2): zero
    exactly when mu = 0 and sigma = 1.
    """
    return 0.5 * ops.sum(ops.exp(log_var) + ops.square(mean) - 1.0 - log_var, axis=-1)   # (B,)
# --8<-- [end:kl]


# --8<-- [start:model]
class VAE(keras.Model):
    """Encoder `x -> (mean, log_var, z)` and decoder `z -> x_hat`, trained on reconstruction + beta * KL.

    The reconstruction loss is the binary cross-entropy summed over the pixels
    (pixels in [0, 1] read as probabilities), averaged over the batch, so it is
    on the same scale as the KL term, which is summed over the latent dimensions.

    Args:
        encoder: a model returning `[mean, log_var, z]`.
        decoder: a model returning images in [0, 1].
        beta: float. Weight of the KL term (1 is the plain VAE).
        **kwargs: passed to `keras.Model`.
    """

    def __init__(self, encoder, decoder, beta=1.0, **kwargs):
        super().__init__(**kwargs)
        self.encoder, self.decoder, self.beta = encoder, decoder, beta
        self.trackers = {k: keras.metrics.Mean(name=k) for k in ("loss", "reconstruction", "kl")}

    @property
    def metrics(self):
        return list(self.trackers.values())

    def call(self, x, training=False):
        _, _, z = self.encoder(x, training=training)
        return self.decoder(z, training=training)

    def _loss_parts(self, x, training):
        mean, log_var, z = self.encoder(x, training=training)
        x_hat = self.decoder(z, training=training)
        pixels = ops.binary_crossentropy(x, x_hat)                                     # (B, H, W, C)
        reconstruction = ops.mean(ops.sum(pixels, axis=(1, 2, 3)))
        kl = ops.mean(kl_divergence(mean, log_var))
        return reconstruction + self.beta * kl, reconstruction, kl

    def _report(self, values):
        for tracker, value in zip(self.trackers.values(), values):
            tracker.update_state(value)
        return {k: t.result() for k, t in self.trackers.items()}

    def train_step(self, data):
        import tensorflow as tf

        x = data[0] if isinstance(data, tuple) else data
        with tf.GradientTape() as tape:
            values = self._loss_parts(x, training=True)
        grads = tape.gradient(values[0], self.trainable_weights)
        self.optimizer.apply(grads, self.trainable_weights)
        return self._report(values)

    def test_step(self, data):
        x = data[0] if isinstance(data, tuple) else data
        return self._report(self._loss_parts(x, training=False))
# --8<-- [end:model]
