"""Convolution and pooling in plain numpy, with exactly TensorFlow's arithmetic.

The convolution playground and the "hover a cell" panel compute here what `tf.nn.conv2d`,
`tf.nn.max_pool2d` and `tf.nn.avg_pool2d` compute, so a learner can check every number:

- a convolution is a cross-correlation: the kernel is not flipped;
- 'valid' keeps only windows that fit; 'same' gives ceil(size / stride) outputs and pads with
  zeros, putting the odd extra row or column at the bottom and right (as TensorFlow does);
- max pooling ignores padding; average pooling with 'same' divides by the number of real cells
  under the window, not by the window size.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PADDINGS = ("same", "valid")
POOL_MODES = ("max", "average")
MIN_KERNEL_SIZE, MAX_KERNEL_SIZE = 2, 7


def output_size(size: int, window: int, stride: int, padding: str) -> int:
    """Returns how many outputs a window slides to along one axis.

    Args:
        size: input length along the axis.
        window: kernel or pool length along the axis.
        stride: step between windows.
        padding: "same" or "valid".

    Returns:
        ceil(size / stride) for "same"; ceil((size - window + 1) / stride), at least 0, for "valid".
    """
    _check_padding(padding)
    _check_positive(stride=stride, window=window)
    if padding == "same":
        return math.ceil(size / stride)
    return max(0, math.ceil((size - window + 1) / stride))


def output_shape(input_shape: tuple[int, int], window: tuple[int, int] | int, stride: int, padding: str):
    """Returns the (height, width) of a convolution's or pooling's output.

    Args:
        input_shape: (height, width) of the input.
        window: (height, width) of the kernel or pool, or one int for a square one.
        stride: step between windows, the same along both axes.
        padding: "same" or "valid".
    """
    window_h, window_w = _pair(window)
    return (output_size(input_shape[0], window_h, stride, padding),
            output_size(input_shape[1], window_w, stride, padding))


def same_padding(size: int, window: int, stride: int) -> tuple[int, int]:
    """Returns TensorFlow's (before, after) zero padding for 'same' along one axis."""
    total = max((math.ceil(size / stride) - 1) * stride + window - size, 0)
    return total // 2, total - total // 2


def conv2d(image: np.ndarray, kernels: np.ndarray, *, stride: int = 1, padding: str = "valid",
           bias: np.ndarray | float | None = None) -> np.ndarray:
    """Convolves an image with one or many kernels, as `tf.nn.conv2d` (plus an optional bias).

    Args:
        image: (H, W) or (H, W, C_in).
        kernels: (kh, kw) for one kernel on a one-channel image, or (kh, kw, C_in, C_out).
        stride: step of the sliding window, the same along both axes.
        padding: "same" or "valid".
        bias: optional scalar or (C_out,) added to each output channel.

    Returns:
        float64 (H', W') for a (kh, kw) kernel, else (H', W', C_out).
    """
    pixels = _as_channels(image)
    weights = np.asarray(kernels, dtype=np.float64)
    single = weights.ndim == 2
    if single:
        weights = weights[:, :, None, None]
    if weights.ndim != 4:
        raise ValueError(f"kernels must have shape (kh, kw) or (kh, kw, C_in, C_out); received {weights.shape}.")
    if weights.shape[2] != pixels.shape[2]:
        raise ValueError(f"The kernels expect {weights.shape[2]} input channel(s) but the image has "
                         f"{pixels.shape[2]}; give kernels of shape (kh, kw, {pixels.shape[2]}, C_out).")
    windows = _windows(_pad(pixels, weights.shape[:2], stride, padding, 0.0), weights.shape[:2], stride)
    out = np.tensordot(windows, weights, axes=([2, 3, 4], [0, 1, 2]))
    if bias is not None:
        out = out + np.asarray(bias, dtype=np.float64)
    return out[:, :, 0] if single else out


