"""The jobs' child process: jobs run there, talk back in order, can be cancelled, and a dead child is reported."""

from __future__ import annotations

import os
import threading
from pathlib import Path

import numpy as np
import pytest

from model.datasets import shapes
from model.training.job_process import InProcessJobs, JobCall, JobProcess

FUNCTIONS = "tests.model.job_functions"


@pytest.fixture
def jobs():
    runner = JobProcess()
    yield runner
    runner.close()


def run(runner, function, **arguments) -> list[tuple]:
    messages = []
    runner.new_job()
    runner.run(JobCall(f"{FUNCTIONS}:{function}", arguments), lambda *message: messages.append(message))
    return messages


def test_a_job_runs_in_another_process_talks_back_in_order_and_the_process_stays_for_the_next(jobs):
    drawing = np.zeros((28, 28), np.float32)
    drawing[5:9, 5:20] = 1.0
    jobs.drawing.set(drawing)
    messages = run(jobs, "echo", values=[1, 2, 3])
    assert [kind for kind, *_ in messages] == ["progress", "progress", "progress", "epoch", "finished"]
    assert [value for kind, value in messages if kind == "progress"] == [1, 2, 3]
    seen = messages[3][1]
    assert np.array_equal(seen, drawing), "the job read the drawing the window set"
    result = messages[-1][1]
    assert result["pid"] != os.getpid() and result["pid"] == jobs.pid()
    jobs.drawing.set(None)
    again = run(jobs, "echo", values=[])
    assert again[0] == ("epoch", None)
    assert again[-1][1]["pid"] == result["pid"], "the second job found TensorFlow's process ready"


def test_a_job_may_start_processes_of_its_own(jobs):
    (kind, shape), = run(jobs, "shapes_in_a_pool")
    assert kind == "finished" and shape[0] > shapes._CHUNK and shape[1:] == (28, 28), "two chunks, two workers"


def test_cancel_reaches_the_job_in_the_child(jobs):
    messages = []

    def on_message(*message):
        messages.append(message)
        if message == ("progress", "started"):
            jobs.cancel()

    jobs.new_job()
    worker = threading.Thread(target=jobs.run, args=(JobCall(f"{FUNCTIONS}:until_cancelled"), on_message))
    worker.start()
    worker.join(60)
    assert messages[-1] == ("finished", "cancelled")
    jobs.new_job()
    assert not jobs.is_cancelled(), "a new job starts without the last one's cancel"


def test_a_failed_job_says_its_kind_and_message(jobs, capfd):
    assert run(jobs, "raises", what="mnist") == [
        ("failed", "mnist_unavailable", "MNIST is not on this computer; pass --mnist PATH.")]
    assert "Traceback" not in capfd.readouterr().err
    assert run(jobs, "raises", what="bug") == [("failed", "error", "a bug")]
    assert "ValueError: a bug" in capfd.readouterr().err, "an unforeseen error keeps its traceback in the terminal"


def test_a_child_that_dies_ends_its_job_with_a_message_and_the_next_job_gets_a_new_child(jobs):
    first = run(jobs, "echo", values=[])[-1][1]["pid"]
    messages = run(jobs, "dies")
    assert messages[0] == ("progress", "about to die")
    kind, error_kind, text = messages[-1]
    assert (kind, error_kind) == ("failed", "error") and "stopped unexpectedly (exit code 3)" in text
    assert run(jobs, "echo", values=[])[-1][1]["pid"] not in (first, None)


def test_a_changed_environment_starts_a_new_child(jobs, monkeypatch, tmp_path):
    first = run(jobs, "echo", values=[])[-1][1]
    monkeypatch.setenv("CONVCANVAS_DATA_DIR", str(tmp_path / "elsewhere"))
    second = run(jobs, "echo", values=[])[-1][1]
    assert second["pid"] != first["pid"] and second["data_dir"] == str(tmp_path / "elsewhere")


def test_in_process_jobs_give_the_same_messages_on_the_calling_thread():
    runner = InProcessJobs()
    runner.drawing.set(np.ones((28, 28), np.float32))
    messages = run(runner, "echo", values=["a"])
    assert [kind for kind, *_ in messages] == ["progress", "epoch", "finished"]
    assert messages[-1][1]["pid"] == os.getpid() and messages[1][1].min() == 1.0


def test_the_shape_generators_workers_stop_when_the_process_that_started_them_is_killed(jobs):
    import time

    def children(pid: int) -> set[int]:
        try:
            return {int(child) for child in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()}
        except OSError:
            return set()

    if not Path(f"/proc/{os.getpid()}/task/{os.getpid()}/children").exists():
        pytest.skip("needs Linux's /proc children lists")
    workers = []

    def on_message(*message):
        if message == ("progress", "started"):
            deadline = time.monotonic() + 60
            while len(workers) < 2 and time.monotonic() < deadline:
                workers[:] = children(jobs.pid())
                time.sleep(0.05)
            time.sleep(0.5)  # the workers are drawing
            jobs.close(timeout_s=0)  # as if the app were killed mid-generation

    jobs.new_job()
    jobs.run(JobCall(f"{FUNCTIONS}:shapes_until_killed"), on_message)
    assert len(workers) >= 2
    deadline = time.monotonic() + 30
    while any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in workers) \
            and time.monotonic() < deadline:
        time.sleep(0.1)
    assert not any(Path(f"/proc/{pid}").exists() and "Z" not in _state(pid) for pid in workers), \
        "orphaned workers went on drawing"


def _state(pid: int) -> str:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0]
    except (OSError, IndexError):
        return "Z"


def test_where_no_child_can_start_the_job_runs_in_this_process(jobs, monkeypatch):
    def no_processes(*args, **kwargs):
        raise OSError("no processes in this sandbox")

    monkeypatch.setattr(jobs._context, "Process", no_processes)
    messages = run(jobs, "echo", values=[7])
    assert messages[0] == ("progress", 7) and messages[-1][0] == "finished"
    assert messages[-1][1]["pid"] == os.getpid()


def test_closing_from_another_thread_while_a_job_runs_closes_the_pipe_once(jobs):
    for _ in range(5):
        errors, messages = _close_during_a_job(jobs)
        assert not errors and messages[-1][:2] == ("failed", "error")


def _close_during_a_job(jobs) -> tuple[list, list]:
    messages, errors, started = [], [], threading.Event()

    def on_message(*message):
        messages.append(message)
        if message == ("progress", "started"):
            started.set()

    def waits():
        try:
            jobs.run(JobCall(f"{FUNCTIONS}:sleeps"), on_message)
        except Exception as error:
            errors.append(error)

    jobs.new_job()
    worker = threading.Thread(target=waits)
    worker.start()
    assert started.wait(60)
    try:
        jobs.close(timeout_s=0)  # as the window closes while a heat map is being made
    except Exception as error:
        errors.append(error)
    worker.join(30)
    return errors, messages
