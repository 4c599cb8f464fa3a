"""Every accuracy figure of the "people's drawings" goal in one run, as one table, for a Shapes and a Digits model.

Shapes: benchmarks/people_shapes.py's `evaluate` per kind (finger, doodles, bitmaps) and overall, and
benchmarks/window_shapes.py (shapes drawn with the mouse on the real window, offscreen, in this process).
Digits: benchmarks/people_digits.py's `evaluate` per kind (pen, postal, sklearn; sklearn needs scikit-learn)
and MNIST's test set as `model.datasets.mnist.load_mnist_preprocessed` prepares it, through the app's `Predictor`.
For each set also the answers that are not sure (top probability below `model.network.inference.SURE_PROBABILITY`,
where the app says "Not sure"), and for Shapes a small set of drawings that are none of its shapes (stars,
zigzags, scribbles, hearts, arrows, drawn here with OpenCV) with the share of them flagged not sure (a drawing
`preprocess` finds blank counts as flagged). Each figure is printed beside its goal; "!" marks one below it.

A second pair of models (--old-shapes, --old-digits) adds a column, side by side. Without --shapes or
--digits the app's own models are used (the data folder's). The first run after a change to the preprocessing
builds `load_mnist_preprocessed`'s cache in the data folder, training set included: a minute or two.

    CONVCANVAS_MNIST=/work/shared/datasets/mnist.npz nice -n 10 python benchmarks/people.py
        [--shapes M.keras] [--digits M.keras] [--old-shapes M.keras] [--old-digits M.keras]
        [--per-label 200] [--digits-per-label 100] [--window-per-cell 2] [--no-window]
        [--odd-per-kind 20] [--tasks shapes,digits] [--mnist mnist.npz] [--seed 1]
"""

from __future__ import annotations

import argparse
import os
import shlex
import shutil
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
import people_digits  # noqa: E402
import people_shapes  # noqa: E402

from model.network.inference import SURE_PROBABILITY  # noqa: E402

SHAPES_GOAL, PEN_GOAL, POSTAL_GOAL, MNIST_GOAL = 0.97, 0.98, 0.985, 0.993
ODD_KINDS = ("star", "zigzag", "scribble", "heart", "arrow")
APP_MODEL = "(the app's)"
# The window benchmark's own default seed.
WINDOW_SEED = 7


class _Recorder:
    """Wraps a predictor and keeps every probability row it returns, to count the answers that are not sure."""

    def __init__(self, predictor):
        self.predictor, self.labels, self.rows = predictor, predictor.labels, []

    def predict(self, images: np.ndarray) -> np.ndarray:
        probabilities = self.predictor.predict(images)
        self.rows.append(np.atleast_2d(probabilities))
        return probabilities

    def take_not_sure(self) -> int:
        """How many of the rows returned since the last call were not sure; forgets them."""
        rows, self.rows = self.rows, []
        return int(sum(np.sum(row.max(axis=1) < SURE_PROBABILITY) for row in rows))


# ----- drawings that are none of the Shapes labels -----------------------------------------------------------


def _odd_strokes(kind: str, rng: np.random.Generator) -> list[np.ndarray]:
    """A star, zigzag, scribble, heart or arrow as strokes of (x, y) points, about 1 across, y down."""
    if kind == "star":
        points = int(rng.choice([5, 7]))
        angles = rng.uniform(0, 2 * np.pi) + 2 * np.pi * 2 * np.arange(points + 1) / points
        strokes = [0.5 * np.column_stack([np.cos(angles), np.sin(angles)])]
    elif kind == "zigzag":
        teeth = int(rng.integers(3, 7))
        height = rng.uniform(0.15, 0.5) * (-1) ** np.arange(2 * teeth + 1)
        strokes = [np.column_stack([np.linspace(-0.5, 0.5, 2 * teeth + 1), height])]
    elif kind == "scribble":
        heading = np.cumsum(rng.normal(0, 0.6, int(rng.integers(40, 90))))
        strokes = [np.cumsum(np.column_stack([np.cos(heading), np.sin(heading)]), axis=0)]
    elif kind == "heart":
        t = np.linspace(0, 2 * np.pi, 60)
        strokes = [np.column_stack([16 * np.sin(t) ** 3,
                                    -(13 * np.cos(t) - 5 * np.cos(2 * t) - 2 * np.cos(3 * t) - np.cos(4 * t))])]
    else:
        head = rng.uniform(0.15, 0.35)
        strokes = [np.array([[-0.5, 0.0], [0.5, 0.0]]), np.array([[0.5 - head, -head], [0.5, 0.0], [0.5 - head, head]])]
    angle = rng.normal(0, 0.15) if kind in ("heart", "star") else rng.uniform(-np.pi, np.pi)
    turn = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return [stroke @ turn.T + rng.normal(0, 0.005, stroke.shape) * np.ptp(stroke) for stroke in strokes]


