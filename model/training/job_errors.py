"""How a failed job is told to the user: one kind, for the remedy the window offers, and one message."""

from __future__ import annotations


def describe_error(error: BaseException) -> str:
    """Returns a one-paragraph message for the user: one line for a full or read-only disk (`model.core.disk`), else
    the error's own text, or its type if it has none."""
    from model.core import disk

    text = disk.describe(error) or str(error).strip()
    return text or f"{type(error).__name__} (no details; see the terminal)."


def error_kind(error: BaseException) -> str:
    """Classifies a job's error so the window can offer the right remedy: "mnist_unavailable", "disk" (full,
    read-only or forbidden: the message says it all, no traceback is printed), "not_enough_drawings" or "error"."""
    from model.core import disk
    from model.datasets.mnist import MnistUnavailableError
    from model.training.drawings_data import NotEnoughDrawingsError

    if isinstance(error, MnistUnavailableError):
        return "mnist_unavailable"
    if disk.is_disk_error(error):
        return "disk"
    if isinstance(error, NotEnoughDrawingsError):
        return "not_enough_drawings"
    return "error"
