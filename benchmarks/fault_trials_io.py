"""Fault trials of disk trouble and bad imports: how often the app survives, loses data, or shows a traceback.

`run(workdir)` returns one row per case: {"case", "trials", "survived", "lost", "tracebacks"}; benchmarks/faults.py
prints every fault_trials_*.py's rows as one table. Goal: every trial survived, 0 lost, 0 tracebacks.

- A full disk is simulated by `os.replace` failing with ENOSPC at a random write, or by `shutil.disk_usage`
  reporting no room; a read-only disk by every write under the data folder failing with EROFS. The command-line
  cases run `main.main` in a subprocess (python -c) that installs the same patches first, and count tracebacks on
  its stderr. Where this process may mount a tmpfs (root on Linux), one case also fills a real 1 MB disk.
- Bad imports are fuzzed: files mixing good records with NaN, infinite or huge coordinates or pixels, and
  negative, fractional, NaN, out-of-range or 2-D labels. A trial survives when every good record is imported and
  every bad one is skipped with a reason; a good record not imported is lost.

    nice python benchmarks/fault_trials_io.py [--quick]
"""

from __future__ import annotations

import argparse
import contextlib
import errno
import json
import os
import shutil
import subprocess
import sys
import tempfile
from pathlib import Path
from unittest import mock

import numpy as np

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

from model.collection import exporters  # noqa: E402
from model.collection.importers import import_path  # noqa: E402
from model.collection.samples import SampleStore  # noqa: E402
from model.core.strokes import Stroke, render_strokes  # noqa: E402

REAL_REPLACE = os.replace


def run(workdir: Path, trials: int = 30, cli_trials: int = 2) -> list[dict]:
    """Runs every case under `workdir` and returns its rows (see the module docstring)."""
    workdir = Path(workdir)
    rng = np.random.default_rng(0)
    rows = [
        _in_process("full disk: save drawing", workdir, trials, lambda: _save_trial(rng, errno.ENOSPC)),
        _in_process("read-only disk: save drawing", workdir, trials, lambda: _save_trial(rng, errno.EROFS)),
        _in_process("full disk: export", workdir, trials, lambda: _export_trial(rng, Path(os.environ["TRIAL"]))),
        _in_process("full disk: import", workdir, trials, lambda: _import_full_trial(rng, Path(os.environ["TRIAL"]))),
        _in_process("read-only cache: load drawings", workdir, trials, lambda: _cache_trial(rng)),
        _in_process("full disk: retrain", workdir, cli_trials, lambda: _retrain_trial(rng)),
    ]
    rows += [_in_process(f"bad import: {kind}", workdir, trials,
                         lambda kind=kind: _bad_import_trial(rng, kind, Path(os.environ["TRIAL"])))
             for kind in BAD_KINDS]
    rows += [_cli_case(name, workdir, cli_trials, patch, argv, expect)
             for name, patch, argv, expect in CLI_CASES]
    tmpfs = _real_full_disk(workdir)
    if tmpfs is not None:
        rows.append(tmpfs)
    return rows


# ----- running trials ---------------------------------------------------------------------------------------


def _in_process(case: str, workdir: Path, trials: int, trial) -> dict:
    """Runs `trial()` `trials` times, each in a fresh data folder; it returns (survived, lost[, tracebacks]) or
    raises (a traceback the user would see)."""
    row = {"case": case, "trials": trials, "survived": 0, "lost": 0, "tracebacks": 0}
    for _ in range(trials):
        folder = Path(tempfile.mkdtemp(prefix="trial-", dir=workdir))
        with mock.patch.dict(os.environ, {"CONVCANVAS_DATA_DIR": str(folder / "data"), "TRIAL": str(folder)}):
            try:
                survived, lost, *tracebacks = trial()
            except Exception:  # what would reach the user as a traceback
                survived, lost, tracebacks = False, 0, [1]
        row["survived"] += int(survived and not sum(tracebacks))
        row["lost"] += lost
        row["tracebacks"] += sum(tracebacks)
        shutil.rmtree(folder, ignore_errors=True)
    return row


def _one_line(error: BaseException) -> bool:
    """True for the one-line message the user should see ("The disk holding ... is full ..."), not "[Errno 28] ..."."""
    text = str(error)
    return text.startswith("The ") and "\n" not in text and "Errno" not in text


@contextlib.contextmanager
def _replace_fails(code: int, after: int, suffix: str = ""):
    """os.replace works `after` times (for targets ending in `suffix`), then fails with `code`."""
    done = [0]

    def replace(source, target, *args, **kwargs):
        if str(target).endswith(suffix):
            if done[0] >= after:
                raise OSError(code, os.strerror(code), str(target))
            done[0] += 1
        return REAL_REPLACE(source, target, *args, **kwargs)

    with mock.patch.object(os, "replace", replace):
        yield


