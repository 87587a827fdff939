"""Worker processes that live for one build at most: the vault reader's and `jobpool`'s.

Workers are fresh interpreters started with `subprocess` (`python -c` running a worker
module's `main`), never forks: that is safe while other threads run (`serve`'s HTTP
and watcher threads), inherits no locks, leaves nothing behind (no resource tracker, no
forkserver, no multiprocessing state) and never re-imports the caller's `__main__`.
Each worker is sent a header once, then takes the next job from the same queue as this
process, which works through jobs too: a worker that is slow to start or that fails
costs only speed, since whatever no worker finished is done here, in order. A run may
also go on in the background (`begin`), and keep its workers for the next run of the
same kind (the image stage verifies, while the deck is drawn, what it passed through).

The protocol is pickles over the worker's stdin and stdout: the header's bytes, then
for each job one pickled job in and one pickled answer out.
"""

from __future__ import annotations

import os
import pickle
import signal
import sys
import threading
from typing import IO, TYPE_CHECKING, Callable, Generic, Sequence, TypeVar

from deckbuilder import heap

if TYPE_CHECKING:   # imported when a worker starts: a warm build starts none (~4 ms)
    import subprocess

J = TypeVar("J")
R = TypeVar("R")


def command(module: str) -> list[str]:
    """Return the command line that starts a worker running `module.main()` (empty: none
    can be started), with this process's import path."""
    boot = f"import sys; sys.path[:] = sys.argv[1:]; from {module} import main; main()"
    return [sys.executable, "-c", boot, *sys.path] if sys.executable else []


# Workers started ahead of their `run` (`start_ahead`): by run name, each with the
# header it was sent, so that a `run` takes only those ready for its own jobs.
_AHEAD: dict[str, list[tuple[bytes, subprocess.Popen[bytes]]]] = {}
_AHEAD_LOCK = threading.Lock()


def start_ahead(name: str, count: int, start: Callable[[], list[str]],
                header: Callable[[], bytes]) -> None:
    """Start `count` workers for the next `run` called `name`, and send them `header()`
    now, so that they start up (interpreter, imports) while this process does other
    work. That `run` takes them if its header is the same; `drop_ahead` stops the rest."""
    sent = header() if count > 0 else b""
    for _ in range(count):
        args = start()
        if not args:
            return
        try:
            process = _spawn(args)
        except OSError:
            return   # started when the work comes, or the work is done here
        try:
            _send(process, sent)
        except OSError:
            _close(process)
            return
        with _AHEAD_LOCK:
            _AHEAD.setdefault(name, []).append((sent, process))


def drop_ahead(name: str) -> None:
    """Stop the workers `start_ahead` started for `name` that no `run` took."""
    with _AHEAD_LOCK:
        left = _AHEAD.pop(name, [])
    for _, process in left:   # killed: one still starting up would only be waited for
        process.kill()
        _close(process)


def _take_ahead(name: str, header: Callable[[], bytes], count: int
                ) -> list[subprocess.Popen[bytes]]:
    """Return up to `count` workers started ahead for `name` and sent `header()`."""
    with _AHEAD_LOCK:
        if count <= 0 or not _AHEAD.get(name):
            return []
        ready = _AHEAD[name]
        sent = header()
        taken = [p for h, p in ready if h == sent][:count]
        _AHEAD[name] = [(h, p) for h, p in ready if p not in taken]
    return taken


def _spawn(args: list[str]) -> subprocess.Popen[bytes]:
    """Start a worker process: jobs in on its stdin, answers out on its stdout, its malloc
    tuned as this one's (`heap`)."""
    import subprocess

    return subprocess.Popen(args, stdin=subprocess.PIPE, stdout=subprocess.PIPE,
                            stderr=subprocess.DEVNULL, env=heap.child_env())


def _send(process: subprocess.Popen[bytes], data: bytes) -> None:
    assert process.stdin is not None
    process.stdin.write(data)
    process.stdin.flush()


def _close(process: subprocess.Popen[bytes]) -> None:
    """Let a worker exit (its input ends), and wait for it; kill one that does not."""
    import subprocess   # imported already: a process was started

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


def run(jobs: Sequence[J], workers: int, here: Callable[[J], R], *,
        start: Callable[[], list[str]], header: Callable[[], bytes],
        valid: Callable[[object], bool], name: str) -> list[R]:
    """Return each job's result, in order, done by up to `workers` worker processes
    (started with `start()`, sent `header()` first) and by `here(job)` in this process.

    An answer a worker sends that is not `valid` stops that worker; its job is done here.
    """
    return begin(jobs, workers, here, start=start, header=header, valid=valid,
                 name=name).results()


def begin(jobs: Sequence[J], workers: int, here: Callable[[J], R], *,
          start: Callable[[], list[str]], header: Callable[[], bytes],
          valid: Callable[[object], bool], name: str, keep: bool = False) -> Running[R]:
    """Start `run`'s work in the background: up to `workers` worker processes take jobs
    while this process does something else; its `results()` does the rest here.

    `keep`: the workers that are still sound when the jobs are done are kept for the next
    run called `name` with the same header (as if started ahead; `drop_ahead` stops them).
    """
    return Running(jobs, workers, here, start, header, valid, name, keep)


