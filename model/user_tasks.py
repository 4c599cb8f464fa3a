"""Tasks the user creates, and labels added to built-in tasks, kept in `<data_dir>/tasks.json`.

The file holds {"tasks": [{"name", "title", "labels"}], "extra_labels": {builtin_task: [label, ...]}}. Every
change rewrites it atomically. Reading checks it (`model.names` for every task and label name): a record that
breaks a rule (a name such as "../../escaped", a duplicate, labels that are not a list) is refused with a
one-line notice, the file set aside as tasks.json.corrupt and rewritten with the rest. Renaming or removing a
label also moves its folder of saved drawings, so a task's drawings always match its labels. `model.tasks.all_tasks()` merges these with the built-in tasks.
"""

from __future__ import annotations

import re

from model import damaged, names, paths, storage
from model.samples import SampleStore, validate_label

_TASK_NAME = re.compile(r"[^a-z0-9_-]+")


def tasks_file():
    return paths.data_dir() / "tasks.json"


def load_config() -> dict:
    """Returns tasks.json's content, checked; an empty configuration when there is none or it is unusable."""
    config = damaged.read_checked_json(tasks_file(), _checked_config, default=None)
    return config if config is not None else {"tasks": [], "extra_labels": {}}


def _checked_config(value) -> dict | damaged.Rebuilt:
    """Keeps the records of tasks.json that pass every check; says what was refused."""
    from model.tasks import BUILTIN_TASKS

    damaged.expect_type(value, dict, "the file")
    problems: list[str] = []
    taken = {names.name_key(name) for name in BUILTIN_TASKS}
    tasks = []
    for record in _listed(value, "tasks", list, problems):
        try:
            tasks.append(_checked_record(record, taken, problems))
        except (ValueError, TypeError) as error:
            problems.append(f"refused {_record_name(record)}: {str(error).rstrip('.')}")
    extra = {}
    for task_name, labels in _listed(value, "extra_labels", dict, problems).items():
        try:
            if task_name not in BUILTIN_TASKS:
                raise ValueError(f"{task_name!r:.60} is not a built-in task")
            extra[task_name] = _checked_labels(labels, list(BUILTIN_TASKS[task_name].labels), problems)
        except (ValueError, TypeError) as error:
            problems.append(f"refused extra labels of {task_name!r:.60}: {str(error).rstrip('.')}")
    config = {**value, "tasks": tasks, "extra_labels": extra}
    return damaged.Rebuilt(config, "; ".join(problems)) if problems else config


def _listed(value: dict, key: str, kind: type, problems: list[str]):
    found = value.get(key, kind())
    if isinstance(found, kind):
        return found
    problems.append(f"{key} must be {'a list' if kind is list else 'an object'}, not {found!r:.40}")
    return kind()


def _record_name(record) -> str:
    return f"task {record.get('name')!r:.60}" if isinstance(record, dict) else f"{record!r:.40}"


def _checked_record(record, taken: set[str], problems: list[str]) -> dict:
    damaged.expect_type(record, dict, "a task")
    name = names.check_name(record.get("name"), "task")
    if name != record["name"]:
        raise ValueError(f"its name must be written as {name!r}")
    if names.name_key(name) in taken:
        raise ValueError(f"a task named {name!r} exists already (names are compared ignoring case)")
    title = damaged.expect_type(record.get("title", ""), str, "title")
    labels = _checked_labels(record.get("labels"), [], problems)
    if len(labels) < 2:
        raise ValueError(f"a task needs at least two labels; it has {labels}")
    taken.add(names.name_key(name))
    return {**record, "name": name, "title": title, "labels": labels}


def _checked_labels(labels, existing: list[str], problems: list[str]) -> list[str]:
    """The labels that pass `validate_label` and repeat no earlier one; each refused label is named in `problems`."""
    damaged.expect_type(labels, list, "labels")
    kept = []
    for label in labels:
        try:
            if validate_label(label) != label:
                raise ValueError(f"it must be written {validate_label(label)!r}")
            if names.find_duplicate(existing + kept + [label]) is not None:
                raise ValueError("it appears twice (labels are compared ignoring case)")
            kept.append(label)
        except ValueError as error:
            problems.append(f"refused label {label!r:.60}: {str(error).rstrip('.')}")
    return kept


