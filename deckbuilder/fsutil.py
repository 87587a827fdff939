"""Atomic output: a reader never sees a half-written deck, and a failed run leaves
the previous output untouched. And reproducible zips: identical input, identical bytes."""

from __future__ import annotations

import io
import os
import shutil
import tempfile
import zipfile
from pathlib import Path
from typing import Callable, Iterable


def atomic_write_bytes(path: Path, data: bytes) -> Path:
    """Write `data` to `path` via a temporary file in the same folder; return `path`."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(prefix=f".{path.name}.", suffix=".tmp", dir=path.parent)
    try:
        with os.fdopen(fd, "wb") as f:
            f.write(data)
        os.chmod(tmp, 0o644)
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise
    return path


def atomic_write_text(path: Path, text: str) -> Path:
    """Write UTF-8 `text` to `path` atomically; return `path`."""
    return atomic_write_bytes(path, text.encode("utf-8"))


def staging_dir(dest: Path) -> Path:
    """Return a fresh empty folder beside `dest`, to fill and then `replace_dir` into place."""
    dest.parent.mkdir(parents=True, exist_ok=True)
    return Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".tmp", dir=dest.parent))


def replace_dir(staged: Path, dest: Path) -> Path:
    """Move a filled staging folder to `dest`, replacing what was there; return `dest`."""
    old = None
    if dest.exists():
        old = Path(tempfile.mkdtemp(prefix=f".{dest.name}.", suffix=".old", dir=dest.parent))
        os.replace(dest, old / "x")
    try:
        os.replace(staged, dest)
    except BaseException:
        if old is not None:
            os.replace(old / "x", dest)
        raise
    finally:
        if old is not None:
            shutil.rmtree(old, ignore_errors=True)
    return dest


ZIP_TIME = (1980, 1, 1, 0, 0, 0)    # the earliest zip time: identical input, identical zip


def reproducible_zip(members: Iterable[tuple[str, bytes]], *, compresslevel: int,
                     unix: bool, stored: Callable[[str], bool] = lambda _name: False) -> bytes:
    """Return a zip of `members` in order, with fixed times and modes.

    Every member is deflated at `compresslevel`, except those `stored` says to keep as
    they are. A `unix` zip marks its members as regular rw-r--r-- files made on Unix;
    otherwise they say MS-DOS with the same permission bits (what the PPTX has always
    had: changing it would change every deck's bytes).
    """
    system, mode = (3, 0o100644) if unix else (0, 0o644)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        for name, data in members:
            info = zipfile.ZipInfo(name, ZIP_TIME)
            info.external_attr = mode << 16
            info.create_system = system
            info.compress_type = zipfile.ZIP_STORED if stored(name) else zipfile.ZIP_DEFLATED
            archive.writestr(info, data, compresslevel=compresslevel)
    return buffer.getvalue()
