"""Fault trials: damaged files, unsafe names, leftovers, full disks, bad imports... and whether the app survives.

Every module `benchmarks/fault_trials_*.py` (found by name, run in sorted order) has a function
`run(workdir: pathlib.Path) -> list[dict]`; each dict is one case: {"case": str, "trials": int, "survived": int,
"lost": int, "tracebacks": int}. A trial survives when the entry point did its job (a prediction printed, the
task list read, ...); `lost` counts drawings or models that were intact before the trial and are gone after it;
`tracebacks` counts Python tracebacks printed. The goal is 0 lost and 0 tracebacks. Adding trials needs no
change here: add a module.

    nice -n 10 python benchmarks/faults.py [--only files] [--keep]
"""

from __future__ import annotations

import argparse
import importlib.util
import shutil
import sys
import tempfile
import time
import traceback
from pathlib import Path

BENCHMARKS = Path(__file__).resolve().parent
sys.path.insert(0, str(BENCHMARKS.parent))
COLUMNS = ("trials", "survived", "lost", "tracebacks")


def trial_modules(only: str | None = None) -> list[Path]:
    """Returns the fault_trials_*.py files, sorted; `only` keeps those whose name contains it."""
    return [path for path in sorted(BENCHMARKS.glob("fault_trials_*.py")) if only is None or only in path.stem]


def run_module(path: Path, workdir: Path) -> list[dict]:
    """Imports one trials module and runs it; a module that crashes is one case that did not survive."""
    spec = importlib.util.spec_from_file_location(path.stem, path)
    module = importlib.util.module_from_spec(spec)
    try:
        spec.loader.exec_module(module)
        return [dict(row) for row in module.run(workdir)]
    except Exception:  # a broken trials module must not hide the others' figures
        traceback.print_exc()
        return [{"case": f"{path.stem} itself crashed", "trials": 1, "survived": 0, "lost": 0, "tracebacks": 1}]


def print_table(rows: list[dict]) -> None:
    width = max([len("case"), *(len(str(row["case"])) for row in rows)])
    print(f"{'case':<{width}}  " + "  ".join(f"{name:>10}" for name in COLUMNS))
    print("-" * (width + 12 * len(COLUMNS)))
    for row in rows:
        print(f"{row['case']:<{width}}  " + "  ".join(f"{int(row[name]):>10}" for name in COLUMNS))
    print("-" * (width + 12 * len(COLUMNS)))
    totals = {name: sum(int(row[name]) for row in rows) for name in COLUMNS}
    print(f"{'total':<{width}}  " + "  ".join(f"{totals[name]:>10}" for name in COLUMNS))
    verdict = "goal met" if totals["lost"] == 0 and totals["tracebacks"] == 0 else "GOAL MISSED"
    print(f"\n{verdict}: {totals['lost']} lost, {totals['tracebacks']} tracebacks, "
          f"{totals['survived']}/{totals['trials']} trials survived.")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--only", help="run only trial modules whose name contains this (e.g. files, io)")
    parser.add_argument("--keep", action="store_true", help="keep the work folders for inspection")
    args = parser.parse_args()
    rows = []
    started = time.monotonic()
    for path in trial_modules(args.only):
        workdir = Path(tempfile.mkdtemp(prefix=f"convcanvas-{path.stem}-"))
        print(f"running {path.name} in {workdir} ...", file=sys.stderr, flush=True)
        rows.extend(run_module(path, workdir))
        if not args.keep:
            shutil.rmtree(workdir, ignore_errors=True)
    print_table(rows)
    print(f"({time.monotonic() - started:.0f} s)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
