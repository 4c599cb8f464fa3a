"""The sets behind benchmarks/people_digits.py: digits like real people's.

None comes from MNIST's training set or the app's generators.

- "pen": simulated pen-tablet digits like UCI's Pen-Based Recognition of Handwritten Digits. Writers
  (slant, aspect, size, speed, a favourite style per digit: open or closed 4s, 7s with or without a
  bar, 1s plain or with a flag, 9s with straight or curved stems, ...) trace control paths; the pen
  slows in curves and at a stroke's ends, and its position is sampled every 100 ms, so fast writers
  give few, far-apart points and angular polylines. Sometimes simplified (Douglas-Peucker), then drawn
  with OpenCV, dark on white, on canvases of random size, mostly with thin pens.
- "postal": MNIST's TEST digits rendered like USPS scans: cropped, size-normalised to fill 16x16,
  blurred, quantised, sometimes inverted, then upscaled to 16-200 px (nearest or linear).
- "sklearn": the real 8x8 UCI optical digits bundled with scikit-learn (43 writers), upscaled,
  white on black. Needs scikit-learn, a benchmark-only dependency (`pip install scikit-learn`).

`digit_set(kind, per_label, seed)` gives one kind's images and labels; the same seed gives the same set.

The pen simulator is written independently of the app's digit generators and of the other benchmarks'
simulators: its styles and kinematics share no code or data with them.
"""

from __future__ import annotations

from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
KINDS = ("pen", "postal", "sklearn")
DIGITS = tuple(str(digit) for digit in range(10))
MNIST_PATH = ROOT.parent / "shared" / "datasets" / "mnist.npz"

# --- pen-tablet simulator ------------------------------------------------------------------------------

# Tablet sampling period (UCI's pen digits: 100 ms).
SAMPLE_PERIOD_S = 0.1
# Writers per set (UCI's pen digits had 44).
WRITERS = 44
# A writer's pen speed along the path, in digit heights per second (log-uniform).
SPEED_RANGE = (1.0, 3.5)

