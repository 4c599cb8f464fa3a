"""Training from the window: progress, a responsive window meanwhile, Cancel, the new model loaded, MNIST help."""

from __future__ import annotations

import pytest
from drawing import drag, line_points
from PySide6.QtCore import QTimer
from training_jobs import EPOCHS_VARIABLE

import gui.session as session_module
from gui.main_window import MainWindow
from gui.session import Phase


@pytest.fixture
def fast_training(monkeypatch):
    """Makes every training in the window a small run on bars (in the jobs' child process, as the app trains), so
    a test trains in a few seconds."""

    def configure(epochs: int):
        monkeypatch.setattr(session_module, "TRAIN_JOB", "tests.gui.training_jobs:small_train_job")
        monkeypatch.setenv(EPOCHS_VARIABLE, str(epochs))

    return configure


def test_training_reports_progress_keeps_the_window_responsive_and_loads_the_new_model(window, qtbot, fast_training):
    fast_training(epochs=2)
    fractions, ticks, snapshots = [], [], []
    drag(window.canvas, line_points((100, 200), (300, 200)))
    window.session.training_progress.connect(lambda progress: fractions.append(progress.fraction))
    window.session.training_epoch_ended.connect(snapshots.append)
    timer = QTimer(interval=20)
    timer.timeout.connect(lambda: ticks.append(1))
    timer.start()
    with qtbot.waitSignal(window.session.training_finished, timeout=60_000) as finished:
        window.training_dock.train_button.click()
        assert window.training_dock.train_button.text() == "Cancel"
        assert window.training_dock.progress_bar.isVisible()
    timer.stop()
    task_name, result = finished.args
    assert task_name == "shapes" and result.status == "completed"
    assert fractions and fractions == sorted(fractions) and fractions[-1] == pytest.approx(1.0)
    assert len(ticks) >= 5, "the event loop kept running while the network trained"
    assert len(snapshots) == 2 and all(len(s.probabilities) == 3 for s in snapshots), \
        "after each epoch the docks get the network in training, run on the drawing"
    assert snapshots[0].layers[0].values.shape[:2] == (28, 28)
    qtbot.waitUntil(lambda: window.session.phase == Phase.READY, timeout=30_000)
    assert window.session.info.recipe == "quick"
    assert "accuracy" in window.model_label.text() and "Shapes" in window.model_label.text()
    assert window.training_dock.train_button.text() == "Train Shapes"


def test_cancel_stops_within_a_batch_and_saves_nothing(window, qtbot, fast_training):
    fast_training(epochs=200)
    session = window.session

    def cancel_once_training(progress):
        if progress.phase == "training" and not session.training_cancelled():
            window.training_dock.train_button.click()

    session.training_progress.connect(cancel_once_training)
    with qtbot.waitSignal(session.training_finished, timeout=60_000) as finished:
        session.train("quick")
    result = finished.args[1]
    assert result.cancelled
    assert result.elapsed_s < 30, "200 epochs were not run to the end"
    assert session.phase == Phase.MISSING and session.predictor is None
    assert "cancelled" in window.training_dock.details.text()
    assert not session.is_training() and window.training_dock.train_button.isEnabled()


def test_digits_without_mnist_explains_how_to_get_it_and_shapes_still_works(window, qtbot, tmp_path, monkeypatch):
    from model.core.paths import data_dir
    from model.core.storage import atomic_write_json

    atomic_write_json(data_dir() / "settings.json", {"mnist_path": str(tmp_path / "nowhere" / "mnist.npz")})
    window.toolbar.task_box.setCurrentIndex(window.toolbar.task_box.findData("digits"))
    assert window.session.task.name == "digits"
    monkeypatch.setattr("gui.main_window.QMessageBox.warning",
                        lambda *args: pytest.fail("an MNIST problem is no crash"))
    with qtbot.waitSignal(window.session.training_failed, timeout=30_000) as failed:
        window.training_dock.train_button.click()
    assert failed.args[1] == "mnist_unavailable"
    assert window.training_dock.mnist_panel.isVisible()
    assert "failed" not in window.collector.retrain_dock.details.text(), "a Train's failure is no retrain's"
    assert "mnist.npz" in window.training_dock.mnist_message.text()
    chosen = []
    monkeypatch.setattr(window.training_dock, "start_training", lambda resume=False: chosen.append(resume))
    window.training_dock.use_mnist_file(str(tmp_path / "my-mnist.npz"))
    from model.core.storage import read_json

    assert read_json(data_dir() / "settings.json")["mnist_path"] == str(tmp_path / "my-mnist.npz")
    assert chosen == [False], "choosing the file starts Digits' training"
    window.toolbar.task_box.setCurrentIndex(window.toolbar.task_box.findData("shapes"))
    assert window.session.task.name == "shapes" and window.training_dock.train_button.isEnabled()


def test_first_start_trains_shapes_in_the_background_while_the_canvas_works(qtbot, fast_training):
    fast_training(epochs=1)
    window = MainWindow("shapes")  # auto_train on, as for a user's first start
    qtbot.addWidget(window)
    window.show()
    try:
        qtbot.waitUntil(window.session.is_training, timeout=60_000)
        assert window.prediction_dock.headline().startswith("Training Shapes")
        drag(window.canvas, line_points((100, 100), (300, 300)))
        assert len(window.canvas.strokes()) == 1 and not window.preview_dock.is_empty()
        qtbot.waitUntil(lambda: window.session.phase == Phase.READY, timeout=60_000)
        qtbot.waitUntil(lambda: window.prediction_dock.top_label() != "", timeout=10_000)
    finally:
        window.close()


