"""The window's long jobs (train, retrain, correct) as plain functions, so another process can run them by name.

Each takes its inputs by value and four keywords from whoever runs it (`model.training.job_process`):
`progress(value)`, `should_stop()`, `epoch_end(value)` and `drawing()`, the 28x28 image now on the canvas (or
None). A job that saved a model also makes its live files (`model.network.litert_convert`) before it returns:
TensorFlow is loaded here anyway, and the window, which loads the new model with LiteRT, then never needs it.
"""

from __future__ import annotations

import logging
import traceback

LOG = logging.getLogger(__name__)


def train_job(task, recipe="quick", epochs: int | None = None, resume: bool = False, *, progress, should_stop,
              epoch_end, drawing, **options):
    """Trains `task`'s model from scratch (`model.training.training.train_task`); after each epoch, `epoch_end`
    gets the network in training run on the drawing (a `Prediction`, or None when there is no drawing).

    `options` go to train_task as they are (tests pass small data).
    """
    from model.training import training

    def after_epoch(keras_model) -> None:
        epoch_end(epoch_snapshot(keras_model, task.labels, drawing()))

    result = training.train_task(task, recipe=recipe, epochs=epochs, resume=resume, progress=progress,
                                 should_stop=should_stop, epoch_end=after_epoch, **options)
    _make_live_files(task.name, not result.cancelled)
    return result


def retrain_job(task, settings, resume: bool = False, *, progress, should_stop, epoch_end, drawing):
    """Fine-tunes `task`'s model on the saved drawings; `epoch_end` gets each epoch's `EpochLogs`.

    A task of its own whose drawings are streamed (imported files, or more than memory holds) is trained afresh on
    all of it, streamed from disk, as Train and `python main.py train` do.
    """
    from model.collection.samples import SampleStore
    from model.training import retrain, training, training_checks

    if task.base_data is None and training_checks.streams(task):
        result = training.train_task(task, "quick", resume=resume, progress=progress, should_stop=should_stop)
        _make_live_files(task.name, not result.cancelled)
        return result
    result = retrain.retrain(task, settings, progress=progress, should_stop=should_stop, epoch_end=epoch_end,
                             resume=resume)
    # Keep <task>/strokes.ndjson (every drawing's strokes, one line each) in step for other tools.
    SampleStore(task.name).write_ndjson()
    _make_live_files(task.name, result.saved)
    return result


def correct_job(task, image, label: str, strokes=None, sample_id: str | None = None, *, progress, should_stop,
                epoch_end, drawing):
    """Saves a drawing under the right label and fine-tunes on it at once (`model.training.correct.correct`)."""
    from model.training import correct

    result = correct.correct(task, image, label, strokes, sample_id=sample_id, progress=progress,
                             should_stop=should_stop)
    _make_live_files(task.name, not result.cancelled)
    return result


def epoch_snapshot(keras_model, labels, image28):
    """The network in training run on `image28`, with a copy of its weights as the `Prediction`'s source (so it
    can be sent to another process); None without a drawing, or if it fails (a view never stops a training)."""
    if image28 is None:
        return None
    try:
        from model.network.inference import Predictor
        from model.network.weights_snapshot import WeightsSnapshot

        predictor = Predictor(keras_model, labels)
        prediction = predictor.run(image28)
        prediction.source = WeightsSnapshot.of(predictor, prediction)
        return prediction
    except Exception:
        traceback.print_exc()
        return None


def _make_live_files(task_name: str, saved: bool) -> None:
    if not saved:
        return
    from model.network.litert_convert import ensure_live_files
    from model.network.model_store import task_model_path

    try:
        ensure_live_files(task_model_path(task_name))
    except Exception as error:  # the window converts, or runs TensorFlow, when it loads the model
        LOG.warning("The new model's live files were not made: %s", error)
