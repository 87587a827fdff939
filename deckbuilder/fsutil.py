"""Atomic output: a reader never sees a half-written deck, and a failed run leaves
the previous output untouched. And reproducible zips: identical input, identical bytes.

Every output is first written in full under a temporary name beside its place, then
swapped in. On Linux a swap is one `renameat2(RENAME_EXCHANGE)`: the place holds the
old version or the new one, whenever the process dies. Elsewhere it is two renames,
with the old version parked under a temporary name in between (put back by the next
run if the process died there). A `Batch` swaps several outputs in together and undoes
them all when one fails. Temporary names say who made them (deckbuilder, the host,
the process id), so a later run removes what a killed one left, and nothing else.
"""

from __future__ import annotations

import errno
import functools
import io
import os
import re
import sys
import time
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path
from typing import IO, TYPE_CHECKING, Callable, Iterable, Iterator, Mapping, Union

# shutil, tempfile and zipfile (~10 ms to import) are imported where they are used: a
# rebuild of a one-file deck copies no folder, makes no zip and cleans no $TMPDIR.
if TYPE_CHECKING:
    import zipfile

STALE_AFTER = 3600.0   # s: a temporary this old is a leftover, whoever made it
# .<name>.deckbuilder-<host>-<pid>-<8 hex>.tmp (being written) or .old (parked old version)
_OURS = re.compile(r"\.(?P<name>.+)\.deckbuilder-(?P<host>[A-Za-z0-9-]+)-(?P<pid>\d+)"
                   r"-[0-9a-f]{8}\.(?P<kind>tmp|old)")
# What versions before the names above left: .<name>.<8 of mkstemp's letters>.tmp/.old
_LEGACY = r"\.(?P<name>{names})\.[a-z0-9_]{{8}}\.(?P<kind>tmp|old)"
_TEMP_DIR = re.compile(r"deckbuilder-(?P<kind>[a-z]+)-(?:(?P<host>[A-Za-z0-9-]+)-"
                       r"(?P<pid>\d+)-)?[a-z0-9_]{8}")
_AT_FDCWD, _RENAME_EXCHANGE = -100, 2


def host_tag() -> str:
    """Return this machine's name as temporary names carry it (letters, digits and '-')."""
    return re.sub(r"[^A-Za-z0-9-]", "-", _hostname())[:32] or "host"


def _hostname() -> str:
    # What socket.gethostname says (uname's node name) without importing socket (~4 ms).
    if hasattr(os, "uname"):
        return os.uname().nodename
    import socket

    return socket.gethostname()


def temp_name(name: str, kind: str = "tmp") -> str:
    """Return a fresh temporary name for `name`, saying it is deckbuilder's and whose."""
    return f".{name}.deckbuilder-{host_tag()}-{os.getpid()}-{os.urandom(4).hex()}.{kind}"


def temp_prefix(kind: str) -> str:
    """Return the prefix of a private folder of `kind` ("export", "chrome", "serve") in $TMPDIR."""
    return f"deckbuilder-{kind}-{host_tag()}-{os.getpid()}-"


# ---------------------------------------------------------------- swapping in


@functools.cache
def _renameat2() -> Callable[..., int] | None:
    if not sys.platform.startswith("linux"):
        return None
    import ctypes   # here: only a folder output is swapped in with it

    try:
        call = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):   # a C library older than glibc 2.28
        return None
    call.argtypes = (ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint)
    call.restype = ctypes.c_int
    return call


def exchange(a: Path, b: Path) -> bool:
    """Swap two existing paths in one atomic step; return False where the system cannot."""
    call = _renameat2()
    if call is None:
        return False
    if call(_AT_FDCWD, os.fsencode(a), _AT_FDCWD, os.fsencode(b), _RENAME_EXCHANGE) == 0:
        return True
    import ctypes

    err = ctypes.get_errno()
    if err in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False   # an old kernel, or a file system without it: rename instead
    raise OSError(err, os.strerror(err), str(b))


def swap_in(staged: Path, dest: Path, old: Path) -> None:
    """Put `staged` at `dest`, as nearly in one step as the system allows.

    The version it replaces ends up at `staged` (exchanged in one step) or at `old`
    (moved there first, or a hard link to a file that is then replaced in one step).
    """
    if not os.path.lexists(dest):
        os.rename(staged, dest)
    elif exchange(staged, dest):
        pass
    elif staged.is_dir() or (dest.is_dir() and not dest.is_symlink()):
        os.rename(dest, old)   # the window a kill can hit: the next run puts `old` back
        os.rename(staged, dest)
    else:
        try:
            os.link(dest, old)   # kept to undo with
        except OSError:
            pass                 # no hard links here (FAT): this one cannot be undone
        os.replace(staged, dest)


