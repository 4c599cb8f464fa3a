"""`<data_dir>/tasks.json`: the tasks the user created and the labels added to built-in tasks, as stored.

The file holds {"tasks": [{"name", "title", "labels"}], "extra_labels": {builtin_task: [label, ...]}}.
`model.core.tasks` reads it to list every task; `model.collection.user_tasks` changes it. Both depend on this module and
neither on the other's internals, so the two never import each other.

Reading checks it (`model.core.names` for every task and label name): a record that breaks a rule (a name such as
"../../escaped", a duplicate, labels that are not a list) is refused with a one-line notice, the file set aside
as tasks.json.corrupt and rewritten with the rest (`model.core.damaged`).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence

from model.core import damaged, names, paths, storage


def tasks_file():
    return paths.data_dir() / "tasks.json"


def load_config(builtin_labels: Mapping[str, Sequence[str]]) -> dict:
    """Returns tasks.json's content, checked; an empty configuration when there is none or it is unusable.

    Args:
        builtin_labels: each built-in task's own labels by task name (`model.core.tasks.BUILTIN_TASKS`), which
            user tasks may not reuse as names and added labels may not repeat.
    """
    config = damaged.read_checked_json(tasks_file(), lambda value: _checked_config(value, builtin_labels),
                                       default=None)
    return config if config is not None else {"tasks": [], "extra_labels": {}}


def save_config(config: dict) -> None:
    """Rewrites tasks.json atomically."""
    storage.atomic_write_json(tasks_file(), config)


def _checked_config(value, builtin_labels: Mapping[str, Sequence[str]]) -> dict | damaged.Rebuilt:
    """Keeps the records of tasks.json that pass every check; says what was refused."""
    damaged.expect_type(value, dict, "the file")
    problems: list[str] = []
    taken = {names.name_key(name) for name in builtin_labels}
    tasks = []
    for record in _listed(value, "tasks", list, problems):
        try:
            tasks.append(_checked_record(record, taken, problems))
        except (ValueError, TypeError) as error:
            problems.append(f"refused {_record_name(record)}: {str(error).rstrip('.')}")
    extra = {}
    for task_name, labels in _listed(value, "extra_labels", dict, problems).items():
        try:
            if task_name not in builtin_labels:
                raise ValueError(f"{task_name!r:.60} is not a built-in task")
            extra[task_name] = _checked_labels(labels, list(builtin_labels[task_name]), problems)
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
    """The labels that pass `names.check_name` and repeat no earlier one; each refused label is named in `problems`."""
    damaged.expect_type(labels, list, "labels")
    kept = []
    for label in labels:
        try:
            checked = names.check_name(label, "label")
            if checked != label:
                raise ValueError(f"it must be written {checked!r}")
            if names.find_duplicate(existing + kept + [label]) is not None:
                raise ValueError("it appears twice (labels are compared ignoring case)")
            kept.append(label)
        except ValueError as error:
            problems.append(f"refused label {label!r:.60}: {str(error).rstrip('.')}")
    return kept
