"""A retrain that did not finish (the window closed, or Cancel), kept so that it can be resumed.

`models_dir(task)/retrain-checkpoint/` holds `state.json` (the labels, how many epochs, how many are done,
whether a new network is trained, and which saved model it started from) and, after its first finished epoch,
`model.keras`: the network as that epoch left it. The state is written when a retrain starts, so even a retrain
closed before its first epoch ended is remembered. Every file is written atomically; the folder is removed when
the retrain's model is saved, or when a new retrain starts over. A damaged `state.json` (not JSON, or a field of
the wrong type) is set aside as `state.json.corrupt` with a one-line notice
(`model.core.damaged`): no resume is offered.
"""

from __future__ import annotations

import shutil
from dataclasses import asdict, dataclass
from pathlib import Path

from model.core.damaged import FileCheckError, expect_type, read_checked_json
from model.core.paths import models_dir
from model.core.storage import atomic_path, atomic_write_json
from model.network import model_store


@dataclass
class RetrainState:
    """How far an unfinished retrain got.

    Attributes:
        task: the task's name.  labels: the labels it trains for.
        epochs: epochs it runs in all.  epoch: epochs finished.
        from_scratch: it trains a new network rather than fine-tuning the saved one.
        started_from: `trained_at` of the model saved when it started ("" for none): a resume needs the same one.
    """

    task: str
    labels: list
    epochs: int
    from_scratch: bool
    started_from: str = ""
    epoch: int = 0


def checkpoint_dir(task_name: str) -> Path:
    return models_dir(task_name) / "retrain-checkpoint"


def _model_path(task_name: str) -> Path:
    return checkpoint_dir(task_name) / "model.keras"


def saved_model_stamp(task_name: str) -> str:
    """Returns `trained_at` of the task's saved model, "" when it has none."""
    info = model_store.load_info(task_name)
    return str(info.trained_at) if info is not None else ""


def unfinished_retrain(task) -> RetrainState | None:
    """Returns the task's unfinished retrain, if it can still be resumed: same labels, same saved model."""
    state = read_checked_json(checkpoint_dir(task.name) / "state.json", _checked_state)
    if state is None or list(state.labels) != list(task.labels) or state.epoch >= state.epochs:
        return None
    if state.epoch and not _model_path(task.name).is_file():
        return None  # past its first epoch, but the network it left is gone: nothing to go on from
    if state.started_from != saved_model_stamp(task.name):
        return None  # the model was trained, retrained or rolled back since
    return state


_FIELD_TYPES = {"task": str, "labels": list, "epochs": int, "from_scratch": bool, "started_from": str, "epoch": int}
_OPTIONAL_FIELDS = ("started_from", "epoch")


def _checked_state(values) -> RetrainState:
    """The state in a parsed `state.json`; raises FileCheckError saying which field is wrong."""
    expect_type(values, dict, "the file")
    for name, kind in _FIELD_TYPES.items():
        if name in values or name not in _OPTIONAL_FIELDS:
            expect_type(values.get(name), kind, name)
    if not all(isinstance(label, str) for label in values["labels"]):
        raise FileCheckError(f"labels must be a list of names, not {values['labels']!r:.60}")
    state = RetrainState(**{name: values[name] for name in _FIELD_TYPES if name in values})
    if state.epochs < 1 or not 0 <= state.epoch <= state.epochs:
        raise FileCheckError(f"epoch {state.epoch} of {state.epochs} is out of range")
    return state


def save_state(state: RetrainState, keras_model=None) -> None:
    """Records the retrain's progress, with the network in training after a finished epoch."""
    if keras_model is not None:
        with atomic_path(_model_path(state.task)) as temporary:
            keras_model.save(temporary)
    atomic_write_json(checkpoint_dir(state.task) / "state.json", asdict(state))


def load_network(task_name: str):
    """Returns the network an unfinished retrain left after its last finished epoch, or None if none finished."""
    import keras

    import model.network.fused_batch_norm  # noqa: F401  (registers the layer a fresh network's checkpoint names)

    path = _model_path(task_name)
    return keras.models.load_model(path, compile=False) if path.is_file() else None


def clear(task_name: str) -> None:
    """Forgets the task's unfinished retrain."""
    shutil.rmtree(checkpoint_dir(task_name), ignore_errors=True)