def _identity(path: Path) -> tuple[int, int] | None:
    try:
        info = os.lstat(path)
    except OSError:
        return None
    return info.st_dev, info.st_ino


@dataclass
class _Slot:
    """One output of a batch: its place, the names of its new and parked versions, and
    the identities (device, inode) of both, by which an interrupted swap is undone."""

    dest: Path
    staged: Path
    old: Path
    new_id: tuple[int, int] | None = None
    old_id: tuple[int, int] | None = None

    def put_back(self) -> None:
        """Undo `swap_in` as far as it got: the previous version back in its place."""
        at = {p: _identity(p) for p in (self.dest, self.staged, self.old)}
        if self.new_id is not None and at[self.dest] == self.new_id:
            if self.old_id is None:
                os.rename(self.dest, self.staged)
            elif at[self.staged] == self.old_id:
                if not exchange(self.staged, self.dest):
                    raise OSError(errno.EIO, "cannot swap the previous version back",
                                  str(self.dest))
            elif at[self.old] == self.old_id:
                os.rename(self.dest, self.staged)
                os.rename(self.old, self.dest)
            # else the previous version is gone (no hard links): the new one stays
        elif at[self.dest] is None and self.old_id is not None and at[self.old] == self.old_id:
            os.rename(self.old, self.dest)   # stopped between the two renames

    def discard(self) -> None:
        """Remove the temporaries, never the previous version when its place is empty."""
        for path in (self.staged, self.old):
            found = _identity(path)
            if found is not None and not (found == self.old_id
                                          and not os.path.lexists(self.dest)):
                remove(path)


REPLACED = "deckbuilder: the outputs had been replaced when this came"
# A file's content: its bytes, or a function writing them into the open file (so that a
# big output is never held in memory whole); a folder file may also be a file to copy.
Writer = Callable[[IO[bytes]], None]
Content = Union[bytes, Writer]
FolderFile = Union[bytes, Path]


class Batch:
    """Outputs that replace their previous versions together: all of them, or none.

    Nothing touches the disk until `commit`: it makes the folders, writes every output
    under a temporary name, then swaps them all in; a failure or an interruption undoes
    the swaps done so far and removes every temporary (and the folders it made). A
    writer function given as content runs during `commit`, while its output is staged:
    what it raises undoes the batch like a failed write.
    """

    def __init__(self) -> None:
        self._pending: list[tuple[Path, Content | Mapping[str, FolderFile], Path | None]] = []

    def file(self, dest: Path, data: Content, tmp_dir: Path | None = None) -> Path:
        """Add a file, its bytes or a writer of them (written in `tmp_dir`, else beside
        it); return `dest`."""
        self._pending.append((Path(dest), data, tmp_dir))
        return Path(dest)

    def folder(self, dest: Path, files: Mapping[str, FolderFile]) -> Path:
        """Add a folder of files by relative path, each its bytes or a file to copy (its
        previous content goes); return `dest`."""
        self._pending.append((Path(dest), dict(files), None))
        return Path(dest)

    def commit(self) -> None:
        """Write and swap in every output; raise OSError (naming the output) on failure."""
        made: list[Path] = []
        slots: list[_Slot] = []
        try:
            for folder, (dest, names) in self._folders().items():
                with _naming(dest):
                    made += _makedirs(folder)
                clean_stale(folder, names)
            for dest, content, tmp_dir in self._pending:
                slot = _Slot(dest, (tmp_dir or dest.parent) / temp_name(dest.name),
                             dest.with_name(temp_name(dest.name, "old")))
                slots.append(slot)
                with _naming(dest):
                    _stage(slot.staged, content)
                slot.new_id, slot.old_id = _identity(slot.staged), _identity(dest)
            for slot in slots:
                with _naming(slot.dest):
                    swap_in(slot.staged, slot.dest, slot.old)
        except BaseException as e:
            for slot in reversed(slots):
                try:
                    slot.put_back()
                except OSError as undo:
                    e.add_note(f"could not put back the previous {slot.dest}: {undo}")
                slot.discard()
            for folder in reversed(made):
                _rmdir_if_empty(folder)
            raise
        try:
            for slot in slots:
                slot.discard()
        except BaseException as e:   # too late to undo: say so (the CLI tells the user)
            e.add_note(REPLACED)
            raise

    def _folders(self) -> dict[Path, tuple[Path, list[str]]]:
        """Return each folder the batch writes in, with an output there and their names."""
        found: dict[Path, tuple[Path, list[str]]] = {}
        for dest, _, tmp_dir in self._pending:
            found.setdefault(dest.parent, (dest, []))[1].append(dest.name)
            if tmp_dir is not None:
                found.setdefault(tmp_dir, (dest, []))
        return found


