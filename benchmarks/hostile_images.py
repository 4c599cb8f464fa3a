"""Hostile inputs to `preprocess`: huge images and solid blobs, old code against new, in one run.

Prints, per input, the median and 95th percentile time and the peak of memory numpy allocated (tracemalloc),
for this tree's `model.core.preprocessing` and for the one at `--old` (read with `git show`, so nothing is checked
out). Goal (issue 19): no input over 100 ms.

    nice -n 10 python benchmarks/hostile_images.py [--old 8868302] [--runs 5]
"""

from __future__ import annotations

import argparse
import importlib
import subprocess
import sys
import tempfile
import time
import tracemalloc
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def inputs() -> dict[str, np.ndarray]:
    """The hostile inputs, and two ordinary canvases for comparison."""
    huge = np.full((10000, 10000), 255, np.uint8)
    cv2.circle(huge, (5000, 5000), 3000, 0, 60)
    blob = np.full((60, 60), 255, np.uint8)
    blob[15:45, 15:45] = 0
    big_blob = np.full((400, 400), 255, np.uint8)
    cv2.circle(big_blob, (200, 200), 150, 0, -1)
    canvas = np.full((560, 720), 255, np.uint8)
    cv2.circle(canvas, (360, 280), 150, 0, 12, cv2.LINE_AA)
    scan = np.full((3000, 4000), 255, np.uint8)
    cv2.circle(scan, (2000, 1500), 1000, 0, 40, cv2.LINE_AA)
    rgba = np.dstack([huge[:6000, :6000]] * 3 + [np.full((6000, 6000), 255, np.uint8)])
    return {"canvas 720x560": canvas, "scan 4000x3000": scan, "solid blob 30x30": blob, "filled disc 300 px": big_blob,
            "gray 10000x10000": huge, "RGB 10000x10000": np.dstack([huge] * 3), "RGBA 6000x6000": rgba}


def old_preprocess(revision: str):
    """`preprocess` as it was at `revision`, with its `ink` module, imported from a temporary folder."""
    folder = Path(tempfile.mkdtemp(prefix="old-preprocessing-")) / "old_model"
    folder.mkdir()
    (folder / "__init__.py").write_text("")
    for name in ("preprocessing", "ink"):
        source = _old_source(revision, name)
        for package in ("model.core", "model"):  # model/ was flat before issue 17 grouped it into packages
            source = source.replace(f"from {package} import ink", "from old_model import ink")
        (folder / f"{name}.py").write_text(source)
    sys.path.insert(0, str(folder.parent))
    return importlib.import_module("old_model.preprocessing").preprocess


def _old_source(revision: str, name: str) -> str:
    for path in (f"model/core/{name}.py", f"model/{name}.py"):
        shown = subprocess.run(["git", "-C", str(ROOT), "show", f"{revision}:{path}"], capture_output=True, text=True)
        if shown.returncode == 0:
            return shown.stdout
    raise SystemExit(f"{revision} has no model/core/{name}.py or model/{name}.py; pass an older or newer --old")


def measure(function, image: np.ndarray, runs: int) -> tuple[float, float, float]:
    """Returns (median ms, p95 ms, peak MB allocated by numpy) of `function(image)`."""
    timings = []
    for _ in range(runs):
        start = time.perf_counter()
        function(image)
        timings.append((time.perf_counter() - start) * 1e3)
    tracemalloc.start()
    function(image)
    peak = tracemalloc.get_traced_memory()[1] / 1e6
    tracemalloc.stop()
    return float(np.median(timings)), float(np.percentile(timings, 95)), peak


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--old", default="8868302", help="the revision to compare with (default: before issue 19)")
    parser.add_argument("--runs", type=int, default=5)
    args = parser.parse_args()
    from model.core.preprocessing import preprocess

    old = old_preprocess(args.old)
    print(f"{'input':<20} {'old median':>11} {'old p95':>9} {'old MB':>7}   {'new median':>11} {'new p95':>9} "
          f"{'new MB':>7}")
    for name, image in inputs().items():
        old_figures = measure(old, image, max(1, args.runs // 2) if image.size > 1e7 else args.runs)
        new_figures = measure(preprocess, image, args.runs)
        print(f"{name:<20} {old_figures[0]:>9.1f}ms {old_figures[1]:>7.1f}ms {old_figures[2]:>7.0f}   "
              f"{new_figures[0]:>9.1f}ms {new_figures[1]:>7.1f}ms {new_figures[2]:>7.0f}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
