"""Held-out Digits benchmark on digits like real people's, none from MNIST's training set or the app's generators.

Three sets (benchmarks/people_digits_sets.py makes them), each classified exactly as `python main.py predict`
does (image -> `preprocess` -> `Predictor`):

- "pen": simulated pen-tablet digits like UCI's Pen-Based Recognition of Handwritten Digits: writers with
  their own slant, speed and styles, sampled every 100 ms as a tablet does, drawn on canvases of any size.
- "postal": MNIST's TEST digits rendered like USPS scans, filling 16x16, then upscaled to 16-200 px.
- "sklearn": the real 8x8 UCI optical digits bundled with scikit-learn (43 writers), upscaled,
  white on black. Needs scikit-learn, a benchmark-only dependency (`pip install scikit-learn`).

An image in which `preprocess` finds no drawing counts as wrong ("3->blank"); frame-filling postal
scans hit this. The contact sheet frames wrong answers red, with the answer ("?" for blank).

The pen simulator is written independently of the app's digit generators and of the other benchmarks'
simulators: its styles and kinematics share no code or data with them. This module holds the
evaluation, the contact sheet of results and the command line.

    nice -n 10 python benchmarks/people_digits.py --model M.keras [--per-label 100] [--seed 1]
        [--kinds pen,postal,sklearn] [--save-examples sheet.png] [--json]
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "benchmarks"))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from people_digits_sets import DIGITS, KINDS, digit_set  # noqa: E402

LOW_CONFIDENCE = 0.6

# --- evaluation ----------------------------------------------------------------------------------------

def load_predictor(model_path: str | None):
    """Builds the predictor as the command line does."""
    from model.network.inference import Predictor
    from model.network.model_store import load_model

    keras_model, info = load_model("digits", path=model_path)
    return Predictor(keras_model, info.labels)


def classify(predictor, images: list[np.ndarray]) -> tuple[list[str | None], np.ndarray]:
    """Returns each image's predicted label (None when `preprocess` finds no drawing) and top probability."""
    from model.core.preprocessing import preprocess

    inputs = [preprocess(image) for image in images]
    kept = [index for index, image28 in enumerate(inputs) if image28 is not None]
    predicted: list[str | None] = [None] * len(images)
    top = np.zeros(len(images), np.float32)
    for start in range(0, len(kept), 256):
        batch = kept[start:start + 256]
        probabilities = predictor.predict(np.stack([inputs[index] for index in batch]))
        for index, row in zip(batch, probabilities):
            predicted[index] = predictor.labels[int(row.argmax())]
            top[index] = float(row.max())
    return predicted, top


def summarise(labels: list[str], predicted: list[str | None], top: np.ndarray) -> dict:
    """Accuracy overall and per digit, confusions (most common first), low-confidence and blank counts.

    An image `preprocess` finds blank counts as wrong ("d->blank").
    """
    truth, guess = np.asarray(labels), np.asarray([p if p is not None else "blank" for p in predicted])
    per_digit = {digit: float(np.mean(guess[truth == digit] == digit)) for digit in DIGITS if np.any(truth == digit)}
    confusions = Counter(f"{t}->{g}" for t, g in zip(truth, guess) if t != g)
    return {
        "count": len(labels),
        "accuracy": float(np.mean(truth == guess)),
        "per_digit": per_digit,
        "confusions": dict(confusions.most_common()),
        "accuracy_non_blank": float(np.mean((truth == guess)[guess != "blank"])) if np.any(guess != "blank") else 0.0,
        "low_confidence": int(np.sum((top < LOW_CONFIDENCE) & (guess != "blank"))),
        "blank": int(np.sum(guess == "blank")),
    }


def evaluate(model_path: str | None, kinds=KINDS, per_label: int = 100, seed: int = 1,
             sheet_path: str | None = None, sheet_per_digit: int = 6, predictor=None) -> dict:
    """Classifies each kind's set through the command line's path and returns its figures per kind.

    Args:
        model_path: a Digits `.keras` file; None for the app's current Digits model.
        kinds: which of "pen", "postal", "sklearn".
        per_label: images per digit.
        seed: makes the sets reproducible.
        sheet_path: if given, a PNG contact sheet of examples is written there (wrong answers framed red).
        sheet_per_digit: examples per digit and kind on the sheet.
        predictor: an already loaded predictor, to skip loading `model_path`.
    """
    predictor = predictor or load_predictor(model_path)
    results, examples = {}, {}
    for kind in kinds:
        images, labels = digit_set(kind, per_label, seed)
        predicted, top = classify(predictor, images)
        results[kind] = summarise(labels, predicted, top)
        examples[kind] = _pick_examples(images, labels, predicted, sheet_per_digit)
    if sheet_path:
        cv2.imwrite(str(sheet_path), contact_sheet(examples))
    return results


