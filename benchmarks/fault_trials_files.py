"""Fault trials for the files ConvCanvas reads (issue 19, items 1, 4, 5, 6), run by benchmarks/faults.py.

Each trial copies a data folder (a tiny Shapes model, six saved drawings), damages one thing in it, then runs an
entry point in a fresh process: `python main.py predict`, `python main.py train`, or a probe that calls what the
window calls at start (the tidy, the task list, the model's info, the retrain dock's figures, the data set's
counts and arrays, the auto-retrain setting, MNIST's setting, the checkpoint and retrain states). A trial survives
when that entry point did its job; drawings and models intact before it and gone after it are counted as lost.
"""

from __future__ import annotations

import hashlib
import json
import os
import shutil
import struct
import subprocess
import sys
import time
from pathlib import Path

import cv2
import numpy as np

ROOT = Path(__file__).resolve().parents[1]
TRACEBACK = "Traceback (most recent call last)"
DAY = 86400

_MAKE_TEMPLATE = """
import cv2, numpy as np
from model.network.architecture import build_model
from model.network.model_store import ModelInfo, save_model
from model.collection.samples import SampleStore
save_model(build_model([{"type": "conv", "filters": 2}, {"type": "pool"}, {"type": "flatten"}], 3),
           ModelInfo("shapes", ["circle", "square", "triangle"], recipe="quick"))
store = SampleStore("shapes")
for index in range(6):
    image = np.full((96, 96), 255, np.uint8)
    cv2.circle(image, (48, 48), 18 + 4 * index, 0, 5)
    store.add(["circle", "square", "triangle"][index % 3], image)
"""

# What the window reads at start, in one process; prints one JSON line.
_PROBE = """
import json
from model.training import correct
from model.core import damaged
from model.datasets import mnist
from model.training.checkpoints import unfinished
from model.network.model_store import load_info
from model.training.retrain_checkpoint import unfinished_retrain
from model.collection.samples import SampleStore
from model.core.tasks import all_tasks, get_task
from model.collection.tidy import tidy_data_folder
from model.collection.user_tasks import retrain_reason
tidy_data_folder()
tasks = all_tasks()
task = get_task("shapes")
info = load_info("shapes")
retrain_reason(task, info.labels if info else None)
correct.samples_since_retrain(task)
correct.auto_retrain_every()
unfinished("shapes")
unfinished_retrain(task)
try:
    mnist.find_mnist()
except mnist.MnistUnavailableError:
    pass
store = SampleStore("shapes")
counts = store.counts()
x, y, ids = store.load_arrays(list(task.labels))
print(json.dumps({"ok": sum(counts.values()) == len(ids) and info is not None, "tasks": sorted(tasks),
                  "notices": damaged.take_notices()}))
"""

DAMAGED_JSON = [b"", b"garbage {", b"\xff\xfe\x00\x81binary", b'{"task": "shapes", "labels": ["ci']
WRONG_MODEL_JSON = [b'{"labels": 5}', b'{"task": "shapes", "labels": "circle"}', b"[]", b"null",
                    b'{"task": 7, "labels": [1, 2, 3]}']
WRONG_SETTINGS = [b"[]", b'{"auto_retrain_every": "often", "mnist_path": 5}', b'{"auto_retrain_every": -3}']
WRONG_TASKS = [b'{"tasks": "x"}', b'{"tasks": [5, null]}', b'{"extra_labels": []}',
               b'{"tasks": [{"name": "doodles", "labels": "ab"}]}', b'{"extra_labels": {"shapes": [1, "CON"]}}']
WRONG_STATE = [b'{"task": "shapes", "recipe": "quick", "labels": [], "members": 1, "epochs": 3, "member": "x"}',
               b'{"members": "1"}', b"[1]"]
WRONG_RETRAIN_STATE = [b'{"task": "shapes", "labels": ["circle", "square", "triangle"], "epochs": 3, '
                       b'"from_scratch": false, "epoch": "x"}', b'{"labels": 5}', b"[1]", b'"text"']
UNSAFE_TASKS = ["../../escaped", "..", "CON", "evil\u202etxt", "a/b", "x" * 41]


def run(workdir: Path) -> list[dict]:
    """Runs every case; returns one row per case for benchmarks/faults.py."""
    template = workdir / "template"
    _run_python(_MAKE_TEMPLATE, template)
    rows = []
    for case, faults, entry in _cases():
        row = {"case": case, "trials": 0, "survived": 0, "lost": 0, "tracebacks": 0}
        for number, fault in enumerate(faults):
            trial = workdir / f"{case.split()[0]}-{number}"
            shutil.copytree(template, trial / "data")
            survived, lost, tracebacks = _trial(trial, fault, entry)
            row["trials"] += 1
            row["survived"] += int(survived)
            row["lost"] += lost
            row["tracebacks"] += tracebacks
            shutil.rmtree(trial, ignore_errors=True)
        rows.append(row)
    return rows


