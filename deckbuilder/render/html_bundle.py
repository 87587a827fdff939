"""The files an HTML deck is made of: copied into the deck folder, or inlined in the
one-file deck as data: URIs (its pictures streamed in as the page is written)."""

from __future__ import annotations

import hashlib
import re
import secrets
from dataclasses import dataclass, field
from pathlib import Path
from typing import IO

try:   # the same bytes as base64.b64encode, ~10x faster: a one-file deck is mostly base64
    from pybase64 import b64encode
except ImportError:  # pragma: no cover - a platform without pybase64's wheels
    from base64 import b64encode  # type: ignore[assignment]  # pybase64's takes more options

from deckbuilder.errors import BuildError
from deckbuilder.fsutil import Writer

MIME = {".jpg": "image/jpeg", ".jpeg": "image/jpeg", ".png": "image/png", ".gif": "image/gif",
        ".webp": "image/webp", ".svg": "image/svg+xml", ".avif": "image/avif",
        ".woff2": "font/woff2", ".js": "text/javascript", ".css": "text/css"}


@dataclass
class Bundle:
    """The files a deck needs, and the URL each is referenced by in index.html.

    A one-file deck's images are not read here: each URL is a placeholder that `writer`
    replaces with the image's data: URI while it writes the page, a chunk at a time, so
    that the deck's images are never in memory together (nor their base64).
    """

    inline: bool
    files: dict[str, bytes | Path] = field(default_factory=dict)   # folder path -> content
    urls: dict[Path, str] = field(default_factory=dict)            # source file -> URL
    later: list[Path] = field(default_factory=list)                # images inlined on writing
    nonce: str = field(default_factory=lambda: secrets.token_hex(8))

    def add(self, source: Path, rel: str) -> str:
        """Return the URL of `source`, stored at `rel` (or inlined as a data: URI)."""
        if source not in self.urls:
            data = read(source)
            if self.inline:
                self.urls[source] = f"data:{_mime(source)};base64,{b64encode(data).decode()}"
            else:
                self.files[rel] = data
                self.urls[source] = rel
        return self.urls[source]

    def data(self, data: bytes, rel: str, mime: str) -> str:
        """Return the URL of bytes made here (a subset font), stored at `rel`."""
        if self.inline:
            return f"data:{mime};base64,{b64encode(data).decode()}"
        self.files[rel] = data
        return rel

    def image(self, source: Path) -> str:
        """Return the URL of an image, named by its content so each is stored once."""
        if source in self.urls:
            return self.urls[source]
        if self.inline:
            self.urls[source] = f"deckbuilder-image-{self.nonce}-{len(self.later)}"
            self.later.append(source)
        else:
            rel = f"img/{_digest(source)[:16]}{source.suffix.lower()}"
            self.files[rel] = source    # copied when the batch writes the folder
            self.urls[source] = rel
        return self.urls[source]

    def writer(self, page: str) -> Writer:
        """Return a function writing `page` with each image placeholder replaced by the
        image's data: URI, streamed from its file."""
        token = re.compile(rf"deckbuilder-image-{self.nonce}-(\d+)")

        def write(out: IO[bytes]) -> None:
            at = 0
            for found in token.finditer(page):
                out.write(page[at:found.start()].encode("utf-8"))
                source = self.later[int(found[1])]
                out.write(f"data:{_mime(source)};base64,".encode())
                _base64_into(source, out)
                at = found.end()
            out.write(page[at:].encode("utf-8"))
        return write


def _mime(source: Path) -> str:
    return MIME.get(source.suffix.lower(), "application/octet-stream")


_CHUNK = 3 << 18    # 768 KiB: a multiple of 3, so the chunks' base64 joins up unpadded


def _base64_into(source: Path, out: IO[bytes]) -> None:
    with source.open("rb") as f:
        while chunk := f.read(_CHUNK):
            out.write(b64encode(chunk))


def _digest(path: Path) -> str:
    try:
        with path.open("rb") as f:
            return hashlib.file_digest(f, "sha256").hexdigest()
    except OSError as e:
        raise BuildError(f"cannot read {path}: {e.strerror}") from None


def read(path: Path) -> bytes:
    """Return a file's bytes; raise BuildError naming it when it cannot be read."""
    try:
        return path.read_bytes()
    except OSError as e:
        raise BuildError(f"cannot read {path}: {e.strerror}") from None
