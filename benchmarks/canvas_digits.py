"""MNIST digits as a canvas would show them: does a digits model survive the trip from MNIST to a canvas?

`rerender_digits` thins each MNIST digit to its centreline and redraws that centreline on a larger
canvas with a uniform pen, from 1 px to 40 px wide, at any size, slant and position, dark ink on
light paper: what a person drawing the same digit in ConvCanvas would hand to `preprocess`.
`main` prints a digits model's accuracy on MNIST's test set as-is and on its re-rendered version,
both through `preprocess`, plus the re-rendered accuracy per pen width.

    nice -n 10 python benchmarks/canvas_digits.py --model MODEL.keras [--limit 2000]
    nice -n 10 python benchmarks/canvas_digits.py            # trains a quick CLASSIC CNN first

Engineer H2's digits benchmark imports `rerender_digits`; keep its name and signature.
"""

from __future__ import annotations

import argparse
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
from model.core.preprocessing import preprocess  # noqa: E402

MNIST_PATH = Path(__file__).resolve().parents[2] / "shared" / "datasets" / "mnist.npz"
PEN_GROUPS = {"thin (1-3 px)": (1, 3), "medium (4-19 px)": (4, 19), "thick (20-40 px)": (20, 40)}
_UPSAMPLE = 4  # the centreline is traced on the digit enlarged this much, for smooth strokes


def rerender_digits(images: np.ndarray, rng: np.random.Generator, *, return_pens: bool = False):
    """Redraws MNIST digits the way people's canvases would show them.

    Args:
        images: uint8 (or float in [0, 1]) array of shape (N, 28, 28), white digits on black.
        rng: random generator for canvas size, pen width, size, slant, rotation and position.
        return_pens: also return each drawing's pen width in pixels.

    Returns:
        A list of N uint8 grayscale canvases (dark ink on light paper, 200-800 px, each its own
        size), and with `return_pens` a float array of pen widths.
    """
    canvases, pens = [], []
    for image in np.asarray(images):
        values = image.astype(np.float32) / (255.0 if image.dtype == np.uint8 else 1.0)
        canvas, pen = _redraw(_centreline(values), rng)
        canvases.append(canvas)
        pens.append(pen)
    return (canvases, np.array(pens)) if return_pens else canvases


def _centreline(digit: np.ndarray) -> np.ndarray:
    """(K, 2) x, y points of the digit's one-pixel skeleton, in 28 px units."""
    large = cv2.resize(digit, None, fx=_UPSAMPLE, fy=_UPSAMPLE, interpolation=cv2.INTER_LINEAR)
    skeleton = _thin(large > 0.4)
    rows, cols = np.nonzero(skeleton)
    return (np.stack([cols, rows], axis=1).astype(np.float32) + 0.5) / _UPSAMPLE


def _thin(mask: np.ndarray) -> np.ndarray:
    """Zhang-Suen thinning, vectorised: the mask's centreline, one pixel wide and connected."""
    image = np.pad(mask, 1).astype(np.uint8)
    while True:
        changed = False
        for step in (0, 1):
            centre = image[1:-1, 1:-1]
            p2, p3, p4 = image[:-2, 1:-1], image[:-2, 2:], image[1:-1, 2:]
            p5, p6, p7 = image[2:, 2:], image[2:, 1:-1], image[2:, :-2]
            p8, p9 = image[1:-1, :-2], image[:-2, :-2]
            ring = [p2, p3, p4, p5, p6, p7, p8, p9, p2]
            neighbours = sum(p.astype(np.int32) for p in ring[:-1])
            transitions = sum(((a == 0) & (b == 1)).astype(np.int32) for a, b in zip(ring[:-1], ring[1:]))
            if step == 0:
                side = (p2 * p4 * p6 == 0) & (p4 * p6 * p8 == 0)
            else:
                side = (p2 * p4 * p8 == 0) & (p2 * p6 * p8 == 0)
            remove = (centre == 1) & (neighbours >= 2) & (neighbours <= 6) & (transitions == 1) & side
            if remove.any():
                centre[remove] = 0
                changed = True
        if not changed:
            return image[1:-1, 1:-1].astype(bool)


