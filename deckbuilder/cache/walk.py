"""What is in the cache folder: every file of the forms deckbuilder writes, by kind.

The walk only stats (it never reads a file), opens each folder through its parent's
descriptor without following a symbolic link, and reports everything else as foreign
without looking into it; a caller deletes through the same descriptors
(`os.unlink(name, dir_fd=...)`), so a link swapped in meanwhile leads nowhere.
"""

from __future__ import annotations

import os
import re
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Callable, Iterator

from deckbuilder.cache import LOCK, STAMP

RECORDS = ("index.json", "fonts-opened.json", STAMP, LOCK)
KINDS = ("images", "slides", "plans", "templates", "remote", "thumbnails", "records",
         "temporary")
_HEX2 = re.compile(r"[0-9a-f]{2}")
# fsutil.temp_name's names: .<name>.deckbuilder-<host>-<pid>-<8 hex>.tmp|old
TEMP = re.compile(r"\..+\.deckbuilder-[A-Za-z0-9-]+-\d+-[0-9a-f]{8}\.(?:tmp|old)")
_DIR_FLAGS = os.O_RDONLY | getattr(os, "O_DIRECTORY", 0) | getattr(os, "O_NOFOLLOW", 0)
# Deleting through folder descriptors is what makes a link swapped in harmless; where
# they are missing (Windows) nothing is walked, so nothing is pruned.
SAFE = {os.open, os.unlink, os.rmdir} <= os.supports_dir_fd and os.scandir in os.supports_fd


@dataclass
class Found:
    """A file of the cache: its kind, its name and folder descriptor, and its stat."""

    kind: str
    name: str
    dir_fd: int
    st: os.stat_result
    obsolete: bool = False     # of a form nothing reads any more


@dataclass
class Survey:
    """Files and bytes per kind, and the entries that are not deckbuilder's."""

    files: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    bytes: dict[str, int] = field(default_factory=lambda: dict.fromkeys(KINDS, 0))
    foreign: int = 0

    def add(self, kind: str, size: int) -> None:
        """Count one file of `kind`."""
        self.files[kind] += 1
        self.bytes[kind] += size


# Below the root: folder name -> (kind, the form of a leaf file in its `xx/` folders,
# obsolete forms there, the forms of its own files).
_FOLDERS = {
    "pptx-slides": ("slides", r"{xx}[0-9a-f]{{62}}\.slide", r"{xx}[0-9a-f]{{62}}\.json",
                    r"(?:deflated-[0-9a-f]{16}\.bin|crc32-[0-9a-f]{16}\.json)"),
    "remote": ("remote", r"{xx}[0-9a-f]{{62}}", None, None),
    "thumbs": ("thumbnails", r"{xx}[0-9a-f]{{62}}\.jpg", None, None),
}
_IMAGE = r"{xx}[0-9a-f]{{62}}\.(?:png|jpg)"
_PLAN = re.compile(r"[0-9a-f]{32}\.pickle")
_GENERATION, _TEMPLATE = re.compile(r"[0-9a-f]{24}"), re.compile(r"[0-9a-f]{40}\.jinja")


@contextmanager
def _folder(name: str | Path, dir_fd: int | None = None) -> Iterator[int | None]:
    """Open a folder inside the cache without following a link (None: not a folder of
    ours); the cache folder itself (no `dir_fd`) may be a link, the user's choice."""
    flags = _DIR_FLAGS if dir_fd is not None else _DIR_FLAGS & ~getattr(os, "O_NOFOLLOW", 0)
    try:
        fd = os.open(name, flags, dir_fd=dir_fd)
    except OSError:
        yield None
        return
    try:
        yield fd
    finally:
        os.close(fd)


def walk(root: Path, found: Callable[[Found], None], foreign: Callable[[], None]) -> None:
    """Tell `found` of every file of deckbuilder's forms under `root`, and `foreign` of each
    other entry (not looked into). Links are never followed, only stat is called."""
    if not SAFE:
        return
    with _folder(root) as fd:
        if fd is not None:
            for entry in _entries(fd):
                _top(entry, fd, found, foreign)


def _file(entry: os.DirEntry, fd: int, kind: str, found: Callable[[Found], None],
          obsolete: bool = False) -> None:
    try:
        st = entry.stat(follow_symlinks=False)
    except OSError:
        return   # gone meanwhile
    found(Found(kind, entry.name, fd, st, obsolete))


def _plain_file(entry: os.DirEntry) -> bool:
    return entry.is_file(follow_symlinks=False)


def _plain_dir(entry: os.DirEntry) -> bool:
    return entry.is_dir(follow_symlinks=False)


