"""Per-drawing timings of model.core.preprocessing.preprocess, median and p95, for several canvas sizes.

Each case renders generated shapes (thin and thick pens, anywhere in the frame) at a canvas size and
times preprocess() on each one, as the app does after every stroke.

    nice -n 10 python benchmarks/preprocessing.py [--drawings 200]
"""

from __future__ import annotations

import argparse
import time

import numpy as np

from model.core.preprocessing import preprocess
from model.core.strokes import render_strokes
from model.datasets.shapes import SHAPE_LABELS, generate_drawing

CANVAS_SIZES = [(280, 280), (640, 480), (800, 600), (1000, 1000), (1920, 1080), (4000, 3000)]


def _drawings(size: tuple[int, int], count: int, rng: np.random.Generator) -> list[np.ndarray]:
    images = []
    for index in range(count):
        strokes, (width, height) = generate_drawing(SHAPE_LABELS[index % len(SHAPE_LABELS)], rng)
        scale = min(size[0] / width, size[1] / height)
        images.append(render_strokes(strokes, size[0], size[1], scale=scale))
    return images


def _time(images: list[np.ndarray], repeats: int = 3) -> np.ndarray:
    timings = []
    for image in images:
        best = float("inf")
        for _ in range(repeats):
            start = time.perf_counter()
            preprocess(image)
            best = min(best, time.perf_counter() - start)
        timings.append(best * 1e3)
    return np.array(timings)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--drawings", type=int, default=150, help="drawings per canvas size")
    args = parser.parse_args()
    rng = np.random.default_rng(0)
    print(f"{'canvas':>11}  {'median ms':>9}  {'p95 ms':>7}")
    for size in CANVAS_SIZES:
        count = args.drawings if size[0] * size[1] < 4e6 else max(10, args.drawings // 10)
        timings = _time(_drawings(size, count, rng))
        print(f"{size[0]:>5}x{size[1]:<5}  {np.median(timings):9.2f}  {np.percentile(timings, 95):7.2f}")


if __name__ == "__main__":
    main()
