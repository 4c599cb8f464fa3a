"""The models ConvCanvas ships with: a first model for each built-in task, there on the first start.

Training Shapes takes about three minutes on two cores and Digits needs MNIST, which a machine without internet
cannot download; a new user should be able to draw and see a guess at once. So `assets/models/<task>/` holds
the Quick model of each built-in task, trained by this app (`python main.py train --task <task>`; its `model.json`
says when and what it measured), with its live files (`model.tflite`, `model.layers.npz`). The first time a
built-in task has no model of its own, `install` copies them into the data folder; from then on the model is the
user's like any other: Train replaces it, Retrain fine-tunes it, Roll back returns to it. Only while the installed
copy is untouched (its bytes still those installed) does a newer shipped model replace it, the older one kept for
Roll back.

To ship another model, train it and run `python -m model.network.shipped_models MODEL.keras` (its `.json` beside it
names the task): `ship` writes it there without its optimizer's state, with live files whose table records the
model file's SHA-256, which `install` checks before trusting them.

`$CONVCANVAS_SHIPPED_MODELS` names another folder of shipped models, or turns them off when empty (the tests
do, so that a test sees a task without a model unless it asks for one).
"""

from __future__ import annotations

import argparse
import hashlib
import json
import os
import shutil
from pathlib import Path

import numpy as np

from model.core.storage import atomic_path, atomic_write_json, open_npz, read_json
from model.network.litert_convert import TABLE_SUFFIX, TFLITE_SUFFIX, model_stamp, table_path, tflite_path
from model.network.model_store import PREVIOUS_FILE, ModelInfo, keep_previous, sidecar_path, task_model_path

SHIPPED_ENV = "CONVCANVAS_SHIPPED_MODELS"
DEFAULT_DIR = Path(__file__).resolve().parents[2] / "assets" / "models"
MODEL_FILE = "model.keras"
# Beside an installed shipped model: the SHA-256 of each shipped model installed, to tell them from the user's.
INSTALLED_SUFFIX = ".shipped.json"


def shipped_dir() -> Path | None:
    """Returns the folder of shipped models in force, or None when `$CONVCANVAS_SHIPPED_MODELS` is set empty."""
    override = os.environ.get(SHIPPED_ENV)
    if override is None:
        return DEFAULT_DIR
    return Path(override).expanduser() if override.strip() else None


def shipped_model(task_name: str, labels: tuple[str, ...] | list[str] | None = None) -> Path | None:
    """Returns the shipped `model.keras` of a task, or None if there is none or it was trained for other labels.

    Args:
        task_name: the task's name ("shapes", "digits").
        labels: the task's labels now; a built-in task the user gave labels of its own needs a model of its own.
    """
    folder = shipped_dir()
    if folder is None:
        return None
    model = folder / task_name / MODEL_FILE
    info = read_json(sidecar_path(model)) if model.is_file() else None
    if not isinstance(info, dict) or info.get("task") != task_name:
        return None
    if labels is not None and [str(label) for label in info.get("labels", [])] != [str(label) for label in labels]:
        return None
    return model


def install(task_name: str, labels: tuple[str, ...] | list[str] | None = None) -> bool:
    """Copies a task's shipped model into the data folder if the task has no model there yet, or only an
    untouched copy of an older shipped model (then kept as the previous model, for Roll back).

    A model is never replaced, nor pushed out of the previous slot, unless it is a shipped model as installed:
    after a Train, a Retrain or a Roll back to the user's own model, the data folder is left alone.

    Each file is written whole or not at all; the model file comes after its sidecar and live files, the layer
    table is stamped for the copy next, and the record of the installed bytes last. So an interrupted install
    leaves either nothing (or the older copy, updated on the next try) or a model whose live files are made
    again on load.

    Returns:
        True if it installed the shipped model, False if the task already had one or none is shipped for it.
    """
    target = task_model_path(task_name)
    source = shipped_model(task_name, labels)
    if source is None:
        return False
    installed = set()
    if target.exists():
        # Runs on every load of a built-in task's model: the user's own model is told apart without reading the
        # shipped one.
        installed = _installed_hashes(target)
        current = file_sha256(target)
        previous = target.with_name(PREVIOUS_FILE)
        if (current not in installed or (previous.exists() and file_sha256(previous) not in installed)
                or current == file_sha256(source)):
            return False
        keep_previous(target)
    target.parent.mkdir(parents=True, exist_ok=True)
    for suffix in (".json", TFLITE_SUFFIX):
        _copy(source.with_suffix(suffix), target.with_suffix(suffix))
    _copy(source, target)
    _stamp_table(source, target)
    atomic_write_json(_record_path(target), {"installed": sorted(installed | {file_sha256(target)})})
    return True


