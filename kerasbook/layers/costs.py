"""What a convolution costs: parameters and multiply-adds, written out as formulas.

Every function here is plain arithmetic on the layer's sizes, so it can be
checked against `count_params()` of the real Keras layers (tests/test_ch04_costs.py)
and reused by the quiz. FLOPs are counted as **multiply-adds** (MACs): one
multiplication plus the addition that accumulates it counts once. Some papers
count the two separately and report twice our numbers.

For a `k x k` convolution from `c_in` to `c_out` channels whose output is
`h x w` pixels:

    params = k * k * c_in * c_out  (+ c_out biases)
    MACs   = h * w * k * k * c_in * c_out

A depthwise-separable convolution splits that into a `k x k` depthwise step
(one filter per input channel) and a 1x1 pointwise step that mixes channels:

    params = k * k * c_in + c_in * c_out
    MACs   = h * w * (k * k * c_in + c_in * c_out)

so its cost relative to the standard convolution is `1 / c_out + 1 / k**2`,
about 1/9 for 3x3 kernels and many output channels.
"""

from __future__ import annotations

from dataclasses import dataclass


def conv_params(k: int, c_in: int, c_out: int, bias: bool = True) -> int:
    """Weights of a `k x k` convolution: one `k x k x c_in` filter per output channel."""
    return k * k * c_in * c_out + (c_out if bias else 0)


def conv_macs(h: int, w: int, k: int, c_in: int, c_out: int) -> int:
    """Multiply-adds of that convolution over an `h x w` output: one filter per pixel and channel."""
    return h * w * k * k * c_in * c_out


def depthwise_params(k: int, c: int, bias: bool = False) -> int:
    """A depthwise `k x k` convolution: one `k x k` filter for each of the `c` channels."""
    return k * k * c + (c if bias else 0)


def depthwise_macs(h: int, w: int, k: int, c: int) -> int:
    return h * w * k * k * c


def batchnorm_params(c: int) -> int:
    """gamma, beta (trained) and the moving mean and variance (not trained): 4 per channel."""
    return 4 * c


def separable_params(k: int, c_in: int, c_out: int, bias: bool = False, batchnorm: bool = False) -> int:
    """Depthwise `k x k` then pointwise 1x1 (MobileNet style: batch norm after each, no biases)."""
    total = depthwise_params(k, c_in) + conv_params(1, c_in, c_out, bias=bias)
    if batchnorm:
        total += batchnorm_params(c_in) + batchnorm_params(c_out)
    return total


def separable_macs(h: int, w: int, k: int, c_in: int, c_out: int) -> int:
    return depthwise_macs(h, w, k, c_in) + conv_macs(h, w, 1, c_in, c_out)


def separable_ratio(k: int, c_out: int) -> float:
    """Separable cost / standard cost (params without biases, and MACs): 1/c_out + 1/k^2."""
    return 1 / c_out + 1 / (k * k)


@dataclass(frozen=True)
class InceptionSpec:
    """Channels of the four branches of an Inception block (GoogLeNet's naming)."""

    f1: int           # 1x1 branch
    f3_reduce: int    # 1x1 before the 3x3
    f3: int
    f5_reduce: int    # 1x1 before the 5x5
    f5: int
    pool_proj: int    # 1x1 after the 3x3 max pool

    @property
    def out_channels(self) -> int:
        return self.f1 + self.f3 + self.f5 + self.pool_proj


# GoogLeNet's first Inception block ("3a"), which reads 28 x 28 x 192.
INCEPTION_3A = InceptionSpec(64, 96, 128, 16, 32, 32)


def inception_params(c_in: int, s: InceptionSpec, bias: bool = True) -> int:
    """Six convolutions: 1x1; 1x1 -> 3x3; 1x1 -> 5x5; (pool) -> 1x1. Pooling has no weights."""
    return (conv_params(1, c_in, s.f1, bias)
            + conv_params(1, c_in, s.f3_reduce, bias) + conv_params(3, s.f3_reduce, s.f3, bias)
            + conv_params(1, c_in, s.f5_reduce, bias) + conv_params(5, s.f5_reduce, s.f5, bias)
            + conv_params(1, c_in, s.pool_proj, bias))


def inception_macs(h: int, w: int, c_in: int, s: InceptionSpec) -> int:
    """Multiply-adds of the block at `h x w` (stride 1, so every branch keeps `h x w`)."""
    return (conv_macs(h, w, 1, c_in, s.f1)
            + conv_macs(h, w, 1, c_in, s.f3_reduce) + conv_macs(h, w, 3, s.f3_reduce, s.f3)
            + conv_macs(h, w, 1, c_in, s.f5_reduce) + conv_macs(h, w, 5, s.f5_reduce, s.f5)
            + conv_macs(h, w, 1, c_in, s.pool_proj))


def naive_inception_params(c_in: int, s: InceptionSpec, bias: bool = True) -> int:
    """The same block without the 1x1 reductions: 3x3 and 5x5 read all `c_in` channels."""
    return conv_params(1, c_in, s.f1, bias) + conv_params(3, c_in, s.f3, bias) + conv_params(5, c_in, s.f5, bias)


def naive_inception_macs(h: int, w: int, c_in: int, s: InceptionSpec) -> int:
    return conv_macs(h, w, 1, c_in, s.f1) + conv_macs(h, w, 3, c_in, s.f3) + conv_macs(h, w, 5, c_in, s.f5)