# Styles: per digit, ways of writing it. A style is a list of strokes; a stroke a list of control points
# (x, y) in a box 6 wide and 10 high, y downwards, through which the pen passes smoothly; a third
# element "c" makes the point a sharp corner.
C = "c"
STYLES = {
    "0": [
        [[(3.5, 0.2), (1.4, 1.2), (0.3, 4.5), (0.8, 8.2), (2.8, 9.9), (4.9, 8.6), (5.8, 5.0), (5.1, 1.5),
          (3.4, 0.0), (2.3, 0.9)]],
        [[(4.2, 0.8), (2.3, 0.2), (0.6, 2.8), (0.5, 7.0), (2.6, 9.9), (5.0, 8.4), (5.7, 4.5), (5.0, 1.6)]],
        [[(3.0, 0.0), (5.0, 1.4), (5.3, 6.0), (3.6, 9.8), (1.2, 8.9), (0.6, 4.2), (1.6, 1.0), (3.4, 0.2)]],
    ],
    "1": [
        [[(3.1, 0.0), (2.8, 10.0)]],
        [[(1.2, 2.2), (3.3, 0.0, C), (3.0, 10.0)]],
        [[(1.0, 2.0), (3.2, 0.0, C), (3.0, 9.8)], [(1.4, 10.0), (4.8, 9.9)]],
    ],
    "2": [
        [[(0.6, 2.2), (2.0, 0.3), (4.2, 0.3), (5.2, 2.3), (4.0, 5.2), (0.3, 9.8, C), (5.9, 9.6)]],
        [[(0.8, 2.0), (2.5, 0.2), (4.6, 0.9), (4.7, 3.4), (2.6, 6.4), (0.8, 9.1), (1.4, 9.9), (2.2, 9.1),
          (1.5, 8.5), (1.0, 9.3), (2.6, 9.9), (4.6, 9.6), (6.0, 9.3)]],
        [[(0.4, 1.0), (2.5, 0.0), (4.6, 0.7), (4.8, 2.6), (0.4, 9.8, C), (3.0, 9.5), (5.9, 9.8)]],
    ],
    "3": [
        [[(0.5, 1.2), (2.5, 0.0), (4.7, 0.8), (4.7, 3.0), (2.6, 4.6), (1.6, 4.8, C), (4.5, 5.5), (5.5, 7.6),
          (4.1, 9.7), (1.6, 9.9), (0.2, 8.5)]],
        [[(0.5, 0.3), (5.3, 0.3, C), (2.2, 4.0, C), (4.5, 4.7), (5.6, 7.0), (4.3, 9.5), (1.8, 9.9), (0.3, 8.6)]],
        [[(0.8, 1.0), (2.8, 0.0), (4.8, 1.2), (4.4, 3.6), (2.4, 4.9), (4.6, 6.0), (5.2, 8.2), (3.2, 9.9),
          (0.5, 8.8)]],
    ],
    "4": [
        [[(1.0, 0.0), (0.4, 6.2, C), (6.0, 6.1)], [(4.5, 0.0), (4.4, 10.0)]],
        [[(4.4, 0.0), (0.2, 6.6, C), (6.0, 6.5)], [(4.5, 0.3), (4.3, 10.0)]],
        [[(0.8, 0.0), (0.6, 4.4), (1.8, 6.0), (4.6, 5.6), (5.0, 0.2, C), (4.8, 10.0)]],
    ],
    "5": [
        [[(1.0, 0.3), (0.7, 4.6, C), (2.6, 3.8), (4.6, 4.5), (5.4, 7.0), (4.0, 9.5), (1.8, 9.9), (0.3, 8.8)],
         [(1.0, 0.3), (5.3, 0.0)]],
        [[(5.3, 0.0), (1.0, 0.2, C), (0.7, 4.6, C), (2.6, 3.8), (4.6, 4.5), (5.4, 7.0), (4.0, 9.5), (1.8, 9.9),
          (0.3, 8.8)]],
        [[(5.0, 0.2), (1.3, 0.3, C), (0.8, 4.3), (3.8, 4.4), (5.3, 6.8), (3.5, 9.6), (0.4, 9.0)]],
    ],
    "6": [
        [[(4.6, 0.3), (2.2, 1.8), (0.6, 5.5), (1.0, 8.8), (3.0, 9.9), (5.0, 8.5), (4.8, 6.0), (2.8, 5.2),
          (0.8, 6.8)]],
        [[(3.8, 0.0), (0.8, 6.5), (1.4, 9.5), (3.6, 9.8), (5.0, 7.8), (3.6, 5.6), (1.2, 6.8)]],
        [[(5.0, 0.8), (3.0, 0.0), (1.2, 2.0), (0.4, 6.0), (1.6, 9.6), (4.2, 9.6), (5.2, 7.3), (3.6, 5.3),
          (1.5, 5.8), (0.6, 7.2)]],
    ],
    "7": [
        [[(0.3, 0.5), (5.7, 0.3, C), (2.4, 10.0)]],
        [[(0.3, 0.5), (5.7, 0.3, C), (2.4, 10.0)], [(1.4, 5.0), (4.8, 4.8)]],
        [[(0.3, 1.8), (0.5, 0.3, C), (5.6, 0.4, C), (3.3, 5.0), (2.2, 10.0)]],
        [[(0.3, 0.6), (5.7, 0.2, C), (4.0, 3.5), (2.8, 6.5), (2.4, 10.0)]],
    ],
    "8": [
        [[(5.0, 1.2), (3.0, 0.0), (0.8, 1.0), (1.0, 3.3), (3.0, 4.8), (5.2, 6.8), (4.6, 9.3), (2.8, 9.9),
          (0.8, 9.0), (0.7, 6.8), (3.0, 4.8), (4.8, 2.8), (4.8, 0.9), (3.2, 0.1)]],
        [[(3.0, 0.0), (1.1, 1.0), (1.1, 3.5), (3.0, 4.6), (4.9, 3.5), (4.9, 1.0), (3.0, 0.0)],
         [(3.0, 4.6), (0.5, 6.0), (0.6, 8.8), (3.0, 10.0), (5.5, 8.8), (5.5, 6.0), (3.0, 4.6)]],
        [[(3.2, 0.0), (0.9, 1.0), (1.2, 3.5), (4.8, 6.3), (4.8, 9.2), (2.8, 9.9), (0.7, 9.0), (0.8, 6.5),
          (4.6, 3.4), (4.8, 1.0), (3.2, 0.0)]],
    ],
    "9": [
        [[(5.0, 1.3), (3.5, 0.1), (1.2, 0.6), (0.4, 2.8), (1.6, 4.6), (4.0, 4.4), (5.3, 2.2), (5.3, 0.2, C),
          (5.0, 10.0)]],
        [[(5.0, 1.3), (3.5, 0.1), (1.2, 0.6), (0.4, 2.8), (1.6, 4.6), (4.0, 4.4), (5.3, 2.2), (5.4, 0.6, C),
          (5.2, 5.0), (4.8, 8.2), (3.6, 9.9), (2.2, 9.6)]],
        [[(5.0, 1.0), (3.0, 0.0), (0.7, 1.0), (0.5, 3.5), (2.5, 5.0), (4.8, 3.8), (5.1, 1.0), (4.2, 0.2)],
         [(5.2, 0.3), (4.9, 10.0)]],
    ],
}


