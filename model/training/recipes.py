"""Training recipes as data: the network, how long and how fast it learns, and how the data is varied.

- "quick": one CNN on the classic recipe with batch normalisation, a few epochs, learning rate halved
  every epoch, label smoothing for Digits; the default for every task, as it trains in minutes (docs/experiments.md).
- "best": deeper Conv-BN-ReLU blocks with dropout, Dense-BN-ReLU, stronger augmentation, each MNIST
  digit shown half the time as MNIST publishes it and half the time preprocessed, 28 epochs with the
  learning rate halved every six, weights averaged over the last steps, and an ensemble of three
  averaged at inference.

`train_task` reads these; `epochs` on the command line overrides a recipe's count.
"""

from __future__ import annotations

from dataclasses import dataclass, field, replace

QUICK_ARCHITECTURE = [
    {"type": "conv", "filters": 32, "batch_norm": True},
    {"type": "pool"},
    {"type": "conv", "filters": 64, "batch_norm": True},
    {"type": "pool"},
    {"type": "conv", "filters": 128, "batch_norm": True},
    {"type": "pool"},
    {"type": "flatten"},
    {"type": "dense", "units": 128},
    {"type": "dropout", "rate": 0.25},
]

BEST_ARCHITECTURE = [
    {"type": "conv", "filters": 32, "batch_norm": True},
    {"type": "conv", "filters": 32, "batch_norm": True},
    {"type": "pool"},
    {"type": "dropout", "rate": 0.2},
    {"type": "conv", "filters": 64, "batch_norm": True},
    {"type": "conv", "filters": 64, "batch_norm": True},
    {"type": "pool"},
    {"type": "dropout", "rate": 0.3},
    {"type": "flatten"},
    {"type": "dense", "units": 256, "batch_norm": True},
    {"type": "dropout", "rate": 0.4},
]

# Light variation for the quick recipe: enough to carry MNIST over to drawn digits without slowing
# convergence; "best" has time to learn from stronger variation.
LIGHT_AUGMENTATION = {
    "shift": 2.0, "rotation_degrees": 8.0, "shear": 0.15, "scale": 0.10, "stroke_probability": 0.4,
    "probability": 0.6,
}
STRONG_AUGMENTATION = {
    "shift": 2.5, "rotation_degrees": 12.0, "shear": 0.25, "scale": 0.15, "stroke_probability": 0.6,
    "probability": 0.85,
}


@dataclass(frozen=True)
class Recipe:
    """How to train a task's model.

    Attributes:
        name: "quick" or "best".
        architecture: block list for `model.network.architecture.build_model`.
        epochs: epochs per member.
        batch_size: samples per batch.
        members: networks averaged at inference (1: a single CNN).
        learning_rate: Adam's initial learning rate.
        halve_every: the learning rate halves every this many epochs.
        warmup_steps: the learning rate rises to its full value over this many first steps
            (`model.training.schedule`); at most half the first epoch.
        augmentation: options for `model.training.augment.augment_batch`, or None for none.
        weight_averaging: momentum of an exponential moving average of the weights that replaces them at
            the end of training (0: none); an average over the last few hundred steps generalises better
            than the weights of the last step.
        label_smoothing: per task, the share of each labelled sample's target spread evenly over the labels
            (`model.training.losses`; a task not named: none). Digits reads people's pen digits better with it;
            Shapes, which teaches drawings of no label to give an even answer, flagged fewer of them as Not sure
            (docs/digits-accuracy.md).
        source_share: chance that a training image is shown as its source has it (MNIST's own pen widths,
            blur and framing) rather than preprocessed, where the data holds both (Digits).
        task_epochs: per-task overrides of `epochs` (Shapes needs fewer).
        shapes_per_label: generated Shapes drawings per label.
        min_epoch_size: for a task of the user's own, their drawings are repeated (each copy varied) until an
            epoch holds this many images.
    """

    name: str
    architecture: list = field(default_factory=list)
    epochs: int = 6
    batch_size: int = 128
    members: int = 1
    learning_rate: float = 2e-3
    halve_every: int = 2
    warmup_steps: int = 0
    augmentation: dict | None = None
    weight_averaging: float = 0.0
    label_smoothing: dict = field(default_factory=dict)
    source_share: float = 0.0
    task_epochs: dict = field(default_factory=dict)
    shapes_per_label: int = 2000
    min_epoch_size: int = 2048

    def epochs_for(self, task_name: str) -> int:
        """Returns the number of epochs per member for a task."""
        return int(self.task_epochs.get(task_name, self.epochs))

    def label_smoothing_for(self, task_name: str) -> float:
        """Returns the label smoothing a task trains with (0: none)."""
        return float(self.label_smoothing.get(task_name, 0.0))

    def learning_rate_at(self, epoch: int) -> float:
        """Returns the learning rate for a 0-based epoch: halved every `halve_every` epochs."""
        return self.learning_rate * 0.5 ** (epoch // max(1, self.halve_every))

    def with_overrides(self, **changes) -> Recipe:
        """Returns a copy with some fields changed (tests shrink recipes this way)."""
        return replace(self, **changes)


RECIPES = {
    "quick": Recipe(
        name="quick", architecture=QUICK_ARCHITECTURE, epochs=6, batch_size=128, members=1,
        learning_rate=2e-3, halve_every=1, warmup_steps=60, augmentation=LIGHT_AUGMENTATION,
        label_smoothing={"digits": 0.1}, task_epochs={"shapes": 7}, shapes_per_label=5000,
    ),
    "best": Recipe(
        name="best", architecture=BEST_ARCHITECTURE, epochs=28, batch_size=128, members=3,
        learning_rate=2e-3, halve_every=6, augmentation=STRONG_AUGMENTATION, weight_averaging=0.999,
        source_share=0.5,
        task_epochs={"shapes": 10}, shapes_per_label=8000,
    ),
}


def get_recipe(name: str) -> Recipe:
    """Returns the recipe called `name`.

    Raises:
        ValueError: with the known names.
    """
    if name not in RECIPES:
        raise ValueError(f"Unknown recipe {name!r}; expected one of: {', '.join(RECIPES)}.")
    return RECIPES[name]
