"""Tasks the user creates, and labels added to built-in tasks, kept in `<data_dir>/tasks.json`.

The file holds {"tasks": [{"name", "title", "labels"}], "extra_labels": {builtin_task: [label, ...]}}. Every
change rewrites it atomically (`model.core.task_config` reads and writes it). Renaming or removing a label also moves
its folder of saved drawings, so a task's drawings always match its labels. `model.core.tasks.all_tasks()` merges
these with the built-in tasks. Reading checks every name (`model.core.task_config`): refused records are named in a
one-line notice and the file set aside as tasks.json.corrupt.
"""

from __future__ import annotations

import re

from model.collection.samples import SampleStore, validate_label
from model.core import names
from model.core.task_config import save_config
from model.core.tasks import BUILTIN_TASKS, Task, all_tasks, get_task
from model.core.tasks import load_checked_config as load_config

_TASK_NAME = re.compile(r"[^a-z0-9_-]+")


def user_task_records() -> list[dict]:
    """Returns [{"name", "title", "labels"}] for each task the user created."""
    return [dict(record) for record in load_config()["tasks"]]


def extra_labels(task_name: str) -> list[str]:
    """Returns the labels the user added to a built-in task."""
    return list(load_config()["extra_labels"].get(task_name, []))


def parse_labels(text: str) -> list[str]:
    """Splits "star, heart, house" into validated labels.

    Raises:
        ValueError: fewer than two labels, a duplicate, or a label that cannot name a folder.
    """
    labels = [validate_label(part) for part in text.replace("\n", ",").split(",") if part.strip()]
    _check_labels(labels)
    return labels


def _check_labels(labels: list[str]) -> None:
    if len(labels) < 2:
        raise ValueError(f"A task needs at least two labels, separated by commas; received {labels}.")
    duplicate = names.find_duplicate(labels)
    if duplicate is not None:
        raise ValueError(f"Label {duplicate!r} appears twice; each label must be different (ignoring case).")


def task_name_for(title: str) -> str:
    """Returns the folder-safe name of a task titled `title` ("My Shapes" -> "my-shapes")."""
    name = _TASK_NAME.sub("-", title.strip().lower()).strip("-")
    if not name:
        raise ValueError(f"A task needs a name with letters or digits; received {title!r}.")
    return names.check_name(name, "task")


def create_task(title: str, labels: list[str] | str) -> Task:
    """Creates a user task and returns it as a `model.core.tasks.Task`.

    Args:
        title: the name shown in the window ("Doodles").
        labels: a list of labels or a comma-separated string ("star, heart, house").

    Raises:
        ValueError: the name is empty or taken, or the labels are invalid.
    """
    labels = parse_labels(labels) if isinstance(labels, str) else [validate_label(label) for label in labels]
    _check_labels(labels)
    name = task_name_for(title)
    if any(names.same_name(name, existing) for existing in all_tasks()):
        raise ValueError(f"A task named {name!r} already exists; choose another name.")
    config = load_config()
    config["tasks"].append({"name": name, "title": title.strip(), "labels": labels})
    save_config(config)
    return get_task(name)


def delete_task(name: str) -> None:
    """Forgets a user task (its drawings stay on disk)."""
    config = load_config()
    config["tasks"] = [record for record in config["tasks"] if record["name"] != name]
    save_config(config)


def _labels_of(config: dict, task_name: str) -> tuple[list[str], dict | None]:
    for record in config["tasks"]:
        if record["name"] == task_name:
            return record["labels"], record
    if task_name in BUILTIN_TASKS:
        return list(BUILTIN_TASKS[task_name].labels) + config["extra_labels"].get(task_name, []), None
    raise KeyError(f"Unknown task {task_name!r}; create it first.")


def add_label(task_name: str, label: str) -> Task:
    """Adds a label to a task (a user task, or a built-in one) and returns the updated task."""
    label = validate_label(label)
    config = load_config()
    labels, record = _labels_of(config, task_name)
    if any(names.same_name(label, existing) for existing in labels):
        raise ValueError(f"Task {task_name!r} already has a label {label!r}.")
    if record is not None:
        record["labels"].append(label)
    else:
        config["extra_labels"].setdefault(task_name, []).append(label)
    save_config(config)
    return get_task(task_name)


def rename_label(task_name: str, old: str, new: str) -> Task:
    """Renames a label and moves its drawings' folder; returns the updated task."""
    new = validate_label(new)
    config = load_config()
    labels, record = _labels_of(config, task_name)
    owned = record["labels"] if record is not None else config["extra_labels"].get(task_name, [])
    if old not in owned:
        raise ValueError(f"Label {old!r} of task {task_name!r} is built in or unknown; "
                         "only your own labels can be renamed.")
    if any(names.same_name(new, label) for label in labels if label != old):
        raise ValueError(f"Task {task_name!r} already has a label {new!r}.")
    SampleStore(task_name).rename_label(old, new)
    owned[owned.index(old)] = new
    save_config(config)
    return get_task(task_name)


def remove_label(task_name: str, label: str) -> tuple[Task, tuple]:
    """Removes a label; its drawings go to the trash. Returns (task, undo token for `restore_label`)."""
    config = load_config()
    labels, record = _labels_of(config, task_name)
    owned = record["labels"] if record is not None else config["extra_labels"].get(task_name, [])
    if label not in owned:
        raise ValueError(f"Label {label!r} of task {task_name!r} is built in or unknown; "
                         "only your own labels can be removed.")
    if record is not None and len(owned) <= 2:
        raise ValueError(f"Task {task_name!r} needs at least two labels; add another before removing {label!r}.")
    position = owned.index(label)
    trashed = SampleStore(task_name).remove_label(label)
    owned.remove(label)
    save_config(config)
    return get_task(task_name), (task_name, label, position, trashed)


def restore_label(token: tuple) -> Task:
    """Undoes `remove_label`: the label returns at its place, with its drawings. Returns the task."""
    task_name, label, position, trashed = token
    config = load_config()
    _, record = _labels_of(config, task_name)
    owned = record["labels"] if record is not None else config["extra_labels"].setdefault(task_name, [])
    if trashed is not None:
        SampleStore(task_name).restore_label(label, trashed)
    owned.insert(min(position, len(owned)), label)
    save_config(config)
    return get_task(task_name)


def retrain_reason(task: Task, info_labels) -> str | None:
    """Says why a task's model no longer fits its labels, or None when it fits.

    Args:
        task: the `Task`.
        info_labels: the labels the saved model was trained with (`ModelInfo.labels`), or None if none.
    """
    if info_labels is None:
        return f"{task.display_name} has no trained model yet: retrain to train one."
    info_labels = list(info_labels)
    if info_labels == list(task.labels):
        return None
    added = [label for label in task.labels if label not in info_labels]
    gone = [label for label in info_labels if label not in task.labels]
    parts = ([f"new: {', '.join(added)}"] if added else []) + ([f"removed: {', '.join(gone)}"] if gone else [])
    detail = "; ".join(parts) or "the order changed"
    return f"The labels changed since the model was trained ({detail}): retrain to update the model."
