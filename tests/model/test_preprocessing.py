"""Preprocessing properties: whatever the canvas, pen, position or file format, the same 28x28 drawing."""

from __future__ import annotations

import cv2
import numpy as np
import pytest

from model.core.preprocessing import MASS_CENTRE, ink_strength, load_image, preprocess
from model.core.strokes import Stroke, render_strokes

MIDDLE = MASS_CENTRE  # 14.0, as in MNIST


def _ellipse(cx, cy, rx, ry, width, points=120):
    t = np.linspace(0, 2 * np.pi, points)
    return [Stroke(np.stack([cx + rx * np.cos(t), cy + ry * np.sin(t)], 1), width)]


def _two(cx=400, cy=300, size=200, width=10):
    """A digit-like '2': an arc, a diagonal and a base, so orientation and shape matter."""
    t = np.linspace(np.pi, 2.2 * np.pi, 40)
    arc = np.stack([cx + 0.5 * size * np.cos(t), cy - 0.5 * size + 0.5 * size * np.sin(t)], 1)
    tail = np.array([[cx - 0.5 * size, cy + 0.5 * size], [cx + 0.5 * size, cy + 0.5 * size]])
    return [Stroke(np.concatenate([arc, tail]), width)]


def _render(strokes, width=800, height=600, scale=1.0):
    return render_strokes(strokes, width, height, scale=scale)


def _centre_of_mass(image):
    total = image.sum()
    ys, xs = np.indices(image.shape)
    return (ys * image).sum() / total, (xs * image).sum() / total


def _ink_box(image):
    rows, cols = np.nonzero(image > 0.3)
    return rows.max() - rows.min() + 1, cols.max() - cols.min() + 1


def test_output_is_28x28_float_in_unit_range_white_on_black():
    result = preprocess(_render(_two()))
    assert result.shape == (28, 28) and result.dtype == np.float32
    assert result.min() >= 0.0 and result.max() == pytest.approx(1.0)
    assert result[0, :].max() < 0.05 and result[:, 0].max() < 0.05  # black paper, margin kept


@pytest.mark.parametrize(
    "image",
    [
        np.full((600, 800), 255, np.uint8),
        np.zeros((600, 800), np.uint8),
        np.full((50, 50), 0.7, np.float32),
        np.zeros((10, 10), bool),
        np.full((40, 40, 4), 0, np.uint8),  # fully transparent
    ],
    ids=["white", "black", "gray-float", "bool", "transparent"],
)
def test_empty_canvas_gives_none(image):
    assert preprocess(image) is None


def test_paper_noise_and_a_faint_speck_are_not_a_drawing():
    rng = np.random.default_rng(0)
    paper = np.clip(rng.normal(235, 4, (600, 800)), 0, 255).astype(np.uint8)
    assert preprocess(paper) is None
    paper[300:303, 400:403] = 200  # a faint smudge
    assert preprocess(paper) is None


def test_centre_of_mass_is_at_the_centre():
    for strokes in (_two(), _ellipse(100, 80, 60, 20, 4), _two(650, 450, 80, 25)):
        result = preprocess(_render(strokes))
        row, col = _centre_of_mass(result)
        assert abs(row - MIDDLE) < 0.6 and abs(col - MIDDLE) < 0.6


@pytest.mark.parametrize("rx, ry", [(300, 100), (60, 240)])
def test_aspect_ratio_is_kept_and_longer_side_is_20(rx, ry):
    result = preprocess(_render(_ellipse(400, 300, rx, ry, 6), 900, 700))
    height, width = _ink_box(result)
    assert max(height, width) in (19, 20, 21)
    # The pen (2-3 px after normalisation) adds to both sides; the centreline keeps the aspect.
    assert (width - 2.5) / (height - 2.5) == pytest.approx(rx / ry, rel=0.3)