def _spline(points: list[tuple[float, float]], per_span: int = 16) -> np.ndarray:
    """Returns a Catmull-Rom curve through `points` (at least 2), densely sampled."""
    p = np.asarray(points, np.float64)
    if len(p) == 2:
        return np.linspace(p[0], p[1], per_span + 1)
    padded = np.vstack([2 * p[0] - p[1], p, 2 * p[-1] - p[-2]])
    t = np.linspace(0.0, 1.0, per_span, endpoint=False)[:, None]
    pieces = []
    for index in range(len(p) - 1):
        p0, p1, p2, p3 = padded[index:index + 4]
        pieces.append(0.5 * (2 * p1 + (p2 - p0) * t + (2 * p0 - 5 * p1 + 4 * p2 - p3) * t ** 2
                             + (3 * p1 - p0 - 3 * p2 + p3) * t ** 3))
    pieces.append(p[-1:])
    return np.vstack(pieces)


def _stroke_path(stroke: list[tuple]) -> np.ndarray:
    """Returns a stroke's dense path: smooth between corners, sharp at them."""
    path, run = [], [stroke[0][:2]]
    for point in stroke[1:]:
        run.append(point[:2])
        if len(point) > 2 and point[2] == C:
            path.append(_spline(run))
            run = [point[:2]]
    if len(run) > 1:
        path.append(_spline(run))
    return np.vstack(path)


def _arc_lengths(path: np.ndarray) -> np.ndarray:
    steps = np.hypot(*np.diff(path, axis=0).T)
    return np.concatenate([[0.0], np.cumsum(steps)])


def _pen_times(path: np.ndarray, lengths: np.ndarray, speed: float) -> np.ndarray:
    """Returns when the pen passes each path point: slower in tight curves (the 2/3 power law) and at the ends."""
    total = max(lengths[-1], 1e-6)
    heading = np.unwrap(np.arctan2(*np.gradient(path, axis=0).T[::-1]))
    step = np.maximum(np.gradient(lengths), 1e-6)
    curvature = np.abs(np.gradient(heading)) / step
    local = (1.0 + 0.4 * curvature) ** (-1.0 / 3.0)
    # A stroke starts from rest and stops at its end.
    fraction = lengths / total
    envelope = np.clip(np.sin(np.pi * fraction) ** 0.6, 0.2, 1.0)
    velocity = local * envelope
    times = np.concatenate([[0.0], np.cumsum(np.diff(lengths) / (0.5 * (velocity[1:] + velocity[:-1])))])
    # Scaled so the mean speed is the writer's speed.
    return times * (total / speed) / max(times[-1], 1e-9)


def _sample_stroke(path: np.ndarray, speed: float, rng: np.random.Generator) -> np.ndarray:
    """Returns the tablet's samples of one stroke: the pen position every SAMPLE_PERIOD_S."""
    lengths = _arc_lengths(path)
    times = _pen_times(path, lengths, speed)
    duration = times[-1]
    # The first report comes at pen-down; the pen-up position is reported only sometimes.
    stamps = np.arange(0.0, duration, SAMPLE_PERIOD_S)
    if rng.random() < 0.6 or len(stamps) < 2:
        stamps = np.append(stamps, duration)
    return np.stack([np.interp(stamps, times, path[:, axis]) for axis in (0, 1)], axis=1)


def _trim_end(path: np.ndarray, fraction: float) -> np.ndarray:
    """Drops the last `fraction` of a path's length."""
    lengths = _arc_lengths(path)
    keep = lengths <= (1.0 - fraction) * lengths[-1]
    return path[keep] if keep.sum() >= 2 else path


