"""'Correct me' and auto-retrain: the quick ways a user's drawings reach the model.

`correct` saves a drawing the model got wrong under its right label and fine-tunes briefly on it (varied copies),
mixed with older samples and some base data so the model does not forget the rest; it returns the drawing's
probabilities before and after. `samples_since_retrain` and the `auto_retrain_every` setting tell the window when
to start a full retrain by itself.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from model.collection.samples import SampleStore
from model.core import settings as user_settings
from model.core.preprocessing import preprocess
from model.network import model_store
from model.training.fitting import FINE_TUNE_AUGMENTATION, fit
from model.training.retrain_data import base_data

AUTO_RETRAIN_KEY = user_settings.AUTO_RETRAIN_EVERY


@dataclass
class CorrectionResult:
    """What `correct` did: the saved sample's id and the drawing's probabilities before and after."""

    sample_id: str
    label: str
    labels: list[str]
    before: np.ndarray
    after: np.ndarray
    cancelled: bool = False


def correct(task, image: np.ndarray, label: str, strokes=None, *, copies: int = 24, older: int = 96,
            base_per_label: int = 16, epochs: int = 3, learning_rate: float = 1e-3, seed: int = 0,
            sample_id: str | None = None, progress=None, should_stop=None, epoch_end=None) -> CorrectionResult:
    """Saves `image` as `label` and fine-tunes the task's model briefly on it.

    Args:
        task: a `model.core.tasks.Task` that has a trained model whose labels match the task's.
        image: the drawing's raster (any size); strokes: its strokes, if known.
        label: the right label.
        copies: varied copies of the drawing in the fine-tuning set.
        older: older user samples mixed in (at most).
        base_per_label: base images per label mixed in (built-in tasks).
        epochs, learning_rate: the short fine-tuning.
        sample_id: the drawing was already saved under `label` with this id (the window saves first, then
            fine-tunes in the background); None saves it here.
        progress, should_stop, epoch_end: as for `model.training.retrain.retrain`.

    Returns:
        A `CorrectionResult`; the model is saved (previous kept) unless cancelled.

    Raises:
        ValueError: the label is not one of the task's, the drawing is empty, or the model's labels differ from
            the task's (retrain first).
        model.network.model_store.ModelNotFoundError: the task has no model yet.
    """
    if label not in task.labels:
        raise ValueError(f"{label!r} is not a label of {task.display_name}; expected one of {', '.join(task.labels)}.")
    image28 = preprocess(image)
    if image28 is None:
        raise ValueError("The drawing is empty; draw something, then correct the guess.")
    keras_model, info = model_store.load_model(task.name)
    if list(info.labels) != list(task.labels):
        raise ValueError(f"The {task.display_name} model was trained for other labels; retrain it first.")
    store = SampleStore(task.name)
    if sample_id is None:
        sample_id = store.add(label, image, strokes, recognized=False)
    before = _probabilities(keras_model, image28)
    x, y = _correction_set(task, store, image28, task.labels.index(label), sample_id, copies, older,
                           base_per_label, seed)
    _freeze_batch_norm(keras_model)
    history, cancelled = fit(keras_model, x, y, (x[:0], y[:0]), epochs=epochs, learning_rate=learning_rate,
                             batch_size=32, seed=seed, progress=progress or (lambda value: None),
                             should_stop=should_stop, epoch_end=epoch_end, augmentation=FINE_TUNE_AUGMENTATION)
    after = _probabilities(keras_model, image28)
    if not cancelled:
        info.recipe, info.trained_at = "correction", ""
        info.metrics = {**info.metrics, "last_correction": sample_id}
        model_store.save_model(keras_model, info)
    return CorrectionResult(sample_id, label, list(task.labels), before, after, cancelled)


def _correction_set(task, store, image28, label_index, sample_id, copies, older, base_per_label, seed):
    rng = np.random.default_rng(seed)
    x_user, y_user, ids = store.load_arrays(task.labels)
    others = np.nonzero(ids != sample_id)[0]
    chosen = rng.choice(others, size=min(older, len(others)), replace=False) if len(others) else others
    x_base, y_base = base_data(task, base_per_label, seed)
    x = np.concatenate([np.repeat(image28[np.newaxis], copies, axis=0), x_user[chosen], x_base])
    y = np.concatenate([np.full(copies, label_index, np.int64), y_user[chosen], y_base])
    return x.astype(np.float32), y


def _freeze_batch_norm(keras_model) -> None:
    # Batches full of copies of one drawing would drag the normalisation statistics off; keep them as trained.
    import keras

    for layer in keras_model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.BatchNormalization):
            layer.trainable = False


def _probabilities(keras_model, image28) -> np.ndarray:
    return np.asarray(keras_model(image28[np.newaxis, ..., np.newaxis], training=False))[0].astype(np.float32)


def samples_since_retrain(task, info=...) -> int:
    """Returns how many of the task's samples were saved after its model was last retrained (all, if never).

    Counted in the store's in-memory index; `info` is the task's `ModelInfo` when the caller has it (None: no
    model), else it is read from disk.
    """
    if info is ...:
        info = model_store.load_info(task.name)
    last = str((info.metrics or {}).get("last_sample_id", "")) if info else ""
    return SampleStore(task.name).index.count_after(last, task.labels)


def auto_retrain_every() -> int:
    """Returns the auto-retrain setting: retrain after this many new samples, 0 for never."""
    return user_settings.get(AUTO_RETRAIN_KEY, 0)


def set_auto_retrain_every(count: int) -> None:
    """Sets the auto-retrain setting (0 turns it off), keeping the other settings in settings.json."""
    if int(count) < 0:
        raise ValueError(f"Auto-retrain needs a count of 0 (off) or more; received {count}.")
    user_settings.update(**{AUTO_RETRAIN_KEY: int(count)})
