"""Tasks: what the app can recognise. A task is its labels, its training data and its trained model."""

from __future__ import annotations

from dataclasses import dataclass

from model.core.task_config import load_config

SHAPE_LABELS = ("circle", "square", "triangle")
DIGIT_LABELS = tuple(str(digit) for digit in range(10))


@dataclass(frozen=True)
class Task:
    """A recognition task.

    Attributes:
        name: short identifier used in paths and on the command line ("shapes", "digits", ...).
        labels: the class names, in the order of the network's outputs.
        base_data: the built-in training data: "shapes" (generated), "mnist", or None for a task
            that trains only on the user's own drawings.
        title: the name shown in the window.
    """

    name: str
    labels: tuple[str, ...]
    base_data: str | None = None
    title: str = ""

    @property
    def num_classes(self) -> int:
        return len(self.labels)

    @property
    def display_name(self) -> str:
        return self.title or self.name.capitalize()


SHAPES = Task("shapes", SHAPE_LABELS, base_data="shapes", title="Shapes")
DIGITS = Task("digits", DIGIT_LABELS, base_data="mnist", title="Digits")
BUILTIN_TASKS = {task.name: task for task in (SHAPES, DIGITS)}


def get_task(name: str) -> Task:
    """Returns the task called `name`.

    Raises:
        KeyError: with a message listing the known tasks.
    """
    tasks = all_tasks()
    if name not in tasks:
        raise KeyError(f"Unknown task {name!r}; expected one of: {', '.join(sorted(tasks))}.")
    return tasks[name]


def load_checked_config() -> dict:
    """Returns tasks.json's content with every record checked against the built-in tasks (`model.core.task_config`)."""
    return load_config({name: task.labels for name, task in BUILTIN_TASKS.items()})


def all_tasks() -> dict[str, Task]:
    """Returns every task by name: the built-in ones (with labels the user added) and those the user created."""
    config = load_checked_config()
    tasks = {}
    for name, task in BUILTIN_TASKS.items():
        extra = tuple(config["extra_labels"].get(name, []))
        tasks[name] = Task(task.name, task.labels + extra, task.base_data, task.title) if extra else task
    for record in config["tasks"]:
        if record.get("name") and record["name"] not in tasks and len(record.get("labels", [])) >= 2:
            tasks[record["name"]] = Task(record["name"], tuple(record["labels"]), None, record.get("title", ""))
    return tasks