def _cases():
    model_json = "models/shapes/model.json"
    return [
        ("model.json damaged: predict", [_writes(model_json, content) for content in DAMAGED_JSON], "predict"),
        ("model.json of wrong types: predict", [_writes(model_json, content) for content in WRONG_MODEL_JSON],
         "predict"),
        ("model.json damaged: window start", [_writes(model_json, content) for content in DAMAGED_JSON], "probe"),
        ("settings.json damaged: window start",
         [_writes("settings.json", content) for content in DAMAGED_JSON + WRONG_SETTINGS], "probe"),
        ("tasks.json damaged: window start",
         [_writes("tasks.json", content) for content in DAMAGED_JSON + WRONG_TASKS], "probe"),
        ("checkpoint state damaged: window start",
         [_writes("models/shapes/checkpoints/state.json", content, also="models/shapes/checkpoints/member1.keras")
          for content in DAMAGED_JSON + WRONG_STATE], "probe"),
        ("retrain state damaged: window start",
         [_writes("models/shapes/retrain-checkpoint/state.json", content,
                  also="models/shapes/retrain-checkpoint/model.keras")
          for content in DAMAGED_JSON + WRONG_RETRAIN_STATE], "probe"),
        ("drawing PNG damaged: window start", [_damages_png(how) for how in ("garbage", "truncated", "empty",
                                                                             "scrambled")], "probe"),
        ("stroke record damaged: window start", [_damages_record(content) for content in DAMAGED_JSON], "probe"),
        ("drawings cache damaged: window start", [_writes("cache/shapes/arrays.npz", content)
                                                  for content in DAMAGED_JSON], "probe"),
        ("unsafe task name in tasks.json: train", [_unsafe_task(name) for name in UNSAFE_TASKS], "train"),
        ("leftovers of killed runs: window start", [_leftovers(count) for count in (1, 5, 20)], "probe"),
        ("hostile image: predict", [_hostile_image(kind) for kind in ("huge", "blob", "exif", "garbage", "empty")],
         "predict"),
    ]


# ----- faults: each takes the trial folder and returns what must hold after the run ---------------------------

def _writes(relative: str, content: bytes, also: str | None = None):
    def fault(trial: Path) -> dict:
        target = trial / "data" / relative
        target.parent.mkdir(parents=True, exist_ok=True)
        target.write_bytes(content)
        if also:
            (trial / "data" / also).write_bytes(b"a checkpoint")
        return {}
    return fault


