"""A simulated hand for the generalisation benchmarks: a pen steered through target points, and the
canvas a person would hand the app (any size, pen, position, polarity, JPEG or not).

Written from scratch, independent of the generators the app trains on (model/datasets/shapes.py, MNIST), so a
model's accuracy on these drawings says how it copes with drawings it has never seen the like of.
"""

from __future__ import annotations

import cv2
import numpy as np

from model.core.strokes import Stroke, render_strokes

PEN_WIDTHS = (1, 2, 3, 4, 6, 8, 12, 16, 24, 32, 48)


def hand_path(targets: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Moves a pen through `targets` (unit space) like a hand: steered velocity, inertia, jitter."""
    speed = rng.uniform(0.008, 0.02)
    steering = rng.uniform(0.2, 0.6)  # low: the hand swings wide at corners
    reach = rng.uniform(0.01, 0.1)  # how close it must get before aiming at the next point
    shake = rng.uniform(0.0, 0.25) * speed
    position = targets[0] + rng.normal(0, 0.01, 2)
    velocity = np.zeros(2)
    drift = np.zeros(2)
    points, index = [position.copy()], 1
    for _ in range(5000):
        if index >= len(targets):
            break
        to_target = targets[index] - position
        distance = float(np.linalg.norm(to_target))
        if distance < (reach if index < len(targets) - 1 else speed):
            index += 1
            continue
        desired = to_target / distance * min(speed, distance)
        velocity += (desired - velocity) * steering
        drift = 0.8 * drift + rng.normal(0, shake, 2)
        position = position + velocity + drift
        points.append(position.copy())
    return np.array(points)


def draw_on_canvas(paths: list[np.ndarray], rng: np.random.Generator) -> tuple[np.ndarray, str]:
    """Renders pen paths (unit space) as a user's image: canvas size, drawing size and place, pen width,
    mouse sampling, light-on-dark and JPEG chosen at random. Returns (uint8 gray image, kind tags)."""
    if rng.random() < 0.3:  # a mouse reporting every few steps only: polygonal curves
        every = int(rng.integers(3, 12))
        paths = [np.concatenate([path[::every], path[-1:]]) for path in paths]
    draw = rng.random()
    if draw < 0.25:
        kind, (width, height) = "tiny canvas", (int(v) for v in rng.integers(56, 150, 2))
    elif draw < 0.4:
        kind, height = "panorama", int(rng.integers(200, 500))
        width = int(height * rng.uniform(2.5, 4))
    elif draw < 0.55:
        kind, (width, height) = "huge canvas", (int(v) for v in rng.integers(1600, 3000, 2))
    else:
        kind, (width, height) = "ordinary", (int(v) for v in rng.integers(300, 900, 2))
    points = np.concatenate(paths)
    low, high = points.min(0), points.max(0)
    size = max(30.0, rng.uniform(0.15, 0.9) * min(width, height))
    pen = float(rng.choice(PEN_WIDTHS)) * max(0.3, min(width, height) / 600) ** 0.5
    pen = float(np.clip(pen, 1, 0.15 * size))
    scale = (size - pen) / max(high - low)
    room = np.array([width, height]) - (high - low) * scale - pen
    origin = rng.uniform(0, 1, 2) * np.maximum(room, 0) + pen / 2 - low * scale
    strokes = [Stroke(path * scale + origin, pen) for path in paths]
    image = render_strokes(strokes, width, height)
    if rng.random() < 0.1:
        image, kind = 255 - image, kind + ", light on dark"
    if rng.random() < 0.15:
        image = cv2.imdecode(cv2.imencode(".jpg", image, [cv2.IMWRITE_JPEG_QUALITY, 50])[1], cv2.IMREAD_GRAYSCALE)
        kind += ", JPEG"
    return image, kind
