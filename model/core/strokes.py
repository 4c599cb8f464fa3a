"""Drawings as strokes: the canvas records them, the shape generator makes them, both render them.

A drawing is a list of `Stroke`s. Each stroke holds its points as an (N, 3) float array of
x, y (pixels) and t (milliseconds since the drawing began), its pen width in pixels, and whether
it was drawn with the eraser. Nothing here imports Qt, so the generator, the data set store and the
command line share it with the canvas.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import cv2
import numpy as np

# cv2 draws with integer coordinates; this many fractional bits keep antialiased strokes smooth.
_SUBPIXEL_BITS = 4


@dataclass
class Stroke:
    """One continuous movement of the pen.

    Attributes:
        points: float array of shape (N, 3): x, y in pixels and t in milliseconds.
        width: pen width in pixels.
        eraser: True if this stroke erases (paints background) instead of inking.
    """

    points: np.ndarray = field(default_factory=lambda: np.zeros((0, 3), np.float32))
    width: float = 12.0
    eraser: bool = False

    def __post_init__(self) -> None:
        points = np.asarray(self.points, dtype=np.float32)
        if points.ndim != 2 or points.shape[1] not in (2, 3):
            raise ValueError(
                f"Stroke points must have shape (N, 2) or (N, 3) (x, y[, t]); received {points.shape}."
            )
        if points.shape[1] == 2:
            points = np.concatenate([points, np.zeros((len(points), 1), np.float32)], axis=1)
        self.points = points

    def to_dict(self) -> dict:
        """Returns a JSON-ready dict: {"x": [...], "y": [...], "t": [...], "width": w, "eraser": b}."""
        return {
            "x": [round(float(v), 2) for v in self.points[:, 0]],
            "y": [round(float(v), 2) for v in self.points[:, 1]],
            "t": [round(float(v), 1) for v in self.points[:, 2]],
            "width": float(self.width),
            "eraser": bool(self.eraser),
        }

    @classmethod
    def from_dict(cls, value: dict) -> Stroke:
        """Builds a stroke from `to_dict()`'s output (t, width and eraser are optional)."""
        xs, ys = value["x"], value["y"]
        ts = value.get("t") or [0.0] * len(xs)
        if not (len(xs) == len(ys) == len(ts)):
            raise ValueError(
                f"Stroke lists differ in length: x {len(xs)}, y {len(ys)}, t {len(ts)}; they must match."
            )
        points = np.stack([xs, ys, ts], axis=1) if xs else np.zeros((0, 3))
        return cls(points, float(value.get("width", 12.0)), bool(value.get("eraser", False)))


def drawing_bounds(strokes: list[Stroke]) -> tuple[float, float, float, float] | None:
    """Returns (left, top, right, bottom) of the inked strokes including pen width, or None if none."""
    boxes = []
    for stroke in strokes:
        if stroke.eraser or len(stroke.points) == 0:
            continue
        half = stroke.width / 2
        xs, ys = stroke.points[:, 0], stroke.points[:, 1]
        boxes.append((xs.min() - half, ys.min() - half, xs.max() + half, ys.max() + half))
    if not boxes:
        return None
    array = np.array(boxes)
    return float(array[:, 0].min()), float(array[:, 1].min()), float(array[:, 2].max()), float(array[:, 3].max())


def render_strokes(
    strokes: list[Stroke],
    width: int,
    height: int,
    *,
    scale: float = 1.0,
    offset: tuple[float, float] = (0.0, 0.0),
    background: int = 255,
    ink: int = 0,
) -> np.ndarray:
    """Renders strokes as an antialiased grayscale image, dark ink on light by default.

    Args:
        strokes: the drawing.
        width: image width in pixels.
        height: image height in pixels.
        scale: factor applied to coordinates and pen widths (after `offset`).
        offset: (dx, dy) added to the points before scaling.
        background: gray level of the paper.
        ink: gray level of the ink.

    Returns:
        A uint8 array of shape (height, width).
    """
    image = np.full((height, width), background, np.uint8)
    factor = float(1 << _SUBPIXEL_BITS)
    for stroke in strokes:
        if len(stroke.points) == 0:
            continue
        color = background if stroke.eraser else ink
        thickness = max(1, int(round(stroke.width * scale)))
        # Thick pens hide detail finer than a quarter of their width, so fewer points suffice.
        xy = _thin_out((stroke.points[:, :2] + np.asarray(offset, np.float32)) * scale, max(0.75, thickness / 4))
        fixed = np.round(xy * factor).astype(np.int32)
        if len(fixed) == 1:
            center = (int(fixed[0, 0]), int(fixed[0, 1]))
            radius = int(round(thickness / 2 * factor))
            cv2.circle(image, center, max(radius, 1), color, -1, cv2.LINE_AA, _SUBPIXEL_BITS)
        else:
            cv2.polylines(
                image, [fixed.reshape(-1, 1, 2)], False, color, thickness, cv2.LINE_AA, _SUBPIXEL_BITS
            )
    return image


def _thin_out(xy: np.ndarray, spacing: float) -> np.ndarray:
    """Keeps about one point per `spacing` px of path: invisible, and OpenCV draws thick antialiased
    polylines segment by segment."""
    if len(xy) < 3:
        return xy
    steps = np.linalg.norm(np.diff(xy, axis=0), axis=1)
    travelled = np.concatenate([[0.0], np.cumsum(steps)])
    # Keep one point per `spacing` of path length: a cheap, vectorised stand-in for exact spacing.
    keep = np.flatnonzero(np.diff(np.floor(travelled / spacing), prepend=-1.0) > 0)
    if keep[-1] != len(xy) - 1:
        keep = np.append(keep, len(xy) - 1)
    return xy[keep]
