"""Drawings that are none of the Shapes labels: scribbles, zigzags, stars, crosses, waves and lines.

Shapes trains on a few of these with no label (`model.training.losses.NOT_ANY_LABEL`), so a drawing that is no
circle, square or triangle gets no convincing answer and the app says "Not sure". Paths are in unit
space, like `model.datasets.shape_outlines`; `model.datasets.shapes.make_not_shapes` adds the hand, pen and canvas.
"""

from __future__ import annotations

import numpy as np

from model.datasets.shape_outlines import rotate


def scribble(rng: np.random.Generator) -> list[np.ndarray]:
    """A tangle: a pen turning at random, smoothly, many times over the same small area."""
    count = int(rng.integers(60, 220))
    heading = np.cumsum(rng.normal(0, rng.uniform(0.3, 0.9), count))
    steps = np.stack([np.cos(heading), np.sin(heading)], axis=1) * rng.uniform(0.02, 0.05)
    points = np.cumsum(steps, axis=0)
    return [points - points.mean(axis=0)]


def zigzag(rng: np.random.Generator) -> list[np.ndarray]:
    """A zigzag of 3 to 6 teeth, open enough that a fat pen does not fill it into a box."""
    teeth = int(rng.integers(3, 7))
    x = np.linspace(0, 1, 2 * teeth + 1)
    y = np.where(np.arange(len(x)) % 2 == 0, 0.0, 1.0) * rng.uniform(0.25, 0.6)
    return [_dense(rotate(np.stack([x, y], axis=1) - 0.5, rng.uniform(0, np.pi)))]


def star(rng: np.random.Generator) -> list[np.ndarray]:
    """A star of 5 to 8 points: its outline, or drawn in one line from point to point (a pentagram)."""
    points = int(rng.integers(5, 9))
    if points != 6 and rng.random() < 0.5:  # a six-pointed star cannot be drawn in one line
        # Each line skips to the next point but one (or two, for 8), as a pentagram does; shapes Shapes learns,
        # boxes turned any way among them, have corners in all directions too, so stars need teaching.
        skip = 3 if points == 8 else 2
        angles = np.arange(points + 1) * skip * 2 * np.pi / points
        corners = np.stack([np.cos(angles), np.sin(angles)], axis=1)
    else:
        angles = np.arange(2 * points + 1) * np.pi / points
        radius = np.where(np.arange(2 * points + 1) % 2 == 0, 1.0, rng.uniform(0.3, 0.55))
        corners = np.stack([radius * np.cos(angles), radius * np.sin(angles)], axis=1)
    return [_dense(rotate(corners * 0.5, rng.uniform(0, 2 * np.pi)))]


def cross(rng: np.random.Generator) -> list[np.ndarray]:
    """A plus or an X: two crossing strokes."""
    turn = rng.uniform(0, np.pi)
    first = np.array([[-0.5, 0.0], [0.5, 0.0]])
    second = rotate(first, np.pi / 2 + rng.normal(0, 0.15)) * rng.uniform(0.6, 1.2)
    return [_dense(rotate(first, turn)), _dense(rotate(second, turn))]


def wave(rng: np.random.Generator) -> list[np.ndarray]:
    """A wavy line of one to four waves."""
    x = np.linspace(0, 1, 120)
    y = np.sin(x * 2 * np.pi * rng.uniform(1, 4)) * rng.uniform(0.08, 0.3)
    return [rotate(np.stack([x - 0.5, y], axis=1), rng.uniform(0, np.pi))]


def line(rng: np.random.Generator) -> list[np.ndarray]:
    """One straight or slightly bent line, or two or three parallel ones (never an angle: a triangle's start)."""
    count = int(rng.choice([1, 1, 2, 3]))
    bend = rng.normal(0, 0.05)
    base = np.stack([np.linspace(-0.5, 0.5, 60), bend * np.sin(np.linspace(0, np.pi, 60))], axis=1)
    gap, turn = rng.uniform(0.1, 0.3), rng.uniform(0, np.pi)
    return [rotate(base + [0.0, gap * k], turn) for k in range(count)]


def _dense(corners: np.ndarray, step: float = 0.012) -> np.ndarray:
    """A polyline through the corners, with a point every `step`, so the hand's wobble applies evenly."""
    parts = [np.linspace(a, b, max(2, int(np.linalg.norm(b - a) / step)), endpoint=False)
             for a, b in zip(corners[:-1], corners[1:])]
    return np.concatenate(parts + [corners[-1:]])


NOT_SHAPES = (scribble, zigzag, star, cross, wave, line)
