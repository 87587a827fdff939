"""Worker processes started ahead of their work: a talk's first build starts the image
stage's workers while `check` reads the vault; the image stage takes them (and keeps
them from its first run to the second, which works in the background), and every one
it does not take is stopped."""

from __future__ import annotations

import os
import sys
import time
from pathlib import Path

import pytest

from _decks import draw
from deckbuilder import images, workers
from deckbuilder.build import build
from deckbuilder.errors import DeckError
from deckbuilder.images import pool


def whose(job: int) -> tuple[int, int]:
    """A job done in whichever process takes it: (the job, that process's id)."""
    return job, os.getpid()


def other(job: int) -> int:
    return -job


def touch(path: str) -> int:
    """A job that leaves a mark, so that a test can see it done before asking."""
    Path(path).touch()
    return os.getpid()


def _ahead() -> list:
    return [p for _, p in workers._AHEAD.get(pool.NAME, [])]


@pytest.fixture(autouse=True)
def nothing_left_ahead():
    yield
    left = _ahead()
    pool.drop_ahead()
    assert left == [], "a test left workers started ahead"


def test_a_run_takes_the_workers_started_ahead_of_it(monkeypatch):
    pool.start_ahead(1, whose)
    (process,) = _ahead()
    # No worker can start now: any job done elsewhere was done by the one started ahead.
    monkeypatch.setattr(pool, "command", lambda: [])
    done = pool.run(list(range(40)), 1, whose)
    assert [job for job, _ in done] == list(range(40))
    assert {pid for _, pid in done} - {os.getpid()} == {process.pid}
    assert _ahead() == [] and process.wait(timeout=10) == 0   # its input ended: it exited


def test_a_run_for_other_jobs_leaves_them_and_drop_stops_them(monkeypatch):
    pool.start_ahead(1, whose)
    (process,) = _ahead()
    monkeypatch.setattr(pool, "command", lambda: [])
    assert pool.run(list(range(6)), 1, other) == [-j for j in range(6)]  # done here
    assert _ahead() == [process] and process.poll() is None   # not for `other`'s jobs
    pool.drop_ahead()
    assert _ahead() == [] and process.poll() is not None   # stopped, and waited for


def test_a_run_that_keeps_its_workers_hands_them_to_a_run_in_the_background(
        monkeypatch, tmp_path):
    pool.start_ahead(1, touch)
    (process,) = _ahead()
    monkeypatch.setattr(pool, "command", lambda: [])   # no other worker can start
    first = [str(tmp_path / f"a{n}") for n in range(5)]
    assert len(pool.run(first, 1, touch, keep=True)) == 5
    assert _ahead() == [process] and process.poll() is None   # kept, still running
    second = [str(tmp_path / f"b{n}") for n in range(5)]
    running = pool.begin(second, 1, touch)
    assert _ahead() == []   # taken
    deadline = time.monotonic() + 30
    while not all(map(os.path.exists, second)) and time.monotonic() < deadline:
        time.sleep(0.05)
    # Done by the worker while this process only waited: nobody asked for the results.
    assert all(map(os.path.exists, second))
    assert running.results() == [process.pid] * 5
    assert process.wait(timeout=10) == 0   # its input ended: it exited


def test_a_cancelled_run_stops_its_workers(monkeypatch, tmp_path):
    pool.start_ahead(1, whose)
    (process,) = _ahead()
    monkeypatch.setattr(pool, "command", lambda: [])
    running = pool.begin(list(range(3)), 1, whose)
    running.cancel()
    assert process.wait(timeout=10) != 0 and _ahead() == []   # killed, not kept


def test_a_worker_that_cannot_start_ahead_costs_nothing():
    workers.start_ahead(pool.NAME, 2, lambda: [sys.executable, "-c", "raise SystemExit(3)"],
                        lambda: b"header")
    started = _ahead()
    assert len(started) <= 2   # the pipe may close before the header is written
    done = workers.run([1, 2, 3], 2, lambda job: job * 10, start=lambda: [],
                       header=lambda: b"header", valid=lambda _: True, name=pool.NAME)
    assert done == [10, 20, 30]
    assert all(p.wait(timeout=10) == 3 for p in started)


def _talk(tmp_path, images_on_line: str = "![[a.png]]"):
    vault = tmp_path / "vault"
    draw(vault / "a.png", (800, 450))
    (vault / "One.md").write_text(f"{images_on_line}\nA caption\n", encoding="utf-8")
    spec = tmp_path / "talk.yaml"
    spec.write_text("title: T\nvault: vault\nslides:\n  - image: a.png\n", encoding="utf-8")
    return spec


def test_only_a_talks_first_build_starts_workers_ahead_and_none_outlives_a_build(
        tmp_path, monkeypatch):
    calls = []
    real = images.start_workers_ahead

    def start() -> None:
        real()
        calls.append(list(_ahead()))

    monkeypatch.setattr(images, "start_workers_ahead", start)
    spec, cache = _talk(tmp_path), tmp_path / "cache"
    build(spec, ["html"], cache_dir=cache)
    assert len(calls) == 1 and _ahead() == []
    expected = (os.cpu_count() or 1) - 1
    assert len(calls[0]) == expected   # as many as a normalise with much to read starts
    assert all(p.poll() is not None for p in calls[0])   # one image: none was needed
    build(spec, ["html"], cache_dir=cache)   # a rebuild: its plan memo is there
    assert len(calls) == 1


def test_a_failed_check_stops_the_workers_started_ahead(tmp_path, monkeypatch):
    calls = []
    real = images.start_workers_ahead
    monkeypatch.setattr(images, "start_workers_ahead",
                        lambda: (real(), calls.append(list(_ahead()))))
    spec = _talk(tmp_path, "![[gone.png]]")
    with pytest.raises(DeckError):
        build(spec, ["html"], cache_dir=tmp_path / "cache")
    assert calls and _ahead() == []
    assert all(p.poll() is not None for p in calls[0])