def _jitter_style(style: list[list[tuple]], rng: np.random.Generator, amount: float) -> list[list[tuple]]:
    """Moves each control point a little (one writing of a style is never like another)."""
    return [[(x + rng.normal(0, amount), y + rng.normal(0, amount), *rest) for x, y, *rest in stroke]
            for stroke in style]


def _writer(rng: np.random.Generator) -> dict:
    """Draws one writer's habits: slant, proportions, speed and a favourite style per digit."""
    return {
        "slant": rng.normal(0.12, 0.15),  # shear: x moves right by slant per unit of height upwards
        "aspect": float(np.exp(rng.normal(0.0, 0.25))),
        "speed": float(np.exp(rng.uniform(*np.log(SPEED_RANGE)))),
        "care": rng.uniform(0.2, 0.7),  # control-point jitter, in units of the 10-high box
        "hurry": rng.uniform(0.0, 0.1),  # how much of a stroke's end a fast writer may leave out
        "styles": {digit: int(rng.integers(len(styles))) for digit, styles in STYLES.items()},
        "simplify": rng.random() < 0.3,
    }


def pen_strokes(digit: str, writer: dict, rng: np.random.Generator) -> list[np.ndarray]:
    """Returns one digit as a writer writes it: the tablet's sampled points per stroke, in digit heights."""
    index = writer["styles"][digit] if rng.random() < 0.8 else int(rng.integers(len(STYLES[digit])))
    style = _jitter_style(STYLES[digit][index], rng, writer["care"])
    angle = rng.normal(0.0, 0.05)
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    speed = writer["speed"] * float(np.exp(rng.normal(0.0, 0.15)))
    strokes = []
    for number, stroke in enumerate(style):
        path = _stroke_path(stroke) / 10.0
        if rng.random() < 0.5:  # the pen lifts early: loops stay open
            path = _trim_end(path, rng.uniform(0.0, writer["hurry"]))
        if number:  # a later stroke lands a little off where the first one put it
            path += rng.normal(0.0, writer["care"] / 10.0, 2)
        path[:, 0] = (path[:, 0] - 0.3) * writer["aspect"] + writer["slant"] * (1.0 - path[:, 1])
        samples = _sample_stroke(path @ rotation.T, speed, rng)
        samples += rng.normal(0.0, 0.003, samples.shape)  # tablet noise
        strokes.append(samples)
    return strokes


def _simplify(points: np.ndarray, tolerance: float) -> np.ndarray:
    if len(points) < 3:
        return points
    curve = points.astype(np.float32).reshape(-1, 1, 2)
    return cv2.approxPolyDP(curve, tolerance, closed=False).reshape(-1, 2).astype(np.float64)


def _pen_width(rng: np.random.Generator) -> int:
    """Mostly thin pens (1-4 px), sometimes a thick one."""
    if rng.random() < 0.8:
        return int(rng.choice([1, 2, 3, 4], p=[0.3, 0.3, 0.25, 0.15]))
    return int(rng.integers(5, 13))


def render_pen_digit(strokes: list[np.ndarray], rng: np.random.Generator, simplify: bool = False) -> np.ndarray:
    """Draws sampled strokes as polylines, dark on white, on a canvas of random size and at a random place."""
    width, height = (int(value) for value in rng.integers(90, 420, size=2))
    everything = np.vstack(strokes)
    low, high = everything.min(axis=0), everything.max(axis=0)
    extent = np.maximum(high - low, 1e-3)
    pen = _pen_width(rng)
    target = rng.uniform(0.35, 0.85) * height
    scale = min(target / extent[1], 0.9 * width / extent[0])
    pen = max(1, min(pen, int(target / 6)))
    size = extent * scale
    margin = pen + 2
    left = rng.uniform(margin, max(margin, width - size[0] - margin))
    top = rng.uniform(margin, max(margin, height - size[1] - margin))
    paper = int(rng.integers(225, 256))
    canvas = np.full((height, width), paper, np.uint8)
    ink = int(rng.integers(0, 70))
    shift = 4  # sub-pixel precision for cv2's drawing
    for stroke in strokes:
        points = (stroke - low) * scale + (left, top)
        if simplify:
            points = _simplify(points, rng.uniform(0.5, 2.0))
        fixed = np.round(points * (1 << shift)).astype(np.int32).reshape(-1, 1, 2)
        cv2.polylines(canvas, [fixed], False, ink, pen, cv2.LINE_AA, shift)
    return canvas


