"""Does the Digits model recognise digits drawn by people rather than written for MNIST?

Draws digits with the simulated hand of benchmarks/hand.py in styles people use on a canvas, several
of them rare in MNIST (a 1 with a flag and a base, a crossed 7, a closed 4, a flat-topped 3, a 2 with a
loop, an 8 of two circles, a 9 with a curved tail), slanted, turned, narrow or wide, with any pen width,
size and place on any canvas, some light on dark, some JPEG. Each goes through `preprocess` and the
app's model, as `python main.py predict` would. The styles are written here from scratch and the app
never trains on them. Prints accuracy per digit, per style, per kind of canvas and the confusions.

    nice -n 10 python benchmarks/drawn_digits.py --model MODEL.keras [--per-label 300] [--samples PNG]
    nice -n 10 python benchmarks/drawn_digits.py              # the app's Digits model in the data folder
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from hand import draw_on_canvas, hand_path  # noqa: E402

from model.core.preprocessing import preprocess  # noqa: E402

# Each style: strokes; each stroke: pieces joined at sharp corners; each piece: control points in a
# box about 0.6 wide and 1 tall (y down), smoothed through when it has more than two.
_LOOP_0 = [(0.3, 0.0), (0.06, 0.2), (0.0, 0.55), (0.14, 0.92), (0.36, 1.0), (0.56, 0.78), (0.6, 0.4), (0.5, 0.1),
           (0.3, 0.0), (0.2, 0.06)]
STYLES: dict[str, dict[str, list[list[list[tuple[float, float]]]]]] = {
    "0": {"oval": [[_LOOP_0]],
          "round": [[[(0.3, 0.0), (0.0, 0.3), (0.05, 0.8), (0.4, 1.0), (0.65, 0.65), (0.58, 0.15), (0.3, 0.0)]]]},
    "1": {"stroke": [[[(0.3, 0.0), (0.28, 1.0)]]],
          "flag": [[[(0.1, 0.25), (0.35, 0.0)], [(0.35, 0.0), (0.35, 1.0)]]],
          "flag and base": [[[(0.1, 0.22), (0.35, 0.0)], [(0.35, 0.0), (0.35, 1.0)]], [[(0.1, 1.0), (0.6, 1.0)]]]},
    "2": {"swan": [[[(0.05, 0.25), (0.25, 0.02), (0.5, 0.05), (0.6, 0.3), (0.4, 0.6), (0.02, 1.0)],
                    [(0.02, 1.0), (0.62, 0.98)]]],
          "loop": [[[(0.05, 0.2), (0.3, 0.0), (0.55, 0.15), (0.5, 0.45), (0.12, 0.88), (0.1, 1.0), (0.22, 0.98),
                     (0.2, 0.85), (0.35, 0.95), (0.62, 0.98)]]],
          "z-like": [[[(0.0, 0.08), (0.55, 0.0)], [(0.55, 0.0), (0.05, 1.0)], [(0.05, 1.0), (0.6, 1.0)]]]},
    "3": {"round": [[[(0.05, 0.12), (0.3, 0.0), (0.55, 0.15), (0.45, 0.4), (0.22, 0.48)],
                     [(0.22, 0.48), (0.55, 0.62), (0.55, 0.88), (0.3, 1.0), (0.02, 0.9)]]],
          "flat top": [[[(0.02, 0.0), (0.58, 0.0)], [(0.58, 0.0), (0.25, 0.4)],
                        [(0.25, 0.4), (0.55, 0.55), (0.58, 0.85), (0.3, 1.0), (0.02, 0.88)]]]},
    "4": {"open": [[[(0.4, 0.0), (0.0, 0.62)], [(0.0, 0.62), (0.62, 0.62)]], [[(0.45, 0.3), (0.45, 1.0)]]],
          "closed": [[[(0.45, 1.0), (0.45, 0.0)], [(0.45, 0.0), (0.0, 0.65)], [(0.0, 0.65), (0.62, 0.65)]]],
          "square": [[[(0.05, 0.0), (0.02, 0.55)], [(0.02, 0.55), (0.6, 0.55)]], [[(0.5, 0.0), (0.52, 1.0)]]]},
    "5": {"two strokes": [[[(0.1, 0.0), (0.06, 0.45)],
                           [(0.06, 0.45), (0.35, 0.38), (0.6, 0.6), (0.55, 0.9), (0.3, 1.0), (0.0, 0.88)]],
                          [[(0.1, 0.0), (0.58, 0.0)]]],
          "one stroke": [[[(0.58, 0.0), (0.1, 0.0)], [(0.1, 0.0), (0.05, 0.45)],
                          [(0.05, 0.45), (0.38, 0.4), (0.6, 0.65), (0.5, 0.92), (0.25, 1.0), (0.0, 0.9)]]]},
    "6": {"curl": [[[(0.5, 0.0), (0.2, 0.2), (0.02, 0.6), (0.15, 0.95), (0.42, 1.0), (0.6, 0.78), (0.5, 0.55),
                     (0.25, 0.55), (0.06, 0.7)]]],
          "straight": [[[(0.45, 0.0), (0.08, 0.62)], [(0.08, 0.62), (0.15, 0.95), (0.42, 1.0), (0.58, 0.78),
                                                      (0.45, 0.55), (0.2, 0.58), (0.08, 0.68)]]]},
    "7": {"plain": [[[(0.0, 0.02), (0.6, 0.0)], [(0.6, 0.0), (0.22, 1.0)]]],
          "crossed": [[[(0.0, 0.02), (0.6, 0.0)], [(0.6, 0.0), (0.22, 1.0)]], [[(0.15, 0.52), (0.55, 0.48)]]],
          "serif": [[[(0.0, 0.15), (0.0, 0.0)], [(0.0, 0.0), (0.6, 0.0)], [(0.6, 0.0), (0.35, 0.5), (0.3, 1.0)]]]},
    "8": {"one stroke": [[[(0.52, 0.12), (0.3, 0.0), (0.07, 0.12), (0.12, 0.35), (0.5, 0.62), (0.57, 0.88),
                           (0.3, 1.0), (0.03, 0.88), (0.1, 0.62), (0.48, 0.38), (0.55, 0.14), (0.45, 0.05)]]],
          "two circles": [[[(0.3, 0.0), (0.08, 0.12), (0.1, 0.35), (0.3, 0.45), (0.5, 0.35), (0.52, 0.12),
                            (0.3, 0.0)]],
                          [[(0.3, 0.45), (0.03, 0.6), (0.05, 0.9), (0.3, 1.0), (0.57, 0.9), (0.58, 0.6),
                            (0.3, 0.45)]]]},
    "9": {"straight": [[[(0.55, 0.12), (0.3, 0.0), (0.05, 0.15), (0.08, 0.38), (0.32, 0.45), (0.55, 0.3),
                         (0.55, 0.1)], [(0.55, 0.1), (0.52, 1.0)]]],
          "curved": [[[(0.55, 0.12), (0.3, 0.0), (0.05, 0.15), (0.08, 0.38), (0.32, 0.45), (0.55, 0.3),
                       (0.55, 0.1)], [(0.55, 0.1), (0.55, 0.6), (0.4, 0.95), (0.15, 0.98)]]],
          "two strokes": [[[(0.5, 0.08), (0.25, 0.0), (0.02, 0.18), (0.12, 0.42), (0.4, 0.4), (0.55, 0.15)]],
                          [[(0.56, 0.02), (0.5, 1.0)]]]},
}
_SAMPLES_PER_PIECE = 24


def digit_paths(digit: str, style: str, rng: np.random.Generator) -> list[np.ndarray]:
    """One person's pen paths for a digit in a style: the template varied, turned, slanted, then hand-drawn."""
    angle, slant = np.radians(rng.normal(0, 6)), rng.normal(0.12, 0.12)  # people lean right more than left
    width = rng.uniform(0.75, 1.3)
    transform = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]]) @ np.array(
        [[width, -slant], [0.0, 1.0]])
    paths = []
    for stroke in STYLES[digit][style]:
        pieces = []
        for piece in stroke:
            control = np.array(piece) + rng.normal(0, 0.025, (len(piece), 2))
            pieces.append(_smooth(control) if len(control) > 2 else np.linspace(control[0], control[1], 8))
        targets = np.concatenate(pieces) @ transform.T
        paths.append(hand_path(targets, rng))
    return paths


