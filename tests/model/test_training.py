"""Training from recipes: learns, reports progress, cancels within a batch, checkpoints and resumes."""

from __future__ import annotations

import numpy as np
import pytest

from model.core.tasks import SHAPES
from model.network.inference import Predictor
from model.network.model_store import ModelInfo, load_model, save_model
from model.training import checkpoints
from model.training.recipes import RECIPES, get_recipe
from model.training.training import has_checkpoint, make_train_dataset, train_task
from tests.model.training_data import bars_data

SMALL = [{"type": "conv", "filters": 8}, {"type": "pool"}, {"type": "flatten"}, {"type": "dense", "units": 16}]


def _small_recipe(**changes):
    options = dict(architecture=SMALL, batch_size=32, learning_rate=5e-3, augmentation=None)
    options.update(changes)
    return get_recipe("quick").with_overrides(**options)


def test_training_learns_a_separable_set_well_above_chance():
    data = bars_data(train=384, val=150)
    result = train_task(SHAPES, _small_recipe(), epochs=3, data=data)
    assert result.metrics["val_accuracy"] > 0.8  # chance is 1/3


def test_a_short_batch_norm_training_predicts_as_well_as_it_trains():
    # A few dozen steps leave Keras' moving statistics far from the data's; training recalibrates them.
    recipe = get_recipe("quick").with_overrides(augmentation=None, batch_size=32)
    result = train_task(SHAPES, recipe, epochs=2, data=bars_data(train=320, val=150))
    assert result.metrics["val_accuracy"] > 0.8


def test_a_smoothed_training_folds_in_a_temperature_that_gives_its_confidence_back(tmp_path):
    data = bars_data(train=384, val=150)
    tops, metrics = {}, {}
    for smoothing in (0.0, 0.3):
        result = train_task(SHAPES, _small_recipe(label_smoothing={"shapes": smoothing}), epochs=4, data=data,
                            out_path=tmp_path / f"smoothing-{smoothing}.keras")
        keras_model, info = load_model("shapes", path=result.model_path)
        probabilities = Predictor(keras_model, info.labels).predict(data.x_val)
        tops[smoothing], metrics[smoothing] = float(np.median(probabilities.max(axis=1))), result.metrics
    assert "temperature" not in metrics[0.0] and metrics[0.3]["temperature"] < 1.0
    assert metrics[0.3]["val_accuracy"] > 0.8
    # Smoothing 0.3 over three labels alone would leave a clear drawing's answer near 0.7 + 0.1.
    assert tops[0.0] > 0.9 and tops[0.3] > 0.9, tops


def test_progress_reports_batches_and_epochs_with_an_eta():
    updates = []
    train_task(SHAPES, _small_recipe(), epochs=2, data=bars_data(train=128), progress=updates.append)
    training = [update for update in updates if update.phase == "training"]
    assert updates[0].phase == "loading" and updates[-1].phase == "saving"
    ends = [update for update in training if "val_accuracy" in update.logs]
    assert [update.epoch for update in ends] == [1, 2] and ends[-1].batch == ends[-1].batches == 4
    assert "loss" in training[0].logs and ends[-1].eta_s == pytest.approx(0.0, abs=1e-6)
    assert training[-1].fraction == 1.0


def test_cancel_stops_within_a_batch_and_keeps_the_previous_model():
    save_model(_build_marker_model(), ModelInfo("shapes", list(SHAPES.labels), recipe="previous"))
    updates, answers = [], []

    def should_stop():
        # Asks to stop once the first batch has been reported.
        answers.append(any(update.phase == "training" for update in updates))
        return answers[-1]

    result = train_task(SHAPES, _small_recipe(), epochs=3, data=bars_data(train=256), should_stop=should_stop,
                        progress=updates.append)
    assert result.cancelled and result.model_path is None
    # Polled every batch: the batch after the first asked, and no batch ran after it.
    assert [update.batch for update in updates if update.phase == "training"] == [1]
    assert load_model("shapes")[1].recipe == "previous"


def test_checkpoint_each_epoch_and_resume_continues_at_the_next_epoch():
    data = bars_data(train=128)
    epochs_done = []

    def stop_in_second_epoch():
        return len(epochs_done) >= 1

    result = train_task(SHAPES, _small_recipe(), epochs=3, data=data, should_stop=stop_in_second_epoch,
                        epoch_end=lambda model: epochs_done.append(model.optimizer.iterations.numpy()))
    assert result.cancelled and has_checkpoint("shapes")
    assert checkpoints.read_state("shapes").epoch == 1
    resumed = []
    result = train_task(SHAPES, _small_recipe(), epochs=3, data=data, resume=True,
                        epoch_end=lambda model: resumed.append(int(model.optimizer.iterations.numpy())))
    assert result.status == "completed" and result.metrics["epochs"] == 3
    # Two more epochs of 4 batches each, the optimizer's step count carried on from the first epoch's 4.
    assert resumed == [8, 12]
    assert not has_checkpoint("shapes")


