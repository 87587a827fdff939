"""Image normalisation shared by every renderer, cached by content: `normalise`.

Every picked image becomes a PNG or JPEG no larger than the largest box a slide can
give it at the theme's ppi, upright, with nothing but its pixels and an RGB profile:
no EXIF, XMP, comments or text chunks. Most screenshots need nothing else, and are
passed through with only their metadata cut out (`convert`, `strip`); the rest are
re-encoded, in worker processes (`pool`). The bytes are deterministic, so decks are
reproducible and python-pptx stores an image used twice only once.

Results live in a content-addressed cache; its `index` maps a source's path, size and
mtime to its content hash and results, so a warm rebuild reads no image at all.

A source `check` has not decoded is verified as `check` would (`pixels.unreadable`):
re-encoding proves it; a file passed through is verified after it was written, by
the workers, while the build draws the deck with it (`normalise_each(defer=True)`),
and the build writes no deck until every verdict is in. The index records a result
only once it is known to decode, so a cached file the index does not record (one a
stopped build left) is verified again before it is used.
"""

from __future__ import annotations

import hashlib
import io
import os
import struct
from dataclasses import dataclass
from pathlib import Path
from typing import Callable, Collection, Mapping, Sequence

import PIL   # its version only: Image and `convert` are imported where a picture is opened

from deckbuilder.cache import used
from deckbuilder.errors import BuildError, Diagnostic, Location

# cache_root lives in fsutil: `remote`, an earlier stage, downloads into the same cache.
from deckbuilder.fsutil import cache_root, cache_write, clean_stale
from deckbuilder.images import pool
from deckbuilder.images.index import Index, Result, Seen, forget_missing, now_ns, referenced
from deckbuilder.model import CANVAS, Normalised
from deckbuilder.pixels import PILLOW_FORMATS, SIGNATURE, Unreadable, unreadable
from deckbuilder.theme import Theme

PIPELINE_VERSION = "5"        # bump when the output of `convert.make` changes
CANVAS_PPI = 96               # canvas px per inch: 1280 px across a 13.333 in slide
# Worker processes are started when the images to normalise hold this many bytes.
WORKERS_FROM_BYTES = 4_000_000
MADE = ("jpg", "png")          # the extensions `convert.make` gives its files
QR_MODULE_PX = 16             # PNG pixels per QR module: sharp even on a full-screen slide


def target_size(theme: Theme, aspect: str, ppi: float | None = None) -> tuple[int, int]:
    """Return the largest pixel size any picture needs: its largest box at the theme's
    ppi (or at `ppi`)."""
    width, height = _largest_box(theme, aspect)
    scale = (ppi or theme.get("images.ppi")) / CANVAS_PPI
    return round(width * scale), round(height * scale)


def _largest_box(theme: Theme, aspect: str) -> tuple[float, float]:
    """Return the largest box a picture is drawn in, in canvas px: the content area, or
    for full-bleed pictures the whole slide (a little more when `fit: cover` may cut
    their edges off, by up to `cover_tolerance`)."""
    width, height = CANVAS[aspect]
    if theme.get("image_slide.layout") == "fullbleed":
        bleed = theme.get("image_slide.fullbleed")
        grow = 1 + float(bleed["cover_tolerance"]) if bleed["fit"] == "cover" else 1.0
        return width * grow, height * grow
    m = theme.get("canvas.margin")
    return width - m["left"] - m["right"], height - m["top"] - m["bottom"]


def pass_limit(theme: Theme, aspect: str) -> tuple[int, int]:
    """Return the largest pixel size passed through as it is: the largest box at
    `images.max_ppi` (350 in the default theme, against 150 for `images.ppi`). A
    screenshot of a whole HiDPI screen is sharper on a 4K projector as it is, and
    re-encoding it would cost a decode, a resample and an encode to save few bytes (or
    none: benchmarks/README.md); only a bigger one is shrunk, to `images.ppi`."""
    return target_size(theme, aspect, max(theme.get("images.max_ppi"), theme.get("images.ppi")))


@dataclass(frozen=True)
class _Job:
    """One source to normalise; everything a worker process needs to do it."""

    source: Path
    root: Path
    box: tuple[int, int]       # what a re-encoded image is shrunk to fit
    limit: tuple[int, int]     # the largest image passed through as it is
    quality: int
    checked: bool      # `check` decoded it in this run: passed through without decoding
    defer: bool = False   # passed through unverified: the caller verifies it (`_Verify`)


