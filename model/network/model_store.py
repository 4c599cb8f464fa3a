"""Trained models on disk: saved atomically with a JSON sidecar, the previous one kept for rollback.

A task's model lives in `models_dir(task)/model.keras`; `model.json` beside it holds its `ModelInfo`
(task, labels, recipe, ensemble members, when it was trained, its metrics). Saving a new model first
keeps the current pair as `previous.keras` / `previous.json`, so one `rollback` brings it back.
A model saved elsewhere (`--out MODEL.keras`) gets its sidecar beside it: `MODEL.json`.

Keras is imported inside functions: importing this module stays cheap for the window.
"""

from __future__ import annotations

import datetime
import os
import shutil
from dataclasses import asdict, dataclass, field
from pathlib import Path

from model.core import damaged
from model.core.paths import models_dir
from model.core.storage import atomic_path, atomic_write_json

MODEL_FILE = "model.keras"
PREVIOUS_FILE = "previous.keras"
# A quick-recipe network saved as .keras (measured: 2.9 MB); used until the task has a model of its own to measure.
DEFAULT_MEMBER_BYTES = 3 * 1024 * 1024


class ModelNotFoundError(FileNotFoundError):
    """No trained model where one was looked for."""


class ModelMismatchError(ValueError):
    """A model that does not fit the task: another task's, or an output size unlike the labels."""


@dataclass
class ModelInfo:
    """What a saved model is, kept in its JSON sidecar.

    Attributes:
        task: the task's name ("shapes", "digits", ...).
        labels: class names in the order of the model's outputs.
        recipe: the training recipe's name ("quick", "best", "finetune", ...).
        members: how many networks the model averages (1 for a single CNN).
        trained_at: ISO 8601 UTC time of the end of training.
        metrics: figures measured at the end of training (for example "val_accuracy").
    """

    task: str
    labels: list[str]
    recipe: str = "quick"
    members: int = 1
    trained_at: str = ""
    metrics: dict = field(default_factory=dict)

    def to_dict(self) -> dict:
        return asdict(self)

    @classmethod
    def from_dict(cls, values: dict) -> ModelInfo:
        known = {name: values[name] for name in cls.__dataclass_fields__ if name in values}
        info = cls(**known)
        info.labels = [str(label) for label in info.labels]
        return info


def now_iso() -> str:
    """Returns the current UTC time as ISO 8601, as `ModelInfo.trained_at` records it."""
    return datetime.datetime.now(datetime.UTC).isoformat(timespec="seconds")


def sidecar_path(model_path: str | os.PathLike) -> Path:
    """Returns the JSON sidecar of a `.keras` file: `model.keras` -> `model.json`."""
    return Path(model_path).with_suffix(".json")


def task_model_path(task_name: str) -> Path:
    """Returns where a task's current model lives."""
    return models_dir(task_name) / MODEL_FILE


def expected_save_bytes(task_name: str, members: int = 1, *, checkpoints: bool = False) -> int:
    """Returns the disk space that saving a model of `members` networks takes, roughly: the new model, the copy of
    the current one kept as previous, and with `checkpoints` the per-epoch checkpoints (weights and optimizer state,
    about three times the weights)."""
    current = task_model_path(task_name)
    try:
        size, old_members = current.stat().st_size, max(1, int((load_info(task_name) or ModelInfo("", [])).members))
    except (OSError, TypeError, ValueError):
        size, old_members = 0, 1
    per_member = size / old_members if size else DEFAULT_MEMBER_BYTES
    return int(per_member * members * (4 if checkpoints else 1) + size)