def pool2d(image: np.ndarray, *, mode: str = "max", pool_size: int = 2, stride: int | None = None,
           padding: str = "valid") -> np.ndarray:
    """Pools each channel of an image, as `tf.nn.max_pool2d` or `tf.nn.avg_pool2d`.

    Args:
        image: (H, W) or (H, W, C).
        mode: "max" or "average".
        pool_size: side of the square pooling window.
        stride: step between windows; defaults to `pool_size` (as Keras does).
        padding: "same" or "valid".

    Returns:
        float64 array of shape (H', W') or (H', W', C), matching the input's rank.
    """
    if mode not in POOL_MODES:
        raise ValueError(f"Pooling mode must be one of {POOL_MODES}; received {mode!r}.")
    stride = pool_size if stride is None else stride
    pixels = _as_channels(image)
    window = (pool_size, pool_size)
    if mode == "max":
        # Padding never wins a max, so it is -inf rather than zero.
        out = _windows(_pad(pixels, window, stride, padding, -np.inf), window, stride).max(axis=(2, 3))
    else:
        sums = _windows(_pad(pixels, window, stride, padding, 0.0), window, stride).sum(axis=(2, 3))
        ones = np.ones(pixels.shape[:2] + (1,))
        counts = _windows(_pad(ones, window, stride, padding, 0.0), window, stride).sum(axis=(2, 3))
        out = sums / counts
    return out[:, :, 0] if np.ndim(image) == 2 else out


@dataclass(frozen=True)
class WeightedSum:
    """The arithmetic behind one output cell of a convolution.

    Attributes:
        window: (kh, kw, C_in) inputs under the kernel, zeros where the window hangs over the edge.
        weights: (kh, kw, C_in) the kernel of the output channel.
        products: window * weights.
        total: the sum of the products.
        bias: the output channel's bias.
        pre_activation: total + bias.
        value: the cell's value after the activation.
        activation: "relu" or "linear".
        top, left: the window's top-left corner in input coordinates (negative inside the padding).
    """

    window: np.ndarray
    weights: np.ndarray
    products: np.ndarray
    total: float
    bias: float
    pre_activation: float
    value: float
    activation: str
    top: int
    left: int

    @property
    def size(self) -> tuple[int, int]:
        return self.window.shape[0], self.window.shape[1]


def window_origin(input_shape: tuple[int, int], kernel_size: tuple[int, int] | int, row: int, col: int, *,
                  stride: int = 1, padding: str = "valid") -> tuple[int, int]:
    """Returns the input (top, left) of the window that output cell (row, col) sees."""
    kernel_h, kernel_w = _pair(kernel_size)
    pad_top = same_padding(input_shape[0], kernel_h, stride)[0] if padding == "same" else 0
    pad_left = same_padding(input_shape[1], kernel_w, stride)[0] if padding == "same" else 0
    return row * stride - pad_top, col * stride - pad_left


def weighted_sum_terms(image: np.ndarray, kernel: np.ndarray, bias: float, row: int, col: int, *,
                       stride: int = 1, padding: str = "valid", activation: str = "relu") -> WeightedSum:
    """Returns the weighted sum that gives a convolution's output cell (row, col).

    Args:
        image: (H, W) or (H, W, C_in), the convolution's input.
        kernel: (kh, kw) or (kh, kw, C_in), the kernel of one output channel.
        bias: that channel's bias.
        row, col: the output cell.
        stride, padding: as for `conv2d`.
        activation: "relu" or "linear" (what the layer applies after the sum).

    Returns:
        A `WeightedSum` whose `value` equals `conv2d(...)[row, col]` after the activation.
    """
    if activation not in ("relu", "linear"):
        raise ValueError(f"activation must be 'relu' or 'linear'; received {activation!r}.")
    pixels = _as_channels(image)
    weights = np.asarray(kernel, dtype=np.float64)
    weights = weights[:, :, None] if weights.ndim == 2 else weights
    out_h, out_w = output_shape(pixels.shape[:2], weights.shape[:2], stride, padding)
    if not (0 <= row < out_h and 0 <= col < out_w):
        raise ValueError(f"Output cell ({row}, {col}) is outside the {out_h}x{out_w} output.")
    top, left = window_origin(pixels.shape[:2], weights.shape[:2], row, col, stride=stride, padding=padding)
    window = np.zeros(weights.shape[:2] + (pixels.shape[2],))
    rows = slice(max(top, 0), min(top + weights.shape[0], pixels.shape[0]))
    cols = slice(max(left, 0), min(left + weights.shape[1], pixels.shape[1]))
    window[rows.start - top:rows.stop - top, cols.start - left:cols.stop - left] = pixels[rows, cols]
    products = window * weights
    total = float(products.sum())
    pre_activation = total + float(bias)
    value = max(pre_activation, 0.0) if activation == "relu" else pre_activation
    return WeightedSum(window, weights, products, total, float(bias), pre_activation, value, activation, top, left)


