"""The tf.data settings every training pipeline here ends with.

tf.data's autotuning runs a background thread that re-plans the pipeline in rounds, sleeping between them for up to a
minute once a training has run for a while; when `model.fit` ended, deleting the pipeline's iterator waited for that
thread's sleep to run out: 40-53 s of nothing after the last epoch of 6 of 9 Quick Digits trainings, and 53 s in a
bare Keras fit of the same pipeline, against none without autotuning (`benchmarks/fit_end.py`,
docs/digits-accuracy.md). Our pipelines fix their own parallelism (one batch in preparation, two ready), so
autotuning has little to tune: `num_parallel_calls=tf.data.AUTOTUNE` then means one call per core.
"""

from __future__ import annotations


def without_autotuning(dataset):
    """Returns `dataset` with tf.data's autotuning off (see the module docstring)."""
    import tensorflow as tf

    options = tf.data.Options()
    options.autotune.enabled = False
    return dataset.with_options(options)