def odd_set(per_kind: int, seed: int) -> tuple[list[np.ndarray], list[str]]:
    """Drawings that are not a circle, square or triangle: dark on white, any size, pen and place."""
    rng = np.random.default_rng([seed, 99])
    images, kinds = [], []
    for kind in ODD_KINDS:
        for _ in range(per_kind):
            strokes = _odd_strokes(kind, rng)
            width, height = (int(side) for side in rng.integers(160, 640, 2))
            pen = int(rng.integers(2, 16))
            points = np.vstack(strokes)
            low, span = points.min(axis=0), max(float(np.ptp(points, axis=0).max()), 1e-6)
            scale = rng.uniform(0.35, 0.9) * (min(width, height) - 2 * pen) / span
            origin = rng.uniform(pen, np.maximum(pen, [width, height] - np.ptp(points, axis=0) * scale - pen))
            canvas = np.full((height, width), int(rng.integers(225, 256)), np.uint8)
            for stroke in strokes:
                fixed = np.round(((stroke - low) * scale + origin) * 16).astype(np.int32).reshape(-1, 1, 2)
                cv2.polylines(canvas, [fixed], False, int(rng.integers(0, 70)), pen, cv2.LINE_AA, 4)
            images.append(canvas)
            kinds.append(kind)
    return images, kinds


# ----- the figures, one column per model ---------------------------------------------------------------------
# A column is {"rows": {row: (text, goal or None, below the goal)}, "notes": [why a figure is missing]}.


def new_column() -> dict:
    return {"rows": {}, "notes": []}


def _accuracy(value: float, count: int, goal: float | None) -> tuple[str, float | None, bool]:
    return f"{value:.1%} of {count}", goal, goal is not None and value < goal


def _count(number: int, total: int) -> tuple[str, None, bool]:
    return f"{number}/{total}", None, False


def _missing(column: dict, row: str, goal: float | None, why: str) -> None:
    column["rows"][row] = ("n/a", goal, False)
    column["notes"].append(f"{row.strip()}: {why}")


def shapes_figures(column: dict, model: str | None, args) -> None:
    """people_shapes per kind and overall, its not-sure counts, and the share of non-shapes flagged not sure."""
    try:
        recorder = _Recorder(people_shapes.load_predictor(model))
    except Exception as error:  # noqa: BLE001 - any load failure becomes a note in the table
        column["notes"].append(f"Shapes model {model or APP_MODEL} not loaded: {error}")
        return
    rows, unsure, counted = column["rows"], {}, []
    for kind in people_shapes.KINDS:
        result = people_shapes.evaluate(None, (kind,), args.per_label, args.seed, predictor=recorder)["kinds"][kind]
        counted.append((result["accuracy"], result["count"]))
        rows[f"Shapes {kind}"] = _accuracy(result["accuracy"], result["count"], SHAPES_GOAL)
        unsure[f"  not sure: {kind}"] = _count(recorder.take_not_sure(), result["count"])
    overall = sum(a * n for a, n in counted) / max(sum(n for _, n in counted), 1)
    rows["Shapes overall"] = _accuracy(overall, sum(n for _, n in counted), SHAPES_GOAL)
    rows.update(unsure)
    images, kinds = odd_set(args.odd_per_kind, args.seed)
    flagged = people_shapes.classify(recorder.predictor, images).max(axis=1) < SURE_PROBABILITY
    rows["Not a shape, flagged not sure"] = (f"{flagged.mean():.0%} of {len(images)}", None, False)
    for kind in ODD_KINDS:
        chosen = np.array(kinds) == kind
        rows[f"  {kind}"] = _count(int(flagged[chosen].sum()), int(chosen.sum()))


