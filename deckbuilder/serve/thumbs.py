"""Small thumbnails of vault images for the picker, made on first request and cached.

They live beside the normalised images (`images.cache_root()/thumbs/`), keyed by the
source's path, size and mtime and the thumbnail settings, so a vault of thousands of
screenshots is decoded once, lazily, as the picker scrolls. Sources are decoded as
`check` decodes them (JPEG draft mode, refused formats and decompression bombs).
"""

from __future__ import annotations

import hashlib
import io
import os
from contextlib import AbstractContextManager, nullcontext
from pathlib import Path
from typing import Any

from PIL import Image

from deckbuilder.pixels import decode
from deckbuilder.cache import used
from deckbuilder.fsutil import atomic_write_bytes
from deckbuilder.images import cache_root

BOX = (320, 240)        # px: two card widths, sharp on a HiDPI screen
QUALITY = 78
VERSION = "1"           # bump when the output of `_make` changes


def path_of(source: Path, cache_dir: Path | None = None) -> Path:
    """Return where the thumbnail of `source` is cached (it may not exist yet)."""
    st = os.stat(source)
    key = f"{os.path.abspath(source)}|{st.st_size}|{st.st_mtime_ns}|{BOX}|{QUALITY}|{VERSION}"
    digest = hashlib.sha256(key.encode("utf-8", "surrogateescape")).hexdigest()
    return cache_root(cache_dir) / "thumbs" / digest[:2] / f"{digest}.jpg"


def thumbnail(source: Path, cache_dir: Path | None = None,
              slots: AbstractContextManager[Any] | None = None) -> bytes:
    """Return the JPEG thumbnail of `source`; raise OSError/ValueError when unreadable.

    A thumbnail not cached yet is made inside `slots` (a semaphore): a page scrolled
    fast asks for hundreds at once, and the preview's other requests must not wait.
    """
    cached = path_of(source, cache_dir)
    try:
        with open(cached, "rb") as f:
            used(f.fileno())   # its last use, for pruning
            return f.read()
    except FileNotFoundError:
        pass
    with slots or nullcontext():
        data = _make(source)
    root = cache_root(cache_dir)
    atomic_write_bytes(cached, data, root / "thumbs" / "tmp")
    return data


def _make(source: Path) -> bytes:
    with decode(source, BOX) as im:
        im.thumbnail(BOX, Image.Resampling.BILINEAR)   # a thumbnail: speed over finesse
        if im.mode in ("RGBA", "LA", "P", "PA"):
            rgba = im.convert("RGBA")
            flat = Image.new("RGB", rgba.size, "white")   # transparency on the card's white
            flat.paste(rgba, mask=rgba.getchannel("A"))
            im = flat
        else:
            im = im.convert("RGB")
        out = io.BytesIO()
        im.save(out, "JPEG", quality=QUALITY)
        return out.getvalue()