@pytest.mark.parametrize("end", [(700, 300), (400, 560)], ids=["horizontal", "vertical"])
def test_a_straight_line_stays_a_line(end):
    result = preprocess(_render([Stroke([[100, 300] if end[1] == 300 else [400, 40], end], 3)]))
    height, width = _ink_box(result)
    assert max(height, width) >= 19 and min(height, width) <= 4
    assert abs(_centre_of_mass(result)[0] - MIDDLE) < 1 and abs(_centre_of_mass(result)[1] - MIDDLE) < 1


def test_a_single_dot_gives_a_centred_blob():
    result = preprocess(_render([Stroke([[123, 456]], 8)]))
    assert result is not None
    row, col = _centre_of_mass(result)
    assert abs(row - MIDDLE) < 1 and abs(col - MIDDLE) < 1


def test_light_ink_on_dark_gives_the_same_image():
    image = _render(_two())
    assert np.abs(preprocess(image) - preprocess(255 - image)).max() < 1e-5
    assert np.abs(preprocess(image) - preprocess(255 - image, ink="light")).max() < 1e-5


def test_every_dtype_and_channel_layout_gives_the_same_image():
    gray = _render(_two(), 400, 300, scale=0.5)
    reference = preprocess(gray)
    rgba = np.zeros((300, 400, 4), np.uint8)  # black ink on transparent paper
    rgba[:, :, 3] = 255 - gray
    variants = {
        "uint16": gray.astype(np.uint16) * 257,
        "float": gray.astype(np.float32) / 255,
        "float64": gray.astype(np.float64) / 255,
        "bool": gray > 127,
        "rgb": np.repeat(gray[:, :, None], 3, axis=2),
        "channel": gray[:, :, None],
        "rgba": rgba,
    }
    for name, image in variants.items():
        difference = np.abs(preprocess(image) - reference).mean()
        # A boolean image has lost its antialiasing, so its edges may differ a little more.
        assert difference < (0.06 if name == "bool" else 0.03), name


@pytest.mark.parametrize("depth", [np.uint8, np.uint16])
def test_transparent_images_get_paper_of_the_other_kind_behind_their_ink(depth):
    gray = _render(_two(), 400, 300, scale=0.5)
    reference = preprocess(gray)
    top = float(np.iinfo(depth).max)
    ink = (255 - gray).astype(np.float64) / 255  # opacity of the pen
    light_ink = np.dstack([np.full(gray.shape + (3,), 1.0), ink])  # a dark theme's white pen, no paper
    dark_ink = np.dstack([np.zeros(gray.shape + (3,)), ink])
    # A sheet of paper with its margins cut away: opaque paper in the middle, transparent around it.
    sheet = np.zeros(gray.shape, np.float64)
    sheet[20:280, 30:370] = 1.0
    dark_sheet = np.dstack([np.repeat(1.0 - gray[:, :, None] / 255, 3, axis=2), sheet])
    light_sheet = np.dstack([np.repeat(gray[:, :, None] / 255.0, 3, axis=2), sheet])
    for name, image in {"light ink": light_ink, "dark ink": dark_ink,
                        "dark sheet": dark_sheet, "light sheet": light_sheet}.items():
        result = preprocess(np.round(image * top).astype(depth))
        assert result is not None, name
        assert np.abs(result - reference).mean() < 0.03, name


def test_canvas_size_does_not_change_the_drawing():
    reference = preprocess(_render(_two(), 800, 600))
    for scale in (0.05, 0.3, 2.5, 5.0):  # 40x30 up to 4000x3000, pen scaled along
        image = _render(_two(), int(800 * scale), int(600 * scale), scale=scale)
        # At 40x30 the pen is half a pixel wide: its antialiased rim is kept as ink and widens the stroke.
        assert np.abs(preprocess(image) - reference).mean() < (0.08 if scale < 0.1 else 0.06), scale


