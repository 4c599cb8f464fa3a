"""Finding, validating and preprocessing MNIST for the Digits task."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.storage import atomic_write_json
from model.datasets import mnist
from model.datasets.mnist import (
    MnistUnavailableError,
    find_mnist,
    load_mnist,
    load_mnist_for_training,
    load_mnist_preprocessed,
)


@pytest.fixture
def fake_mnist(tmp_path):
    """Writes a small file in Keras' MNIST format, with one stroke per image."""

    def write(name, train=20, test=10, **override):
        images = np.zeros((train + test, 28, 28), np.uint8)
        images[:, 6:22, 13:15] = 255
        arrays = {"x_train": images[:train], "y_train": np.arange(train) % 10,
                  "x_test": images[train:], "y_test": np.arange(test) % 10}
        arrays.update(override)
        path = tmp_path / name
        np.savez(path, **arrays)
        return path

    return write


@pytest.fixture
def keras_cache(monkeypatch, tmp_path):
    cache = tmp_path / "keras" / "datasets" / "mnist.npz"
    monkeypatch.setattr(mnist, "keras_cache_path", lambda: cache)
    return cache


def test_search_order_explicit_then_variable_then_setting_then_keras_cache(
        fake_mnist, keras_cache, monkeypatch, isolated_data_dir):
    explicit, variable, setting = fake_mnist("a.npz"), fake_mnist("b.npz"), fake_mnist("c.npz")
    keras_cache.parent.mkdir(parents=True)
    keras_cache.write_bytes(explicit.read_bytes())
    assert find_mnist() == keras_cache
    atomic_write_json(isolated_data_dir / "settings.json", {"mnist_path": str(setting)})
    assert find_mnist() == setting
    monkeypatch.setenv("CONVCANVAS_MNIST", str(variable))
    assert find_mnist() == variable
    assert find_mnist(explicit) == explicit


def test_nothing_found_and_offline_says_how_to_get_the_file(keras_cache, monkeypatch):
    import keras

    def offline():
        raise OSError("network unreachable")

    monkeypatch.setattr(keras.datasets.mnist, "load_data", offline)
    with pytest.raises(MnistUnavailableError) as caught:
        load_mnist()
    message = str(caught.value)
    assert "--mnist PATH" in message and "mnist_path" in message and mnist.MNIST_URL in message
    assert "Shapes works without it" in message


def test_a_named_file_that_does_not_exist_is_named(tmp_path):
    missing = tmp_path / "nowhere" / "mnist.npz"
    with pytest.raises(MnistUnavailableError, match="MNIST file not found: .*nowhere"):
        load_mnist(missing)


def test_a_file_that_is_not_mnist_is_explained(fake_mnist, tmp_path):
    with pytest.raises(MnistUnavailableError, match="x_train has shape \\(20, 32, 32\\)"):
        load_mnist(fake_mnist("bad.npz", x_train=np.zeros((20, 32, 32), np.uint8)))
    text = tmp_path / "text.npz"
    text.write_text("hello")
    with pytest.raises(MnistUnavailableError, match="not a readable .npz"):
        load_mnist(text)
    partial = tmp_path / "partial.npz"
    np.savez(partial, x_train=np.zeros((2, 28, 28)))
    with pytest.raises(MnistUnavailableError, match="lacks y_train, x_test, y_test"):
        load_mnist(partial)


def test_load_gives_uint8_images_and_int64_labels(mnist_path):
    (x_train, y_train), (x_test, y_test) = load_mnist(mnist_path)
    assert x_train.shape == (60000, 28, 28) and x_test.shape == (10000, 28, 28) and x_train.dtype == np.uint8
    assert y_train.dtype == np.int64 and set(np.unique(y_test)) == set(range(10))


def test_preprocessed_copy_is_cached_once_and_nearly_unchanged(fake_mnist, monkeypatch, isolated_data_dir):
    path = fake_mnist("small.npz")
    stale = isolated_data_dir / "cache" / "mnist-preprocessed-0000.npz"  # from an older preprocessing
    stale.parent.mkdir(parents=True)
    stale.write_bytes(b"old")
    (x_train, y_train), (x_test, _) = load_mnist_preprocessed(path)
    # MNIST's 20 training images, a flagged copy of each of its two upright 1s, then fat-pen copies of 8%
    # of them (2 of 20), pen-tablet copies of 15% (3 of 20) and of 30% of the flagged 1s (1 of 2), and coarse
    # scan copies of 12% (2 of 20) and of 30% of the flagged 1s (1 of 2), their labels kept; the test set as it was.
    assert x_train.dtype == np.float32 and x_train.shape == (31, 28, 28) and x_train.max() == pytest.approx(1.0)
    assert y_train[20:22].tolist() == [1, 1] and y_train[27] == y_train[30] == 1 and x_test.shape == (10, 28, 28)
    assert set(y_train[22:].tolist()) <= set(range(10))
    # The flagged 1 redrawn as a tablet records it keeps its flag: it is wider than the plain bar's pen copies.
    def width(image):
        return np.count_nonzero(image.max(axis=0) > 0.3)
    assert width(x_train[27]) > max(width(image) for image in x_train[24:27]) + 2
    assert width(x_train[30]) > max(width(image) for image in x_train[28:30]) + 2
    assert np.all(x_train[24:].max(axis=(1, 2)) == pytest.approx(1.0))  # the pen and scan copies hold a drawing
    # The stroke stays a vertical bar near the middle.
    columns = x_train[0].sum(axis=0)
    assert 12 <= int(columns.argmax()) <= 15
    assert len(list((isolated_data_dir / "cache").glob("mnist-preprocessed-*.npz"))) == 1 and not stale.exists()
    monkeypatch.setattr(mnist, "preprocess_images", lambda images: pytest.fail("preprocessed twice"))
    (again, _), _ = load_mnist_preprocessed(path)
    np.testing.assert_array_equal(again, x_train)


