"""Colour maps and tiling for activations, kernels and heat maps: numpy in, RGB(A) uint8 arrays out.

The arrays go to Qt only through gui/image_convert.py. Everything here is vectorised, since the
docks repaint on every stroke and the whole frame has a 16 ms budget.
"""

from __future__ import annotations

import numpy as np

# Anchors of a dark-to-bright sequential map (black -> purple -> orange -> pale yellow), close to
# matplotlib's "inferno": zero activation stays black, like the network's input.
_SEQUENTIAL_ANCHORS = np.array([
    [0, 0, 4], [40, 11, 84], [101, 21, 110], [159, 42, 99],
    [212, 72, 66], [245, 125, 21], [250, 193, 39], [252, 255, 164],
], dtype=np.float64)
# Diverging: negative blue, zero white, positive red (ColorBrewer RdBu, reversed).
_DIVERGING_ANCHORS = np.array([
    [5, 48, 97], [33, 102, 172], [103, 169, 207], [209, 229, 240], [247, 247, 247],
    [253, 219, 199], [239, 138, 98], [178, 24, 43], [103, 0, 31],
], dtype=np.float64)
# Gaps between tiles take the panels' light background, so each map reads as its own picture.
BACKGROUND = np.array([233, 237, 243, 255], np.uint8)


def _table(anchors: np.ndarray) -> np.ndarray:
    positions = np.linspace(0.0, 1.0, len(anchors))
    levels = np.linspace(0.0, 1.0, 256)
    return np.stack([np.interp(levels, positions, anchors[:, c]) for c in range(3)], axis=1).round().astype(np.uint8)


def _packed(table: np.ndarray) -> np.ndarray:
    """The table as one uint32 per level whose bytes are R, G, B, A: a single np.take gives RGBA pixels,
    about twenty times faster than indexing the (256, 3) table."""
    rgba = np.concatenate([table, np.full((256, 1), 255, np.uint8)], axis=1)
    return np.ascontiguousarray(rgba).view(np.uint32)[:, 0]


SEQUENTIAL = _table(_SEQUENTIAL_ANCHORS)
DIVERGING = _table(_DIVERGING_ANCHORS)
_SEQUENTIAL_PACKED = _packed(SEQUENTIAL)
_DIVERGING_PACKED = _packed(DIVERGING)


def _lookup(packed: np.ndarray, index: np.ndarray) -> np.ndarray:
    return np.take(packed, index).view(np.uint8).reshape(index.shape + (4,))


def sequential(values: np.ndarray, vmax: float | None = None) -> np.ndarray:
    """Maps values >= 0 to RGBA, 0 black and `vmax` (default: the largest value) brightest."""
    values = np.asarray(values, dtype=np.float32)
    top = float(np.nanmax(values)) if vmax is None and values.size else float(vmax or 0.0)
    scale = 255.0 / top if top > 1e-12 else 0.0
    index = np.clip(np.nan_to_num(values) * scale, 0, 255).astype(np.uint8)
    return _lookup(_SEQUENTIAL_PACKED, index)


def diverging(values: np.ndarray, limit: float | None = None) -> np.ndarray:
    """Maps values to RGBA: -limit blue, 0 white, +limit red (default limit: the largest magnitude)."""
    values = np.asarray(values, dtype=np.float32)
    top = float(np.nanmax(np.abs(values))) if limit is None and values.size else float(limit or 0.0)
    scale = 127.5 / top if top > 1e-12 else 0.0
    index = np.clip(np.nan_to_num(values) * scale + 127.5, 0, 255).astype(np.uint8)
    return _lookup(_DIVERGING_PACKED, index)


def heat_rgba(heat: np.ndarray, opacity: float = 0.7) -> np.ndarray:
    """Turns a [0, 1] heat map into RGBA: transparent where cold, warm colours and opaque where hot."""
    heat = np.clip(np.asarray(heat, dtype=np.float32), 0.0, 1.0)
    rgba = np.empty(heat.shape + (4,), np.uint8)
    rgba[..., :3] = SEQUENTIAL[(96 + heat * 159).astype(np.uint8)]
    # Faint heat stays nearly clear, so the overlay marks the few places that mattered most.
    rgba[..., 3] = (heat ** 1.5 * opacity * 255).astype(np.uint8)
    return rgba


def grid_layout(count: int, aspect: float = 1.6) -> tuple[int, int]:
    """Returns (rows, columns) for `count` tiles, about `aspect` times wider than tall."""
    if count <= 0:
        return 0, 0
    columns = max(1, int(np.ceil(np.sqrt(count * aspect))))
    return int(np.ceil(count / columns)), columns


def tile(maps: np.ndarray, columns: int, gap: int = 1) -> np.ndarray:
    """Tiles (H, W, C) maps into one float image, channel 0 top left, row by row, NaN in the gaps."""
    height, width, count = maps.shape
    rows = int(np.ceil(count / columns))
    out = np.full((rows * (height + gap) - gap, columns * (width + gap) - gap), np.nan, np.float32)
    padded = np.full((height, width, rows * columns), np.nan, np.float32)
    padded[:, :, :count] = maps
    # (H, W, rows, cols) -> (rows, H, cols, W): one reshape instead of a Python loop per tile.
    blocks = padded.reshape(height, width, rows, columns).transpose(2, 0, 3, 1)
    framed = np.full((rows, height + gap, columns, width + gap), np.nan, np.float32)
    framed[:, :height, :, :width] = blocks
    out[:] = framed.reshape(rows * (height + gap), columns * (width + gap))[:out.shape[0], :out.shape[1]]
    return out


def paint_gaps(rgb: np.ndarray, tiled: np.ndarray) -> np.ndarray:
    """Colours the NaN gaps of a tiled image with the panel background."""
    rgb[np.isnan(tiled)] = BACKGROUND[:rgb.shape[-1]]
    return rgb
