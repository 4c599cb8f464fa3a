"""Hand-drawn-looking circles, squares and triangles, as timed strokes, so Shapes trains offline.

The goal is the drawings real people make, not tidy geometry: lumpy and tilted ellipses, circles
traced twice or left open, rectangles that were meant as squares, triangles of every kind and
rotation, sides drawn as separate strokes in any order, overshoots and gaps where a stroke closes,
rounded or sharp corners, tremor, and pens from hairline to very thick, anywhere on canvases of any
size. `benchmarks/shapes_generalisation.py` measures a model trained here on drawings from an
independently written simulator.
"""

from __future__ import annotations

import multiprocessing
import os
import sys
from concurrent.futures import ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool

import cv2
import numpy as np

from model.preprocessing import preprocess
from model.strokes import Stroke, drawing_bounds, render_strokes
from model.tasks import SHAPE_LABELS

__all__ = ["SHAPE_LABELS", "generate_drawing", "make_dataset", "render_for_training"]

# Unit-space sampling step of a path before wobble (shapes span about 1 unit).
_STEP = 0.012
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
    if label not in _SHAPES:
        raise ValueError(f"Unknown shape {label!r}; expected one of {', '.join(SHAPE_LABELS)}.")
    width, height = _canvas_size(rng)
    paths = [_wobble(path, rng) for path in _SHAPES[label](rng)]
    if rng.random() < 0.35:
        # A quick hand and a slow event loop: the canvas records a point only every few pixels,
        # so curves come out as polygons and corners get cut.
        spacing = rng.uniform(0.04, 0.18)
        paths = [_sparse(path, spacing) for path in paths]
    points = np.concatenate(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    extent = float((high - low).max())
    # Size and pen are drawn together so a thick pen never pushes the drawing off the canvas.
    size = rng.uniform(0.12, 0.9) * min(width, height)
    pen = float(np.exp(rng.uniform(np.log(1.0), np.log(max(1.5, 0.2 * size)))))
    size = min(size, 0.97 * min(width, height) - pen)
    scale = size / extent
    span = (high - low) * scale + pen
    room = np.array([width, height]) - span
    # A quarter of drawings hug an edge or a corner, as people draw wherever they happen to be.
    position = rng.uniform(0, 1, 2) if rng.random() > 0.25 else rng.choice([0.0, 1.0], 2) * 0.98 + 0.01
    origin = position * np.maximum(room, 0) + pen / 2 - low * scale
    return _timed([path * scale + origin for path in paths], pen, rng), (width, height)


def render_for_training(strokes: list[Stroke], rng: np.random.Generator) -> np.ndarray:
    """Renders a drawing around its bounds at a random resolution (40 to 300 px), dark on light.

    Preprocessing crops to the ink anyway, so leaving out empty canvas changes nothing but time;
    the random resolution exposes the network to small, large, blocky and smooth renderings.
    """
    left, top, right, bottom = drawing_bounds(strokes)
    extent = max(right - left, bottom - top)
    scale = min(1.0, float(np.exp(rng.uniform(np.log(40), np.log(300)))) / extent)
    margin = 4
    width = int(np.ceil((right - left) * scale)) + 2 * margin
    height = int(np.ceil((bottom - top) * scale)) + 2 * margin
    offset = (margin / scale - left, margin / scale - top)
    return render_strokes(strokes, width, height, scale=scale, offset=offset)


def make_dataset(num_per_label: int, seed: int = 0, *, workers: int | None = None) -> tuple[np.ndarray, np.ndarray]:
    """Generates, renders and preprocesses a balanced set of shapes.

    Args:
        num_per_label: drawings per label.
        seed: the same seed gives the same data set, whatever the number of workers.
        workers: processes to spread the work over; by default up to 4 (one per core) for large
            sets and none for small ones. Falls back to this process if a pool cannot start.

    Returns:
        (x, y): x float32 of shape (N, 28, 28) as `preprocess` gives, y int64 label indices into
        `SHAPE_LABELS`, labels interleaved so any prefix is balanced.
    """
    if num_per_label < 0:
        raise ValueError(f"num_per_label must be >= 0; received {num_per_label}.")
    count = num_per_label * len(SHAPE_LABELS)
    y = np.tile(np.arange(len(SHAPE_LABELS), dtype=np.int64), num_per_label)
    chunks = [(seed, start, min(start + _CHUNK, count)) for start in range(0, count, _CHUNK)]
    if workers is None:
        workers = min(os.cpu_count() or 1, 4) if count >= _POOL_MINIMUM else 1
    if getattr(sys, "frozen", False):
        workers = 1  # a frozen app's spawned children would start the app again, not a worker
    parts = _run_chunks(chunks, workers)
    x = np.concatenate(parts) if parts else np.zeros((0, 28, 28), np.float32)
    return x, y


def _run_chunks(chunks: list[tuple[int, int, int]], workers: int) -> list[np.ndarray]:
    if workers > 1 and len(chunks) > 1:
        try:
            # Spawned, not forked: the caller may hold TensorFlow's threads, which fork can deadlock.
            context = multiprocessing.get_context("spawn")
            with ProcessPoolExecutor(workers, mp_context=context, initializer=_quiet_worker) as pool:
                return list(pool.map(_make_chunk, *zip(*chunks)))
        except (OSError, RuntimeError, BrokenProcessPool):
            pass  # No processes here (a sandbox, a frozen app): the same work, in this process.
    return [_make_chunk(*chunk) for chunk in chunks]


def _quiet_worker() -> None:
    cv2.setNumThreads(1)  # one process per core already; OpenCV's own threads would only contend


def _make_chunk(seed: int, start: int, stop: int) -> np.ndarray:
    """Drawings start..stop-1 of the data set; each chunk has its own generator, so any split agrees."""
    rng = np.random.default_rng([seed, start])
    x = np.zeros((stop - start, 28, 28), np.float32)
    for offset, index in enumerate(range(start, stop)):
        label = SHAPE_LABELS[index % len(SHAPE_LABELS)]
        image = None
        while image is None:
            strokes, _ = generate_drawing(label, rng)
            image = preprocess(render_for_training(strokes, rng), ink="dark")
        x[offset] = image
    return x


def _canvas_size(rng: np.random.Generator) -> tuple[int, int]:
    longer = int(rng.integers(160, 1400))
    shorter = int(longer * rng.uniform(0.5, 1.0))
    return (longer, shorter) if rng.random() < 0.7 else (shorter, longer)


def _rotate(points: np.ndarray, angle: float) -> np.ndarray:
    cos, sin = np.cos(angle), np.sin(angle)
    return points @ np.array([[cos, sin], [-sin, cos]])


def _circle(rng: np.random.Generator) -> list[np.ndarray]:
    aspect = rng.uniform(0.9, 1.0) if rng.random() < 0.5 else rng.uniform(0.6, 0.9)
    loops = rng.uniform(1.5, 2.3) if rng.random() < 0.15 else 1.0
    # Negative: the pen stops short of the start; positive: it runs past it.
    sweep = 2 * np.pi * loops + (rng.uniform(-1.0, 0.7) if rng.random() < 0.3 else rng.uniform(-0.4, 0.5))
    t = np.linspace(0, sweep, max(24, int(sweep / (2 * np.pi) * 110)))
    progress = t / sweep
    radius = 1.0 + rng.uniform(-0.14, 0.14) * progress  # ends that miss each other, spirals
    if rng.random() < 0.6:
        radius += _lumps(t, rng)
    for harmonic in (2, 3, 4):
        radius += rng.uniform(0, 0.07 / harmonic) * np.cos(harmonic * t + rng.uniform(0, 2 * np.pi))
    angle = rng.uniform(0, 2 * np.pi) + rng.choice([-1, 1]) * t
    points = np.stack([radius * np.cos(angle), aspect * radius * np.sin(angle)], axis=1)
    if rng.random() < 0.2:  # egg and teardrop shapes
        points[:, 0] *= 1 + rng.uniform(-0.2, 0.2) * points[:, 1]
    points = _rotate(points, rng.uniform(0, np.pi))
    if rng.random() < 0.1:  # two arcs, as some people draw a circle
        cut = int(len(points) * rng.uniform(0.35, 0.65))
        return [points[: cut + 2], points[cut - 2:]]
    return [points]


def _lumps(t: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Radius offsets of a circle drawn through a few uneven points: flat stretches and soft bumps."""
    count = int(rng.integers(5, 11))
    anchors = np.linspace(0, 2 * np.pi, count + 1)[:-1] + rng.uniform(-0.2, 0.2, count)
    offsets = rng.normal(0, rng.uniform(0.03, 0.1), count)
    order = np.argsort(anchors % (2 * np.pi))
    return np.interp(t % (2 * np.pi), anchors[order] % (2 * np.pi), offsets[order], period=2 * np.pi)


def _square(rng: np.random.Generator) -> list[np.ndarray]:
    aspect = float(np.exp(rng.uniform(-0.32, 0.32)))
    half = np.array([0.5 * aspect, 0.5])
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half + rng.normal(0, 0.025, (4, 2))
    tilt = min(max(rng.normal(0, np.radians(7)), -np.radians(22)), np.radians(22))
    return _polygon(_rotate(corners, tilt), rng)


def _triangle(rng: np.random.Generator) -> list[np.ndarray]:
    kind = rng.choice(["equilateral", "isosceles", "right", "any"])
    if kind == "equilateral":
        angles = np.radians(60 + rng.normal(0, 4, 2))
    elif kind == "isosceles":
        apex = rng.uniform(25, 115)
        angles = np.radians([(180 - apex) / 2] * 2)
    elif kind == "right":
        other = rng.uniform(25, 65)
        angles = np.radians([90 + rng.normal(0, 3), other])
    else:
        first = rng.uniform(20, 130)
        angles = np.radians([first, rng.uniform(20, 160 - first)])
    a, b = angles  # base angles at (0, 0) and (1, 0)
    apex_x = np.tan(b) / (np.tan(a) + np.tan(b)) if abs(np.tan(a) + np.tan(b)) > 1e-6 else 0.5
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [apex_x, -apex_x * np.tan(a)]])
    if rng.random() < 0.5:
        corners = corners[rng.permutation(3)]
    corners[:, 0] *= float(np.exp(rng.uniform(-0.25, 0.25)))
    # Half sit on their base (or upside down), half at any rotation.
    turn = rng.choice([0.0, np.pi]) + rng.normal(0, 0.1) if rng.random() < 0.5 else rng.uniform(0, 2 * np.pi)
    return _polygon(_rotate(corners - corners.mean(axis=0), turn), rng)


def _polygon(corners: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Traces a polygon as a person would: one stroke round, or its sides as separate strokes."""
    count = len(corners)
    bulge = rng.uniform(0.02, 0.08) if rng.random() < 0.3 else 0.0  # sides curving outward
    centre = corners.mean(axis=0)
    sides = [_side(corners[i], corners[(i + 1) % count], centre, bulge, rng) for i in range(count)]
    mode = rng.random()
    if mode < 0.3:  # each side its own stroke, any order and direction, crossing or short at corners
        strokes = [_extend(side, rng.uniform(-0.06, 0.14), rng.uniform(-0.06, 0.14)) for side in sides]
        strokes = [s[::-1] if rng.random() < 0.5 else s for s in strokes]
        return [strokes[i] for i in rng.permutation(count)]
    start = int(rng.integers(count))
    loop = np.concatenate([sides[(start + i) % count][:-1] for i in range(count)])
    loop = _round_corners(loop, rng)
    if rng.random() < 0.5:
        loop = loop[::-1]
    loop = np.roll(loop, -int(rng.integers(len(loop))) if rng.random() < 0.3 else 0, axis=0)
    closed = np.concatenate([loop, loop[:1]])
    closed = _extend(closed, 0.0, rng.uniform(-0.12, 0.2))
    if mode < 0.45:  # two strokes: split somewhere along the way
        cut = int(len(closed) * rng.uniform(0.3, 0.7))
        return [closed[: cut + 1], closed[cut:]]
    return [closed]


def _side(
    start: np.ndarray, end: np.ndarray, centre: np.ndarray, bulge: float, rng: np.random.Generator
) -> np.ndarray:
    """A side as a slightly bowed line (outward by `bulge` of its length, plus chance), every `_STEP`."""
    length = float(np.linalg.norm(end - start))
    t = np.linspace(0, 1, max(3, int(length / _STEP)))[:, None]
    normal = np.array([-(end - start)[1], (end - start)[0]]) / max(length, 1e-9)
    if normal @ ((start + end) / 2 - centre) < 0:
        normal = -normal
    bow = (bulge + rng.normal(0, 0.025)) * length * np.sin(np.pi * t)
    return start + (end - start) * t + bow * normal


def _round_corners(loop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Smooths a closed loop with a circular Gaussian, from sharp corners to well rounded ones."""
    if rng.random() < 0.45:
        return loop
    sigma = (0.01 + 0.06 * rng.random() ** 2) / _STEP  # mostly slight, now and then well rounded
    radius = int(3 * sigma)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    wrapped = np.concatenate([loop[-radius:], loop, loop[:radius]])
    return np.stack([np.convolve(wrapped[:, k], kernel, mode="valid") for k in range(2)], axis=1)


def _extend(path: np.ndarray, before: float, after: float) -> np.ndarray:
    """Lengthens (positive) or shortens (negative) a path at both ends by the given distances."""
    path = _trim_or_grow(path, after)
    return _trim_or_grow(path[::-1], before)[::-1]


def _trim_or_grow(path: np.ndarray, distance: float) -> np.ndarray:
    if distance >= 0:
        direction = path[-1] - path[max(0, len(path) - 4)]
        norm = float(np.linalg.norm(direction))
        if norm < 1e-9 or distance == 0:
            return path
        steps = np.arange(1, max(2, int(distance / _STEP)) + 1)[:, None] / max(2, int(distance / _STEP))
        return np.concatenate([path, path[-1] + direction / norm * distance * steps])
    lengths = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    keep = lengths <= lengths[-1] + distance
    return path[keep] if keep.sum() >= 3 else path[:3]


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


_SHAPES = {"circle": _circle, "square": _square, "triangle": _triangle}