def save_model(model, info: ModelInfo, path: str | os.PathLike | None = None) -> Path:
    """Saves a Keras model and its `ModelInfo` atomically, keeping the model it replaces.

    Args:
        model: the `keras.Model` to save.
        info: its description; `trained_at` is filled in if empty.
        path: a `.keras` file; default: the task's model in the data directory.

    Returns:
        The path of the saved `.keras` file.
    """
    target = Path(path) if path is not None else task_model_path(info.task)
    if target.suffix != ".keras":
        raise ValueError(f"A model file must end in .keras; received {str(target)!r}. Rename it, e.g. model.keras.")
    if not info.trained_at:
        info.trained_at = now_iso()
    from model.network.fused_batch_norm import with_plain_batch_norm

    model = with_plain_batch_norm(model)  # loads in any Keras, without this app's layer class
    if target.exists():
        keep_previous(target)
    with atomic_path(target) as temporary:
        model.save(temporary)
    atomic_write_json(sidecar_path(target), info.to_dict())
    return target


def load_model(task_name: str | None = None, path: str | os.PathLike | None = None):
    """Loads a saved model and checks that it fits its task.

    Args:
        task_name: the task the model must belong to; None accepts any (a `path` is then required).
        path: a `.keras` file; default: the task's current model.

    Returns:
        `(keras_model, ModelInfo)`. A model without a sidecar gets one inferred from `task_name`.

    Raises:
        ModelNotFoundError: no model file there.
        ModelMismatchError: the model belongs to another task, or its output size differs from the labels.
    """
    target, info, rebuilt = _checked_model_info(task_name, path)
    import keras

    try:
        keras_model = keras.models.load_model(target, compile=False)
    except Exception as error:  # Keras raises many types for a corrupt or foreign file.
        raise ModelMismatchError(f"{target}: not a readable Keras model ({type(error).__name__}: {error}).") from error
    outputs = int(keras_model.output_shape[-1])
    if outputs != len(info.labels):
        raise ModelMismatchError(
            f"{target}: the model has {outputs} outputs but task {info.task!r} has {len(info.labels)} labels "
            f"({', '.join(info.labels)}); retrain it for these labels."
        )
    if rebuilt:
        _write_rebuilt_info(target, info)
    return keras_model, info


def checked_model_info(task_name: str | None = None, path: str | os.PathLike | None = None) -> tuple[Path, ModelInfo]:
    """Returns a saved model's file and `ModelInfo` after checking it fits its task, without loading Keras.

    Args and raises: as `load_model`, except that the output size is not checked (that needs the model). A
    damaged or missing sidecar gives info rebuilt from the task, as for `load_model` (it is written back only
    once Keras has loaded the model and its outputs fit).
    """
    return _checked_model_info(task_name, path)[:2]


def _checked_model_info(task_name, path) -> tuple[Path, ModelInfo, bool]:
    """`checked_model_info`, and whether the info was rebuilt because its sidecar was damaged."""
    if path is None and task_name is None:
        raise ValueError("load_model needs a task_name or a path.")
    target = Path(path) if path is not None else task_model_path(task_name)
    if path is None:
        install_shipped(task_name)
    if not target.is_file():
        where = f"for task {task_name!r} " if path is None else ""
        hint = f"train it first: python main.py train --task {task_name}" if task_name else "check the path"
        raise ModelNotFoundError(f"No trained model {where}at {target}; {hint}.")
    info, rebuilt = _read_info(target, task_name)
    if task_name is not None and info.task != task_name:
        raise ModelMismatchError(
            f"{target}: this model was trained for task {info.task!r}, not {task_name!r}; "
            f"use --task {info.task} or a model trained for {task_name!r}."
        )
    return target, info, rebuilt


def install_shipped(task_name: str) -> None:
    """Gives a built-in task without a model the one ConvCanvas ships (`model.network.shipped_models`), and one
    whose model is an untouched copy of an older shipped model the newer one.

    Loading a task's model does this itself; call it before asking whether a task has a model at all.
    """
    from model.core.tasks import BUILTIN_TASKS, get_task
    from model.network import shipped_models

    if task_name in BUILTIN_TASKS:
        shipped_models.install(task_name, get_task(task_name).labels)