def _smooth(points: np.ndarray) -> np.ndarray:
    """Catmull-Rom curve through the points."""
    padded = np.vstack([points[:1], points, points[-1:]])
    t = np.linspace(0.0, 1.0, _SAMPLES_PER_PIECE, endpoint=False)[:, None]
    pieces = [0.5 * (2 * b + (c - a) * t + (2 * a - 5 * b + 4 * c - d) * t ** 2 + (3 * b - a - 3 * c + d) * t ** 3)
              for a, b, c, d in zip(padded[:-3], padded[1:-2], padded[2:-1], padded[3:])]
    return np.vstack(pieces + [points[-1:]])


def drawn_set(per_label: int, seed: int):
    """Returns (images (N, 28, 28) after preprocess, labels, style names, canvas kinds)."""
    rng = np.random.default_rng(seed)
    images, labels, styles, kinds = [], [], [], []
    for index in range(per_label * 10):
        digit = str(index % 10)
        style = list(STYLES[digit])[int(rng.integers(len(STYLES[digit])))]
        canvas, kind = draw_on_canvas(digit_paths(digit, style, rng), rng)
        image = preprocess(canvas)
        if image is not None:
            images.append(image)
            labels.append(int(digit))
            styles.append(f"{digit} {style}")
            kinds.append(kind)
    return np.array(images, np.float32), np.array(labels), styles, kinds


