"""Does a Shapes model trained on model.datasets.shapes recognise drawings its generator never made?

Trains the CLASSIC CNN on `make_dataset` for about a minute of CPU, then evaluates it on
(a) held-out drawings from the generator and (b) drawings from an independent simulator written
here from scratch: a hand, modelled as a pen whose velocity turns smoothly toward the next point
it aims for, with jitter, so corners come out as the hand's own inertia makes them. It draws
sloppy cases on purpose (unclosed and crossing ends, squares as four strokes, triangles with
curved sides, lopsided circles traced twice) on canvases the generator never uses (tiny, wide
panoramas, 3000 px), with app-like pen widths, some light-on-dark and some JPEG-compressed.
Prints accuracy per class and the confusion matrix for both.

    nice -n 10 python benchmarks/shapes_generalisation.py [--per-label 7000] [--train-seconds 60]
    nice -n 10 python benchmarks/shapes_generalisation.py --model MODEL.keras   # the app's Shapes model
"""

from __future__ import annotations

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import cv2  # noqa: E402
import numpy as np  # noqa: E402
from hand import draw_on_canvas, hand_path  # noqa: E402

from model.core.preprocessing import preprocess  # noqa: E402
from model.datasets.shapes import SHAPE_LABELS, make_dataset  # noqa: E402


def circle_targets(rng: np.random.Generator) -> list[np.ndarray]:
    aspect = rng.uniform(0.7, 1.0)
    start, direction = rng.uniform(0, 2 * np.pi), rng.choice([-1, 1])
    sweep = 2 * np.pi * (2 if rng.random() < 0.1 else 1) + rng.uniform(-0.7, 0.7)  # open or crossing
    angles = start + direction * np.linspace(0, sweep, int(rng.integers(10, 18)))
    radius = 1 + rng.normal(0, 0.04, len(angles))
    tilt = rng.uniform(0, np.pi)
    x, y = radius * np.cos(angles), aspect * radius * np.sin(angles)
    return [np.stack([x * np.cos(tilt) - y * np.sin(tilt), x * np.sin(tilt) + y * np.cos(tilt)], 1) * 0.5]


def polygon_targets(corners: np.ndarray, rng: np.random.Generator) -> list[np.ndarray]:
    """Corners -> one or more target sequences: one continuous loop or a stroke per side."""
    count = len(corners)
    bulge = rng.uniform(0, 0.08) if rng.random() < 0.4 else 0.0  # curved sides
    start = int(rng.integers(count))
    order = [corners[(start + i) % count] for i in range(count + 1)]
    if rng.random() < 0.5:
        order = order[::-1]
    sides = []
    for first, second in zip(order[:-1], order[1:]):
        middle = (first + second) / 2
        normal = np.array([-(second - first)[1], (second - first)[0]])
        outward = middle - corners.mean(axis=0)
        normal *= np.sign(normal @ outward) * bulge
        sides.append(np.array([first, middle + normal, second]))
    if rng.random() < 0.3:  # each side its own stroke, overshooting or short at its ends
        strokes = []
        for side in sides:
            direction = side[-1] - side[0]
            ends = rng.uniform(-0.05, 0.12, 2)
            strokes.append(np.concatenate([[side[0] - direction * ends[0]], side[1:-1],
                                           [side[-1] + direction * ends[1]]]))
        return [strokes[i] for i in rng.permutation(len(strokes))]
    loop = np.concatenate([side[:-1] for side in sides] + [sides[-1][-1:]])
    closing = rng.uniform(-0.15, 0.25)  # stop short of the start, or run past it
    loop = np.concatenate([loop, [loop[-1] + (sides[0][1] - sides[0][0]) * closing]])
    return [loop]


def square_targets(rng: np.random.Generator) -> list[np.ndarray]:
    ratio = rng.uniform(0.8, 1.25)
    corners = np.array([[-ratio, -1], [ratio, -1], [ratio, 1], [-ratio, 1]]) * 0.5 + rng.normal(0, 0.03, (4, 2))
    angle = np.radians(rng.uniform(-15, 15))
    rotation = np.array([[np.cos(angle), -np.sin(angle)], [np.sin(angle), np.cos(angle)]])
    return polygon_targets(corners @ rotation.T, rng)


def triangle_targets(rng: np.random.Generator) -> list[np.ndarray]:
    while True:
        if rng.random() < 0.4:  # upright or upside down, roughly isosceles
            apex = np.array([rng.normal(0, 0.15), -0.5 * rng.uniform(0.7, 1.3)])
            corners = np.array([apex, [0.5, 0.5], [-0.5, 0.5]]) * rng.choice([-1, 1])
        else:
            corners = rng.uniform(-0.5, 0.5, (3, 2))
        sides = [corners[(i + 1) % 3] - corners[i] for i in range(3)]
        cosines = [-sides[i - 1] @ sides[i] / (np.linalg.norm(sides[i - 1]) * np.linalg.norm(sides[i]))
                   for i in range(3)]
        angles = [np.degrees(np.arccos(np.clip(cosine, -1, 1))) for cosine in cosines]
        if min(angles) > 22:
            return polygon_targets(corners, rng)


