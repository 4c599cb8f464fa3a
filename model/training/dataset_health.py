"""Warnings about a data set before it is trained on: labels with too few drawings, and imbalanced labels."""

from __future__ import annotations

# Below this many drawings a label cannot be held out for validation and barely trains.
MIN_SAMPLES = 5
RECOMMENDED_SAMPLES = 10
# A label with this many times fewer drawings than the largest one is drowned out in training.
IMBALANCE_RATIO = 3.0


def dataset_warnings(counts: dict[str, int], labels, *, has_base_data: bool = False) -> list[str]:
    """Returns plain-language warnings about the user's samples of a task, most important first.

    Args:
        counts: {label: number of saved drawings}.
        labels: the task's labels (labels missing from `counts` have none).
        has_base_data: True for built-in tasks, whose labels also train on built-in data (few drawings are fine).

    Returns:
        A list of sentences; empty when the set looks fine.
    """
    counts = {label: int(counts.get(label, 0)) for label in labels}
    warnings = []
    if not has_base_data:
        few = [label for label, count in counts.items() if count < MIN_SAMPLES]
        if few:
            listed = ", ".join(f"'{label}' ({counts[label]})" for label in few)
            warnings.append(f"Too few drawings to train: {listed}. Save at least {MIN_SAMPLES} of each "
                            f"({RECOMMENDED_SAMPLES} or more is better).")
    present = {label: count for label, count in counts.items() if count > 0}
    if len(present) >= 2:
        largest = max(present, key=present.get)
        smallest = min(present, key=present.get)
        if present[largest] >= IMBALANCE_RATIO * present[smallest] and present[largest] >= MIN_SAMPLES:
            warnings.append(f"Imbalanced: '{largest}' has {present[largest]} drawings but '{smallest}' only "
                            f"{present[smallest]}; the model will lean towards '{largest}'. Save more "
                            f"'{smallest}' drawings.")
    return warnings
