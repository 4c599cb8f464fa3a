"""`<data_dir>/tasks.json`: the tasks the user created and the labels added to built-in tasks, as stored.

The file holds {"tasks": [{"name", "title", "labels"}], "extra_labels": {builtin_task: [label, ...]}}.
`model.tasks` reads it to list every task; `model.user_tasks` changes it. Both depend on this module and
neither on the other's internals, so the two never import each other.
"""

from __future__ import annotations

from model import paths, storage


def tasks_file():
    return paths.data_dir() / "tasks.json"


def load_config() -> dict:
    """Returns tasks.json's content, or an empty configuration (a damaged file is not fatal)."""
    try:
        config = storage.read_json(tasks_file(), default={}) or {}
    except ValueError:
        config = {}
    config.setdefault("tasks", [])
    config.setdefault("extra_labels", {})
    return config


def save_config(config: dict) -> None:
    """Rewrites tasks.json atomically."""
    storage.atomic_write_json(tasks_file(), config)
