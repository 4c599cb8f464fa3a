"""The headless commands: `python main.py train ...`, `python main.py predict ...` and `python main.py import ...`.

Progress and errors go to stderr, results to stdout (one JSON object per line for predict), so the
output can be piped. Exit codes: 0 all well, 1 something failed (each failure named on stderr; a full or
read-only disk in one line, found before training starts where possible), 2 bad arguments, 130 interrupted.
"""

from __future__ import annotations

import json
import os
import sys
import time

PROGRESS_EVERY_S = 2.0


def run(args) -> int:
    """Runs the command parsed by main.py and returns the exit code."""
    from model.core import damaged

    # A damaged file the command reads is set aside and named on stderr in one line; the command goes on.
    stop_listening = damaged.add_listener(lambda message: _say(f"warning: {message}"))
    try:
        for message in damaged.take_notices():
            _say(f"warning: {message}")
        return _run(args)
    finally:
        stop_listening()


def _run(args) -> int:
    from model.collection.tidy import tidy_data_folder
    from model.core.tasks import get_task

    summary = _tidy(tidy_data_folder)
    if summary:
        _say(summary)
    try:
        task = get_task(args.task)
    except KeyError as error:
        _error(error.args[0])
        return 2
    _import_tensorflow_quietly()
    try:
        return {"train": _train, "predict": _predict, "import": _import}[args.command](task, args)
    except KeyboardInterrupt:
        _error("Interrupted. Continue later with --resume (the last finished epoch is kept).")
        return 130
    except OSError as error:
        return _disk_failure(error, task, args)


def _disk_failure(error: OSError, task, args) -> int:
    """Says a full, read-only or forbidden disk in one line (exit 1); any other OSError is raised again."""
    from model.core import disk
    from model.training.checkpoints import has_checkpoint

    message = disk.describe(error)
    if message is None:
        raise error
    if args.command == "train" and has_checkpoint(task.name):
        message += " The last finished epoch is kept: continue with --resume once there is room."
    _error(message)
    return 1


def _tidy(tidy_data_folder) -> str:
    try:
        return tidy_data_folder().summary()
    except OSError as error:
        return f"Could not tidy the data folder: {error.strerror or error}."


def _import_tensorflow_quietly() -> None:
    # TensorFlow's C++ start-up lines ignore TF_CPP_MIN_LOG_LEVEL and would bury the command's own
    # messages: silence the stderr file descriptor while it loads. Import errors still surface after.
    if "tensorflow" in sys.modules:
        return
    saved, quiet = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    try:
        os.dup2(quiet, 2)
        import tensorflow  # noqa: F401
    except ImportError:
        pass  # reported, with its message, where TensorFlow is first used
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(quiet)


def _train(task, args) -> int:
    from model.datasets.mnist import MnistUnavailableError
    from model.training.training import train_task

    if not _start_distribution(args):
        return 2
    recipe, epochs = _recipe_and_epochs(task, args)
    try:
        result = train_task(task, recipe, epochs=epochs, resume=args.resume, progress=_progress_printer(),
                            out_path=args.out, steps_per_epoch=getattr(args, "steps_per_epoch", None))
    except (MnistUnavailableError, ValueError) as error:
        _error(str(error))
        return 1
    if result.cancelled:
        _error("Training stopped before the end; nothing new was saved.")
        return 1
    figures = ", ".join(f"{key} {value}" for key, value in result.metrics.items())
    saved = f"Saved {result.model_path}" if result.model_path else "Done; the chief worker saved the model"
    _say(f"{saved} ({figures}).")
    print(json.dumps({"task": task.name, "model": str(result.model_path), **result.metrics}))
    return 0


def _start_distribution(args) -> bool:
    """Makes the tf.distribute strategy before any other TensorFlow operation; False if TF_CONFIG is malformed.

    A worker of a multi-worker training always resumes: restarted after a failure, it picks up the last epoch
    its checkpoint holds, as the other workers do.
    """
    from model.training import distributed

    try:
        spread = distributed.describe()
    except ValueError as error:
        _error(str(error))
        return False
    if spread != "one device":
        _say(f"Training on {spread}.")
    args.resume = args.resume or distributed.is_multi_worker()
    return True


def _recipe_and_epochs(task, args) -> tuple[str, int | None]:
    """The recipe and epochs to train with: as asked, else the unfinished training's own when resuming."""
    from model.training.checkpoints import unfinished

    state = unfinished(task.name) if args.resume else None
    if state is None:
        if args.resume:
            _say(f"No unfinished training of {task.name!r} to resume; starting from the first epoch.")
        return args.recipe or "quick", args.epochs
    recipe, epochs = args.recipe or state.recipe, args.epochs or state.epochs
    if (recipe, epochs) != (state.recipe, state.epochs):
        _say(f"The unfinished training is {state.recipe} with {state.epochs} epochs; {recipe} with {epochs} epochs "
             "starts over instead. Leave out --recipe and --epochs to resume it.")
    else:
        done = f"network {state.member + 1}/{state.members}, " if state.members > 1 else ""
        _say(f"Resuming {state.recipe}: {done}{state.epoch}/{state.epochs} epochs done.")
    return recipe, epochs