@dataclass(frozen=True)
class _Done:
    """What normalising one source found and made."""

    seen: Seen
    key: str
    result: Result
    proven: bool = False   # this job decoded or verified the pixels


@dataclass(frozen=True)
class _Verify:
    """A normalised file to verify as `check` verifies an image (`pixels.unreadable`)."""

    path: Path


def _work(job: _Job | _Verify) -> _Done | str | None:
    """Do one job of the image stage: normalise a source (`_Done`), or verify a file
    passed through (why it is unreadable, or None)."""
    if isinstance(job, _Verify):
        return unreadable(job.path)
    return _normalise_one(job)


def _key(sha256: str, job: _Job) -> str:
    """Return the cache key of a source's content under the job's settings."""
    settings = f"{sha256}|{job.box}|{job.limit}|{job.quality}|{PIPELINE_VERSION}|{PIL.__version__}"
    return hashlib.sha256(settings.encode()).hexdigest()


def _normalise_one(job: _Job) -> _Done:
    """Return the cached result of one source, made (and written) when not yet cached."""
    from PIL import Image

    from deckbuilder.images import convert

    st = os.stat(job.source)
    recorded = now_ns()    # before the read: a file changed after it is never trusted
    data = job.source.read_bytes()
    sha = hashlib.sha256(data).hexdigest()
    seen = Seen(st.st_size, st.st_mtime_ns, st.st_ino, recorded, sha)
    key = _key(sha, job)
    folder = job.root / key[:2]
    for path in (folder / f"{key}.{ext}" for ext in MADE):
        try:
            with Image.open(path, formats=PILLOW_FORMATS) as im:
                # Trusted if the index records it (the caller knows), else verified.
                if convert.clean(im) and used(path):   # marked as used, for pruning
                    return _Done(seen, key, _result(path, im.width, im.height))
        except (FileNotFoundError, NotADirectoryError):
            # Not made yet, or pruned by another run: made below (a cache "folder" that
            # is a file is told by the write, as a cache that cannot be written).
            continue
        path.unlink(missing_ok=True)  # written by a version that kept comments or profiles
    blob, ext, width, height, proven = convert.make(data, job.box, job.limit, job.quality,
                                                    job.checked, job.defer)
    try:   # written in the cache's tmp/, where the next run finds what a killed one left
        path = cache_write(folder / f"{key}.{ext}", blob, job.root / "tmp")
    except OSError as e:   # a full disk is not an unreadable image
        raise BuildError(f"cannot write {e.filename}: {e.strerror or e}") from None
    return _Done(seen, key, _result(path, width, height), proven)


def _result(path: Path, width: int, height: int) -> Result:
    st = path.stat()
    return Result(path.suffix[1:], width, height, st.st_size, st.st_mtime_ns)


def qr_code(url: str, cache_dir: Path | None = None) -> Normalised:
    """Return the QR code of `url`: a cached black-on-white PNG with its quiet zone."""
    import segno  # here: only a talk with a slides_url draws a QR code (segno: ~35 ms)

    code = segno.make(url, error="m", micro=False)   # segno raises the level when it fits
    out = io.BytesIO()
    # Whole pixels per module and pure black on white: crisp at any size, and scanners
    # need the contrast (a theme's colours could be too dark or inverted).
    code.save(out, kind="png", scale=QR_MODULE_PX, border=4, dark="#000000", light="#FFFFFF")
    blob = out.getvalue()
    digest = hashlib.sha256(blob).hexdigest()
    root = cache_root(cache_dir)
    path = root / digest[:2] / f"{digest}.png"
    if not used(path):
        cache_write(path, blob, root / "tmp")
    side = int(code.symbol_size(scale=QR_MODULE_PX, border=4)[0])   # segno types it int | float
    return Normalised(path, path, side, side)


def recorded(cache_dir: Path | None = None) -> set[str] | None:
    """Return the keys of the normalised files the cache's index records (None: none)."""
    return referenced(cache_root(cache_dir))


def forget_pruned(cache_dir: Path | None = None) -> None:
    """Drop the index records of normalised files that are gone (pruned)."""
    forget_missing(cache_root(cache_dir))