def _damages_png(how: str):
    def fault(trial: Path) -> dict:
        png = sorted((trial / "data" / "drawings" / "shapes").rglob("*.png"))[0]
        data = png.read_bytes()
        png.write_bytes({"garbage": b"not a png", "truncated": data[: len(data) // 2], "empty": b"",
                         "scrambled": data[:40] + bytes(len(data) - 52) + data[-12:]}[how])
        return {"damaged": [png]}
    return fault


def _damages_record(content: bytes):
    def fault(trial: Path) -> dict:
        sorted((trial / "data" / "drawings" / "shapes").rglob("*.json"))[0].write_bytes(content)
        return {}
    return fault


def _unsafe_task(name: str):
    def fault(trial: Path) -> dict:
        config = {"tasks": [{"name": name, "labels": ["a", "b"]}]}
        (trial / "data" / "tasks.json").write_text(json.dumps(config))
        return {"args": ["train", "--task", name], "expect_rc": 2, "outside_untouched": True}
    return fault


def _leftovers(count: int):
    def fault(trial: Path) -> dict:
        data = trial / "data"
        folders = [data / "drawings" / "shapes" / "circle", data / "models" / "shapes",
                   data / "models" / "shapes" / "checkpoints", data / "cache" / "shapes", data]
        left = []
        for index in range(count):
            folder = folders[index % len(folders)]
            folder.mkdir(parents=True, exist_ok=True)
            left.append(folder / f".leftover{index}.a1b2c3.part{['.png', '.keras', '.json', '.npz'][index % 4]}")
            left[-1].write_bytes(b"half a file")
        orphan = data / "drawings" / "shapes" / "circle" / "1700000000000-abcdef.json"
        orphan.write_text("{}")
        moment = time.time() - DAY
        for path in left + [orphan]:
            os.utime(path, (moment, moment))
        return {"gone": left + [orphan]}
    return fault


def _hostile_image(kind: str):
    def fault(trial: Path) -> dict:
        path = trial / f"{kind}.{'jpg' if kind == 'exif' else 'png'}"
        if kind == "huge":
            image = np.full((10000, 10000), 255, np.uint8)
            cv2.circle(image, (5000, 5000), 3000, 0, 60)
            cv2.imwrite(str(path), image)
        elif kind == "blob":
            image = np.full((60, 60), 255, np.uint8)
            image[15:45, 15:45] = 0
            cv2.imwrite(str(path), image)
        elif kind == "exif":
            path.write_bytes(_jpeg_on_its_side())
        else:
            path.write_bytes(b"" if kind == "empty" else b"\x89PNG\r\n\x1a\ngarbage")
        ok = kind in ("huge", "blob", "exif")
        return {"args": ["predict", "--task", "shapes", str(path)], "expect_rc": 0 if ok else 1}
    return fault


def _jpeg_on_its_side() -> bytes:
    image = np.full((60, 120, 3), 255, np.uint8)
    cv2.line(image, (10, 30), (110, 30), (0, 0, 0), 6)
    encoded = cv2.imencode(".jpg", image)[1].tobytes()
    tiff = b"MM" + struct.pack(">HIH", 42, 8, 1) + struct.pack(">HHIHH", 0x0112, 3, 1, 6, 0) + b"\0\0\0\0"
    segment = b"Exif\x00\x00" + tiff
    return encoded[:2] + b"\xff\xe1" + struct.pack(">H", len(segment) + 2) + segment + encoded[2:]


# ----- running a trial -------------------------------------------------------------------------------------

def _trial(trial: Path, fault, entry: str) -> tuple[bool, int, int]:
    data = trial / "data"
    expect = fault(trial)
    damaged = set(expect.get("damaged", []))
    drawings = [png for png in (data / "drawings").rglob("*.png")
                if png not in damaged and not png.name.startswith(".")]
    model = data / "models" / "shapes" / "model.keras"
    model_hash = _hash(model)
    outside_before = _listing(trial, skip=data) | _listing(trial.parent, skip=trial)
    if entry == "probe":
        result = _run_python(_PROBE, data, check=False)
    else:
        args = expect.get("args") or ["predict", "--task", "shapes", str(_drawing(trial))]
        result = _run_main(args, data)
    tracebacks = result.stderr.count(TRACEBACK)
    lost = sum(1 for png in drawings if not png.exists()) + int(_hash(model) != model_hash)
    survived = result.returncode == expect.get("expect_rc", 0) and tracebacks == 0 and _did_its_job(result, entry)
    survived = survived and not any(path.exists() for path in expect.get("gone", []))
    if expect.get("outside_untouched"):
        survived = survived and _listing(trial, skip=data) | _listing(trial.parent, skip=trial) == outside_before
    return survived, lost, tracebacks


def _did_its_job(result, entry: str) -> bool:
    lines = [line for line in result.stdout.splitlines() if line.startswith("{")]
    if entry == "probe":
        return bool(lines) and json.loads(lines[-1])["ok"]
    if result.returncode == 0:
        return bool(lines) and "label" in json.loads(lines[-1])
    return "error:" in result.stderr  # a refused input says why, in one line


def _drawing(trial: Path) -> Path:
    path = trial / "drawing.png"
    image = np.full((120, 120), 255, np.uint8)
    cv2.circle(image, (60, 60), 40, 0, 5)
    cv2.imwrite(str(path), image)
    return path


def _environment(data: Path) -> dict:
    environment = {key: value for key, value in os.environ.items() if key != "CONVCANVAS_MNIST"}
    environment.update(CONVCANVAS_DATA_DIR=str(data), PYTHONPATH=str(ROOT), TF_CPP_MIN_LOG_LEVEL="2",
                       KERAS_HOME=str(data.parent / "keras-home"))
    return environment


def _run_main(args: list[str], data: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, str(ROOT / "main.py"), *args], capture_output=True, text=True,
                          env=_environment(data), cwd=str(data.parent), timeout=600)


def _run_python(code: str, data: Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, env=_environment(data),
                            cwd=str(ROOT), timeout=600)
    if check and result.returncode != 0:
        raise RuntimeError(f"setting up the trials failed:\n{result.stderr}")
    return result


def _hash(path: Path) -> str | None:
    return hashlib.sha256(path.read_bytes()).hexdigest() if path.is_file() else None


def _listing(folder: Path, skip: Path) -> set[str]:
    return {str(path) for path in folder.rglob("*") if skip not in path.parents and path != skip}