def _drawing(rng):
    radius = rng.uniform(20, 70)
    angles = np.linspace(0, 2 * np.pi, 30)
    strokes = [Stroke(np.stack([100 + radius * np.cos(angles), 100 + radius * np.sin(angles)], 1), 6.0)]
    return render_strokes(strokes, 200, 200), strokes


def _fill(rng, count: int) -> tuple[SampleStore, list[str]]:
    store = SampleStore("shapes")
    return store, [store.add("circle", *_drawing(rng)) for _ in range(count)]


def _missing(store: SampleStore, ids) -> int:
    present = {sample.id for sample in store.samples()}
    return sum(1 for sample_id in ids if sample_id not in present)


# ----- disk cases ---------------------------------------------------------------------------------------------


def _save_trial(rng, code: int):
    store, kept = _fill(rng, int(rng.integers(1, 4)))
    with _replace_fails(code, after=int(rng.integers(0, 2))):
        try:
            kept.append(store.add("circle", *_drawing(rng)))  # acknowledged only if it returns
            refused = None
        except OSError as error:
            refused = error
    orphans = [path for path in (store.root / "circle").glob("*.json") if not path.with_suffix(".png").exists()]
    survived = (refused is None or _one_line(refused)) and not orphans
    return survived, _missing(store, kept)


def _export_trial(rng, folder: Path):
    store, kept = _fill(rng, 3)
    kind = ["folder", "npz"][int(rng.integers(0, 2))]
    with _replace_fails(errno.ENOSPC, after=int(rng.integers(0, 6))):
        try:
            if kind == "folder":
                exporters.export_folder(store, folder / "export")
            else:
                exporters.export_npz(store, folder / "export" / "set.npz")
            refused = None
        except OSError as error:
            refused = error
    halves = [path for path in (folder / "export").rglob("*") if ".part" in path.name]
    return (refused is None or _one_line(refused)) and not halves, _missing(store, kept)


def _import_full_trial(rng, folder: Path):
    images = np.zeros((20, 28, 28), np.uint8)
    images[:, 6:22, 12:16] = 255
    np.save(folder / "pencil.npy", images)
    store = SampleStore("qd")
    with _replace_fails(errno.ENOSPC, after=int(rng.integers(0, 20)), suffix=".png"):
        report = import_path(folder / "pencil.npy", store)
    clean = "\n" not in report.stopped and "Errno" not in report.stopped
    return bool(report.stopped) and clean, _missing(store, report.sample_ids)


def _cache_trial(rng):
    store, kept = _fill(rng, int(rng.integers(2, 6)))
    refuse = OSError(errno.EROFS, os.strerror(errno.EROFS))
    with mock.patch("model.collection.sample_cache.write_cache", side_effect=refuse):
        x, _, ids = store.load_arrays(["circle"])
    return len(x) == len(kept), len(set(kept) - set(ids.tolist()))


def _retrain_trial(rng):
    from model.collection import user_tasks
    from model.training.retrain import RetrainSettings, retrain

    task = user_tasks.create_task("Marks", ["circle", "bar"])
    store = SampleStore(task.name)
    kept = [store.add(label, *_drawing(rng)) for label in task.labels for _ in range(3)]
    no_room = shutil.disk_usage(store.root)._replace(free=int(rng.integers(0, 64 * 1024)))
    with mock.patch.object(shutil, "disk_usage", lambda path: no_room):
        try:
            retrain(task, RetrainSettings(scratch_epochs=1, epochs=1, min_epoch_size=32, batch_size=16))
            refused = None
        except OSError as error:
            refused = error
    return refused is not None and _one_line(refused), _missing(store, kept)


# ----- bad imports --------------------------------------------------------------------------------------------

BAD_KINDS = ("NaN coordinates", "infinite coordinates", "huge coordinates", "NaN pixels", "infinite pixels",
             "negative label", "fractional label", "NaN label", "label index out of range", "2-D labels")


def _bad_import_trial(rng, kind: str, folder: Path):
    """Writes a file of good and bad records of `kind`, imports it, and checks every record's fate."""
    good, bad = int(rng.integers(1, 6)), int(rng.integers(1, 6))
    if "coordinates" in kind:
        path, expected = _bad_ndjson(rng, kind, good, bad, folder / "cat.ndjson")
    else:
        path, expected = _bad_npz(rng, kind, good, bad, folder / "set.npz")
    store = SampleStore("import")
    try:
        report = import_path(path, store)
    except Exception:  # the import aborted: the good records it had not reached yet are lost
        return False, max(0, expected["good"] - len(store.samples())), 1
    imported = report.total
    skipped_names = {name for name, _ in report.skipped}
    all_bad_skipped = expected["bad"] <= skipped_names or (kind == "2-D labels" and path.name in skipped_names)
    lost = max(0, expected["good"] - imported)
    survived = imported == expected["good"] and all_bad_skipped and len(store.samples()) == imported
    return survived, lost


