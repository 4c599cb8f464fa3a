"""What `train_task` checks around a training: whether a user's task is streamed, room on disk, the live files."""

from __future__ import annotations

import logging
from pathlib import Path

from model.training.recipes import Recipe

LOG = logging.getLogger(__name__)
# A task of the user's with more saved drawings than this trains streamed from disk (model.training.streaming), not in
# memory.
STREAM_ABOVE = 20_000


def streams(task) -> bool:
    """True when a task of the user's is better streamed from disk than held in memory: it has imported sets,
    or more than `STREAM_ABOVE` saved drawings."""
    from model.collection.samples import SampleStore
    from model.training.streaming import imported_sets

    return bool(imported_sets(task.name)) or sum(SampleStore(task.name).counts().values()) > STREAM_ABOVE


def write_live_model(keras_model, path) -> None:
    # Converted now, while TensorFlow is loaded, so the window opens the model without it
    # (model.network.litert_convert).
    from model.network.litert_convert import ConversionError, write_live_files

    try:
        write_live_files(keras_model, path)
    except ConversionError as error:
        LOG.warning("%s; the window will use TensorFlow for live predictions.", error)


def ensure_room(task, recipe: Recipe, out_path) -> None:
    """Fails before the first epoch, in one line, if the checkpoints or the model could not be saved."""
    from model.core import disk
    from model.core.paths import models_dir
    from model.network.model_store import expected_save_bytes

    needed = expected_save_bytes(task.name, recipe.members, checkpoints=True)
    disk.ensure_writable(models_dir(task.name), needed)
    if out_path is not None:
        disk.ensure_writable(Path(out_path).absolute().parent, expected_save_bytes(task.name, recipe.members))
