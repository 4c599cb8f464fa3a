"""Hand-drawn-looking circles, squares and triangles, as timed strokes, so Shapes trains offline.

The goal is the drawings real people make with a mouse, a pen or a finger, not tidy geometry.
`model.datasets.shape_outlines` gives what each label covers (ovals of any aspect, boxes from 1:1 to 1:3 at any
rotation, triangles of every kind); this module adds the hand: drift and tremor, lines traced twice,
points recorded sparsely or simplified into polygons (as web doodle games store them), a stray dot or
tick, pens from hairline to finger, any size and place on canvases of any size.
`benchmarks/people_shapes.py` measures a model trained here on drawings from an independently written
simulator, and `benchmarks/window_shapes.py` on drawings made with the mouse on the real window.
"""

from __future__ import annotations

from collections.abc import Callable

import cv2
import numpy as np

from model.core.preprocessing import preprocess
from model.core.strokes import Stroke, drawing_bounds, render_strokes
from model.core.tasks import SHAPE_LABELS
from model.core.training_progress import stop_if_asked
from model.core.workers import default_workers, run_chunks
from model.datasets.not_shapes import NOT_SHAPES
from model.datasets.shape_outlines import OUTLINES, rotate

__all__ = ["SHAPE_LABELS", "generate_drawing", "make_dataset", "make_not_shapes", "render_for_training"]

# Drawings per unit of work handed to a process, and the set size from which processes pay off.
_CHUNK = 500
_POOL_MINIMUM = 3000


def generate_drawing(label: str, rng: np.random.Generator) -> tuple[list[Stroke], tuple[int, int]]:
    """Draws one shape the way a person might, on a canvas of random size.

    Args:
        label: one of `SHAPE_LABELS`.
        rng: the random generator (the drawing is a pure function of its state).

    Returns:
        (strokes, (width, height)): the strokes with timestamps in ms, and the canvas size in pixels.

    Raises:
        ValueError: `label` is not a shape label.
    """
    if label not in OUTLINES:
        raise ValueError(f"Unknown shape {label!r}; expected one of {', '.join(SHAPE_LABELS)}.")
    return _draw(OUTLINES[label](rng), rng)


