"""Reading a big vault's notes in worker processes that live for one read only.

The workers and their protocol are `deckbuilder.workers`' (fresh interpreters, never
forks: safe beside `serve`'s threads). A worker gets the vault index once, then reads
one part of the notes at a time, as many as it manages to take; this process reads
parts too, so a worker that is slow to start or that fails costs nothing but speed.

Nothing here changes this process's state: the garbage collector is paused only inside
the workers, which exit when the read is done (they build large acyclic results, which
make the collector scan over and over for nothing).
"""

from __future__ import annotations

import dataclasses
import gc
import pickle
import threading
from pathlib import Path
from typing import Callable, Sequence

from deckbuilder import workers as workers_mod
from deckbuilder.errors import Diagnostic
from deckbuilder.model import Entry, ImageRef, Source
from deckbuilder.vault.index import Index

Chunk = tuple[list[Entry], list[Diagnostic]]
Part = tuple[list[str], list[str]]   # vault-relative notes, and the names diagnostics use
ReadHere = Callable[[list[str], list[str]], Chunk]


def command() -> list[str]:
    """Return the command line that starts a worker (empty: none can be started)."""
    return workers_mod.command("deckbuilder.vault.pool")


def read(root: Path, index: Index, parts: Sequence[Part], workers: int, read_here: ReadHere
         ) -> list[Chunk]:
    """Return the chunk of every part, in order, read by up to `workers` workers and here."""
    return workers_mod.run(parts, workers, lambda part: read_here(*part),
                           start=lambda: command(),   # looked up at each start: tests replace it
                           header=_Header(root, index).data,
                           valid=lambda chunk: isinstance(chunk, tuple) and len(chunk) == 2,
                           name="deckbuilder-vault-worker")


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


def main() -> None:
    """Be a worker: read the header, then answer each part with its chunk, until EOF."""
    gc.disable()   # this process is the reader's alone and ends with the read
    receive, send = workers_mod.pipes()
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