def known_good(cache_dir: Path | None = None) -> Callable[[Path], bool]:
    """Return a test of whether a file was normalised before and is unchanged since.

    `check` skips decoding such files: they decoded when they were normalised.
    """
    index = Index.load(cache_root(cache_dir))
    return lambda path: index.seen(Path(os.path.abspath(path))) is not None


def normalise(sources: Mapping[Path, Sequence[Location]], theme: Theme, aspect: str,
              cache_dir: Path | None = None, *, checked: Collection[Path] = (),
              jobs: int | None = None) -> tuple[dict[Path, Normalised], list[Diagnostic]]:
    """Return the normalised image per source path, and an error per use of a bad one.

    `checked`: sources `check` has verified in this run (a file passed through is then
    not verified again). `jobs`: processes to work in (default: one per core, when there
    is enough to do).
    """
    done, failed, _ = normalise_each(sources, theme, aspect, cache_dir, checked=checked, jobs=jobs)
    return done, describe(failed, sources)


def describe(failed: Mapping[Path, BaseException], sources: Mapping[Path, Sequence[Location]]
             ) -> list[Diagnostic]:
    """Return an error per use of each source that could not be normalised."""
    return [Diagnostic("error", _describe(path, exc), loc)
            for path, exc in failed.items() for loc in sources[path]]


def normalise_each(sources: Mapping[Path, Sequence[Location]], theme: Theme, aspect: str,
                   cache_dir: Path | None = None, *, checked: Collection[Path] = (),
                   jobs: int | None = None, progress: Callable[[str], None] | None = None,
                   defer: bool = False
                   ) -> tuple[dict[Path, Normalised], dict[Path, BaseException], Verifying]:
    """Return the normalised image per source path, why each other one failed (an
    unchecked source `check` would call unreadable: `pixels.Unreadable`), and the
    verification of what was passed through. As `normalise`; `progress` is told how many
    images there are to read, before the long part.

    `defer`: the unchecked sources passed through are verified in the background, while
    the caller draws the deck with them, and `Verifying.failed()` says which are
    unreadable (the caller must not show a deck with them). Without it they are
    verified before this returns, and an unreadable one is among the failed.
    """
    box, limit = target_size(theme, aspect), pass_limit(theme, aspect)
    quality = int(theme.get("images.jpeg_quality"))
    root = cache_root(cache_dir)
    clean_stale(root / "tmp")
    index = Index.load(root)
    done: dict[Path, Normalised] = {}
    todo: list[_Job] = []
    given: dict[Path, Path] = {}   # absolute path -> the path as the caller named it
    for path in sorted(sources):
        job = _Job(Path(os.path.abspath(path)), root, box, limit, quality, path in checked,
                   defer)
        given[job.source] = path
        hit = _cached(index, job)
        if hit is not None:
            done[path] = Normalised(path, *hit)
        else:
            todo.append(job)
    costs = {job.source: _cost(job.source, limit) for job in todo}
    # The slowest first (those to re-encode, then the biggest files), so that no process
    # is left with one at the end; the results do not depend on who does which job, or when.
    todo.sort(key=lambda job: costs[job.source], reverse=True)
    workers = _workers(sum(size for _, size in costs.values()), jobs)
    if progress:
        progress(f"normalising images: {len(todo)} to read, {len(done)} unchanged")
    outcomes = pool.run(todo, workers, _work, keep=True)   # kept to verify
    failed: dict[Path, BaseException] = {}
    unproven: list[tuple[Path, Path, _Done]] = []
    for job, outcome in zip(todo, outcomes):
        path = given[job.source]
        if isinstance(outcome, _Done):
            r = outcome.result
            done[path] = Normalised(path, index.path(outcome.key, r.ext), r.width, r.height)
            # The index records only what is known to decode (`index`): what this run
            # proved, and a cached file it recorded before.
            if job.checked or outcome.proven or index.result(outcome.key) is not None:
                index.record(job.source, outcome.seen, outcome.key, r)
            else:
                unproven.append((path, job.source, outcome))
            continue
        if isinstance(outcome, BuildError):
            raise outcome
        assert isinstance(outcome, BaseException)   # a normalising job's only other answer
        _describe(path, outcome)   # a bug, not bad input, surfaces here with its traceback
        failed[path] = outcome
    verifying = Verifying(index, unproven, pool.begin(
        [_Verify(done[path].path) for path, _, _ in unproven], workers, _work))
    pool.drop_ahead()   # started, or kept, for more work than there was
    if not defer:
        for path, why in verifying.failed().items():
            del done[path]
            failed[path] = why
    return dict(sorted(done.items())), dict(sorted(failed.items())), verifying