def load_info(task_name: str) -> ModelInfo | None:
    """Returns the `ModelInfo` of a task's current model without loading Keras, or None if there is none.

    A model whose sidecar is missing or damaged gets one rebuilt from the task (recipe "unknown").
    """
    target = task_model_path(task_name)
    return _read_info(target, task_name)[0] if target.is_file() else None


def has_previous(task_name: str) -> bool:
    """Returns True if the task keeps a previous model to roll back to."""
    return (models_dir(task_name) / PREVIOUS_FILE).is_file()


def rollback(task_name: str) -> ModelInfo:
    """Swaps a task's current model with its previous one (a second rollback undoes the first).

    Returns:
        The `ModelInfo` of the model now current.

    Raises:
        ModelNotFoundError: the task has no previous model.
    """
    folder = models_dir(task_name)
    current, previous = folder / MODEL_FILE, folder / PREVIOUS_FILE
    if not previous.is_file():
        raise ModelNotFoundError(f"Task {task_name!r} has no previous model to roll back to (looked for {previous}).")
    for first, second in ((current, previous), (sidecar_path(current), sidecar_path(previous))):
        _swap(first, second)
    return _read_info(current, task_name)[0]


def keep_previous(target: Path) -> None:
    """Copies a model and its sidecar to the previous slot, which `rollback` brings back.

    Copies, not renames, so the current model stays in place until the new one replaces it.
    """
    previous = target.with_name(PREVIOUS_FILE) if target.name == MODEL_FILE else target.with_name(
        f"{target.stem}.previous.keras")
    with atomic_path(previous) as temporary:
        shutil.copyfile(target, temporary)
    old_info = damaged.read_checked_json(sidecar_path(target), _checked_info)
    if old_info is not None:
        atomic_write_json(sidecar_path(previous), old_info)


def _swap(first: Path, second: Path) -> None:
    if not second.exists():
        return
    if not first.exists():
        os.replace(second, first)
        return
    parking = first.with_name(f".{first.name}.swap")
    os.replace(first, parking)
    os.replace(second, first)
    os.replace(parking, second)


def _read_info(target: Path, task_name: str | None) -> tuple[ModelInfo, bool]:
    """The model's `ModelInfo`, and whether it was rebuilt from the task because its sidecar was damaged."""
    sidecar = sidecar_path(target)
    existed = sidecar.exists()
    values = damaged.read_checked_json(sidecar, _checked_info)
    if values:
        return ModelInfo.from_dict(values), False
    if task_name is None:
        raise ModelMismatchError(
            f"{target}: no usable {sidecar.name} beside it to say which task it is for; pass --task."
        )
    from model.core.tasks import get_task

    task = get_task(task_name)
    return ModelInfo(task=task.name, labels=list(task.labels), recipe="unknown"), existed


def _write_rebuilt_info(target: Path, info: ModelInfo) -> None:
    # The model loaded and its outputs fit the task's labels: keep the rebuilt sidecar, so it is not rebuilt again.
    try:
        atomic_write_json(sidecar_path(target), info.to_dict())
    except OSError:
        pass  # a read-only folder: the info is rebuilt at every load, which costs nothing


def _checked_info(values) -> dict:
    """Checks a sidecar's content: task and labels must be right; other fields of the wrong type are dropped."""
    damaged.expect_type(values, dict, "the file")
    damaged.expect_type(values.get("task"), str, "task")
    labels = damaged.expect_type(values.get("labels"), list, "labels")
    if not labels or not all(isinstance(label, str) for label in labels):
        raise damaged.FileCheckError(f"labels must be a list of names, not {labels!r:.60}")
    optional = {"recipe": str, "members": int, "trained_at": str, "metrics": dict}
    wrong = [name for name, kind in optional.items()
             if name in values and (isinstance(values[name], bool) or not isinstance(values[name], kind))]
    if "members" not in wrong and values.get("members", 1) < 1:
        wrong.append("members")
    if not wrong:
        return values
    kept = {name: value for name, value in values.items() if name not in wrong}
    return damaged.Rebuilt(kept, f"{', '.join(sorted(set(wrong)))} of the wrong type or out of range")