def _top(entry: os.DirEntry, fd: int, found: Callable[[Found], None],
         foreign: Callable[[], None]) -> None:
    name = entry.name
    if _plain_file(entry) and (name in RECORDS or TEMP.fullmatch(name)):
        _file(entry, fd, "records" if name in RECORDS else "temporary", found)
    elif _plain_dir(entry) and _HEX2.fullmatch(name):
        _leaves(name, fd, "images", re.compile(_IMAGE.format(xx=name)), None, found, foreign)
    elif _plain_dir(entry) and name == "tmp":
        _temporaries(name, fd, found, foreign)
    elif _plain_dir(entry) and name == "plans":
        _leaves(name, fd, "plans", _PLAN, None, found, foreign)
    elif _plain_dir(entry) and name == "templates":
        _generations(name, fd, found, foreign)
    elif _plain_dir(entry) and name in _FOLDERS:
        _kind_folder(name, fd, found, foreign)
    else:
        foreign()


def _kind_folder(name: str, parent: int, found: Callable[[Found], None],
                 foreign: Callable[[], None]) -> None:
    kind, leaf, old, own = _FOLDERS[name]
    with _folder(name, parent) as fd:
        if fd is None:
            return foreign()
        for entry in _entries(fd):
            if _plain_dir(entry) and _HEX2.fullmatch(entry.name):
                _leaves(entry.name, fd, kind, re.compile(leaf.format(xx=entry.name)),
                        re.compile(old.format(xx=entry.name)) if old else None, found, foreign)
            elif _plain_dir(entry) and entry.name == "tmp":
                _temporaries("tmp", fd, found, foreign)
            elif own and _plain_file(entry) and re.fullmatch(own, entry.name):
                _file(entry, fd, kind, found)
            else:
                foreign()


def _leaves(name: str, parent: int, kind: str, form: re.Pattern, old: re.Pattern | None,
            found: Callable[[Found], None], foreign: Callable[[], None]) -> None:
    """Tell of the files of folder `name`: of the `form` (or the `old` form, obsolete),
    and temporaries; anything else is foreign."""
    with _folder(name, parent) as fd:
        if fd is None:
            return foreign()
        for entry in _entries(fd):
            if _plain_file(entry) and form.fullmatch(entry.name):
                _file(entry, fd, kind, found)
            elif old and _plain_file(entry) and old.fullmatch(entry.name):
                _file(entry, fd, kind, found, obsolete=True)
            elif _plain_file(entry) and TEMP.fullmatch(entry.name):
                _file(entry, fd, "temporary", found)
            else:
                foreign()


def _temporaries(name: str, parent: int, found: Callable[[Found], None],
                 foreign: Callable[[], None]) -> None:
    _leaves(name, parent, "temporary", TEMP, None, found, foreign)


def _generations(name: str, parent: int, found: Callable[[Found], None],
                 foreign: Callable[[], None]) -> None:
    with _folder(name, parent) as fd:
        if fd is None:
            return foreign()
        for entry in _entries(fd):
            if _plain_dir(entry) and _GENERATION.fullmatch(entry.name):
                _leaves(entry.name, fd, "templates", _TEMPLATE, None, found, foreign)
            else:
                foreign()


def _entries(fd: int) -> list[os.DirEntry]:
    try:
        return list(os.scandir(fd))
    except OSError:
        return []


def survey(root: Path) -> Survey:
    """Return the files and bytes of each kind in the cache folder `root`."""
    out = Survey()

    def count_foreign() -> None:
        out.foreign += 1
    walk(root, lambda f: out.add(f.kind, f.st.st_size), count_foreign)
    return out


def remove_empty_folders(root: Path) -> None:
    """Remove the folders of deckbuilder's forms under `root` that are left empty."""
    if not SAFE:
        return
    with _folder(root) as fd:
        if fd is None:
            return
        for entry in _entries(fd):
            if _plain_dir(entry) and (_HEX2.fullmatch(entry.name) or entry.name in _OURS):
                _remove_empty(entry.name, fd)


_OURS = {"tmp", "plans", "templates", *_FOLDERS}


def _remove_empty(name: str, parent: int) -> None:
    with _folder(name, parent) as fd:
        for entry in _entries(fd) if fd is not None else []:
            if fd is not None and _plain_dir(entry) and (
                    _HEX2.fullmatch(entry.name) or entry.name == "tmp"
                    or _GENERATION.fullmatch(entry.name)):
                _remove_empty(entry.name, fd)
    try:
        os.rmdir(name, dir_fd=parent)
    except OSError:
        pass   # not empty: it holds someone's file, or a build wrote meanwhile
