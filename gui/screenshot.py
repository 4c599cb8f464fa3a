"""`--screenshot PATH`: open the window offscreen, draw a scripted sample once a model is ready, save a PNG.

`--draw nothing` saves the window as it opens, model loaded and canvas empty, before the first stroke.
"""

from __future__ import annotations

import sys

from PySide6.QtCore import QEventLoop, QTimer

from gui.demo_drawings import NAMES, demo_drawing
from gui.session import Phase
from model.core.storage import atomic_path

# Training Digits from scratch takes minutes on 2 cores; give up after this long.
TIMEOUT_MS = 20 * 60 * 1000
NOTHING = "nothing"


def run_screenshot(app, path: str, drawing: str, task_name: str | None) -> int:
    """Runs the app until the window shows a prediction of `drawing`, saves it to `path`, returns the exit code."""
    from gui.main_window import MainWindow

    if drawing not in (*NAMES, NOTHING):
        print(f"error: --draw {drawing!r} is not a drawing I know; expected one of: {', '.join(NAMES)}, "
              f"or {NOTHING} for the window before the first stroke.", file=sys.stderr)
        return 2
    task_name = task_name or ("digits" if drawing.isdigit() else "shapes")
    try:
        window = MainWindow(task_name)
    except KeyError as error:
        print(f"error: {error.args[0]}", file=sys.stderr)
        return 2
    # The picture shows the default layout, and leaves the user's own saved layout alone.
    window.persist_layout = False
    window.use_default_layout()
    window.show()
    outcome = {"code": 1}
    # A loop of its own, not app.exec()/app.quit(): quitting the application would end every later event loop
    # in this process at once (the test suite runs this in-process).
    loop = QEventLoop()

    def finish(code: int, message: str = "") -> None:
        if message:
            print(message, file=sys.stderr)
        outcome["code"] = code
        window.close()
        loop.quit()

    def draw_when_ready() -> None:
        session = window.session
        if session.phase == Phase.READY and drawing == NOTHING and not outcome.get("saving"):
            outcome["saving"] = True
            QTimer.singleShot(800, save)
        elif session.phase == Phase.READY and not window.canvas.strokes():
            # Let the docks that follow the model (one per layer) settle before drawing.
            QTimer.singleShot(800, draw)
        elif session.phase in (Phase.MISSING, Phase.ERROR) and not session.is_training() \
                and not outcome.get("training_started"):
            # Once: a training that failed is reported by `failed`, not started again.
            outcome["training_started"] = True
            session.train("quick")

    def draw(again: bool = False) -> None:
        if drawing == NOTHING:
            return
        if again or not window.canvas.strokes():
            canvas = window.canvas
            outcome["drawn_size"] = canvas.size()
            side = 0.6 * min(canvas.width(), canvas.height())
            box = ((canvas.width() - side) / 2, (canvas.height() - side) / 2, side, side)
            canvas.set_strokes(demo_drawing(drawing, box, canvas.pen_width()))

    def save_when_predicted(prediction) -> None:
        if prediction is None or not window.canvas.strokes() or outcome.get("saving"):
            return
        outcome["saving"] = True
        # Let the docks repaint with this prediction before grabbing the window.
        QTimer.singleShot(300, save)

    def save() -> None:
        if drawing != NOTHING and window.canvas.size() != outcome.get("drawn_size"):
            # The canvas changed size as docks appeared: fit the drawing to it again and wait for its prediction.
            outcome["saving"] = False
            draw(again=True)
            return
        image = window.grab()
        try:
            with atomic_path(path) as temporary:
                if not image.save(str(temporary), "PNG"):
                    raise OSError(f"Qt could not write a PNG to {temporary}")
        except OSError as error:
            finish(1, f"error: could not save the screenshot to {path}: {error}")
            return
        if drawing == NOTHING:
            print(f"Saved {path}: the window before the first stroke.")
        else:
            print(f"Saved {path}: {window.prediction_dock.top_label() or 'no guess'} for a drawn {drawing}.")
        finish(0)

    def failed(task: str, kind: str, message: str) -> None:
        finish(1, f"error: training {task} failed: {message}")

    window.session.state_changed.connect(draw_when_ready)
    window.session.training_failed.connect(failed)
    window.prediction_ready.connect(save_when_predicted)
    QTimer.singleShot(TIMEOUT_MS, lambda: finish(1, "error: no model became ready in time for the screenshot."))
    QTimer.singleShot(0, draw_when_ready)
    loop.exec()
    return outcome["code"]
