"""The image stage's worker processes: `jobpool`'s, under the image stage's name, for
one `normalise` (kept from its normalising to its verifying) or started ahead of it."""

from __future__ import annotations

from typing import Callable, Sequence, TypeVar

from deckbuilder import jobpool
from deckbuilder import workers as workers_mod

J = TypeVar("J")
R = TypeVar("R")
NAME = "deckbuilder-image-worker"
Running = jobpool.Running


def command() -> list[str]:
    """Return the command line that starts a worker (empty: none can be started)."""
    return jobpool.command()


def _start() -> list[str]:
    return command()   # looked up at each start: tests replace it


def start_ahead(count: int, here: Callable) -> None:
    """Start `count` workers for the next `run` with `here`, while this process does
    something else first (they take ~0.2 s of CPU to start up)."""
    jobpool.start_ahead(NAME, count, here, _start)


def drop_ahead() -> None:
    """Stop the workers `start_ahead` started (or a run kept) that no `run` took."""
    workers_mod.drop_ahead(NAME)


def run(jobs: Sequence[J], workers: int, here: Callable[[J], R], keep: bool = False
        ) -> list[R | BaseException]:
    """Return each job's result (or the exception it raised), in order (`jobpool.run`)."""
    return jobpool.run(jobs, workers, here, name=NAME, keep=keep, start=_start)


def begin(jobs: Sequence[J], workers: int, here: Callable[[J], R]) -> jobpool.Running[R]:
    """Start `run` in the background (`jobpool.begin`)."""
    return jobpool.begin(jobs, workers, here, name=NAME, start=_start)