@pytest.mark.parametrize("name", sorted(RECIPES))
def test_each_recipe_builds_checkpoints_every_epoch_resumes_where_it_stopped_and_saves(name):
    # The recipe's own network, augmentation and members, on a small slice of bars.
    recipe = RECIPES[name].with_overrides(batch_size=32)
    data = bars_data(train=64, val=32)
    epochs_done = []
    result = train_task(SHAPES, recipe, epochs=2, data=data, should_stop=lambda: len(epochs_done) >= 1,
                        epoch_end=lambda model: epochs_done.append(model.name))
    assert result.cancelled and has_checkpoint("shapes")
    state = checkpoints.read_state("shapes")
    assert (state.recipe, state.member, state.epoch) == (name, 0, 1)
    resumed = []
    result = train_task(SHAPES, recipe, epochs=2, data=data, resume=True,
                        epoch_end=lambda model: resumed.append(model.name))
    assert result.status == "completed" and result.model_path.is_file() and not has_checkpoint("shapes")
    # The first member's second epoch, then every further member's two.
    assert len(resumed) == 1 + 2 * (recipe.members - 1)
    keras_model, info = load_model("shapes")
    assert info.recipe == name and info.members == recipe.members
    assert Predictor(keras_model, info.labels).members == recipe.members


@pytest.mark.parametrize("averaging", [0.0, 0.9])
def test_weight_averaging_replaces_the_last_steps_weights_with_their_moving_average(averaging):
    last_step = []
    train_task(SHAPES, _small_recipe(weight_averaging=averaging), epochs=2, data=bars_data(train=128),
               epoch_end=lambda model: last_step.append(np.array(model.get_layer("conv1").kernel)))
    saved = np.asarray(load_model("shapes")[0].get_layer("conv1").kernel)
    assert np.allclose(saved, last_step[-1]) == (averaging == 0.0)


def test_resume_of_an_ensemble_keeps_finished_members():
    recipe = _small_recipe(members=3)
    data = bars_data(train=64)
    member_epochs = []

    def stop_after_second_member():
        return len(member_epochs) >= 2

    train_task(SHAPES, recipe, epochs=1, data=data, should_stop=stop_after_second_member,
               epoch_end=lambda model: member_epochs.append(model.name))
    assert member_epochs == ["member1", "member2"] and checkpoints.read_state("shapes").member == 1
    resumed = []
    result = train_task(SHAPES, recipe, epochs=1, data=data, resume=True,
                        epoch_end=lambda model: resumed.append(model.name))
    assert result.status == "completed" and resumed == ["member3"]
    keras_model, info = load_model("shapes")
    assert Predictor(keras_model, info.labels).members == 3


def test_a_checkpoint_of_another_recipe_is_not_resumed():
    data = bars_data(train=64)
    train_task(SHAPES, _small_recipe(), epochs=2, data=data, should_stop=lambda: True)
    seen = []
    train_task(SHAPES, _small_recipe(), epochs=3, data=data, resume=True, epoch_end=lambda model: seen.append(1))
    assert len(seen) == 3


def test_train_dataset_is_augmented_batched_and_weighted():
    x, y = bars_data(train=40).x_train, bars_data(train=40).y_train
    dataset = make_train_dataset(x, y, batch_size=16, augmentation=RECIPES["best"].augmentation,
                                 sample_weight=np.full(40, 2.0))
    batches = list(dataset)
    assert [len(batch[0]) for batch in batches] == [16, 16, 8]
    images, labels, weights = batches[0]
    assert images.shape == (16, 28, 28, 1) and float(np.max(images)) == pytest.approx(1.0, abs=1e-5)
    assert float(np.min(weights)) == 2.0 and labels.dtype.name == "int64"


def test_a_share_of_each_batch_comes_from_the_source_images_afresh_every_epoch():
    x = bars_data(train=64).x_train
    source = 1.0 - x  # told apart by their corner, 0 in x and 1 in source
    y = np.zeros(64, np.int64)

    def source_shares(share):
        dataset = make_train_dataset(x, y, batch_size=64, source=source, source_share=share, seed=3)
        return [float(np.mean(np.asarray(images)[:, 0, 0, 0] > 0.5)) for images, _ in list(dataset) + list(dataset)]

    assert source_shares(0.0) == [0.0, 0.0] and source_shares(1.0) == [1.0, 1.0]
    first, second = source_shares(0.5)
    assert 0.25 < first < 0.75 and 0.25 < second < 0.75
    # The images themselves are the source's, not a blend.
    images, _ = next(iter(make_train_dataset(x[:4], y[:4], batch_size=4, source=source[:4], source_share=1.0)))
    order = [int(np.argmin(np.abs(source - image[..., 0]).sum(axis=(1, 2)))) for image in np.asarray(images)]
    np.testing.assert_allclose(np.asarray(images)[..., 0], source[order], atol=1 / 255)


def _build_marker_model():
    from model.network.architecture import build_model

    return build_model(SMALL, 3)


