"""The hand behind benchmarks/people_shapes.py: how a person draws a circle, a square or a triangle.

A plan of ideal strokes (the order and direction people draw sides in, overshoots, gaps, spirals,
retraced strokes) is followed by a pen with mass and spring (rounded corners, lag, overshoot) that
drifts and trembles, with a finger, a mouse or a pen; `quickdraw_strokes` records the result as
Quick, Draw! stores doodles (a 256 px box, the browser's event rate, Ramer-Douglas-Peucker).
Labels: an ellipse of aspect >= 0.5 is a circle, a box of aspect 1:1 to 1:3 at any angle is a square,
any triangle is a triangle.

It is written independently of the app's training generator (model/datasets/shapes.py) and of the older
benchmark hand (benchmarks/hand.py), neither of which it reads; the app never trains on it.
benchmarks/people_shapes_sets.py renders its strokes into images; benchmarks/window_shapes.py draws
them on the real window.
"""

from __future__ import annotations

import cv2
import numpy as np

LABELS = ("circle", "square", "triangle")
# The ideal path is sampled at this spacing, in units of the shape's size; the pen moves one sample per tick.
_STEP = 0.01
# Quick, Draw!'s box and its simplification tolerance, in its pixels.
QD_BOX = 255.0
_QD_EPSILON = 2.0


# ----- plans: the ideal strokes, in a box about 1 wide, y down ----------------------------------------------


def _rotation(angle: float) -> np.ndarray:
    cos, sin = np.cos(angle), np.sin(angle)
    return np.array([[cos, -sin], [sin, cos]])


def _line(start, end, sag: float = 0.0) -> np.ndarray:
    """A side from `start` to `end`, bowed sideways by `sag` (of its length) at the middle."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    length = float(np.hypot(*(end - start)))
    t = np.linspace(0.0, 1.0, max(2, int(length / _STEP) + 1))[:, None]
    normal = np.array([start[1] - end[1], end[0] - start[0]])
    return start + (end - start) * t + normal * (4 * sag * t * (1 - t))


def _extend(start, end, before: float, after: float) -> tuple[np.ndarray, np.ndarray]:
    """Moves a side's ends outwards (positive) or inwards (negative) by fractions of its length."""
    start, end = np.asarray(start, float), np.asarray(end, float)
    return start - (end - start) * before, end + (end - start) * after


def _chain(corners: list[np.ndarray], rng: np.random.Generator, bow: float) -> np.ndarray:
    """One stroke through the corners in order, each side slightly bowed."""
    sides = [_line(a, b, rng.normal(0, bow))[:-1] for a, b in zip(corners[:-1], corners[1:])]
    return np.vstack(sides + [np.asarray(corners[-1], float)[None]])


def _close_with(corners: list[np.ndarray], rng: np.random.Generator) -> tuple[list[np.ndarray], str]:
    """Returns the closing corner list: back to the start, past it (overshoot) or short of it (gap)."""
    first, second = corners[0], corners[1]
    end = rng.choice(["meet", "overshoot", "gap"], p=[0.45, 0.35, 0.2])
    if end == "meet":
        return corners + [first + rng.normal(0, 0.02, 2)], "closed"
    if end == "overshoot":
        return corners + [first, first + (second - first) * rng.uniform(0.08, 0.35)], "overshoot"
    last = corners[-1]
    return corners + [first + (last - first) * rng.uniform(0.05, 0.2)], "gap"


