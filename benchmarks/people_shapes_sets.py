"""The sets behind benchmarks/people_shapes.py: simulated human drawings rendered as image files would hold them.

Three kinds, each modelled on public data sets of real drawings:

- finger: finger drawings on phones and tablets (like the Hand-Drawn Shapes data set): ovals down to 1:2,
  boxes from square to 1:3, triangles of every proportion, some turned, sketchy (retraced strokes) or left
  open, often small in a larger photo-like image, with a thick pen, grey paper, blur or JPEG artefacts.
- doodles: quick mouse or touch doodles (like Quick, Draw!): strokes recorded in a 256 px box at the
  browser's event rate and simplified with Ramer-Douglas-Peucker, so a circle is a polygon of a dozen
  vertices; overshoots, gaps, spirals, sides drawn as separate strokes, now and then a stray dot or tick;
  rendered on canvases of any size with any pen width, anywhere, some light ink on dark or transparent.
- bitmaps: the same doodles as Quick, Draw!'s 28x28 bitmaps: white on black, rendered at 256 px with a
  thick line, the drawing touching the frame, reduced with area averaging.

The strokes come from the hand in benchmarks/people_shapes_hand.py. Like it, this module is written
independently of the app's training generator (model/datasets/shapes.py) and of the older benchmark hand
(benchmarks/hand.py), neither of which it reads; the app never trains on these drawings. It also holds
`write_set` (the drawings as PNG files) and `contact_sheet` (a grid of them to look at).
"""

from __future__ import annotations

import os
import sys
import tempfile
from dataclasses import dataclass
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from people_shapes_hand import LABELS, QD_BOX, quickdraw_strokes, stroke_paths  # noqa: E402

KINDS = ("finger", "doodles", "bitmaps")


@dataclass
class Example:
    """One simulated drawing: the image a file would hold, its label and how it was drawn."""

    image: np.ndarray
    label: str
    description: str


# ----- rendering -----------------------------------------------------------------------------------------------


def _draw(mask: np.ndarray, points: np.ndarray, width: float) -> None:
    """Draws a stroke of a round pen on a uint8 coverage mask, to a sixteenth of a pixel."""
    fixed = np.round(points * 16).astype(np.int32)
    thickness = max(1, int(round(width)))
    if len(fixed) < 2 or np.all(fixed == fixed[0]):
        cv2.circle(mask, tuple(int(v) for v in fixed[0]), max(1, int(round(width * 8))), 255, -1, cv2.LINE_AA, 4)
        return
    cv2.polylines(mask, [fixed.reshape(-1, 1, 2)], False, 255, thickness, cv2.LINE_AA, 4)


def _draw_pressed(mask: np.ndarray, points: np.ndarray, width: float, rng: np.random.Generator) -> None:
    """Draws a finger stroke whose width swells and thins along it."""
    if len(points) < 3:
        _draw(mask, points, width)
        return
    phase, speed = rng.uniform(0, 2 * np.pi), rng.uniform(0.5, 2.5)
    t = np.linspace(0, 1, len(points))
    widths = width * (1 + 0.18 * np.sin(2 * np.pi * speed * t + phase))
    for i in range(0, len(points) - 1, 2):
        _draw(mask, points[i:i + 3], widths[i])


def place_paths(paths: list[np.ndarray], size: tuple[int, int], extent: float, pen: float,
           anchor: tuple[float, float]) -> list[np.ndarray]:
    """Scales the paths so their longer side is `extent` px (ink included) and puts them at `anchor` (0..1)."""
    width, height = size
    points = np.vstack(paths)
    low, span = points.min(axis=0), np.ptp(points, axis=0)
    scale = max(extent - pen, 1.0) / max(float(span.max()), 1e-6)
    room = np.array([width, height]) - span * scale - pen - 2
    origin = 1 + pen / 2 + np.clip(np.array(anchor), 0, 1) * np.maximum(room, 0)
    return [(path - low) * scale + origin for path in paths]


