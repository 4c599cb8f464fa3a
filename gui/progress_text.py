"""Words and numbers for training progress and model state, shared by the docks and the status bar."""

from __future__ import annotations

import datetime as _dt


def progress_fraction(progress) -> float:
    """Returns how much of a training is done, in [0, 1], from a `model.training.training.TrainingProgress`.

    Members and epochs count from 1, batches from 1 (batch 0 is the start of an epoch).
    """
    if hasattr(progress, "fraction"):
        return float(progress.fraction)
    members = max(1, int(getattr(progress, "members", 1) or 1))
    epochs = max(1, int(progress.epochs or 1))
    batches = max(1, int(progress.batches or 1))
    member = min(max(1, int(getattr(progress, "member", 1) or 1)), members)
    epoch = min(max(1, int(progress.epoch or 1)), epochs)
    batch = min(max(0, int(progress.batch or 0)), batches)
    done = ((member - 1) * epochs + (epoch - 1)) * batches + batch
    return min(1.0, done / (members * epochs * batches))


def format_duration(seconds: float | None) -> str:
    """Returns "1:05" for 65 s, "1:02:03" past an hour, "" when unknown."""
    if seconds is None or seconds != seconds or seconds < 0:
        return ""
    seconds = int(round(seconds))
    hours, rest = divmod(seconds, 3600)
    minutes, secs = divmod(rest, 60)
    return f"{hours}:{minutes:02d}:{secs:02d}" if hours else f"{minutes}:{secs:02d}"


def progress_details(progress) -> str:
    """Returns "Epoch 2/5 · batch 120/300 · loss 0.231 · accuracy 93.1% · 0:42 left"."""
    phase = getattr(progress, "phase", "training")
    if phase == "loading":
        return "Preparing the training data…"
    if phase == "saving":
        return "Measuring and saving the model…"
    parts = []
    members = int(getattr(progress, "members", 1) or 1)
    if members > 1:
        parts.append(f"Network {progress.member}/{members}")
    parts.append(f"Epoch {progress.epoch}/{progress.epochs}")
    if progress.batches:
        parts.append(f"batch {progress.batch}/{progress.batches}")
    logs = getattr(progress, "logs", None) or {}
    if "loss" in logs:
        parts.append(f"loss {float(logs['loss']):.3f}")
    if "accuracy" in logs:
        parts.append(f"accuracy {100 * float(logs['accuracy']):.1f}%")
    if "val_accuracy" in logs:
        parts.append(f"validation {100 * float(logs['val_accuracy']):.1f}%")
    eta = format_duration(getattr(progress, "eta_s", None))
    if eta:
        parts.append(f"{eta} left")
    return " · ".join(parts)


def model_accuracy(info) -> float | None:
    """Returns the best-named accuracy in a ModelInfo's metrics (test, then validation, then training)."""
    metrics = getattr(info, "metrics", None) or {}
    for key in ("test_accuracy", "accuracy_test", "val_accuracy", "validation_accuracy", "after_accuracy",
                "accuracy"):
        value = metrics.get(key)
        if isinstance(value, (int, float)):
            return float(value)
    return None


def format_trained_at(value) -> str:
    """Returns a short local date and time for a ModelInfo.trained_at (ISO string or POSIX seconds)."""
    if value in (None, ""):
        return ""
    try:
        if isinstance(value, (int, float)):
            moment = _dt.datetime.fromtimestamp(value, tz=_dt.UTC)
        else:
            moment = _dt.datetime.fromisoformat(str(value))
        if moment.tzinfo is not None:
            moment = moment.astimezone()
    except (ValueError, OverflowError, OSError):
        return str(value)
    return moment.strftime("%d %b %Y, %H:%M")


# How each way of training reads to a user (`ModelInfo.recipe` and the session's training recipe).
RECIPE_WORDS = {
    "quick": "Quick recipe",
    "best": "Best recipe",
    "scratch": "trained on your drawings",
    "finetune": "retrained on your drawings",
    "retrain": "retraining on your drawings",
    "correction": "corrected with Correct me",
}


def recipe_words(recipe) -> str:
    """Returns how a recipe or way of training reads to a user: "scratch" -> "trained on your drawings"."""
    return RECIPE_WORDS.get(str(recipe), str(recipe))


def model_summary(task_title: str, info) -> str:
    """Returns "Shapes · Quick recipe · 97.8% accuracy · trained 23 Nov 2026, 11:40" for the status bar, with
    "· 91.0% on imported drawings" when the task's imported Quick, Draw! files were measured apart."""
    parts = [task_title]
    recipe = getattr(info, "recipe", None)
    if recipe:
        parts.append(recipe_words(recipe))
    members = int(getattr(info, "members", 1) or 1)
    if members > 1:
        parts.append(f"ensemble of {members}")
    accuracy = model_accuracy(info)
    if accuracy is not None:
        # Near the top, a tenth of a percent is the difference between recipes: show hundredths.
        parts.append(f"{100 * accuracy:.{2 if accuracy >= 0.99 else 1}f}% accuracy")
    imported = (getattr(info, "metrics", None) or {}).get("imported_val_accuracy")
    if isinstance(imported, (int, float)):
        # Quick, Draw! files imported into a built-in task are measured apart (model.training.imported_data).
        parts.append(f"{100 * imported:.1f}% on imported drawings")
    trained = format_trained_at(getattr(info, "trained_at", None))
    if trained:
        parts.append(f"trained {trained}")
    return " · ".join(parts)
