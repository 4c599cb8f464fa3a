"""Heat maps have the right shape and range, and they follow the ink."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from model.network.architecture import build_model
from model.network.saliency import Explainer

SMALL = [
    {"type": "conv", "filters": 8},
    {"type": "pool"},
    {"type": "conv", "filters": 8},
    {"type": "pool"},
    {"type": "flatten"},
    {"type": "dense", "units": 16},
]


def _drawing(kind: str, centre_x: int, centre_y: int = 14, size: int = 5) -> np.ndarray:
    image = np.zeros((28, 28), np.uint8)
    if kind == "circle":
        cv2.circle(image, (centre_x, centre_y), size, 255, 2, cv2.LINE_AA)
    else:
        cv2.rectangle(image, (centre_x - size, centre_y - size), (centre_x + size, centre_y + size), 255, 2)
    return image.astype(np.float32) / 255.0


@pytest.fixture(scope="module")
def shapes_model():
    """A tiny CNN that tells circles from squares anywhere in the frame (trained in a few seconds)."""
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images, labels = [], []
    for _ in range(600):
        label = int(rng.integers(2))
        images.append(_drawing(("circle", "square")[label], int(rng.integers(7, 21)), int(rng.integers(7, 21)),
                               int(rng.integers(4, 7))))
        labels.append(label)
    model = build_model(SMALL, 2)
    model.compile("adam", "sparse_categorical_crossentropy", metrics=["accuracy"])
    model.fit(np.stack(images)[..., None], np.array(labels), epochs=4, batch_size=32, verbose=0)
    return model


def _centre_x(heat: np.ndarray) -> float:
    return float((heat.sum(axis=0) * np.arange(28)).sum() / heat.sum())


@pytest.mark.parametrize("method", ["grad-cam", "gradient"])
def test_heat_follows_the_ink(shapes_model, method):
    explainer = Explainer(shapes_model)
    left = explainer.explain(_drawing("circle", 7), method=method).heatmap
    right = explainer.explain(_drawing("circle", 21), method=method).heatmap
    for heat in (left, right):
        assert heat.shape == (28, 28) and heat.dtype == np.float32
        assert heat.min() >= 0 and heat.max() == pytest.approx(1.0)
    assert _centre_x(left) < 12 < 16 < _centre_x(right)


def test_a_chosen_label_is_explained(shapes_model):
    explainer = Explainer(shapes_model)
    drawing = _drawing("square", 14)
    top = explainer.explain(drawing)
    other = explainer.explain(drawing, label_index=1 - top.label_index)
    assert top.label_index == int(np.argmax(shapes_model(drawing[None, :, :, None]).numpy()))
    assert other.label_index == 1 - top.label_index


def test_ensemble_member_is_explained(shapes_model):
    import keras

    inputs = keras.Input((28, 28, 1))
    second = build_model(SMALL, 2, name="member2")
    second.set_weights(shapes_model.get_weights())
    first = keras.models.clone_model(shapes_model)
    first.name = "member1"
    first.set_weights(shapes_model.get_weights())
    ensemble = keras.Model(inputs, keras.layers.Average(name="ensemble")([first(inputs), second(inputs)]))
    explainer = Explainer(ensemble)
    assert explainer.members == 2
    drawing = _drawing("circle", 8)
    np.testing.assert_allclose(explainer.explain(drawing, member=1).heatmap,
                               Explainer(shapes_model).explain(drawing).heatmap, atol=1e-4)
    with pytest.raises(ValueError, match="member must be between 0 and 1; received 2"):
        explainer.explain(drawing, member=2)


def test_wrong_image_shape_is_refused(shapes_model):
    with pytest.raises(ValueError, match=r"\(28, 28\).*received shape \(32, 32\)"):
        Explainer(shapes_model).explain(np.zeros((32, 32)))


def test_input_placement_lays_the_28x28_view_back_onto_the_drawing():
    from model.core.preprocessing import input_placement

    canvas = np.full((300, 400), 255, np.uint8)
    cv2.circle(canvas, (300, 90), 50, 0, 6)  # a circle in the top-right corner
    x, y, size = input_placement(canvas)
    # The 28x28 square's centre falls on the circle's centre, and 20 px of it span the circle's diameter.
    assert abs(x + size / 2 - 300) < 8 and abs(y + size / 2 - 90) < 8
    assert size * 20 / 28 == pytest.approx(106, rel=0.15)
    assert input_placement(np.full((50, 50), 255, np.uint8)) is None


def test_grad_cam_warms_only_the_ink_the_network_reads():
    """A network that reads only the left half: ink on the right raises no score, so it gets no heat.

    Averaging the gradients over the map (the original Grad-CAM) would warm both strokes alike: networks
    that flatten their maps weigh each place on its own, so the gradients are kept per cell.
    """
    import keras

    inputs = keras.Input((28, 28, 1))
    features = keras.layers.Conv2D(1, 1, use_bias=False, name="conv1")(inputs)
    dense = keras.layers.Dense(2, name="output")
    network = keras.Model(inputs, dense(keras.layers.Flatten()(features)))
    network.get_layer("conv1").set_weights([np.ones((1, 1, 1, 1), np.float32)])
    reads_left = np.zeros((28, 28, 2), np.float32)
    reads_left[:, :14, 0] = 1.0
    dense.set_weights([reads_left.reshape(-1, 2), np.zeros(2, np.float32)])
    drawing = np.zeros((28, 28), np.float32)
    drawing[6:22, 5:8] = drawing[6:22, 20:23] = 1.0
    explanation = Explainer(network).explain(drawing, label_index=0)
    assert explanation.heatmap[6:22, 5:8].min() == pytest.approx(1.0)
    assert explanation.heatmap[:, 15:].max() == 0.0