def _stage(tmp: Path, content: Content | Mapping[str, FolderFile]) -> None:
    """Write one output under its temporary name (removed again if that fails)."""
    try:
        if isinstance(content, bytes) or callable(content):
            with open(tmp, "xb") as f:
                if isinstance(content, bytes):
                    f.write(content)
                else:
                    content(f)
            os.chmod(tmp, 0o644)
            return
        import shutil   # here: only a folder is copied into

        tmp.mkdir()
        for rel, data in sorted(content.items()):
            (tmp / rel).parent.mkdir(parents=True, exist_ok=True)
            if isinstance(data, bytes):
                (tmp / rel).write_bytes(data)
            else:   # copied, not read into memory (and never linked: the source may change)
                shutil.copyfile(data, tmp / rel)
        tmp.chmod(0o755)  # a deck folder is meant to be shared
    except BaseException:
        remove(tmp)
        raise


@contextmanager
def _naming(dest: Path) -> Iterator[None]:
    """Report an OSError as one about `dest`, not about a temporary name the user never saw."""
    try:
        yield
    except OSError as e:
        if e.filename == str(dest):
            raise
        raise OSError(e.errno, e.strerror or str(e), str(dest)) from e


def _makedirs(folder: Path) -> list[Path]:
    """Make `folder` and any missing parents; return the ones made, outermost first."""
    missing = []
    while not folder.exists() and folder.parent != folder:
        missing.append(folder)
        folder = folder.parent
    for path in reversed(missing):
        path.mkdir(exist_ok=True)
    return missing[::-1]


def _rmdir_if_empty(folder: Path) -> None:
    try:
        folder.rmdir()
    except OSError:
        pass  # not empty (someone else wrote there meanwhile), or already gone


def remove(path: Path) -> None:
    """Remove a file, link or folder tree, as far as permissions allow."""
    try:
        if path.is_dir() and not path.is_symlink():
            import shutil

            shutil.rmtree(path, ignore_errors=True)
        else:
            path.unlink(missing_ok=True)
    except OSError:
        pass  # a leftover we may not remove is left; it is never the user's file


def atomic_write_bytes(path: Path, data: Content, tmp_dir: Path | None = None) -> Path:
    """Write `data` (bytes, or a writer of them) to `path` via a temporary file (in
    `tmp_dir`, else beside it); return `path`."""
    batch = Batch()
    batch.file(path, data, tmp_dir)
    batch.commit()
    return path


def cache_write(path: Path, data: bytes, tmp_dir: Path) -> Path:
    """Write `data` to the cache file `path` via a temporary in `tmp_dir`; return `path`.

    A cache file is content-addressed, so it needs no old version kept or put back: only
    that no reader sees it half-written. One temporary and one rename, without `Batch`'s
    scan of the folder for leftovers (the caller cleans `tmp_dir` once per run), which
    cost more than the write for a cache of small files. A failure leaves no temporary.
    """
    tmp = tmp_dir / temp_name(path.name)
    with _naming(path):   # an error names the cache file, not the temporary
        for folder in (tmp_dir, path.parent):
            folder.mkdir(parents=True, exist_ok=True)
        try:
            with open(tmp, "xb") as f:
                f.write(data)
            os.chmod(tmp, 0o644)
            os.replace(tmp, path)
        except BaseException:
            remove(tmp)
            raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write UTF-8 `text` to `path` atomically; return `path`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def cache_root(cache_dir: Path | None = None) -> Path:
    """Return the image cache folder: `cache_dir`, else $XDG_CACHE_HOME/deckbuilder/img."""
    if cache_dir is not None:
        return cache_dir
    xdg = os.environ.get("XDG_CACHE_HOME") or str(Path.home() / ".cache")
    return Path(xdg) / "deckbuilder" / "img"


# ---------------------------------------------------------------- what killed runs left


