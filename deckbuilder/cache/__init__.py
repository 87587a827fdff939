"""The cache folder (`fsutil.cache_root`): when each file was last used, and pruning it.

It holds what builds made and can make again: normalised images, slide entries, plan
memos, compiled templates, downloads, thumbnails and a few records (`walk` knows the
forms). A file's last use is the later of its modification and access times: a build
that uses a file whose times are both over a day old sets its access time (`used`,
`mark`) and keeps its modification time, which the caches compare. So recording use
costs a stat the reader mostly makes anyway, and one write a day per file.

Pruning stats and never reads, and deletes only names of deckbuilder's forms in its
folders, through descriptors that follow no link: a user's own file in the folder, or
a link out of it, is never touched. Builds hold the folder shared while they run
(`in_use`); pruning takes it alone (the automatic prune skips when it cannot), so it
never deletes a file a running build has looked up and is yet to read.
"""

from __future__ import annotations

import os
import time
from contextlib import contextmanager
from pathlib import Path
from typing import TYPE_CHECKING, Callable, Collection, Iterator

from deckbuilder.errors import DeckError
from deckbuilder.fsutil import STALE_AFTER, cache_root, left_by_dead_run

if TYPE_CHECKING:   # `walk` is imported by what walks: a build only marks and locks
    from deckbuilder.cache.walk import Found, Survey

DAYS_ENV = "DECKBUILDER_CACHE_DAYS"
DEFAULT_DAYS = 60             # unused this long, a file goes
# An image no index record names (a result the index lost, a QR code, a background)
# goes after a week unused: a QR code or background in use is marked as used.
UNREFERENCED_DAYS = 7
DAY_NS = 86_400 * 10**9
# What is known of a file by its size, mtime and inode is trusted only if its mtime was
# this much older than the moment the file was read: within the same timestamp it may
# still have changed (FAT's 2 s resolution; ext4 and APFS are finer; git's "racy clean").
RACY_NS = 2_000_000_000
STAMP = "last-pruned"         # its time: the last automatic prune (at most one a day)
LOCK = "in-use.lock"
LOCK_TEXT = b"deckbuilder: builds hold this file shared while they run; pruning holds it alone\n"


class CacheError(DeckError):
    """A cache setting that cannot be used."""


# ---------------------------------------------------------------- recording use


def used(path: Path | str | int, now_ns: int | None = None) -> bool:
    """Return whether the cache file `path` (or open descriptor) is there, marking it used
    now when its last use is over a day old."""
    try:
        st = os.stat(path)
    except OSError:
        return False
    mark(path, st, now_ns)
    return True


def mark(path: Path | str | int, st: os.stat_result, now_ns: int | None = None) -> None:
    """Set the access time of `path` (whose stat is `st`) to now, if its last use is
    over a day old; its modification time is kept."""
    now = time.time_ns() if now_ns is None else now_ns
    if now - max(st.st_atime_ns, st.st_mtime_ns) < DAY_NS:
        return
    try:
        os.utime(path, ns=(now, st.st_mtime_ns))
    except (OSError, NotImplementedError):
        pass   # another user's file, a read-only cache: it may be pruned and made again


# ---------------------------------------------------------------- holding the folder


@contextmanager
def in_use(cache_dir: Path | None = None) -> Iterator[None]:
    """Hold the cache folder shared while a build looks its files up and reads them."""
    with _locked(cache_root(cache_dir), exclusive=False, wait=True):
        yield


@contextmanager
def _locked(root: Path, exclusive: bool, wait: bool) -> Iterator[bool]:
    """Hold the folder's lock; yield whether it is held, or there is nothing to guard
    (no folder, or no locks on this system, where nothing is pruned: walk.SAFE)."""
    try:
        import fcntl
    except ImportError:
        yield True
        return
    fd = _lock_file(root / LOCK)
    if fd is None:   # no folder yet (nothing to prune), or a read-only one without a lock
        yield not root.is_dir()
        return
    try:
        try:
            mode = fcntl.LOCK_EX if exclusive else fcntl.LOCK_SH
            fcntl.flock(fd, mode | (0 if wait else fcntl.LOCK_NB))
        except OSError:
            held = False
        else:
            held = True
        yield held
    finally:
        os.close(fd)   # which releases the lock


def _lock_file(path: Path) -> int | None:
    """Return the lock file open (made, saying what it is, if need be), None if it cannot be."""
    try:
        fd = os.open(path, os.O_RDWR | os.O_CREAT | os.O_EXCL | os.O_CLOEXEC, 0o644)
    except FileExistsError:
        pass
    except OSError:
        return None
    else:   # not left empty: an empty file in the cache looks like a write cut short
        try:
            os.write(fd, LOCK_TEXT)
        except OSError:
            pass   # a full disk: the lock works all the same
        return fd
    for flags in (os.O_RDWR, os.O_RDONLY):   # a read-only folder's lock file
        try:
            return os.open(path, flags | os.O_CLOEXEC)
        except OSError:
            continue
    return None


