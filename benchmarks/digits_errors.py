"""Which MNIST test digits trained Digits models get wrong, and whether they get the same ones wrong.

For each model: its errors on MNIST's (preprocessed) test set, each member's, and the most common confusions.
For two or more models: how many errors all of them share, and the errors of one ensemble that averages
every member of every model. If the same hard digits stay wrong whatever the network, a better ensemble
needs different data or training, not another network.

    nice -n 10 python benchmarks/digits_errors.py A.keras B.keras [--mnist PATH]
"""

from __future__ import annotations

import argparse
import os
import sys
from collections import Counter
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

import numpy as np  # noqa: E402

SHARED_MNIST = ROOT.parent / "shared" / "datasets" / "mnist.npz"


def member_probabilities(path: str, x: np.ndarray) -> list[np.ndarray]:
    """Returns each member's (N, 10) probabilities for preprocessed images x (N, 28, 28)."""
    from model.network.inference import member_models
    from model.network.model_store import load_model

    keras_model, _ = load_model(path=path)
    return [np.concatenate([np.asarray(member(x[start:start + 1000, ..., None], training=False))
                            for start in range(0, len(x), 1000)])
            for member in member_models(keras_model)]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("models", nargs="+", help="trained Digits models (.keras)")
    parser.add_argument("--mnist", default=os.environ.get("CONVCANVAS_MNIST", str(SHARED_MNIST)))
    args = parser.parse_args()

    from model.datasets.mnist import load_mnist_preprocessed

    _, (x_test, y_test) = load_mnist_preprocessed(args.mnist)
    every_member, error_sets = [], []
    for path in args.models:
        members = member_probabilities(path, x_test)
        every_member += members
        guesses = np.mean(members, axis=0).argmax(axis=1)
        wrong = np.flatnonzero(guesses != y_test)
        error_sets.append(set(wrong.tolist()))
        confusions = Counter(f"{y_test[i]}->{guesses[i]}" for i in wrong).most_common(6)
        print(f"{path}: {len(wrong)} errors ({1 - len(wrong) / len(y_test):.2%}); members "
              f"{', '.join(str(int((p.argmax(axis=1) != y_test).sum())) for p in members)}; "
              f"most common: {', '.join(f'{pair} x{count}' for pair, count in confusions)}")
    if len(args.models) > 1:
        shared = set.intersection(*error_sets)
        pooled = int((np.mean(every_member, axis=0).argmax(axis=1) != y_test).sum())
        print(f"wrong in every model: {len(shared)} ({', '.join(map(str, sorted(shared)))})")
        print(f"one ensemble of all {len(every_member)} members: {pooled} errors ({1 - pooled / len(y_test):.2%})")


if __name__ == "__main__":
    main()
