"""Per-epoch checkpoints of an unfinished training, so a crash or a Cancel loses at most one epoch.

`models_dir(task)/checkpoints/` holds `state.json` (recipe, labels, which member is training and how
many of its epochs are done) and `member<k>.keras` per member begun, saved with its optimizer state.
Every file is written atomically; the folder is removed once the finished model is saved. Workers of a
distributed training other than the chief keep theirs in `checkpoints/<worker>/`.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from model.core.damaged import expect_type, read_checked_json
from model.core.paths import models_dir
from model.core.storage import atomic_path, atomic_write_json


@dataclass
class CheckpointState:
    """Where an unfinished training stands.

    Attributes:
        task: the task's name.
        recipe: the recipe's name.
        labels: the labels trained on.
        members: members the recipe trains.
        epochs: epochs per member.
        member: the member in progress (0-based); earlier members are finished.
        epoch: epochs of that member already done.
    """

    task: str
    recipe: str
    labels: list
    members: int
    epochs: int
    member: int = 0
    epoch: int = 0


def checkpoint_dir(task_name: str) -> Path:
    """Returns the folder of a task's training checkpoints.

    In a distributed training (`model.training.distributed`) each worker but the chief keeps its own copy in a subfolder
    named after it, so workers sharing a data folder never write one file, and each can resume on its own.
    """
    from model.training.distributed import worker_name

    return models_dir(task_name) / "checkpoints" / worker_name()


def member_path(task_name: str, member: int) -> Path:
    """Returns the checkpoint file of a 0-based member."""
    return checkpoint_dir(task_name) / f"member{member + 1}.keras"


def read_state(task_name: str) -> CheckpointState | None:
    """Returns the task's checkpoint state, or None if there is none (a damaged one is set aside, with a notice)."""
    return read_checked_json(checkpoint_dir(task_name) / "state.json", _checked_state)


def _checked_state(values) -> CheckpointState:
    expect_type(values, dict, "the file")
    for name, kind in (("task", str), ("recipe", str), ("labels", list), ("members", int), ("epochs", int),
                       ("member", int), ("epoch", int)):
        if name in values or name in ("task", "recipe", "labels", "members", "epochs"):
            expect_type(values.get(name), kind, name)
    state = CheckpointState(**{name: values[name] for name in CheckpointState.__dataclass_fields__ if name in values})
    if not (state.members >= 1 and state.epochs >= 1 and 0 <= state.member < state.members and state.epoch >= 0):
        raise ValueError(f"member {state.member}/{state.members}, epoch {state.epoch}/{state.epochs} are out of range")
    return state


def unfinished(task_name: str) -> CheckpointState | None:
    """Returns where the task's unfinished training stands, if it can be resumed, else None."""
    state = read_state(task_name)
    return state if state is not None and member_path(task_name, state.member).is_file() else None


def has_checkpoint(task_name: str) -> bool:
    """Returns True if an unfinished training of the task can be resumed."""
    return unfinished(task_name) is not None


def save_checkpoint(keras_model, state: CheckpointState) -> None:
    """Saves the member in progress (with its optimizer), then the state that points to it."""
    with atomic_path(member_path(state.task, state.member)) as temporary:
        keras_model.save(temporary)
    atomic_write_json(checkpoint_dir(state.task) / "state.json", asdict(state))


def load_member(task_name: str, member: int, *, compile: bool = True):
    """Loads a member's checkpoint; compiled, it carries its optimizer state on."""
    import keras

    import model.network.fused_batch_norm  # noqa: F401  (registers the layer a checkpoint names)
    import model.training.losses  # noqa: F401  (registers the loss a compiled checkpoint names)

    return keras.models.load_model(member_path(task_name, member), compile=compile)


def clear_checkpoints(task_name: str) -> None:
    """Removes a task's checkpoints (after its finished model is saved)."""
    shutil.rmtree(checkpoint_dir(task_name), ignore_errors=True)
