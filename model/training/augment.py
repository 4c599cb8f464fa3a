"""On-the-fly augmentation of 28x28 batches, so a model trained on MNIST or generated shapes copes
with what people draw: shifted, rotated, slanted, larger or smaller, and above all thinner or thicker.

Applied in the tf.data pipeline on whole batches (vectorised TensorFlow ops), never inside the model:
the saved model holds only the layers the activation docks show, and memory stays one batch large.
"""

from __future__ import annotations

import math

_SIZE = 28
_CENTER = (_SIZE - 1) / 2.0


def augment_batch(images, *, shift: float = 2.0, rotation_degrees: float = 10.0, shear: float = 0.2,
                  scale: float = 0.1, stroke_probability: float = 0.5, probability: float = 1.0):
    """Returns a randomly varied copy of a batch of 28x28 images.

    Args:
        images: float32 tensor (batch, 28, 28, 1) in [0, 1], white ink on black.
        shift: largest shift in pixels, each axis.
        rotation_degrees: largest rotation either way.
        shear: largest horizontal shear factor either way (slanted handwriting).
        scale: largest relative change of size either way.
        stroke_probability: chance that an image's strokes are made thinner or thicker.
        probability: chance that an image is moved, turned, slanted and scaled at all; the rest keep
            MNIST's framing, which speeds up learning in short recipes.

    Returns:
        A float32 tensor of the same shape, each image's peak brought back to 1.
    """
    import tensorflow as tf

    images = tf.convert_to_tensor(images, tf.float32)
    images = vary_stroke_width(images, probability=stroke_probability)
    images = random_affine(images, shift=shift, rotation_degrees=rotation_degrees, shear=shear, scale=scale,
                           probability=probability)
    peak = tf.reduce_max(images, axis=[1, 2, 3], keepdims=True)
    return tf.math.divide_no_nan(images, peak)


def vary_stroke_width(images, *, probability: float = 0.5):
    """Makes strokes thinner or thicker, per image, by grey erosion or dilation at twice the resolution.

    Working at 56x56 changes a stroke by about one pixel of the 28x28 image, a gentler step than
    morphology at 28x28 itself, where one step nearly doubles MNIST's 2-3 px strokes. Larger changes
    are not needed: `preprocess` brings every pen to about 2.5 px, leaving widths of roughly 2-4 px.

    `images` lie in [0, 1]. Only the images chosen (a `probability` share) are resampled, each made thinner or
    thicker at even odds: this takes half the time of varying every image both ways and choosing afterwards.
    """
    import tensorflow as tf

    chosen = tf.where(tf.random.uniform((tf.shape(images)[0],)) < probability)
    picked = tf.gather_nd(images, chosen)
    large = tf.image.resize(picked, (2 * _SIZE, 2 * _SIZE), method="bilinear")
    # Erosion is the dilation of the negative, 1 - x, turned back: one morphology serves both ways.
    flip = tf.random.uniform((tf.shape(chosen)[0], 1, 1, 1)) < 0.5
    grown = grey_morphology(tf.where(flip, 1.0 - large, large), thicker=True)
    varied = tf.nn.avg_pool2d(tf.where(flip, 1.0 - grown, grown), 2, 2, "VALID")
    # A thin stroke can erode away entirely: keep the original where that happened. Images left alone are
    # not resampled at all, since up and down again blurs them: they stay sharp, like the test set.
    vanished = tf.reduce_max(varied, axis=[1, 2, 3]) < 0.3
    return tf.tensor_scatter_nd_update(images, chosen, tf.where(vanished[:, None, None, None], picked, varied))


def grey_morphology(images, *, thicker: bool):
    """Returns the grey dilation (`thicker`) or erosion of a batch by a 3x3 square, pixels outside ignored.

    The same as a 3x3 max pool of stride 1 ("SAME"; of the negated images for erosion), computed as the maximum
    or minimum of shifted slices: on two CPU cores the pool took 30 ms of a batch of 128 and this takes 2 ms, and
    the Quick network trains 1.34 times as fast with it (`benchmarks/training_speed.py`).
    """
    import tensorflow as tf

    pick, outside = (tf.maximum, 0.0) if thicker else (tf.minimum, 2.0)  # images lie in [0, 1]
    padded = tf.pad(images, [[0, 0], [1, 1], [1, 1], [0, 0]], constant_values=outside)
    rows = pick(pick(padded[:, :-2], padded[:, 1:-1]), padded[:, 2:])
    return pick(pick(rows[:, :, :-2], rows[:, :, 1:-1]), rows[:, :, 2:])


def random_affine(images, *, shift: float, rotation_degrees: float, shear: float, scale: float,
                  probability: float = 1.0):
    """Applies a random rotation, shear, scale and shift about the image centre to a share of the images."""
    import tensorflow as tf

    batch = tf.shape(images)[0]
    chosen = tf.cast(tf.random.uniform((batch,)) < probability, tf.float32)

    def uniform(limit):
        return tf.random.uniform((batch,), -limit, limit) * chosen

    angle = uniform(rotation_degrees * math.pi / 180.0)
    slant = uniform(shear)
    zoom = 1.0 + uniform(scale)
    dx, dy = uniform(shift), uniform(shift)
    cos, sin = tf.cos(angle), tf.sin(angle)
    # Forward map (input -> output) is T(centre + shift) R Sh S T(-centre); ImageProjectiveTransform
    # wants the inverse (output pixel -> input pixel), written out here to avoid a matrix inverse.
    # Inverse of R Sh S is S^-1 Sh^-1 R^-1 with Sh = [[1, s], [0, 1]] (x' = x + s y).
    a = (cos + slant * sin) / zoom
    b = (sin - slant * cos) / zoom
    c = -sin / zoom
    d = cos / zoom
    ox, oy = _CENTER + dx, _CENTER + dy
    tx = _CENTER - a * ox - b * oy
    ty = _CENTER - c * ox - d * oy
    zeros = tf.zeros_like(a)
    transforms = tf.stack([a, b, tx, c, d, ty, zeros, zeros], axis=1)
    return tf.raw_ops.ImageProjectiveTransformV3(
        images=images, transforms=transforms, output_shape=tf.constant([_SIZE, _SIZE]),
        fill_value=0.0, interpolation="BILINEAR", fill_mode="CONSTANT",
    )
