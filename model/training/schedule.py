"""The learning rate through a training: raised from near zero over the first steps, then halved every few epochs.

A freshly initialised network sometimes starts far off (a first loss of 2-2.6 where 1.1 is a guess). Adam's
first steps at the full rate then pushed Quick Shapes, whose rate halves every epoch, into a corner it
never left: one training in five read squares as circles (70% of its held-out drawings). Raising the rate
over the first steps of the first epoch (a warm-up, Goyal et al., 2017) lets batch normalisation's
statistics and Adam's moments settle before the large steps. `Recipe.warmup_steps` says how many.
"""

from __future__ import annotations


def warmup_steps(recipe, steps_per_epoch: int | None) -> int:
    """The recipe's warm-up, at most half the first epoch: a small task's few batches still get a full-rate half."""
    if steps_per_epoch:
        return min(recipe.warmup_steps, steps_per_epoch // 2)
    return recipe.warmup_steps


def learning_rate_at(recipe, epoch: int, batch: int, steps_per_epoch: int | None = None) -> float:
    """Returns the learning rate for a 0-based epoch and batch of `recipe`."""
    rate = recipe.learning_rate_at(epoch)
    warmup = warmup_steps(recipe, steps_per_epoch)
    if epoch == 0 and batch < warmup:
        return rate * (batch + 1) / warmup
    return rate


def schedule_callback(recipe):
    """A Keras callback that sets the optimizer's learning rate before every batch, as `learning_rate_at` says."""
    import keras

    class Schedule(keras.callbacks.Callback):
        def __init__(self):
            super().__init__()
            self.epoch, self.steps, self.warmup = 0, None, recipe.warmup_steps

        def on_train_begin(self, logs=None):
            self.steps = self.params.get("steps")
            self.warmup = warmup_steps(recipe, self.steps)

        def on_epoch_begin(self, epoch, logs=None):
            self.epoch = epoch

        def on_train_batch_begin(self, batch, logs=None):
            # The rate changes only at an epoch's start and through the warm-up; other batches keep it.
            if batch == 0 or (self.epoch == 0 and batch <= self.warmup):
                self.model.optimizer.learning_rate = learning_rate_at(recipe, self.epoch, batch, self.steps)

        def on_epoch_end(self, epoch, logs=None):
            if logs is not None:
                logs["learning_rate"] = float(keras.ops.convert_to_numpy(self.model.optimizer.learning_rate))

    return Schedule()