def window_figures(column: dict, model: str | None, per_cell: int) -> None:
    """window_shapes run in this process; the data folder it points the app at is restored after."""
    import window_model
    import window_shapes

    saved = {name: os.environ.get(name) for name in ("CONVCANVAS_DATA_DIR", "XDG_CONFIG_HOME")}
    try:
        if model:
            window_model.use_model(model, "shapes")
        records = window_shapes.run(per_cell, WINDOW_SEED)
    except (Exception, SystemExit) as error:  # noqa: BLE001 - a window that fails becomes a note
        _missing(column, "Shapes on the window", SHAPES_GOAL, f"failed: {error}")
        return
    finally:
        if model:  # the copy of the model window_shapes made for the app
            shutil.rmtree(os.environ["CONVCANVAS_DATA_DIR"], ignore_errors=True)
        for name, value in saved.items():
            os.environ.pop(name, None) if value is None else os.environ.__setitem__(name, value)
    right = float(np.mean([r["shown"] == r["label"] for r in records]))
    column["rows"]["Shapes on the window"] = _accuracy(right, len(records), SHAPES_GOAL)
    column["rows"]["  not sure: window"] = _count(sum(r["shown"] == "Not sure" for r in records), len(records))


def digits_figures(column: dict, model: str | None, args, mnist) -> None:
    """people_digits per kind, MNIST's test set, and the not-sure counts of each."""
    try:
        recorder = _Recorder(people_digits.load_predictor(model))
    except Exception as error:  # noqa: BLE001
        column["notes"].append(f"Digits model {model or APP_MODEL} not loaded: {error}")
        return
    rows, unsure = column["rows"], {}
    for kind, goal in (("pen", PEN_GOAL), ("postal", POSTAL_GOAL), ("sklearn", None)):
        try:
            figures = people_digits.evaluate(None, (kind,), args.digits_per_label, args.seed, predictor=recorder)[kind]
        except (Exception, SystemExit) as error:  # noqa: BLE001 - scikit-learn or the MNIST file missing
            _missing(column, f"Digits {kind}", goal, f"skipped: {error}")
            recorder.take_not_sure()
            continue
        rows[f"Digits {kind}"] = _accuracy(figures["accuracy"], figures["count"], goal)
        unsure[f"  not sure: {kind}"] = _count(recorder.take_not_sure(), figures["count"])
    if isinstance(mnist, str):
        _missing(column, "Digits MNIST test", MNIST_GOAL, mnist)
    else:
        x_test, y_test = mnist
        probabilities = np.vstack([recorder.predictor.predict(x_test[begin:begin + 500])
                                   for begin in range(0, len(x_test), 500)])
        guesses = np.array(recorder.predictor.labels)[probabilities.argmax(axis=1)]
        rows["Digits MNIST test"] = _accuracy(float(np.mean(guesses == y_test.astype(str))), len(y_test), MNIST_GOAL)
        unsure["  not sure: MNIST test"] = _count(int(np.sum(probabilities.max(axis=1) < SURE_PROBABILITY)),
                                                 len(y_test))
    rows.update(unsure)


def load_mnist_test(path: str | None):
    """MNIST's preprocessed test set as (images, labels), or a line saying why it could not be had."""
    from model.datasets.mnist import MnistUnavailableError, load_mnist_preprocessed

    try:
        _, (x_test, y_test) = load_mnist_preprocessed(path)
    except (MnistUnavailableError, OSError) as error:
        return f"MNIST not available ({error}); set CONVCANVAS_MNIST or pass --mnist"
    return x_test, y_test


# ----- the table ---------------------------------------------------------------------------------------------