class Verifying:
    """Passed-through files being verified in the background (`normalise_each`)."""

    def __init__(self, index: Index, unproven: list[tuple[Path, Path, _Done]],
                 running: pool.Running) -> None:
        self._index, self._unproven, self._running = index, unproven, running
        self._failed: dict[Path, BaseException] | None = None

    def failed(self) -> dict[Path, BaseException]:
        """Return why each unreadable one is (`pixels.Unreadable`, in check's words),
        by source path as the caller named it, once all are verified. The others are
        recorded in the index now (and the index saved); a failed one's file is deleted."""
        if self._failed is None:
            self._failed = {}
            for (path, source, done), verdict in zip(self._unproven, self._running.results()):
                if verdict is None:
                    self._index.record(source, done.seen, done.key, done.result)
                    continue
                self._index.path(done.key, done.result.ext).unlink(missing_ok=True)
                self._failed[path] = verdict if isinstance(verdict, BaseException) \
                    else Unreadable(verdict)
            _save(self._index)
        return dict(sorted(self._failed.items()))

    def cancel(self) -> None:
        """Stop verifying (the deck will not be shown); what was proven is recorded."""
        if self._failed is None:
            self._running.cancel()
            self._failed = {}
            _save(self._index)


def start_workers_ahead() -> None:
    """Start the worker processes a `normalise` with much to read starts, now: they start
    up (~0.2 s of CPU each) while this process does other work first. The next
    `normalise` takes them, and stops any it does not need; `drop_workers_ahead` stops
    them when no `normalise` comes."""
    pool.start_ahead(_workers(WORKERS_FROM_BYTES, None), _work)


def drop_workers_ahead() -> None:
    """Stop the worker processes `start_workers_ahead` started that are still unused."""
    pool.drop_ahead()


def _workers(size: int, jobs: int | None) -> int:
    """Return how many worker processes to start for `size` bytes of images: none for a
    little work (starting one costs ~0.2 s of CPU), else one per core besides this
    process (or `jobs` - 1)."""
    if jobs is not None:
        return jobs - 1
    return (os.cpu_count() or 1) - 1 if size >= WORKERS_FROM_BYTES else 0


def _cost(path: Path, limit: tuple[int, int]) -> tuple[bool, int]:
    """Return how slow a source is to normalise, as (to be re-encoded, bytes), guessed
    from its size and, for a PNG, the pixel size in its header: one too large for
    `limit` is decoded, shrunk and encoded again, some 50 times a pass-through's work."""
    try:
        with open(path, "rb") as f:
            head, size = f.read(24), os.fstat(f.fileno()).st_size
    except OSError:
        return False, 0    # reported by the job
    if head.startswith(SIGNATURE) and head[12:16] == b"IHDR":
        width, height = struct.unpack(">II", head[16:24])
        return width > limit[0] or height > limit[1], size
    return False, size


def _cached(index: Index, job: _Job) -> tuple[Path, int, int] | None:
    """Return (file, width, height) of an unchanged source's cached result, if any."""
    seen = index.seen(job.source)
    if seen is None:
        return None
    key = _key(seen.sha256, job)
    result = index.result(key)
    if result is None:
        return None
    return index.path(key, result.ext), result.width, result.height


def _save(index: Index) -> None:
    try:
        index.save()
    except OSError:
        pass   # the index only saves time: a cache that cannot take it still works


def _describe(path: Path, exc: BaseException) -> str:
    from PIL import Image

    if isinstance(exc, FileNotFoundError):
        return f"image not found: {path.name}"
    if isinstance(exc, (Image.DecompressionBombError, Image.DecompressionBombWarning)):
        return f"image too large: {path.name}"
    if isinstance(exc, (OSError, ValueError, SyntaxError, Image.UnidentifiedImageError)):
        detail = str(exc) if not isinstance(exc, Image.UnidentifiedImageError) else "not an image"
        return f"unreadable image {path.name}: {detail}"
    raise exc  # a bug, not bad input: let it surface with its traceback
