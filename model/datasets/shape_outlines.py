"""The outlines people mean when they draw a circle, a square or a triangle, as paths in unit space.

What each label covers (the README's table says the same):
- circle: any closed round curve: circles, ovals down to 1:2.2, eggs and lumpy circles, at any tilt,
  traced once, left a little open, run past the start or traced twice.
- square: any four-sided box: squares and rectangles from 1:1 to 1:3, at any rotation (mostly near
  upright), with sides a little skewed, bowed, or drawn as separate strokes.
- triangle: any three-sided figure: equilateral, isosceles, right, obtuse or thin, pointing any way.

Each function returns a list of paths (one per stroke), (N, 2) float arrays spanning about one unit;
`model.datasets.shapes` adds the hand (wobble, simplification, stray marks), the pen, the size and the place.
"""

from __future__ import annotations

import numpy as np

# Unit-space sampling step of a path before wobble (shapes span about 1 unit).
STEP = 0.012


def rotate(points: np.ndarray, angle: float) -> np.ndarray:
    """Rotates (N, 2) points by `angle` radians about the origin."""
    cos, sin = np.cos(angle), np.sin(angle)
    return points @ np.array([[cos, sin], [-sin, cos]])


def circle(rng: np.random.Generator) -> list[np.ndarray]:
    """An oval of any aspect and tilt: open, closed, run past its start or traced twice."""
    aspect = rng.uniform(0.85, 1.0) if rng.random() < 0.45 else rng.uniform(0.45, 0.85)
    loops = rng.uniform(1.5, 2.2) if rng.random() < 0.12 else 1.0
    # Negative: the pen stops short of the start; positive: it runs past it.
    sweep = 2 * np.pi * loops + (rng.uniform(-1.1, 0.9) if rng.random() < 0.35 else rng.uniform(-0.4, 0.5))
    t = np.linspace(0, sweep, max(24, int(sweep / (2 * np.pi) * 110)))
    radius = 1.0 + rng.uniform(-0.14, 0.14) * t / sweep  # ends that miss each other, spirals
    if rng.random() < 0.6:
        radius += _lumps(t, rng)
    for harmonic in (2, 3, 4):
        radius += rng.uniform(0, 0.07 / harmonic) * np.cos(harmonic * t + rng.uniform(0, 2 * np.pi))
    angle = rng.uniform(0, 2 * np.pi) + rng.choice([-1, 1]) * t
    points = np.stack([radius * np.cos(angle), aspect * radius * np.sin(angle)], axis=1)
    if rng.random() < 0.2:  # egg and teardrop shapes
        points[:, 0] *= 1 + rng.uniform(-0.2, 0.2) * points[:, 1]
    points = rotate(points, rng.uniform(0, np.pi)) * 0.5
    if rng.random() < 0.12:  # two arcs, as some people draw a circle
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


def square(rng: np.random.Generator) -> list[np.ndarray]:
    """A box from 1:1 to 1:3, mostly near upright, sometimes turned any way, corners a little off."""
    aspect = float(np.exp(min(abs(rng.normal(0, 0.45)), np.log(3.0)))) if rng.random() < 0.7 else 1.0
    half = np.array([0.5 * aspect, 0.5]) if rng.random() < 0.5 else np.array([0.5, 0.5 * aspect])
    corners = np.array([[-1, -1], [1, -1], [1, 1], [-1, 1]]) * half
    corners += rng.normal(0, rng.uniform(0.01, 0.05), (4, 2)) * half.min() * 2
    if rng.random() < 0.2:  # a side drawn longer than its opposite: a slight trapezoid
        corners[:2, 0] *= rng.uniform(0.8, 1.2)
    # One box in five turned any way was too few: a Quick model read boxes turned 30-60 degrees (diamonds) as
    # "Not sure", a square 45-50% against triangle 35-40%.
    if rng.random() < 0.6:
        tilt = float(np.clip(rng.normal(0, np.radians(8)), -np.radians(25), np.radians(25)))
    else:
        tilt = rng.uniform(0, np.pi / 2)
    return polygon(rotate(corners, tilt) / max(half) / 2, rng)


def triangle(rng: np.random.Generator) -> list[np.ndarray]:
    """A triangle of any kind (equilateral, isosceles, right, obtuse, thin), pointing any way."""
    kind = rng.choice(["equilateral", "isosceles", "right", "any"], p=[0.2, 0.35, 0.2, 0.25])
    if kind == "equilateral":
        angles = np.radians(60 + rng.normal(0, 4, 2))
    elif kind == "isosceles":
        apex = rng.uniform(20, 135)
        angles = np.radians([(180 - apex) / 2] * 2)
    elif kind == "right":
        other = rng.uniform(20, 70)
        angles = np.radians([90 + rng.normal(0, 3), other])
    else:
        first = rng.uniform(20, 130)
        angles = np.radians([first, rng.uniform(max(20, 45 - first), 160 - first)])
    a, b = angles  # base angles at (0, 0) and (1, 0)
    apex_x = np.tan(b) / (np.tan(a) + np.tan(b)) if abs(np.tan(a) + np.tan(b)) > 1e-6 else 0.5
    corners = np.array([[0.0, 0.0], [1.0, 0.0], [apex_x, -apex_x * np.tan(a)]])
    if rng.random() < 0.5:
        corners = corners[rng.permutation(3)]
    # Half sit on their base (or upside down), half at any rotation.
    turn = rng.choice([0.0, np.pi]) + rng.normal(0, 0.1) if rng.random() < 0.5 else rng.uniform(0, 2 * np.pi)
    corners = rotate(corners - corners.mean(axis=0), turn)
    return polygon(corners / float((corners.max(axis=0) - corners.min(axis=0)).max()), rng)