def print_table(columns: dict[str, dict]) -> None:
    """One line per figure (in first-seen order) with its goal, one column per model, then the notes."""
    rows = list(dict.fromkeys(row for column in columns.values() for row in column["rows"]))
    if not rows:
        rows = ["(no figures)"]
    width = max(len(row) for row in rows)
    widths = {name: max([len(name)] + [len(cell[0]) for cell in column["rows"].values()])
              for name, column in columns.items()}
    print(f"{'figure':<{width}}  {'goal':>8}  " + "  ".join(f"{name:>{widths[name]}}  " for name in columns))
    for row in rows:
        cells = {name: column["rows"].get(row) for name, column in columns.items()}
        goal = next((cell[1] for cell in cells.values() if cell and cell[1] is not None), None)
        goal_text = f">= {goal * 100:g}%" if goal else ""
        texts = [f"{cell[0] if cell else '-':>{widths[name]}}" + (" !" if cell and cell[2] else "  ")
                 for name, cell in cells.items()]
        print(f"{row:<{width}}  {goal_text:>8}  " + "  ".join(texts))
    for name, column in columns.items():
        for note in column["notes"]:
            print(f"note ({name}): {note}")
    print(f"'!': below its goal. not sure: top probability < {SURE_PROBABILITY} (the app says \"Not sure\"); "
          "a drawing read as blank counts wrong.")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0],
                                     formatter_class=argparse.RawDescriptionHelpFormatter, epilog=__doc__)
    parser.add_argument("--shapes", help="Shapes model (.keras); default: the app's")
    parser.add_argument("--digits", help="Digits model (.keras); default: the app's")
    parser.add_argument("--old-shapes", help="a second Shapes model, shown in a column beside")
    parser.add_argument("--old-digits", help="a second Digits model, shown in a column beside")
    parser.add_argument("--per-label", type=int, default=200, help="Shapes drawings per shape and kind")
    parser.add_argument("--digits-per-label", type=int, default=100, help="Digits images per digit and kind")
    parser.add_argument("--window-per-cell", type=int, default=2, help="window drawings per label, pen, size, place")
    parser.add_argument("--no-window", action="store_true", help="skip the Shapes on the real window")
    parser.add_argument("--odd-per-kind", type=int, default=20, help="drawings per kind that are not a shape")
    parser.add_argument("--tasks", default="shapes,digits", help="comma-separated: shapes, digits")
    parser.add_argument("--mnist", help="MNIST .npz (default: $CONVCANVAS_MNIST or the app's setting)")
    parser.add_argument("--seed", type=int, default=1, help="seed of the people_shapes and people_digits sets")
    args = parser.parse_args()
    tasks = {task.strip() for task in args.tasks.split(",") if task.strip()}
    if tasks - {"shapes", "digits"} or not tasks:
        parser.error(f"--tasks takes shapes, digits or both; received {args.tasks!r}")
    print("$ python " + shlex.join(sys.argv), flush=True)
    pairs = {"A": (args.shapes, args.digits)}
    if args.old_shapes or args.old_digits:
        pairs["B"] = (args.old_shapes, args.old_digits)
    for name, (shapes, digits) in pairs.items():
        shown = [f"{task} {model or APP_MODEL}" for task, model in (("shapes", shapes), ("digits", digits))
                 if task in tasks and (name == "A" or model)]
        print(f"{name}: " + ", ".join(shown or ["-"]))
    columns = {name: new_column() for name in pairs}
    # Column B holds a task's figures only when that task's old model is given.
    runs = [(name, shapes, digits, name == "A" or bool(shapes), name == "A" or bool(digits))
            for name, (shapes, digits) in pairs.items()]
    for name, shapes, _, with_shapes, _ in runs:
        if "shapes" in tasks and with_shapes:
            shapes_figures(columns[name], shapes, args)
    for name, shapes, _, with_shapes, _ in runs:
        if "shapes" in tasks and with_shapes and not args.no_window:
            window_figures(columns[name], shapes, args.window_per_cell)
    mnist = load_mnist_test(args.mnist) if "digits" in tasks else None
    for name, _, digits, _, with_digits in runs:
        if "digits" in tasks and with_digits:
            digits_figures(columns[name], digits, args, mnist)
    print()
    print_table(columns)


if __name__ == "__main__":
    main()
