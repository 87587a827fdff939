"""What the image cache already knows about source files, by path, size and mtime.

A warm rebuild reads no image: a source whose path, size, mtime_ns and inode are those
recorded when it was last normalised is taken to hold the same bytes, so its content
hash, and the cached result for the build's settings, are looked up here instead of
being computed. Recording is conservative: a file whose mtime is less than RACY_NS
older than the moment it was read may still change within the same timestamp (coarse
file systems), so it is not trusted until a later run sees it settled (git's "racy
clean" rule). A result is trusted only while its cached file keeps the size and mtime
it was written with, and is recorded only once its pixels are known to decode.

The index is one small JSON file in the cache, replaced atomically. A missing, corrupt
or foreign file is treated as empty (and rewritten); concurrent runs each merge what
they learnt into the newest version on disk, so one run can lose another's additions
(they are recomputed) but never sees half a file.
"""

from __future__ import annotations

import json
import os
import re
import time
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from deckbuilder.cache import RACY_NS, mark
from deckbuilder.fsutil import temp_name

NAME = "index.json"
VERSION = 1
EXTENSIONS = ("png", "jpg")
_HEX = re.compile(r"[0-9a-f]{64}")
MAX_SOURCES = 50_000          # the oldest entries go first beyond this (a shared cache)


@dataclass(frozen=True)
class Seen:
    """One source file as it was when normalised: its stat signature and content hash."""

    size: int
    mtime_ns: int
    inode: int
    recorded_ns: int
    sha256: str

    def matches(self, st: os.stat_result) -> bool:
        """Return whether `st` is the recorded file, settled when it was recorded."""
        return (st.st_size, st.st_mtime_ns, st.st_ino) == (self.size, self.mtime_ns, self.inode) \
            and self.mtime_ns + RACY_NS < self.recorded_ns


@dataclass(frozen=True)
class Result:
    """A cached normalised file: its extension, pixel size and file signature."""

    ext: str
    width: int
    height: int
    size: int
    mtime_ns: int


class Index:
    """The index of one cache folder: sources by absolute path, results by cache key."""

    def __init__(self, root: Path) -> None:
        self.root = root
        self.sources: dict[str, Seen] = {}
        self.results: dict[str, Result] = {}
        self._new_sources: dict[str, Seen] = {}
        self._new_results: dict[str, Result] = {}

    @classmethod
    def load(cls, root: Path) -> Index:
        """Return the index in `root`, empty when there is none or it cannot be read."""
        index = cls(root)
        index.sources, index.results = _read(root / NAME)
        return index

    def seen(self, path: Path) -> Seen | None:
        """Return what was recorded of `path` if the file is unchanged since, else None."""
        seen = self.sources.get(str(path))
        if seen is None:
            return None
        try:
            st = os.stat(path)
        except OSError:
            return None
        return seen if seen.matches(st) else None

    def result(self, key: str) -> Result | None:
        """Return the cached result of `key` if its file is there, unchanged, else None."""
        found = self.results.get(key)
        if found is None:
            return None
        path = self.path(key, found.ext)
        try:
            st = os.stat(path)
        except OSError:
            return None
        if (st.st_size, st.st_mtime_ns) != (found.size, found.mtime_ns):
            return None
        mark(path, st)   # its last use, for pruning: a write at most once a day
        return found

    def path(self, key: str, ext: str) -> Path:
        """Return where the cache keeps the result of `key`."""
        return self.root / key[:2] / f"{key}.{ext}"

    def record(self, path: Path, seen: Seen, key: str, result: Result) -> None:
        """Remember a source and its result, to be saved by `save`."""
        self.sources[str(path)] = self._new_sources[str(path)] = seen
        self.results[key] = self._new_results[key] = result

    def save(self) -> None:
        """Merge what this run learnt into the index on disk, atomically."""
        if not (self._new_sources or self._new_results):
            return
        sources, results = _read(self.root / NAME)   # what concurrent runs wrote meanwhile
        for old, new in ((sources, self._new_sources), (results, self._new_results)):
            for key in new:
                old.pop(key, None)   # re-inserted last: the newest entries are kept longest
            old.update(new)  # type: ignore[arg-type]  # mypy does not pair the two unions
        sources = dict(list(sources.items())[-MAX_SOURCES:])
        results = dict(list(results.items())[-2 * MAX_SOURCES:])
        _replace(self.root / NAME, _encode(sources, results), self.root / "tmp")
        self._new_sources, self._new_results = {}, {}