def _edge_4x4(direction: str, sign: int) -> np.ndarray:
    # Dark (-1) half then bright (+1) half: responds where ink begins along the direction.
    half = np.array([-1.0, -1.0, 1.0, 1.0]) * sign
    return np.tile(half, (4, 1)) if direction == "vertical" else np.tile(half[:, None], (1, 4))


PRESETS: dict[str, np.ndarray] = {
    "identity": np.array([[0.0, 0, 0], [0, 1, 0], [0, 0, 0]]),
    "box blur": np.full((3, 3), 1.0 / 9.0),
    "sharpen": np.array([[0.0, -1, 0], [-1, 5, -1], [0, -1, 0]]),
    "Sobel x": np.array([[-1.0, 0, 1], [-2, 0, 2], [-1, 0, 1]]),
    "Sobel y": np.array([[-1.0, -2, -1], [0, 0, 0], [1, 2, 1]]),
    "vertical edge": _edge_4x4("vertical", 1),
    "horizontal edge": _edge_4x4("horizontal", 1),
    "vertical edge (negative)": _edge_4x4("vertical", -1),
    "horizontal edge (negative)": _edge_4x4("horizontal", -1),
}


def preset_kernel(name: str) -> np.ndarray:
    """Returns a copy of the preset kernel called `name` (see `PRESETS`)."""
    if name not in PRESETS:
        raise KeyError(f"Unknown kernel preset {name!r}; expected one of: {', '.join(PRESETS)}.")
    return PRESETS[name].copy()


def resize_kernel(kernel: np.ndarray, size: int) -> np.ndarray:
    """Returns the kernel grown (zeros around it) or cropped, centred, to size x size (2..7)."""
    if not MIN_KERNEL_SIZE <= size <= MAX_KERNEL_SIZE:
        raise ValueError(f"Kernel size must be between {MIN_KERNEL_SIZE} and {MAX_KERNEL_SIZE}; received {size}.")
    old = np.asarray(kernel, dtype=np.float64)
    new = np.zeros((size, size))
    common = min(size, old.shape[0]), min(size, old.shape[1])
    src = ((old.shape[0] - common[0]) // 2, (old.shape[1] - common[1]) // 2)
    dst = ((size - common[0]) // 2, (size - common[1]) // 2)
    new[dst[0]:dst[0] + common[0], dst[1]:dst[1] + common[1]] = \
        old[src[0]:src[0] + common[0], src[1]:src[1] + common[1]]
    return new


def _as_channels(image: np.ndarray) -> np.ndarray:
    pixels = np.asarray(image, dtype=np.float64)
    if pixels.ndim == 2:
        return pixels[:, :, None]
    if pixels.ndim != 3:
        raise ValueError(f"image must have shape (H, W) or (H, W, C); received {pixels.shape}.")
    return pixels


def _pad(pixels: np.ndarray, window: tuple[int, int], stride: int, padding: str, fill: float) -> np.ndarray:
    _check_padding(padding)
    _check_positive(stride=stride, window=min(window))
    if padding == "valid":
        if pixels.shape[0] < window[0] or pixels.shape[1] < window[1]:
            raise ValueError(f"A {window[0]}x{window[1]} window does not fit a {pixels.shape[0]}x{pixels.shape[1]} "
                             "input with 'valid' padding; use 'same' or a smaller window.")
        return pixels
    pads = (same_padding(pixels.shape[0], window[0], stride), same_padding(pixels.shape[1], window[1], stride), (0, 0))
    return np.pad(pixels, pads, constant_values=fill)


def _windows(padded: np.ndarray, window: tuple[int, int], stride: int) -> np.ndarray:
    """Returns (H', W', kh, kw, C) views of every window, without copying."""
    views = np.lib.stride_tricks.sliding_window_view(padded, window, axis=(0, 1))[::stride, ::stride]
    return views.transpose(0, 1, 3, 4, 2)


def _pair(window) -> tuple[int, int]:
    return (int(window), int(window)) if np.isscalar(window) else (int(window[0]), int(window[1]))


def _check_padding(padding: str) -> None:
    if padding not in PADDINGS:
        raise ValueError(f"padding must be 'same' or 'valid'; received {padding!r}.")


def _check_positive(**values: int) -> None:
    for name, value in values.items():
        if int(value) < 1:
            raise ValueError(f"{name} must be a positive integer; received {value!r}.")