def test_thin_and_thick_pens_give_similar_strokes():
    thin = preprocess(_render(_two(width=1)))
    thick = preprocess(_render(_two(width=45)))
    medium = preprocess(_render(_two(width=10)))
    for result in (thin, thick):
        assert np.abs(result - medium).mean() < 0.06
        assert result.sum() == pytest.approx(medium.sum(), rel=0.3)


def test_stroke_width_reaches_mnist_width():
    for pen in (1, 4, 15, 40):
        result = preprocess(_render(_ellipse(400, 300, 200, 200, pen)))
        # Ink per unit of length: a 20 px circle is about 63 px long.
        width = result.sum() / (np.pi * (20 - 2.5))
        assert 1.8 < width < 3.4, pen


def test_blurred_and_coarse_scans_get_the_pen_width_of_sharp_drawings():
    sharp = preprocess(_render(_two(width=24)))
    # The same digit as a coarse, blurred scan: 32 px, soft edges, enlarged again blocky or smooth.
    small = cv2.resize(_render(_two(width=24)), (43, 32), interpolation=cv2.INTER_AREA)
    for sigma, method in ((1.0, cv2.INTER_NEAREST), (1.5, cv2.INTER_LINEAR)):
        scan = cv2.resize(cv2.GaussianBlur(small, (0, 0), sigma), (430, 320), interpolation=method)
        result = preprocess(scan)
        assert result.sum() == pytest.approx(sharp.sum(), rel=0.25), sigma
        assert np.abs(result - sharp).mean() < 0.1, sigma


def test_position_in_the_frame_does_not_matter():
    centre = preprocess(_render(_two(400, 300, 150, 8)))
    for cx, cy in ((90, 160), (715, 515), (90, 515)):  # the '2' spans cx +- 75, cy - 150 .. cy + 75
        assert np.abs(preprocess(_render(_two(cx, cy, 150, 8))) - centre).mean() < 0.02


def test_tiny_and_huge_drawings_fill_the_box():
    for size in (12, 550):
        result = preprocess(_render(_ellipse(400, 300, size / 2, size / 2, 1 if size < 50 else 12)))
        assert max(_ink_box(result)) in (19, 20, 21)


def test_a_speck_of_dust_far_away_is_ignored():
    image = _render(_two(300, 300, 200, 8))
    clean = preprocess(image)
    image[580:583, 780:783] = 0
    assert np.abs(preprocess(image) - clean).mean() < 0.005


def test_scanned_paper_and_jpeg_noise_give_the_drawing():
    rng = np.random.default_rng(1)
    clean = preprocess(_render(_two()))
    scanned = _render(_two()).astype(np.float32) * 0.8 + 30 + rng.normal(0, 4, (600, 800))
    ok, encoded = cv2.imencode(".jpg", np.clip(scanned, 0, 255).astype(np.uint8), [cv2.IMWRITE_JPEG_QUALITY, 40])
    noisy = cv2.imdecode(encoded, cv2.IMREAD_GRAYSCALE)
    assert np.abs(preprocess(noisy) - clean).mean() < 0.04


def test_faint_pencil_beside_a_dark_speck_keeps_full_strength():
    image = _render(_two(), 800, 600).astype(np.float32)
    pencil = (255 - (255 - image) * 0.35).astype(np.uint8)  # light gray strokes
    pencil[300:302, 400:402] = 0  # one dark speck on the stroke's side
    assert np.abs(preprocess(pencil) - preprocess(image.astype(np.uint8))).mean() < 0.04


def test_mnist_digits_pass_through_almost_unchanged(mnist_path):
    with np.load(mnist_path) as data:
        digits = data["x_test"][:300]
    differences, correlations, offsets = [], [], []
    for digit in digits:
        result, original = preprocess(digit), digit / 255.0
        differences.append(np.abs(result - original).mean())
        correlations.append(np.corrcoef(result.ravel(), original.ravel())[0, 1])
        offsets.append(np.hypot(*np.subtract(_centre_of_mass(result), _centre_of_mass(original))))
    # A quarter-pixel shift alone gives 0.03; a fifth of the ink moved would give 0.1.
    assert np.mean(differences) < 0.05
    assert np.mean(correlations) > 0.9
    assert np.percentile(offsets, 95) < 1.0