def clean_stale(folder: Path, names: Iterable[str] = (), now: float | None = None) -> None:
    """Remove the temporaries that deckbuilder runs which died left in `folder`.

    Only names deckbuilder makes are looked at: its own (removed when their process is
    gone from this host, or after STALE_AFTER) and, for the output `names`, those of
    earlier versions (after STALE_AFTER). A parked old version whose place is empty
    (the run died between two renames) is put back instead.
    """
    names = list(names)
    legacy = re.compile(_LEGACY.format(names="|".join(map(re.escape, names)))) if names else None
    try:
        entries = sorted(os.scandir(folder), key=lambda e: e.name)
    except OSError:
        return   # no folder (yet), or not one we may read: nothing of ours to clean
    now = time.time() if now is None else now
    for entry in entries:
        path = Path(entry.path)
        if match := _OURS.fullmatch(entry.name):
            if _stale(path, now, match["host"], int(match["pid"])):
                _dispose(path, folder / match["name"], match["kind"], path)
        elif legacy and (match := legacy.fullmatch(entry.name)):
            if _stale(path, now):   # an old version parked its deck inside, as x/
                _dispose(path, folder / match["name"], match["kind"], path / "x")


def clean_stale_temp(kinds: Iterable[str], now: float | None = None,
                     older_than: float = STALE_AFTER) -> None:
    """Remove the private folders of `kinds` that runs which died left in $TMPDIR.

    A folder goes once its process is gone from this host, or when it is `older_than`
    seconds: `serve` passes a long age, since a live preview may sit idle for hours.
    """
    import tempfile

    root = Path(tempfile.gettempdir())
    wanted = set(kinds)
    try:
        entries = list(os.scandir(root))
    except OSError:
        return
    now = time.time() if now is None else now
    for entry in entries:
        match = _TEMP_DIR.fullmatch(entry.name)
        if not match or match["kind"] not in wanted or not entry.is_dir(follow_symlinks=False):
            continue
        if hasattr(os, "getuid") and entry.stat(follow_symlinks=False).st_uid != os.getuid():
            continue   # another user's
        pid = int(match["pid"]) if match["pid"] else None
        if _stale(Path(entry.path), now, match["host"], pid, older_than):
            remove(Path(entry.path))


def left_by_dead_run(name: str) -> bool:
    """Return whether `name` is a temporary of a run on this host that is gone."""
    match = _OURS.fullmatch(name)
    return match is not None and match["host"] == host_tag() and not _alive(int(match["pid"]))


def _stale(path: Path, now: float, host: str | None = None, pid: int | None = None,
           older_than: float = STALE_AFTER) -> bool:
    try:
        info = path.lstat()
    except OSError:
        return False
    # A rename changes ctime, not mtime: a deck parked a minute ago is a minute old.
    if now - max(info.st_mtime, info.st_ctime) > older_than:
        return True
    return host == host_tag() and pid is not None and not _alive(pid)


def _alive(pid: int) -> bool:
    """Return whether process `pid` (of this host) still runs; True when unsure."""
    if os.name != "posix" or pid <= 0:
        return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True   # someone else's process
    return True


def _dispose(path: Path, dest: Path, kind: str, parked: Path) -> None:
    """Remove a leftover; put a parked old version back where nothing took its place."""
    if kind == "old" and not os.path.lexists(dest) and os.path.lexists(parked):
        try:
            os.rename(parked, dest)
        except OSError:
            pass  # left for the user to find; removing it could lose their deck
        else:
            if parked != path:
                remove(path)
        return
    remove(path)


ZIP_TIME = (1980, 1, 1, 0, 0, 0)    # the earliest zip time: identical input, identical zip


def reproducible_zip(members: Iterable[tuple[str, bytes]], *, compresslevel: int,
                     unix: bool, stored: Callable[[str], bool] = lambda _name: False) -> bytes:
    """Return a zip of `members` in order, with fixed times and modes.

    Every member is deflated at `compresslevel`, except those `stored` says to keep as
    they are. A `unix` zip marks its members as regular rw-r--r-- files made on Unix;
    otherwise they say MS-DOS with the same permission bits (what the PPTX has always
    had: changing it would change every deck's bytes).
    """
    import zipfile

    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = reproducible_info(name, unix=unix, stored=stored(name))
            archive.writestr(info, data, compresslevel=compresslevel)
    return buffer.getvalue()


def reproducible_info(name: str, *, unix: bool, stored: bool) -> zipfile.ZipInfo:
    """Return the header of one member of a reproducible zip (see `reproducible_zip`)."""
    import zipfile

    system, mode = (3, 0o100644) if unix else (0, 0o644)
    info = zipfile.ZipInfo(name, ZIP_TIME)
    info.external_attr = mode << 16
    info.create_system = system
    info.compress_type = zipfile.ZIP_STORED if stored else zipfile.ZIP_DEFLATED
    return info