def _load_predictor(model_path: str | None):
    from model.network.inference import Predictor
    from model.network.model_store import load_model

    keras_model, info = load_model("digits", path=model_path)
    return Predictor(keras_model, info.labels)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--model", help="a Digits model (.keras); default: the app's, in the data folder")
    parser.add_argument("--per-label", type=int, default=300)
    parser.add_argument("--seed", type=int, default=2026)
    parser.add_argument("--samples", help="write a PNG of drawings the model got wrong, as the network saw them")
    args = parser.parse_args()
    x, y, styles, kinds = drawn_set(args.per_label, args.seed)
    predictor = _load_predictor(args.model)
    guesses = np.concatenate([predictor.predict(x[i:i + 500]).argmax(axis=1) for i in range(0, len(x), 500)])
    right = guesses == y
    print(f"drawn digits: {right.mean():.2%} of {len(y)}")
    print("per digit: " + ", ".join(f"{d} {right[y == d].mean():.1%}" for d in range(10)))
    print("per style (worst first):")
    for style in sorted(set(styles), key=lambda s: right[np.array(styles) == s].mean()):
        chosen = np.array(styles) == style
        print(f"  {style:>16}: {right[chosen].mean():7.2%} of {chosen.sum()}")
    print("per kind of canvas (a drawing counts under each of its tags):")
    for tag in sorted({tag for kind in kinds for tag in kind.split(", ")}):
        chosen = np.array([tag in kind.split(", ") for kind in kinds])
        print(f"  {tag:>16}: {right[chosen].mean():7.2%} of {chosen.sum()}")
    confusions = Counter(zip(y[~right].tolist(), guesses[~right].tolist())).most_common(10)
    print("most common confusions (true -> guessed): " + ", ".join(f"{a}->{b} x{n}" for (a, b), n in confusions))
    if args.samples:
        wrong = np.flatnonzero(~right)[:80]
        tiles = [cv2.putText(cv2.resize((x[i] * 255).astype(np.uint8), (56, 56), interpolation=cv2.INTER_NEAREST),
                             str(guesses[i]), (2, 12), cv2.FONT_HERSHEY_PLAIN, 0.8, 160) for i in wrong]
        tiles += [np.zeros((56, 56), np.uint8)] * (-len(tiles) % 16)
        if tiles:
            cv2.imwrite(args.samples, np.vstack([np.hstack(tiles[i:i + 16]) for i in range(0, len(tiles), 16)]))


if __name__ == "__main__":
    main()
