"""Remote images: `![](https://…/figure.png)` downloaded on request, once, into the cache.

Nothing here runs unless the talk asks for it (`remote_images: fetch` in the spec, or
`--fetch-remote`): without it deckbuilder makes no request at all. A download is one
GET to an `http`/`https` URL; each redirect is followed by hand, at most
`Limits.redirects` of them, and its target checked again (http/https only, no loop), so
a note can never make deckbuilder open a `file:`, `ftp:` or `data:` URL. The answer must
be 200, not a web page, and at most `Limits.max_bytes` (refused from its Content-Length,
or as soon as the stream passes it); then the caller's `verify` (check's decoding, the
one the image stage uses) must pass before the file is cached under the hash of its URL.
A cached URL is never asked for again. Failures are returned as sentences, per URL, so
`check` reports each at its `note:line`, all at once. `web` makes the requests.
"""

from __future__ import annotations

import hashlib
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Iterable

from deckbuilder.cache import used
from deckbuilder.errors import BuildError
from deckbuilder.fsutil import atomic_write_bytes, cache_root

SCHEMES = ("http", "https")   # the only ones asked for, or followed in a redirect
# Why bytes are not an image the build can read, or None: `check` passes its decoder.
Verify = Callable[[bytes], "str | None"]


@dataclass(frozen=True)
class Limits:
    """How much a download may take: bytes, seconds and redirects."""

    max_bytes: int = 20_000_000    # 20 MB: far above any screenshot, far below a video
    timeout: float = 10.0          # s without a byte from the server (connect, each read)
    total: float = 60.0            # s for one image, redirects included (a trickling server)
    redirects: int = 5


class Refused(Exception):
    """A download given up; the message says why, for the user."""


def cached_path(url: str, cache_dir: Path | None = None) -> Path:
    """Return where the image at `url` is (or would be) cached: keyed by the URL's hash."""
    digest = hashlib.sha256(url.encode("utf-8", "surrogatepass")).hexdigest()
    return cache_root(cache_dir) / "remote" / digest[:2] / digest


def fetch(urls: Iterable[str], verify: Verify, cache_dir: Path | None = None,
          limits: Limits = Limits()) -> tuple[dict[str, Path], dict[str, str]]:
    """Return the cached file of every URL that is an image, and why each other one is not.

    A URL already in the cache (and still an image) is not requested again; one that
    fails is not cached, so the next run tries it again.
    """
    wanted = sorted(set(urls))
    if not wanted:
        return {}, {}
    # A few at a time: downloads wait on the network, not on this machine.
    from concurrent.futures import ThreadPoolExecutor  # here: only a download needs it

    with ThreadPoolExecutor(max_workers=min(4, len(wanted))) as pool:
        results = list(pool.map(lambda u: _one(u, verify, cache_dir, limits), wanted))
    found = {u: r for u, r in zip(wanted, results) if isinstance(r, Path)}
    failed = {u: r for u, r in zip(wanted, results) if isinstance(r, str)}
    return found, failed


def _one(url: str, verify: Verify, cache_dir: Path | None, limits: Limits) -> Path | str:
    """Return the cached image of `url` (downloaded if need be), or why there is none."""
    path = cached_path(url, cache_dir)
    if path.is_file():
        try:
            kept = path.read_bytes()
        except OSError:
            kept = b""   # unreadable now: as good as damaged
        if verify(kept) is None and used(path):   # still there, marked as used
            return path
        path.unlink(missing_ok=True)   # damaged since: downloaded again
    try:
        data = download(url, limits)
    except Refused as e:
        return str(e)
    problem = verify(data)
    if problem is not None:
        return f"not an image the deck can show ({problem})"
    try:   # the cache's tmp/: what a killed run left there is removed by the next one
        return atomic_write_bytes(path, data, cache_root(cache_dir) / "tmp")
    except OSError as e:   # a full disk is not a bad image
        raise BuildError(f"cannot write {e.filename}: {e.strerror or e}") from None


def download(url: str, limits: Limits = Limits()) -> bytes:
    """Return the body of the image at `url`; raise Refused saying why there is none."""
    # The network stack (urllib.request, http.client, ssl, email: some 25 ms to import)
    # is loaded only when something is to be downloaded, not by every `check` and build.
    from deckbuilder.remote import web

    return web.download(url, limits)