def test_digits_before_its_first_training_says_where_mnist_comes_from(window, monkeypatch, tmp_path):
    monkeypatch.setenv("KERAS_HOME", str(tmp_path / "keras"))
    window.toolbar.task_box.setCurrentIndex(window.toolbar.task_box.findData("digits"))
    assert window.training_dock.mnist_panel.isVisibleTo(window.training_dock)
    assert "MNIST" in window.training_dock.mnist_message.text()


def test_train_with_an_unfinished_training_offers_to_resume_it_with_its_own_recipe(qtbot, monkeypatch):
    from model.core.tasks import get_task
    from model.network.architecture import build_model
    from model.training.checkpoints import CheckpointState, save_checkpoint

    labels = list(get_task("shapes").labels)
    save_checkpoint(build_model([{"type": "flatten"}], 3, name="member2"),
                    CheckpointState("shapes", "best", labels, members=3, epochs=12, member=1, epoch=4))
    # The window finds the unfinished training when it opens, as after quitting in the middle of one.
    window = MainWindow("shapes", auto_train=False)
    qtbot.addWidget(window)
    window.show()
    dock = window.training_dock
    assert dock.resume_panel.isVisible()
    assert "Best training is saved: network 2 of 3, 4 of 12 epochs done" in dock.resume_message.text()
    started, answers = [], []
    monkeypatch.setattr(window.session, "train", lambda recipe, **options: started.append((recipe, options)))
    monkeypatch.setattr(dock, "ask_about_unfinished", lambda state: answers.pop(0))
    answers[:] = ["cancel", "resume", "restart"]
    for _ in range(3):
        dock.train_button.click()
    assert started == [("best", {"resume": True, "task_name": "shapes", "epochs": 12}), ("quick", {})]
    window.close()


def test_a_missing_mnist_is_explained_without_a_traceback_but_a_bug_keeps_its_traceback(capsys):
    from gui.workers import TrainingWorker
    from model.training.job_process import InProcessJobs, JobCall

    def fails_with(what):
        failures = []
        worker = TrainingWorker(InProcessJobs(), JobCall("tests.model.job_functions:raises", {"what": what}))
        worker.failed.connect(lambda kind, message: failures.append((kind, message)))
        worker.run()
        return failures, capsys.readouterr().err

    failures, printed = fails_with("mnist")
    assert failures == [("mnist_unavailable", "MNIST is not on this computer; pass --mnist PATH.")]
    assert "Traceback" not in printed
    failures, printed = fails_with("bug")
    assert failures == [("error", "a bug")]
    assert "Traceback" in printed and "ValueError: a bug" in printed


def test_a_training_job_gets_the_drawing_as_a_value_handed_over_by_the_gui_thread(qtbot):
    import numpy as np

    from gui.session import JobKind, ModelSession
    from model.training.job_process import JobCall

    session = ModelSession(auto_train=False)
    seen = []
    session.training_epoch_ended.connect(seen.append)
    image = np.zeros((28, 28), np.float32)
    image[10:18, 10:18] = 1.0
    session.set_input(image)
    try:
        with qtbot.waitSignal(session.training_finished, timeout=60_000):
            session.start_job(JobKind.TRAIN, session.task.name,
                              JobCall("tests.gui.training_jobs:drawings_until_cancelled"), recipe="quick")
            qtbot.waitUntil(lambda: len(seen) == 1, timeout=30_000)
            image[:] = 0.5  # the array the canvas handed over changes in place: the job keeps what it was given
            qtbot.wait(200)
            session.set_task("digits")  # another task shows now: its drawing is not the training task's
            qtbot.waitUntil(lambda: len(seen) == 2, timeout=30_000)
            session.cancel_training()
    finally:
        session.shutdown()
    assert seen[0].max() == 1.0 and seen[0].min() == 0.0
    assert seen[1] is None and len(seen) == 2


WINDOW_THAT_TRAINS = """
import sys
from PySide6.QtWidgets import QApplication
import gui.session
from gui.main_window import MainWindow
from gui.session import Phase

gui.session.TRAIN_JOB = "tests.gui.training_jobs:small_train_job"
app = QApplication([])
window = MainWindow("shapes", auto_train=False)
window.show()
ended = []
window.session.training_finished.connect(lambda *args: ended.append(args[1].status))
window.session.train("quick")
while not (ended and window.session.phase == Phase.READY) and window.session.phase != Phase.ERROR:
    app.processEvents()
print("status", ended, window.session.phase.value, window.session.predictor.runtime)
import numpy as np
bar = np.zeros((28, 28), np.float32)
bar[6:22, 12:16] = 1.0
window.session.set_input(bar)
explained = []
window.session.explanation_ready.connect(explained.append)
window.session.request_explanation(method="grad-cam")
while not explained:
    app.processEvents()
print("explained", explained[0].heatmap.shape)
print("tensorflow imported:", "tensorflow" in sys.modules)
window.close()
"""


def test_training_and_why_this_label_never_import_tensorflow_into_the_windows_process(tmp_path):
    import os
    import subprocess
    import sys
    from pathlib import Path

    root = Path(__file__).resolve().parents[2]
    environment = dict(os.environ, PYTHONPATH=str(root), QT_QPA_PLATFORM="offscreen", **{EPOCHS_VARIABLE: "1"})
    finished = subprocess.run([sys.executable, "-c", WINDOW_THAT_TRAINS], env=environment, cwd=root,
                              capture_output=True, text=True, timeout=300)
    assert finished.returncode == 0, finished.stderr[-2000:]
    assert "status ['completed'] ready litert" in finished.stdout, finished.stdout + finished.stderr[-2000:]
    assert "explained (28, 28)" in finished.stdout, finished.stdout + finished.stderr[-2000:]
    assert "tensorflow imported: False" in finished.stdout, "TensorFlow ran in the window's own process"