def _record_path(target: Path) -> Path:
    return target.with_name(target.stem + INSTALLED_SUFFIX)


def _installed_hashes(target: Path) -> set[str]:
    """The SHA-256 of every shipped model installed as `target`: a file with one of them is no model of the user's.

    The record `install` writes lists them. A copy installed before there was a record is known by its layer
    table: only a shipped table records the model file's SHA-256 (a Train or Retrain replaces the file, and the
    table with it).
    """
    hashes = set()
    try:
        record = read_json(_record_path(target))
    except (OSError, ValueError):  # a damaged record: the table may still tell
        record = None
    if isinstance(record, dict) and isinstance(record.get("installed"), list):
        hashes.update(value for value in record["installed"] if isinstance(value, str))
    try:
        with open_npz(table_path(target)) as table:
            recorded = json.loads(str(table["meta"])).get("sha256")
    except (OSError, KeyError, ValueError, AttributeError):
        recorded = None
    if isinstance(recorded, str):
        hashes.add(recorded)
    return hashes


def _copy(source: Path, target: Path) -> None:
    with atomic_path(target) as temporary:
        shutil.copyfile(source, temporary)


def _stamp_table(source: Path, target: Path) -> None:
    """Copies the shipped layer table, stamped with the installed model file it now vouches for.

    The shipped table was made from the shipped file, whose modification time a checkout changes: it vouches
    for the copy only if the copy's bytes are the ones it recorded (SHA-256) and the flatbuffer is the one it was
    made with. Otherwise no table is installed and the live files are made again on first load.
    """
    shipped_table = table_path(source)
    if not shipped_table.is_file():
        return
    with open_npz(shipped_table) as table:
        arrays = {name: table[name] for name in table.files}
    meta = json.loads(str(arrays["meta"]))
    if (meta.get("sha256") != file_sha256(target)
            or tflite_path(target).stat().st_size != meta.get("tflite_bytes")):
        return
    meta["stamp"] = model_stamp(target)
    arrays["meta"] = np.array(json.dumps(meta))
    with atomic_path(target.with_name(target.stem + TABLE_SUFFIX)) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, **arrays)


def file_sha256(path: Path) -> str:
    """Returns the hex SHA-256 of a file's bytes."""
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def ship(model_path: str | os.PathLike, folder: str | os.PathLike | None = None) -> Path:
    """Makes a trained model of a built-in task the one shipped for it, in `folder` (default: assets/models).

    Writes `<folder>/<task>/model.keras` without the optimizer's state (a fine-tuning starts a new optimizer
    anyway; a third of the size), its sidecar, and its live files, the table recording the model file's
    SHA-256. Each file is written atomically. Imports TensorFlow.

    Returns:
        The shipped `model.keras`.

    Raises:
        ValueError: the model has no readable `.json` sidecar naming its task.
    """
    import keras

    from model.network.litert_convert import write_live_files

    source = Path(model_path)
    values = read_json(sidecar_path(source))
    if not isinstance(values, dict) or not isinstance(values.get("task"), str):
        raise ValueError(f"{sidecar_path(source)}: missing or unreadable; a shipped model needs the sidecar "
                         "`python main.py train` writes beside it.")
    info = ModelInfo.from_dict(values)
    target = Path(folder or DEFAULT_DIR) / info.task / MODEL_FILE
    target.parent.mkdir(parents=True, exist_ok=True)
    keras_model = keras.models.load_model(source, compile=False)  # uncompiled: saved without an optimizer
    with atomic_path(target) as temporary:
        keras_model.save(temporary)
    write_live_files(keras_model, target)
    with open_npz(table_path(target)) as table:
        arrays = {name: table[name] for name in table.files}
    meta = json.loads(str(arrays["meta"]))
    meta["sha256"] = file_sha256(target)
    arrays["meta"] = np.array(json.dumps(meta))
    with atomic_path(table_path(target)) as temporary, open(temporary, "wb") as handle:
        np.savez(handle, **arrays)
    atomic_write_json(sidecar_path(target), info.to_dict())
    return target


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Ship a trained model of a built-in task in assets/models.")
    parser.add_argument("model", help="the trained .keras file (its .json beside it names the task)")
    parser.add_argument("--folder", help="the shipped models' folder (default: assets/models)")
    args = parser.parse_args(argv)
    print(f"Shipped {ship(args.model, args.folder)}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
