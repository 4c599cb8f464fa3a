"""The store's in-memory index and its writer thread: the index always equals what is on disk, queued saves are
readable at once and written in the end, and a failed write is reported and kept."""

from __future__ import annotations

import os
import threading

import numpy as np
import pytest

from model.collection import sample_format
from model.collection.samples import SampleStore
from tests.model.test_samples import _circle, _line
from tests.model.training_data import fail_png_writes


def _on_disk(root) -> dict[str, list[str]]:
    """The store as a fresh scan of its folders sees it: {label: sorted ids}."""
    return {entry.name: sorted(name[:-4] for name in os.listdir(entry.path) if name.endswith(".png"))
            for entry in os.scandir(root) if entry.is_dir()}


def _indexed(store) -> dict[str, list[str]]:
    return {label: [sample.id for sample in store.samples(label)] for label in store.labels()}


def test_index_equals_a_rescan_after_every_kind_of_change():
    store = SampleStore("shapes")
    rng = np.random.default_rng(3)
    removed, checks = [], 0
    for step in range(60):
        ids = [sample.id for sample in store.samples()]
        action = rng.choice(["add", "add_later", "remove", "restore", "relabel"]) if ids else "add"
        if action == "add":
            store.add(str(rng.choice(["circle", "square"])), *_circle(radius=int(rng.integers(20, 70))))
        elif action == "add_later":
            store.add_later(str(rng.choice(["circle", "triangle"])), *_line())
        elif action == "remove":
            removed.append(store.remove(str(rng.choice(ids))))
        elif action == "restore" and removed:
            store.restore(removed.pop())
        elif action == "relabel":
            store.relabel(str(rng.choice(ids)), str(rng.choice(["circle", "square", "triangle"])))
        store.wait_for_writes()
        assert _indexed(store) == _on_disk(store.root), f"step {step}: {action}"
        assert store.counts() == {label: len(ids) for label, ids in _on_disk(store.root).items()}
        checks += 1
    store.rename_label("square", "box")
    assert _indexed(store) == _on_disk(store.root)
    trashed = store.remove_label("box")
    assert _indexed(store) == _on_disk(store.root) and "box" not in store.labels()
    store.restore_label("box", trashed)
    assert _indexed(store) == _on_disk(store.root)
    # A second store of the same folder (an import thread, another dock) shares the index.
    assert _indexed(SampleStore("shapes")) == _indexed(store)
    assert checks == 60


def test_a_queued_save_is_listed_and_readable_at_once_and_written_by_the_writer(monkeypatch):
    store = SampleStore("shapes")
    release = threading.Event()
    real_write = sample_format.write_sample_files
    monkeypatch.setattr("model.collection.sample_writer.write_sample_files",
                        lambda *args: (release.wait(10), real_write(*args)))
    image, strokes = _circle()
    sample = store.add_later("circle", image, strokes)
    assert store.counts() == {"circle": 1} and not sample.path.exists()
    assert store.image(sample.id).shape == (256, 256) and len(store.strokes(sample.id)) == 1
    release.set()
    assert store.wait_for_writes(timeout=10)
    assert sample.path.exists() and sample.strokes_path.exists()
    assert store.record(sample.id)["word"] == "circle"


def test_undoing_a_queued_save_waits_for_its_write_and_leaves_nothing(monkeypatch):
    store = SampleStore("shapes")
    sample = store.add_later("circle", *_circle())
    store.remove(sample.id)
    assert store.counts() == {"circle": 0} and _on_disk(store.root) == {"circle": []}


def test_a_failed_write_is_reported_kept_in_memory_and_written_on_retry(monkeypatch):
    store = SampleStore("shapes")
    fail_png_writes(monkeypatch)
    reports = []
    sample = store.add_later("circle", *_circle(), on_failed=lambda failed, message: reports.append((failed, message)))
    store.wait_for_writes()
    assert len(reports) == 1 and reports[0][0] == sample and "No space left" in reports[0][1]
    assert store.failed_writes() == [sample] and not sample.path.exists()
    assert store.counts() == {"circle": 1} and store.image(sample.id).shape == (256, 256)
    x, _, ids = store.load_arrays()
    assert ids.tolist() == [sample.id] and x.shape == (1, 28, 28)
    monkeypatch.undo()
    assert store.retry_failed() == 1
    store.wait_for_writes()
    assert store.failed_writes() == [] and sample.path.exists()
    assert _indexed(store) == _on_disk(store.root)


def test_samples_saved_after_an_id_are_counted_without_a_scan():
    store = SampleStore("shapes")
    first = store.add("circle", *_circle())
    store.add("square", *_circle())
    store.add("line", *_line())
    assert store.index.count_after(first, ["circle", "square"]) == 1
    assert store.index.count_after("", ["circle", "square", "line"]) == 3


def test_a_change_carries_the_counts_after_it():
    store = SampleStore("shapes")
    sample = store.add_later("circle", *_circle())
    change = store.change(added=[sample])
    assert change.counts == {"circle": 1} and change.added == (sample,) and change.task_name == "shapes"
    with pytest.raises(KeyError):
        store.find("no-such-id")


def test_the_index_can_be_built_in_the_background():
    from model.collection.sample_index import SampleIndex

    store = SampleStore("shapes")
    ids = sorted(store.add("circle", *_circle()) for _ in range(3))
    fresh = SampleIndex(store.root)
    assert not fresh.ready()
    done = threading.Event()
    fresh.load_in_background(done.set)
    assert done.wait(10) and fresh.ready()
    assert fresh.ids("circle") == ids and fresh.counts() == {"circle": 3}