class Running(Generic[R]):
    """Jobs being done by worker processes (`begin`), until `results()`."""

    def __init__(self, jobs: Sequence[J], workers: int, here: Callable[[J], R],
                 start: Callable[[], list[str]], header: Callable[[], bytes],
                 valid: Callable[[object], bool], name: str, keep: bool) -> None:
        self._jobs, self._here = jobs, here
        self._results: list[R | None] = [None] * len(jobs)
        self._queue = _Queue(len(jobs))
        ahead = _take_ahead(name, header, workers)
        park = (lambda process: _park(name, header(), process)) if keep else None
        self._crew = [_Worker(self._queue, start, header, jobs, self._results, valid,
                              ahead[n] if n < len(ahead) else None, park)
                      for n in range(workers)]
        self._threads = [threading.Thread(target=w.run, name=name, daemon=True)
                         for w in self._crew]
        try:
            for t in self._threads:
                t.start()
        except BaseException:
            self._stop()
            raise

    def results(self) -> list[R]:
        """Return each job's result, in order, doing here what no worker has taken."""
        try:
            while (k := self._queue.take()) is not None:
                self._results[k] = self._here(self._jobs[k])
        except BaseException:
            for w in self._crew:   # interrupted: the workers' results are not waited for
                w.kill()
            raise
        finally:
            self._stop()
        # A job whose worker failed is done here.
        return [r if r is not None else self._here(self._jobs[k])
                for k, r in enumerate(self._results)]

    def cancel(self) -> None:
        """Stop the workers now; no result is wanted."""
        for w in self._crew:
            w.kill()
        self._stop()

    def _stop(self) -> None:
        self._queue.close()
        for w in self._crew:   # one still starting up would only be waited for
            w.kill(unless_busy=True)
        for t in self._threads:   # a stop (SIGTERM) may come before every thread has started
            if t.ident is not None:
                t.join()


def _park(name: str, sent: bytes, process: subprocess.Popen[bytes]) -> None:
    """Keep a sound, idle worker that was sent `sent` for the next run called `name`."""
    with _AHEAD_LOCK:
        _AHEAD.setdefault(name, []).append((sent, process))


def pipes() -> tuple[IO[bytes], IO[bytes]]:
    """In a worker: return (jobs in, answers out), with stdin and stdout pointed at
    /dev/null so that a stray print cannot corrupt the answers; Ctrl-C is ignored (it
    reaches the whole process group, and the caller decides)."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)
    receive: IO[bytes] = os.fdopen(os.dup(0), "rb")
    send: IO[bytes] = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)
    return receive, send


class _Queue:
    """Hands out job numbers in order, each once, to whichever process asks first."""

    def __init__(self, size: int) -> None:
        self._lock = threading.Lock()
        self._next, self._size = 0, size

    def take(self) -> int | None:
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

    def __init__(self, queue: _Queue, start: Callable[[], list[str]],
                 header: Callable[[], bytes], jobs: Sequence[object], results: list,
                 valid: Callable[[object], bool],
                 process: subprocess.Popen[bytes] | None = None,
                 park: Callable[[subprocess.Popen[bytes]], None] | None = None) -> None:
        self._queue, self._start, self._header = queue, start, header
        self._jobs, self._results, self._valid = jobs, results, valid
        self._lock = threading.Lock()
        self._process = process    # started ahead (`start_ahead`), its header sent
        self._started_ahead = process is not None
        self._park = park          # where a sound worker goes when the jobs are done
        self._killed = self._busy = self._sound = self._stopped = self._closing = False

    def run(self) -> None:
        """Start the worker, feed it jobs until none are left, then let it exit (or
        park it)."""
        try:
            if not self._started_ahead and not self._launch():
                return
            assert self._process is not None
            send, receive = self._process.stdin, self._process.stdout
            assert send is not None and receive is not None
            while (k := self._take()) is not None:
                pickle.dump(self._jobs[k], send, pickle.HIGHEST_PROTOCOL)
                send.flush()
                answer = pickle.load(receive)
                if not self._valid(answer):
                    return
                self._results[k] = answer
            with self._lock:   # every answer it gave was valid, and it is not busy
                self._sound = not self._stopped
        except Exception:   # noqa: BLE001 - any failure: this process does the job itself
            pass
        finally:
            self._finish()

    def _launch(self) -> bool:
        """Start the worker process and send it the header; False if none was started."""
        args = self._start()
        if not args:
            return False
        with self._lock:
            if self._killed:
                return False
            self._process = _spawn(args)
        _send(self._process, self._header())
        return True

    def _take(self) -> int | None:
        with self._lock:
            k = None if self._killed else self._queue.take()
            self._busy = k is not None
            return k

    def kill(self, unless_busy: bool = False) -> None:
        """Stop the worker now, or only if it is not doing a job (then one that is to be
        parked takes no more jobs, and is parked)."""
        with self._lock:
            if unless_busy and self._busy:
                return
            self._killed = True
            if not (unless_busy and self._park):
                self._stopped, self._sound = True, False
                if self._process is not None and not self._closing:   # (it is exiting)
                    self._process.kill()

    def _finish(self) -> None:
        if self._process is None:
            return
        with self._lock:
            park = self._park if self._sound and self._process.poll() is None else None
            self._closing = park is None
        if park is not None:
            park(self._process)
        else:
            _close(self._process)