def test_augmentation_thins_and_thickens_strokes_and_keeps_images_whole():
    from model.training.augment import augment_batch, random_affine, vary_stroke_width

    x = np.repeat(bars_data(train=1).x_train, 64, axis=0)[..., None]
    ink = np.asarray(vary_stroke_width(x, probability=1.0)).sum(axis=(1, 2, 3))
    original = x[0].sum()
    assert ink.min() < 0.9 * original and ink.max() > 1.1 * original
    unchanged = np.asarray(random_affine(x, shift=0.0, rotation_degrees=0.0, shear=0.0, scale=0.0))
    np.testing.assert_allclose(unchanged, x, atol=1e-5)
    # Images whose strokes are left alone are not resampled either: a blur would set them apart from test images.
    np.testing.assert_allclose(np.asarray(vary_stroke_width(x, probability=0.0)), x, atol=1e-6)
    untouched = np.asarray(augment_batch(x, shift=0.0, rotation_degrees=0.0, shear=0.0, scale=0.0,
                                         stroke_probability=0.0))
    np.testing.assert_allclose(untouched, x, atol=1e-6)
    varied = np.asarray(augment_batch(x, **RECIPES["best"].augmentation))
    assert varied.shape == x.shape and np.allclose(varied.max(axis=(1, 2, 3)), 1.0, atol=1e-5)
    assert len({round(float(value), 2) for value in varied.sum(axis=(1, 2, 3))}) > 10


def test_recalibration_sets_batch_norm_statistics_to_the_clean_data():
    import keras

    from model.training.batch_norm import recalibrate_batch_norm
    from model.training.training import build_member

    model = build_member(get_recipe("quick"), 3)
    x = bars_data(train=64).x_train
    recalibrate_batch_norm(model, x, batch_size=16)
    conv1 = np.asarray(keras.Model(model.input, model.get_layer("conv1").output)(x[..., None]))
    layer = model.get_layer("conv1_bn")
    np.testing.assert_allclose(layer.moving_mean, conv1.mean(axis=(0, 1, 2)), rtol=1e-3, atol=1e-5)
    np.testing.assert_allclose(layer.moving_variance, conv1.var(axis=(0, 1, 2)), rtol=1e-3, atol=1e-6)


@pytest.mark.parametrize("thicker", [True, False])
def test_grey_morphology_is_a_3x3_max_or_min_that_ignores_pixels_outside(thicker):
    import tensorflow as tf

    from model.training.augment import grey_morphology

    # Ink up to the border: padding with black would thin the border's ink, padding with white thicken it.
    images = np.random.default_rng(0).random((4, 56, 56, 1)).astype(np.float32)
    images[:, :, :3] = 1.0
    images[:, -3:, :] = 0.0
    expected = tf.nn.max_pool2d(images if thicker else -images, 3, 1, "SAME")
    expected = expected if thicker else -expected
    np.testing.assert_array_equal(np.asarray(grey_morphology(images, thicker=thicker)), np.asarray(expected))


def test_each_varied_image_is_its_strokes_eroded_or_dilated_at_twice_the_size_and_the_rest_untouched():
    import tensorflow as tf

    from model.training.augment import vary_stroke_width

    x = np.repeat(bars_data(train=4).x_train, 16, axis=0)[..., None]
    large = tf.image.resize(x, (56, 56), method="bilinear")
    # The reference: a 3x3 max pool of the image (thicker) or of its negative (thinner), then back to 28x28.
    thick = np.asarray(tf.nn.avg_pool2d(tf.nn.max_pool2d(large, 3, 1, "SAME"), 2, 2, "VALID"))
    thin = np.asarray(tf.nn.avg_pool2d(-tf.nn.max_pool2d(-large, 3, 1, "SAME"), 2, 2, "VALID"))
    tf.random.set_seed(1)
    varied = np.asarray(vary_stroke_width(x, probability=0.5))
    ways = [next((name for name, image in (("thicker", thick[k]), ("thinner", thin[k]), ("unchanged", x[k]))
                  if np.allclose(varied[k], image, atol=1e-5)), None) for k in range(len(x))]
    assert None not in ways
    assert 10 < ways.count("unchanged") < 54 and ways.count("thicker") > 5 and ways.count("thinner") > 5


def test_every_training_pipeline_runs_without_tf_data_autotuning(tmp_path):
    # Deleting an autotuned pipeline's iterator at the end of fit waited up to a minute for the tuning thread.
    from model.training import fitting
    from tests.model.test_streaming import LABELS, StreamSource, _write_set

    data = bars_data(train=32)
    pipelines = [make_train_dataset(data.x_train, data.y_train, batch_size=8).repeat(),
                 fitting.train_dataset(data.x_train, data.y_train, batch_size=8, seed=0,
                                       augmentation=fitting.FINE_TUNE_AUGMENTATION),
                 StreamSource([_write_set(tmp_path / "set", count=40)], LABELS).train_dataset(batch_size=8, seed=0)]
    assert [pipeline.options().autotune.enabled for pipeline in pipelines] == [False] * 3
