"""Does the Shapes model read circles, squares and triangles drawn the way people draw them?

A held-out test on three kinds of simulated human drawings, each modelled on public data sets of real ones
(benchmarks/people_shapes_sets.py says how):

- finger: finger drawings on phones and tablets (like the Hand-Drawn Shapes data set), often small in a
  photo-like image, with a thick pen, grey paper, blur or JPEG artefacts.
- doodles: quick mouse or touch doodles (like Quick, Draw!), simplified to polygons, on canvases of any
  size with any pen width, anywhere, some light ink on dark or transparent.
- bitmaps: the same doodles as Quick, Draw!'s 28x28 bitmaps.

The shapes come from a hand model of its own (benchmarks/people_shapes_hand.py). It is written
independently of the app's training generator (model/datasets/shapes.py) and of the older benchmark hand
(benchmarks/hand.py), neither of which it reads; the app never trains on it. Labels: an ellipse of
aspect >= 0.5 is a circle, a box of aspect 1:1 to 1:3 at any angle is a square, any triangle is a triangle.

This module holds the evaluation, the report and the command line. Each image goes the command line's
way: the array a PNG of it would load as -> `preprocess` -> the app's `Predictor`, as
`python main.py predict --task shapes` does.

    nice -n 10 python benchmarks/people_shapes.py --model M.keras [--per-label 200] [--seed 1]
        [--kinds finger,doodles,bitmaps] [--write DIR] [--save-examples PNG]
"""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))
sys.path.insert(0, str(Path(__file__).resolve().parent))

import numpy as np  # noqa: E402

# LABELS and people_set are imported for scripts that reach them through this module.
from people_shapes_hand import LABELS  # noqa: E402, F401
from people_shapes_sets import KINDS, Example, _write_png, contact_sheet, people_examples, people_set, write_set  # noqa: E402, F401

NOT_SURE = 0.6


# ----- evaluation --------------------------------------------------------------------------------------------


def load_predictor(model_path: str | None):
    """The Shapes predictor exactly as `python main.py predict --task shapes [--model M]` builds it."""
    from model.network.inference import Predictor
    from model.network.model_store import load_model

    keras_model, info = load_model("shapes", path=model_path)
    return Predictor(keras_model, info.labels)


def classify(predictor, images: list[np.ndarray]) -> np.ndarray:
    """Probabilities per image, (N, labels), through `preprocess`; a blank reading gets all zeros."""
    from model.core.preprocessing import preprocess

    prepared = [preprocess(image) for image in images]
    probabilities = np.zeros((len(images), len(predictor.labels)), np.float32)
    readable = [i for i, image28 in enumerate(prepared) if image28 is not None]
    for begin in range(0, len(readable), 256):
        chunk = readable[begin:begin + 256]
        probabilities[chunk] = predictor.predict(np.stack([prepared[i] for i in chunk]))
    return probabilities


def _score(examples: list[Example], probabilities: np.ndarray, labels: tuple[str, ...]) -> dict:
    """Accuracy, per class accuracy, confusion matrix, not-sure count and the worst reads of one kind."""
    truth = np.array([labels.index(example.label) for example in examples])
    guess = probabilities.argmax(axis=1)
    blank = probabilities.sum(axis=1) == 0
    right = (guess == truth) & ~blank
    confusion = np.zeros((len(labels), len(labels)), int)
    np.add.at(confusion, (truth[~blank], guess[~blank]), 1)
    sureness = probabilities.max(axis=1)
    belief = probabilities[np.arange(len(truth)), truth]
    worst = [{"label": examples[i].label, "guess": "blank" if blank[i] else labels[guess[i]],
              "p_true": float(belief[i]), "description": examples[i].description} for i in np.argsort(belief)[:5]]
    return {"count": len(examples), "accuracy": float(right.mean()),
            "per_class": {label: float(right[truth == i].mean()) for i, label in enumerate(labels)},
            "confusion": confusion.tolist(), "not_sure": int(((sureness < NOT_SURE) & ~blank).sum()),
            "blank": int(blank.sum()), "worst": worst}


def evaluate(model_path: str | None, kinds=KINDS, per_label: int = 200, seed: int = 1, predictor=None) -> dict:
    """Classifies each kind's drawings as the command line would and returns the figures.

    Args:
        model_path: a Shapes model (.keras); None for the app's own.
        kinds: which of "finger", "doodles", "bitmaps".
        per_label: drawings per shape and kind.
        seed: the sets' seed.
        predictor: an already loaded predictor, to skip loading `model_path`.

    Returns:
        {"labels": [...], "accuracy": overall, "kinds": {kind: {"count", "accuracy", "per_class",
        "confusion" (rows true, columns guessed), "not_sure" (top probability < 0.6), "blank", "worst"}}}.
    """
    predictor = predictor or load_predictor(model_path)
    labels = predictor.labels
    results = {}
    for kind in kinds:
        examples = people_examples(kind, per_label, seed)
        results[kind] = _score(examples, classify(predictor, [e.image for e in examples]), labels)
    total = sum(r["count"] for r in results.values())
    overall = sum(r["accuracy"] * r["count"] for r in results.values()) / max(total, 1)
    return {"labels": list(labels), "accuracy": overall, "kinds": results}


def report(figures: dict) -> None:
    """Prints the figures as a table."""
    labels = figures["labels"]
    print(f"{'kind':<9} {'n':>5} {'accuracy':>9} " + " ".join(f"{label:>9}" for label in labels)
          + f" {'not sure':>9} {'blank':>6}")
    for kind, result in figures["kinds"].items():
        cells = " ".join(f"{result['per_class'][label]:>9.1%}" for label in labels)
        print(f"{kind:<9} {result['count']:>5} {result['accuracy']:>9.1%} {cells} {result['not_sure']:>9} "
              f"{result['blank']:>6}")
    print(f"overall: {figures['accuracy']:.1%}")
    for kind, result in figures["kinds"].items():
        print(f"\n{kind}: confusion (rows true, columns guessed)")
        print(" " * 10 + " ".join(f"{label:>9}" for label in labels))
        for label, row in zip(labels, result["confusion"]):
            print(f"{label:>10}" + " ".join(f"{count:>9}" for count in row))
        print(f"{kind}: worst read")
        for item in result["worst"]:
            print(f"  p({item['label']})={item['p_true']:.3f} read {item['guess']}: {item['description']}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a Shapes model (.keras); default: the app's, in the data folder")
    parser.add_argument("--per-label", type=int, default=200, help="drawings per shape and kind")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated: finger, doodles, bitmaps")
    parser.add_argument("--write", metavar="DIR", help="also write the drawings as DIR/<kind>/<label>_<index>.png")
    parser.add_argument("--save-examples", metavar="PNG", help="write a contact sheet of 8 drawings per kind and label")
    args = parser.parse_args()
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    unknown = sorted(set(kinds) - set(KINDS))
    if unknown:
        parser.error(f"unknown kinds {', '.join(unknown)}; choose from {', '.join(KINDS)}")
    if args.save_examples:
        _write_png(Path(args.save_examples), contact_sheet(kinds, 8, args.seed))
    if args.write:
        for kind in kinds:
            write_set(Path(args.write) / kind, kind, args.per_label, args.seed)
    report(evaluate(args.model, kinds, args.per_label, args.seed))


if __name__ == "__main__":
    main()