def _import(task, args) -> int:
    """Imports whole Quick, Draw! files into the task's imported sets (`model.collection.quickdraw`), with
    progress; a built-in task takes files of its own labels only."""
    from model.collection.quickdraw import import_quickdraw
    from model.core import names

    failures = 0
    for file in args.files:
        last = [0.0]

        def show(fraction, added, file=file, last=last):
            if time.monotonic() - last[0] >= PROGRESS_EVERY_S:
                last[0] = time.monotonic()
                _say(f"{file}: {fraction:.0%}, {added} images")

        try:
            report = import_quickdraw(file, task, limit=args.per_label, progress=show)
        except (OSError, ValueError) as error:
            failures += 1
            _error(str(error) if str(file) in str(error) else f"{names.shown(str(file))}: {error}")
            continue
        _say(report.summary())
        print(json.dumps({"file": file, "added": report.added, "skipped": report.skipped}), flush=True)
    return 1 if failures else 0


def _predict(task, args) -> int:
    from model.network.model_store import ModelMismatchError, ModelNotFoundError

    try:
        predictor = _load_or_train(task, args.model)
    except (ModelNotFoundError, ModelMismatchError) as error:
        _error(str(error))
        return 1
    failures = 0
    for file in args.images:
        line, problem = _classify(predictor, file)
        if problem:
            failures += 1
            _error(f"{file}: {problem}")
        else:
            print(json.dumps(line), flush=True)
    return 1 if failures else 0


def _classify(predictor, file: str):
    from model.core.preprocessing import load_image, preprocess
    from model.network.inference import is_sure

    try:
        image = load_image(file)
    except FileNotFoundError:
        return None, "no such file."
    except IsADirectoryError:
        return None, "is a folder, not an image."
    except (OSError, ValueError) as error:
        return None, _without_path(str(error), file)
    image28 = preprocess(image)
    if image28 is None:
        return None, "the image holds no drawing (it is blank); nothing to classify."
    probabilities = predictor.predict(image28)
    labels = predictor.labels
    top = int(probabilities.argmax())
    return {"file": file, "label": labels[top], "sure": is_sure(probabilities),
            "probabilities": {label: round(float(p), 6) for label, p in zip(labels, probabilities)}}, None


def _load_or_train(task, model_path):
    from model.datasets.mnist import MnistUnavailableError
    from model.network.inference import Predictor
    from model.network.model_store import ModelNotFoundError, load_model
    from model.training.training import train_task

    if model_path is None and not _has_model(task.name):
        _say(f"Task {task.name!r} has no trained model yet; training the quick recipe first.")
        try:
            train_task(task, "quick", progress=_progress_printer())
        except (MnistUnavailableError, ValueError) as error:
            raise ModelNotFoundError(f"Cannot train {task.name!r} to predict with: {error}") from error
    keras_model, info = load_model(task.name, path=model_path)
    return Predictor(keras_model, info.labels)


def _has_model(task_name: str) -> bool:
    """True if the task has a model, counting the one ConvCanvas ships for a built-in task (installed here)."""
    from model.network.model_store import install_shipped, task_model_path

    install_shipped(task_name)
    return task_model_path(task_name).is_file()


def _progress_printer():
    last = [0.0]

    def show(update) -> None:
        now = time.monotonic()
        # The epoch's end is the report with the validation figures; its last batch alone may come first.
        epoch_done = update.phase == "training" and any(key.startswith("val_") for key in update.logs)
        if update.phase == "training" and not epoch_done and now - last[0] < PROGRESS_EVERY_S:
            return
        last[0] = now
        _say(_describe(update))

    return show


def _describe(update) -> str:
    if update.phase != "training":
        return {"loading": "Loading the training data...", "saving": "Saving the model..."}.get(
            update.phase, update.phase)
    member = f"member {update.member}/{update.members} " if update.members > 1 else ""
    figures = " ".join(f"{key}={value:.4f}" for key, value in update.logs.items() if key != "learning_rate")
    eta = f" eta {update.eta_s:.0f}s" if update.eta_s is not None else ""
    return (f"{member}epoch {update.epoch}/{update.epochs} batch {update.batch}/{update.batches} {figures}"
            f" elapsed {update.elapsed_s:.0f}s{eta}")


def _without_path(message: str, file: str) -> str:
    # load_image names the file itself; the caller names it once, in front.
    from pathlib import Path

    prefix = f"{Path(file)}: "
    return message[len(prefix):] if message.startswith(prefix) else message


def _say(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def _error(message: str) -> None:
    print(f"error: {message}", file=sys.stderr, flush=True)