def _bad_ndjson(rng, kind, good, bad, path):
    value = {"NaN coordinates": "NaN", "infinite coordinates": "Infinity"}.get(kind)
    lines, bad_names = [], set()
    order = rng.permutation(["good"] * good + ["bad"] * bad)
    for number, which in enumerate(order, start=1):
        xs = [float(v) for v in rng.uniform(0, 255, 5)]
        if which == "good":
            lines.append(json.dumps({"word": "cat", "drawing": [[xs, xs[::-1]]]}))
            continue
        bad_names.add(f"{path.name} line {number}")
        if value is not None:
            lines.append(f'{{"word": "cat", "drawing": [[[1, {value}, 3], [4, 5, 6]]]}}')
        else:
            lines.append(json.dumps({"word": "cat", "drawing": [[[0, float(10 ** rng.uniform(7, 308))], xs[:2]]]}))
    path.write_text("\n".join(lines) + "\n")
    return path, {"good": good, "bad": bad_names}


def _bad_npz(rng, kind, good, bad, path):
    count = good + bad
    images = np.zeros((count, 28, 28), np.float64)
    images[:, 6:22, 12:16] = rng.uniform(0.5, 1.0, (count, 1, 1)) * 255
    labels = rng.integers(0, 2, count).astype(np.float64)
    bad_rows = rng.choice(count, bad, replace=False)
    if kind == "2-D labels":
        np.savez(path, x=images, y=rng.integers(0, 3, (count, 2)).astype(np.int64) + 1)
        return path, {"good": 0, "bad": set()}
    for row in bad_rows:
        if kind == "NaN pixels":
            images[row, rng.integers(0, 28), rng.integers(0, 28)] = np.nan
        elif kind == "infinite pixels":
            images[row, 6:22, 12:16] = np.inf
        elif kind == "negative label":
            labels[row] = -int(rng.integers(1, 5))
        elif kind == "fractional label":
            labels[row] = rng.integers(0, 2) + rng.uniform(0.05, 0.95)
        elif kind == "NaN label":
            labels[row] = np.nan
        else:
            labels[row] = int(rng.integers(2, 1000))
    integral = kind in ("negative label", "label index out of range", "NaN pixels", "infinite pixels")
    np.savez(path, x=images, y=labels.astype(np.int64) if integral else labels, label_names=np.array(["a", "b"]))
    return path, {"good": good, "bad": {f"{path.name} #{row}" for row in bad_rows}}


# ----- the command line, in subprocesses ----------------------------------------------------------------------

_PRELUDE = """
import errno, os, shutil, sys
from collections import namedtuple
sys.path.insert(0, {root!r})
from model.training import recipes, training
from tests.model.training_data import bars_data
small = [{{"type": "conv", "filters": 4}}, {{"type": "pool"}}, {{"type": "flatten"}}, {{"type": "dense", "units": 8}}]
recipes.RECIPES["quick"] = recipes.RECIPES["quick"].with_overrides(
    architecture=small, batch_size=32, augmentation=None, task_epochs={{"shapes": 1}})
training.load_task_data = lambda task, recipe, mnist_path=None, seed=0, should_stop=None: bars_data(96, 48)
def refuse(code):
    def fail(*args, **kwargs):
        raise OSError(code, os.strerror(code), str(args[0]) if args else "")
    return fail
"""
_NO_ROOM = ('Usage = namedtuple("Usage", "total used free")\n'
            'shutil.disk_usage = lambda path: Usage(10**9, 10**9 - 4096, 4096)\n')
_FULL_AT_WRITE = "os.replace = refuse(errno.ENOSPC)\n"
_READ_ONLY = ("import tempfile\ntempfile.mkstemp = refuse(errno.EROFS)\nos.mkdir = refuse(errno.EROFS)\n"
              "os.replace = refuse(errno.EROFS)\n")

CLI_CASES = [
    ("full disk: train (CLI)", _NO_ROOM, ["train", "--task", "shapes"], "is full"),
    ("disk fills at checkpoint: train (CLI)", _FULL_AT_WRITE, ["train", "--task", "shapes"], "is full"),
    ("read-only disk: train (CLI)", _READ_ONLY, ["train", "--task", "shapes"], "read-only"),
    ("read-only disk: predict (CLI)", _READ_ONLY, ["predict", "--task", "shapes", "{image}"], None),
]