def test_training_data_holds_each_digit_preprocessed_and_as_published(fake_mnist, isolated_data_dir):
    off_centre = np.zeros((10, 28, 28), np.uint8)
    off_centre[:, 6:22, 3:5] = 255
    path = fake_mnist("small.npz", x_test=off_centre)
    (x_train, x_source, y_train), (x_test, y_test) = load_mnist_for_training(path)
    (published, _), _ = load_mnist(path)
    assert x_source.shape == x_train.shape and x_source.dtype == np.float32 and len(y_train) == len(x_train)
    np.testing.assert_allclose(x_source[:20], published / 255.0, atol=1e-6)
    assert not np.allclose(x_source[:20], x_train[:20], atol=0.05)  # preprocessing softened the bar's edges
    # The flagged and fat-pen copies exist only preprocessed.
    np.testing.assert_array_equal(x_source[20:], x_train[20:])
    # The test set is prepared as the app prepares a drawing: the bar moved to the middle.
    (_, _), (prepared, _) = load_mnist_preprocessed(path)
    np.testing.assert_array_equal(x_test, prepared)
    assert x_test[:, :, 14].sum() > 0 and x_test[:, :, 3:5].sum() == 0
    assert y_test.tolist() == list(range(10))


def test_training_digits_lose_faint_ink_in_thin_strokes_but_test_digits_keep_it(fake_mnist, isolated_data_dir):
    dotted = np.zeros((30, 28, 28), np.uint8)
    for row in range(4, 24):
        dotted[:, row, 14] = 255 if (row // 3) % 2 == 0 else 60  # a thin stroke fading in and out
    dotted[:, 4, 8:15] = 255
    path = fake_mnist("dotted.npz", x_train=dotted[:20], x_test=dotted[20:])
    (x_train, _), (x_test, _) = load_mnist_preprocessed(path)

    def weakest_along_the_stroke(image):
        column = image[:, int(image.sum(axis=0).argmax())]
        inked = np.flatnonzero(column > 0.5)
        return float(column[inked[0]:inked[-1] + 1].min())

    assert weakest_along_the_stroke(x_train[0]) < 0.05
    assert weakest_along_the_stroke(x_test[0]) > 0.15


def test_only_a_recipe_with_a_source_share_trains_on_the_published_images_too(fake_mnist, isolated_data_dir):
    from model.core.tasks import DIGITS
    from model.training.recipes import get_recipe
    from model.training.training import load_task_data

    path = fake_mnist("small.npz")
    best = load_task_data(DIGITS, get_recipe("best"), path)
    quick = load_task_data(DIGITS, get_recipe("quick"), path)
    assert get_recipe("best").source_share > 0 and get_recipe("quick").source_share == 0
    assert best.x_train_source is not None and best.x_train_source.shape == best.x_train.shape
    assert quick.x_train_source is None
    np.testing.assert_array_equal(best.x_train, quick.x_train)
    np.testing.assert_array_equal(best.x_val, quick.x_val)


def test_the_cache_is_made_again_when_the_choice_of_training_copies_changes(fake_mnist, monkeypatch,
                                                                            isolated_data_dir):
    # Which copies the training set holds is decided in model.datasets.mnist itself: a cache keyed on the
    # copy-making modules alone kept serving a training set without copies added here.
    import inspect

    path = fake_mnist("small.npz")
    before = mnist._cache_path(path)
    real_source = inspect.getsource

    def edited(module):
        return real_source(module) + ("\n# one more kind of copy\n" if module is mnist else "")

    monkeypatch.setattr(inspect, "getsource", edited)
    assert mnist._cache_path(path) != before


def test_preprocessing_spread_over_processes_gives_the_same_images_in_order(mnist_path, monkeypatch):
    (images, _), _ = load_mnist(mnist_path)
    images = images[:120]
    monkeypatch.setattr(mnist, "_CHUNK", 25)  # five chunks for two processes
    alone = mnist.preprocess_images(images, drop_faint=True, workers=1)
    pooled = mnist.preprocess_images(images, drop_faint=True, workers=2)
    assert alone.shape == (120, 28, 28) and alone.max() == pytest.approx(1.0)
    np.testing.assert_array_equal(pooled, alone)
    # Large images go in smaller chunks, so that each chunk in flight stays small.
    monkeypatch.setattr(mnist, "_CHUNK_BYTES", 10 * images[0].nbytes)
    seen = []
    monkeypatch.setattr(mnist, "run_chunks", lambda function, chunks, workers, should_stop: seen.extend(chunks) or [])
    mnist.preprocess_images(images, workers=1)
    assert [len(chunk[0]) for chunk in seen] == [10] * 12


def test_a_cancel_stops_pooled_preprocessing(mnist_path):
    from model.core.training_progress import TrainingCancelled

    (images, _), _ = load_mnist(mnist_path)
    with pytest.raises(TrainingCancelled):
        mnist.preprocess_images(images[:8000], workers=2, should_stop=lambda: True)