def _draw(outline: list[np.ndarray], rng: np.random.Generator) -> tuple[list[Stroke], tuple[int, int]]:
    """Draws unit-space paths by hand, with a pen, at a size and place on a canvas of random size."""
    width, height = _canvas_size(rng)
    paths = _hand(outline, rng)
    points = np.concatenate(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = float((high - low).max())
    # Size and pen are drawn together so a thick pen never pushes the drawing off the canvas.
    size = rng.uniform(0.12, 0.9) * min(width, height)
    if rng.random() < 0.2:  # a finger on a small screen: the pen a tenth to a quarter of the drawing
        pen = rng.uniform(0.08, 0.25) * size
    else:
        pen = float(np.exp(rng.uniform(np.log(1.0), np.log(max(1.5, 0.15 * size)))))
    size = min(size, 0.97 * min(width, height) - pen)
    scale = size / extent
    span = (high - low) * scale + pen
    room = np.array([width, height]) - span
    # A quarter of drawings hug an edge or a corner, as people draw wherever they happen to be.
    position = rng.uniform(0, 1, 2) if rng.random() > 0.25 else rng.choice([0.0, 1.0], 2) * 0.98 + 0.01
    origin = position * np.maximum(room, 0) + pen / 2 - low * scale
    return _timed([path * scale + origin for path in paths], pen, rng), (width, height)


def _hand(paths: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """What a hand and the device recording it do to an outline's paths."""
    extent = float(np.ptp(np.concatenate(paths), axis=0).max())
    if rng.random() < 0.12:  # a sketchy line: the outline, or part of it, gone over again beside itself
        paths = paths + [_retrace(path, extent, rng) for path in paths if rng.random() < 0.7]
    paths = [_wobble(path, rng) for path in paths]
    style = rng.random()
    if style < 0.3:
        # Web doodle games keep a simplified polygon: circles come out with a dozen corners or fewer.
        tolerance = rng.uniform(0.004, 0.03) * extent
        paths = [_simplify(path, tolerance) for path in paths]
    elif style < 0.5:
        # A quick hand and a slow event loop: a point every few pixels, so curves come out as polygons.
        paths = [_sparse(path, rng.uniform(0.02, 0.09) * extent) for path in paths]
    if rng.random() < 0.08:
        paths = paths + _stray_marks(np.concatenate(paths), extent, rng)
    return paths


def _retrace(path: np.ndarray, extent: float, rng: np.random.Generator) -> np.ndarray:
    """The path, or a stretch of it, drawn again a little beside the first line."""
    start = int(rng.integers(0, max(1, len(path) // 3)))
    stop = len(path) - int(rng.integers(0, max(1, len(path) // 3)))
    offset = rng.normal(0, 0.02, 2) * extent
    turn = rng.normal(0, 0.03)
    centre = path.mean(axis=0)
    return rotate(path[start:stop] - centre, turn) * rng.uniform(0.96, 1.04) + centre + offset


def _stray_marks(points: np.ndarray, extent: float, rng: np.random.Generator) -> list[np.ndarray]:
    """A dot or a short tick near the drawing, as a finger that touched the screen leaves."""
    low, high = points.min(axis=0), points.max(axis=0)
    marks = []
    for _ in range(int(rng.integers(1, 3))):
        where = low + rng.uniform(-0.1, 1.1, 2) * (high - low)
        length = rng.uniform(0.005, 0.06) * extent
        angle = rng.uniform(0, 2 * np.pi)
        marks.append(where + np.linspace(0, 1, 4)[:, None] * length * np.array([np.cos(angle), np.sin(angle)]))
    return marks


def _simplify(path: np.ndarray, tolerance: float) -> np.ndarray:
    """The path reduced to the fewest points that stay within `tolerance` of it (Ramer-Douglas-Peucker)."""
    if len(path) < 3:
        return path
    simplified = cv2.approxPolyDP(path.astype(np.float32)[:, None, :], float(tolerance), False)[:, 0, :]
    return simplified.astype(np.float64) if len(simplified) >= 2 else path[[0, -1]]


def render_for_training(strokes: list[Stroke], rng: np.random.Generator) -> np.ndarray:
    """Renders a drawing around its bounds at a random resolution (24 to 300 px), dark on light.

    Preprocessing crops to the ink anyway, so leaving out empty canvas changes nothing but time;
    the random resolution exposes the network to small, large, blocky and smooth renderings.
    """
    left, top, right, bottom = drawing_bounds(strokes)
    extent = max(right - left, bottom - top)
    scale = min(1.0, float(np.exp(rng.uniform(np.log(24), np.log(300)))) / extent)
    margin = 4
    width = int(np.ceil((right - left) * scale)) + 2 * margin
    height = int(np.ceil((bottom - top) * scale)) + 2 * margin
    offset = (margin / scale - left, margin / scale - top)
    return render_strokes(strokes, width, height, scale=scale, offset=offset)


def make_dataset(num_per_label: int, seed: int = 0, *, workers: int | None = None,
                 should_stop: Callable[[], bool] | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Generates, renders and preprocesses a balanced set of shapes.

    Args:
        num_per_label: drawings per label.
        seed: the same seed gives the same data set, whatever the number of workers.
        workers: processes to spread the work over; by default up to 4 (one per core) for large
            sets and none for small ones. Falls back to this process if a pool cannot start.
        should_stop: polled per drawing (every tenth of a second with a pool); True stops at once.

    Returns:
        (x, y): x float32 of shape (N, 28, 28) as `preprocess` gives, y int64 label indices into
        `SHAPE_LABELS`, labels interleaved so any prefix is balanced.

    Raises:
        TrainingCancelled: `should_stop()` turned True (a pool's workers finish their chunk on their own).
    """
    if num_per_label < 0:
        raise ValueError(f"num_per_label must be >= 0; received {num_per_label}.")
    count = num_per_label * len(SHAPE_LABELS)
    y = np.tile(np.arange(len(SHAPE_LABELS), dtype=np.int64), num_per_label)
    chunks = [(seed, start, min(start + _CHUNK, count)) for start in range(0, count, _CHUNK)]
    if workers is None:
        workers = default_workers(count, _POOL_MINIMUM)
    parts = run_chunks(_make_chunk, chunks, workers, should_stop)
    x = np.concatenate(parts) if parts else np.zeros((0, 28, 28), np.float32)
    return x, y


def make_not_shapes(count: int, seed: int = 0, should_stop: Callable[[], bool] | None = None) -> np.ndarray:
    """Generates, renders and preprocesses drawings that are none of the labels (`model.datasets.not_shapes`).

    Returns:
        x float32 of shape (count, 28, 28), as `preprocess` gives; their label is `NOT_ANY_LABEL`.

    Raises:
        TrainingCancelled: `should_stop()` (polled per drawing) turned True.
    """
    rng = np.random.default_rng([seed, 7919])
    x = np.zeros((count, 28, 28), np.float32)
    for index in range(count):
        stop_if_asked(should_stop)
        x[index] = _training_image(NOT_SHAPES[index % len(NOT_SHAPES)], rng)
    return x


def _training_image(outline, rng: np.random.Generator) -> np.ndarray:
    """An outline drawn by hand, rendered and preprocessed; drawn again in the rare case it comes out blank."""
    image = None
    while image is None:
        strokes, _ = _draw(outline(rng), rng)
        image = preprocess(render_for_training(strokes, rng), ink="dark")
    return image


def _make_chunk(seed: int, start: int, stop: int, should_stop=None) -> np.ndarray:
    """Drawings start..stop-1 of the data set; each chunk has its own generator, so any split agrees."""
    rng = np.random.default_rng([seed, start])
    x = np.zeros((stop - start, 28, 28), np.float32)
    for offset, index in enumerate(range(start, stop)):
        stop_if_asked(should_stop)
        x[offset] = _training_image(OUTLINES[SHAPE_LABELS[index % len(SHAPE_LABELS)]], rng)
    return x


def _canvas_size(rng: np.random.Generator) -> tuple[int, int]:
    longer = int(rng.integers(160, 1400))
    shorter = int(longer * rng.uniform(0.5, 1.0))
    return (longer, shorter) if rng.random() < 0.7 else (shorter, longer)


def _wobble(path: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Adds a hand's slow drift and tremor across the path."""
    count = len(path)
    amplitude = float(np.exp(rng.uniform(np.log(0.002), np.log(0.035))))
    # A few slow waves in random directions: smooth drift, far cheaper than filtering noise.
    periods = rng.uniform(12, 200, 4)
    phases = rng.uniform(0, 2 * np.pi, 4)
    waves = np.sin(np.arange(count)[:, None] * (2 * np.pi / periods) + phases)
    drift = waves @ rng.normal(0, 1, (4, 2))
    drift *= amplitude / max(float(drift.std()), 1e-9)
    # An unsteady hand: random offsets every few samples, joined by straight bits (jagged edges).
    spacing = int(rng.integers(3, 16))
    knots = np.arange(0, count + spacing, spacing)
    jag = rng.normal(0, amplitude * rng.uniform(0, 0.8), (len(knots), 2))
    samples = np.arange(count)
    jitter = np.stack([np.interp(samples, knots, jag[:, k]) for k in range(2)], axis=1)
    return path + drift + jitter


def _sparse(path: np.ndarray, spacing: float) -> np.ndarray:
    """Keeps about one point per `spacing` of path length, always both ends."""
    travelled = np.concatenate([[0.0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    keep = np.flatnonzero(np.diff(np.floor(travelled / spacing), prepend=-1.0) > 0)
    keep = np.union1d(keep, [len(path) - 1])
    return path[keep] if len(keep) >= 2 else path[[0, -1]]


def _timed(paths: list[np.ndarray], pen: float, rng: np.random.Generator) -> list[Stroke]:
    """Adds timestamps (ms) at a steady hand speed, with pauses between strokes."""
    speed = rng.uniform(0.3, 2.5)  # pixels per millisecond
    strokes, clock = [], 0.0
    for path in paths:
        steps = np.linalg.norm(np.diff(path, axis=0), axis=1)
        times = clock + np.concatenate([[0.0], np.cumsum(steps)]) / speed
        strokes.append(Stroke(np.column_stack([path, times]).astype(np.float32), pen))
        clock = float(times[-1]) + rng.uniform(80, 400)
    return strokes


