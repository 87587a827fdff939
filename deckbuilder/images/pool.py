"""Normalising images in worker processes that live for one `normalise` call only.

Processes, not threads: Pillow lets the GIL go inside its C loops, but the Python
around them (chunk reading, hashing, stripping, cache look-ups) holds it, and the work
is CPU-bound, so processes are what scales with the cores.
Workers are fresh interpreters started with `subprocess` (`python -c` running `main`
below), never forks, as the vault reader's are (deckbuilder/vault/pool.py says why:
safe beside `serve`'s threads, nothing inherited, nothing left behind). Each worker
takes the next job from the same queue as this process, which works through jobs too:
a worker that is slow to start or fails costs only speed, since whatever it did not
finish is done here. A job's result depends on nothing but the job, so the output is
the same whoever did which job.
"""

from __future__ import annotations

import os
import pickle
import signal
import subprocess
import sys
import threading
from typing import IO, Callable, Sequence, TypeVar

J = TypeVar("J")
R = TypeVar("R")

_BOOT = "import sys; sys.path[:] = sys.argv[1:]; from deckbuilder.images.pool import main; main()"


def command() -> list[str]:
    """Return the command line that starts a worker (empty: none can be started)."""
    return [sys.executable, "-c", _BOOT, *sys.path] if sys.executable else []


def run(jobs: Sequence[J], workers: int, here: Callable[[J], R]) -> list[R | BaseException]:
    """Return each job's result (or the exception it raised), in order.

    `here(job)` does one job in this process; up to `workers` worker processes, each
    calling the same `here` (it must be a module-level function), take jobs as well.
    """
    results: list[tuple[bool, object] | None] = [None] * len(jobs)
    take = _Take(len(jobs))
    crew = [_Worker(take, jobs, results, here) for _ in range(min(workers, len(jobs) - 1))]
    threads = [threading.Thread(target=w.run, name="deckbuilder-image-worker", daemon=True)
               for w in crew]
    try:
        for t in threads:
            t.start()
        while (k := take()) is not None:
            results[k] = _attempt(here, jobs[k])
    except BaseException:
        for w in crew:
            w.kill()
        raise
    finally:
        take.close()
        for w in crew:
            w.kill(unless_busy=True)
        for t in threads:
            t.join()
    # A job whose worker failed is done here.
    done = [r if r is not None else _attempt(here, jobs[k]) for k, r in enumerate(results)]
    return [value for _, value in done]   # type: ignore[misc]


def _attempt(here: Callable[[J], R], job: J) -> tuple[bool, object]:
    try:
        return True, here(job)
    except Exception as e:   # noqa: BLE001 - handed back: the caller says what it means
        return False, e


class _Take:
    """Hands out job numbers in order, each once, to whichever process asks first."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._next, self._size = 0, size

    def __call__(self) -> int | None:
        with self._lock:
            if self._next >= self._size:
                return None
            self._next += 1
            return self._next - 1

    def close(self) -> None:
        with self._lock:
            self._next = self._size


class _Worker:
    """One worker process, driven by one thread of this process."""

    def __init__(self, take: _Take, jobs: Sequence[object], results: list,
                 here: Callable) -> None:
        self._take_next, self._jobs, self._results, self._here = take, jobs, results, here
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._killed = self._busy = False

    def run(self) -> None:
        """Start the worker, feed it jobs until none are left, then let it exit."""
        try:
            args = command()
            if not args:
                return
            with self._lock:
                if self._killed:
                    return
                self._process = subprocess.Popen(args, stdin=subprocess.PIPE,
                                                 stdout=subprocess.PIPE,
                                                 stderr=subprocess.DEVNULL)
            send, receive = self._process.stdin, self._process.stdout
            assert send is not None and receive is not None
            pickle.dump(self._here, send, pickle.HIGHEST_PROTOCOL)   # by name
            while (k := self._take()) is not None:
                pickle.dump(self._jobs[k], send, pickle.HIGHEST_PROTOCOL)
                send.flush()
                answer = pickle.load(receive)
                if not (isinstance(answer, tuple) and len(answer) == 2 and answer[0] in
                        (True, False)):
                    return
                self._results[k] = answer
        except Exception:   # noqa: BLE001 - any failure: this process does the job itself
            pass
        finally:
            self._finish()

    def _take(self) -> int | None:
        with self._lock:
            k = None if self._killed else self._take_next()
            self._busy = k is not None
            return k

    def kill(self, unless_busy: bool = False) -> None:
        """Stop the worker now, or only if it is not doing a job."""
        with self._lock:
            if unless_busy and self._busy:
                return
            self._killed = True
            if self._process is not None:
                self._process.kill()

    def _finish(self) -> None:
        process = self._process
        if process is None:
            return
        for pipe in (process.stdin, process.stdout):
            try:
                if pipe is not None:
                    pipe.close()
            except OSError:
                pass
        try:
            process.wait(timeout=5)   # it exits as soon as its input ends
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


def main() -> None:
    """Be a worker: read the job function, then answer each job with its result, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the group; the caller decides
    receive: IO[bytes] = os.fdopen(os.dup(0), "rb")
    send: IO[bytes] = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)   # a stray print cannot corrupt the results
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