def _plan_circle(rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    """An ellipse of aspect 0.5-1 drawn as a loop, a spiral, two arcs, or left open."""
    aspect = rng.uniform(0.82, 1.0) if rng.random() < 0.6 else rng.uniform(0.5, 0.82)
    upright = rng.random() < 0.7
    tilt = (rng.choice([0, np.pi / 2]) + rng.normal(0, 0.2)) if upright else rng.uniform(0, np.pi)
    start = -np.pi / 2 + rng.normal(0, 0.7) if rng.random() < 0.7 else rng.uniform(-np.pi, np.pi)
    turn = 1 if rng.random() < 0.4 else -1
    harmonics = [(k, rng.normal(0, 0.045 / k), rng.uniform(0, 2 * np.pi)) for k in (2, 3, 4)]
    style = rng.choice(["loop", "spiral", "arcs"], p=[0.78, 0.12, 0.1])
    notes = [f"aspect {aspect:.2f}", style]

    def ring(begin: float, sweep: float, drift: float) -> np.ndarray:
        theta = begin + np.linspace(0, sweep, max(8, int(abs(sweep) * 0.5 / _STEP)))
        radius = 1 + sum(a * np.cos(k * theta + p) for k, a, p in harmonics) + drift * (theta - begin) / (2 * np.pi)
        points = np.column_stack([0.5 * radius * np.cos(theta), 0.5 * aspect * radius * np.sin(theta)])
        return points @ _rotation(tilt).T

    if style == "loop":
        extra = rng.uniform(-0.45, 0.8)
        notes.append("gap" if extra < 0 else "overlap")
        return [ring(start, turn * (2 * np.pi + extra), rng.normal(0, 0.05))], notes
    if style == "spiral":
        turns = rng.uniform(1.4, 2.1)
        notes[-1] = f"spiral {turns:.1f} turns"
        return [ring(start, turn * 2 * np.pi * turns, rng.normal(0, 0.1))], notes
    first = ring(start, turn * (np.pi + rng.uniform(-0.25, 0.4)), 0.0)
    second = ring(start + rng.normal(0, 0.1), -turn * (np.pi + rng.uniform(-0.25, 0.4)), 0.0)
    return [first, second], notes


def _plan_square(rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    """A box from square to 1:3, maybe skewed or trapezoid, drawn in one to four strokes."""
    ratio = rng.uniform(0.85, 1.18) if rng.random() < 0.5 else rng.uniform(1.18, 3.0)
    width, height = (1.0, 1 / ratio) if rng.random() < 0.65 else (1 / ratio, 1.0)
    top = rng.uniform(0.78, 1.0) if rng.random() < 0.2 else 1.0
    corners = np.array([[-width * top, -height], [width * top, -height], [width, height], [-width, height]]) / 2
    corners += rng.normal(0, 0.03, corners.shape)
    # Mostly upright; some turned any way (a box turned past 45 degrees is one turned less, its sides swapped).
    angle = rng.normal(0, 0.07) if rng.random() < 0.85 else rng.uniform(-np.pi / 4, np.pi / 4)
    corners = corners @ _rotation(angle).T
    notes = [f"{max(width, height) / min(width, height):.1f}:1", f"turned {np.degrees(angle):.0f} deg"]
    if top < 1:
        notes.append("trapezoid")
    strokes, how = _box_strokes(list(corners), rng)
    return strokes, notes + [how]


def _box_strokes(corners: list[np.ndarray], rng: np.random.Generator) -> tuple[list[np.ndarray], str]:
    """The strokes people draw a box with: one, two L-shapes, or four sides in any order."""
    bow = 0.02
    order = rng.choice(["one stroke", "two strokes", "four sides"], p=[0.55, 0.2, 0.25])
    if order == "one stroke":
        start = 0 if rng.random() < 0.65 else int(rng.integers(4))
        step = 1 if rng.random() < 0.6 else -1
        ring = [corners[(start + step * i) % 4] for i in range(4)]
        path, end = _close_with(ring, rng)
        return [_chain(path, rng, bow)], f"one stroke, {end}"
    if order == "two strokes":
        tl, tr, br, bl = corners
        first = _extend(tl, tr, rng.normal(0, 0.04), 0)[0]
        second = _extend(bl, br, 0, rng.normal(0.02, 0.05))[1]
        return [_chain([first, tr, br], rng, bow), _chain([tl, bl, second], rng, bow)], "two L strokes"
    sides = [_extend(corners[i], corners[(i + 1) % 4], *rng.normal(0.03, 0.06, 2)) for i in range(4)]
    sides = [(b, a) if rng.random() < 0.3 else (a, b) for a, b in sides]
    if rng.random() < 0.5:
        sides = [sides[i] for i in rng.permutation(4)]
    return [_line(a, b, rng.normal(0, bow)) for a, b in sides], "four sides"


def _triangle_corners(rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Three corners of a triangle of a random kind, apex first, y down."""
    kind = rng.choice(["isosceles", "right", "obtuse", "thin", "upside down", "scalene"],
                      p=[0.3, 0.18, 0.12, 0.12, 0.1, 0.18])
    if kind in ("isosceles", "upside down", "thin"):
        base = rng.uniform(0.3, 0.5) if kind == "thin" else rng.uniform(0.6, 1.6)
        corners = np.array([[rng.normal(0, 0.08), -0.5], [-base / 2, 0.5], [base / 2, 0.5]])
        if kind == "thin" and rng.random() < 0.4:
            corners = corners[:, ::-1]
        if kind == "upside down":
            corners[:, 1] *= -1
    elif kind == "right":
        width = rng.uniform(0.5, 2.0)
        corners = np.array([[-width / 2, -0.5], [-width / 2, 0.5], [width / 2, 0.5]])
        corners[:, 0] *= rng.choice([-1, 1])
    elif kind == "obtuse":
        height = rng.uniform(0.4, 0.9)
        corners = np.array([[rng.choice([-1, 1]) * rng.uniform(0.55, 0.85), -height / 2],
                            [-0.5, height / 2], [0.5, height / 2]])
    else:
        corners = rng.uniform(-0.5, 0.5, (3, 2))
    return corners, kind


def _smallest_angle(corners: np.ndarray) -> float:
    angles = []
    for i in range(3):
        a, b = corners[(i + 1) % 3] - corners[i], corners[(i + 2) % 3] - corners[i]
        cosine = a @ b / max(np.hypot(*a) * np.hypot(*b), 1e-9)
        angles.append(np.degrees(np.arccos(np.clip(cosine, -1, 1))))
    return min(angles)


def _plan_triangle(rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    """A triangle of any proportion, mostly upright, drawn in one to three strokes."""
    corners, kind = _triangle_corners(rng)
    while _smallest_angle(corners) < 16:
        corners, kind = _triangle_corners(rng)
    angle = rng.normal(0, 0.1) if rng.random() < 0.85 else rng.uniform(-np.pi, np.pi)
    corners = (corners + rng.normal(0, 0.02, corners.shape)) @ _rotation(angle).T
    corners /= float(np.max(np.ptp(corners, axis=0)))
    notes = [kind, f"turned {np.degrees(angle):.0f} deg"]
    strokes, how = _triangle_strokes(list(corners), rng)
    return strokes, notes + [how]


def _triangle_strokes(corners: list[np.ndarray], rng: np.random.Generator) -> tuple[list[np.ndarray], str]:
    """One stroke round, a peak and then the base, or three sides; sometimes one side overshoots long."""
    bow = 0.025
    apex, left, right = corners if rng.random() < 0.6 else [corners[i] for i in (1, 2, 0)]
    order = rng.choice(["one stroke", "peak and base", "three sides"], p=[0.6, 0.2, 0.2])
    long_side = rng.random() < 0.3
    if order == "one stroke":
        ring = [apex, left, right] if rng.random() < 0.6 else [apex, right, left]
        path, end = _close_with(ring, rng)
        if long_side:
            path[-1] = path[-2] + (path[-1] - path[-2]) * rng.uniform(1.1, 1.35)
        return [_chain(path, rng, bow)], f"one stroke, {end}" + (", long end" if long_side else "")
    sides = [(apex, left), (apex, right), (left, right)] if order == "peak and base" else \
        [(corners[i], corners[(i + 1) % 3]) for i in range(3)]
    sides = [_extend(a, b, *rng.normal(0.03, 0.05, 2)) for a, b in sides]
    if long_side:
        pick = int(rng.integers(len(sides)))
        sides[pick] = _extend(*sides[pick], 0.0, rng.uniform(0.1, 0.3))
    if order == "peak and base":
        peak = _chain([sides[0][1], apex, sides[1][1]], rng, bow)
        return [peak, _line(*sides[2], rng.normal(0, bow))], order + (", long side" if long_side else "")
    return [_line(a, b, rng.normal(0, bow)) for a, b in sides], order + (", long side" if long_side else "")


_PLANS = {"circle": _plan_circle, "square": _plan_square, "triangle": _plan_triangle}


def _retrace(strokes: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """Sketchy drawing: one stroke, or a part of it, drawn again over itself."""
    source = strokes[int(rng.integers(len(strokes)))]
    share = rng.uniform(0.35, 1.0)
    begin = int(rng.integers(0, max(1, int(len(source) * (1 - share)))))
    again = source[begin:begin + max(2, int(len(source) * share))] + rng.normal(0, 0.02, 2)
    return strokes + [again[::-1] if rng.random() < 0.4 else again]


# ----- the hand: a pen with mass on a spring, drifting and trembling --------------------------------------------


def person(device: str, rng: np.random.Generator) -> dict:
    """One person's hand on a device ("finger", "mouse" or "pen"): stiffness, damping, drift, tremor."""
    ranges = {"finger": ((0.1, 0.3), (0.65, 1.0), (0.004, 0.02), (0.0005, 0.002), 0.25, 0.0),
              "mouse": ((0.05, 0.25), (0.45, 0.9), (0.006, 0.03), (0.0, 0.001), 0.06, 0.08),
              "pen": ((0.15, 0.35), (0.7, 1.0), (0.002, 0.01), (0.0, 0.0008), 0.1, 0.02)}[device]
    stiffness, damping, drift, tremor, sketchy, stray = ranges
    return {"stiffness": rng.uniform(*stiffness), "damping": rng.uniform(*damping), "drift": rng.uniform(*drift),
            "tremor": rng.uniform(*tremor), "sketchy": sketchy, "stray": stray}


def _follow(target: np.ndarray, hand: dict, rng: np.random.Generator) -> np.ndarray:
    """The pen's positions, one per tick, as it chases the target path: corners round off, ends lag or fly on."""
    stiffness = hand["stiffness"]
    friction = 2 * hand["damping"] * np.sqrt(stiffness)
    settle = int(rng.integers(0, 10))
    target = np.vstack([target, np.repeat(target[-1:], settle, axis=0)])
    memory = 0.96
    kicks = rng.normal(0, hand["drift"] * np.sqrt(1 - memory ** 2), target.shape)
    drift = rng.normal(0, hand["drift"], 2)
    position = target[0].copy()
    velocity = (target[min(1, len(target) - 1)] - target[0]) * rng.uniform(0, 1)
    out = np.empty_like(target)
    for tick, (goal, kick) in enumerate(zip(target, kicks)):
        drift = memory * drift + kick
        velocity += stiffness * (goal + drift - position) - friction * velocity
        position = position + velocity
        out[tick] = position
    return out + rng.normal(0, hand["tremor"] + 1e-9, out.shape)


def _stray(paths: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """A stray dot or short tick near the drawing."""
    points = np.vstack(paths)
    low, high = points.min(axis=0), points.max(axis=0)
    spot = rng.uniform(low - 0.05, high + 0.05)
    length = rng.choice([0.0, rng.uniform(0.03, 0.08)])
    direction = _rotation(rng.uniform(0, 2 * np.pi)) @ np.array([length, 0.0])
    return paths + [np.array([spot, spot + direction + 1e-3])]


def stroke_paths(label: str, device: str, rng: np.random.Generator) -> tuple[list[np.ndarray], str]:
    """Hand-drawn pen paths (one point per tick, y down, about 1 across) for a shape, and how it was drawn.

    Args:
        label: "circle", "square" or "triangle".
        device: "finger", "mouse" or "pen": how fast, steady and sketchy the hand is.
        rng: the random generator.

    Returns:
        The strokes as (N, 2) float arrays in drawing order, and a description of the style.
    """
    hand = person(device, rng)
    strokes, notes = _PLANS[label](rng)
    if rng.random() < hand["sketchy"]:
        strokes = _retrace(strokes, rng)
        notes.append("retraced")
    paths = [_follow(stroke, hand, rng) for stroke in strokes]
    if rng.random() < hand["stray"]:
        paths = _stray(paths, rng)
        notes.append("stray mark")
    notes.append(f"{device} hand k={hand['stiffness']:.2f}")
    return paths, f"{label}: " + ", ".join(notes)


# ----- Quick, Draw! recording: a 256 px box, the browser's event rate, simplification ---------------------------


def quickdraw_strokes(paths: list[np.ndarray], rng: np.random.Generator) -> list[np.ndarray]:
    """The paths as Quick, Draw! stores them: top-left aligned in 0..255, sampled per event, simplified, whole px."""
    points = np.vstack(paths)
    low, span = points.min(axis=0), float(np.max(np.ptp(points, axis=0)))
    every = int(rng.integers(4, 14))  # ticks between mouse events: fast or slow drawing
    strokes = []
    for path in paths:
        sampled = np.vstack([path[::every], path[-1:]])
        scaled = ((sampled - low) * (QD_BOX / max(span, 1e-6))).astype(np.float32)
        simple = cv2.approxPolyDP(scaled.reshape(-1, 1, 2), _QD_EPSILON, False).reshape(-1, 2)
        strokes.append(np.round(simple))
    return strokes