def _pick_examples(images, labels, predicted, per_digit):
    picked = []
    for digit in DIGITS:
        indices = [index for index, label in enumerate(labels) if label == digit][:per_digit]
        picked.append([(images[index], predicted[index]) for index in indices])
    return picked


def _tile(image: np.ndarray, guess: str | None, digit: str, size: int = 72) -> np.ndarray:
    """One cell of the sheet: the drawing (cropped to its ink) letterboxed in grey, framed red when wrong."""
    image = _around_ink(image)
    height, width = image.shape
    scale = (size - 8) / max(height, width)
    shown = cv2.resize(image, (max(1, round(width * scale)), max(1, round(height * scale))),
                       interpolation=cv2.INTER_AREA if scale < 1 else cv2.INTER_NEAREST)
    cell = np.full((size, size, 3), 128, np.uint8)
    top, left = (size - shown.shape[0]) // 2, (size - shown.shape[1]) // 2
    cell[top:top + shown.shape[0], left:left + shown.shape[1]] = shown[..., None]
    if guess != digit:
        cv2.rectangle(cell, (0, 0), (size - 1, size - 1), (0, 0, 255), 3)
        cv2.putText(cell, guess or "?", (3, size - 5), cv2.FONT_HERSHEY_SIMPLEX, 0.5, (0, 0, 255), 1, cv2.LINE_AA)
    return cell


def _around_ink(image: np.ndarray) -> np.ndarray:
    """Crops to the ink plus a margin, so thin drawings on large canvases can be seen on the sheet."""
    ink = np.abs(image.astype(np.int16) - int(image[0, 0])) > 40
    if not ink.any():
        return image
    ys, xs = np.nonzero(ink)
    margin = max(2, (ys.max() - ys.min()) // 8)
    return image[max(0, ys.min() - margin):ys.max() + margin + 1, max(0, xs.min() - margin):xs.max() + margin + 1]


def contact_sheet(examples: dict) -> np.ndarray:
    """Returns a BGR sheet: one row per digit, one block of columns per kind, wrong answers framed red."""
    blocks = []
    for kind, rows in examples.items():
        width = max(len(row) for row in rows) * 72
        header = np.full((24, width, 3), 255, np.uint8)
        cv2.putText(header, kind, (4, 17), cv2.FONT_HERSHEY_SIMPLEX, 0.55, (0, 0, 0), 1, cv2.LINE_AA)
        lines = [np.hstack([_tile(image, guess, digit) for image, guess in row]
                           + [np.full((72, width - 72 * len(row), 3), 255, np.uint8)])
                 for digit, row in zip(DIGITS, rows)]
        blocks.append(np.vstack([header] + lines))
        blocks.append(np.full((blocks[-1].shape[0], 12, 3), 255, np.uint8))
    return np.hstack(blocks[:-1])


def format_results(results: dict) -> str:
    lines = []
    for kind, figures in results.items():
        lines.append(f"{kind}: {figures['count']} images, accuracy {figures['accuracy']:.3f}, "
                     f"top probability < {LOW_CONFIDENCE}: {figures['low_confidence']}, "
                     f"blank (preprocess found no ink, counted wrong): {figures['blank']}"
                     + (f", accuracy without blanks {figures['accuracy_non_blank']:.3f}" if figures["blank"] else ""))
        lines.append("  per digit: " + "  ".join(f"{d} {a:.2f}" for d, a in figures["per_digit"].items()))
        top = list(figures["confusions"].items())[:8]
        lines.append("  confusions: " + (", ".join(f"{pair} {n}" for pair, n in top) or "none"))
    return "\n".join(lines)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model", help="Digits .keras file (default: the app's current Digits model)")
    parser.add_argument("--per-label", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--kinds", default=",".join(KINDS), help="comma-separated: pen,postal,sklearn")
    parser.add_argument("--save-examples", metavar="PNG", help="write a contact sheet of examples")
    parser.add_argument("--json", action="store_true", help="also print the figures as one JSON line")
    args = parser.parse_args()
    kinds = [kind.strip() for kind in args.kinds.split(",") if kind.strip()]
    unknown = [kind for kind in kinds if kind not in KINDS]
    if unknown:
        parser.error(f"unknown kinds {', '.join(unknown)}; expected some of {', '.join(KINDS)}")
    results = evaluate(args.model, kinds, args.per_label, args.seed, args.save_examples)
    print(format_results(results))
    if args.json:
        print(json.dumps(results))


if __name__ == "__main__":
    main()
