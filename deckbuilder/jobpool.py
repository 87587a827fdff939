"""One function applied to many jobs, in worker processes and in this one: the image
stage's normalising (`images.pool`) and `check`'s decoding of the picked images.

Processes, not threads: Pillow lets the GIL go inside its C loops, but the Python
around them (chunk reading, hashing, stripping, cache look-ups) holds it, and the work
is CPU-bound, so processes are what scales with the cores.
The workers and their protocol are `deckbuilder.workers`' (fresh interpreters, never
forks; this process works through jobs too). A worker is sent the job function first
(pickled by name: a module-level function, whose module the worker imports), then
jobs. A job's result depends on nothing but the job, so the output is the same whoever
did which job. Each kind of work has its `name`: workers are started ahead, or kept,
for the next run of the same name and function.
"""

from __future__ import annotations

import pickle
from typing import Callable, Generic, Sequence, TypeVar

from deckbuilder import workers as workers_mod

J = TypeVar("J")
R = TypeVar("R")


Start = Callable[[], list[str]]


def command() -> list[str]:
    """Return the command line that starts a worker (empty: none can be started)."""
    return workers_mod.command("deckbuilder.jobpool")


def start_ahead(name: str, count: int, here: Callable, start: Start = command) -> None:
    """Start `count` workers for the next `run` called `name` with `here`, while this
    process does something else first (they take ~0.2 s of CPU to start up)."""
    workers_mod.start_ahead(name, count, start, lambda: _header(here))


def _header(here: Callable) -> bytes:
    return pickle.dumps(here, pickle.HIGHEST_PROTOCOL)


def run(jobs: Sequence[J], workers: int, here: Callable[[J], R], *, name: str,
        keep: bool = False, start: Start = command) -> list[R | BaseException]:
    """Return each job's result (or the exception it raised), in order.

    `here(job)` does one job in this process; up to `workers` worker processes (started
    with `start()`), each calling the same `here` (a module-level function), take jobs
    as well. `keep`: the workers are kept for the next run called `name` with `here`.
    """
    # This process takes jobs at once: a worker more than the jobs less one would idle.
    return begin(jobs, min(workers, len(jobs) - 1), here, name=name, keep=keep,
                 start=start).results()


def begin(jobs: Sequence[J], workers: int, here: Callable[[J], R], *, name: str,
          keep: bool = False, start: Start = command) -> Running[R]:
    """Start `run` in the background: up to `workers` workers take jobs while this
    process does other work; `results()` of what it returns does the rest here and
    returns what `run` does."""
    return Running(workers_mod.begin(
        jobs, min(workers, len(jobs)), lambda job: _attempt(here, job), start=start,
        header=lambda: _header(here), valid=_answer, name=name, keep=keep))


class Running(Generic[R]):
    """Jobs under way in the background (`begin`)."""

    def __init__(self, running: workers_mod.Running[tuple[bool, object]]) -> None:
        self._running = running

    def results(self) -> list[R | BaseException]:
        """Return each job's result (or the exception it raised), in order."""
        return [value for _, value in self._running.results()]  # type: ignore[misc]

    def cancel(self) -> None:
        """Stop the workers now; no result is wanted."""
        self._running.cancel()


def _answer(answer: object) -> bool:
    return isinstance(answer, tuple) and len(answer) == 2 and answer[0] in (True, False)


def _attempt(here: Callable[[J], R], job: J) -> tuple[bool, object]:
    try:
        return True, here(job)
    except Exception as e:   # noqa: BLE001 - handed back: the caller says what it means
        return False, e


def main() -> None:
    """Be a worker: read the job function, then answer each job with its result, until EOF."""
    receive, send = workers_mod.pipes()
    here = pickle.load(receive)
    while True:
        try:
            job = pickle.load(receive)
        except EOFError:
            return
        answer = _attempt(here, job)
        try:
            data = pickle.dumps(answer, pickle.HIGHEST_PROTOCOL)
        except Exception:   # noqa: BLE001 - an exception that does not pickle: redone there
            data = pickle.dumps(None, pickle.HIGHEST_PROTOCOL)
        send.write(data)
        send.flush()