def referenced(root: Path) -> set[str] | None:
    """Return the keys of the results the index in `root` records (None: no index)."""
    if not (root / NAME).is_file():
        return None
    return set(_read(root / NAME)[1])


def forget_missing(root: Path) -> None:
    """Drop the index's records of results whose file is gone (pruned), statting each."""
    sources, results = _read(root / NAME)
    kept = {k: r for k, r in results.items()
            if os.path.lexists(root / k[:2] / f"{k}.{r.ext}")}
    if len(kept) == len(results):
        return
    try:
        _replace(root / NAME, _encode(sources, kept), root / "tmp")
    except OSError:
        pass   # the index only saves time; a lookup of a missing file is a miss anyway


def _encode(sources: dict[str, Seen], results: dict[str, Result]) -> bytes:
    data = {"version": VERSION,
            "sources": {k: [s.size, s.mtime_ns, s.inode, s.recorded_ns, s.sha256]
                        for k, s in sources.items()},
            "results": {k: [r.ext, r.width, r.height, r.size, r.mtime_ns]
                        for k, r in results.items()}}
    return json.dumps(data, separators=(",", ":")).encode()


def _replace(path: Path, data: bytes, tmp_dir: Path) -> None:
    """Replace `path` by `data` in one rename (readers see the old file or the new one).

    Not `fsutil.Batch`: an index has no previous version worth parking and putting back,
    and its write must stay out of the outputs' all-or-nothing replacement.
    """
    tmp_dir.mkdir(parents=True, exist_ok=True)
    tmp = tmp_dir / temp_name(path.name)   # a name `clean_stale` removes if we die here
    try:
        tmp.write_bytes(data)
        os.replace(tmp, path)
    finally:
        tmp.unlink(missing_ok=True)


# The last entries read per index file, with the file's signature: a build loads the
# index twice (check asks which images it vouches for, then the image stage), and a
# rebuild in `serve` again; an index file is only ever replaced (a new inode), never
# written in place.
_READ: dict[Path, tuple[tuple[int, int, int], dict[str, Seen], dict[str, Result]]] = {}


def _read(path: Path) -> tuple[dict[str, Seen], dict[str, Result]]:
    """Return the entries of an index file (new dicts: the caller may change them); none
    for a missing, corrupt or foreign one."""
    try:
        st = os.stat(path)
    except OSError:
        return {}, {}
    signature = (st.st_size, st.st_mtime_ns, st.st_ino)
    known = _READ.get(path)
    if known is None or known[0] != signature:
        known = _READ[path] = (signature, *_parse(path))
    return dict(known[1]), dict(known[2])


def _parse(path: Path) -> tuple[dict[str, Seen], dict[str, Result]]:
    try:
        data = json.loads(path.read_bytes())
        if data.get("version") != VERSION:
            return {}, {}
        sources = {str(k): Seen(*_fields(v, (int, int, int, int, str)))
                   for k, v in data["sources"].items()}
        results = {str(k): Result(*_fields(v, (str, int, int, int, int)))
                   for k, v in data["results"].items()}
        if any(r.ext not in EXTENSIONS or not _HEX.fullmatch(k) for k, r in results.items()):
            return {}, {}
    except (OSError, ValueError, TypeError, KeyError, AttributeError):
        return {}, {}
    return sources, results


def _fields(value: object, types: tuple[type, ...]) -> list[Any]:
    if not (isinstance(value, list) and len(value) == len(types)
            and all(type(v) is t for v, t in zip(value, types))):
        raise ValueError("not an index entry")
    return value


def now_ns() -> int:
    """Return the wall clock in ns, as file mtimes are stamped."""
    return time.time_ns()
