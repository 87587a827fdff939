"""Reading a big vault's notes in worker processes that live for one read only.

Workers are fresh interpreters started with `subprocess` (`python -c` running `main`
below), never forks: that is safe while other threads run (`serve`'s HTTP and watcher
threads), inherits no locks, leaves nothing behind (no resource tracker, no forkserver,
no multiprocessing state) and never re-imports the caller's `__main__`. A worker gets
the vault index once, then reads one part of the notes at a time, as many as it manages
to take; this process reads parts too, so a worker that is slow to start or that fails
costs nothing but speed: whatever no worker read is read here, in order.

Nothing here changes this process's state: the garbage collector is paused only inside
the workers, which exit when the read is done (they build large acyclic results, which
make the collector scan over and over for nothing).
"""

from __future__ import annotations

import dataclasses
import gc
import os
import pickle
import signal
import subprocess
import sys
import threading
from pathlib import Path
from typing import IO, Callable, Sequence

from deckbuilder.errors import Diagnostic
from deckbuilder.model import Entry, ImageRef, Source
from deckbuilder.vault.index import Index

Chunk = tuple[list[Entry], list[Diagnostic]]
Part = tuple[list[str], list[str]]   # vault-relative notes, and the names diagnostics use
ReadHere = Callable[[list[str], list[str]], Chunk]

# The worker's command: the parent's import path, then this module's `main`.
_BOOT = "import sys; sys.path[:] = sys.argv[1:]; from deckbuilder.vault.pool import main; main()"


def command() -> list[str]:
    """Return the command line that starts a worker (empty: none can be started)."""
    return [sys.executable, "-c", _BOOT, *sys.path] if sys.executable else []


def read(root: Path, index: Index, parts: Sequence[Part], workers: int, read_here: ReadHere
         ) -> list[Chunk]:
    """Return the chunk of every part, in order, read by up to `workers` workers and here."""
    results: list[Chunk | None] = [None] * len(parts)
    queue = _Queue(len(parts))
    header = _Header(root, index)
    crew = [_Worker(queue, header, parts, results) for _ in range(workers)]
    threads = [threading.Thread(target=w.run, name="deckbuilder-vault-worker", daemon=True)
               for w in crew]
    try:
        for t in threads:
            t.start()
        while (k := queue.take()) is not None:
            results[k] = read_here(*parts[k])
    except BaseException:
        for w in crew:   # interrupted: the workers' results are not waited for
            w.kill()
        raise
    finally:
        queue.close()
        for w in crew:   # one still starting up would only be waited for
            w.kill(unless_busy=True)
        for t in threads:
            t.join()
    # A part whose worker failed is read here.
    return [r if r is not None else read_here(*parts[k]) for k, r in enumerate(results)]


class _Queue:
    """Hands out part numbers in order, each once, to whichever reader asks first."""

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


class _Header:
    """What every worker is sent first, pickled once (by the first worker to need it)."""

    def __init__(self, root: Path, index: Index) -> None:
        self._lock = threading.Lock()
        self._value: tuple[Path, Index] | None = (root, index)
        self._data = b""

    def data(self) -> bytes:
        with self._lock:
            if self._value is not None:
                # The list of files is not needed to resolve links: a smaller message.
                root, index = self._value
                small = Index(root, (), index.by_path, index.by_name, index.outside)
                self._data = pickle.dumps((root, small), pickle.HIGHEST_PROTOCOL)
                self._value = None
            return self._data


class _Worker:
    """One worker process, driven by one thread of this process."""

    def __init__(self, queue: _Queue, header: _Header, parts: Sequence[Part],
                 results: list[Chunk | None]) -> None:
        self._queue, self._header, self._parts, self._results = queue, header, parts, results
        self._lock = threading.Lock()
        self._process: subprocess.Popen[bytes] | None = None
        self._killed = self._busy = False

    def run(self) -> None:
        """Start the worker, feed it parts until none are left, then let it exit."""
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
            send.write(self._header.data())
            send.flush()
            while (k := self._take()) is not None:
                pickle.dump(self._parts[k], send, pickle.HIGHEST_PROTOCOL)
                send.flush()
                chunk = pickle.load(receive)
                if not (isinstance(chunk, tuple) and len(chunk) == 2):
                    return
                self._results[k] = chunk
        except Exception:   # noqa: BLE001 - any failure: the reader reads the part itself
            pass
        finally:
            self._finish()

    def _take(self) -> int | None:
        with self._lock:
            k = None if self._killed else self._queue.take()
            self._busy = k is not None
            return k

    def kill(self, unless_busy: bool = False) -> None:
        """Stop the worker now, or only if it is not reading a part."""
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
    """Be a worker: read the header, then answer each part with its chunk, until EOF."""
    signal.signal(signal.SIGINT, signal.SIG_IGN)   # Ctrl-C reaches the group; the reader decides
    gc.disable()   # this process is the reader's alone and ends with the read
    receive: IO[bytes] = os.fdopen(os.dup(0), "rb")
    send: IO[bytes] = os.fdopen(os.dup(1), "wb")
    null = os.open(os.devnull, os.O_RDWR)
    os.dup2(null, 0)
    os.dup2(null, 1)   # a stray print cannot corrupt the results
    from deckbuilder.vault.reader import read_chunk

    root, index = pickle.load(receive)
    while True:
        try:
            notes, shown = pickle.load(receive)
        except EOFError:
            return
        pickler = pickle.Pickler(send, pickle.HIGHEST_PROTOCOL)
        pickler.dispatch_table = _BY_FIELDS   # type: ignore[assignment]
        pickler.dump(read_chunk(root, notes, index, shown))
        send.flush()


def _by_fields(cls: type) -> Callable[[object], tuple[type, tuple[object, ...]]]:
    names = tuple(f.name for f in dataclasses.fields(cls))
    return lambda obj: (cls, tuple(getattr(obj, n) for n in names))


# Results are pickled as `Entry(*fields)` calls, not as instance dicts: the objects the
# reader gets are those it makes itself, without a dict each for its collector to scan.
_BY_FIELDS = {cls: _by_fields(cls) for cls in (Entry, ImageRef, Source)}