def test_ink_strength_is_zero_on_paper_and_one_on_ink():
    image = _render(_two())
    strength = ink_strength(image)
    assert strength.shape == image.shape
    assert strength[image == 255].max() == 0.0 and strength[image == 0].min() == 1.0


def test_bad_input_says_what_was_expected():
    with pytest.raises(ValueError, match=r"received \(5, 5, 5\)"):
        preprocess(np.zeros((5, 5, 5), np.uint8))
    with pytest.raises(ValueError, match="ink must be"):
        preprocess(np.zeros((5, 5), np.uint8), ink="blue")


def test_load_image_reads_files_and_names_bad_ones(tmp_path):
    image = _render(_two(), 200, 150, scale=0.25)
    path = tmp_path / "drawing ü.png"
    path.write_bytes(cv2.imencode(".png", image)[1].tobytes())
    assert np.array_equal(load_image(path), image)
    broken = tmp_path / "broken.png"
    broken.write_bytes(b"not an image")
    with pytest.raises(ValueError, match="broken.png"):
        load_image(broken)
    with pytest.raises(FileNotFoundError):
        load_image(tmp_path / "missing.png")


def test_a_short_stroke_on_a_ten_pixel_image_is_a_drawing():
    image = np.full((10, 10), 255, np.uint8)
    image[5, 3:7] = 0
    result = preprocess(image)
    assert result is not None
    height, width = _ink_box(result)
    assert width >= 19 and height <= 4  # a horizontal line, scaled up to the box


def test_a_dotted_thin_stroke_stays_whole_unless_faint_ink_is_dropped():
    # MNIST's thin digits are often written like this: a one-pixel stroke fading in and out.
    image = np.zeros((28, 28), np.uint8)
    for row in range(4, 24):
        image[row, 14] = 255 if (row // 3) % 2 == 0 else 60
    image[4, 8:15] = 255

    def weakest_along_the_stroke(drop_faint):
        result = preprocess(image, ink="light", drop_faint=drop_faint)
        column = result[:, int(result.sum(axis=0).argmax())]
        inked = np.flatnonzero(column > 0.5)
        return float(column[inked[0]:inked[-1] + 1].min())

    assert weakest_along_the_stroke(False) > 0.15
    assert weakest_along_the_stroke(True) < 0.05  # as MNIST's training images are rendered


def test_drawings_that_run_along_the_edges_are_still_found():
    # A doodle bitmap whose box lies on the frame: the border is more ink than paper.
    large = np.zeros((256, 256), np.uint8)
    corners = np.array([[2, 60], [253, 2], [253, 250], [2, 200]], np.int32)  # drawn at 256 px, as such games do
    cv2.polylines(large, [corners], True, 255, 12, cv2.LINE_AA)
    box = cv2.resize(large, (28, 28), interpolation=cv2.INTER_AREA)
    # A scan scaled to fill its frame: a thick, blurred 0 touching all four edges, dark on light.
    ring = np.full((48, 48), 255, np.uint8)
    cv2.ellipse(ring, (24, 24), (17, 21), 0, 0, 360, 0, 6)
    ring = cv2.GaussianBlur(ring, (5, 5), 1.5)
    for image, paper in ((box, 0), (ring, 255)):
        result = preprocess(image)
        assert result is not None
        assert result[14, 14] < 0.5 < result.max()  # paper in the middle, ink around it
        # Read as the same drawing with paper around it would be.
        framed = cv2.copyMakeBorder(image, 12, 12, 12, 12, cv2.BORDER_CONSTANT, value=paper)
        assert np.abs(result - preprocess(framed)).mean() < 0.05
