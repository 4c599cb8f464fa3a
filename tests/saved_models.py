"""Models saved as a training leaves them, for tests that open a window on a model they built."""

from __future__ import annotations


def save_as_trained(keras_model, info):
    """Saves `keras_model` with `info` as the task's model, and its live (LiteRT) files beside it, made here on the
    test's main thread as a training makes them, so the window's inference thread loads it without converting."""
    from model.network.litert_convert import write_live_files
    from model.network.model_store import save_model

    path = save_model(keras_model, info)
    write_live_files(keras_model, path)
    return path
