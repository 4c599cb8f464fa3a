"""How long a Cancel takes to be answered in each phase of a Shapes training (the window's first start).

For each phase, a training starts in a thread, Cancel is pressed (an Event set) once the phase has begun,
and the time from the press to `train_task` returning is printed: median and worst of a few runs.

    nice -n 10 python benchmarks/cancel.py [--runs 3]

Phases: making the data (the Quick recipe's 16,500 drawings, over worker processes), building and fitting
(cancel a second into the first epoch) and saving (cancel as the "saving" report arrives). The data
folder is a temporary one; nothing is kept.
"""

from __future__ import annotations

import argparse
import os
import sys
import tempfile
import threading
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import numpy as np  # noqa: E402


def cancel_latency(phase: str) -> float:
    """Runs one training, presses Cancel in `phase`, returns seconds from the press to the return."""
    from model.training.recipes import get_recipe
    from model.training.training import train_task

    stop, pressed = threading.Event(), {}

    def press() -> None:
        pressed["at"] = time.monotonic()
        stop.set()

    def progress(update) -> None:
        if "at" in pressed:
            return
        if phase == "fitting" and update.phase == "training":
            threading.Timer(1.0, press).start()
            pressed["at"] = float("inf")  # armed
        elif phase == "saving" and update.phase == "saving":
            press()

    recipe = get_recipe("quick")
    if phase != "data":
        recipe = recipe.with_overrides(shapes_per_label=300)
    else:
        threading.Timer(3.0, press).start()
    result = train_task("shapes", recipe, epochs=1, progress=progress, should_stop=stop.is_set)
    returned = time.monotonic()
    if not result.cancelled:
        raise SystemExit(f"the {phase} run was not cancelled: {result.status}")
    return returned - pressed["at"]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=3)
    args = parser.parse_args()
    with tempfile.TemporaryDirectory() as folder:
        os.environ["CONVCANVAS_DATA_DIR"] = folder
        print(f"{'phase':<10} {'median s':>9} {'worst s':>8}   (goal: under 2 s)")
        for phase in ("data", "fitting", "saving"):
            times = [cancel_latency(phase) for _ in range(args.runs)]
            print(f"{phase:<10} {np.median(times):9.2f} {max(times):8.2f}")


if __name__ == "__main__":
    main()