def simulate(label: str, rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """One people-like drawing of `label` on an unusual canvas, as the image a user gives, and its kind."""
    targets = {"circle": circle_targets, "square": square_targets, "triangle": triangle_targets}[label](rng)
    return draw_on_canvas([hand_path(t, rng) for t in targets], rng)


def independent_set(per_label: int, seed: int) -> tuple[np.ndarray, np.ndarray, list[str]]:
    rng = np.random.default_rng(seed)
    images, labels, kinds = [], [], []
    for index in range(per_label * len(SHAPE_LABELS)):
        label = index % len(SHAPE_LABELS)
        drawing, kind = simulate(SHAPE_LABELS[label], rng)
        image = preprocess(drawing)
        if image is not None:
            images.append(image)
            labels.append(label)
            kinds.append(kind)
    return np.array(images, np.float32), np.array(labels, np.int64), kinds


def train(x: np.ndarray, y: np.ndarray, seconds: float):
    import keras

    from model.network.architecture import CLASSIC, build_model

    class TimeLimit(keras.callbacks.Callback):
        def on_train_batch_end(self, batch, logs=None):
            if time.perf_counter() - started > seconds:
                self.model.stop_training = True

    model = build_model(CLASSIC, len(SHAPE_LABELS))
    model.compile(optimizer=keras.optimizers.Adam(1e-3), loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    started = time.perf_counter()
    model.fit(x[..., None], y, batch_size=64, epochs=100, verbose=0, callbacks=[TimeLimit()], shuffle=True)
    return model, time.perf_counter() - started


def report(name: str, model, x: np.ndarray, y: np.ndarray, kinds: list[str] | None = None) -> float:
    predicted = model.predict(x[..., None], batch_size=256, verbose=0).argmax(axis=1)
    accuracy = float((predicted == y).mean())
    if kinds is not None:
        print("\nindependent drawings by kind of image (a drawing counts under each of its tags):")
        tags = sorted({tag for kind in kinds for tag in kind.split(", ")})
        for tag in tags:
            chosen = np.array([tag in kind.split(", ") for kind in kinds])
            print(f"  {tag:>16}: {(predicted == y)[chosen].mean():7.2%} of {chosen.sum()}")
    print(f"\n{name}: {accuracy:.2%} of {len(y)}")
    confusion = np.zeros((len(SHAPE_LABELS),) * 2, int)
    np.add.at(confusion, (y, predicted), 1)
    print("true \\ predicted".rjust(17) + "".join(f"{label:>10}" for label in SHAPE_LABELS) + "  accuracy")
    for index, label in enumerate(SHAPE_LABELS):
        row = confusion[index]
        print(f"{label:>17}" + "".join(f"{v:>10}" for v in row) + f"  {row[index] / max(row.sum(), 1):8.2%}")
    return accuracy


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--per-label", type=int, default=7000, help="generated training drawings per label")
    parser.add_argument("--train-seconds", type=float, default=60.0)
    parser.add_argument("--eval-per-label", type=int, default=400)
    parser.add_argument("--save", help="also save the trained model here (.keras)")
    parser.add_argument("--model",
                        help="evaluate this trained Shapes model (.keras, e.g. the app's) instead of training")
    parser.add_argument("--samples", help="write a PNG of independent drawings and what the network sees")
    args = parser.parse_args()

    started = time.perf_counter()
    if not args.model:
        x, y = make_dataset(args.per_label, seed=0)
        print(f"make_dataset: {len(y)} drawings in {time.perf_counter() - started:.1f} s")
    started = time.perf_counter()
    x_other, y_other, kinds = independent_set(args.eval_per_label, seed=12345)
    print(f"independent simulator: {len(y_other)} drawings in {time.perf_counter() - started:.1f} s")
    if args.samples:
        tiles = [cv2.resize((image * 255).astype(np.uint8), (56, 56), interpolation=cv2.INTER_NEAREST)
                 for image in x_other[:60]]
        cv2.imwrite(args.samples, np.vstack([np.hstack(tiles[i:i + 15]) for i in range(0, 60, 15)]))
    if args.model:
        import keras

        model = keras.models.load_model(args.model)
        print(f"evaluating {args.model}")
    else:
        model, seconds = train(x, y, args.train_seconds)
        print(f"trained CLASSIC for {seconds:.0f} s")
    x_held, y_held = make_dataset(args.eval_per_label, seed=987)
    held = report("generator, held-out seed", model, x_held, y_held)
    other = report("independent people-like simulator", model, x_other, y_other, kinds)
    print(f"\nsummary: generator {held:.2%}, independent {other:.2%}")
    if args.save and not args.model:
        model.save(args.save)


if __name__ == "__main__":
    main()
