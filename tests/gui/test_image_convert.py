"""The one numpy <-> Qt bridge keeps every pixel, in grayscale and RGBA, for odd widths too."""

from __future__ import annotations

import numpy as np
import pytest
from PySide6.QtGui import QColor, QImage

from gui.canvas import INK, PAPER
from gui.image_convert import array_to_qimage, qimage_to_array, qimage_to_gray


def test_grayscale_round_trip_keeps_every_pixel_of_an_odd_width_image():
    array = np.random.default_rng(0).integers(0, 256, size=(7, 13), dtype=np.uint8)
    image = array_to_qimage(array)
    assert image.format() == QImage.Format.Format_Grayscale8 and (image.width(), image.height()) == (13, 7)
    np.testing.assert_array_equal(qimage_to_array(image), array)


def test_rgba_round_trip_and_pixel_order():
    array = np.zeros((3, 5, 4), np.uint8)
    array[1, 2] = (10, 20, 30, 255)
    image = array_to_qimage(array)
    assert image.pixelColor(2, 1) == QColor(10, 20, 30, 255)
    np.testing.assert_array_equal(qimage_to_array(image), array)


def test_float_images_are_scaled_to_bytes():
    image = array_to_qimage(np.array([[0.0, 0.5, 1.0]], np.float32))
    assert qimage_to_array(image).tolist() == [[0, 128, 255]]


def test_other_formats_come_back_as_rgba():
    image = QImage(4, 2, QImage.Format.Format_RGB32)
    image.fill(QColor(200, 100, 50))
    array = qimage_to_array(image)
    assert array.shape == (2, 4, 4) and array[1, 3].tolist() == [200, 100, 50, 255]


def test_bad_shapes_say_what_was_received():
    with pytest.raises(ValueError, match=r"\(2, 2, 5\)"):
        array_to_qimage(np.zeros((2, 2, 5), np.uint8))
    with pytest.raises(ValueError, match="null"):
        qimage_to_array(QImage())


def _blends_of_ink_and_paper(width=256):
    """An RGB32 image whose pixels run from the canvas's paper to its ink, as anti-aliased strokes blend them."""
    image = QImage(width, 3, QImage.Format.Format_RGB32)
    ink, paper = np.array(INK.getRgb()[:3], float), np.array(PAPER.getRgb()[:3], float)
    for x in range(width):
        colour = np.round(paper + (ink - paper) * x / (width - 1)).astype(int)
        for y in range(3):
            image.setPixelColor(x, y, QColor(*colour))
    return image


def test_canvas_gray_is_within_one_level_of_qts_conversion_on_ink_paper_and_their_blends():
    image = _blends_of_ink_and_paper(257)  # an odd width: rows are read by their stride
    gray = qimage_to_gray(image)
    expected = qimage_to_array(image.convertToFormat(QImage.Format.Format_Grayscale8))
    assert gray.shape == (3, 257) and gray.dtype == np.uint8
    assert np.abs(gray.astype(int) - expected).max() <= 1
    assert gray[0, 0] > 240 and gray[0, -1] < 50  # paper light, ink dark


def test_canvas_gray_of_other_formats_is_qts():
    image = array_to_qimage(np.random.default_rng(1).integers(0, 256, (4, 5, 4), dtype=np.uint8))
    np.testing.assert_array_equal(qimage_to_gray(image),
                                  qimage_to_array(image.convertToFormat(QImage.Format.Format_Grayscale8)))
    with pytest.raises(ValueError, match="null QImage"):
        qimage_to_gray(QImage())
