"""The playground's arithmetic is TensorFlow's: worked examples from the issue, then random comparisons."""

from __future__ import annotations

import numpy as np
import pytest

from model.network import convolution
from model.network.convolution import conv2d, output_shape, pool2d, weighted_sum_terms

ONE_TO_NINE = np.arange(1, 10, dtype=float).reshape(3, 3)


def test_two_by_two_ones_kernel_valid_and_same():
    ones = np.ones((2, 2))
    np.testing.assert_array_equal(conv2d(ONE_TO_NINE, ones, padding="valid"), [[12, 16], [24, 28]])
    np.testing.assert_array_equal(conv2d(ONE_TO_NINE, ones, padding="same"),
                                  [[12, 16, 9], [24, 28, 15], [15, 17, 9]])


def test_three_output_channels_scale_the_map():
    kernels = np.stack([np.ones((2, 2)) * k for k in (1, 10, -1)], axis=-1)[:, :, None, :]
    out = conv2d(ONE_TO_NINE, kernels, padding="valid")
    assert out.shape == (2, 2, 3)
    base = np.array([[12, 16], [24, 28]])
    for channel, factor in enumerate((1, 10, -1)):
        np.testing.assert_array_equal(out[:, :, channel], base * factor)


def test_max_pool_stride_one_valid_and_same():
    image = np.array([[4.0, 3], [2, 1]])
    np.testing.assert_array_equal(pool2d(image, pool_size=2, stride=1, padding="valid"), [[4]])
    np.testing.assert_array_equal(pool2d(image, pool_size=2, stride=1, padding="same"), [[4, 3], [2, 1]])


def test_stride_two_same_then_pool_halves_twice():
    image = np.random.default_rng(0).random((28, 28))
    conv = conv2d(image, np.ones((3, 3)), stride=2, padding="same")
    assert conv.shape == (14, 14) == output_shape((28, 28), 3, 2, "same")
    pooled = pool2d(conv, pool_size=2, stride=2, padding="same")
    assert pooled.shape == (7, 7) == output_shape((14, 14), 2, 2, "same")


def test_average_pool_same_excludes_padding_from_the_count():
    image = np.array([[2.0, 4, 6]])
    # The last window covers [6, pad]: the average is 6, not 3.
    np.testing.assert_array_equal(pool2d(image, mode="average", pool_size=2, stride=2, padding="same"), [[3, 6]])


def test_weighted_sum_equals_the_convolution_cell_everywhere():
    rng = np.random.default_rng(1)
    image = rng.random((7, 6, 2))
    kernels = rng.normal(size=(3, 3, 2, 4))
    bias = rng.normal(size=4)
    for stride, padding in [(1, "same"), (2, "same"), (1, "valid"), (2, "valid")]:
        expected = np.maximum(conv2d(image, kernels, stride=stride, padding=padding, bias=bias), 0)
        for row in range(expected.shape[0]):
            for col in range(expected.shape[1]):
                terms = weighted_sum_terms(image, kernels[:, :, :, 3], bias[3], row, col, stride=stride,
                                           padding=padding)
                assert terms.value == pytest.approx(expected[row, col, 3])
                assert terms.total == pytest.approx(terms.products.sum())


def test_weighted_sum_window_hangs_over_the_edge_with_zeros():
    terms = weighted_sum_terms(ONE_TO_NINE, np.ones((2, 2)), 0.0, 2, 2, padding="same")
    assert (terms.top, terms.left) == (2, 2)
    np.testing.assert_array_equal(terms.window[:, :, 0], [[9, 0], [0, 0]])
    assert terms.value == 9


def test_relu_clips_a_negative_sum():
    terms = weighted_sum_terms(ONE_TO_NINE, -np.ones((2, 2)), 1.0, 0, 0)
    assert terms.pre_activation == -11 and terms.value == 0


def test_presets_have_the_documented_sizes():
    assert convolution.preset_kernel("Sobel x").shape == (3, 3)
    edges = [name for name in convolution.PRESETS if "edge" in name]
    assert len(edges) == 4 and all(convolution.PRESETS[name].shape == (4, 4) for name in edges)
    presets = convolution.PRESETS
    np.testing.assert_array_equal(presets["vertical edge"], -presets["vertical edge (negative)"])
    np.testing.assert_array_equal(conv2d(ONE_TO_NINE, convolution.preset_kernel("identity"), padding="same"),
                                  ONE_TO_NINE)


def test_resize_kernel_keeps_the_centre():
    grown = convolution.resize_kernel(convolution.preset_kernel("identity"), 5)
    assert grown.shape == (5, 5) and grown[2, 2] == 1 and grown.sum() == 1
    assert convolution.resize_kernel(grown, 3).tolist() == convolution.preset_kernel("identity").tolist()


def test_bad_input_gets_a_clear_message():
    with pytest.raises(ValueError, match="padding must be 'same' or 'valid'; received 'full'"):
        conv2d(ONE_TO_NINE, np.ones((2, 2)), padding="full")
    with pytest.raises(ValueError, match="does not fit"):
        conv2d(ONE_TO_NINE, np.ones((4, 4)), padding="valid")
    with pytest.raises(ValueError, match="input channel"):
        conv2d(ONE_TO_NINE, np.ones((2, 2, 3, 1)))


@pytest.fixture(scope="module")
def tf():
    return pytest.importorskip("tensorflow")


@pytest.mark.parametrize("stride", [1, 2, 3])
@pytest.mark.parametrize("padding", ["same", "valid"])
@pytest.mark.parametrize("size", [(9, 9), (10, 7)])
def test_matches_tensorflow_on_random_inputs(tf, stride, padding, size):
    rng = np.random.default_rng(stride * 10 + size[1])
    image = rng.normal(size=size + (3,)).astype(np.float32)
    for kernel_size in (2, 3, 4):
        kernels = rng.normal(size=(kernel_size, kernel_size, 3, 5)).astype(np.float32)
        expected = tf.nn.conv2d(image[None], kernels, strides=stride, padding=padding.upper())[0].numpy()
        np.testing.assert_allclose(conv2d(image, kernels, stride=stride, padding=padding), expected, atol=1e-4)
        for mode, tf_pool in (("max", tf.nn.max_pool2d), ("average", tf.nn.avg_pool2d)):
            expected = tf_pool(image[None], kernel_size, stride, padding.upper())[0].numpy()
            np.testing.assert_allclose(
                pool2d(image, mode=mode, pool_size=kernel_size, stride=stride, padding=padding), expected, atol=1e-5)
