"""Streaming training data from disk: shard sets, the tf.data pipeline over them, the drawings' cache, training."""

from __future__ import annotations

import numpy as np
import pytest

from model.collection import user_tasks
from model.collection.samples import SampleStore
from model.collection.shards import ShardSet, ShardWriter
from model.core import paths
from model.core.tasks import get_task
from model.training.recipes import get_recipe
from model.training.streaming import StreamSource, drawings_cache, refresh_drawings_cache, task_source
from model.training.training import train_task
from tests.model.training_data import bars

LABELS = ["across", "down", "slant"]
SMALL = [{"type": "conv", "filters": 8}, {"type": "pool"}, {"type": "flatten"}, {"type": "dense", "units": 16}]


def _write_set(folder, count=300, labels=LABELS, seed=0, **options) -> ShardSet:
    x, y = bars(count, seed)
    writer = ShardWriter(folder, labels, **options)
    writer.add(x, y)
    return writer.close()


def test_a_shard_set_holds_every_image_once_with_every_nth_held_out(tmp_path):
    x, y = bars(300, 0)
    shard_set = _write_set(tmp_path / "set", shard_records=64, validation_every=10)
    assert shard_set.count("train") == 270 and shard_set.count("validation") == 30
    assert len(shard_set.files("train")) == 5  # 64 + 64 + 64 + 64 + 14
    x_val, y_val = shard_set.read("validation")
    np.testing.assert_array_equal(y_val, y[9::10])
    np.testing.assert_allclose(x_val, np.round(x[9::10] * 255) / 255, atol=1e-6)


def test_a_rewrite_replaces_the_set_whole_and_an_abort_keeps_the_old_one(tmp_path):
    first = _write_set(tmp_path / "set", count=100)
    old_files = first.files("train")
    writer = ShardWriter(tmp_path / "set", LABELS, shard_records=32)
    writer.add(*bars(50, 1))
    writer.abort()
    assert ShardSet(tmp_path / "set").files("train") == old_files and all(f.exists() for f in old_files)
    _write_set(tmp_path / "set", count=40)
    assert ShardSet(tmp_path / "set").count("train") + ShardSet(tmp_path / "set").count("validation") == 40
    assert not any(file.exists() for file in old_files)


def test_the_stream_shows_each_training_image_once_per_pass_with_labels_in_the_task_order(tmp_path):
    shard_set = _write_set(tmp_path / "set", count=200, shard_records=32, validation_every=0)
    x, y = bars(200, 0)
    # The task orders its labels differently and lacks "slant": those images are left out.
    source = StreamSource([shard_set], ["down", "across"])
    assert source.count == int((y < 2).sum())
    batches = source.train_dataset(batch_size=source.count, seed=3, shuffle_buffer=50).take(1)
    images, labels = next(iter(batches))
    images, labels = images.numpy()[..., 0], labels.numpy()
    expected = {bytes(np.round(image * 255).astype(np.uint8)): {0: 1, 1: 0}[label] for image, label in zip(x, y)
                if label < 2}
    seen = {bytes(np.round(image * 255).astype(np.uint8)): label for image, label in zip(images, labels)}
    assert seen == expected


def _save_drawings(count_per_label: int) -> None:
    store = SampleStore("bars")
    x, y = bars(count_per_label * 6, 0)
    for label_index, label in enumerate(LABELS):
        for image in x[y == label_index][:count_per_label]:
            store.add(label, (255 - image * 255).astype(np.uint8), crop=False)


def test_the_drawings_cache_is_built_once_and_rebuilt_when_a_drawing_changes():
    user_tasks.create_task("Bars", LABELS)
    task = get_task("bars")
    _save_drawings(4)
    built = refresh_drawings_cache(task)
    assert built.count("train") + built.count("validation") == 12
    assert refresh_drawings_cache(task).manifest == built.manifest  # nothing changed: not rebuilt
    _save_drawings(1)
    assert refresh_drawings_cache(task).count("train") + drawings_cache("bars").count("validation") == 15


def test_cancelling_the_drawings_cache_keeps_the_previous_one():
    user_tasks.create_task("Bars", LABELS)
    task = get_task("bars")
    _save_drawings(2)
    before = refresh_drawings_cache(task).manifest
    _save_drawings(2)
    assert refresh_drawings_cache(task, should_stop=lambda: True) is None
    assert drawings_cache("bars").manifest == before


def test_a_task_of_the_users_trains_by_streaming_its_drawings_and_imported_sets():
    user_tasks.create_task("Bars", LABELS)
    task = get_task("bars")
    _save_drawings(10)
    _write_set(paths.data_dir() / "datasets" / "bars" / "synthetic", count=600)
    assert len(task_source(task).sets) == 2
    recipe = get_recipe("quick").with_overrides(architecture=SMALL, batch_size=32, learning_rate=5e-3,
                                                augmentation=None)
    result = train_task(task, recipe, epochs=2)
    assert result.status == "completed" and result.model_path.is_file()
    assert result.metrics["train_samples"] == 588 + 30  # every 50th image of each set held out: 12 of 600, 0 of 30
    assert result.metrics["val_accuracy"] > 0.8


def test_a_task_of_the_users_without_drawings_says_how_to_get_some():
    user_tasks.create_task("Bars", LABELS)
    with pytest.raises(ValueError, match="at least 5 of each label"):
        train_task(get_task("bars"), get_recipe("quick"), epochs=1)