def _save(config: dict) -> None:
    storage.atomic_write_json(tasks_file(), config)


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


def create_task(title: str, labels: list[str] | str):
    """Creates a user task and returns it as a `model.tasks.Task`.

    Args:
        title: the name shown in the window ("Doodles").
        labels: a list of labels or a comma-separated string ("star, heart, house").

    Raises:
        ValueError: the name is empty or taken, or the labels are invalid.
    """
    from model.tasks import all_tasks, get_task

    labels = parse_labels(labels) if isinstance(labels, str) else [validate_label(label) for label in labels]
    _check_labels(labels)
    name = task_name_for(title)
    if any(names.same_name(name, existing) for existing in all_tasks()):
        raise ValueError(f"A task named {name!r} already exists; choose another name.")
    config = load_config()
    config["tasks"].append({"name": name, "title": title.strip(), "labels": labels})
    _save(config)
    return get_task(name)


def delete_task(name: str) -> None:
    """Forgets a user task (its drawings stay on disk)."""
    config = load_config()
    config["tasks"] = [record for record in config["tasks"] if record["name"] != name]
    _save(config)


def _labels_of(config: dict, task_name: str) -> tuple[list[str], dict | None]:
    from model.tasks import BUILTIN_TASKS

    for record in config["tasks"]:
        if record["name"] == task_name:
            return record["labels"], record
    if task_name in BUILTIN_TASKS:
        return list(BUILTIN_TASKS[task_name].labels) + config["extra_labels"].get(task_name, []), None
    raise KeyError(f"Unknown task {task_name!r}; create it first.")


def add_label(task_name: str, label: str):
    """Adds a label to a task (a user task, or a built-in one) and returns the updated task."""
    from model.tasks import get_task

    label = validate_label(label)
    config = load_config()
    labels, record = _labels_of(config, task_name)
    if any(names.same_name(label, existing) for existing in labels):
        raise ValueError(f"Task {task_name!r} already has a label {label!r}.")
    if record is not None:
        record["labels"].append(label)
    else:
        config["extra_labels"].setdefault(task_name, []).append(label)
    _save(config)
    return get_task(task_name)


def rename_label(task_name: str, old: str, new: str):
    """Renames a label and moves its drawings' folder; returns the updated task."""
    from model.tasks import get_task

    new = validate_label(new)
    config = load_config()
    labels, record = _labels_of(config, task_name)
    owned = record["labels"] if record is not None else config["extra_labels"].get(task_name, [])
    if old not in owned:
        raise ValueError(f"Label {old!r} of task {task_name!r} is built in or unknown; only your own labels can be renamed.")
    if any(names.same_name(new, label) for label in labels if label != old):
        raise ValueError(f"Task {task_name!r} already has a label {new!r}.")
    SampleStore(task_name).rename_label(old, new)
    owned[owned.index(old)] = new
    _save(config)
    return get_task(task_name)


def remove_label(task_name: str, label: str):
    """Removes a label; its drawings go to the trash. Returns (task, undo token for `restore_label`)."""
    from model.tasks import get_task

    config = load_config()
    labels, record = _labels_of(config, task_name)
    owned = record["labels"] if record is not None else config["extra_labels"].get(task_name, [])
    if label not in owned:
        raise ValueError(f"Label {label!r} of task {task_name!r} is built in or unknown; only your own labels can be removed.")
    if record is not None and len(owned) <= 2:
        raise ValueError(f"Task {task_name!r} needs at least two labels; add another before removing {label!r}.")
    position = owned.index(label)
    trashed = SampleStore(task_name).remove_label(label)
    owned.remove(label)
    _save(config)
    return get_task(task_name), (task_name, label, position, trashed)


def restore_label(token) -> object:
    """Undoes `remove_label`: the label returns at its place, with its drawings. Returns the task."""
    from model.tasks import get_task

    task_name, label, position, trashed = token
    config = load_config()
    _, record = _labels_of(config, task_name)
    owned = record["labels"] if record is not None else config["extra_labels"].setdefault(task_name, [])
    if trashed is not None:
        SampleStore(task_name).restore_label(label, trashed)
    owned.insert(min(position, len(owned)), label)
    _save(config)
    return get_task(task_name)


def retrain_reason(task, info_labels) -> str | None:
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