def _compose(mask: np.ndarray, paper, ink) -> np.ndarray:
    """Ink over paper by coverage; paper and ink are gray levels, RGB triples or per-pixel arrays."""
    alpha = (mask.astype(np.float32) / 255)[..., None] if np.ndim(paper) == 1 or np.ndim(ink) == 1 \
        else mask.astype(np.float32) / 255
    return np.clip(np.asarray(paper, np.float32) * (1 - alpha) + np.asarray(ink, np.float32) * alpha, 0, 255)


def _anchor(rng: np.random.Generator) -> tuple[tuple[float, float], str]:
    where = rng.choice(["centre", "anywhere", "edge", "corner"], p=[0.35, 0.35, 0.15, 0.15])
    if where == "centre":
        return tuple(rng.normal(0.5, 0.05, 2)), where
    if where == "anywhere":
        return tuple(rng.uniform(0, 1, 2)), where
    if where == "edge":
        axis = int(rng.integers(2))
        anchor = rng.uniform(0, 1, 2)
        anchor[axis] = rng.choice([0.0, 1.0])
        return tuple(anchor), where
    return tuple(rng.choice([0.0, 1.0], 2)), where


def render_finger(paths: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A finger drawing in a phone-sized image: thick pen, often small in the frame, grey paper, blur or JPEG."""
    short = int(np.exp(rng.uniform(np.log(70), np.log(1000))))
    long = int(short * (rng.uniform(1.0, 1.8) if rng.random() < 0.5 else 1.0))
    size = (short, long) if rng.random() < 0.5 else (long, short)
    extent = short * (rng.uniform(0.3, 0.65) if rng.random() < 0.7 else rng.uniform(0.65, 0.95))
    pen = max(1.5, extent * rng.uniform(0.03, 0.11))
    anchor = tuple(rng.uniform(0.1, 0.9, 2)) if rng.random() < 0.7 else tuple(rng.uniform(0, 1, 2))
    mask = np.zeros(size[::-1], np.uint8)
    for path in place_paths(paths, size, extent, pen, anchor):
        _draw_pressed(mask, path, pen, rng)
    paper = _paper(size, rng)
    ink = rng.uniform(0, 70) + rng.normal(0, 8, 3)
    image = _compose(mask, paper, ink)
    notes = f"{size[0]}x{size[1]} image, shape {extent / short:.0%}, pen {pen:.1f} px"
    image, finish = _finish_photo(image, rng)
    return image, notes + finish


def _paper(size: tuple[int, int], rng: np.random.Generator) -> np.ndarray:
    """White or greyish paper with a gentle gradient and a slight tint, as RGB floats."""
    width, height = size
    level = rng.uniform(200, 245) if rng.random() < 0.35 else rng.uniform(240, 255)
    across, down = rng.normal(0, 6, 2)
    ramp = np.linspace(-1, 1, width)[None, :] * across + np.linspace(-1, 1, height)[:, None] * down
    tint = rng.normal(0, 3, 3)
    return np.clip(level + ramp[..., None] + tint, 0, 255)


def _finish_photo(image: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Sensor noise, blur and JPEG, each now and then; returns uint8 RGB and what was done."""
    notes = ""
    if rng.random() < 0.3:
        image = image + rng.normal(0, rng.uniform(1, 4), image.shape)
        notes += ", noise"
    if rng.random() < 0.2:
        image = cv2.GaussianBlur(image, (0, 0), rng.uniform(0.5, 1.2))
        notes += ", blur"
    image = np.clip(image, 0, 255).astype(np.uint8)
    if rng.random() < 0.3:
        quality = int(rng.integers(35, 90))
        ok, data = cv2.imencode(".jpg", image[..., ::-1], [cv2.IMWRITE_JPEG_QUALITY, quality])
        image = cv2.imdecode(data, cv2.IMREAD_COLOR)[..., ::-1].copy()
        notes += f", JPEG q{quality}"
    return image, notes


def render_doodle(strokes: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """A Quick, Draw! doodle on a canvas of any size, with any pen, at any size and place."""
    size = (int(rng.integers(200, 1201)), int(rng.integers(200, 1201)))
    short = min(size)
    pen = float(np.exp(rng.uniform(0, np.log(40))))
    extent = short * float(np.exp(rng.uniform(np.log(0.06), np.log(0.98))))
    extent = min(max(extent, 7 * pen, 16.0), 0.98 * short)
    pen = min(pen, extent / 7)
    anchor, where = _anchor(rng)
    mask = np.zeros(size[::-1], np.uint8)
    for path in place_paths(strokes, size, extent, pen, anchor):
        _draw(mask, path, pen)
    image, colours = _doodle_colours(mask, rng)
    return image, f"{size[0]}x{size[1]} canvas, shape {extent / short:.0%} at {where}, pen {pen:.1f} px, {colours}"


def _doodle_colours(mask: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Dark ink on white (gray or coloured), light ink on dark, or a transparent canvas export."""
    scheme = rng.choice(["gray", "colour", "light on dark", "transparent"], p=[0.5, 0.25, 0.12, 0.13])
    if scheme == "gray":
        return _compose(mask, rng.uniform(235, 255), rng.uniform(0, 60)).astype(np.uint8), "dark on white"
    if scheme == "colour":
        ink = rng.uniform(0, 1, 3) * rng.uniform(60, 160)
        return _compose(mask, np.full(3, rng.uniform(240, 255)), ink).astype(np.uint8), "coloured ink"
    if scheme == "light on dark":
        return _compose(mask, rng.uniform(0, 50), rng.uniform(200, 255)).astype(np.uint8), "light on dark"
    rgba = np.zeros(mask.shape + (4,), np.uint8)
    rgba[..., :3] = rng.integers(0, 60)
    rgba[..., 3] = mask
    return rgba, "transparent"


def render_bitmap(strokes: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Quick, Draw!'s 28x28 bitmap: rendered white on black at 256 px, touching the frame, area-reduced."""
    line = rng.uniform(8, 16)
    centred = rng.random() < 0.5
    inset = line / 2 if rng.random() < 0.5 else 0.0  # lines wholly inside the frame, or cut by it
    points = np.vstack(strokes) * ((QD_BOX - 2 * inset) / QD_BOX) + inset
    shift = (QD_BOX - inset - points.max(axis=0)) / 2 if centred else np.zeros(2)
    mask = np.zeros((256, 256), np.uint8)
    for stroke in strokes:
        _draw(mask, stroke * ((QD_BOX - 2 * inset) / QD_BOX) + inset + shift, line)
    small = cv2.resize(mask, (28, 28), interpolation=cv2.INTER_AREA)
    where = "centred" if centred else "top-left"
    return small, f"28x28 bitmap, line {line:.0f}/256, {where}, {'inside' if inset else 'cut by'} the frame"


# ----- the sets ----------------------------------------------------------------------------------------------


def draw_example(kind: str, label: str, rng: np.random.Generator) -> Example:
    """One simulated drawing of `label` of the given kind."""
    if kind == "finger":
        paths, style = stroke_paths(label, "finger", rng)
        image, canvas = render_finger(paths, rng)
    elif kind in ("doodles", "bitmaps"):
        paths, style = stroke_paths(label, "mouse" if rng.random() < 0.7 else "finger", rng)
        strokes = quickdraw_strokes(paths, rng)
        vertices = sum(len(stroke) for stroke in strokes)
        style += f", {len(strokes)} strokes, {vertices} points"
        image, canvas = (render_doodle if kind == "doodles" else render_bitmap)(strokes, rng)
    else:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; received {kind!r}.")
    return Example(image, label, f"{style}; {canvas}")


def people_examples(kind: str, per_label: int, seed: int) -> list[Example]:
    """`per_label` drawings of each shape of one kind, labels interleaved; the same seed gives the same set."""
    if kind not in KINDS:
        raise ValueError(f"kind must be one of {', '.join(KINDS)}; received {kind!r}.")
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    return [draw_example(kind, LABELS[index % 3], rng) for index in range(per_label * len(LABELS))]


def people_set(kind: str, per_label: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    """The images (uint8, gray, RGB or RGBA, as a PNG of them would load) and labels of one kind."""
    examples = people_examples(kind, per_label, seed)
    return [example.image for example in examples], [example.label for example in examples]


def _write_png(path: Path, image: np.ndarray) -> None:
    """Writes a PNG through a temporary file in the same folder, so a reader never sees half of it."""
    if image.ndim == 3:
        image = cv2.cvtColor(image, cv2.COLOR_RGBA2BGRA if image.shape[2] == 4 else cv2.COLOR_RGB2BGR)
    ok, data = cv2.imencode(".png", image)
    if not ok:
        raise OSError(f"{path}: could not encode the image.")
    handle, temporary = tempfile.mkstemp(dir=path.parent, suffix=".png.tmp")
    with os.fdopen(handle, "wb") as file:
        file.write(data.tobytes())
    os.replace(temporary, path)


def write_set(folder: str | os.PathLike, kind: str, per_label: int, seed: int) -> list[Path]:
    """Writes one kind's drawings as `<label>_<index>.png` into `folder` and returns the paths."""
    folder = Path(folder)
    folder.mkdir(parents=True, exist_ok=True)
    paths = []
    for index, (image, label) in enumerate(zip(*people_set(kind, per_label, seed))):
        paths.append(folder / f"{label}_{index}.png")
        _write_png(paths[-1], image)
    return paths


# ----- contact sheet ------------------------------------------------------------------------------------------


def _visible(image: np.ndarray) -> np.ndarray:
    """The image as a viewer shows it: RGB, transparent pixels on white."""
    if image.ndim == 2:
        return cv2.cvtColor(image, cv2.COLOR_GRAY2RGB)
    if image.shape[2] == 4:
        alpha = image[..., 3:].astype(np.float32) / 255
        return (image[..., :3] * alpha + 255 * (1 - alpha)).astype(np.uint8)
    return image


def _zoom(image: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """A crop around the ink and the ink's centre (0..1 per axis) when the drawing is small, else None."""
    from model.core.preprocessing import ink_strength

    ys, xs = np.nonzero(ink_strength(image) > 0.2)
    if len(ys) == 0 or max(np.ptp(ys), np.ptp(xs)) > 0.35 * max(image.shape[:2]):
        return None
    margin = 4 + max(np.ptp(ys), np.ptp(xs)) // 10
    crop = image[max(0, ys.min() - margin):ys.max() + margin + 1, max(0, xs.min() - margin):xs.max() + margin + 1]
    return crop, np.array([ys.mean() / image.shape[0], xs.mean() / image.shape[1]])


def _tile(image: np.ndarray, side: int) -> np.ndarray:
    """The image fitted into a gray square tile; a small drawing also zoomed in an inset (red frame) away from it."""
    tile = _fit(_visible(image), side)
    zoom = _zoom(image)
    if zoom is not None:
        inset = cv2.copyMakeBorder(_fit(_visible(zoom[0]), side // 2 - 2), 2, 2, 2, 2, cv2.BORDER_CONSTANT,
                                   value=(220, 0, 0))
        top, left = (0 if centre >= 0.5 else side - inset.shape[0] for centre in zoom[1])
        tile[top:top + inset.shape[0], left:left + inset.shape[1]] = inset
    return tile


def _fit(image: np.ndarray, side: int) -> np.ndarray:
    """An RGB image scaled to fit a gray square tile."""
    height, width = image.shape[:2]
    scale = (side - 6) / max(height, width)
    method = cv2.INTER_NEAREST if scale > 2 else cv2.INTER_AREA
    small = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))), interpolation=method)
    tile = np.full((side, side, 3), 128, np.uint8)
    top, left = (side - small.shape[0]) // 2, (side - small.shape[1]) // 2
    tile[top:top + small.shape[0], left:left + small.shape[1]] = small
    return tile


def contact_sheet(kinds=KINDS, per_cell: int = 8, seed: int = 1, side: int = 140) -> np.ndarray:
    """A grid, one row per kind and label, of `per_cell` drawings each, as RGB."""
    rows = []
    for kind in kinds:
        examples = people_examples(kind, per_cell, seed)
        for label in LABELS:
            tiles = [_tile(e.image, side) for e in examples if e.label == label]
            caption = np.full((side, 110, 3), 255, np.uint8)
            cv2.putText(caption, kind, (6, side // 2 - 6), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
            cv2.putText(caption, label, (6, side // 2 + 16), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 0), 1, cv2.LINE_AA)
            rows.append(np.hstack([caption] + tiles))
    return np.vstack(rows)