# ---------------------------------------------------------------- pruning


def days_setting(environ: dict[str, str] | None = None) -> int:
    """Return the days of disuse after which the automatic prune deletes a file
    ($DECKBUILDER_CACHE_DAYS, else 60; 0: never prune automatically)."""
    raw = (os.environ if environ is None else environ).get(DAYS_ENV, "").strip()
    if not raw:
        return DEFAULT_DAYS
    if not raw.isdigit():
        raise CacheError(f"{DAYS_ENV}={raw!r}: give a whole number of days "
                         "(0: never prune the cache automatically)")
    return int(raw)


def due(cache_dir: Path | None, days: int, now: float | None = None) -> bool:
    """Return whether the automatic prune should run: days > 0, and the folder was not
    pruned in the last day (the time of its stamp file)."""
    if days <= 0:
        return False
    now = time.time() if now is None else now
    try:
        return now - os.stat(cache_root(cache_dir) / STAMP).st_mtime >= 86_400
    except FileNotFoundError:
        return cache_root(cache_dir).is_dir()
    except OSError:
        return False


class Pruned:
    """What a prune or clear deleted: files and bytes. (A plain class, not a dataclass:
    every build imports this module, and making a dataclass takes some 0.5 ms.)"""

    __slots__ = ("files", "bytes")

    def __init__(self, files: int = 0, size: int = 0) -> None:
        self.files, self.bytes = files, size


def prune(cache_dir: Path | None, days: int, *, wait: bool = False,
          referenced: Callable[[], Collection[str] | None] = lambda: None,
          forget: Callable[[], None] = lambda: None, now: float | None = None
          ) -> Pruned | None:
    """Delete the cache files not used for `days` days, and what nothing reads any more;
    return what went (None: builds hold the folder and `wait` is false).

    Obsolete entries go at any age, temporaries after an hour (or once their run is
    gone), images that no index record names (`referenced()`: their keys, None when
    unknown) after a week unused. `forget()` then drops the index records of what went.
    The stamp is set.
    """
    from deckbuilder.cache import walk as forms

    root = cache_root(cache_dir)
    with _locked(root, exclusive=True, wait=wait) as held:
        if not held:
            return None
        _stamp(root, now)
        now_ns = int((time.time() if now is None else now) * 1e9)
        cut, unnamed = now_ns - days * DAY_NS, now_ns - min(days, UNREFERENCED_DAYS) * DAY_NS
        keys = referenced()
        out = Pruned()

        def found(f: Found) -> None:
            last = max(f.st.st_atime_ns, f.st.st_mtime_ns)
            if f.kind == "records":
                return
            if f.kind == "temporary":
                # A rename changes ctime, not mtime: as `fsutil.clean_stale` judges them.
                gone = (now_ns - max(f.st.st_mtime_ns, f.st.st_ctime_ns) > STALE_AFTER * 1e9
                        or left_by_dead_run(f.name))
            elif f.kind == "images" and keys is not None and f.name.split(".")[0] not in keys:
                gone = last < unnamed
            else:
                gone = f.obsolete or last < cut
            if gone:
                _delete(f, out)
        forms.walk(root, found, lambda: None)
        forget()
        return out


def clear(cache_dir: Path | None, wait: bool = True) -> Pruned | None:
    """Delete every file deckbuilder put in the cache folder (and its emptied folders);
    return what went (None: a build holds it and `wait` is false)."""
    from deckbuilder.cache import walk as forms

    root = cache_root(cache_dir)
    with _locked(root, exclusive=True, wait=wait) as held:
        if not held:
            return None
        out = Pruned()

        def delete(f: Found) -> None:
            if f.name != LOCK:   # held by this very call
                _delete(f, out)
        forms.walk(root, delete, lambda: None)
        forms.remove_empty_folders(root)
        return out


def survey(cache_dir: Path | None = None) -> Survey:
    """Return the files and bytes of each kind in the cache folder, and how many of its
    entries are not deckbuilder's."""
    from deckbuilder.cache import walk as forms

    return forms.survey(cache_root(cache_dir))


def _delete(f: Found, out: Pruned) -> None:
    try:
        os.unlink(f.name, dir_fd=f.dir_fd)
    except OSError:
        return   # gone meanwhile, or not ours to delete
    out.files += 1
    out.bytes += f.st.st_size


def _stamp(root: Path, now: float | None) -> None:
    try:
        (root / STAMP).touch()
        if now is not None:
            os.utime(root / STAMP, (now, now))
    except OSError:
        pass   # a read-only cache: nothing will be deleted there either