def _cli_case(case: str, workdir: Path, trials: int, patch: str, argv: list[str], expect: str | None) -> dict:
    """Runs `main.main(argv)` after `patch` in a subprocess per trial; a model saved beforehand must survive."""
    row = {"case": case, "trials": trials, "survived": 0, "lost": 0, "tracebacks": 0}
    for _ in range(trials):
        folder = Path(tempfile.mkdtemp(prefix="cli-", dir=workdir))
        data, image = folder / "data", _write_drawing(folder / "a.png")
        _saved_model(data)
        script = _PRELUDE.format(root=str(ROOT)) + patch + (
            "import main\nsys.exit(main.main(%r))\n" % [arg.replace("{image}", str(image)) for arg in argv])
        env = {**os.environ, "CONVCANVAS_DATA_DIR": str(data), "PYTHONPATH": str(ROOT), "TF_CPP_MIN_LOG_LEVEL": "3"}
        done = subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, env=env, cwd=ROOT,
                              timeout=600)
        errors = [line for line in done.stderr.splitlines() if line.startswith("error:")]
        row["tracebacks"] += int("Traceback" in done.stderr)
        if expect is None:  # must work as if nothing were wrong
            survived = done.returncode == 0 and '"label"' in done.stdout
        else:
            survived = done.returncode == 1 and len(errors) == 1 and expect in errors[0]
        row["survived"] += int(survived and "Traceback" not in done.stderr)
        row["lost"] += int(not _loads(data))
        shutil.rmtree(folder, ignore_errors=True)
    return row


def _write_drawing(path: Path) -> Path:
    import cv2

    image = np.full((200, 200), 255, np.uint8)
    cv2.circle(image, (100, 100), 60, 0, 6)
    cv2.imwrite(str(path), image)
    return path


def _loads(data: Path) -> bool:
    """True if the task's model in `data` still loads (a failed command must never break the model it had)."""
    from model.network.model_store import load_model

    with mock.patch.dict(os.environ, {"CONVCANVAS_DATA_DIR": str(data)}):
        try:
            load_model("shapes")
        except Exception:
            return False
    return True


def _saved_model(data: Path) -> Path:
    from model.network.architecture import build_model
    from model.network.model_store import ModelInfo, save_model

    small = [{"type": "conv", "filters": 4}, {"type": "pool"}, {"type": "flatten"}, {"type": "dense", "units": 8}]
    with mock.patch.dict(os.environ, {"CONVCANVAS_DATA_DIR": str(data)}):
        return save_model(build_model(small, 3), ModelInfo("shapes", ["circle", "square", "triangle"]))


# ----- a real full disk, where one can be mounted -------------------------------------------------------------


def _real_full_disk(workdir: Path) -> dict | None:
    """Saves drawings onto a real 1 MB tmpfs until it is full; every acknowledged drawing must read back."""
    mount_point = workdir / "tmpfs"
    mount_point.mkdir(exist_ok=True)
    if not hasattr(os, "geteuid") or os.geteuid() != 0 or shutil.which("mount") is None:
        return None
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=1m", "tmpfs", str(mount_point)],
                             capture_output=True).returncode == 0
    if not mounted:
        return None
    row = {"case": "real 1 MB disk: save drawings until full", "trials": 1, "survived": 0, "lost": 0,
           "tracebacks": 0}
    try:
        with mock.patch.dict(os.environ, {"CONVCANVAS_DATA_DIR": str(mount_point / "data")}):
            rng, store, kept, refusal = np.random.default_rng(1), SampleStore("shapes"), [], None
            try:
                while refusal is None and len(kept) < 5000:
                    try:
                        kept.append(store.add("circle", *_drawing(rng)))
                    except OSError as error:
                        refusal = error
                lost = _missing(store, kept) + sum(1 for i in kept if store.image(i) is None)
                row["survived"] = int(refusal is not None and _one_line(refusal))
                row["lost"] = lost
                row["case"] += f" ({len(kept)} saved)"
            except Exception:
                row["tracebacks"] += 1
    finally:
        subprocess.run(["umount", str(mount_point)], capture_output=True)
    return row


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--quick", action="store_true", help="5 trials per case and 1 per command-line case")
    args = parser.parse_args()
    with tempfile.TemporaryDirectory(prefix="fault-io-") as folder:
        rows = run(Path(folder), *((5, 1) if args.quick else (30, 2)))
    print(f"{'case':55} {'trials':>6} {'survived':>8} {'lost':>5} {'tracebacks':>10}")
    for row in rows:
        print(f"{row['case']:55} {row['trials']:6d} {row['survived']:8d} {row['lost']:5d} {row['tracebacks']:10d}")


if __name__ == "__main__":
    main()