def _redraw(points: np.ndarray, rng: np.random.Generator) -> tuple[np.ndarray, float]:
    """Draws the centreline's neighbouring pixels as joined pen segments on a random canvas."""
    width, height = (int(v) for v in rng.integers(200, 801, 2))
    group = rng.choice(list(PEN_GROUPS))
    pen = float(rng.integers(PEN_GROUPS[group][0], PEN_GROUPS[group][1] + 1))
    angle, slant = np.radians(rng.uniform(-12, 12)), rng.uniform(-0.3, 0.3)
    transform = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.array(
        [[rng.uniform(0.85, 1.15), slant], [0, 1]]
    )
    centred = (points - points.mean(axis=0)) @ transform.T
    extent = float(max(np.ptp(centred, axis=0).max(), 1.0))
    # Digit height from small to most of the canvas, but always several pens tall.
    size = max(rng.uniform(0.25, 0.9) * min(width, height), 5 * pen)
    size = min(size, min(width, height) - pen - 2)
    scaled = centred * (size / extent)
    low, high = scaled.min(axis=0) - pen / 2, scaled.max(axis=0) + pen / 2
    room = np.array([width, height]) - (high - low)
    placed = scaled - low + rng.uniform(0, 1, 2) * np.maximum(room, 0)
    canvas = np.full((height, width), 255, np.uint8)
    segments = _segments(points, placed)
    thickness = max(1, int(round(pen)))
    cv2.polylines(canvas, segments, False, 0, thickness, cv2.LINE_AA, 4)
    return canvas, pen


def _segments(grid_points: np.ndarray, placed: np.ndarray) -> list[np.ndarray]:
    """Two-point polylines joining skeleton pixels that touch (8-neighbours), in 1/16 px fixed point."""
    keys = {tuple(np.round(p * _UPSAMPLE - 0.5).astype(int)): i for i, p in enumerate(grid_points)}
    fixed = np.round(placed * 16).astype(np.int32)
    segments = []
    for (x, y), index in keys.items():
        for dx, dy in ((1, 0), (0, 1), (1, 1), (-1, 1)):
            other = keys.get((x + dx, y + dy))
            if other is not None:
                segments.append(np.stack([fixed[index], fixed[other]]).reshape(-1, 1, 2))
    if not segments:  # a lone pixel: a dot
        segments = [np.stack([fixed[0], fixed[0]]).reshape(-1, 1, 2)]
    return segments


def _preprocess_all(images) -> np.ndarray:
    blank = np.zeros((28, 28), np.float32)
    return np.stack([p if (p := preprocess(image)) is not None else blank for image in images])


def _quick_model(seconds: float):
    """A CLASSIC CNN trained on MNIST through preprocess for `seconds`, for want of H2's model."""
    import keras

    from model.network.architecture import CLASSIC, build_model

    with np.load(MNIST_PATH) as data:
        x, y = data["x_train"], data["y_train"]
    x = _preprocess_all(x)[..., None]
    model = build_model(CLASSIC, 10)
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()

    class TimeLimit(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if time.perf_counter() - started > seconds:
                self.model.stop_training = True

    model.fit(x, y, batch_size=128, epochs=50, verbose=0, callbacks=[TimeLimit()])
    return model


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a trained digits model (.keras); without it a quick one is trained")
    parser.add_argument("--limit", type=int, default=2000, help="MNIST test digits to use")
    parser.add_argument("--train-seconds", type=float, default=120.0)
    parser.add_argument("--samples", help="write a PNG of re-rendered digits and what the network sees")
    args = parser.parse_args()
    from model.network.model_store import load_model

    # The app's loader: a model `main.py train` saved names the app's own loss, which plain Keras cannot find.
    model = load_model(path=args.model)[0] if args.model else _quick_model(args.train_seconds)
    with np.load(MNIST_PATH) as data:
        x_test, y_test = data["x_test"][: args.limit], data["y_test"][: args.limit]
    started = time.perf_counter()
    canvases, pens = rerender_digits(x_test, np.random.default_rng(2024), return_pens=True)
    print(f"re-rendered {len(canvases)} digits in {time.perf_counter() - started:.1f} s")
    as_is, redrawn = _preprocess_all(x_test), _preprocess_all(canvases)
    if args.samples:
        tiles = [cv2.resize((v * 255).astype(np.uint8), (56, 56), interpolation=cv2.INTER_NEAREST)
                 for v in redrawn[:40]]
        cv2.imwrite(args.samples, np.vstack([np.hstack(tiles[i:i + 20]) for i in range(0, 40, 20)]))
    predict = lambda x: model.predict(x[..., None], batch_size=256, verbose=0).argmax(axis=1)  # noqa: E731
    right_as_is, right_redrawn = predict(as_is) == y_test, predict(redrawn) == y_test
    print(f"MNIST test as-is, through preprocess: {right_as_is.mean():.2%}")
    print(f"re-rendered canvas-style digits:      {right_redrawn.mean():.2%}")
    for name, (low, high) in PEN_GROUPS.items():
        chosen = (pens >= low) & (pens <= high)
        print(f"  pen {name:>18}: {right_redrawn[chosen].mean():.2%} of {chosen.sum()}")


if __name__ == "__main__":
    main()