def polygon(corners: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Traces a polygon as a person would: one stroke round, two, or its sides as separate strokes."""
    count = len(corners)
    bulge = rng.uniform(0.02, 0.08) if rng.random() < 0.3 else 0.0  # sides curving outward
    centre = corners.mean(axis=0)
    sides = [_side(corners[i], corners[(i + 1) % count], centre, bulge, rng) for i in range(count)]
    mode = rng.random()
    if mode < 0.3:  # each side its own stroke, any order and direction, crossing or short at corners
        strokes = [_extend(side, rng.uniform(-0.05, 0.16), rng.uniform(-0.05, 0.16)) for side in sides]
        strokes = [s[::-1] if rng.random() < 0.5 else s for s in strokes]
        return [strokes[i] for i in rng.permutation(count)]
    start = int(rng.integers(count))
    ordered = [sides[(start + i) % count] for i in range(count)]
    if rng.random() < 0.15:  # a small loop where the pen turns a corner
        ordered = _loop_a_corner(ordered, rng)
    loop = _round_corners(np.concatenate([side[:-1] for side in ordered]), rng)
    if rng.random() < 0.5:
        loop = loop[::-1]
    closed = np.concatenate([loop, loop[:1]])
    closed = _extend(closed, 0.0, rng.uniform(-0.14, 0.22))
    if mode < 0.45:  # two strokes: split somewhere along the way
        cut = int(len(closed) * rng.uniform(0.3, 0.7))
        return [closed[: cut + 1], closed[cut:]]
    return [closed]


def _side(start: np.ndarray, end: np.ndarray, centre: np.ndarray, bulge: float,
          rng: np.random.Generator) -> np.ndarray:
    """A side as a slightly bowed line (outward by `bulge` of its length, plus chance), every `STEP`."""
    length = float(np.linalg.norm(end - start))
    t = np.linspace(0, 1, max(3, int(length / STEP)))[:, None]
    normal = np.array([-(end - start)[1], (end - start)[0]]) / max(length, 1e-9)
    if normal @ ((start + end) / 2 - centre) < 0:
        normal = -normal
    bow = (bulge + rng.normal(0, 0.025)) * length * np.sin(np.pi * t)
    return start + (end - start) * t + bow * normal


def _loop_a_corner(sides: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Puts a small loop at the end of one side, as a hand that swings round a corner does."""
    index = int(rng.integers(len(sides)))
    side = sides[index]
    direction = side[-1] - side[-2]
    direction /= max(float(np.linalg.norm(direction)), 1e-9)
    radius = rng.uniform(0.02, 0.05)
    turn = rng.choice([-1.0, 1.0])
    normal = turn * np.array([-direction[1], direction[0]])
    angles = np.linspace(0, 2 * np.pi, 24)[1:]
    start_angle = np.arctan2(-normal[1], -normal[0])
    centre = side[-1] + normal * radius
    arc = centre + radius * np.stack([np.cos(start_angle + turn * angles), np.sin(start_angle + turn * angles)], 1)
    return sides[:index] + [np.concatenate([side, arc])] + sides[index + 1:]


def _round_corners(loop: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Smooths a closed loop with a circular Gaussian, from sharp corners to well rounded ones."""
    if rng.random() < 0.45:
        return loop
    sigma = (0.01 + 0.05 * rng.random() ** 2) / STEP  # mostly slight, now and then well rounded
    radius = min(int(3 * sigma), len(loop) // 2)
    kernel = np.exp(-0.5 * (np.arange(-radius, radius + 1) / sigma) ** 2)
    kernel /= kernel.sum()
    wrapped = np.concatenate([loop[-radius:], loop, loop[:radius]]) if radius else loop
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
        steps = max(2, int(distance / STEP))
        return np.concatenate([path, path[-1] + direction / norm * distance * np.arange(1, steps + 1)[:, None] / steps])
    lengths = np.concatenate([[0], np.cumsum(np.linalg.norm(np.diff(path, axis=0), axis=1))])
    keep = lengths <= lengths[-1] + distance
    return path[keep] if keep.sum() >= 3 else path[:3]


OUTLINES = {"circle": circle, "square": square, "triangle": triangle}