def pen_set(count_per_label: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    writers = [_writer(rng) for _ in range(WRITERS)]
    images, labels = [], []
    for digit in DIGITS:
        for _ in range(count_per_label):
            writer = writers[int(rng.integers(WRITERS))]
            strokes = pen_strokes(digit, writer, rng)
            images.append(render_pen_digit(strokes, rng, writer["simplify"]))
            labels.append(digit)
    return images, labels


# --- USPS-like postal scans of MNIST's test digits -----------------------------------------------------

def postal_scan(digit28: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Renders one MNIST digit as a USPS-like scan: filling 16x16, blurred, quantised, then saved larger."""
    ink = digit28.astype(np.float32) / 255.0
    if rng.random() < 0.5:  # USPS strokes are thicker than MNIST's once shrunk to 16 px
        ink = cv2.dilate(ink, np.ones((2, 2), np.uint8))
    ys, xs = np.nonzero(ink > 0.1)
    crop = ink[ys.min():ys.max() + 1, xs.min():xs.max() + 1]
    side = int(rng.choice([14, 15, 16, 16]))  # the longer side fills most or all of the frame
    height, width = crop.shape
    scale = side / max(height, width)
    # USPS's normalisation often widened narrow digits.
    stretch = rng.uniform(1.0, 1.3)
    new_h = min(side, max(1, round(height * scale * (stretch if height < width else 1.0))))
    new_w = min(side, max(1, round(width * scale * (stretch if width < height else 1.0))))
    small = cv2.resize(crop, (new_w, new_h), interpolation=cv2.INTER_AREA)
    frame = np.zeros((16, 16), np.float32)
    top, left = (16 - new_h) // 2, (16 - new_w) // 2
    frame[top:top + new_h, left:left + new_w] = small
    frame = cv2.GaussianBlur(frame, (0, 0), rng.uniform(0.3, 0.8))
    levels = int(rng.choice([8, 16, 32, 256]))
    frame = np.round(frame / max(float(frame.max()), 1e-6) * (levels - 1)) / (levels - 1)
    if rng.random() < 0.5:
        frame = 1.0 - frame  # dark on light
    out = int(rng.integers(16, 201))
    method = cv2.INTER_NEAREST if rng.random() < 0.5 else cv2.INTER_LINEAR
    return cv2.resize((frame * 255).astype(np.uint8), (out, out), interpolation=method)


def postal_set(count_per_label: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    with np.load(MNIST_PATH) as data:
        x_test, y_test = data["x_test"], data["y_test"]
    images, labels = [], []
    for digit in range(10):
        chosen = rng.permutation(np.flatnonzero(y_test == digit))[:count_per_label]
        images += [postal_scan(x_test[index], rng) for index in chosen]
        labels += [str(digit)] * len(chosen)
    return images, labels


# --- scikit-learn's real 8x8 optical digits ------------------------------------------------------------

def sklearn_set(count_per_label: int, rng: np.random.Generator) -> tuple[list[np.ndarray], list[str]]:
    try:
        from sklearn.datasets import load_digits
    except ImportError as error:
        raise SystemExit("The sklearn set needs scikit-learn: pip install scikit-learn") from error
    data = load_digits()
    images, labels = [], []
    for digit in range(10):
        chosen = rng.permutation(np.flatnonzero(data.target == digit))[:count_per_label]
        for index in chosen:
            pixels = (data.images[index] * (255.0 / 16.0)).astype(np.uint8)
            side = int(rng.choice([64, 128]))
            images.append(cv2.resize(pixels, (side, side), interpolation=cv2.INTER_LINEAR))
            labels.append(str(digit))
    return images, labels


def digit_set(kind: str, count_per_label: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    """Returns `count_per_label` images per digit of one kind ("pen", "postal", "sklearn") and their labels.

    sklearn's set holds 174-183 images per digit: asking for more gives all of them.
    """
    makers = {"pen": pen_set, "postal": postal_set, "sklearn": sklearn_set}
    if kind not in makers:
        raise ValueError(f"Unknown kind {kind!r}; expected one of: {', '.join(KINDS)}.")
    rng = np.random.default_rng([seed, KINDS.index(kind)])
    return makers[kind](count_per_label, rng)
