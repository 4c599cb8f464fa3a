"""Scripted hand-drawn-looking drawings (shapes and digits) for `--screenshot` and demos.

Each drawing is a few strokes of control points in a unit box (y down); curves are smoothed with
Catmull-Rom splines, corners stay sharp, and points carry timestamps as a pen moving at a steady pace would.
"""

from __future__ import annotations

import numpy as np

from model.core.strokes import Stroke

# (control points, smooth?) per stroke.
_DRAWINGS: dict[str, list[tuple[list[tuple[float, float]], bool]]] = {
    "square": [([(0.03, 0.04), (0.96, 0.0), (1.0, 0.97), (0.02, 1.0), (0.03, 0.02)], False)],
    "triangle": [([(0.52, 0.0), (1.0, 0.93), (0.0, 0.96), (0.5, 0.03)], False)],
    "0": [([(0.5, 0.0), (0.15, 0.2), (0.05, 0.55), (0.25, 0.95), (0.6, 0.98), (0.9, 0.6), (0.85, 0.2), (0.5, 0.0),
            (0.35, 0.08)], True)],
    "1": [([(0.3, 0.18), (0.55, 0.0), (0.55, 1.0)], False)],
    "2": [([(0.1, 0.25), (0.3, 0.04), (0.6, 0.02), (0.82, 0.2), (0.75, 0.45), (0.4, 0.75), (0.08, 0.99)], True),
          ([(0.08, 0.99), (0.92, 0.97)], False)],
    "3": [([(0.12, 0.1), (0.45, 0.0), (0.78, 0.12), (0.72, 0.36), (0.4, 0.47), (0.8, 0.6), (0.82, 0.87),
            (0.45, 1.0), (0.1, 0.9)], True)],
    "4": [([(0.62, 0.0), (0.05, 0.66), (0.92, 0.66)], False), ([(0.64, 0.3), (0.64, 1.0)], False)],
    "5": [([(0.82, 0.01), (0.22, 0.0), (0.16, 0.45)], False),
          ([(0.16, 0.45), (0.5, 0.37), (0.82, 0.55), (0.8, 0.86), (0.48, 1.0), (0.12, 0.9)], True)],
    "6": [([(0.72, 0.02), (0.38, 0.22), (0.15, 0.62), (0.25, 0.93), (0.55, 0.99), (0.8, 0.8), (0.72, 0.55),
            (0.45, 0.5), (0.18, 0.68)], True)],
    "7": [([(0.05, 0.02), (0.92, 0.0), (0.38, 1.0)], False)],
    "8": [([(0.75, 0.14), (0.5, 0.0), (0.2, 0.12), (0.28, 0.38), (0.72, 0.6), (0.8, 0.87), (0.5, 1.0),
            (0.2, 0.87), (0.28, 0.6), (0.72, 0.38), (0.8, 0.14), (0.72, 0.08)], True)],
    "9": [([(0.8, 0.28), (0.5, 0.46), (0.2, 0.32), (0.28, 0.06), (0.6, 0.0), (0.8, 0.22)], True),
          ([(0.8, 0.22), (0.76, 1.0)], False)],
}
NAMES = ("circle", *_DRAWINGS)
_SAMPLES_PER_SEGMENT = 16
# A relaxed pen moves about one canvas pixel per millisecond.
_MS_PER_PIXEL = 1.0


def demo_drawing(name: str, box: tuple[float, float, float, float], pen_width: float) -> list[Stroke]:
    """Returns a scripted drawing of `name` ("circle", "square", "triangle" or a digit) as strokes.

    Args:
        name: what to draw.
        box: (left, top, width, height) to draw into, in canvas pixels; digits use 60% of the width.
        pen_width: the strokes' width in pixels.
    """
    if name not in NAMES:
        raise ValueError(f"Unknown drawing {name!r}; expected one of: {', '.join(NAMES)}.")
    left, top, width, height = box
    parts = [(_circle(), True)] if name == "circle" else [(np.array(points, np.float64), smooth)
                                                            for points, smooth in _DRAWINGS[name]]
    if name.isdigit():
        left, width = left + width * 0.2, width * 0.6
    strokes, clock = [], 0.0
    for control, smooth in parts:
        if name == "circle":
            unit = control
        else:
            unit = _catmull_rom(control) if smooth else _densify(control)
        xy = unit * (width, height) + (left, top)
        steps = np.r_[0.0, np.cumsum(np.hypot(*np.diff(xy, axis=0).T))] * _MS_PER_PIXEL
        strokes.append(Stroke(np.column_stack([xy, clock + steps]).astype(np.float32), pen_width))
        clock += steps[-1] + 250.0  # the pen lifts between strokes
    return strokes


def _circle() -> np.ndarray:
    # Slightly oval, slightly wobbly, with an overshoot where the stroke closes, as people draw them.
    angles = np.linspace(-0.6 * np.pi, 1.47 * np.pi, 120)
    wobble = 1.0 + 0.025 * np.sin(3 * angles + 0.4)
    return np.column_stack([0.5 + 0.49 * wobble * np.cos(angles), 0.5 + 0.47 * wobble * np.sin(angles)])


def _densify(points: np.ndarray) -> np.ndarray:
    pieces = [np.linspace(a, b, _SAMPLES_PER_SEGMENT, endpoint=False) for a, b in zip(points[:-1], points[1:])]
    return np.vstack(pieces + [points[-1:]])


def _catmull_rom(points: np.ndarray) -> np.ndarray:
    padded = np.vstack([points[:1], points, points[-1:]])
    t = np.linspace(0.0, 1.0, _SAMPLES_PER_SEGMENT, endpoint=False)[:, None]
    pieces = []
    for p0, p1, p2, p3 in zip(padded[:-3], padded[1:-2], padded[2:-1], padded[3:]):
        pieces.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                             + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3))
    return np.vstack(pieces + [points[-1:]])
