"""`python main.py --screenshot PATH --draw SHAPE` renders the real window with a live prediction to a PNG."""

from __future__ import annotations

import argparse

from PySide6.QtGui import QImage

from gui.app import run_app


def screenshot_args(path, drawing):
    return argparse.Namespace(screenshot=str(path), draw=drawing, gui_task=None, command=None)


def test_screenshot_draws_predicts_and_saves_a_png(shapes_model, tmp_path, capsys):
    path = tmp_path / "shots" / "window.png"
    assert run_app(screenshot_args(path, "circle")) == 0
    image = QImage(str(path))
    assert not image.isNull() and image.width() >= 800 and image.height() >= 600
    assert "circle for a drawn circle" in capsys.readouterr().out
    assert not list(path.parent.glob(".*part*")), "no temporary file is left behind"


def test_screenshot_rejects_an_unknown_drawing(tmp_path, capsys):
    assert run_app(screenshot_args(tmp_path / "x.png", "hexagon")) == 2
    assert "hexagon" in capsys.readouterr().err
    assert not (tmp_path / "x.png").exists()


def test_screenshot_of_a_digit_without_mnist_says_how_to_get_it_and_tries_once(tmp_path, capsys, monkeypatch):
    from gui.session import ModelSession
    from model.core.paths import data_dir
    from model.core.storage import atomic_write_json

    atomic_write_json(data_dir() / "settings.json", {"mnist_path": str(tmp_path / "nowhere" / "mnist.npz")})
    started = []
    train = ModelSession.train

    def counting_train(self, *args, **kwargs):
        started.append(args)
        return train(self, *args, **kwargs)

    monkeypatch.setattr(ModelSession, "train", counting_train)
    assert run_app(screenshot_args(tmp_path / "digit.png", "3")) == 1
    printed = capsys.readouterr().err
    assert "error: training digits failed" in printed and "--mnist PATH" in printed
    assert "Traceback" not in printed
    assert len(started) == 1, "a failed training is reported, not started again"
    assert not (tmp_path / "digit.png").exists()


def test_screenshot_of_nothing_shows_the_window_before_the_first_stroke(shapes_model, tmp_path, capsys):
    path = tmp_path / "before.png"
    assert run_app(screenshot_args(path, "nothing")) == 0
    image = QImage(str(path))
    assert (image.width(), image.height()) == (1280, 800)
    assert "before the first stroke" in capsys.readouterr().out
