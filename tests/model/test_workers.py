"""Data work spread over processes: the same results, and none spawned where that would start the app again."""

from __future__ import annotations

import sys

import pytest

from model.core import workers


def _square(value: int, should_stop=None) -> int:
    return value * value


def test_a_frozen_app_does_the_work_in_its_own_process(monkeypatch):
    monkeypatch.setattr(sys, "frozen", True, raising=False)
    monkeypatch.setattr(workers, "_run_in_pool", lambda *args: pytest.fail("a frozen app spawned a pool"))
    assert workers.run_chunks(_square, [(2,), (3,)], workers=2) == [4, 9]


def test_work_falls_back_to_this_process_where_no_pool_can_start(monkeypatch):
    def no_processes(*args):
        raise OSError("no processes in this sandbox")

    monkeypatch.setattr(workers, "_run_in_pool", no_processes)
    assert workers.run_chunks(_square, [(2,), (3,)], workers=2) == [4, 9]


def test_processes_only_for_large_sets_and_at_most_one_per_core(monkeypatch):
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 16)
    assert workers.default_workers(100, minimum=3000) == 1
    assert workers.default_workers(5000, minimum=3000) == workers.MAX_WORKERS
    monkeypatch.setattr(workers.os, "cpu_count", lambda: 2)
    assert workers.default_workers(5000, minimum=3000) == 2
